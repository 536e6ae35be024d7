/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CMDS_NVBIND_H
#define BOLT_CMDS_NVBIND_H

#include <stdbool.h>

struct nvbind_globals {
    const char *root; /* --root, default /run/nvbind */
    bool systemd_cgroup;
};
extern struct nvbind_globals nvbind_g;

/* Parse a flag's count argument (0..1024) into *out; prints a usage error, returns -1. */
int cli_nvbind_parse_count(const char *flag, const char *s, int *out);

/* Entry points of `nvbind` verbs: argv[0] = the verb; return the exit status. */
/* NVBIND-CMD-DECLS: one prototype per verb */
int cmd_nvbind_cdi(int argc, char **argv);
int cmd_nvbind_hook(int argc, char **argv);
int cmd_nvbind_create(int argc, char **argv);
int cmd_nvbind_start(int argc, char **argv);
int cmd_nvbind_run(int argc, char **argv);
int cmd_nvbind_state(int argc, char **argv);
int cmd_nvbind_kill(int argc, char **argv);
int cmd_nvbind_delete(int argc, char **argv);
int cmd_nvbind_exec(int argc, char **argv);
int cmd_nvbind_list(int argc, char **argv);
int cmd_nvbind_ps(int argc, char **argv);
int cmd_nvbind_spec(int argc, char **argv);
int cmd_nvbind_features(int argc, char **argv);
int cmd_nvbind_pause(int argc, char **argv);
int cmd_nvbind_resume(int argc, char **argv);

#endif
