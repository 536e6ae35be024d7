/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_SECCOMP_H
#define BOLT_SECCOMP_H

/*
 * Seccomp filters from linux.seccomp. The filter is compiled in the parent before
 * clone (libseccomp -> classic BPF) and cached on disk keyed by a SHA-256 of the
 * canonical seccomp JSON, so later containers with the same profile skip libseccomp
 * entirely; the child only has to hand the ready program to the kernel before execve.
 */

#include <stdbool.h>
#include <stddef.h>

#include "oci/spec.h"
#include "util/err.h"

struct bolt_seccomp_prog;

/*
 * Build (or load from cache_dir) the BPF program for sc. cache_dir may be NULL (no
 * cache); it is created if missing, and a cache that cannot be read or written only
 * costs a rebuild (logged at debug level). Unknown syscall names are skipped with a debug
 * log, as runc does; an unknown action, architecture, flag or operator is an error
 * naming the JSON path ("linux.seccomp.syscalls[3].action: unknown action 'X' ...").
 * Returns a program to free with bolt_seccomp_prog_free, or NULL with err set.
 */
struct bolt_seccomp_prog *bolt_seccomp_prepare(const struct bolt_oci_seccomp *sc,
                                               const char *cache_dir, struct bolt_err *err);

/*
 * Load p into the calling thread (the child, right before execve) with seccomp(2)
 * SECCOMP_SET_MODE_FILTER and the flags the profile asked for (TSYNC, LOG, SPEC_ALLOW,
 * WAIT_KILLABLE_RECV; NEW_LISTENER when a rule uses SCMP_ACT_NOTIFY). Without
 * no_new_privs this needs CAP_SYS_ADMIN. Async-signal-safe: no allocation, no locks.
 * Returns 0, or the seccomp notify listener fd (> 0) when the program has a
 * SCMP_ACT_NOTIFY rule, or -1 with err set (errno kept in err->errnum).
 */
int bolt_seccomp_install(const struct bolt_seccomp_prog *p, struct bolt_err *err);

/* Free a compiled program (NULL is fine). */
void bolt_seccomp_prog_free(struct bolt_seccomp_prog *p);

/*
 * The canonical JSON text of sc that the cache key hashes: byte-for-byte what
 * json_dumps(bolt_oci_seccomp_to_json(sc), JSON_COMPACT | JSON_SORT_KEYS) prints.
 * Returns a heap string owned by the caller.
 */
char *bolt_seccomp_canonical_json(const struct bolt_oci_seccomp *sc);

/* True when the last bolt_seccomp_prepare of p was served from the cache. */
bool bolt_seccomp_prog_cached(const struct bolt_seccomp_prog *p);
/* Number of BPF instructions, and the instructions themselves (borrowed). */
size_t bolt_seccomp_prog_len(const struct bolt_seccomp_prog *p);
const void *bolt_seccomp_prog_insns(const struct bolt_seccomp_prog *p);
/* Hex SHA-256 cache key of the profile (borrowed, 64 chars). */
const char *bolt_seccomp_prog_digest(const struct bolt_seccomp_prog *p);
/* True when the program has an SCMP_ACT_NOTIFY rule (install returns a listener fd). */
bool bolt_seccomp_prog_needs_listener(const struct bolt_seccomp_prog *p);

/*
 * docker's default profile, built in C: default action SCMP_ACT_ERRNO (EPERM), the
 * native architectures, the allow-list, personality() limited to the usual personas,
 * clone() without namespace flags and clone3() answered with ENOSYS (so libc falls back
 * to clone), and the syscalls that capabilities enable. caps is the container's
 * bounding set (NULL-terminated "CAP_*" names); NULL means docker's default set.
 * Returns a new model (free with bolt_oci_seccomp_free).
 */
struct bolt_oci_seccomp *bolt_seccomp_default_profile_caps(char *const *caps);

/* bolt_seccomp_default_profile_caps(NULL). */
struct bolt_oci_seccomp *bolt_seccomp_default_profile(void);

/* docker's default capability set as a NULL-terminated list (static; do not free). */
char *const *bolt_seccomp_docker_default_caps(void);

/*
 * A seccomp profile file as users have them: docker/containers format (moby's
 * default.json, /usr/share/containers/seccomp.json) or a plain OCI linux.seccomp object.
 * The docker extras are resolved for this machine: "archMap" picks the native
 * architecture and its sub-architectures; a rule's "includes" (caps, arches, minKernel)
 * must all hold and its "excludes" (caps, arches) must not, else the rule is dropped;
 * the legacy "name" joins "names". caps is the container's bounding set (NULL = docker's
 * default set). Errors name the member ("syscalls[4].includes.caps: expected array of
 * strings"); the _load variant prefixes the file. Free with bolt_oci_seccomp_free.
 */
struct bolt_oci_seccomp *bolt_seccomp_from_profile_json(json_t *profile, char *const *caps,
                                                        struct bolt_err *err);
struct bolt_oci_seccomp *bolt_seccomp_profile_load(const char *path, char *const *caps,
                                                   struct bolt_err *err);

#endif
