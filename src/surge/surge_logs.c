/* SPDX-License-Identifier: Apache-2.0 */
/*
 * surge logs: the json-file logs of a project's containers, each line prefixed with its
 * service ("web  | hello"), merged by time; -f polls the files for new complete lines
 * until every container stopped (or the caller says stop).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/logs.h"
#include "surge/surge.h"
#include "util/mem.h"

struct src {
    const char *service;
    char id[BOLT_CTR_ID_LEN + 1];
    char *path;
    off_t off; /* bytes consumed (complete lines only) */
    int color;
};

struct ent {
    struct engine_log_entry e;
    size_t src;
    size_t seq;
};

static int
ent_cmp(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;

    if (x->e.time_ns != y->e.time_ns)
        return x->e.time_ns < y->e.time_ns ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Read the complete lines of src past its offset, append the entries to *v. */
static void
read_new(struct src *sr, size_t idx, struct ent **v, size_t *n, size_t *cap, size_t *seq)
{
    int fd = open(sr->path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL;
    size_t len = 0, bcap = 0;
    ssize_t r;

    if (fd < 0)
        return;
    if (lseek(fd, sr->off, SEEK_SET) < 0) {
        close(fd);
        return;
    }
    for (;;) {
        if (len + 65536 > bcap) {
            bcap = (len + 65536) * 2;
            buf = xrealloc(buf, bcap + 1);
        }
        r = read(fd, buf + len, bcap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    for (size_t start = 0; start < len;) {
        char *nl = memchr(buf + start, '\n', len - start);
        struct engine_log_entry e;
        if (nl == NULL)
            break;
        *nl = '\0';
        if (engine_log_parse_line(buf + start, &e) == 0) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 256;
                *v = xreallocarray(*v, *cap, sizeof(**v));
            }
            (*v)[*n].e = e;
            (*v)[*n].src = idx;
            (*v)[*n].seq = (*seq)++;
            (*n)++;
        }
        sr->off += (off_t)(nl - (buf + start)) + 1;
        start = (size_t)(nl - buf) + 1;
    }
    free(buf);
}

static void
print_entries(struct src *srcs, struct ent *v, size_t n, size_t from, int width,
              const struct surge_logs_opts *lo)
{
    qsort(v + from, n - from, sizeof(*v), ent_cmp);
    for (size_t i = from; i < n; i++) {
        const struct src *sr = &srcs[v[i].src];
        const char *t = v[i].e.text;
        size_t tl = v[i].e.len;

        if (lo->since_ns && v[i].e.time_ns < lo->since_ns)
            continue;
        if (lo->color)
            printf("\033[%dm%-*s |\033[0m ", sr->color, width, sr->service);
        else
            printf("%-*s | ", width, sr->service);
        fwrite(t, 1, tl, stdout);
        if (tl == 0 || t[tl - 1] != '\n')
            putchar('\n');
    }
    fflush(stdout);
}

static void
free_entries(struct ent *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].e.text);
}

static bool
any_running(const struct surge *s, struct src *srcs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct bolt_err err = {0};
        struct bolt_container *c = bolt_ctrs_load(&s->st, srcs[i].id, &err);
        bool up = c
                  && (c->status == BOLT_CTR_RUNNING || c->status == BOLT_CTR_RESTARTING
                      || c->status == BOLT_CTR_CREATED)
                  && bolt_ctrs_monitor_alive(&s->st, c->id);
        bolt_container_free(c);
        if (up)
            return true;
    }
    return false;
}

int
surge_logs(const struct surge *s, const bool *sel, const struct surge_logs_opts *lo,
           struct bolt_err *err)
{
    static const int colors[] = {36, 33, 32, 35, 34, 91, 96, 93, 92, 95, 94};
    const struct bolt_boltfile *bf = s->bf;
    struct src *srcs = xcalloc(bf->n_services + 1, sizeof(*srcs));
    size_t ns = 0, n = 0, cap = 0, seq = 0;
    struct ent *v = NULL;
    int width = 0, idle = 0;

    for (size_t i = 0; i < bf->n_services; i++) {
        struct bolt_err e = {0};
        struct bolt_container *c;
        cleanup_free char *dir = NULL;
        if (!sel[i])
            continue;
        c = surge_find(s, bf->services[i].name, &e);
        if (c == NULL)
            continue; /* no container: nothing logged */
        dir = bolt_ctrs_ctr_dir(&s->st, c->id);
        srcs[ns].service = bf->services[i].name;
        memcpy(srcs[ns].id, c->id, sizeof(srcs[ns].id));
        srcs[ns].path = xasprintf("%s/ctr.log", dir);
        srcs[ns].color = colors[i % (sizeof(colors) / sizeof(colors[0]))];
        if ((int)strlen(bf->services[i].name) > width)
            width = (int)strlen(bf->services[i].name);
        ns++;
        bolt_container_free(c);
    }
    /* what is there now: the last `tail` lines of each, merged */
    for (size_t i = 0; i < ns; i++) {
        size_t from = n;
        read_new(&srcs[i], i, &v, &n, &cap, &seq);
        if (lo->tail >= 0 && n - from > (size_t)lo->tail) {
            size_t drop = n - from - (size_t)lo->tail;
            for (size_t k = from; k < from + drop; k++)
                free(v[k].e.text);
            memmove(v + from, v + from + drop, (n - from - drop) * sizeof(*v));
            n -= drop;
        }
    }
    print_entries(srcs, v, n, 0, width, lo);
    free_entries(v, n);
    n = 0;
    while (lo->follow && ns > 0 && !(lo->stop && *lo->stop)) {
        struct timespec ts = {0, 100000000L};
        for (size_t i = 0; i < ns; i++)
            read_new(&srcs[i], i, &v, &n, &cap, &seq);
        print_entries(srcs, v, n, 0, width, lo);
        free_entries(v, n);
        n = 0;
        /* every half second: stop following once nothing runs (after a last read) */
        if (++idle % 5 == 0 && !any_running(s, srcs, ns)) {
            for (size_t i = 0; i < ns; i++)
                read_new(&srcs[i], i, &v, &n, &cap, &seq);
            print_entries(srcs, v, n, 0, width, lo);
            free_entries(v, n);
            n = 0;
            break;
        }
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < ns; i++)
        free(srcs[i].path);
    free(srcs);
    free(v);
    (void)err;
    return 0;
}
