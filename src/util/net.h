/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NET_H
#define BOLT_NET_H

#include <stdbool.h>
#include <stddef.h>

/* A host name for /etc/hosts: letters, digits, '-', '_' and '.', not starting with '-' or
 * '.', 1..253 characters (the first n bytes of s). */
bool bolt_hostname_valid(const char *s, size_t n);

/* An IPv4 or IPv6 address; IPv6 may be bracketed ("[fd00::1]"). */
bool bolt_ip_addr_valid(const char *a);

#endif
