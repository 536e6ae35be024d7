/* SPDX-License-Identifier: Apache-2.0 */
#include "util/units.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * A decimal number "123" or "1.25" at *p: integer part in *whole, fraction as
 * frac / scale. Returns false when there is no digit.
 */
static bool
read_number(const char **p, uint64_t *whole, uint64_t *frac, uint64_t *scale, bool *overflow)
{
    const char *s = *p;
    bool any = false;

    *whole = 0, *frac = 0, *scale = 1;
    for (; isdigit((unsigned char)*s); s++, any = true) {
        if (*whole > (UINT64_MAX - 9) / 10)
            *overflow = true;
        else
            *whole = *whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        s++;
        for (; isdigit((unsigned char)*s); s++, any = true)
            if (*scale < 1000000000000000000ULL) {
                *frac = *frac * 10 + (uint64_t)(*s - '0');
                *scale *= 10;
            }
    }
    *p = s;
    return any;
}

/* whole.frac * mult, false on overflow. */
static bool
scale_by(uint64_t whole, uint64_t frac, uint64_t scale, uint64_t mult, uint64_t *out)
{
    long double part = (long double)frac / (long double)scale * (long double)mult;

    if (whole != 0 && mult > UINT64_MAX / whole)
        return false;
    if ((long double)(whole * mult) + part > (long double)UINT64_MAX)
        return false;
    *out = whole * mult + (uint64_t)part;
    return true;
}

int
bolt_parse_size(const char *text, uint64_t *bytes, struct bolt_err *err)
{
    static const char units[] = "bkmgtp";
    const char *s = text;
    uint64_t whole, frac, scale, mult = 1;
    bool overflow = false;
    char u;

    if (!read_number(&s, &whole, &frac, &scale, &overflow))
        goto bad;
    if (*s == ' ')
        s++;
    u = (char)tolower((unsigned char)*s);
    if (u != '\0' && strchr(units, u) != NULL) {
        for (const char *x = units; *x != u; x++)
            mult *= 1024;
        s++;
        if (u != 'b' && (*s == 'i' || *s == 'I'))
            s++;
        if (u != 'b' && (*s == 'b' || *s == 'B'))
            s++;
    }
    if (*s != '\0')
        goto bad;
    if (overflow || !scale_by(whole, frac, scale, mult, bytes))
        return bolt_err_set(err, 0, "size '%s' is too large", text);
    return 0;
bad:
    return bolt_err_set(err, 0,
                        "invalid size '%s' (expected a number with an optional unit "
                        "b, k, m, g or t, e.g. 512m or 8GB)",
                        text);
}

struct dur_unit {
    const char *name;
    uint64_t ns;
};

static const struct dur_unit dur_units[] = {
    {"ns", 1ULL},         {"us", 1000ULL},       {"\xC2\xB5s", 1000ULL},  {"ms", 1000000ULL},
    {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL}, {NULL, 0},
};

int
bolt_parse_duration(const char *text, uint64_t *ns, struct bolt_err *err)
{
    const char *s = text;
    uint64_t total = 0;

    if (strcmp(text, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (*s == '\0')
        goto bad;
    while (*s != '\0') {
        uint64_t whole, frac, scale, part;
        const struct dur_unit *u, *best = NULL;
        bool overflow = false;
        if (!read_number(&s, &whole, &frac, &scale, &overflow))
            goto bad;
        /* Longest unit name that matches ("ms" before "m"). */
        for (u = dur_units; u->name; u++)
            if (strncmp(s, u->name, strlen(u->name)) == 0
                && (best == NULL || strlen(u->name) > strlen(best->name)))
                best = u;
        if (best == NULL)
            goto bad;
        s += strlen(best->name);
        if (overflow || !scale_by(whole, frac, scale, best->ns, &part) || total + part < total)
            return bolt_err_set(err, 0, "duration '%s' is too long", text);
        total += part;
    }
    *ns = total;
    return 0;
bad:
    return bolt_err_set(err, 0,
                        "invalid duration '%s' (expected a number with a unit ms, s, "
                        "m or h, e.g. 30s or 1m30s)",
                        text);
}

const char *
bolt_format_duration(uint64_t ns, char *buf, size_t len)
{
    uint64_t h = ns / 3600000000000ULL, m = ns / 60000000000ULL % 60;
    uint64_t s = ns / 1000000000ULL % 60, sub = ns % 1000000000ULL;
    char frac[16] = "";
    size_t at = 0;
    int n;

    if (ns == 0) {
        snprintf(buf, len, "0s");
        return buf;
    }
    if (ns < 1000000000ULL) {
        if (ns % 1000000ULL == 0)
            snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ULL));
        else if (ns % 1000ULL == 0)
            snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000ULL));
        else
            snprintf(buf, len, "%lluns", (unsigned long long)ns);
        return buf;
    }
    if (sub != 0) {
        snprintf(frac, sizeof(frac), ".%09llu", (unsigned long long)sub);
        for (char *e = frac + strlen(frac) - 1; *e == '0'; e--)
            *e = '\0';
    }
    buf[0] = '\0';
    if (h > 0 && (n = snprintf(buf, len, "%lluh", (unsigned long long)h)) > 0)
        at += (size_t)n;
    if ((h > 0 || m > 0) && at < len
        && (n = snprintf(buf + at, len - at, "%llum", (unsigned long long)m)) > 0)
        at += (size_t)n;
    if (at < len)
        snprintf(buf + at, len - at, "%llu%ss", (unsigned long long)s, frac);
    return buf;
}
