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

#define BOLT_TRACE_MAX 24 /* phases per line; later marks are dropped */

struct bolt_trace {
    bool on;
    const char *name; /* borrowed: a string literal */
    long long start, last;
    long long stop; /* bolt_trace_stop: the end of the timed window (0: at bolt_trace_end) */
    size_t n;
    const char *phase[BOLT_TRACE_MAX]; /* borrowed: string literals */
    long long ns[BOLT_TRACE_MAX];
};

/* A monotonic clock in nanoseconds. */
long long bolt_trace_now_ns(void);

/* Whether BOLT_TRACE asks for traces (read once per process). */
bool bolt_trace_enabled(void);

/* Start a trace named name (a literal); off unless bolt_trace_enabled(). */
void bolt_trace_begin(struct bolt_trace *t, const char *name);

/* Record the time since the previous mark (or begin) as phase. Only two clock reads and two
 * stores: the line is formatted by bolt_trace_end, after the timed window. */
void bolt_trace_mark(struct bolt_trace *t, const char *phase);

/* Record a figure measured elsewhere as phase (ns), without moving the marks: work done
 * before begin (then also moves start back by ns, so the total includes it), or a figure that
 * is not a span of the window (prior = false: "cpu"). */
void bolt_trace_add(struct bolt_trace *t, const char *phase, long long ns, bool prior);

/* End the timed window now: what runs until bolt_trace_end (measuring CPU time, ...) is not
 * counted in the total. */
void bolt_trace_stop(struct bolt_trace *t);

/* Print the line with the total since begin, then start over (same name, line emptied). */
void bolt_trace_end(struct bolt_trace *t);

#endif
