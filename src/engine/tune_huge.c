/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Huge pages for a container: hugetlb cgroup limit + hugetlbfs at /dev/hugepages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tune.h"
#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/units.h"

/* Default huge page size in KiB from /proc/meminfo, 0 if none. */
static unsigned long
default_hugepage_kb(void)
{
    cleanup_free char *text = bolt_read_file("/proc/meminfo", NULL, NULL);
    const char *p = text ? strstr(text, "Hugepagesize:") : NULL;

    return p ? strtoul(p + strlen("Hugepagesize:"), NULL, 10) : 0;
}

int
bolt_tune_hugepages_edits(struct bolt_oci_spec *spec, const char *value, struct bolt_err *err)
{
    struct bolt_oci_resources *r = &spec->linux_.resources;
    unsigned long kb;
    uint64_t bytes = 0, page;
    char pagesize[32], sysdir[96], opt_page[48], opt_size[48];

    if (value == NULL)
        return 0;
    if (bolt_parse_size(value, &bytes, err) < 0)
        return bolt_err_wrap(err, "--hugepages");
    if (bytes == 0)
        return bolt_err_set(err, 0, "--hugepages '%s': expected a size above 0 such as 64m",
                            value);
    kb = default_hugepage_kb();
    snprintf(sysdir, sizeof(sysdir), "/sys/kernel/mm/hugepages/hugepages-%lukB", kb);
    if (kb == 0 || !bolt_path_exists(sysdir))
        return bolt_err_set(err, 0,
                            "--hugepages: this kernel has no huge page support "
                            "(no Hugepagesize in /proc/meminfo); drop the flag");
    page = (uint64_t)kb * 1024;
    bytes = (bytes + page - 1) / page * page;
    /* the cgroup's name for the size: 2MB, 1GB */
    if (kb >= 1024 * 1024)
        snprintf(pagesize, sizeof(pagesize), "%luGB", kb / (1024 * 1024));
    else if (kb >= 1024)
        snprintf(pagesize, sizeof(pagesize), "%luMB", kb / 1024);
    else
        snprintf(pagesize, sizeof(pagesize), "%luKB", kb);

    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        if (strcmp(r->hugepage_limits[i].page_size, pagesize) == 0)
            return bolt_err_set(err, 0, "--hugepages: a %s limit is already set", pagesize);
    r->hugepage_limits =
        xrealloc(r->hugepage_limits, (r->n_hugepage_limits + 1) * sizeof(*r->hugepage_limits));
    r->hugepage_limits[r->n_hugepage_limits].page_size = xstrdup(pagesize);
    r->hugepage_limits[r->n_hugepage_limits].limit = bytes;
    r->n_hugepage_limits++;
    spec->has_linux = true;
    spec->linux_.has_resources = true;

    snprintf(opt_page, sizeof(opt_page), "pagesize=%luk", kb);
    snprintf(opt_size, sizeof(opt_size), "size=%llu", (unsigned long long)bytes);
    spec->mounts = xrealloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
    struct bolt_oci_mount *m = &spec->mounts[spec->n_mounts++];
    memset(m, 0, sizeof(*m));
    m->destination = xstrdup("/dev/hugepages");
    m->type = xstrdup("hugetlbfs");
    m->source = xstrdup("hugetlbfs");
    m->options = xcalloc(6, sizeof(char *));
    m->options[0] = xstrdup("nosuid");
    m->options[1] = xstrdup("nodev");
    m->options[2] = xstrdup("rw");
    m->options[3] = xstrdup(opt_page);
    m->options[4] = xstrdup(opt_size);
    return 0;
}
