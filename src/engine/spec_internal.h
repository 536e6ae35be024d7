/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_SPEC_INTERNAL_H
#define BOLT_ENGINE_SPEC_INTERNAL_H

/* Helpers shared by spec.c and spec_security.c (not part of the engine's API). */

#include "engine/opts.h"

/* Remove every mount whose destination is dest. */
void engine_spec_drop_mount(struct bolt_oci_spec *spec, const char *dest);

/* Split a --tmpfs option string ("size=64m,mode=1777,noexec") into *opts; sizes validated. */
int engine_tmpfs_opts(const char *s, char ***opts, struct bolt_err *err);

/*
 * Set process uid/gid/additional gids from "user[:group]" (names looked up in the
 * image's /etc/passwd and /etc/group, top-most layer first). NULL/"" means root.
 */
int engine_resolve_user(struct bolt_oci_spec *spec, const char *user, char *const *lowerdirs,
                        struct bolt_err *err);

bool engine_hostname_is_valid(const char *name);
/* The host's name with --network host, else the first 12 characters of the id. */
char *engine_default_hostname(const struct bolt_run_opts *o, const char *id);

/* Capabilities, --privileged, no-new-privileges, seccomp (default profile/unconfined/FILE). */
int engine_build_security(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
                          struct bolt_err *err);

/* --device HOST[:CTR[:PERMS]] and --privileged's host devices. */
int engine_build_devices(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
                         struct bolt_err *err);

#endif
