/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_DYNLIB_H
#define BOLT_DYNLIB_H

/*
 * Lazy loading of the three heavy libraries only the image code needs (libcurl,
 * libarchive, libcrypto). `bolt` does not link them: dynlib_gen.c defines every function
 * the image code calls under its own name, and the first call dlopen()s the library by
 * its soname. A `bolt run`, `ps` or monitor start thus skips mapping ~50 shared objects
 * (measured: ~50M cycles in the dynamic loader, the largest part of bolt's start-up).
 * After a new libcurl/libarchive/libcrypto function is used, rerun tools/gen-dynlib.py.
 */

enum bolt_dynlib {
    BOLT_DYNLIB_CURL = 0,
    BOLT_DYNLIB_ARCHIVE,
    BOLT_DYNLIB_CRYPTO,
    BOLT_DYNLIB_COUNT,
};

/*
 * Resolve name in lib, caching it in *slot (a pointer-sized static of the caller).
 * A library or symbol that cannot be loaded is fatal: the message names the package
 * to install, since no image operation can go on without it.
 */
void *bolt_dynlib_sym(void **slot, enum bolt_dynlib lib, const char *name);

#endif
