/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: manifest / index parsing, platform selection and image config parsing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/config.h"
#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_manifest m;
    struct bolt_image_config c;
    struct bolt_err err = {0};
    const char *buf = (const char *)data;

    if (bolt_manifest_parse(buf, size, "application/vnd.oci.image.index.v1+json", "fuzz", &m,
                            &err) == 0) {
        if (m.is_index) {
            bolt_index_select(&m, "linux", "amd64", NULL, &err);
            bolt_index_select(&m, "linux", "arm", "v7", &err);
        }
        bolt_manifest_fini(&m);
    }
    if (bolt_image_config_parse(buf, size, "fuzz", &c, &err) == 0) {
        if (c.n_diff_ids != 0 && c.diff_ids[c.n_diff_ids - 1] == NULL)
            abort();
        bolt_image_config_fini(&c);
    }
    return 0;
}
