/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/logs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/logfmt.h"
#include "util/mem.h"

int
engine_logw_open(struct engine_logw *w, const char *path, struct bolt_err *err)
{
    w->n[0] = w->n[1] = 0;
    w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (w->fd < 0)
        return bolt_err_set(err, errno, "open log '%s'", path);
    return 0;
}

const char *
engine_rfc3339(int64_t t, char *buf, size_t len)
{
    time_t sec = (time_t)(t / 1000000000LL);
    struct tm tm;
    char base[32];

    gmtime_r(&sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09lldZ", base, (long long)(t % 1000000000LL));
    return buf;
}

static void
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t r = write(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return; /* a full disk must not stop the container; the log just misses lines */
        p += r;
        len -= (size_t)r;
    }
}

static void
emit(struct engine_logw *w, enum engine_stream s, const char *data, size_t len)
{
    char *line;
    size_t n;

    if (w->fd < 0 || len == 0)
        return;
    line = xmalloc(ENGINE_LOGFMT_MAX(len));
    n = engine_logfmt(line, s == ENGINE_STDOUT ? "stdout" : "stderr", data, len, bolt_now_ns());
    write_all(w->fd, line, n);
    free(line);
}

void
engine_logw_feed(struct engine_logw *w, enum engine_stream s, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        size_t room = ENGINE_LOG_LINE_MAX - w->n[s];

        if (take > room)
            take = room;
        memcpy(w->buf[s] + w->n[s], data, take);
        w->n[s] += take;
        data += take;
        len -= take;
        if (w->buf[s][w->n[s] - 1] == '\n' || w->n[s] == ENGINE_LOG_LINE_MAX) {
            emit(w, s, w->buf[s], w->n[s]);
            w->n[s] = 0;
        }
    }
}

void
engine_logw_close(struct engine_logw *w)
{
    for (int s = 0; s < 2; s++) {
        if (w->n[s])
            emit(w, (enum engine_stream)s, w->buf[s], w->n[s]);
        w->n[s] = 0;
    }
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

static int
parse_rfc3339(const char *s, int64_t *out)
{
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    int64_t frac = 0;
    time_t sec;

    if (!p)
        return -1;
    if (*p == '.') {
        int digits = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (digits < 9) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
            p++;
        }
        while (digits++ < 9)
            frac *= 10;
    }
    sec = timegm(&tm);
    if (*p == '+' || *p == '-') {
        int hh = 0, mm = 0;
        if (sscanf(p + 1, "%d:%d", &hh, &mm) != 2)
            return -1;
        sec += (*p == '+' ? -1 : 1) * (hh * 3600 + mm * 60);
    } else if (*p != 'Z' && *p != '\0') {
        return -1;
    }
    *out = (int64_t)sec * 1000000000LL + frac;
    return 0;
}

static int
parse_duration_ns(const char *s, int64_t *out)
{
    int64_t total = 0;
    const char *p = s;

    if (!*p)
        return -1;
    while (*p) {
        char *end = NULL;
        double v = strtod(p, &end);
        int64_t unit;
        if (end == p)
            return -1;
        p = end;
        if (strncmp(p, "ms", 2) == 0) {
            unit = 1000000LL;
            p += 2;
        } else if (*p == 's') {
            unit = 1000000000LL;
            p++;
        } else if (*p == 'm') {
            unit = 60LL * 1000000000LL;
            p++;
        } else if (*p == 'h') {
            unit = 3600LL * 1000000000LL;
            p++;
        } else {
            return -1;
        }
        total += (int64_t)(v * (double)unit);
    }
    *out = total;
    return 0;
}

int
engine_parse_since(const char *s, int64_t now_ns, int64_t *out, struct bolt_err *err)
{
    int64_t v;

    if (parse_rfc3339(s, &v) == 0) {
        *out = v;
        return 0;
    }
    if (*s && strspn(s, "0123456789.") == strlen(s)) {
        *out = (int64_t)(strtod(s, NULL) * 1e9);
        return 0;
    }
    if (parse_duration_ns(s, &v) == 0) {
        *out = now_ns - v;
        return 0;
    }
    return bolt_err_set(err, 0,
                        "--since: invalid time '%s' (expected an RFC 3339 time such as "
                        "2026-01-02T15:04:05Z, unix seconds, or a duration such as 10m)",
                        s);
}

int
engine_log_parse_line(const char *line, struct engine_log_entry *e)
{
    json_t *o = json_loads(line, 0, NULL);
    json_t *log = o ? json_object_get(o, "log") : NULL;
    const char *stream = o ? json_string_value(json_object_get(o, "stream")) : NULL;
    const char *time = o ? json_string_value(json_object_get(o, "time")) : NULL;

    if (!log || !json_is_string(log) || !stream || !time) {
        json_decref(o);
        return -1;
    }
    e->len = json_string_length(log);
    e->text = xmalloc(e->len + 1);
    memcpy(e->text, json_string_value(log), e->len);
    e->text[e->len] = '\0';
    e->stream = strcmp(stream, "stderr") == 0 ? ENGINE_STDERR : ENGINE_STDOUT;
    if (parse_rfc3339(time, &e->time_ns) < 0)
        e->time_ns = 0;
    json_decref(o);
    return 0;
}
