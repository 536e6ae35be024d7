/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CMDS_BOLT_H
#define BOLT_CMDS_BOLT_H

/* Entry points of `bolt` verbs: each takes argv with argv[0] = the verb, returns the exit status. */
int cmd_bolt_version(int argc, char **argv);
/* BOLT-CMD-DECLS: one prototype per verb, added by each feature */

#endif
