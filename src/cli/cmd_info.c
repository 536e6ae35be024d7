/* SPDX-License-Identifier: Apache-2.0 */
/* bolt info and the details of bolt version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bolt-config.h"
#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "cli/engine_cli.h"
#include "engine/engine.h"
#include "engine/rtdrv.h"
#include "runtime/cgroup.h"
#include "util/mem.h"

/* Other runtimes bolt can drive, when installed. */
static void
print_runtimes(const char *runroot)
{
    const char *names[] = {"crun", "runc"};

    printf(" Runtimes: nvbind (built in, default)");
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        struct engine_rt rt;
        if (engine_rt_resolve(names[i], runroot, &rt, NULL) == 0) {
            printf(", %s (%s)", names[i], rt.path);
            engine_rt_fini(&rt);
        }
    }
    printf("\n");
}

int
cmd_bolt_info(int argc, char **argv)
{
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container **v;
    size_t n = 0, running = 0, stopped = 0, other = 0;
    struct utsname u;
    enum bolt_cgroup_mode mode;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    char mem[32];
    cleanup_free char *init = bolt_engine_init_path();

    (void)argc;
    (void)argv;
    if (engine_cli_store(&st, &err) < 0 || !(v = bolt_ctrs_list(&st, &n, &err))) {
        bolt_err_print("bolt", &err);
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        if (bolt_engine_is_running(&st, v[i]))
            running++;
        else if (v[i]->status == BOLT_CTR_EXITED || v[i]->status == BOLT_CTR_DEAD)
            stopped++;
        else
            other++;
    }
    uname(&u);
    printf("Server:\n");
    printf(" Containers: %zu\n  Running: %zu\n  Stopped: %zu\n  Created: %zu\n", n, running,
           stopped, other);
    printf(" Bolt Root Dir: %s\n Bolt Run Dir: %s\n", cli_g.root, cli_g.runroot);
    printf(" Storage Driver: overlay\n Logging Driver: json-file\n");
    if (bolt_cgroup_detect(&mode, &err) == 0)
        printf(" Cgroup Driver: cgroupfs\n Cgroup Version: %s\n", bolt_cgroup_mode_name(mode));
    print_runtimes(st.runroot);
    printf(" Default Runtime: nvbind\n Init Binary: %s%s\n", init,
           access(init, X_OK) == 0 ? "" : " (missing: --init will fail)");
    printf(" Kernel Version: %s\n Operating System: %s\n Architecture: %s\n", u.release, u.sysname,
           u.machine);
    printf(" CPUs: %ld\n Total Memory: %s\n", sysconf(_SC_NPROCESSORS_ONLN),
           engine_cli_human_size((uint64_t)pages * (uint64_t)psize, mem, sizeof(mem)));
    printf(" Version: %s\n", cli_version_string());
    bolt_ctrs_list_free(v, n);
    bolt_ctrs_fini(&st);
    return 0;
}

void
cli_print_version_details(void)
{
    struct utsname u;

    uname(&u);
    printf("bolt version %s\n", cli_version_string());
    printf(" Version:        %s\n Git commit:     %s\n", BOLT_VERSION, BOLT_COMMIT);
    printf(" Built:          %s %s\n", __DATE__, __TIME__);
    printf(" OS/Arch:        %s/%s\n Kernel:         %s\n", u.sysname, u.machine, u.release);
    printf(" Default runtime: nvbind (in-process; crun, runc or a path with --runtime)\n");
    printf(" Log format:     json-file\n");
}
