/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_SURGE_H
#define BOLT_SURGE_H

/*
 * surge: run a Boltfile stack on the engine. A service becomes one container named
 * PROJECT-SERVICE-1, created from the same struct bolt_run_opts `bolt run` builds from
 * its flags (so every check and message is the engine's), labelled with
 *   io.bolt.surge.project, io.bolt.surge.service, io.bolt.surge.number,
 *   io.bolt.surge.config-hash (sha256 of the service's run options, normalized)
 * `up` compares the hash to decide between "leave running" and "recreate".
 *
 * Named volumes are directories root/surge-volumes/PROJECT_NAME (external ones:
 * root/surge-volumes/NAME, never created nor removed); anonymous ones live under
 * root/surge-volumes/PROJECT_anon/SERVICE/N. `down -v` removes them.
 *
 * Networking: bolt has no bridge networks yet, so a service without network_mode
 * shares the host's network (services reach each other on 127.0.0.1); a port mapping
 * whose host and container ports differ is refused with a message saying so.
 */

#include <stdbool.h>
#include <stdint.h>

#include "boltfile/boltfile.h"
#include "engine/container.h"
#include "engine/engine.h"
#include "engine/opts.h"
#include "util/err.h"

#define SURGE_LABEL_PROJECT "io.bolt.surge.project"
#define SURGE_LABEL_SERVICE "io.bolt.surge.service"
#define SURGE_LABEL_NUMBER  "io.bolt.surge.number"
#define SURGE_LABEL_HASH    "io.bolt.surge.config-hash"

struct surge {
    struct bolt_boltfile *bf; /* borrowed */
    struct bolt_ctr_store st; /* borrowed */
    const char *root;         /* bolt root (image store, volumes) */
    bool quiet;               /* no progress lines on stderr */
};

/* "PROJECT-SERVICE-1" (new string). */
char *surge_ctr_name(const struct surge *s, const char *service);

/*
 * Fill o (initialized by the caller) with the service's run options: image, command,
 * env, volumes (named/anonymous ones as directories, see above), limits, GPU keys as
 * --gpu/--gpu-isolation/--gpu-memory tags and NVIDIA_REQUIRE_* env, labels including
 * the surge ones and the config hash. Creates no directory. Returns 0 or -1 (err names
 * the service and key).
 */
int surge_run_opts(const struct surge *s, const struct bolt_bf_service *svc,
                   struct bolt_run_opts *o, struct bolt_err *err);

/* The config hash of the options (64 hex + NUL) — computed before the hash label is added. */
void surge_opts_hash(const struct bolt_run_opts *o, char out[65]);

/* Create the volume directories the service uses. Returns 0 or -1. */
int surge_prepare_volumes(const struct surge *s, const struct bolt_bf_service *svc,
                          struct bolt_err *err);
/* Remove the project's volume directories (named and anonymous, not external). */
int surge_remove_volumes(const struct surge *s, struct bolt_err *err);

/* Value of a label of c, or NULL. */
const char *surge_label(const struct bolt_container *c, const char *key);

/*
 * The project's containers (label io.bolt.surge.project), oldest first. service (may be
 * NULL) narrows to one service. Free with bolt_ctrs_list_free.
 */
struct bolt_container **surge_list(const struct surge *s, const char *service, size_t *n,
                                   struct bolt_err *err);

/* The container of a service, or NULL (ENOENT in err when there is none). */
struct bolt_container *surge_find(const struct surge *s, const char *service, struct bolt_err *err);

/*
 * Check service names given on the command line; sel[i] is set for each named service
 * (all when argc == 0). with_deps: also select what they depend on, transitively.
 * Returns 0 or -1: "no service 'x' in FILE (services: a, b)".
 */
int surge_select(const struct surge *s, int argc, char **argv, bool with_deps, bool *sel,
                 struct bolt_err *err);

/* Pull the service's image when it is not in the store (always when force). */
int surge_pull(const struct surge *s, const struct bolt_bf_service *svc, bool force,
               struct bolt_err *err);

/*
 * Run the service's healthcheck once in its running container (test as CMD or
 * CMD-SHELL via sh -c), killed after its timeout. Returns 1 healthy, 0 unhealthy, -1
 * error (err set).
 */
int surge_health_probe(const struct surge *s, const struct bolt_bf_service *svc,
                       struct bolt_container *c, struct bolt_err *err);

/*
 * up: for the selected services (sel, with their dependencies already selected), in
 * dependency order with independent services started in parallel; a dependency
 * condition service_healthy waits for the healthcheck (retries x interval after
 * start_period), service_completed_successfully for exit status 0. Unchanged running
 * containers are left alone, changed ones recreated. Returns 0 or -1.
 */
int surge_up(const struct surge *s, const bool *sel, struct bolt_err *err);

/* Stop the selected services' containers in reverse dependency order (timeout < 0: each one's). */
int surge_stop(const struct surge *s, const bool *sel, int timeout, struct bolt_err *err);

/* Start the selected services' existing containers in dependency order (with gating). */
int surge_start(const struct surge *s, const bool *sel, struct bolt_err *err);

/* down: stop and remove every container of the project (also of services no longer in the file). */
int surge_down(const struct surge *s, int timeout, bool volumes, struct bolt_err *err);

struct surge_logs_opts {
    bool follow;
    long tail;          /* -1 = all */
    bool color;         /* ANSI colours for the prefixes */
    volatile int *stop; /* follow ends when *stop becomes non-zero (may be NULL) */
    int64_t since_ns;   /* only entries at or after this time (0 = all) */
};

/*
 * Print the logs of the selected services, each line prefixed "SERVICE | ", merged by
 * time. follow: keep printing until every container stopped or *stop is set.
 */
int surge_logs(const struct surge *s, const bool *sel, const struct surge_logs_opts *lo,
               struct bolt_err *err);

#endif
