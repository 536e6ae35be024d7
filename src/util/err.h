/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ERR_H
#define BOLT_ERR_H

#include <stdarg.h>
#include <stdbool.h>

/*
 * The error record. It lives on the caller's stack and has a fixed size so a
 * child process can write it to its parent over the sync socket before exec.
 * errnum is an errno value (0 when the failure has no errno, e.g. bad input).
 */
struct bolt_err {
    int errnum;
    bool plain; /* the message says it all: no strerror appended (errnum is kept for callers) */
    char msg[512];
};

/* Set err (if not NULL) from errnum and a printf format; always returns -1. */
int bolt_err_set(struct bolt_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Like bolt_err_set, for failures whose message already says what errnum would (e.g.
 * ENOENT "no such container: x"): callers still see errnum, users see no strerror tail.
 */
int bolt_err_set_plain(struct bolt_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like bolt_err_set with a va_list. Returns -1. */
int bolt_err_setv(struct bolt_err *err, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prefix the message in err with context ("ctx: old message"). Returns -1. */
int bolt_err_wrap(struct bolt_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset err to "no error". */
void bolt_err_clear(struct bolt_err *err);

/* True when err holds an error. */
bool bolt_err_is_set(const struct bolt_err *err);

/*
 * Format err as the one line users see: "<msg>" or "<msg>: <strerror>".
 * Writes into buf (always NUL-terminated) and returns buf.
 */
const char *bolt_err_str(const struct bolt_err *err, char *buf, unsigned long len);

/* Print "<prog>: <msg>[: <strerror>]\n" to stderr, once, at the CLI. */
void bolt_err_print(const char *prog, const struct bolt_err *err);

#endif
