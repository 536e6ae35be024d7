/* SPDX-License-Identifier: Apache-2.0 */
/* Container state on disk: <root>/<id>/state.json, config.json, exec.fifo. */
#include "runtime/runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

static const char *const status_names[] = {"creating", "created", "running", "stopped",
                                           "paused"};

const char *
bolt_rt_status_name(enum bolt_rt_status s)
{
    if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
        return "unknown";
    return status_names[s];
}

int
bolt_rt_check_id(const char *id, struct bolt_err *err)
{
    size_t n = id ? strlen(id) : 0;

    if (n == 0)
        return bolt_err_set(err, 0, "container id: must not be empty");
    if (n > 128)
        return bolt_err_set(err, 0, "container id '%.32s...': longer than 128 characters", id);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)id[i];
        if (isalnum(ch) || (i > 0 && (ch == '_' || ch == '.' || ch == '-')))
            continue;
        return bolt_err_set(err, 0,
                            "container id '%s': invalid character '%c' (use letters, digits, "
                            "'_', '.', '-'; start with a letter or digit)",
                            id, ch);
    }
    return 0;
}

char *
rt_state_dir(const char *root, const char *id)
{
    return xasprintf("%s/%s", root ? root : BOLT_RT_DEFAULT_ROOT, id);
}

char *
rt_state_json_build(const char *id, const char *status, pid_t pid, const char *bundle,
                    const struct bolt_oci_annotation *a, size_t n_a)
{
    json_t *o = json_object();
    json_t *ann = json_object();
    char *s;

    json_object_set_new(o, "ociVersion", json_string("1.2.0"));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "status", json_string(status));
    if (pid > 0)
        json_object_set_new(o, "pid", json_integer(pid));
    json_object_set_new(o, "bundle", json_string(bundle ? bundle : ""));
    for (size_t i = 0; i < n_a; i++)
        json_object_set_new(ann, a[i].key, json_string(a[i].value ? a[i].value : ""));
    json_object_set_new(o, "annotations", ann);
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        abort();
    return s;
}

unsigned long long
rt_pid_start(pid_t pid, bool *zombie)
{
    char path[64], buf[1024];
    unsigned long long start = 0;
    cleanup_close int fd = -1;
    ssize_t n;
    char *p;

    if (zombie)
        *zombie = false;
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm may contain spaces and parens: fields restart after the last ')'. */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    if (zombie)
        *zombie = (*p == 'Z' || *p == 'X');
    /* p is field 3 (state); starttime is field 22. */
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (p)
        start = strtoull(p, NULL, 10);
    return start;
}

int
rt_write_volatile(const char *path, const char *data, size_t len, mode_t mode,
                  struct bolt_err *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp%d", path, (int)getpid());
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t off = 0;

    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", tmp);
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            unlink(tmp);
            return bolt_err_set(err, e, "write '%s'", tmp);
        }
        off += (size_t)n;
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return bolt_err_set(err, e, "rename '%s' to '%s'", tmp, path);
    }
    return 0;
}

int
rt_write_json_volatile(const char *path, json_t *o, struct bolt_err *err)
{
    cleanup_free char *text = json_dumps(o, JSON_COMPACT);

    if (!text)
        return bolt_err_set(err, ENOMEM, "serialize '%s'", path);
    return rt_write_volatile(path, text, strlen(text), 0600, err);
}

int
rt_saved_write(const char *dir, const struct rt_saved *s, struct bolt_err *err)
{
    json_t *o = json_object();
    cleanup_free char *path = xasprintf("%s/state.json", dir);
    int r;

    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "pid", json_integer(s->pid));
    json_object_set_new(o, "pidStart", json_integer((json_int_t)s->pid_start));
    json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
    json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
    json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
    json_object_set_new(o, "cgroup", json_string(s->cgroup ? s->cgroup : ""));
    json_object_set_new(o, "hasPoststart", json_boolean(s->has_poststart));
    json_object_set_new(o, "hasPoststop", json_boolean(s->has_poststop));
    if (s->creating)
        json_object_set_new(o, "creating", json_true());
    json_object_set(o, "annotations", s->annotations ? s->annotations : json_object());
    if (!s->annotations)
        json_decref(json_object_get(o, "annotations"));
    r = rt_write_json_volatile(path, o, err);
    json_decref(o);
    return r;
}

void
rt_saved_fini(struct rt_saved *s)
{
    free(s->id);
    free(s->bundle);
    free(s->rootfs);
    free(s->created);
    free(s->cgroup);
    if (s->annotations)
        json_decref(s->annotations);
    memset(s, 0, sizeof(*s));
}

int
rt_saved_read(const char *root, const char *id, struct rt_saved *s, struct bolt_err *err)
{
    cleanup_free char *dir = NULL;
    cleanup_free char *path = NULL;
    json_t *o;
    int64_t pid = 0, start = 0;
    bool bad = false;
    int r = 0;

    if (bolt_rt_check_id(id, err) < 0)
        return -1;
    dir = rt_state_dir(root, id);
    path = xasprintf("%s/state.json", dir);
    memset(s, 0, sizeof(*s));
    if (access(path, F_OK) < 0)
        return errno == ENOENT
                   ? bolt_err_set_plain(err, ENOENT, "container '%s' does not exist (no '%s')",
                                        id, path)
                   : bolt_err_set(err, errno, "container '%s': '%s'", id, path);
    o = bolt_json_load_file(path, err);
    if (!o)
        return -1;
    if (bolt_json_get_str(o, "state", "id", &s->id, err) < 0
        || bolt_json_get_i64(o, "state", "pid", &pid, err) < 0
        || bolt_json_get_i64(o, "state", "pidStart", &start, err) < 0
        || bolt_json_get_str(o, "state", "bundle", &s->bundle, err) < 0
        || bolt_json_get_str(o, "state", "rootfs", &s->rootfs, err) < 0
        || bolt_json_get_str(o, "state", "created", &s->created, err) < 0
        || bolt_json_get_str(o, "state", "cgroup", &s->cgroup, err) < 0
        || bolt_json_get_bool(o, "state", "hasPoststart", &s->has_poststart, err) < 0
        || bolt_json_get_bool(o, "state", "hasPoststop", &s->has_poststop, err) < 0)
        r = -1;
    s->creating = json_is_true(json_object_get(o, "creating"));
    s->annotations = bolt_json_get_obj(o, "state", "annotations", &bad, err);
    if (s->annotations)
        json_incref(s->annotations);
    json_decref(o);
    if (r < 0 || bad) {
        rt_saved_fini(s);
        return bolt_err_wrap(err, "state of container '%s'", id);
    }
    if (!s->id)
        s->id = xstrdup(id);
    s->pid = (pid_t)pid;
    s->pid_start = (unsigned long long)start;
    return 0;
}

