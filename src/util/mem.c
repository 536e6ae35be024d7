/* SPDX-License-Identifier: Apache-2.0 */
#include "util/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
oom(void)
{
    static const char msg[] = "bolt: out of memory\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)r;
    abort();
}

__attribute__((hot)) void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        oom();
    return p;
}

void *
xzalloc(size_t size)
{
    return xcalloc(1, size);
}

__attribute__((hot)) void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom();
    return p;
}

__attribute__((hot)) void *
xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL)
        oom();
    return q;
}

__attribute__((hot)) void *
xreallocarray(void *p, size_t n, size_t size)
{
    void *q = reallocarray(p, n ? n : 1, size ? size : 1);
    if (q == NULL)
        oom();
    return q;
}

__attribute__((hot)) char *
xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (p == NULL)
        oom();
    return p;
}

__attribute__((hot)) char *
xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (p == NULL)
        oom();
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    return p;
}

void
bolt_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

__attribute__((hot)) size_t
bolt_strv_len(char *const *v)
{
    size_t n = 0;
    if (v == NULL)
        return 0;
    while (v[n])
        n++;
    return n;
}

__attribute__((hot)) void
bolt_strv_push(char ***v, const char *s)
{
    size_t n = bolt_strv_len(*v);
    *v = xreallocarray(*v, n + 2, sizeof(char *));
    (*v)[n] = xstrdup(s);
    (*v)[n + 1] = NULL;
}

__attribute__((hot)) char **
bolt_strv_dup(char *const *v)
{
    size_t n = bolt_strv_len(v);
    char **out;

    if (v == NULL)
        return NULL;
    out = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

void
bolt_cleanup_freep(void *p)
{
    free(*(void **)p);
}

void
bolt_cleanup_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

void
bolt_cleanup_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

void
bolt_cleanup_dirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

void
bolt_cleanup_strvp(char ***v)
{
    bolt_strv_free(*v);
}

void
bolt_buf_add(struct bolt_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 32;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

__attribute__((hot)) char *
xjoin3(const char *a, const char *sep, const char *b)
{
    size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
    char *p = xmalloc(na + ns + nb + 1);

    memcpy(p, a, na);
    memcpy(p + na, sep, ns);
    memcpy(p + na + ns, b, nb + 1);
    return p;
}
