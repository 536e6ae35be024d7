/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Boltfile's gaming keys ([services.X.gaming.gpu], its nvbind and gaming tables, and
 * [services.X.gaming.audio]) as the same "key=value" settings `bolt run` collects, so a
 * stack service and a `bolt run` with the same flags get the same container edits.
 */
#include "nvbind/profile.h"

#include <stdio.h>
#include <stdlib.h>

#include "boltfile/boltfile.h"
#include "util/mem.h"

static void
push(char ***settings, const char *key, const char *value)
{
    cleanup_free char *kv = xasprintf("%s=%s", key, value);

    bolt_strv_push(settings, kv);
}

void
bolt_nv_gaming_from_boltfile(const struct bolt_bf_gpu *g, const struct bolt_bf_audio *a,
                             char ***settings)
{
    char buf[32];

    if (g && g->present) {
        if (g->performance_mode)
            push(settings, "performance", g->performance_mode);
        if (g->profile)
            push(settings, "profile", g->profile);
        if (g->dlss_enabled)
            push(settings, "dlss", "true");
        if (g->rt_cores_enabled)
            push(settings, "rt", "true");
        if (g->wine_optimizations)
            push(settings, "wine", "true");
        if (g->frame_rate_target > 0) {
            snprintf(buf, sizeof(buf), "%d", g->frame_rate_target);
            push(settings, "fps", buf);
        }
        if (g->vsync_mode)
            push(settings, "vsync", g->vsync_mode);
    }
    if (a && a->present && a->system) {
        push(settings, "audio", a->system);
        if (a->latency)
            push(settings, "audio_latency", a->latency);
        if (a->sample_rate > 0) {
            snprintf(buf, sizeof(buf), "%d", a->sample_rate);
            push(settings, "sample_rate", buf);
        }
        if (a->buffer_size > 0) {
            snprintf(buf, sizeof(buf), "%d", a->buffer_size);
            push(settings, "buffer_size", buf);
        }
    }
}
