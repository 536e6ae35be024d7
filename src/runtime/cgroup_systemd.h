/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CGROUP_SYSTEMD_H
#define BOLT_CGROUP_SYSTEMD_H

/*
 * The systemd cgroup driver (nvbind --systemd-cgroup), as runc and crun implement it.
 *
 * linux.cgroupsPath is "SLICE:PREFIX:NAME". The container's cgroup is the transient scope
 * unit "PREFIX-NAME.scope" that systemd creates in SLICE (empty: system.slice) when asked
 * over D-Bus (org.freedesktop.systemd1.Manager.StartTransientUnit, Delegate=true, PIDs=
 * [container init]); its directory is the expanded slice path plus the unit name, e.g.
 * "system.slice:docker:abc" -> /system.slice/docker-abc.scope. In hierarchies systemd did
 * not create it in (v1 controllers on a hybrid host), bolt creates the same path itself
 * ("join", as runc does) so every controller and the device rules still apply. Limits are
 * sent as unit properties where systemd has them and written into the cgroup directly.
 * delete stops the unit (StopUnit).
 *
 * libsystemd (sd-bus) is dlopen()ed by its soname only when the driver is used; nothing
 * links it. The bus: $DBUS_SYSTEM_BUS_ADDRESS, else unix:path=/run/dbus/system_bus_socket,
 * then (as root) systemd's private socket /run/systemd/private.
 */

#include "util/err.h"

enum bolt_cgroup_driver {
    BOLT_CGROUP_DRIVER_CGROUPFS = 0, /* directories made by bolt (the default) */
    BOLT_CGROUP_DRIVER_SYSTEMD,      /* transient scope units made by systemd */
};

/* The driver bolt_cgroup_create uses in this process (set once by nvbind's CLI). */
void bolt_cgroup_set_driver(enum bolt_cgroup_driver d);
enum bolt_cgroup_driver bolt_cgroup_get_driver(void);

/* A parsed systemd cgroupsPath. */
struct bolt_systemd_path {
    char *slice; /* "system.slice" */
    char *unit;  /* "docker-abc.scope", or a slice "x-y.slice" when NAME ends in .slice */
    char *path;  /* "/system.slice/docker-abc.scope" */
};

/*
 * Parse cgroupsPath "SLICE:PREFIX:NAME" (NULL or "" -> ":nvbind:<id>"). An empty SLICE is
 * system.slice; a NAME ending in ".slice" names that slice itself (path = its expansion);
 * an empty PREFIX gives "NAME.scope". Every part must be a valid unit name part (letters,
 * digits, ":_.\-@"; no '/'). Returns 0 or -1 (errnum 0; message names linux.cgroupsPath and
 * the expected form). Free with bolt_systemd_path_fini.
 */
int bolt_systemd_path_parse(const char *cgroups_path, const char *id, struct bolt_systemd_path *out,
                            struct bolt_err *err);
void bolt_systemd_path_fini(struct bolt_systemd_path *p);

/*
 * Expand a slice unit name to its cgroup path: "a-b-c.slice" -> "/a.slice/a-b.slice/
 * a-b-c.slice", "-.slice" -> "/". A name without ".slice", with '/', or with an empty
 * dash-separated part ("a--b.slice", "-a.slice", "a-.slice") is an error. *out is new.
 */
int bolt_systemd_slice_expand(const char *slice, char **out, struct bolt_err *err);

#endif
