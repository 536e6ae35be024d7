/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTML performance report: SVG line charts drawn here (no JavaScript), one chart per
 * metric, one line per GPU or container, plus the raw samples as JSON.
 */
#include "nvbind/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"

#define W   560
#define H   220
#define PADL 56
#define PADR 28
#define PADT 26
#define PADB 34

static const char *const colors[] = {"#2b6cb0", "#c05621", "#2f855a", "#9b2c2c",
                                     "#6b46c1", "#b7791f", "#2c7a7b", "#97266d"};

struct buf {
    char *p;
    size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
bput(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
}

/* Text for HTML: escape <, >, &, quotes. */
static void
bput_esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            bput(b, "&lt;");
            break;
        case '>':
            bput(b, "&gt;");
            break;
        case '&':
            bput(b, "&amp;");
            break;
        case '"':
            bput(b, "&quot;");
            break;
        default:
            bput(b, "%c", *s);
        }
    }
}

/* One series: a label and a value per sample (NAN = missing). */
struct series {
    char *label;
    double *v;
};

/* Find an item of array arr whose key equals id (string). */
static json_t *
find_by(json_t *arr, const char *key, const char *id)
{
    size_t i;
    json_t *it;

    json_array_foreach(arr, i, it) {
        const char *v = json_string_value(json_object_get(it, key));
        if (v && strcmp(v, id) == 0)
            return it;
    }
    return NULL;
}

