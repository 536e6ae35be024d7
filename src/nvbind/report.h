/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_REPORT_H
#define BOLT_NVBIND_REPORT_H

/*
 * `bolt gaming performance --report`: one self-contained HTML page (no scripts, no
 * external resources) with an inline SVG line chart per GPU metric and per container
 * metric over time, and the samples themselves as JSON in a
 * <script type="application/json" id="samples"> block.
 */

#include <jansson.h>

/* samples: a JSON array of bolt_metrics_sample objects. Returns a new string. */
char *bolt_report_html(json_t *samples, const char *title);

#endif
