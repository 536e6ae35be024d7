/* SPDX-License-Identifier: Apache-2.0 */
#include "util/err.h"

#include <stdio.h>
#include <string.h>

int
bolt_err_setv(struct bolt_err *err, int errnum, const char *fmt, va_list ap)
{
    if (err == NULL)
        return -1;
    err->errnum = errnum;
    err->plain = false;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    if (err->msg[0] == '\0')
        snprintf(err->msg, sizeof(err->msg), "unknown error");
    return -1;
}

int
bolt_err_set(struct bolt_err *err, int errnum, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    bolt_err_setv(err, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int
bolt_err_set_plain(struct bolt_err *err, int errnum, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    bolt_err_setv(err, errnum, fmt, ap);
    va_end(ap);
    if (err)
        err->plain = true;
    return -1;
}

int
bolt_err_wrap(struct bolt_err *err, const char *fmt, ...)
{
    char ctx[256];
    char old[sizeof(err->msg)];
    va_list ap;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    {
        size_t n = strlen(ctx);
        if (n > sizeof(err->msg) - 3)
            n = sizeof(err->msg) - 3;
        memcpy(err->msg, ctx, n);
        memcpy(err->msg + n, ": ", 2);
        n += 2;
        size_t rest = strnlen(old, sizeof(old) - 1);
        if (rest > sizeof(err->msg) - 1 - n)
            rest = sizeof(err->msg) - 1 - n;
        memcpy(err->msg + n, old, rest);
        err->msg[n + rest] = '\0';
    }
    return -1;
}

void
bolt_err_clear(struct bolt_err *err)
{
    if (err == NULL)
        return;
    err->errnum = 0;
    err->plain = false;
    err->msg[0] = '\0';
}

bool
bolt_err_is_set(const struct bolt_err *err)
{
    return err != NULL && err->msg[0] != '\0';
}

const char *
bolt_err_str(const struct bolt_err *err, char *buf, unsigned long len)
{
    if (len == 0)
        return buf;
    if (err->errnum != 0 && !err->plain)
        snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
    else
        snprintf(buf, len, "%s", err->msg);
    return buf;
}

void
bolt_err_print(const char *prog, const struct bolt_err *err)
{
    char buf[1024];

    fprintf(stderr, "%s: %s\n", prog, bolt_err_str(err, buf, sizeof(buf)));
}
