/* SPDX-License-Identifier: Apache-2.0 */
#include "util/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/mem.h"

static enum bolt_log_level log_level = BOLT_LOG_WARN;
static int log_fd = -1;
static bool log_json;
static const char *log_prog = "bolt";
static char ***log_sink; /* bolt_log_capture */

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
bolt_log_set_level(enum bolt_log_level level)
{
    log_level = level;
}

enum bolt_log_level
bolt_log_get_level(void)
{
    return log_level;
}

int
bolt_log_parse_level(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, level_names[i]) == 0)
            return i;
    if (strcasecmp(s, "warning") == 0)
        return BOLT_LOG_WARN;
    return -1;
}

int
bolt_log_set_file(const char *path)
{
    int fd;

    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    if (path == NULL)
        return 0;
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    log_fd = fd;
    return 0;
}

void
bolt_log_set_json(bool json)
{
    log_json = json;
}

void
bolt_log_set_prog(const char *prog)
{
    log_prog = prog;
}

void
bolt_log_init_from_env(void)
{
    const char *v = getenv("BOLT_LOG_LEVEL");
    int l;

    if (v == NULL || *v == '\0')
        return;
    l = bolt_log_parse_level(v);
    if (l >= 0)
        log_level = (enum bolt_log_level)l;
}

static void
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

void
bolt_log_capture(char ***warnings)
{
    log_sink = warnings;
}

void
bolt_log(enum bolt_log_level level, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    char out[1400];
    char ts[64];
    struct timespec now;
    struct tm tm;
    va_list ap;
    int n;

    if (level > log_level && !(log_sink && level == BOLT_LOG_WARN))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_sink && level == BOLT_LOG_WARN)
        bolt_strv_push(log_sink, msg);
    if (level > log_level)
        return;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000);

    if (log_json) {
        json_t *o = json_pack("{s:s,s:s,s:s}", "time", ts, "level", level_names[level], "msg", msg);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        n = snprintf(out, sizeof(out), "%s\n", s ? s : "{}");
        free(s);
        json_decref(o);
    } else if (level == BOLT_LOG_DEBUG) {
        n = snprintf(out, sizeof(out), "%s: debug: %s (%s:%d)\n", log_prog, msg, file, line);
    } else {
        n = snprintf(out, sizeof(out), "%s: %s: %s\n", log_prog, level_names[level], msg);
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(out))
        n = sizeof(out) - 1;
    if (log_fd >= 0) {
        char tsd[1500];
        int m = log_json ? snprintf(tsd, sizeof(tsd), "%s", out)
                         : snprintf(tsd, sizeof(tsd), "%s %s", ts, out);
        if (m > 0)
            write_all(log_fd, tsd, (size_t)m < sizeof(tsd) ? (size_t)m : sizeof(tsd) - 1);
        return;
    }
    write_all(STDERR_FILENO, out, (size_t)n);
}

/* ---- stderr tee ---- */

static char tee_line[1024];
static size_t tee_len;
static bool tee_truncated;

static void
tee_emit(void)
{
    size_t pl = strlen(log_prog);
    const char *msg = tee_line;
    enum bolt_log_level level = BOLT_LOG_ERROR;

    tee_line[tee_len] = '\0';
    if (log_fd >= 0 && strncmp(msg, log_prog, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0) {
        msg += pl + 2;
        if (strncmp(msg, "warning: ", 9) == 0) {
            msg += 9;
            level = BOLT_LOG_WARN;
        }
        bolt_log(level, __FILE__, __LINE__, "%s%s", msg, tee_truncated ? "..." : "");
    }
    tee_len = 0;
    tee_truncated = false;
}

static ssize_t
tee_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    write_all(STDERR_FILENO, buf, len);
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            tee_emit();
        else if (tee_len < sizeof(tee_line) - 1)
            tee_line[tee_len++] = buf[i];
        else
            tee_truncated = true;
    }
    return (ssize_t)len;
}

static void
tee_flush_at_exit(void)
{
    if (tee_len > 0)
        tee_emit();
}

int
bolt_log_tee_stderr(void)
{
    static bool done;
    cookie_io_functions_t io = {.write = tee_write};
    FILE *f;

    if (done)
        return 0;
    fflush(stderr);
    f = fopencookie(NULL, "w", io);
    if (f == NULL)
        return -1;
    /* unbuffered: every fprintf reaches fd 2 at once, as with the real stderr */
    setvbuf(f, NULL, _IONBF, 0);
    stderr = f;
    atexit(tee_flush_at_exit);
    done = true;
    return 0;
}
