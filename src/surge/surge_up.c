/* SPDX-License-Identifier: Apache-2.0 */
/*
 * surge scheduling: up/start in dependency order (independent services in parallel,
 * one forked worker per service start), health and completion gates, stop in reverse
 * order, down.
 *
 * The parent process keeps the schedule; a worker creates/starts one container and
 * exits 0 or 1 (its error already printed). Health probes run from the parent, each
 * bounded by the healthcheck's timeout.
 */
#include "surge/surge.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/mem.h"

enum job_state { J_SKIP, J_WAIT, J_RUNNING, J_DONE, J_FAILED };
enum health { H_UNKNOWN, H_HEALTHY, H_UNHEALTHY };

struct job {
    enum job_state state;
    pid_t pid;
    enum health health;
    int64_t started_ns, next_probe_ns;
    int failures;
    int completed; /* 0 not yet, 1 exited 0, -1 exited non-zero / gone */
    bool need_health, need_completion;
};

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static size_t
svc_index(const struct bolt_boltfile *bf, const char *name)
{
    for (size_t i = 0; i < bf->n_services; i++)
        if (strcmp(bf->services[i].name, name) == 0)
            return i;
    return bf->n_services;
}

static void
progress(const struct surge *s, const char *name, const char *what)
{
    if (!s->quiet)
        fprintf(stderr, "Container %s %s\n", name, what);
}

/* Worker of up (create = true) or start: bring one service's container to running. */
static int
bring_up(const struct surge *s, const struct bolt_bf_service *svc, bool create,
         struct bolt_err *err)
{
    struct bolt_run_opts o;
    struct bolt_container *c = NULL;
    cleanup_free char *name = surge_ctr_name(s, svc->name);
    int code = 0, rc = -1;
    struct bolt_err ferr = {0};

    bolt_run_opts_init(&o);
    c = surge_find(s, svc->name, &ferr);
    if (c == NULL && ferr.errnum != ENOENT) {
        *err = ferr;
        goto out;
    }
    if (!create) {
        if (c == NULL) {
            *err = ferr;
            goto out;
        }
    } else {
        if (surge_run_opts(s, svc, &o, err) < 0)
            goto out;
        if (c != NULL) {
            const char *old = surge_label(c, SURGE_LABEL_HASH);
            const char *new = NULL;
            for (size_t i = 0; o.labels[i]; i++)
                if (strncmp(o.labels[i], SURGE_LABEL_HASH "=", strlen(SURGE_LABEL_HASH) + 1) == 0)
                    new = o.labels[i] + strlen(SURGE_LABEL_HASH) + 1;
            if (old == NULL || new == NULL || strcmp(old, new) != 0) {
                progress(s, name, "Recreate");
                if (bolt_engine_rm(&s->st, c, true, err) < 0)
                    goto out;
                bolt_container_free(c);
                c = NULL;
            }
        }
        if (c == NULL) {
            if (surge_pull(s, svc, false, err) < 0 || surge_prepare_volumes(s, svc, err) < 0)
                goto out;
            if (bolt_engine_create(&s->st, &o, &c, err) < 0) {
                bolt_err_wrap(err, "service '%s'", svc->name);
                goto out;
            }
            progress(s, name, "Created");
        }
    }
    if (bolt_engine_is_running(&s->st, c) && c->status == BOLT_CTR_RUNNING) {
        progress(s, name, "Running");
        rc = 0;
        goto out;
    }
    if (bolt_engine_start(&s->st, c->id, true, BOLT_ATTACH_NONE, &code, err) < 0) {
        bolt_err_wrap(err, "service '%s': start", svc->name);
        goto out;
    }
    progress(s, name, "Started");
    rc = 0;
out:
    bolt_container_free(c);
    bolt_run_opts_fini(&o);
    return rc;
}

static pid_t
spawn_up(const struct surge *s, const struct bolt_bf_service *svc, bool create)
{
    pid_t pid;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        struct bolt_err err = {0};
        int r = bring_up(s, svc, create, &err);
        if (r < 0)
            bolt_err_print("bolt surge", &err);
        fflush(stdout);
        fflush(stderr);
        _exit(r < 0 ? 1 : 0);
    }
    return pid;
}

int
surge_health_probe(const struct surge *s, const struct bolt_bf_service *svc,
                   struct bolt_container *c, struct bolt_err *err)
{
    const struct bolt_bf_healthcheck *hc = &svc->healthcheck;
    int64_t deadline, timeout = hc->timeout_ns ? (int64_t)hc->timeout_ns : 30000000000LL;
    int status = 0;
    pid_t pid, w;

