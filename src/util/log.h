/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_LOG_H
#define BOLT_LOG_H

#include <stdbool.h>

enum bolt_log_level {
    BOLT_LOG_ERROR = 0,
    BOLT_LOG_WARN = 1,
    BOLT_LOG_INFO = 2,
    BOLT_LOG_DEBUG = 3,
};

/* Configure logging. level defaults to warn (or BOLT_LOG_LEVEL). */
void bolt_log_set_level(enum bolt_log_level level);
enum bolt_log_level bolt_log_get_level(void);
/* Parse "error|warn|info|debug"; returns -1 if unknown. */
int bolt_log_parse_level(const char *s);
/* Send log lines to path as well as stderr (with timestamps); NULL resets. Returns -1 on error. */
int bolt_log_set_file(const char *path);
/* Write one {time,level,msg} JSON object per line instead of text. */
void bolt_log_set_json(bool json);
/* Program name used as the line prefix ("bolt", "nvbind"). */
void bolt_log_set_prog(const char *prog);
/* Read BOLT_LOG_LEVEL from the environment, if set. */
void bolt_log_init_from_env(void);
/*
 * Copy the program's error lines to the log file too (as runc does, so a shim that reads the
 * last error from --log sees the real cause): stderr is replaced by a stdio stream that
 * still writes everything to fd 2 and, while a log file is set, also records each line
 * starting with "<prog>: " as an error record ("<prog>: warning: ..." as a warning) without
 * that prefix. Returns -1 when the stream cannot be made (stderr is then unchanged).
 */
int bolt_log_tee_stderr(void);

/*
 * While warnings is not NULL, every warning message (without the "<prog>: warning: " prefix)
 * is also appended to *warnings, whatever the level, so that a cached result can repeat the
 * warnings its computation gave. NULL stops the capture.
 */
void bolt_log_capture(char ***warnings);

/* Write one record at level when the current level allows it (text or JSON, to stderr and
 * the log file); use the log_error/log_warn/log_info/log_debug macros, not this. */
void bolt_log(enum bolt_log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_error(...) bolt_log(BOLT_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)  bolt_log(BOLT_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)  bolt_log(BOLT_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) bolt_log(BOLT_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

#endif
