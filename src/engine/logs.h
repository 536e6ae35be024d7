/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_LOGS_H
#define BOLT_ENGINE_LOGS_H

/*
 * Container logs: one JSON object per line, docker's json-file format:
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-23T23:30:00.123456789Z"}
 * A line longer than 16 KiB is split (the pieces have no trailing newline).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define ENGINE_LOG_LINE_MAX 16384

enum engine_stream { ENGINE_STDOUT = 0, ENGINE_STDERR = 1 };

struct engine_logw {
    int fd; /* O_APPEND log file, -1 = discard */
    char buf[2][ENGINE_LOG_LINE_MAX];
    size_t n[2];
};

/* Open (append, create 0600) path for writing. Returns 0 or -1. */
int engine_logw_open(struct engine_logw *w, const char *path, struct bolt_err *err);
/* Add output bytes of a stream; complete lines are written at once. */
void engine_logw_feed(struct engine_logw *w, enum engine_stream s, const char *data, size_t len);
/* Write pending partial lines and close. */
void engine_logw_close(struct engine_logw *w);

/* Format t (ns since the epoch) as RFC 3339 with nanoseconds into buf. */
const char *engine_rfc3339(int64_t t, char *buf, size_t len);
/* Parse a --since value: RFC 3339 time, unix seconds, or a duration ago ("10m", "1h30m"). */
int engine_parse_since(const char *s, int64_t now_ns, int64_t *out, struct bolt_err *err);

struct engine_log_entry {
    char *text;
    size_t len;
    enum engine_stream stream;
    int64_t time_ns;
};

/* Parse one log line. Returns 0 or -1 (not a log entry). text is a new string. */
int engine_log_parse_line(const char *line, struct engine_log_entry *e);

#endif
