/* SPDX-License-Identifier: Apache-2.0 */
/* TOML scalars: the four string kinds with their escapes, booleans, numbers, dates and times. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml_model.h"
#include "toml/toml_parser.h"
#include "util/mem.h"

/* --- UTF-8 -------------------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (n bytes available), or 0 if it is not valid UTF-8. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
        || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int
toml_check_utf8(struct toml_parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    unsigned line = 1, col = 1;

    for (size_t i = 0; i < p->len;) {
        size_t n = utf8_len(s + i, p->len - i);
        if (n == 0)
            return toml_fail_pos(p, (struct bolt_toml_pos){line, col},
                                 "invalid UTF-8 byte 0x%02X (TOML files must be UTF-8)", s[i]);
        if (s[i] == '\n')
            line++, col = 1;
        else
            col++;
        i += n;
    }
    return 0;
}

/* --- string building ---------------------------------------------------------------- */

static void
put_utf8(struct bolt_buf *b, uint32_t cp)
{
    char u[4];

    if (cp < 0x80) {
        u[0] = (char)cp;
        bolt_buf_add(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        bolt_buf_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        bolt_buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        bolt_buf_add(b, u, 4);
    }
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An escape sequence starting at the backslash p->i. */
static int
parse_escape(struct toml_parser *p, struct bolt_buf *b)
{
    static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
    size_t at = p->i;
    char c = p->i + 1 < p->len ? p->s[p->i + 1] : '\0';
    const char *hit = c ? strchr(from, c) : NULL;
    uint32_t cp = 0;
    int digits;

    if (hit != NULL) {
        bolt_buf_add(b, &to[hit - from], 1);
        p->i += 2;
        return 0;
    }
    if (c != 'u' && c != 'U') {
        if (c == '\0' || (unsigned char)c < 0x20 || (unsigned char)c >= 0x7F)
            return toml_fail(p, "invalid escape sequence in string");
        return toml_fail(p,
                         "invalid escape sequence '\\%c' (valid: \\b \\t \\n \\f \\r \\\" "
                         "\\\\ \\uXXXX \\UXXXXXXXX)",
                         c);
    }
    digits = c == 'u' ? 4 : 8;
    p->i += 2;
    for (int k = 0; k < digits; k++) {
        int h = p->i < p->len ? hexval(p->s[p->i]) : -1;
        if (h < 0)
            return toml_fail_pos(p, toml_pos_at(p, at), "'\\%c' needs exactly %d hex digits", c,
                                 digits);
        cp = (cp << 4) | (uint32_t)h;
        p->i++;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return toml_fail_pos(p, toml_pos_at(p, at),
                             "escape '\\%c%0*X' is not a Unicode scalar value", c, digits, cp);
    put_utf8(b, cp);
    return 0;
}

static bool
is_ctrl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* Copy one UTF-8 character (already validated) at p->i into b. */
static void
copy_char(struct toml_parser *p, struct bolt_buf *b)
{
    size_t n = utf8_len((const unsigned char *)p->s + p->i, p->len - p->i);

    bolt_buf_add(b, p->s + p->i, n ? n : 1);
    p->i += n ? n : 1;
}

static int
single_line(struct toml_parser *p, struct bolt_buf *b, char quote)
{
    struct bolt_toml_pos open = toml_here(p);

    p->i++;
    for (;;) {
        unsigned char c;
        if (p->i >= p->len || p->s[p->i] == '\n' || p->s[p->i] == '\r')
            return toml_fail_pos(p, open,
                                 "unterminated string (single-line strings end on the "
                                 "same line; use %s for several lines)",
                                 quote == '"' ? "\"\"\"" : "'''");
        c = (unsigned char)p->s[p->i];
        if (c == (unsigned char)quote) {
            p->i++;
            return 0;
        }
        if (is_ctrl(c))
            return toml_fail(p, "control character U+%04X must be escaped in a string", c);
        if (c == '\\' && quote == '"') {
            if (parse_escape(p, b) < 0)
                return -1;
            continue;
        }
        copy_char(p, b);
    }
}

/* After a line-ending backslash: skip whitespace up to and across newlines. */
static int
line_continuation(struct toml_parser *p)
{
    size_t at = p->i;
    bool nl = false;

    p->i++;
    for (; p->i < p->len; p->i++) {
        char c = p->s[p->i];
        if (c == ' ' || c == '\t')
            continue;
        if (c == '\r' && p->i + 1 < p->len && p->s[p->i + 1] == '\n')
            p->i++, c = '\n';
        if (c != '\n')
            break;
        nl = true;
        p->i++;
        toml_newline(p);
        p->i--;
    }
    if (!nl)
        return toml_fail_pos(p, toml_pos_at(p, at),
                             "invalid escape: a backslash followed by "
                             "spaces must end the line");
    return 0;
}

static int
multi_line(struct toml_parser *p, struct bolt_buf *b, char quote)
{
    struct bolt_toml_pos open = toml_here(p);

    p->i += 3;
    if (p->i < p->len && p->s[p->i] == '\n') {
        p->i++;
        toml_newline(p);
    } else if (p->i + 1 < p->len && p->s[p->i] == '\r' && p->s[p->i + 1] == '\n') {
        p->i += 2;
        toml_newline(p);
    }
    for (;;) {
        unsigned char c;
        if (p->i >= p->len)
            return toml_fail_pos(p, open, "unterminated multi-line string");
        c = (unsigned char)p->s[p->i];
        if (c == (unsigned char)quote) {
            size_t n = 0;
            while (p->i + n < p->len && p->s[p->i + n] == quote)
                n++;
            if (n >= 3 && n <= 5) {
                bolt_buf_add(b, p->s + p->i, n - 3);
                p->i += n;
                return 0;
            }
            if (n > 5)
                return toml_fail(p, "too many quotes: at most two may precede the closing %s",
                                 quote == '"' ? "\"\"\"" : "'''");
            bolt_buf_add(b, p->s + p->i, n);
            p->i += n;
            continue;
        }
        if (c == '\n' || (c == '\r' && p->i + 1 < p->len && p->s[p->i + 1] == '\n')) {
            bolt_buf_add(b, "\n", 1);
            p->i += c == '\r' ? 2 : 1;
            toml_newline(p);
            continue;
        }
        if (is_ctrl(c))
            return toml_fail(p, "control character U+%04X must be escaped in a string", c);
        if (c == '\\' && quote == '"') {
            char n = p->i + 1 < p->len ? p->s[p->i + 1] : '\0';
            int r = (n == ' ' || n == '\t' || n == '\n' || n == '\r') ? line_continuation(p)
                                                                      : parse_escape(p, b);
            if (r < 0)
                return -1;
            continue;
        }
        copy_char(p, b);
    }
}

int
toml_parse_string(struct toml_parser *p, char **out, size_t *out_len)
{
    struct bolt_buf b = {0};
    char quote = p->s[p->i];
    bool ml = p->i + 2 < p->len && p->s[p->i + 1] == quote && p->s[p->i + 2] == quote;

    bolt_buf_add(&b, "", 0);
    if ((ml ? multi_line(p, &b, quote) : single_line(p, &b, quote)) < 0) {
        free(b.p);
        return -1;
    }
    *out = b.p;
    *out_len = b.len;
    return 0;
}

/* --- numbers ------------------------------------------------------------------------ */

static bool
is_digit_of(char c, int base)
{
    int v = hexval(c);

    return v >= 0 && v < base;
}

/* digits with single underscores between them; returns bytes consumed, 0 if malformed. */
static size_t
scan_digits(const char *t, size_t n, int base)
{
    size_t i = 0;

    if (n == 0 || !is_digit_of(t[0], base))
        return 0;
    for (i = 1; i < n; i++) {
        if (t[i] == '_') {
            if (i + 1 >= n || !is_digit_of(t[i + 1], base))
                return 0;
            continue;
        }
        if (!is_digit_of(t[i], base))
            break;
    }
    return i;
}

static int
to_int(struct toml_parser *p, struct bolt_toml_pos pos, const char *t, size_t n, int base, bool neg,
       int64_t *out)
{
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

    for (size_t i = 0; i < n; i++) {
        if (t[i] == '_')
            continue;
        uint64_t d = (uint64_t)hexval(t[i]);
        if (v > (limit - d) / (uint64_t)base)
            return toml_fail_pos(p, pos, "integer out of range (TOML integers are 64-bit signed)");
        v = v * (uint64_t)base + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static struct bolt_toml_value *
int_value(struct toml_parser *p, struct bolt_toml_pos pos, unsigned depth, const char *t, size_t n,
          int base, bool neg)
{
    struct bolt_toml_value *v = toml_value_new(BOLT_TOML_INTEGER, pos, depth);

    if (to_int(p, pos, t, n, base, neg, &v->u.integer) < 0) {
        bolt_toml_free(v);
        return NULL;
    }
    return v;
}

/* t (n bytes, sign already removed) is a well-formed decimal float. */
static struct bolt_toml_value *
float_value(struct toml_parser *p, struct bolt_toml_pos pos, unsigned depth, const char *t,
            size_t n, bool neg)
{
    cleanup_free char *clean = xmalloc(n + 2);
    struct bolt_toml_value *v;
    size_t c = 0;

    if (neg)
        clean[c++] = '-';
    for (size_t i = 0; i < n; i++)
        if (t[i] != '_')
            clean[c++] = t[i];
    clean[c] = '\0';
    v = toml_value_new(BOLT_TOML_FLOAT, pos, depth);
    errno = 0;
    v->u.flt = strtod(clean, NULL);
    if (errno == ERANGE && isinf(v->u.flt)) {
        bolt_toml_free(v);
        toml_fail_pos(p, pos, "float '%s' is out of range", clean);
        return NULL;
    }
    return v;
}

/* Length of a decimal float/integer body (int [frac] [exp]) at t, 0 if malformed. */
static size_t
scan_decimal(const char *t, size_t n, bool *is_float)
{
    size_t k = scan_digits(t, n, 10), i = k;

    if (k == 0 || (t[0] == '0' && k > 1))
        return 0; /* no digits, or a leading zero */
    if (i < n && t[i] == '.') {
        size_t f = scan_digits(t + i + 1, n - i - 1, 10);
        if (f == 0)
            return 0;
        i += 1 + f;
        *is_float = true;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        size_t e = i + 1, d;
        if (e < n && (t[e] == '+' || t[e] == '-'))
            e++;
        d = scan_digits(t + e, n - e, 10);
        if (d == 0)
            return 0;
        i = e + d;
        *is_float = true;
    }
    return i;
}

static struct bolt_toml_value *
number(struct toml_parser *p, const char *tok, size_t n, struct bolt_toml_pos pos, unsigned depth)
{
    const char *t = tok;
    bool neg = false, sign = false, is_float = false;
    struct bolt_toml_value *v;

    if (n > 0 && (t[0] == '+' || t[0] == '-'))
        sign = true, neg = t[0] == '-', t++, n--;
    if (n == 3 && (memcmp(t, "inf", 3) == 0 || memcmp(t, "nan", 3) == 0)) {
        v = toml_value_new(BOLT_TOML_FLOAT, pos, depth);
        v->u.flt = t[0] == 'i' ? (neg ? -INFINITY : INFINITY) : (neg ? -NAN : NAN);
        return v;
    }
    if (n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o' || t[1] == 'b')) {
        int base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
        if (!sign && scan_digits(t + 2, n - 2, base) == n - 2)
            return int_value(p, pos, depth, t + 2, n - 2, base, false);
    } else if (n > 0 && scan_decimal(t, n, &is_float) == n) {
        return is_float ? float_value(p, pos, depth, t, n, neg)
                        : int_value(p, pos, depth, t, n, 10, neg);
    }
    toml_fail_pos(p, pos, "invalid number '%.*s'", (int)(n + sign > 64 ? 64 : n + sign), tok);
    return NULL;
}

/* --- dates and times ---------------------------------------------------------------- */

static bool
take_num(const char *t, size_t n, size_t *i, int digits, int *out)
{
    int v = 0;

    if (*i + (size_t)digits > n)
        return false;
    for (int k = 0; k < digits; k++) {
        char c = t[*i + (size_t)k];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)digits;
    *out = v;
    return true;
}

static bool
take_char(const char *t, size_t n, size_t *i, char c)
{
    if (*i >= n || t[*i] != c)
        return false;
    (*i)++;
    return true;
}

static int
days_in(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

static bool
parse_time(const char *t, size_t n, size_t *i, struct bolt_toml_datetime *d)
{
    if (!take_num(t, n, i, 2, &d->hour) || !take_char(t, n, i, ':')
        || !take_num(t, n, i, 2, &d->minute) || !take_char(t, n, i, ':')
        || !take_num(t, n, i, 2, &d->second))
        return false;
    if (d->hour > 23 || d->minute > 59 || d->second > 60)
        return false;
    if (*i < n && t[*i] == '.') {
        size_t start = ++(*i);
        while (*i < n && t[*i] >= '0' && t[*i] <= '9') {
            if (*i - start < 9) {
                d->nanosecond = d->nanosecond * 10 + (t[*i] - '0');
                d->frac_digits++;
            }
            (*i)++;
        }
        if (*i == start)
            return false;
        for (int k = d->frac_digits; k < 9; k++)
            d->nanosecond *= 10;
    }
    return true;
}

static bool
parse_offset(const char *t, size_t n, size_t *i, struct bolt_toml_datetime *d)
{
    int h, m;
    char sign = t[*i];

    if (sign == 'Z' || sign == 'z') {
        (*i)++;
        return true;
    }
    if (sign != '+' && sign != '-')
        return false;
    (*i)++;
    if (!take_num(t, n, i, 2, &h) || !take_char(t, n, i, ':') || !take_num(t, n, i, 2, &m) || h > 23
        || m > 59)
        return false;
    d->offset_minutes = (sign == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

static struct bolt_toml_value *
datetime(struct toml_parser *p, const char *t, size_t n, struct bolt_toml_pos pos, unsigned depth)
{
    struct bolt_toml_datetime d = {0};
    enum bolt_toml_type type;
    size_t i = 0;

    if (n > 2 && t[2] == ':') {
        if (!parse_time(t, n, &i, &d) || i != n)
            goto bad;
        type = BOLT_TOML_TIME_LOCAL;
    } else {
        if (!take_num(t, n, &i, 4, &d.year) || !take_char(t, n, &i, '-')
            || !take_num(t, n, &i, 2, &d.month) || !take_char(t, n, &i, '-')
            || !take_num(t, n, &i, 2, &d.day))
            goto bad;
        if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in(d.year, d.month))
            goto bad;
        type = BOLT_TOML_DATE_LOCAL;
        if (i < n) {
            if (t[i] != 'T' && t[i] != 't' && t[i] != ' ')
                goto bad;
            i++;
            if (!parse_time(t, n, &i, &d))
                goto bad;
            type = BOLT_TOML_DATETIME_LOCAL;
            if (i < n) {
                if (!parse_offset(t, n, &i, &d))
                    goto bad;
                type = BOLT_TOML_DATETIME;
            }
        }
        if (i != n)
            goto bad;
    }
    struct bolt_toml_value *v = toml_value_new(type, pos, depth);
    v->u.dt = d;
    return v;
bad:
    toml_fail_pos(p, pos, "invalid date/time '%.*s' (expected RFC 3339, e.g. 1979-05-27T07:32:00Z)",
                  (int)(n > 64 ? 64 : n), t);
    return NULL;
}

/* --- dispatch ----------------------------------------------------------------------- */

static bool
is_tok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
           || c == '+' || c == '-' || c == '.' || c == ':';
}

static bool
looks_like_date(const char *t, size_t n)
{
    for (size_t i = 0; i < 4; i++)
        if (i >= n || t[i] < '0' || t[i] > '9')
            return false;
    return n > 4 && t[4] == '-';
}

struct bolt_toml_value *
toml_parse_scalar(struct toml_parser *p, unsigned depth)
{
    struct bolt_toml_pos pos = toml_here(p);
    size_t start = p->i, n;
    char c = p->s[p->i];

    if (c == '"' || c == '\'') {
        struct bolt_toml_value *v = toml_value_new(BOLT_TOML_STRING, pos, depth);
        if (toml_parse_string(p, &v->u.str.ptr, &v->u.str.len) < 0) {
            bolt_toml_free(v);
            return NULL;
        }
        return v;
    }
    while (p->i < p->len && is_tok(p->s[p->i]))
        p->i++;
    n = p->i - start;
    /* A date may be followed by " HH:" (space instead of T). */
    if (n == 10 && looks_like_date(p->s + start, n) && p->i + 3 < p->len && p->s[p->i] == ' '
        && p->s[p->i + 1] >= '0' && p->s[p->i + 1] <= '9' && p->s[p->i + 3] == ':') {
        p->i++;
        while (p->i < p->len && is_tok(p->s[p->i]))
            p->i++;
        n = p->i - start;
    }
    if ((n == 4 && memcmp(p->s + start, "true", 4) == 0)
        || (n == 5 && memcmp(p->s + start, "false", 5) == 0)) {
        struct bolt_toml_value *v = toml_value_new(BOLT_TOML_BOOL, pos, depth);
        v->u.boolean = n == 4;
        return v;
    }
    if (looks_like_date(p->s + start, n) || (n > 2 && p->s[start + 2] == ':'))
        return datetime(p, p->s + start, n, pos, depth);
    if (n == 0) {
        char buf[48];
        toml_fail(p, "expected a value, found %s", toml_what(p, buf, sizeof(buf)));
        return NULL;
    }
    if (c == 't' || c == 'f') {
        toml_fail_pos(p, pos,
                      "invalid value '%.*s' (expected true or false; strings need "
                      "quotes)",
                      (int)(n > 64 ? 64 : n), p->s + start);
        return NULL;
    }
    return number(p, p->s + start, n, pos, depth);
}
