/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvbind hook update-ldcache | create-symlinks: OCI createContainer hooks named by the CDI
 * specs `nvbind cdi generate` writes. They read the container's OCI state on stdin.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_nvbind.h"
#include "nvbind/inject.h"
#include "util/mem.h"

static char *
read_stdin(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);

    for (;;) {
        ssize_t r;
        if (n + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        r = read(0, buf + n, cap - n - 1);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int
hook_main(int argc, char **argv, bool ldcache)
{
    static const struct option opts[] = {
        {"folder", required_argument, NULL, 'f'},
        {"link", required_argument, NULL, 'l'},
        {"ldconfig-path", required_argument, NULL, 'L'},
        {"container-spec", required_argument, NULL, 'c'},
        {"rootfs", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cleanup_strv char **items = NULL;
    cleanup_free char *state = NULL, *rootfs = NULL;
    struct bolt_err err = {0};
    size_t len = 0;
    int c, r;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
        case 'l':
            if ((c == 'f') != ldcache)
                return cli_usage_error("nvbind", "hook %s: --%s is not an option of this hook",
                                       argv[0], c == 'f' ? "folder" : "link");
            bolt_strv_push(&items, optarg);
            break;
        case 'L':
        case 'c':
            break; /* accepted for nvidia-cdi-hook compatibility: no ldconfig is run */
        case 'r':
            free(rootfs);
            rootfs = xstrdup(optarg);
            break;
        case 'h':
            printf("usage: nvbind hook %s [--rootfs DIR] %s...  (OCI state on stdin)\n", argv[0],
                   ldcache ? "--folder DIR" : "--link TARGET::LINK");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error("nvbind", "hook %s: unexpected argument '%s'", argv[0],
                               argv[optind]);
    if (rootfs == NULL) {
        state = read_stdin(&len);
        rootfs = bolt_nv_hook_rootfs(state, len, &err);
        if (rootfs == NULL) {
            bolt_err_wrap(&err, "hook %s", argv[0]);
            bolt_err_print("nvbind", &err);
            return 1;
        }
    }
    r = ldcache ? bolt_nv_hook_update_ldcache(rootfs, items, &err)
                : bolt_nv_hook_create_symlinks(rootfs, items, &err);
    if (r < 0) {
        bolt_err_wrap(&err, "hook %s", argv[0]);
        bolt_err_print("nvbind", &err);
        return 1;
    }
    return 0;
}

int
cmd_nvbind_hook(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: nvbind hook update-ldcache --folder DIR... | create-symlinks --link "
               "TARGET::LINK...\n  OCI createContainer hooks; the container state is read "
               "from stdin\n");
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "update-ldcache") == 0)
        return hook_main(argc - 1, argv + 1, true);
    if (strcmp(argv[1], "create-symlinks") == 0)
        return hook_main(argc - 1, argv + 1, false);
    return cli_usage_error("nvbind", "hook: unknown hook '%s' (expected update-ldcache or "
                                     "create-symlinks)", argv[1]);
}
