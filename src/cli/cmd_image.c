/* SPDX-License-Identifier: Apache-2.0 */
/* bolt pull / images / rmi / tag / image inspect / image prune, and the `image` dispatcher. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "image/manage.h"
#include "image/progress.h"
#include "image/pull.h"
#include "image/ref.h"
#include "nvbind/inject.h"
#include "util/err.h"
#include "util/mem.h"

static int
fail(const struct bolt_err *err)
{
    bolt_err_print("bolt", err);
    return CLI_EXIT_ENGINE;
}

static int
parse_bool(const char *flag, const char *v, bool *out)
{
    if (v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    return cli_usage_error("bolt", "%s: expected true or false, got '%s'", flag, v);
}

int
cmd_bolt_pull(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},          {"platform", required_argument, NULL, 'P'},
        {"tls-verify", optional_argument, NULL, 'T'}, {"authfile", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct bolt_pull_opts o = {0};
    struct bolt_err err = {0};
    cleanup_free char *id = NULL;
    bool verify = true;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            o.quiet = true;
            break;
        case 'P':
            o.platform = optarg;
            break;
        case 'T':
            if (parse_bool("--tls-verify", optarg, &verify) < 0)
                return CLI_EXIT_USAGE;
            break;
        case 'A':
            o.authfile = optarg;
            break;
        case 'h':
            printf("usage: bolt pull [-q] [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] "
                   "[--authfile FILE] NAME[:TAG|@DIGEST]\n");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("bolt", "pull: expected exactly one image reference (e.g. "
                                       "'bolt pull busybox:latest')");
    o.insecure = !verify;
    if (bolt_image_pull(cli_g.root, argv[optind], &o, &id, &err) < 0)
        return fail(&err);
    printf("%s\n", id);
    return 0;
}

static const char *
ago(const char *created, char *buf, size_t len)
{
    struct tm tm = {0};
    time_t t, now = time(NULL);
    long d;

    if (created == NULL || *created == '\0' || strptime(created, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return "N/A";
    t = timegm(&tm);
    d = (long)(now - t);
    if (d < 60)
        snprintf(buf, len, "%ld seconds ago", d < 0 ? 0 : d);
    else if (d < 3600)
        snprintf(buf, len, "%ld minutes ago", d / 60);
    else if (d < 86400 * 2)
        snprintf(buf, len, "%ld hours ago", d / 3600);
    else if (d < 86400 * 60)
        snprintf(buf, len, "%ld days ago", d / 86400);
    else if (d < 86400 * 365 * 2)
        snprintf(buf, len, "%ld months ago", d / (86400 * 30));
    else
        snprintf(buf, len, "%ld years ago", d / (86400 * 365));
    return buf;
}

static void
print_row(json_t *img, const char *name, bool quiet, bool digests)
{
    const char *id = json_string_value(json_object_get(img, "Id")) + 7;
    cleanup_free char *repo = NULL;
    const char *tag = "<none>";
    char when[48], size[24];

    if (quiet) {
        printf("%.12s\n", id);
        return;
    }
    if (name == NULL) {
        /* pulled by digest only: show the repository with no tag */
        const char *d = json_string_value(json_array_get(json_object_get(img, "Digests"), 0));
        if (d && strchr(d, '@')) {
            cleanup_free char *r = xstrndup(d, (size_t)(strchr(d, '@') - d));
            repo = bolt_ref_familiar(r);
        }
    } else {
        char *colon;
        repo = bolt_ref_familiar(name);
        colon = strrchr(repo, ':');
        if (colon && !strchr(colon, '/')) {
            *colon = '\0';
            tag = colon + 1;
        }
    }
    printf("%-40s %-16s ", repo ? repo : "<none>", tag);
    if (digests) {
        const char *d = json_string_value(json_array_get(json_object_get(img, "Digests"), 0));
        printf("%-72s ", d && strchr(d, '@') ? strchr(d, '@') + 1 : "<none>");
    }
    printf("%-13.12s %-16s %s\n", id,
           ago(json_string_value(json_object_get(img, "Created")), when, sizeof(when)),
           bolt_human_size((uint64_t)json_integer_value(json_object_get(img, "Size")), size,
                           sizeof(size)));
}

