/* SPDX-License-Identifier: Apache-2.0 */
/* `bolt stats` and `bolt logs`: read-only views of a container. */
#include "engine/supervise_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/fs.h"
#include "util/mem.h"

/*
 * Counters from the container's own cgroup, found from its init pid through the runtime's
 * cgroup module, so v1, v2 and hybrid layouts (and cgroup namespaces) all work.
 */
int
bolt_engine_stats(struct bolt_container *c, struct bolt_engine_stats *out, struct bolt_err *err)
{
    struct bolt_cgroup *cg;
    struct bolt_cgroup_stats st;
    int r;

    memset(out, 0, sizeof(*out));
    out->mem_limit = UINT64_MAX;
    if (c->pid <= 0)
        return bolt_err_set(err, 0, "container %s is not running", c->name);
    cg = bolt_cgroup_from_pid(c->pid, err);
    if (!cg)
        return bolt_err_wrap(err, "container %s", c->name);
    r = bolt_cgroup_stats(cg, &st, err);
    bolt_cgroup_free(cg);
    if (r < 0)
        return bolt_err_wrap(err, "container %s", c->name);
    out->has_cpu = st.has_cpu;
    out->cpu_ns = st.cpu_usage_ns;
    out->has_mem = st.has_memory;
    out->mem_usage = st.memory_usage;
    out->mem_limit = st.memory_limit;
    out->has_pids = st.has_pids;
    out->pids = st.pids_current;
    return 0;
}

static void
print_entry(const struct engine_log_entry *e, bool timestamps)
{
    FILE *f = e->stream == ENGINE_STDERR ? stderr : stdout;

    if (timestamps) {
        char ts[48];
        fprintf(f, "%s ", engine_rfc3339(e->time_ns, ts, sizeof(ts)));
    }
    fwrite(e->text, 1, e->len, f);
    fflush(f);
}

/* Print complete lines of fd from its current offset; returns the lines kept for --tail. */
static void
print_lines(FILE *in, const struct bolt_logs_opts *lo, char **pending)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    while ((n = getline(&line, &cap, in)) > 0) {
        struct engine_log_entry e;
        if (line[n - 1] != '\n') {
            /* a line being written right now: read it again on the next round */
            fseeko(in, -(off_t)n, SEEK_CUR);
            break;
        }
        if (engine_log_parse_line(line, &e) < 0)
            continue;
        if (e.time_ns >= lo->since_ns)
            print_entry(&e, lo->timestamps);
        free(e.text);
    }
    free(line);
    (void)pending;
}

/* Seek f so that only the last tail lines remain to be read. */
static void
seek_tail(FILE *f, long tail)
{
    char *line = NULL;
    size_t cap = 0;
    off_t *offs;
    long count = 0;

    if (tail < 0)
        return;
    offs = xcalloc((size_t)tail + 1, sizeof(*offs));
    offs[0] = ftello(f);
    while (getline(&line, &cap, f) > 0) {
        count++;
        offs[count % (tail + 1)] = ftello(f);
    }
    if (count <= tail)
        fseeko(f, 0, SEEK_SET);
    else
        fseeko(f, offs[(count - tail) % (tail + 1)], SEEK_SET);
    free(offs);
    free(line);
}

int
bolt_engine_logs(const struct bolt_ctr_store *st, struct bolt_container *c,
                 const struct bolt_logs_opts *lo, struct bolt_err *err)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, c->id);
    cleanup_free char *path = xasprintf("%s/ctr.log", dir);
    cleanup_fclose FILE *f = fopen(path, "re");

    if (!f) {
        if (errno == ENOENT)
            return 0; /* never started: no output yet */
        return bolt_err_set(err, errno, "open log '%s'", path);
    }
    seek_tail(f, lo->tail);
    print_lines(f, lo, NULL);
    while (lo->follow) {
        struct bolt_container *now = bolt_ctrs_load(st, c->id, NULL);
        bool running = now && bolt_engine_is_running(st, now);
        bolt_container_free(now);
        clearerr(f);
        print_lines(f, lo, NULL);
        if (!running)
            break;
        {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}
