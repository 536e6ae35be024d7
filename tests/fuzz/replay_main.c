/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays a libFuzzer corpus without libFuzzer: every file (recursively) under each
 * argument is fed to LLVMFuzzerTestOneInput once. Prints TAP, one line per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_run;

static void
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len;

    if (f == NULL)
        return;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf && (len == 0 || fread(buf, 1, (size_t)len, f) == (size_t)len)) {
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        printf("ok %d - %s\n", ++n_run, path);
    }
    free(buf);
    fclose(f);
}

static void
walk(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;

    if (stat(path, &st) < 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    d = opendir(path);
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char *p;
        if (de->d_name[0] == '.')
            continue;
        if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
            continue;
        walk(p);
        free(p);
    }
    closedir(d);
}

int
main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        walk(argv[i]);
    printf("1..%d\n", n_run);
    return 0;
}
