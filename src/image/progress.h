/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_PROGRESS_H
#define BOLT_IMAGE_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Pull progress. On a terminal: one line per layer with a bar, bytes and rate, redrawn at
 * most 10 times a second. Otherwise: one plain line per layer event. Quiet: nothing.
 * Thread-safe (downloads and unpack workers report from different threads).
 */
struct bolt_progress_item {
    char label[20];
    char status[24];
    uint64_t done, total;
    double started, ended; /* ended: 0 while the download runs */
};

struct bolt_progress {
    bool quiet, tty;
    FILE *out;
    pthread_mutex_t mu;
    struct bolt_progress_item *items;
    size_t n_items;
    size_t drawn; /* lines drawn last time (tty) */
    double last_draw;
};

/* out is usually stderr; tty mode when isatty(out) and TERM is not "dumb". */
void bolt_progress_init(struct bolt_progress *p, FILE *out, bool quiet);
void bolt_progress_fini(struct bolt_progress *p);
/* Print a free-form line (not in quiet mode). */
void bolt_progress_line(struct bolt_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a layer line; returns its index. */
size_t bolt_progress_add(struct bolt_progress *p, const char *digest, uint64_t total);
void bolt_progress_bytes(struct bolt_progress *p, size_t idx, uint64_t done);
/* Set a status word ("waiting", "downloading", "verified", "unpacking", "done", "exists"). */
void bolt_progress_status(struct bolt_progress *p, size_t idx, const char *status);

/* Monotonic seconds. */
double bolt_progress_now(void);
/* "12.3 MB" into buf. */
const char *bolt_human_size(uint64_t n, char *buf, size_t len);

#endif