    if (!hc->present || hc->disabled || hc->test == NULL || hc->test[0] == NULL)
        return bolt_err_set(err, 0, "service '%s' has no healthcheck", svc->name);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return bolt_err_set(err, errno, "fork");
    if (pid == 0) {
        struct bolt_exec_opts eo = {0};
        struct bolt_err e = {0};
        char sh0[] = "/bin/sh", sh1[] = "-c";
        char *sh[] = {sh0, sh1, NULL, NULL};
        int code = 0, r, fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (strcmp(hc->test[0], "CMD-SHELL") == 0) {
            sh[2] = hc->test[1];
            eo.args = sh;
        } else {
            eo.args = hc->test + 1;
        }
        r = bolt_engine_exec(&s->st, c, &eo, &code, &e);
        _exit(r < 0 ? 255 : (code & 0xff));
    }
    deadline = bolt_now_ns() + timeout;
    while ((w = waitpid(pid, &status, WNOHANG)) == 0 && bolt_now_ns() < deadline)
        sleep_ms(20);
    if (w == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return 0;
    }
    return w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
}

/* Why a dependency cannot be met, or NULL while it still may be. */
static const char *
dep_broken(const struct job *d, enum bolt_bf_condition cond)
{
    if (d->state == J_FAILED)
        return "failed to start";
    if (cond == BOLT_BF_COND_HEALTHY && d->health == H_UNHEALTHY)
        return "is unhealthy";
    if (cond == BOLT_BF_COND_COMPLETED && d->completed < 0)
        return "did not complete successfully";
    return NULL;
}

static bool
dep_met(const struct job *d, enum bolt_bf_condition cond)
{
    if (d->state == J_SKIP)
        return true; /* not part of this run: taken as it is */
    if (d->state != J_DONE)
        return false;
    if (cond == BOLT_BF_COND_HEALTHY)
        return d->health == H_HEALTHY;
    if (cond == BOLT_BF_COND_COMPLETED)
        return d->completed > 0;
    return true;
}

/* Health and completion of started services that others wait for. */
static void
update_gates(const struct surge *s, struct job *jobs, int64_t now)
{
    const struct bolt_boltfile *bf = s->bf;

    for (size_t i = 0; i < bf->n_services; i++) {
        struct job *j = &jobs[i];
        const struct bolt_bf_service *svc = &bf->services[i];
        const struct bolt_bf_healthcheck *hc = &svc->healthcheck;
        struct bolt_container *c;
        struct bolt_err err = {0};

        if (j->state != J_DONE)
            continue;
        if (!(j->need_health && j->health == H_UNKNOWN)
            && !(j->need_completion && j->completed == 0))
            continue;
        if (j->need_health && j->health == H_UNKNOWN && now < j->next_probe_ns
            && !j->need_completion)
            continue;
        c = surge_find(s, svc->name, &err);
        if (c == NULL) {
            j->health = H_UNHEALTHY;
            j->completed = -1;
            continue;
        }
        if (j->need_completion && j->completed == 0 && c->status == BOLT_CTR_EXITED
            && !bolt_engine_is_running(&s->st, c))
            j->completed = c->exit_code == 0 ? 1 : -1;
        if (j->need_health && j->health == H_UNKNOWN && now >= j->next_probe_ns) {
            if (c->status != BOLT_CTR_RUNNING || !bolt_engine_is_running(&s->st, c)) {
                j->health = H_UNHEALTHY;
            } else if (surge_health_probe(s, svc, c, &err) == 1) {
                j->health = H_HEALTHY;
                progress(s, c->name, "Healthy");
            } else {
                bool grace = now < j->started_ns + (int64_t)hc->start_period_ns;
                if (!grace && ++j->failures >= (hc->retries > 0 ? hc->retries : 1)) {
                    j->health = H_UNHEALTHY;
                    progress(s, c->name, "Unhealthy");
                }
            }
            j->next_probe_ns = bolt_now_ns() + (int64_t)hc->interval_ns;
        }
        bolt_container_free(c);
    }
}

