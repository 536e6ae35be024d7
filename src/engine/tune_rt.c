/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming realtime`: the persisted setting and the container spec edits it implies.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "engine/tune.h"
#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"

static char *
rt_path(const char *root)
{
    return xasprintf("%s/gaming/realtime.json", root);
}

int
bolt_tune_rt_load(const char *root, struct bolt_tune_rt_config *cfg, struct bolt_err *err)
{
    cleanup_free char *path = rt_path(root);
    cleanup_free char *text = NULL;
    json_t *j, *v;
    json_error_t je;

    cfg->enabled = false;
    cfg->budget_us = BOLT_TUNE_RT_DEFAULT_BUDGET;
    if (!bolt_path_exists(path))
        return 0;
    text = bolt_read_file(path, NULL, err);
    if (text == NULL)
        return -1;
    j = json_loads(text, 0, &je);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        return bolt_err_set(err, 0,
                            "%s: not a JSON object (%s); fix it or run `bolt gaming realtime "
                            "--disable` to rewrite it",
                            path, je.text);
    }
    v = json_object_get(j, "enabled");
    cfg->enabled = json_is_true(v);
    v = json_object_get(j, "budget_us");
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= 1000000)
        cfg->budget_us = json_integer_value(v);
    json_decref(j);
    return 0;
}

int
bolt_tune_rt_save(const char *root, const struct bolt_tune_rt_config *cfg, struct bolt_err *err)
{
    cleanup_free char *dir = xasprintf("%s/gaming", root);
    cleanup_free char *path = rt_path(root);
    cleanup_free char *text = NULL;
    json_t *j = json_pack("{s:b,s:I}", "enabled", cfg->enabled, "budget_us",
                          (json_int_t)cfg->budget_us);

    text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (bolt_mkdir_p(dir, 0755, err) < 0)
        return -1;
    return bolt_write_file_atomic(path, text, strlen(text), 0644, err);
}

static void
cap_add(char ***list, const char *cap)
{
    size_t n = 0;

    for (; *list && (*list)[n]; n++)
        if (strcmp((*list)[n], cap) == 0)
            return;
    *list = xrealloc(*list, (n + 2) * sizeof(char *));
    (*list)[n] = xstrdup(cap);
    (*list)[n + 1] = NULL;
}

static bool
cpu_v1(void)
{
    struct statfs sf;

    return statfs("/sys/fs/cgroup/cpu", &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC;
}

int
bolt_tune_rt_edits(struct bolt_oci_spec *spec, const char *root, struct bolt_err *err)
{
    struct bolt_tune_rt_config cfg;
    struct bolt_oci_process *p = &spec->process;
    struct rlimit hard;
    size_t j;

    if (bolt_tune_rt_load(root, &cfg, err) < 0)
        return -1;
    if (!cfg.enabled || !spec->has_process)
        return 0;
    p->has_caps = true;
    cap_add(&p->caps.bounding, "CAP_SYS_NICE");
    cap_add(&p->caps.effective, "CAP_SYS_NICE");
    cap_add(&p->caps.permitted, "CAP_SYS_NICE");
    /* RLIMIT_RTPRIO: as high as this process may set it (raising the hard limit needs
     * CAP_SYS_RESOURCE); a user's --ulimit rtprio wins */
    if (getrlimit(RLIMIT_RTPRIO, &hard) == 0) {
        uint64_t lim = hard.rlim_max == RLIM_INFINITY || hard.rlim_max > 99 ? 99 : hard.rlim_max;
        for (j = 0; j < p->n_rlimits; j++)
            if (strcmp(p->rlimits[j].type, "RLIMIT_RTPRIO") == 0)
                break;
        if (j == p->n_rlimits && lim > 0) {
            p->rlimits = xrealloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*p->rlimits));
            p->rlimits[p->n_rlimits].type = xstrdup("RLIMIT_RTPRIO");
            p->rlimits[p->n_rlimits].hard = lim;
            p->rlimits[p->n_rlimits].soft = lim;
            p->n_rlimits++;
        }
    }
    if (cpu_v1() && !spec->linux_.resources.has_cpu_rt_runtime) {
        spec->has_linux = true;
        spec->linux_.has_resources = true;
        spec->linux_.resources.has_cpu_rt_runtime = true;
        spec->linux_.resources.cpu_rt_runtime = cfg.budget_us;
        spec->linux_.resources.has_cpu_rt_period = true;
        spec->linux_.resources.cpu_rt_period = 1000000;
    }
    return 0;
}
