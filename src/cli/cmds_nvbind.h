/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CMDS_NVBIND_H
#define BOLT_CMDS_NVBIND_H

#include <stdbool.h>

struct nvbind_globals {
    const char *root; /* --root, default /run/nvbind */
    bool systemd_cgroup;
};
extern struct nvbind_globals nvbind_g;

/* Entry points of `nvbind` verbs: argv[0] = the verb; return the exit status. */
/* NVBIND-CMD-DECLS: one prototype per verb */

#endif
