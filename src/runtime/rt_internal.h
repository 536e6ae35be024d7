/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_RT_INTERNAL_H
#define BOLT_RT_INTERNAL_H

/* Shared between the files of src/runtime; not an API for other modules. */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/runtime.h"
#include "util/err.h"

/* Messages on the parent/child sync socket (SOCK_SEQPACKET, one struct per packet). */
enum rt_msg_type {
    RT_MSG_GO = 1,    /* parent -> child: continue (value = child's host pid) */
    RT_MSG_ERROR,     /* child -> parent: err is set, value = exit code to use */
    RT_MSG_HOOKS,     /* child -> parent: run prestart + createRuntime hooks now */
    RT_MSG_READY,     /* child -> parent: set up, waiting for start */
    RT_MSG_PTY,       /* child -> parent: the pty master travels with this (SCM_RIGHTS) */
};

struct rt_msg {
    int type;
    int value;
    struct bolt_err err;
};

/* Send one message (err copied in when not NULL). Returns 0, or -1 with errno set. */
int rt_msg_send(int fd, int type, int value, const struct bolt_err *err);
/* Receive one message; returns 1 on a message, 0 on EOF, -1 on error. *pass_fd gets an
 * fd sent with SCM_RIGHTS (or -1) when pass_fd is not NULL. */
int rt_msg_recv(int fd, struct rt_msg *m, int *pass_fd, struct bolt_err *err);
/* Send len bytes of data with fd attached (SCM_RIGHTS) in one sendmsg, retried on EINTR.
 * Returns 0, or -1 with errno set; fd stays open in the caller. */
int rt_sendmsg_fd(int sock, const void *data, size_t len, int fd);
/* Send a message of type with fd attached (SCM_RIGHTS). */
int rt_msg_send_fd(int sock, int type, int fd, struct bolt_err *err);
/* Send fd over a unix socket with SCM_RIGHTS and a short payload. */
int rt_send_fd(int sock, int fd, const char *payload, struct bolt_err *err);

/* What the container child needs; lives in the parent's memory, copied by clone. */
struct rt_child {
    const struct bolt_oci_spec *spec;
    const struct bolt_oci_process *process; /* spec's process or exec's */
    const char *id;
    const char *bundle;
    const char *rootfs; /* absolute host path */
    int sync_fd;        /* child end of the sync socket */
    int fifo_fd;        /* O_PATH fd of the exec fifo; -1 = wait for GO on sync_fd */
    int console_fd;     /* connected console socket, -1 */
    int stdio[3];
    int preserve_fds;
    int ns_fds[BOLT_NS_TYPES]; /* namespaces to join with setns (not pid), -1 */
    bool new_ns[BOLT_NS_TYPES];
    bool no_pivot;
    bool exec_mode;      /* joining a running container (bolt_rt_exec) */
    bool runtime_hooks;  /* ask the parent to run prestart/createRuntime hooks */
    bool pty_to_parent;  /* terminal without console socket: send master to parent */
    void *seccomp;       /* prepared filter (oci's seccomp module) or NULL */
};

/* The child side: never returns (execs or _exits after reporting on sync_fd). */
__attribute__((noreturn)) void rt_child_main(struct rt_child *c);

/* rootfs.c: everything between the new mount namespace and pivot_root (inclusive). */
int rt_rootfs_prepare(struct rt_child *c, int *rootfd_out, struct bolt_err *err);
int rt_rootfs_pivot(struct rt_child *c, int rootfd, struct bolt_err *err);
int rt_rootfs_finish(struct rt_child *c, struct bolt_err *err);

/* process.c: the last steps before exec, shared by create and exec. */
int rt_apply_rlimits(const struct bolt_oci_process *p, struct bolt_err *err);
int rt_resolve_exec(const struct bolt_oci_process *p, char **path_out, struct bolt_err *err);
struct rt_notify_target;
int rt_finalize_process(const struct bolt_oci_process *p, void *seccomp,
                        struct rt_notify_target *notify, struct bolt_err *err);
int rt_setup_terminal(struct rt_child *c, struct bolt_err *err);
int rt_setup_stdio(const int stdio[3], struct bolt_err *err);

/* container.c: wait for a started process, forwarding signals in mask (blocked by the
 * caller) and proxying pty (-1 = none). Returns its exit status or -1. */
int rt_supervise(pid_t pid, int pidfd, int sync, int pty, const sigset_t *mask,
                 struct bolt_err *err);
/* The signals run/exec forward to the container. */
void rt_forward_mask(sigset_t *set);

/* hooks.c */
/* Run the hooks of one kind with the state JSON on stdin; -1 on the first failure. */
int rt_hooks_run(const struct bolt_oci_spec *spec, enum bolt_oci_hook_kind kind,
                 const char *state_json, struct bolt_err *err);
bool rt_spec_has_hooks(const struct bolt_oci_spec *spec, enum bolt_oci_hook_kind kind);

/* state.c */
char *rt_state_dir(const char *root, const char *id);
/* OCI state JSON for hooks and `state`. */
char *rt_state_json_build(const char *id, const char *status, pid_t pid, const char *bundle,
                          const struct bolt_oci_annotation *a, size_t n_a);

struct rt_saved {
    char *id;
    pid_t pid;
    unsigned long long pid_start; /* /proc/PID/stat starttime, guards against pid reuse */
    char *bundle;
    char *rootfs;
    char *created;
    char *cgroup; /* cgroup path the container was created in */
    bool has_poststart, has_poststop;
    bool creating;       /* written by create before its child runs: pid is the creator's */
    json_t *annotations; /* object */
};

/*
 * Replace path atomically (temp file + rename) without fsync. Only for the runtime's
 * volatile state (state.json, config.json copy, pid files): it describes processes
 * that a crash kills anyway, and it normally lives on tmpfs (/run).
 */
int rt_write_volatile(const char *path, const char *data, size_t len, mode_t mode,
                      struct bolt_err *err);
int rt_write_json_volatile(const char *path, json_t *o, struct bolt_err *err);

/* Write DIR/state.json from s; read ROOT/ID/state.json into s (zeroed first; ENOENT when
 * the container does not exist). Both return 0 or -1 with err set; fini frees s's fields. */
int rt_saved_write(const char *dir, const struct rt_saved *s, struct bolt_err *err);
int rt_saved_read(const char *root, const char *id, struct rt_saved *s, struct bolt_err *err);
void rt_saved_fini(struct rt_saved *s);
/* Live status of a saved container (fifo present => created). */
enum bolt_rt_status rt_saved_status(const char *dir, const struct rt_saved *s);
/* starttime of pid, 0 if gone; *zombie set when the process is a zombie. */
unsigned long long rt_pid_start(pid_t pid, bool *zombie);
/* The spec saved at create time. */
struct bolt_oci_spec *rt_saved_spec(const char *dir, struct bolt_err *err);

#endif
