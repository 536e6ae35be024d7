/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

static const char *const status_names[BOLT_CTR_STATUSES] = {
    "created", "running", "restarting", "exited", "dead",
};

const char *
bolt_ctr_status_name(enum bolt_ctr_status s)
{
    if ((int)s < 0 || s >= BOLT_CTR_STATUSES)
        return "unknown";
    return status_names[s];
}

int
bolt_ctr_status_parse(const char *s)
{
    for (int i = 0; i < BOLT_CTR_STATUSES; i++)
        if (strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

int
bolt_restart_policy_parse(const char *s, struct bolt_restart_policy *out, struct bolt_err *err)
{
    struct bolt_restart_policy p = {BOLT_RESTART_NO, 0};

    if (strcmp(s, "no") == 0 || strcmp(s, "") == 0) {
        p.mode = BOLT_RESTART_NO;
    } else if (strcmp(s, "always") == 0) {
        p.mode = BOLT_RESTART_ALWAYS;
    } else if (strcmp(s, "unless-stopped") == 0) {
        p.mode = BOLT_RESTART_UNLESS_STOPPED;
    } else if (strncmp(s, "on-failure", 10) == 0 && (s[10] == '\0' || s[10] == ':')) {
        p.mode = BOLT_RESTART_ON_FAILURE;
        if (s[10] == ':') {
            char *end = NULL;
            long n;
            errno = 0;
            n = strtol(s + 11, &end, 10);
            if (errno || end == s + 11 || *end || n < 0 || n > 1000000)
                return bolt_err_set(err, 0,
                                    "--restart: invalid retry count in '%s' (expected "
                                    "on-failure:N with N >= 0)",
                                    s);
            p.max_retries = (int)n;
        }
    } else {
        return bolt_err_set(err, 0,
                            "--restart: unknown policy '%s' (expected no, on-failure[:N], "
                            "always or unless-stopped)",
                            s);
    }
    if (p.mode != BOLT_RESTART_ON_FAILURE && strchr(s, ':'))
        return bolt_err_set(err, 0, "--restart: '%s' takes no retry count", s);
    *out = p;
    return 0;
}

const char *
bolt_restart_policy_str(const struct bolt_restart_policy *p, char *buf, size_t len)
{
    switch (p->mode) {
    case BOLT_RESTART_ON_FAILURE:
        if (p->max_retries > 0)
            snprintf(buf, len, "on-failure:%d", p->max_retries);
        else
            snprintf(buf, len, "on-failure");
        break;
    case BOLT_RESTART_ALWAYS:
        snprintf(buf, len, "always");
        break;
    case BOLT_RESTART_UNLESS_STOPPED:
        snprintf(buf, len, "unless-stopped");
        break;
    case BOLT_RESTART_NO:
    default:
        snprintf(buf, len, "no");
        break;
    }
    return buf;
}

void
bolt_kv_push(struct bolt_kv **v, size_t *n, const char *key, const char *value)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*v)[i].key, key) == 0) {
            free((*v)[i].value);
            (*v)[i].value = xstrdup(value);
            return;
        }
    }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[*n].key = xstrdup(key);
    (*v)[*n].value = xstrdup(value);
    (*n)++;
}

void
bolt_kv_free(struct bolt_kv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].value);
    }
    free(v);
}

void
bolt_container_free(struct bolt_container *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->image);
    free(c->image_id);
    bolt_strv_free(c->command);
    free(c->runtime);
    bolt_kv_free(c->labels, c->n_labels);
    bolt_strv_free(c->gpus);
    free(c->error);
    free(c);
}

