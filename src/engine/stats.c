/* SPDX-License-Identifier: Apache-2.0 */
/* `bolt stats` and `bolt logs`: read-only views of a container. */
#include "engine/supervise_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool
read_u64(const char *dir, const char *file, uint64_t *out)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    cleanup_free char *t = bolt_read_file(p, NULL, NULL);

    if (!t)
        return false;
    if (strncmp(t, "max", 3) == 0) {
        *out = UINT64_MAX;
        return true;
    }
    *out = strtoull(t, NULL, 10);
    return true;
}

static bool
read_key(const char *dir, const char *file, const char *key, uint64_t *out)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    cleanup_free char *t = bolt_read_file(p, NULL, NULL);
    size_t kl = strlen(key);

    for (char *line = t; line && *line;) {
        char *nl = strchr(line, '\n');
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
            *out = strtoull(line + kl + 1, NULL, 10);
            return true;
        }
        line = nl ? nl + 1 : NULL;
    }
    return false;
}

/* The cgroup v2 directory for path: /sys/fs/cgroup when it is cgroup2, else the unified mount. */
static char *
v2_dir(const char *path)
{
    struct statfs sf;

    if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        return xasprintf("/sys/fs/cgroup%s", path);
    return xasprintf("/sys/fs/cgroup/unified%s", path);
}

static void
stats_v1(const char *ctrls, const char *path, struct bolt_engine_stats *out)
{
    cleanup_free char *dir = xasprintf("/sys/fs/cgroup/%s%s", ctrls, path);
    cleanup_free char *list = xasprintf(",%s,", ctrls);

    if (strstr(list, ",memory,")) {
        out->has_mem = read_u64(dir, "memory.usage_in_bytes", &out->mem_usage);
        if (read_u64(dir, "memory.limit_in_bytes", &out->mem_limit)
            && out->mem_limit >= (UINT64_MAX >> 2))
            out->mem_limit = UINT64_MAX;
    }
    if (strstr(list, ",cpuacct,"))
        out->has_cpu = read_u64(dir, "cpuacct.usage", &out->cpu_ns);
    if (strstr(list, ",pids,"))
        out->has_pids = read_u64(dir, "pids.current", &out->pids);
}

static void
stats_v2(const char *path, struct bolt_engine_stats *out)
{
    cleanup_free char *dir = v2_dir(path);
    uint64_t usec = 0;

    if (!out->has_mem && read_u64(dir, "memory.current", &out->mem_usage)) {
        out->has_mem = true;
        if (!read_u64(dir, "memory.max", &out->mem_limit))
            out->mem_limit = UINT64_MAX;
    }
    if (!out->has_cpu && read_key(dir, "cpu.stat", "usage_usec", &usec)) {
        out->has_cpu = true;
        out->cpu_ns = usec * 1000;
    }
    if (!out->has_pids)
        out->has_pids = read_u64(dir, "pids.current", &out->pids);
}

int
bolt_engine_stats(struct bolt_container *c, struct bolt_engine_stats *out, struct bolt_err *err)
{
    char path[64];
    cleanup_free char *text = NULL;

    memset(out, 0, sizeof(*out));
    out->mem_limit = UINT64_MAX;
    if (c->pid <= 0)
        return bolt_err_set(err, 0, "container %s is not running", c->name);
    snprintf(path, sizeof(path), "/proc/%d/cgroup", c->pid);
    text = bolt_read_file(path, NULL, err);
    if (!text)
        return bolt_err_wrap(err, "container %s", c->name);
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (nl)
            *nl = '\0';
        if (c1 && c2) {
            *c2 = '\0';
            if (c1[1] == '\0')
                stats_v2(c2 + 1, out);
            else if (strncmp(c1 + 1, "name=", 5) != 0)
                stats_v1(c1 + 1, c2 + 1, out);
        }
        line = nl ? nl + 1 : NULL;
    }
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
