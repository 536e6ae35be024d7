/* SPDX-License-Identifier: Apache-2.0 */
/* bolt load / import / save / login / logout */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "image/archive.h"
#include "image/auth.h"
#include "image/registry.h"
#include "util/err.h"
#include "util/mem.h"

static int
fail(const struct bolt_err *err)
{
    bolt_err_print("bolt", err);
    return CLI_EXIT_ENGINE;
}

int
cmd_bolt_load(int argc, char **argv)
{
    static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    cleanup_strv char **loaded = NULL;
    const char *input = "-";
    bool quiet = false;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+i:qh", opts, NULL)) != -1) {
        if (c == 'i') {
            input = optarg;
        } else if (c == 'q') {
            quiet = true;
        } else if (c == 'h') {
            printf("usage: bolt load [-q] [-i FILE]   (docker-save or OCI archive; stdin "
                   "without -i)\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error("bolt", "load: unexpected argument '%s' (give the archive with "
                                       "-i FILE)", argv[optind]);
    if (strcmp(input, "-") == 0 && isatty(0))
        return cli_usage_error("bolt", "load: no archive: give one with -i FILE or on stdin");
    if (bolt_image_load(cli_g.root, input, &loaded, &err) < 0)
        return fail(&err);
    for (char **l = loaded; !quiet && *l; l++)
        printf("Loaded image: %s\n", *l);
    return 0;
}

int
cmd_bolt_import(int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    cleanup_free char *id = NULL;
    cleanup_strv char **cmd = NULL;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: bolt import FILE|- [NAME[:TAG] [CMD...]]\n");
            return 0;
        }
        if (c != 'q')
            return CLI_EXIT_USAGE;
    }
    if (optind >= argc)
        return cli_usage_error("bolt", "import: expected a rootfs tarball (FILE or - for stdin) "
                                       "and a name");
    if (strcmp(argv[optind], "-") != 0 && access(argv[optind], R_OK) < 0) {
        bolt_err_set(&err, 0, "import: cannot read '%s' (expected a rootfs tarball)",
                     argv[optind]);
        return fail(&err);
    }
    for (int i = optind + 2; i < argc; i++)
        bolt_strv_push(&cmd, argv[i]);
    if (bolt_image_import(cli_g.root, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
                          cmd, &id, &err) < 0)
        return fail(&err);
    printf("%s\n", id);
    return 0;
}

int
cmd_bolt_save(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    const char *out = NULL;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
        if (c == 'o') {
            out = optarg;
        } else if (c == 'h') {
            printf("usage: bolt save -o FILE IMAGE   (OCI archive; -o - writes to stdout)\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("bolt", "save: expected exactly one image");
    if (out == NULL) {
        if (isatty(1))
            return cli_usage_error("bolt", "save: give the output with -o FILE (refusing to "
                                           "write an archive to a terminal)");
        out = "-";
    }
    if (bolt_image_save(cli_g.root, argv[optind], out, &err) < 0)
        return fail(&err);
    return 0;
}

static char *
read_password_stdin(void)
{
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);

    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return xstrdup(buf);
}

int
cmd_bolt_login(int argc, char **argv)
{
    static const struct option opts[] = {
        {"username", required_argument, NULL, 'u'}, {"password", required_argument, NULL, 'p'},
        {"password-stdin", no_argument, NULL, 'S'}, {"authfile", required_argument, NULL, 'A'},
        {"tls-verify", required_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_registry_opts ro = {0};
    struct bolt_registry *reg;
    struct bolt_err err = {0};
    cleanup_free char *pass = NULL;
    bool from_stdin = false;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+u:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            ro.user = optarg;
            break;
        case 'p':
            pass = xstrdup(optarg);
            break;
        case 'S':
            from_stdin = true;
            break;
        case 'A':
            ro.authfile = optarg;
            break;
        case 'T':
            ro.insecure = strcmp(optarg, "false") == 0;
            break;
        case 'h':
            printf("usage: bolt login -u USER (-p PASS | --password-stdin) [--authfile FILE] "
                   "REGISTRY\n");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("bolt", "login: expected one registry (e.g. 'bolt login "
                                       "registry.example.com')");
    if (ro.user == NULL)
        return cli_usage_error("bolt", "login: --username/-u is required");
    if (from_stdin)
        pass = read_password_stdin();
    if (pass == NULL) {
        char *p = isatty(0) ? getpass("Password: ") : NULL;
        if (p == NULL)
            return cli_usage_error("bolt", "login: give the password with -p or "
                                           "--password-stdin");
        pass = xstrdup(p);
    }
    ro.pass = pass;
    reg = bolt_registry_new(argv[optind], &ro, &err);
    if (reg == NULL || bolt_registry_ping(reg, &err) < 0) {
        bolt_registry_free(reg);
        bolt_err_wrap(&err, "login %s", argv[optind]);
        return fail(&err);
    }
    bolt_registry_free(reg);
    if (bolt_auth_store(ro.authfile, argv[optind], ro.user, pass, &err) < 0)
        return fail(&err);
    printf("Login Succeeded\n");
    return 0;
}

int
cmd_bolt_logout(int argc, char **argv)
{
    static const struct option opts[] = {{"authfile", required_argument, NULL, 'A'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    const char *authfile = NULL;
    int c, r;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'A') {
            authfile = optarg;
        } else if (c == 'h') {
            printf("usage: bolt logout [--authfile FILE] REGISTRY\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("bolt", "logout: expected one registry");
    r = bolt_auth_remove(authfile, argv[optind], &err);
    if (r < 0)
        return fail(&err);
    if (r == 0) {
        cleanup_free char *f = bolt_auth_file_path(authfile);
        fprintf(stderr, "bolt: not logged in to %s (no credentials in '%s')\n", argv[optind], f);
        return CLI_EXIT_ENGINE;
    }
    printf("Removed login credentials for %s\n", argv[optind]);
    return 0;
}
