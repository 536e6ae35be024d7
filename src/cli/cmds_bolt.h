/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CMDS_BOLT_H
#define BOLT_CMDS_BOLT_H

/* Entry points of `bolt` verbs: each takes argv with argv[0] = the verb, returns the exit status. */
int cmd_bolt_version(int argc, char **argv);
int cmd_bolt_surge(int argc, char **argv);
/* BOLT-CMD-DECLS: one prototype per verb, added by each feature */
int cmd_bolt_gaming(int argc, char **argv);
int cmd_bolt_run(int argc, char **argv);
int cmd_bolt_create(int argc, char **argv);
int cmd_bolt_ps(int argc, char **argv);
int cmd_bolt_start(int argc, char **argv);
int cmd_bolt_stop(int argc, char **argv);
int cmd_bolt_restart(int argc, char **argv);
int cmd_bolt_kill(int argc, char **argv);
int cmd_bolt_rm(int argc, char **argv);
int cmd_bolt_logs(int argc, char **argv);
int cmd_bolt_exec(int argc, char **argv);
int cmd_bolt_inspect(int argc, char **argv);
int cmd_bolt_wait(int argc, char **argv);
int cmd_bolt_top(int argc, char **argv);
int cmd_bolt_stats(int argc, char **argv);
int cmd_bolt_container(int argc, char **argv);
int cmd_bolt_container_prune(int argc, char **argv);
int cmd_bolt_info(int argc, char **argv);
int cmd_bolt_monitor(int argc, char **argv);
/* The multi-line `bolt version` output (cmd_info.c). */
void cli_print_version_details(void);
int cmd_bolt_pull(int argc, char **argv);
int cmd_bolt_images(int argc, char **argv);
int cmd_bolt_rmi(int argc, char **argv);
int cmd_bolt_tag(int argc, char **argv);
int cmd_bolt_load(int argc, char **argv);
int cmd_bolt_import(int argc, char **argv);
int cmd_bolt_save(int argc, char **argv);
int cmd_bolt_image(int argc, char **argv);
int cmd_bolt_login(int argc, char **argv);
int cmd_bolt_logout(int argc, char **argv);

#endif
