/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_UNITS_COMPAT_H
#define BOLT_ENGINE_UNITS_COMPAT_H

/* Sizes and durations come from util/units.h (owned by the toml/config work). */
#if __has_include("util/units.h")
#include "util/units.h"
#else
#include <errno.h>
#include <stdint.h>

#include "util/err.h"

static inline int
bolt_parse_size(const char *s, uint64_t *out, struct bolt_err *err)
{
    (void)out;
    return bolt_err_set(err, ENOSYS, "cannot parse size '%s': util/units is not built in", s);
}
#endif

#endif
