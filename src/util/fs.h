/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_FS_H
#define BOLT_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Read the whole file at path (relative to dirfd, AT_FDCWD allowed) into a NUL-terminated
 * heap buffer. *len (if not NULL) gets the size without the NUL. Returns NULL on error.
 */
char *bolt_read_file_at(int dirfd, const char *path, size_t *len, struct bolt_err *err);
char *bolt_read_file(const char *path, size_t *len, struct bolt_err *err);

/*
 * Write data atomically: a temp file in the same directory, fsync, rename over path,
 * then fsync the directory. A crash leaves either the old or the new content.
 */
int bolt_write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len,
                              mode_t mode, struct bolt_err *err);
int bolt_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                           struct bolt_err *err);

/* Write data to an existing file (e.g. cgroup or /proc knobs), no temp file. */
int bolt_write_file(const char *path, const void *data, size_t len, struct bolt_err *err);

/* mkdir -p with mode for every created component. An existing directory is fine. */
int bolt_mkdir_p(const char *path, mode_t mode, struct bolt_err *err);

/* rm -rf that does not cross mount points or follow symlinks. ENOENT is success. */
int bolt_rm_rf(const char *path, struct bolt_err *err);

/* True if path exists (lstat). */
bool bolt_path_exists(const char *path);

/*
 * Open path inside the tree rooted at rootfd, the way the container will see it: ".."
 * and absolute symlinks cannot leave the root. Uses openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) and falls back to a component walk with O_PATH|O_NOFOLLOW
 * on kernels without openat2. flags/mode are as for open(2). Returns an fd or -1.
 */
int bolt_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct bolt_err *err);

/*
 * Create every missing directory of path inside rootfd (confined as above) and return an
 * O_PATH fd of the final directory, or -1.
 */
int bolt_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct bolt_err *err);

/*
 * Make sure path inside rootfd exists as a mount target: a directory when dir is true,
 * otherwise an empty regular file (parents are created). Returns an O_PATH fd or -1.
 */
int bolt_mount_target_in_root(int rootfd, const char *path, bool dir, struct bolt_err *err);

/* Trim trailing whitespace in place; returns s. */
char *bolt_rstrip(char *s);

/*
 * Where one of bolt's helper programs is: $ENV_VAR when set, else NAME next to the running
 * executable (a build tree or an install prefix), else /usr/libexec/bolt/NAME. New string.
 */
char *bolt_helper_path(const char *env_var, const char *name);

/*
 * Make sure fds 0, 1 and 2 are open (on /dev/null when closed). A program started with one
 * of them closed would otherwise hand that number to the next file it opens (a lock, a
 * socket) and later treat it as stdio: call first thing in main.
 */
void bolt_stdio_ensure(void);

#endif
