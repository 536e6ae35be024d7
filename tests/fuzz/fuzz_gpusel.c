/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the GPU selection syntax: the input is split at the first newline into a selector
 * (parsed as --gpu, --gpus and NVIDIA_VISIBLE_DEVICES) and a requirement value; whatever
 * parses is resolved against a fixed two-GPU host and checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/gpusel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const migs[] = {"MIG-5e1b7f6d-80d2-53a4-bc0e-6c7d8e9fa0b1"};
static const struct bolt_gpusel_host_gpu gpus[] = {
    {"NVIDIA A100", "GPU-4d0a6e5c-7fc1-4293-abfd-5b6c7d8e9fa0", migs, 1},
    {"NVIDIA L4", "GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689", NULL, 0},
};
static const char *const archs[] = {"8.0", "8.9"};
static const char *const brands[] = {"nvidia", "nvidia"};

static void
try_sel(int (*parse)(const char *, struct bolt_gpusel *, struct bolt_err *), const char *s)
{
    struct bolt_gpusel sel = {0};
    struct bolt_err err = {0};
    struct bolt_gpusel_pick *picks = NULL;
    size_t n = 0;

    if (parse(s, &sel, &err) == 0) {
        if (bolt_gpusel_resolve(&sel, gpus, 2, &picks, &n, &err) == 0)
            for (size_t i = 0; i < n; i++)
                if (picks[i].gpu >= 2 || picks[i].mig >= 1)
                    abort();
        free(picks);
    }
    bolt_gpusel_fini(&sel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *nl, *req_text = NULL;
    struct bolt_gpureq req = {0};
    struct bolt_err err = {0};
    struct bolt_gpureq_host host = {"12.4", "550.54.15", archs, brands, 2};
    char *env[4] = {NULL, NULL, NULL, NULL};
    struct bolt_gpusel sel = {0};

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    nl = strchr(buf, '\n');
    if (nl) {
        *nl = '\0';
        req_text = nl + 1;
    }
    try_sel(bolt_gpusel_parse_gpu, buf);
    try_sel(bolt_gpusel_parse_docker, buf);
    if (req_text && bolt_gpureq_add(&req, "NVIDIA_REQUIRE_CUDA", req_text, &err) == 0)
        (void)bolt_gpureq_check(&req, &host, &err);
    bolt_gpureq_fini(&req);
    if (asprintf(&env[0], "NVIDIA_VISIBLE_DEVICES=%s", buf) > 0
        && asprintf(&env[1], "NVIDIA_REQUIRE_X=%s", req_text ? req_text : "") > 0) {
        static char cuda[] = "CUDA_VERSION=12.0.1";
        env[2] = cuda;
        (void)bolt_gpusel_from_env(env, &sel, &req, &err);
    }
    bolt_gpusel_fini(&sel);
    bolt_gpureq_fini(&req);
    free(env[0]);
    free(env[1]);
    free(buf);
    return 0;
}
