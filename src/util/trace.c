/* SPDX-License-Identifier: Apache-2.0 */
#include "util/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long
bolt_trace_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool
bolt_trace_enabled(void)
{
    static int on = -1;

    if (on < 0) {
        const char *tr = getenv("BOLT_TRACE");
        on = tr && *tr && strcmp(tr, "0") != 0;
    }
    return on == 1;
}

void
bolt_trace_begin(struct bolt_trace *t, const char *name)
{
    t->on = bolt_trace_enabled();
    t->name = name;
    t->line[0] = '\0';
    t->off = 0;
    t->start = t->last = t->on ? bolt_trace_now_ns() : 0;
}

void
bolt_trace_mark(struct bolt_trace *t, const char *phase)
{
    long long now;
    int w;

    if (!t->on)
        return;
    now = bolt_trace_now_ns();
    w = snprintf(t->line + t->off, sizeof(t->line) - t->off, " %s=%.1f", phase,
                 (double)(now - t->last) / 1000.0);
    if (w > 0 && (size_t)w < sizeof(t->line) - t->off)
        t->off += (size_t)w;
    t->last = now;
}

void
bolt_trace_end(struct bolt_trace *t)
{
    if (!t->on)
        return;
    fprintf(stderr, "%s-trace:%s total=%.1f us\n", t->name, t->line,
            (double)(bolt_trace_now_ns() - t->start) / 1000.0);
    bolt_trace_begin(t, t->name);
}