enum bolt_rt_status
rt_saved_status(const char *dir, const struct rt_saved *s)
{
    char fifo[4096];
    bool zombie = false;
    unsigned long long start = rt_pid_start(s->pid, &zombie);

    if (start == 0 || start != s->pid_start || zombie)
        return BOLT_RT_STOPPED; /* for a "creating" record: its creator died mid-way */
    if (s->creating)
        return BOLT_RT_CREATING;
    snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
    if (access(fifo, F_OK) == 0)
        return BOLT_RT_CREATED;
    snprintf(fifo, sizeof(fifo), "%s/paused", dir);
    if (access(fifo, F_OK) == 0)
        return BOLT_RT_PAUSED;
    return BOLT_RT_RUNNING;
}

struct bolt_oci_spec *
rt_saved_spec(const char *dir, struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("%s/config.json", dir);

    return bolt_oci_spec_load(path, err);
}

int
bolt_rt_state_get(const char *state_root, const char *id, struct bolt_rt_state *st,
                  struct bolt_err *err)
{
    struct rt_saved s;
    cleanup_free char *dir = NULL;
    const char *key;
    json_t *val;
    size_t i = 0;

    if (rt_saved_read(state_root, id, &s, err) < 0)
        return -1;
    dir = rt_state_dir(state_root, id);
    memset(st, 0, sizeof(*st));
    st->id = steal_ptr(&s.id);
    st->status = rt_saved_status(dir, &s);
    st->pid = st->status == BOLT_RT_STOPPED || s.creating ? 0 : s.pid; /* creating: no init yet */
    st->bundle = steal_ptr(&s.bundle);
    st->rootfs = steal_ptr(&s.rootfs);
    st->created = steal_ptr(&s.created);
    if (s.annotations && json_object_size(s.annotations) > 0) {
        st->annotations = xcalloc(json_object_size(s.annotations), sizeof(*st->annotations));
        json_object_foreach(s.annotations, key, val)
        {
            st->annotations[i].key = xstrdup(key);
            st->annotations[i].value = xstrdup(json_is_string(val) ? json_string_value(val) : "");
            i++;
        }
        st->n_annotations = i;
    }
    rt_saved_fini(&s);
    return 0;
}

void
bolt_rt_state_fini(struct bolt_rt_state *st)
{
    free(st->id);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    for (size_t i = 0; i < st->n_annotations; i++) {
        free(st->annotations[i].key);
        free(st->annotations[i].value);
    }
    free(st->annotations);
    memset(st, 0, sizeof(*st));
}

char *
bolt_rt_state_json(const struct bolt_rt_state *st)
{
    json_t *o = json_object();
    json_t *ann = json_object();
    char *s;

    json_object_set_new(o, "ociVersion", json_string("1.2.0"));
    json_object_set_new(o, "id", json_string(st->id));
    json_object_set_new(o, "pid", json_integer(st->pid));
    json_object_set_new(o, "status", json_string(bolt_rt_status_name(st->status)));
    json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
    json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
    json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
    json_object_set_new(o, "owner", json_string(""));
    for (size_t i = 0; i < st->n_annotations; i++)
        json_object_set_new(ann, st->annotations[i].key, json_string(st->annotations[i].value));
    json_object_set_new(o, "annotations", ann);
    s = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    if (!s)
        abort();
    return s;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
bolt_rt_list(const char *state_root, char ***ids, struct bolt_err *err)
{
    const char *root = state_root ? state_root : BOLT_RT_DEFAULT_ROOT;
    cleanup_dir DIR *d = opendir(root);
    char **v = xcalloc(1, sizeof(char *));
    struct dirent *e;

    if (!d) {
        if (errno == ENOENT) {
            *ids = v;
            return 0;
        }
        free(v);
        return bolt_err_set(err, errno, "open state directory '%s'", root);
    }
    while ((e = readdir(d))) {
        char path[4096];
        if (e->d_name[0] == '.' || bolt_rt_check_id(e->d_name, NULL) < 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/state.json", root, e->d_name);
        if (access(path, F_OK) == 0)
            bolt_strv_push(&v, e->d_name);
    }
    qsort(v, bolt_strv_len(v), sizeof(char *), cmp_str);
    *ids = v;
    return 0;
}

struct bolt_oci_spec *
bolt_rt_spec_get(const char *state_root, const char *id, struct bolt_err *err)
{
    cleanup_free char *dir = NULL;
    struct bolt_oci_spec *spec;

    if (bolt_rt_check_id(id, err) < 0)
        return NULL;
    dir = rt_state_dir(state_root, id);
    spec = rt_saved_spec(dir, err);
    if (!spec)
        bolt_err_wrap(err, "container '%s'", id);
    return spec;
}
