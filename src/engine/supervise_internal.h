/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_SUPERVISE_INTERNAL_H
#define BOLT_ENGINE_SUPERVISE_INTERNAL_H

/* Shared between the engine's files; not an API. */

#include <stdbool.h>
#include <termios.h>

#include "engine/engine.h"
#include "engine/logs.h"
#include "engine/rtdrv.h"
#include "nvbind/inject.h"
#include "util/trace.h"

struct sup {
    const struct bolt_ctr_store *st;
    char id[BOLT_CTR_ID_LEN + 1];
    char *dir, *rdir, *rootfs;
    struct engine_rt rt;
    struct bolt_oci_spec *spec;
    enum bolt_attach attach;
    int report_fd;
    bool reported;
    bool remove_on_fail; /* first start of `bolt run`: a failed start leaves nothing */
    struct engine_logw logw;
    int sigfd;
    bool tty, interactive;
    bool raw; /* our terminal is in raw mode (restore on exit) */
    struct termios saved;
    pid_t pid;
    bool stop_now;        /* foreground: the user interrupted a restart backoff */
    int lockfd;           /* the monitor lock (detached: kept across the exec into bolt-monitor) */
    int64_t began;        /* start time of the life that bolt-monitor watched */
    bool auto_remove;     /* --rm: the container's writable layer is thrown away at exit */
    struct bolt_trace tr; /* BOLT_TRACE=1: engine-start / engine-exit phase lines */
    struct bolt_nv_prepared nv; /* GPUs: the first start's plan and layer, or its record */
};

/* Pump the container's output/input until it exits; returns its status (128+N on signal). */
int sup_pump(struct sup *s, int out_fd, int err_fd, int pidfd);

/* Receive the pty master from a listening console socket (accept + SCM_RIGHTS). */
int sup_recv_console(int listen_fd, struct bolt_err *err);

/* Put our stdin terminal in raw mode / restore it. */
void sup_term_raw(struct sup *s);
void sup_term_restore(struct sup *s);

/* Copy our terminal's window size to fd (a pty master). */
void sup_copy_winsize(int fd);

/* Read-modify-write the record under the store lock. fn returns false to skip saving. */
int sup_update(const struct bolt_ctr_store *st, const char *id,
               bool (*fn)(struct bolt_container *c, void *arg), void *arg, struct bolt_err *err);

/* A container whose supervisor died: kill what is left of it and delete its runtime state. */
void reap_orphan(const struct bolt_ctr_store *st, struct bolt_container *c);

/* Remove every trace of a container (runtime state, image use mark, directories). */
int engine_remove_all(const struct bolt_ctr_store *st, const struct bolt_container *c,
                      struct bolt_err *err);

/* engine_remove_all for a --rm container that exited: the directory is deleted in the
 * background (engine.c says why). */
int engine_remove_all_detached(const struct bolt_ctr_store *st, const struct bolt_container *c,
                               struct bolt_err *err);

/* bolt_engine_supervise with the run-specific knobs; -1 on a failed first start (*fail_code). */
int bolt_engine_supervise_ex(const struct bolt_ctr_store *st, const char *id,
                             enum bolt_attach attach, int report_fd, bool remove_on_fail,
                             int lockfd, int *fail_code, struct bolt_err *err);

#endif