/* Start the services whose dependencies are met; fail those that can never start. */
static bool
launch_ready(const struct surge *s, struct job *jobs, bool create, int *failed)
{
    const struct bolt_boltfile *bf = s->bf;
    bool busy = false;

    for (size_t i = 0; i < bf->n_services; i++) {
        const struct bolt_bf_service *svc = &bf->services[i];
        bool ready = true;

        if (jobs[i].state == J_RUNNING)
            busy = true;
        if (jobs[i].state != J_WAIT)
            continue;
        for (size_t d = 0; d < svc->n_depends_on && ready; d++) {
            size_t k = svc_index(bf, svc->depends_on[d].service);
            const char *why =
                k < bf->n_services ? dep_broken(&jobs[k], svc->depends_on[d].condition) : NULL;
            if (why) {
                fprintf(stderr, "bolt surge: service '%s' not started: dependency '%s' %s\n",
                        svc->name, svc->depends_on[d].service, why);
                jobs[i].state = J_FAILED;
                (*failed)++;
                ready = false;
            } else if (k < bf->n_services && !dep_met(&jobs[k], svc->depends_on[d].condition)) {
                ready = false;
                busy = true;
            }
        }
        if (!ready)
            continue;
        jobs[i].pid = spawn_up(s, svc, create);
        if (jobs[i].pid < 0) {
            fprintf(stderr, "bolt surge: service '%s': fork: %s\n", svc->name, strerror(errno));
            jobs[i].state = J_FAILED;
            (*failed)++;
            continue;
        }
        jobs[i].state = J_RUNNING;
        busy = true;
    }
    return busy;
}

static void
reap(const struct surge *s, struct job *jobs, int *failed)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < s->bf->n_services; i++) {
            if (jobs[i].state != J_RUNNING || jobs[i].pid != pid)
                continue;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                jobs[i].state = J_DONE;
                jobs[i].started_ns = bolt_now_ns();
                jobs[i].next_probe_ns =
                    jobs[i].started_ns
                    + (int64_t)(s->bf->services[i].healthcheck.interval_ns < 1000000000ULL
                                    ? s->bf->services[i].healthcheck.interval_ns
                                    : 1000000000ULL);
            } else {
                jobs[i].state = J_FAILED;
                (*failed)++;
            }
        }
    }
}

/* Does anyone still wait for a gate of service i? */
static bool
gates_pending(const struct surge *s, const struct job *jobs)
{
    for (size_t i = 0; i < s->bf->n_services; i++) {
        const struct bolt_bf_service *svc = &s->bf->services[i];
        if (jobs[i].state != J_WAIT)
            continue;
        for (size_t d = 0; d < svc->n_depends_on; d++) {
            size_t k = svc_index(s->bf, svc->depends_on[d].service);
            if (k < s->bf->n_services && jobs[k].state == J_DONE)
                return true;
        }
    }
    return false;
}

static int
schedule(const struct surge *s, const bool *sel, bool create, struct bolt_err *err)
{
    const struct bolt_boltfile *bf = s->bf;
    cleanup_free struct job *jobs = xcalloc(bf->n_services + 1, sizeof(*jobs));
    int failed = 0;

    for (size_t i = 0; i < bf->n_services; i++)
        jobs[i].state = sel[i] ? J_WAIT : J_SKIP;
    for (size_t i = 0; i < bf->n_services; i++) {
        const struct bolt_bf_service *svc = &bf->services[i];
        if (!sel[i])
            continue;
        for (size_t d = 0; d < svc->n_depends_on; d++) {
            size_t k = svc_index(bf, svc->depends_on[d].service);
            if (k == bf->n_services)
                continue;
            if (svc->depends_on[d].condition == BOLT_BF_COND_HEALTHY)
                jobs[k].need_health = true;
            if (svc->depends_on[d].condition == BOLT_BF_COND_COMPLETED)
                jobs[k].need_completion = true;
        }
    }
    for (;;) {
        bool busy;
        reap(s, jobs, &failed);
        update_gates(s, jobs, bolt_now_ns());
        busy = launch_ready(s, jobs, create, &failed);
        if (!busy && !gates_pending(s, jobs))
            break;
        sleep_ms(50);
    }
    if (failed)
        return bolt_err_set(err, 0, "%d service%s failed to start", failed, failed == 1 ? "" : "s");
    return 0;
}

