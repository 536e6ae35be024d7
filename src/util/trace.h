/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_TRACE_H
#define BOLT_TRACE_H

/*
 * BOLT_TRACE=1 (any value but "" and "0"): phase timings on stderr, one line per traced
 * operation, each phase in microseconds since the previous mark:
 *
 *   <name>-trace: <phase>=<us> <phase>=<us> ... total=<us> us
 *
 * nvbind's GPU injection ("nvbind-trace:") and the engine's run path ("engine-trace:")
 * print this format; tools and benches parse it. A trace that is off costs one branch per
 * mark. The struct lives on the caller's stack or in the caller's state.
 */

#include <stdbool.h>
#include <stddef.h>

struct bolt_trace {
    bool on;
    const char *name; /* borrowed: a string literal */
    long long start, last;
    char line[512];
    size_t off;
};

/* A monotonic clock in nanoseconds. */
long long bolt_trace_now_ns(void);

/* Whether BOLT_TRACE asks for traces (read once per process). */
bool bolt_trace_enabled(void);

/* Start a trace named name (a literal); off unless bolt_trace_enabled(). */
void bolt_trace_begin(struct bolt_trace *t, const char *name);

/* Record the time since the previous mark (or begin) as phase. */
void bolt_trace_mark(struct bolt_trace *t, const char *phase);

/* Print the line with the total since begin, then start over (same name, line emptied). */
void bolt_trace_end(struct bolt_trace *t);

#endif
