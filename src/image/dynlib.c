/* SPDX-License-Identifier: Apache-2.0 */
#define CURL_DISABLE_TYPECHECK
#include "image/dynlib.h"

#include <archive.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bolt-config.h"

static const char *const sonames[BOLT_DYNLIB_COUNT] = {
    BOLT_SONAME_CURL,
    BOLT_SONAME_ARCHIVE,
    BOLT_SONAME_CRYPTO,
};
static const char *const packages[BOLT_DYNLIB_COUNT] = {"libcurl4", "libarchive13", "libssl3"};
static void *handles[BOLT_DYNLIB_COUNT];

static void
fatal(const char *what, const char *detail, enum bolt_dynlib lib)
{
    fprintf(stderr, "bolt: %s: %s (install the Debian package %s)\n", what, detail, packages[lib]);
    fflush(stderr);
    _exit(125);
}

void *
bolt_dynlib_sym(void **slot, enum bolt_dynlib lib, const char *name)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    void *h;

    if (f != NULL)
        return f;
    h = __atomic_load_n(&handles[lib], __ATOMIC_ACQUIRE);
    if (h == NULL) {
        /* dlopen is reference counted: a racing second open returns the same handle. */
        h = dlopen(sonames[lib], RTLD_NOW | RTLD_LOCAL);
        if (h == NULL)
            fatal(sonames[lib], dlerror(), lib);
        __atomic_store_n(&handles[lib], h, __ATOMIC_RELEASE);
    }
    f = dlsym(h, name);
    if (f == NULL)
        fatal(name, dlerror(), lib);
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

/*
 * The variadic functions. curl passes exactly one argument after the option, whose type
 * follows from the option's range (CURLOPTTYPE_*), so it is read with that type and
 * passed on unchanged.
 */
CURLcode
curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
    static void *slot;
    __typeof__(curl_easy_setopt) *fn = bolt_dynlib_sym(&slot, BOLT_DYNLIB_CURL, "curl_easy_setopt");
    CURLcode r;
    va_list ap;

    va_start(ap, option);
    if (option < CURLOPTTYPE_OBJECTPOINT)
        r = fn(curl, option, va_arg(ap, long));
    else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
        r = fn(curl, option, va_arg(ap, curl_off_t));
    else
        r = fn(curl, option, va_arg(ap, void *));
    va_end(ap);
    return r;
}

CURLMcode
curl_multi_setopt(CURLM *multi, CURLMoption option, ...)
{
    static void *slot;
    __typeof__(curl_multi_setopt) *fn =
        bolt_dynlib_sym(&slot, BOLT_DYNLIB_CURL, "curl_multi_setopt");
    CURLMcode r;
    va_list ap;

    va_start(ap, option);
    if (option < CURLOPTTYPE_OBJECTPOINT)
        r = fn(multi, option, va_arg(ap, long));
    else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
        r = fn(multi, option, va_arg(ap, curl_off_t));
    else
        r = fn(multi, option, va_arg(ap, void *));
    va_end(ap);
    return r;
}

CURLcode
curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
    static void *slot;
    __typeof__(curl_easy_getinfo) *fn =
        bolt_dynlib_sym(&slot, BOLT_DYNLIB_CURL, "curl_easy_getinfo");
    CURLcode r;
    va_list ap;

    /* Every CURLINFO takes a pointer to where the answer goes. */
    va_start(ap, info);
    r = fn(curl, info, va_arg(ap, void *));
    va_end(ap);
    return r;
}

void
archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
    static void *slot;
    __typeof__(archive_set_error) *fn =
        bolt_dynlib_sym(&slot, BOLT_DYNLIB_ARCHIVE, "archive_set_error");
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fn(a, err, "%s", msg);
}
