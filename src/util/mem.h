/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_MEM_H
#define BOLT_MEM_H

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>

/* Allocators that abort on OOM: a container engine cannot do anything useful without memory. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a, sep and b joined (a new string): "K" "=" "V" without printf, for paths that run once
 * per container start in a process that has not run printf's code yet */
char *xjoin3(const char *a, const char *sep, const char *b);

/* NULL-terminated string vectors. */
void bolt_strv_free(char **v);
size_t bolt_strv_len(char *const *v);
/* Append a copy of s to *v (NULL-terminated, grown as needed). */
void bolt_strv_push(char ***v, const char *s);
/* Deep copy of a NULL-terminated vector (NULL gives NULL). */
char **bolt_strv_dup(char *const *v);

/* A growable byte buffer, kept NUL-terminated once anything is added. Start it as {0};
 * p then belongs to the caller (free). */
struct bolt_buf {
    char *p;
    size_t len, cap;
};

/* Append n bytes of s to b (capacity doubles, from 32); aborts on OOM like xrealloc. */
void bolt_buf_add(struct bolt_buf *b, const char *s, size_t n);

/* The functions behind the cleanup_* attributes: free/close/fclose/closedir/strv_free
 * the pointed-to value when it is set. */
void bolt_cleanup_freep(void *p);
void bolt_cleanup_closep(int *fd);
void bolt_cleanup_fclosep(FILE **f);
void bolt_cleanup_dirp(DIR **d);
void bolt_cleanup_strvp(char ***v);

#define cleanup_free   __attribute__((cleanup(bolt_cleanup_freep)))
#define cleanup_close  __attribute__((cleanup(bolt_cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(bolt_cleanup_fclosep)))
#define cleanup_dir    __attribute__((cleanup(bolt_cleanup_dirp)))
#define cleanup_strv   __attribute__((cleanup(bolt_cleanup_strvp)))

/* Hand ownership over: returns *pp and sets *pp to NULL. */
static inline void *
steal_ptr(void *pp)
{
    void **p = (void **)pp;
    void *v = *p;
    *p = NULL;
    return v;
}

/* Hand an fd over: returns *fd and sets *fd to -1. */
static inline int
steal_fd(int *fd)
{
    int v = *fd;
    *fd = -1;
    return v;
}

#endif
