/* SPDX-License-Identifier: Apache-2.0 */
#include "util/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

bool
bolt_hostname_valid(const char *s, size_t n)
{
    if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
            return false;
    return true;
}

bool
bolt_ip_addr_valid(const char *a)
{
    unsigned char buf[16];
    char tmp[64];
    size_t n = strlen(a);

    if (n >= 2 && n < sizeof(tmp) && a[0] == '[' && a[n - 1] == ']') {
        memcpy(tmp, a + 1, n - 2);
        tmp[n - 2] = '\0';
        a = tmp;
    }
    return inet_pton(AF_INET, a, buf) == 1 || inet_pton(AF_INET6, a, buf) == 1;
}
