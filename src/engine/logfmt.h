/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_LOGFMT_H
#define BOLT_ENGINE_LOGFMT_H

/*
 * One docker json-file log line, formatted without allocations so that the small static
 * monitor (bolt-monitor) and the in-process supervisor write byte-identical logs:
 *   {"log":"<text>","stream":"stdout","time":"2026-11-23T23:30:00.123456789Z"}\n
 * Invalid UTF-8 bytes become U+FFFD, as docker does; control characters are escaped.
 */

#include <stddef.h>
#include <stdint.h>

/* Worst case output size for len bytes of text (each byte may become "\ufffd"). */
#define ENGINE_LOGFMT_MAX(len) ((len)*6 + 128)

/* Format into out (at least ENGINE_LOGFMT_MAX(len) bytes); returns the length written. */
size_t engine_logfmt(char *out, const char *stream, const char *data, size_t len, int64_t t_ns);

#endif