int
cmd_bolt_images(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},         {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'f'}, {"digests", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct bolt_err err = {0};
    bool quiet = false, json = false, digests = false;
    json_t *list, *img;
    size_t i;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+aqh", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            break; /* there are no intermediate images: every image is listed */
        case 'q':
            quiet = true;
            break;
        case 'D':
            digests = true;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") != 0)
                return cli_usage_error("bolt", "images --format: expected 'table' or 'json', "
                                               "got '%s'", optarg);
            break;
        case 'h':
            printf("usage: bolt images [-a] [-q] [--digests] [--format table|json]\n");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error("bolt", "images: unexpected argument '%s'", argv[optind]);
    list = bolt_image_list(cli_g.root, &err);
    if (list == NULL)
        return fail(&err);
    if (json) {
        char *s = json_dumps(list, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
        json_decref(list);
        return 0;
    }
    if (!quiet)
        printf("%-40s %-16s %s%-13s %-16s %s\n", "REPOSITORY", "TAG",
               digests ? "DIGEST                                                                   "
                       : "",
               "IMAGE ID", "CREATED", "SIZE");
    json_array_foreach(list, i, img)
    {
        json_t *names = json_object_get(img, "Names");
        if (json_array_size(names) == 0 || quiet) {
            print_row(img, quiet ? NULL : json_string_value(json_array_get(names, 0)), quiet,
                      digests);
            continue;
        }
        for (size_t k = 0; k < json_array_size(names); k++)
            print_row(img, json_string_value(json_array_get(names, k)), false, digests);
    }
    json_decref(list);
    return 0;
}

int
cmd_bolt_rmi(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool force = false;
    int c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
        if (c == 'f') {
            force = true;
        } else if (c == 'h') {
            printf("usage: bolt rmi [-f] IMAGE...\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error("bolt", "rmi: expected at least one image name or ID");
    for (int i = optind; i < argc; i++) {
        struct bolt_err err = {0};
        cleanup_strv char **out = xcalloc(1, sizeof(char *));
        if (bolt_image_remove(cli_g.root, argv[i], force, &out, &err) < 0) {
            bolt_err_print("bolt", &err);
            rc = CLI_EXIT_ENGINE;
        }
        for (char **l = out; *l; l++)
            printf("%s\n", *l);
    }
    bolt_nv_layers_gc(cli_g.runroot); /* GPU layers made from what was deleted */
    return rc;
}

int
cmd_bolt_tag(int argc, char **argv)
{
    struct bolt_err err = {0};

    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: bolt tag SOURCE TARGET\n");
        return 0;
    }
    if (argc != 3)
        return cli_usage_error("bolt", "tag: expected SOURCE and TARGET (e.g. 'bolt tag busybox "
                                       "mybox:1')");
    if (bolt_image_tag(cli_g.root, argv[1], argv[2], &err) < 0)
        return fail(&err);
    return 0;
}

static int
image_inspect(int argc, char **argv)
{
    json_t *arr = json_array();
    int rc = 0;
    char *s;

    if (argc < 2)
        return cli_usage_error("bolt", "image inspect: expected at least one image");
    for (int i = 1; i < argc; i++) {
        struct bolt_err err = {0};
        json_t *o = bolt_image_inspect(cli_g.root, argv[i], &err);
        if (o == NULL) {
            bolt_err_print("bolt", &err);
            rc = CLI_EXIT_ENGINE;
            continue;
        }
        json_array_append_new(arr, o);
    }
    s = json_dumps(arr, JSON_INDENT(4));
    printf("%s\n", s);
    free(s);
    json_decref(arr);
    return rc;
}

static int
image_prune(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"force", no_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    cleanup_strv char **out = xcalloc(1, sizeof(char *));
    bool all = false;
    uint64_t freed = 0;
    char sz[24];
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
        if (c == 'a')
            all = true;
        else if (c != 'f')
            return CLI_EXIT_USAGE;
    }
    if (bolt_image_prune(cli_g.root, all, &out, &freed, &err) < 0)
        return fail(&err);
    bolt_nv_layers_gc(cli_g.runroot); /* GPU layers made from what was deleted */
    for (char **l = out; *l; l++)
        printf("%s\n", *l);
    printf("Total reclaimed space: %s\n", bolt_human_size(freed, sz, sizeof(sz)));
    return 0;
}

int
cmd_bolt_image(int argc, char **argv)
{
    static const struct cli_cmd subs[] = {
        {"inspect", image_inspect, "show an image as JSON"},
        {"prune", image_prune, "remove unused images and content"},
        {"ls", cmd_bolt_images, "list images"},
        {"list", cmd_bolt_images, "list images"},
        {"pull", cmd_bolt_pull, "pull an image"},
        {"rm", cmd_bolt_rmi, "remove images"},
        {"tag", cmd_bolt_tag, "name an image"},
        {"load", cmd_bolt_load, "load a docker-save or OCI archive"},
        {"import", cmd_bolt_import, "make an image from a rootfs tarball"},
        {"save", cmd_bolt_save, "write an image as an OCI archive"},
        {NULL, NULL, NULL},
    };

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: bolt image COMMAND\n\nCommands:\n");
        for (const struct cli_cmd *s = subs; s->name; s++)
            printf("  %-10s %s\n", s->name, s->summary);
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    return cli_dispatch("bolt image", subs, argc - 1, argv + 1);
}
