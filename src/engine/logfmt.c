/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/logfmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
    size_t need;
    unsigned int cp;

    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0) {
        need = 2;
        cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        need = 3;
        cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        need = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not valid UTF-8 */
    if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000)
        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return need;
}

static size_t
escape(char *out, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;

    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t l;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            i++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            *o++ = '\\';
            *o++ = c == '\n' ? 'n' : (c == '\r' ? 'r' : 't');
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
            i++;
        } else if ((l = utf8_len(p + i, n - i)) > 0) {
            memcpy(o, p + i, l);
            o += l;
            i += l;
        } else {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            i++;
        }
    }
    return (size_t)(o - out);
}

size_t
engine_logfmt(char *out, const char *stream, const char *data, size_t len, int64_t t_ns)
{
    time_t sec = (time_t)(t_ns / 1000000000LL);
    struct tm tm;
    char *o = out;
    int n;

    gmtime_r(&sec, &tm);
    memcpy(o, "{\"log\":\"", 8);
    o += 8;
    o += escape(o, (const unsigned char *)data, len);
    n = snprintf(o, 128,
                 "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ\"}\n",
                 stream, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, (long long)(t_ns % 1000000000LL));
    return (size_t)(o - out) + (size_t)(n > 0 ? n : 0);
}