static double
num(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void
nice_max(double *max)
{
    double m = *max, p;

    if (!(m > 0)) {
        *max = 1;
        return;
    }
    p = 1;
    while (p * 10 <= m)
        p *= 10;
    while (p > m)
        p /= 10;
    for (int k = 1; k <= 10; k++)
        if (k * p >= m) {
            *max = k * p;
            return;
        }
    *max = m;
}

static void
chart(struct buf *b, const char *title, const char *unit, const double *t, size_t n,
      const struct series *ss, size_t ns, double fixed_max)
{
    double tmax = n > 1 ? t[n - 1] : 1, vmax = fixed_max;
    bool any = false;

    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < n; i++)
            if (!isnan(ss[s].v[i])) {
                any = true;
                if (fixed_max <= 0 && ss[s].v[i] > vmax)
                    vmax = ss[s].v[i];
            }
    if (fixed_max <= 0)
        nice_max(&vmax);
    if (tmax <= 0)
        tmax = 1;
    bput(b, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\"><title>",
         W, H, W, H);
    bput_esc(b, title);
    bput(b, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", W, H);
    bput(b, "<text x=\"%d\" y=\"16\" class=\"t\">", PADL);
    bput_esc(b, title);
    bput(b, " (%s)</text>", unit);
    /* grid and axes */
    for (int k = 0; k <= 4; k++) {
        double y = PADT + (H - PADT - PADB) * (1 - k / 4.0);
        bput(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"g\"/>", PADL, W - PADR,
             y, y);
        bput(b, "<text x=\"%d\" y=\"%.1f\" class=\"a\" text-anchor=\"end\">%g</text>", PADL - 4,
             y + 4, vmax * k / 4.0);
    }
    for (int k = 0; k <= 4; k++) {
        double x = PADL + (W - PADL - PADR) * k / 4.0;
        bput(b, "<text x=\"%.1f\" y=\"%d\" class=\"a\" text-anchor=\"middle\">%.3gs</text>", x,
             H - PADB + 16, tmax * k / 4.0);
    }
    bput(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"ax\"/>", PADL, W - PADR,
         H - PADB, H - PADB);
    if (!any)
        bput(b, "<text x=\"%d\" y=\"%d\" class=\"a\" text-anchor=\"middle\">not reported by "
                "the driver</text>",
             (W + PADL) / 2, H / 2);
    for (size_t s = 0; s < ns; s++) {
        const char *col = colors[s % (sizeof(colors) / sizeof(colors[0]))];
        bool pen = false;
        bput(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", col);
        for (size_t i = 0; i < n; i++) {
            if (isnan(ss[s].v[i])) {
                pen = false;
                continue;
            }
            double x = PADL + (W - PADL - PADR) * (t[i] / tmax);
            double v = ss[s].v[i] > vmax ? vmax : ss[s].v[i];
            double y = PADT + (H - PADT - PADB) * (1 - v / vmax);
            bput(b, "%s%.1f %.1f ", pen ? "L" : "M", x, y);
            pen = true;
        }
        bput(b, "\"/>");
        /* single points are visible too */
        for (size_t i = 0; i < n && n <= 2; i++)
            if (!isnan(ss[s].v[i]))
                bput(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
                     PADL + (W - PADL - PADR) * (t[i] / tmax),
                     PADT + (H - PADT - PADB) * (1 - (ss[s].v[i] > vmax ? vmax : ss[s].v[i]) / vmax), col);
        bput(b, "<text x=\"%d\" y=\"%d\" class=\"l\" fill=\"%s\">", PADL + 8 + (int)s * 130,
             H - 4, col);
        bput_esc(b, ss[s].label);
        bput(b, "</text>");
    }
    bput(b, "</svg></figure>\n");
}

struct metric {
    const char *key, *title, *unit;
    double scale, fixed_max;
};

static const struct metric gpu_metrics[] = {
    {"util_gpu", "GPU utilization", "%", 1, 100},
    {"util_memory", "memory controller utilization", "%", 1, 100},
    {"mem_used", "GPU memory used", "MiB", 1.0 / 1048576, 0},
    {"temperature_c", "temperature", "°C", 1, 0},
    {"power_w", "power draw", "W", 1, 0},
    {"power_limit_w", "power limit", "W", 1, 0},
    {"clock_graphics_mhz", "graphics clock", "MHz", 1, 0},
    {"clock_mem_mhz", "memory clock", "MHz", 1, 0},
    {"fan_pct", "fan", "%", 1, 100},
    {"pstate", "performance state", "P", 1, 0},
};

static const struct metric ctr_metrics[] = {
    {"cpu_pct", "CPU", "% of one CPU", 1, 0},
    {"mem_used", "memory", "MiB", 1.0 / 1048576, 0},
    {"gpu_mem_total", "GPU memory", "MiB", 1.0 / 1048576, 0},
};

/* Distinct ids (key) of the items of arrays samples[*][list], in first-seen order. */
static char **
ids_of(json_t *samples, const char *list, const char *key)
{
    char **ids = NULL;
    size_t i, j, n = 0;
    json_t *s, *it;

    json_array_foreach(samples, i, s) {
        json_array_foreach(json_object_get(s, list), j, it) {
            const char *id = json_string_value(json_object_get(it, key));
            bool seen = false;
            for (size_t k = 0; id && k < n && !seen; k++)
                seen = strcmp(ids[k], id) == 0;
            if (id && !seen) {
                ids = xrealloc(ids, (n + 2) * sizeof(*ids));
                ids[n++] = xstrdup(id);
                ids[n] = NULL;
            }
        }
    }
    return ids;
}

static void
section(struct buf *b, json_t *samples, const double *t, size_t n, const char *list,
        const char *idkey, const char *labelkey, const struct metric *ms, size_t nm)
{
    cleanup_strv char **ids = ids_of(samples, list, idkey);
    size_t ns = 0;

    while (ids && ids[ns])
        ns++;
    if (ns == 0) {
        bput(b, "<p class=\"none\">none during the report</p>\n");
        return;
    }
    struct series *ss = xcalloc(ns, sizeof(*ss));
    for (size_t s = 0; s < ns; s++) {
        ss[s].v = xcalloc(n ? n : 1, sizeof(double));
        json_t *first = NULL;
        for (size_t i = 0; i < n && !first; i++)
            first = find_by(json_object_get(json_array_get(samples, i), list), idkey, ids[s]);
        const char *lab = json_string_value(json_object_get(first, labelkey));
        json_t *idx = json_object_get(first, "index");
        ss[s].label = json_is_integer(idx) ? xasprintf("GPU %lld %s", json_integer_value(idx),
                                                       lab ? lab : "")
                                           : xstrdup(lab ? lab : ids[s]);
    }
    bput(b, "<div class=\"charts\">\n");
    for (size_t k = 0; k < nm; k++) {
        for (size_t s = 0; s < ns; s++)
            for (size_t i = 0; i < n; i++) {
                json_t *it = find_by(json_object_get(json_array_get(samples, i), list), idkey,
                                     ids[s]);
                ss[s].v[i] = num(json_object_get(it, ms[k].key)) * ms[k].scale;
            }
        chart(b, ms[k].title, ms[k].unit, t, n, ss, ns, ms[k].fixed_max);
    }
    bput(b, "</div>\n");
    for (size_t s = 0; s < ns; s++) {
        free(ss[s].label);
        free(ss[s].v);
    }
    free(ss);
}

char *
bolt_report_html(json_t *samples, const char *title)
{
    struct buf b = {0};
    size_t n = json_array_size(samples);
    double *t = xcalloc(n ? n : 1, sizeof(double));
    double t0 = n ? num(json_object_get(json_array_get(samples, 0), "time")) : 0;
    const char *gpu_error = NULL;
    char when[64] = "";
    cleanup_free char *json = NULL;

    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(samples, i);
        t[i] = num(json_object_get(s, "time")) - t0;
        if (!gpu_error)
            gpu_error = json_string_value(json_object_get(s, "gpu_error"));
    }
    if (n) {
        time_t tt = (time_t)t0;
        struct tm tm;
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&tt, &tm));
    }
    bput(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    bput_esc(&b, title);
    bput(&b, "</title>\n<style>\nbody{font:14px/1.4 sans-serif;margin:24px;color:#1a202c;"
             "background:#f7fafc}\nh1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px "
             "0 8px}\n.meta{color:#4a5568}.charts{display:flex;flex-wrap:wrap;gap:12px}\nfigure{"
             "margin:0;border:1px solid #e2e8f0;background:#fff}\n.t{font:bold 13px sans-serif}"
             ".a{font:11px sans-serif;fill:#4a5568}.l{font:12px sans-serif}\n.g{stroke:#edf2f7}"
             ".ax{stroke:#a0aec0}.none,.err{color:#9b2c2c}\ndetails{margin-top:24px}pre{"
             "background:#fff;border:1px solid #e2e8f0;padding:8px;overflow:auto;max-height:"
             "400px}\n</style></head><body>\n<h1>");
    bput_esc(&b, title);
    bput(&b, "</h1>\n<p class=\"meta\">%zu samples over %.1f s from %s</p>\n", n,
         n ? t[n - 1] : 0.0, when);
    bput(&b, "<h2>GPUs</h2>\n");
    if (gpu_error) {
        bput(&b, "<p class=\"err\">no GPU figures: ");
        bput_esc(&b, gpu_error);
        bput(&b, "</p>\n");
    } else {
        section(&b, samples, t, n, "gpus", "uuid", "name", gpu_metrics,
                sizeof(gpu_metrics) / sizeof(gpu_metrics[0]));
    }
    bput(&b, "<h2>Containers</h2>\n");
    section(&b, samples, t, n, "containers", "id", "name", ctr_metrics,
            sizeof(ctr_metrics) / sizeof(ctr_metrics[0]));
    json = json_dumps(samples, JSON_COMPACT);
    /* "</" never appears raw inside the script element */
    bput(&b, "<details><summary>samples (JSON)</summary><pre>");
    bput_esc(&b, json ? json : "[]");
    bput(&b, "</pre></details>\n<script type=\"application/json\" id=\"samples\">");
    for (const char *p = json ? json : "[]"; *p; p++) {
        if (p[0] == '<' && p[1] == '/')
            bput(&b, "<\\/");
        else
            bput(&b, "%c", *p);
        if (p[0] == '<' && p[1] == '/')
            p++;
    }
    bput(&b, "</script>\n</body></html>\n");
    free(t);
    return b.p;
}