int64_t
bolt_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
bolt_container_new_id(char out[BOLT_CTR_ID_LEN + 1])
{
    unsigned char raw[BOLT_CTR_ID_LEN / 2];
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t r = getrandom(raw + got, sizeof(raw) - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            abort(); /* getrandom cannot fail on a booted Linux with a valid buffer */
        got += (size_t)r;
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    /* docker never hands out all-digit short ids (they look like numbers); neither do we. */
    if (strspn(out, "0123456789") >= 12)
        out[0] = 'a' + (char)(raw[0] % 6);
}

static const char *const adjectives[] = {
    "agile",  "amber",  "bold",   "brave",   "bright", "calm",  "clever", "cosmic",
    "crisp",  "eager",  "fast",   "fierce",  "gentle", "happy", "keen",   "lucid",
    "mighty", "nimble", "quiet",  "rapid",   "serene", "sharp", "silent", "snappy",
    "solid",  "swift",  "tender", "vibrant", "vivid",  "wise",  "witty",  "zesty",
};
static const char *const nouns[] = {
    "ampere",   "babbage", "bohr",    "curie",   "darwin", "dijkstra", "euler",   "faraday",
    "fermi",    "galileo", "gauss",   "hopper",  "kepler", "knuth",    "lamport", "lovelace",
    "maxwell",  "newton",  "noether", "pascal",  "planck", "ritchie",  "shannon", "tesla",
    "thompson", "turing",  "volta",   "wozniak", "yonath", "hamilton", "liskov",  "torvalds",
};

char *
bolt_container_random_name(void)
{
    unsigned int r[3];

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r[0] = r[1] = r[2] = (unsigned int)getpid();
    return xasprintf("%s_%s_%u", adjectives[r[0] % (sizeof(adjectives) / sizeof(*adjectives))],
                     nouns[r[1] % (sizeof(nouns) / sizeof(*nouns))], r[2] % 1000);
}

bool
bolt_container_name_is_valid(const char *name)
{
    static const char more[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

    if (!name || !*name || strlen(name) > 128)
        return false;
    if (!strchr(more, name[0]) || name[0] == '_' || name[0] == '.' || name[0] == '-')
        return false;
    return strspn(name, more) == strlen(name);
}

static json_t *
strv_to_json(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

char *
bolt_container_to_json(const struct bolt_container *c)
{
    json_t *o = json_object();
    json_t *labels = json_object();
    char buf[64];
    char *text;

    for (size_t i = 0; i < c->n_labels; i++)
        json_object_set_new(labels, c->labels[i].key, json_string(c->labels[i].value));
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "name", json_string(c->name ? c->name : ""));
    json_object_set_new(o, "image", json_string(c->image ? c->image : ""));
    if (c->image_id)
        json_object_set_new(o, "image_id", json_string(c->image_id));
    json_object_set_new(o, "command", strv_to_json(c->command));
    json_object_set_new(o, "runtime", json_string(c->runtime ? c->runtime : "nvbind"));
    json_object_set_new(o, "labels", labels);
    json_object_set_new(o, "gpus", strv_to_json(c->gpus));
    json_object_set_new(o, "created_ns", json_integer(c->created_ns));
    json_object_set_new(o, "started_ns", json_integer(c->started_ns));
    json_object_set_new(o, "finished_ns", json_integer(c->finished_ns));
    json_object_set_new(o, "status", json_string(bolt_ctr_status_name(c->status)));
    json_object_set_new(o, "exit_code", json_integer(c->exit_code));
    if (c->error)
        json_object_set_new(o, "error", json_string(c->error));
    json_object_set_new(o, "restart_count", json_integer(c->restart_count));
    json_object_set_new(o, "pid", json_integer(c->pid));
    json_object_set_new(o, "monitor_pid", json_integer(c->monitor_pid));
    json_object_set_new(o, "restart_policy",
                        json_string(bolt_restart_policy_str(&c->restart, buf, sizeof(buf))));
    json_object_set_new(o, "auto_remove", json_boolean(c->auto_remove));
    json_object_set_new(o, "stop_requested", json_boolean(c->stop_requested));
    json_object_set_new(o, "tty", json_boolean(c->tty));
    json_object_set_new(o, "interactive", json_boolean(c->interactive));
    json_object_set_new(o, "stop_signal", json_integer(c->stop_signal));
    json_object_set_new(o, "stop_timeout", json_integer(c->stop_timeout));
    json_object_set_new(o, "init", json_boolean(c->init));
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        abort();
    return text;
}

static int
get_int(json_t *o, const char *key, int *out, struct bolt_err *err)
{
    int64_t v = *out;

    if (bolt_json_get_i64(o, "container", key, &v, err) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int
read_labels(json_t *o, struct bolt_container *c, struct bolt_err *err)
{
    bool bad = false;
    json_t *labels = bolt_json_get_obj(o, "container", "labels", &bad, err);
    const char *k;
    json_t *v;

    if (bad)
        return -1;
    json_object_foreach(labels, k, v)
    {
        if (!json_is_string(v))
            return bolt_err_set(err, 0, "container.labels.%s: expected string", k);
        bolt_kv_push(&c->labels, &c->n_labels, k, json_string_value(v));
    }
    return 0;
}

static int
read_scalars(json_t *o, struct bolt_container *c, struct bolt_err *err)
{
    int64_t pid = 0, mpid = 0;

    if (bolt_json_get_i64(o, "container", "created_ns", &c->created_ns, err) < 0
        || bolt_json_get_i64(o, "container", "started_ns", &c->started_ns, err) < 0
        || bolt_json_get_i64(o, "container", "finished_ns", &c->finished_ns, err) < 0
        || get_int(o, "exit_code", &c->exit_code, err) < 0
        || get_int(o, "restart_count", &c->restart_count, err) < 0
        || bolt_json_get_i64(o, "container", "pid", &pid, err) < 0
        || bolt_json_get_i64(o, "container", "monitor_pid", &mpid, err) < 0
        || bolt_json_get_bool(o, "container", "auto_remove", &c->auto_remove, err) < 0
        || bolt_json_get_bool(o, "container", "stop_requested", &c->stop_requested, err) < 0
        || bolt_json_get_bool(o, "container", "tty", &c->tty, err) < 0
        || bolt_json_get_bool(o, "container", "interactive", &c->interactive, err) < 0
        || get_int(o, "stop_signal", &c->stop_signal, err) < 0
        || get_int(o, "stop_timeout", &c->stop_timeout, err) < 0
        || bolt_json_get_bool(o, "container", "init", &c->init, err) < 0)
        return -1;
    c->pid = (pid_t)pid;
    c->monitor_pid = (pid_t)mpid;
    return 0;
}

static int
read_strings(json_t *o, struct bolt_container *c, struct bolt_err *err)
{
    cleanup_free char *id = NULL;
    cleanup_free char *status = NULL;
    cleanup_free char *restart = NULL;
    int st;

    if (bolt_json_req_str(o, "container", "id", &id, err) < 0
        || bolt_json_get_str(o, "container", "name", &c->name, err) < 0
        || bolt_json_get_str(o, "container", "image", &c->image, err) < 0
        || bolt_json_get_str(o, "container", "image_id", &c->image_id, err) < 0
        || bolt_json_get_strv(o, "container", "command", &c->command, err) < 0
        || bolt_json_get_str(o, "container", "runtime", &c->runtime, err) < 0
        || bolt_json_get_strv(o, "container", "gpus", &c->gpus, err) < 0
        || bolt_json_get_str(o, "container", "error", &c->error, err) < 0
        || bolt_json_req_str(o, "container", "status", &status, err) < 0
        || bolt_json_get_str(o, "container", "restart_policy", &restart, err) < 0)
        return -1;
    if (strlen(id) != BOLT_CTR_ID_LEN || strspn(id, "0123456789abcdef") != BOLT_CTR_ID_LEN)
        return bolt_err_set(err, 0, "container.id: expected 64 hex characters");
    memcpy(c->id, id, BOLT_CTR_ID_LEN + 1);
    st = bolt_ctr_status_parse(status);
    if (st < 0)
        return bolt_err_set(err, 0, "container.status: unknown status '%s'", status);
    c->status = (enum bolt_ctr_status)st;
    if (restart && bolt_restart_policy_parse(restart, &c->restart, err) < 0)
        return bolt_err_wrap(err, "container.restart_policy");
    if (c->gpus && !c->gpus[0]) {
        free(c->gpus);
        c->gpus = NULL;
    }
    return 0;
}

struct bolt_container *
bolt_container_from_json(const char *text, struct bolt_err *err)
{
    json_t *o = bolt_json_loadb(text, strlen(text), "container record", err);
    struct bolt_container *c;

    if (!o)
        return NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        bolt_err_set(err, 0, "container record: expected a JSON object");
        return NULL;
    }
    c = xzalloc(sizeof(*c));
    if (read_strings(o, c, err) < 0 || read_scalars(o, c, err) < 0 || read_labels(o, c, err) < 0) {
        json_decref(o);
        bolt_container_free(c);
        return NULL;
    }
    json_decref(o);
    return c;
}

int
bolt_ctrs_init(struct bolt_ctr_store *st, const char *root, const char *runroot,
               struct bolt_err *err)
{
    cleanup_free char *cdir = xasprintf("%s/containers", root);
    cleanup_free char *rdir = xasprintf("%s/containers", runroot);

    st->root = NULL;
    st->runroot = NULL;
    if (bolt_mkdir_p(cdir, 0700, err) < 0 || bolt_mkdir_p(rdir, 0700, err) < 0)
        return -1;
    st->root = xstrdup(root);
    st->runroot = xstrdup(runroot);
    return 0;
}

void
bolt_ctrs_fini(struct bolt_ctr_store *st)
{
    free(st->root);
    free(st->runroot);
    st->root = st->runroot = NULL;
}

char *
bolt_ctrs_ctr_dir(const struct bolt_ctr_store *st, const char *id)
{
    return xasprintf("%s/containers/%s", st->root, id);
}

char *
bolt_ctrs_run_dir(const struct bolt_ctr_store *st, const char *id)
{
    return xasprintf("%s/containers/%s", st->runroot, id);
}

int
bolt_ctrs_lock(const struct bolt_ctr_store *st, struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("%s/containers.lock", st->root);

    return bolt_lock_open(path, true, true, err);
}

int
bolt_write_file_replace(const char *path, const char *data, size_t len, struct bolt_err *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", tmp);
    if (write(fd, data, len) != (ssize_t)len) {
        int e = errno;
        unlink(tmp);
        return bolt_err_set(err, e, "write '%s'", tmp);
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return bolt_err_set(err, e, "rename '%s' to '%s'", tmp, path);
    }
    return 0;
}

int
bolt_ctrs_save(const struct bolt_ctr_store *st, const struct bolt_container *c,
               struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("%s/containers/%s/container.json", st->root, c->id);
    cleanup_free char *text = bolt_container_to_json(c);

    /* a --rm container disappears when it exits: its record needs atomicity, not durability */
    if (c->auto_remove)
        return bolt_write_file_replace(path, text, strlen(text), err);
    return bolt_write_file_atomic(path, text, strlen(text), 0600, err);
}

struct bolt_container *
bolt_ctrs_load(const struct bolt_ctr_store *st, const char *id, struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("%s/containers/%s/container.json", st->root, id);
    cleanup_free char *text = bolt_read_file(path, NULL, err);
    struct bolt_container *c;

    if (!text)
        return NULL;
    c = bolt_container_from_json(text, err);
    if (!c)
        bolt_err_wrap(err, "'%s'", path);
    return c;
}

static bool
is_id(const char *s)
{
    return strlen(s) == BOLT_CTR_ID_LEN && strspn(s, "0123456789abcdef") == BOLT_CTR_ID_LEN;
}

struct bolt_container **
bolt_ctrs_list(const struct bolt_ctr_store *st, size_t *n, struct bolt_err *err)
{
    cleanup_free char *dir = xasprintf("%s/containers", st->root);
    cleanup_dir DIR *d = opendir(dir);
    struct bolt_container **v = NULL;
    struct dirent *de;
    size_t cnt = 0;

    if (!d) {
        if (errno == ENOENT) {
            *n = 0;
            return xzalloc(sizeof(*v));
        }
        bolt_err_set(err, errno, "open directory '%s'", dir);
        return NULL;
    }
    while ((de = readdir(d))) {
        struct bolt_err e = {0};
        struct bolt_container *c;

        if (!is_id(de->d_name))
            continue;
        c = bolt_ctrs_load(st, de->d_name, &e);
        if (!c) {
            /* a record being created or removed right now: not an error for a listing */
            if (e.errnum != ENOENT) {
                char buf[600];
                log_warn("skip container %.12s: %s", de->d_name,
                         bolt_err_str(&e, buf, sizeof(buf)));
            }
            continue;
        }
        v = xreallocarray(v, cnt + 2, sizeof(*v));
        v[cnt++] = c;
    }
    if (!v)
        v = xzalloc(sizeof(*v));
    v[cnt] = NULL;
    for (size_t i = 1; i < cnt; i++) {
        struct bolt_container *x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1]->created_ns > x->created_ns; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    *n = cnt;
    return v;
}

void
bolt_ctrs_list_free(struct bolt_container **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        bolt_container_free(v[i]);
    free(v);
}

struct bolt_container *
bolt_ctrs_lookup(const struct bolt_ctr_store *st, const char *ref, struct bolt_err *err)
{
    struct bolt_container **all = NULL;
    struct bolt_container *found = NULL;
    size_t n = 0, matches = 0;
    const char *name = ref[0] == '/' ? ref + 1 : ref;

    if (!*ref) {
        bolt_err_set(err, EINVAL, "empty container name or id");
        return NULL;
    }
    if (is_id(ref))
        return bolt_ctrs_load(st, ref, err);
    all = bolt_ctrs_list(st, &n, err);
    if (!all)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (all[i]->name && strcmp(all[i]->name, name) == 0) {
            found = all[i];
            matches = 1;
            break;
        }
    }
    for (size_t i = 0; !found && i < n; i++) {
        if (strncmp(all[i]->id, ref, strlen(ref)) == 0) {
            matches++;
            found = all[i];
        }
    }
    if (matches == 1) {
        for (size_t i = 0; i < n; i++)
            if (all[i] == found)
                all[i] = NULL;
        for (size_t i = 0; i < n; i++)
            bolt_container_free(all[i]);
        free(all);
        return found;
    }
    bolt_ctrs_list_free(all, n);
    if (matches > 1)
        bolt_err_set(err, 0, "container id prefix '%s' is ambiguous (give more characters)", ref);
    else
        bolt_err_set_plain(err, ENOENT, "no such container: %s", ref);
    return NULL;
}

static int
name_in_use(const struct bolt_ctr_store *st, const char *name, char *owner, struct bolt_err *err)
{
    size_t n = 0;
    struct bolt_container **all = bolt_ctrs_list(st, &n, err);
    int used = 0;

    if (!all)
        return -1;
    for (size_t i = 0; i < n && !used; i++) {
        if (all[i]->name && strcmp(all[i]->name, name) == 0) {
            used = 1;
            memcpy(owner, all[i]->id, BOLT_CTR_ID_LEN + 1);
        }
    }
    bolt_ctrs_list_free(all, n);
    return used;
}

static int
create_locked(const struct bolt_ctr_store *st, struct bolt_container *c, struct bolt_err *err)
{
    char owner[BOLT_CTR_ID_LEN + 1];
    cleanup_free char *dir = NULL;
    cleanup_free char *rdir = NULL;
    int used;

    if (c->name) {
        used = name_in_use(st, c->name, owner, err);
        if (used < 0)
            return -1;
        if (used)
            return bolt_err_set(err, 0,
                                "the container name '%s' is already in use by container %.12s "
                                "(remove it with 'bolt rm %s' or pick another --name)",
                                c->name, owner, c->name);
    } else {
        for (int tries = 0; tries < 100 && !c->name; tries++) {
            char *cand = bolt_container_random_name();
            used = name_in_use(st, cand, owner, err);
            if (used < 0) {
                free(cand);
                return -1;
            }
            if (used)
                free(cand);
            else
                c->name = cand;
        }
        if (!c->name)
            return bolt_err_set(err, 0, "could not pick a free random container name");
    }
    dir = bolt_ctrs_ctr_dir(st, c->id);
    rdir = bolt_ctrs_run_dir(st, c->id);
    if (mkdir(dir, 0700) < 0)
        return bolt_err_set(err, errno, "create directory '%s'", dir);
    if (bolt_mkdir_p(rdir, 0700, err) < 0 || bolt_ctrs_save(st, c, err) < 0) {
        bolt_rm_rf(dir, NULL);
        bolt_rm_rf(rdir, NULL);
        return -1;
    }
    return 0;
}

int
bolt_ctrs_create(const struct bolt_ctr_store *st, struct bolt_container *c, struct bolt_err *err)
{
    int lock = bolt_ctrs_lock(st, err);
    int r;

    if (lock < 0)
        return -1;
    if (!c->id[0])
        bolt_container_new_id(c->id);
    if (!c->created_ns)
        c->created_ns = bolt_now_ns();
    r = create_locked(st, c, err);
    bolt_lock_release(lock);
    return r;
}

int
bolt_ctrs_remove(const struct bolt_ctr_store *st, const char *id, struct bolt_err *err)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, id);
    cleanup_free char *rdir = bolt_ctrs_run_dir(st, id);
    cleanup_free char *rec = xasprintf("%s/container.json", dir);

    /* drop the record first: a half-removed directory is then invisible to listings */
    if (unlink(rec) < 0 && errno != ENOENT)
        return bolt_err_set(err, errno, "remove '%s'", rec);
    if (bolt_rm_rf(dir, err) < 0)
        return -1;
    return bolt_rm_rf(rdir, err);
}

