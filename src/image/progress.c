/* SPDX-License-Identifier: Apache-2.0 */
#include "image/progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/digest.h"
#include "util/mem.h"

double
bolt_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
bolt_human_size(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;

    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

void
bolt_progress_init(struct bolt_progress *p, FILE *out, bool quiet)
{
    const char *term = getenv("TERM");

    memset(p, 0, sizeof(*p));
    p->out = out;
    p->quiet = quiet;
    p->tty = !quiet && isatty(fileno(out)) && !(term && strcmp(term, "dumb") == 0);
    pthread_mutex_init(&p->mu, NULL);
}

static void
draw(struct bolt_progress *p, bool force)
{
    double now = bolt_progress_now();

    if (!p->tty || (!force && now - p->last_draw < 0.1))
        return;
    p->last_draw = now;
    if (p->drawn)
        fprintf(p->out, "\033[%zuA", p->drawn);
    for (size_t i = 0; i < p->n_items; i++) {
        struct bolt_progress_item *it = &p->items[i];
        char a[16], b[16], r[16];
        int width = 30, fill = it->total ? (int)((double)it->done / (double)it->total * width) : 0;
        double dt = (it->ended > 0 ? it->ended : now) - it->started;
        char bar[32];
        if (fill > width)
            fill = width;
        memset(bar, '=', (size_t)fill);
        memset(bar + fill, ' ', (size_t)(width - fill));
        bar[width] = '\0';
        if (fill > 0 && fill < width)
            bar[fill - 1] = '>';
        fprintf(p->out, "\033[2K%s %-11s [%s] %9s/%-9s %9s/s\n", it->label, it->status, bar,
                bolt_human_size(it->done, a, sizeof(a)), bolt_human_size(it->total, b, sizeof(b)),
                bolt_human_size(dt > 0.001 ? (uint64_t)((double)it->done / dt) : 0, r, sizeof(r)));
    }
    p->drawn = p->n_items;
    fflush(p->out);
}

void
bolt_progress_fini(struct bolt_progress *p)
{
    pthread_mutex_lock(&p->mu);
    if (p->drawn)
        draw(p, true);
    pthread_mutex_unlock(&p->mu);
    free(p->items);
    p->items = NULL;
    pthread_mutex_destroy(&p->mu);
}

void
bolt_progress_line(struct bolt_progress *p, const char *fmt, ...)
{
    va_list ap;

    if (p->quiet)
        return;
    pthread_mutex_lock(&p->mu);
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    p->drawn = 0; /* the bars above are final; later ones go below this line */
    fflush(p->out);
    pthread_mutex_unlock(&p->mu);
}

size_t
bolt_progress_add(struct bolt_progress *p, const char *digest, uint64_t total)
{
    size_t i;

    pthread_mutex_lock(&p->mu);
    i = p->n_items++;
    p->items = xreallocarray(p->items, p->n_items, sizeof(*p->items));
    memset(&p->items[i], 0, sizeof(p->items[i]));
    snprintf(p->items[i].label, sizeof(p->items[i].label), "%.12s", bolt_digest_hex(digest));
    snprintf(p->items[i].status, sizeof(p->items[i].status), "waiting");
    p->items[i].total = total;
    p->items[i].started = bolt_progress_now();
    pthread_mutex_unlock(&p->mu);
    return i;
}

void
bolt_progress_bytes(struct bolt_progress *p, size_t idx, uint64_t done)
{
    if (!p->tty)
        return;
    pthread_mutex_lock(&p->mu);
    if (idx < p->n_items) {
        p->items[idx].done = done;
        draw(p, false);
    }
    pthread_mutex_unlock(&p->mu);
}

void
bolt_progress_status(struct bolt_progress *p, size_t idx, const char *status)
{
    if (p->quiet)
        return;
    pthread_mutex_lock(&p->mu);
    if (idx < p->n_items) {
        struct bolt_progress_item *it = &p->items[idx];
        if (strcmp(status, "downloading") == 0)
            it->started = bolt_progress_now();
        if (strcmp(status, "verified") == 0 || strcmp(status, "exists") == 0) {
            it->done = it->total;
            it->ended = bolt_progress_now();
        }
        snprintf(it->status, sizeof(it->status), "%s", status);
        if (p->tty) {
            draw(p, true);
        } else {
            char sz[16];
            fprintf(p->out, "layer %s: %s (%s)\n", it->label, status,
                    bolt_human_size(it->total, sz, sizeof(sz)));
            fflush(p->out);
        }
    }
    pthread_mutex_unlock(&p->mu);
}
