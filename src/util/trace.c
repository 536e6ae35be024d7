/* SPDX-License-Identifier: Apache-2.0 */
#include "util/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((hot)) long long
bolt_trace_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((hot)) bool
bolt_trace_enabled(void)
{
    static int on = -1;

    if (on < 0) {
        const char *tr = getenv("BOLT_TRACE");
        on = tr && *tr && strcmp(tr, "0") != 0;
    }
    return on == 1;
}

__attribute__((hot)) void
bolt_trace_begin(struct bolt_trace *t, const char *name)
{
    t->on = bolt_trace_enabled();
    t->name = name;
    t->n = 0;
    t->stop = 0;
    t->start = t->last = t->on ? bolt_trace_now_ns() : 0;
}

static void
store(struct bolt_trace *t, const char *phase, long long ns)
{
    if (t->n < BOLT_TRACE_MAX) {
        t->phase[t->n] = phase;
        t->ns[t->n++] = ns;
    }
}

__attribute__((hot)) void
bolt_trace_mark(struct bolt_trace *t, const char *phase)
{
    long long now;

    if (!t->on)
        return;
    now = bolt_trace_now_ns();
    store(t, phase, now - t->last);
    t->last = now;
}

__attribute__((hot)) void
bolt_trace_add(struct bolt_trace *t, const char *phase, long long ns, bool prior)
{
    if (!t->on)
        return;
    store(t, phase, ns);
    if (prior)
        t->start -= ns;
}

__attribute__((hot)) void
bolt_trace_stop(struct bolt_trace *t)
{
    if (t->on && t->stop == 0)
        t->stop = bolt_trace_now_ns();
}

void
bolt_trace_end(struct bolt_trace *t)
{
    char line[1024];
    size_t off = 0;
    long long end;

    if (!t->on)
        return;
    end = t->stop ? t->stop : bolt_trace_now_ns();
    line[0] = '\0';
    for (size_t i = 0; i < t->n; i++) {
        int w = snprintf(line + off, sizeof(line) - off, " %s=%.1f", t->phase[i],
                         (double)t->ns[i] / 1000.0);
        if (w < 0 || (size_t)w >= sizeof(line) - off)
            break;
        off += (size_t)w;
    }
    fprintf(stderr, "%s-trace:%s total=%.1f us\n", t->name, line, (double)(end - t->start) / 1000.0);
    bolt_trace_begin(t, t->name);
}