bool
bolt_ctrs_monitor_alive(const struct bolt_ctr_store *st, const char *id)
{
    cleanup_free char *path = xasprintf("%s/containers/%s/monitor.lock", st->runroot, id);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return false;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return false; /* nobody holds it: the supervisor is gone */
    return errno == EWOULDBLOCK;
}

bool
bolt_ctrs_reconcile(const struct bolt_ctr_store *st, struct bolt_container *c)
{
    struct bolt_container *fresh;
    int lock;
    bool changed = false;

    if (c->status != BOLT_CTR_RUNNING && c->status != BOLT_CTR_RESTARTING)
        return false;
    if (bolt_ctrs_monitor_alive(st, c->id))
        return false;
    lock = bolt_ctrs_lock(st, NULL);
    if (lock < 0)
        return false;
    /* re-read under the lock: the supervisor may have finished between the two checks */
    fresh = bolt_ctrs_load(st, c->id, NULL);
    if (fresh && (fresh->status == BOLT_CTR_RUNNING || fresh->status == BOLT_CTR_RESTARTING)
        && !bolt_ctrs_monitor_alive(st, c->id)) {
        fresh->status = BOLT_CTR_DEAD;
        fresh->finished_ns = bolt_now_ns();
        fresh->monitor_pid = 0;
        free(fresh->error);
        fresh->error = xstrdup("the container's monitor process died; its exit status is unknown");
        if (bolt_ctrs_save(st, fresh, NULL) == 0)
            changed = true;
    }
    if (fresh) {
        c->status = fresh->status;
        c->finished_ns = fresh->finished_ns;
        c->exit_code = fresh->exit_code;
        c->monitor_pid = fresh->monitor_pid;
        c->pid = fresh->pid;
        free(c->error);
        c->error = fresh->error ? xstrdup(fresh->error) : NULL;
        bolt_container_free(fresh);
    }
    bolt_lock_release(lock);
    return changed;
}
