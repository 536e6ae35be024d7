/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_UNITS_H
#define BOLT_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Parse a memory size the way docker's --memory does: a number (decimals allowed,
 * "1.5g") with an optional unit b, k, m, g, t or p, optionally followed by "i" and/or
 * "b" in any case ("512m", "8GB", "8GiB", "1024kb"). Every unit is binary (k = 1024),
 * as in docker, so "8GB" is 8 * 2^30 bytes. A bare number is bytes. Sets *bytes and
 * returns 0; on bad input returns -1 with err saying what was expected (the caller
 * adds the flag or key name).
 */
int bolt_parse_size(const char *text, uint64_t *bytes, struct bolt_err *err);

/*
 * Parse a duration written like Go's time.ParseDuration and docker compose: one or more
 * number+unit pairs, units ns, us (or µs), ms, s, m, h; decimals allowed ("1.5s",
 * "1m30s", "300ms"). "0" alone is zero. Negative durations are rejected. Sets *ns to
 * nanoseconds and returns 0, or -1 with err set.
 */
int bolt_parse_duration(const char *text, uint64_t *ns, struct bolt_err *err);

/* Write ns as the shortest Go-style text ("1m30s", "500ms", "0s") into buf; returns buf. */
const char *bolt_format_duration(uint64_t ns, char *buf, size_t len);

#endif