int
surge_up(const struct surge *s, const bool *sel, struct bolt_err *err)
{
    size_t n = 0;
    struct bolt_container **v = surge_list(s, NULL, &n, err);

    if (v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *svc = surge_label(v[i], SURGE_LABEL_SERVICE);
        if (svc_index(s->bf, svc) == s->bf->n_services)
            fprintf(stderr,
                    "bolt surge: warning: container %s belongs to service '%s', which is not in "
                    "%s (remove it with 'bolt surge down')\n",
                    v[i]->name, svc, s->bf->path);
    }
    bolt_ctrs_list_free(v, n);
    return schedule(s, sel, true, err);
}

int
surge_start(const struct surge *s, const bool *sel, struct bolt_err *err)
{
    return schedule(s, sel, false, err);
}

static void
stop_one(const struct surge *s, struct bolt_container *c, int timeout)
{
    struct bolt_err err = {0};

    if (!bolt_engine_is_running(&s->st, c)) {
        return;
    }
    if (bolt_engine_stop(&s->st, c, timeout, &err) < 0) {
        bolt_err_print("bolt surge", &err);
        _exit(1);
    }
    progress(s, c->name, "Stopped");
}

int
surge_stop(const struct surge *s, const bool *sel, int timeout, struct bolt_err *err)
{
    const struct bolt_boltfile *bf = s->bf;
    size_t n = bf->n_services;
    cleanup_free struct job *jobs = xcalloc(n + 1, sizeof(*jobs));
    int failed = 0;

    for (size_t i = 0; i < n; i++)
        jobs[i].state = sel[i] ? J_WAIT : J_SKIP;
    for (;;) {
        bool busy = false;
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            for (size_t i = 0; i < n; i++)
                if (jobs[i].state == J_RUNNING && jobs[i].pid == pid) {
                    jobs[i].state =
                        WIFEXITED(status) && WEXITSTATUS(status) == 0 ? J_DONE : J_FAILED;
                    failed += jobs[i].state == J_FAILED;
                }
        for (size_t i = 0; i < n; i++) {
            bool ready = true;
            if (jobs[i].state == J_RUNNING)
                busy = true;
            if (jobs[i].state != J_WAIT)
                continue;
            /* i stops after every selected service that depends on it */
            for (size_t k = 0; k < n && ready; k++)
                for (size_t d = 0; d < bf->services[k].n_depends_on; d++)
                    if (strcmp(bf->services[k].depends_on[d].service, bf->services[i].name) == 0
                        && (jobs[k].state == J_WAIT || jobs[k].state == J_RUNNING))
                        ready = false;
            busy = true;
            if (!ready)
                continue;
            fflush(stderr);
            jobs[i].pid = fork();
            if (jobs[i].pid == 0) {
                struct bolt_err e = {0};
                struct bolt_container *c = surge_find(s, bf->services[i].name, &e);
                if (c)
                    stop_one(s, c, timeout);
                fflush(stderr);
                _exit(0);
            }
            jobs[i].state = jobs[i].pid < 0 ? J_FAILED : J_RUNNING;
        }
        if (!busy)
            break;
        sleep_ms(20);
    }
    if (failed)
        return bolt_err_set(err, 0, "%d service%s could not be stopped", failed,
                            failed == 1 ? "" : "s");
    return 0;
}

int
surge_down(const struct surge *s, int timeout, bool volumes, struct bolt_err *err)
{
    cleanup_free bool *all = xcalloc(s->bf->n_services + 1, sizeof(bool));
    struct bolt_container **v;
    size_t n = 0;
    int rc = 0;

    for (size_t i = 0; i < s->bf->n_services; i++)
        all[i] = true;
    if (surge_stop(s, all, timeout, err) < 0)
        rc = -1;
    v = surge_list(s, NULL, &n, err);
    if (v == NULL)
        return -1;
    for (size_t i = n; i-- > 0;) {
        struct bolt_err e = {0};
        if (bolt_engine_is_running(&s->st, v[i]) && bolt_engine_stop(&s->st, v[i], timeout, &e) < 0)
            bolt_err_print("bolt surge", &e);
        if (bolt_engine_rm(&s->st, v[i], true, &e) < 0) {
            bolt_err_print("bolt surge", &e);
            rc = -1;
            continue;
        }
        progress(s, v[i]->name, "Removed");
    }
    bolt_ctrs_list_free(v, n);
    if (volumes && surge_remove_volumes(s, err) < 0)
        rc = -1;
    if (rc < 0 && !bolt_err_is_set(err))
        bolt_err_set(err, 0, "some containers of project '%s' could not be removed",
                     s->bf->project);
    return rc;
}
