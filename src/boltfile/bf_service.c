/* SPDX-License-Identifier: Apache-2.0 */
/* One [services.NAME] table: every compose-style key, checked and normalized. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltfile/bf_internal.h"
#include "util/mem.h"
#include "util/net.h"

static const char *const service_keys[] = {
    "image",       "command",
    "entrypoint",  "environment",
    "env_file",    "volumes",
    "ports",       "depends_on",
    "restart",     "healthcheck",
    "user",        "working_dir",
    "hostname",    "labels",
    "memory",      "cpus",
    "cpuset",      "pids_limit",
    "devices",     "cap_add",
    "cap_drop",    "privileged",
    "read_only",   "network_mode",
    "stop_signal", "stop_grace_period",
    "extra_hosts", "gaming",
    NULL,
};

/* --- ports ------------------------------------------------------------------------ */

/* "80" or "8000-8010" into [lo, hi]; false if malformed or outside 1..65535. */
static bool
port_range(const char *s, size_t n, uint16_t *lo, uint16_t *hi)
{
    unsigned long a = 0, b;
    size_t i = 0;

    if (n == 0 || n > 11)
        return false;
    for (; i < n && isdigit((unsigned char)s[i]); i++)
        a = a * 10 + (unsigned long)(s[i] - '0');
    if (i == 0 || a < 1 || a > 65535)
        return false;
    b = a;
    if (i < n) {
        size_t start = ++i;
        if (s[start - 1] != '-')
            return false;
        for (b = 0; i < n && isdigit((unsigned char)s[i]); i++)
            b = b * 10 + (unsigned long)(s[i] - '0');
        if (i == start || i != n || b < a || b > 65535)
            return false;
    }
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return true;
}

static bool
parse_port_string(const char *spec, struct bolt_bf_port *port)
{
    cleanup_free char *s = xstrdup(spec);
    char *proto = strchr(s, '/'), *ctr, *host = NULL, *ip = NULL;

    snprintf(port->protocol, sizeof(port->protocol), "tcp");
    if (proto != NULL) {
        *proto++ = '\0';
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
            return false;
        snprintf(port->protocol, sizeof(port->protocol), "%s", proto);
    }
    ctr = strrchr(s, ':');
    if (ctr == NULL) {
        ctr = s;
    } else {
        *ctr++ = '\0';
        host = strrchr(s, ':');
        if (host == NULL) {
            host = s;
        } else {
            *host++ = '\0';
            ip = s;
        }
    }
    if (!port_range(ctr, strlen(ctr), &port->container_start, &port->container_end))
        return false;
    if (host != NULL && *host != '\0') {
        if (!port_range(host, strlen(host), &port->host_start, &port->host_end))
            return false;
        if (port->host_end - port->host_start != port->container_end - port->container_start
            && port->host_start != port->host_end)
            return false;
    }
    if (ip != NULL) {
        size_t n = strlen(ip);
        if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']') {
            ip[n - 1] = '\0';
            ip++;
        }
        if (*ip == '\0' || strspn(ip, "0123456789abcdefABCDEF.:") != strlen(ip))
            return false;
        port->host_ip = xstrdup(ip);
    }
    return true;
}

/* The long form: { target = 80, published = 8080, host_ip = "127.0.0.1", protocol = "udp" }. */
static bool
port_table(struct bf_ctx *c, const struct bolt_toml_value *e, const char *ep,
           struct bolt_bf_port *port)
{
    static const char *const keys[] = {"target", "published", "host_ip", "protocol", NULL};
    static const char *const protocols[] = {"tcp", "udp", "sctp", NULL};
    const struct bolt_toml_value *pub = bolt_toml_get(e, "published");
    cleanup_free char *proto = NULL, *ip = NULL, *spec = NULL;
    int64_t target = 0;
    bool ok = true;

    bf_check_keys(c, e, ep, keys);
    ok &= bf_get_int(c, e, ep, "target", 1, 65535, &target);
    ok &= bf_get_enum(c, e, ep, "protocol", protocols, &proto);
    ok &= bf_get_str(c, e, ep, "host_ip", &ip);
    if (ok && target == 0) {
        bf_report(c, e->pos, "%s: missing required key 'target' (the container port)", ep);
        return false;
    }
    if (!ok)
        return false;
    if (pub != NULL && pub->type == BOLT_TOML_INTEGER)
        spec = xasprintf("%lld:%lld", (long long)pub->u.integer, (long long)target);
    else if (pub != NULL && pub->type == BOLT_TOML_STRING
             && strspn(pub->u.str.ptr, "0123456789-") == strlen(pub->u.str.ptr))
        spec = xasprintf("%s:%lld", pub->u.str.ptr, (long long)target);
    else if (pub != NULL) {
        cleanup_free char *pp = bf_join(ep, "published");
        return bf_wrong_type(c, pp, pub, "a port number or a range like \"8000-8010\"");
    } else
        spec = xasprintf("%lld", (long long)target);
    if (!parse_port_string(spec, port)) {
        free(port->host_ip);
        bf_report(c, pub->pos,
                  "%s.published: invalid port '%.*s' (expected 1-65535, or a range "
                  "as long as the target's)",
                  ep, (int)(strrchr(spec, ':') - spec), spec);
        return false;
    }
    if (ip != NULL) {
        cleanup_free char *full = xasprintf("[%s]:%s%s", ip, pub ? "" : ":", spec);
        struct bolt_bf_port check = {0};
        bool good = strchr(ip, '/') == NULL && parse_port_string(full, &check);
        free(check.host_ip);
        if (!good) {
            bf_report(c, bolt_toml_get(e, "host_ip")->pos,
                      "%s.host_ip: invalid address '%s' (expected e.g. \"127.0.0.1\" or \"::1\")",
                      ep, ip);
            return false;
        }
        port->host_ip = steal_ptr(&ip);
    }
    snprintf(port->protocol, sizeof(port->protocol), "%s", proto ? proto : "tcp");
    return true;
}

static void
parse_ports(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
            struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "ports");
    cleanup_free char *p = bf_join(path, "ports");

    if (v == NULL)
        return;
    if (v->type != BOLT_TOML_ARRAY) {
        bf_wrong_type(c, p, v, "an array of port mappings");
        return;
    }
    svc->ports = xcalloc(v->u.array.n ? v->u.array.n : 1, sizeof(*svc->ports));
    for (size_t i = 0; i < v->u.array.n; i++) {
        const struct bolt_toml_value *e = v->u.array.items[i];
        struct bolt_bf_port port = {0};
        cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
        if (e->type == BOLT_TOML_INTEGER && e->u.integer >= 1 && e->u.integer <= 65535) {
            port.container_start = port.container_end = (uint16_t)e->u.integer;
            snprintf(port.protocol, sizeof(port.protocol), "tcp");
        } else if (e->type == BOLT_TOML_INTEGER) {
            bf_report(c, e->pos, "%s: port %lld is out of range (1 to 65535)", ep,
                      (long long)e->u.integer);
            continue;
        } else if (e->type == BOLT_TOML_TABLE) {
            if (!port_table(c, e, ep, &port))
                continue;
        } else if (e->type != BOLT_TOML_STRING) {
            bf_wrong_type(c, ep, e, "a string like \"8080:80\", an integer or a table");
            continue;
        } else if (!parse_port_string(e->u.str.ptr, &port)) {
            free(port.host_ip);
            bf_report(c, e->pos,
                      "%s: invalid port mapping '%s' (expected "
                      "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], ports 1-65535)",
                      ep, e->u.str.ptr);
            continue;
        }
        svc->ports[svc->n_ports++] = port;
    }
}

/* --- depends_on ------------------------------------------------------------------- */

static bool
known_service(struct bf_ctx *c, const char *self, const char *name, const char *ep,
              struct bolt_toml_pos pos)
{
    const char **names;
    const char *hint;

    (void)self;
    if (bolt_toml_get(c->services, name) != NULL)
        return true;
    names = xcalloc(c->services ? c->services->u.table.n + 1 : 1, sizeof(char *));
    for (size_t i = 0; c->services && i < c->services->u.table.n; i++)
        names[i] = c->services->u.table.items[i].key;
    hint = bf_suggest(name, (const char *const *)names);
    if (hint)
        bf_report(c, pos, "%s: unknown service '%s' (did you mean '%s'?)", ep, name, hint);
    else
        bf_report(c, pos, "%s: unknown service '%s'", ep, name);
    free(names);
    return false;
}

static void
add_dep(struct bolt_bf_service *svc, const char *name, enum bolt_bf_condition cond)
{
    svc->depends_on[svc->n_depends_on].service = xstrdup(name);
    svc->depends_on[svc->n_depends_on].condition = cond;
    svc->n_depends_on++;
}

static void
dep_table_entry(struct bf_ctx *c, const struct bolt_toml_kv *kv, const char *p,
                struct bolt_bf_service *svc)
{
    static const char *const keys[] = {"condition", NULL};
    static const char *const conds[] = {"service_started", "service_healthy",
                                        "service_completed_successfully", NULL};
    cleanup_free char *ep = bf_join(p, kv->key);
    cleanup_free char *cond = NULL;
    bool ok;

    if (kv->value->type != BOLT_TOML_TABLE) {
        bf_wrong_type(c, ep, kv->value, "a table like { condition = \"service_healthy\" }");
        return;
    }
    bf_check_keys(c, kv->value, ep, keys);
    ok = bf_get_enum(c, kv->value, ep, "condition", conds, &cond);
    if (!known_service(c, svc->name, kv->key, ep, kv->key_pos) || !ok)
        return;
    add_dep(svc, kv->key,
            cond == NULL || strcmp(cond, "service_started") == 0 ? BOLT_BF_COND_STARTED
            : strcmp(cond, "service_healthy") == 0               ? BOLT_BF_COND_HEALTHY
                                                                 : BOLT_BF_COND_COMPLETED);
}

static void
parse_depends_on(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "depends_on");
    cleanup_free char *p = bf_join(path, "depends_on");

    if (v == NULL)
        return;
    if (v->type == BOLT_TOML_TABLE) {
        svc->depends_on = xcalloc(v->u.table.n + 1, sizeof(*svc->depends_on));
        for (size_t i = 0; i < v->u.table.n; i++)
            dep_table_entry(c, &v->u.table.items[i], p, svc);
        return;
    }
    if (v->type != BOLT_TOML_ARRAY) {
        bf_wrong_type(c, p, v, "an array of service names or a table of conditions");
        return;
    }
    svc->depends_on = xcalloc(v->u.array.n + 1, sizeof(*svc->depends_on));
    for (size_t i = 0; i < v->u.array.n; i++) {
        const struct bolt_toml_value *e = v->u.array.items[i];
        cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
        bool dup = false;
        if (e->type != BOLT_TOML_STRING) {
            bf_wrong_type(c, ep, e, "a service name");
            continue;
        }
        for (size_t k = 0; k < svc->n_depends_on; k++)
            dup |= strcmp(svc->depends_on[k].service, e->u.str.ptr) == 0;
        if (dup)
            bf_report(c, e->pos, "%s: service '%s' is listed twice", ep, e->u.str.ptr);
        else if (known_service(c, svc->name, e->u.str.ptr, ep, e->pos))
            add_dep(svc, e->u.str.ptr, BOLT_BF_COND_STARTED);
    }
}

/* --- healthcheck, restart ---------------------------------------------------------- */

static void
parse_healthcheck(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                  struct bolt_bf_service *svc)
{
    static const char *const keys[] = {"test",         "interval", "timeout", "retries",
                                       "start_period", "disable",  NULL};
    const struct bolt_toml_value *h = bf_get_table(c, t, path, "healthcheck");
    struct bolt_bf_healthcheck *hc = &svc->healthcheck;
    cleanup_free char *p = bf_join(path, "healthcheck");
    const struct bolt_toml_value *test;
    int64_t retries = 3;

    if (h == NULL)
        return;
    hc->present = true;
    hc->interval_ns = hc->timeout_ns = 30000000000ULL;
    bf_check_keys(c, h, p, keys);
    test = bolt_toml_get(h, "test");
    if (test != NULL && test->type == BOLT_TOML_STRING) {
        bolt_strv_push(&hc->test, "CMD-SHELL");
        bolt_strv_push(&hc->test, test->u.str.ptr);
    } else if (bf_get_strv(c, h, p, "test", false, &hc->test) && hc->test != NULL) {
        const char *first = hc->test[0];
        if (first == NULL
            || (strcmp(first, "CMD") != 0 && strcmp(first, "CMD-SHELL") != 0
                && strcmp(first, "NONE") != 0))
            bf_report(c, test->pos,
                      "%s.test: the first element must be \"CMD\", \"CMD-SHELL\" "
                      "or \"NONE\" (or write the command as one string)",
                      p);
        else if (strcmp(first, "NONE") == 0)
            hc->disabled = true;
        else if (hc->test[1] == NULL)
            bf_report(c, test->pos, "%s.test: \"%s\" needs a command after it", p, first);
    }
    bf_get_bool(c, h, p, "disable", &hc->disabled);
    bf_get_duration(c, h, p, "interval", &hc->interval_ns);
    bf_get_duration(c, h, p, "timeout", &hc->timeout_ns);
    bf_get_duration(c, h, p, "start_period", &hc->start_period_ns);
    bf_get_int(c, h, p, "retries", 0, 1000000, &retries);
    hc->retries = (int)retries;
    if (hc->test == NULL && !hc->disabled) {
        bf_report(c, h->pos,
                  "%s: missing required key 'test' (e.g. test = \"curl -f "
                  "http://localhost/\")",
                  p);
    }
}

static void
parse_restart(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
              struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "restart");
    cleanup_free char *p = bf_join(path, "restart");
    const char *s;
    char *end;

    if (v == NULL)
        return;
    if (v->type != BOLT_TOML_STRING) {
        bf_wrong_type(c, p, v, "a string");
        return;
    }
    s = v->u.str.ptr;
    if (strcmp(s, "no") == 0)
        svc->restart = BOLT_BF_RESTART_NO;
    else if (strcmp(s, "always") == 0)
        svc->restart = BOLT_BF_RESTART_ALWAYS;
    else if (strcmp(s, "unless-stopped") == 0)
        svc->restart = BOLT_BF_RESTART_UNLESS_STOPPED;
    else if (strcmp(s, "on-failure") == 0)
        svc->restart = BOLT_BF_RESTART_ON_FAILURE;
    else if (strncmp(s, "on-failure:", 11) == 0 && isdigit((unsigned char)s[11])
             && strtol(s + 11, &end, 10) <= 1000000 && *end == '\0') {
        svc->restart = BOLT_BF_RESTART_ON_FAILURE;
        svc->restart_max_retries = (int)strtol(s + 11, NULL, 10);
    } else
        bf_report(c, v->pos,
                  "%s: invalid value '%s' (allowed: no, always, on-failure, "
                  "on-failure:N, unless-stopped)",
                  p, s);
}

/* --- resources, security, identity ------------------------------------------------- */

static void
parse_cpus(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
           struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "cpus");
    cleanup_free char *p = bf_join(path, "cpus");
    double n = 0;
    char *end = NULL;

    if (v == NULL)
        return;
    if (v->type == BOLT_TOML_INTEGER)
        n = (double)v->u.integer;
    else if (v->type == BOLT_TOML_FLOAT)
        n = v->u.flt;
    else if (v->type == BOLT_TOML_STRING && (n = strtod(v->u.str.ptr, &end), *end == '\0')
             && end != v->u.str.ptr)
        ;
    else {
        if (v->type == BOLT_TOML_STRING)
            bf_report(c, v->pos, "%s: invalid number of CPUs '%s' (expected e.g. 1.5)", p,
                      v->u.str.ptr);
        else
            bf_wrong_type(c, p, v, "a number of CPUs like 1.5");
        return;
    }
    if (!(n > 0 && n <= 4096))
        bf_report(c, v->pos, "%s: number of CPUs must be greater than 0 (and at most 4096)", p);
    else
        svc->cpus = n;
}

static bool
valid_cpuset(const char *s)
{
    /* "0-3,5,7-8": comma-separated CPU numbers or ranges. */
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || !isdigit((unsigned char)*s))
            return false;
        s = end;
        if (*s == '-') {
            if (!isdigit((unsigned char)s[1]))
                return false;
            b = strtol(s + 1, &end, 10);
            s = end;
        }
        if (b < a || b > 65535)
            return false;
        if (*s == ',' && s[1] != '\0')
            s++;
        else if (*s != '\0')
            return false;
    }
    return true;
}

static const char *const cap_names[] = {
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "SYSLOG",
    "WAKE_ALARM",
    "ALL",
    NULL,
};

static void
parse_caps(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
           char ***out)
{
    cleanup_strv char **raw = NULL;
    cleanup_free char *p = bf_join(path, key);
    const struct bolt_toml_value *v = bolt_toml_get(t, key);

    if (!bf_get_strv(c, t, path, key, false, &raw) || raw == NULL)
        return;
    *out = xzalloc(sizeof(char *));
    for (size_t i = 0; raw[i]; i++) {
        cleanup_free char *up = xstrdup(raw[i]);
        const char *name = up, *hint;
        const char *const *k;
        for (char *q = up; *q; q++)
            *q = (char)toupper((unsigned char)*q);
        if (strncmp(name, "CAP_", 4) == 0)
            name += 4;
        for (k = cap_names; *k && strcmp(*k, name) != 0; k++)
            ;
        if (*k) {
            cleanup_free char *full =
                strcmp(name, "ALL") == 0 ? xstrdup("ALL") : xasprintf("CAP_%s", name);
            bolt_strv_push(out, full);
            continue;
        }
        hint = bf_suggest(name, cap_names);
        struct bolt_toml_pos pos = v->type == BOLT_TOML_ARRAY ? v->u.array.items[i]->pos : v->pos;
        if (hint)
            bf_report(c, pos, "%s[%zu]: unknown capability '%s' (did you mean '%s'?)", p, i, raw[i],
                      hint);
        else
            bf_report(c, pos, "%s[%zu]: unknown capability '%s'", p, i, raw[i]);
    }
}

static void
parse_devices(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
              struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "devices");
    cleanup_free char *p = bf_join(path, "devices");

    if (!bf_get_strv(c, t, path, "devices", false, &svc->devices) || svc->devices == NULL)
        return;
    for (size_t i = 0; svc->devices[i]; i++) {
        const char *d = svc->devices[i], *colon = strchr(d, ':');
        const char *perms = colon ? strchr(colon + 1, ':') : NULL;
        struct bolt_toml_pos pos = v->type == BOLT_TOML_ARRAY ? v->u.array.items[i]->pos : v->pos;
        bool ok = d[0] == '/' && (colon == NULL || colon[1] == '/' || perms == NULL);
        if (ok && colon && !perms && colon[1] != '/')
            perms = colon;
        if (ok && perms && (perms[1] == '\0' || strspn(perms + 1, "rwm") != strlen(perms + 1)))
            ok = false;
        if (!ok)
            bf_report(c, pos,
                      "%s[%zu]: invalid device '%s' (expected "
                      "/dev/HOST[:/dev/CONTAINER][:rwm])",
                      p, i, d);
    }
}

static bool
host_addr_ok(const char *a)
{
    return strcmp(a, "host-gateway") == 0 || bolt_ip_addr_valid(a);
}

/* extra_hosts: compose's list of "name:ip" (or "name=ip"), or a table name = "ip". */
static void
parse_extra_hosts(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                  struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "extra_hosts");
    cleanup_free char *p = bf_join(path, "extra_hosts");
    static const char expect[] = "expected \"name:ip\" such as \"db:10.0.0.5\" or "
                                 "\"gw:host-gateway\"";

    if (v == NULL)
        return;
    if (v->type == BOLT_TOML_TABLE) {
        for (size_t i = 0; i < v->u.table.n; i++) {
            const char *name = v->u.table.items[i].key;
            const struct bolt_toml_value *e = v->u.table.items[i].value;
            cleanup_free char *ep = bf_join(p, name);
            cleanup_free char *entry = NULL;
            if (e->type != BOLT_TOML_STRING) {
                bf_wrong_type(c, ep, e, "a string address");
                continue;
            }
            if (!bolt_hostname_valid(name, strlen(name))) {
                bf_report(c, v->u.table.items[i].key_pos,
                          "%s: invalid host name '%s' (letters, digits, '-', '_' and '.')", ep,
                          name);
                continue;
            }
            if (!host_addr_ok(e->u.str.ptr)) {
                bf_report(c, e->pos,
                          "%s: invalid address '%s' (expected an IPv4 or IPv6 address, or "
                          "\"host-gateway\")",
                          ep, e->u.str.ptr);
                continue;
            }
            entry = xasprintf("%s:%s", name, e->u.str.ptr);
            bolt_strv_push(&svc->extra_hosts, entry);
        }
        return;
    }
    if (!bf_get_strv(c, t, path, "extra_hosts", false, &svc->extra_hosts) || !svc->extra_hosts)
        return;
    for (size_t i = 0; svc->extra_hosts[i]; i++) {
        const char *h = svc->extra_hosts[i], *sep = strpbrk(h, ":=");
        struct bolt_toml_pos pos = v->type == BOLT_TOML_ARRAY ? v->u.array.items[i]->pos : v->pos;
        if (!sep || !bolt_hostname_valid(h, (size_t)(sep - h)) || !host_addr_ok(sep + 1))
            bf_report(c, pos, "%s[%zu]: invalid host entry '%s' (%s)", p, i, h, expect);
    }
}

static void
parse_stop_signal(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                  struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "stop_signal");
    cleanup_free char *p = bf_join(path, "stop_signal");
    cleanup_free char *up = NULL;
    const char *name;

    if (v == NULL)
        return;
    if (v->type == BOLT_TOML_INTEGER && v->u.integer >= 1 && v->u.integer < NSIG) {
        svc->stop_signal = xasprintf("%lld", (long long)v->u.integer);
        return;
    }
    if (v->type != BOLT_TOML_STRING) {
        bf_wrong_type(c, p, v, "a signal name like \"SIGTERM\"");
        return;
    }
    up = xstrdup(v->u.str.ptr);
    for (char *q = up; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    name = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
    for (int s = 1; s < NSIG; s++) {
        const char *abbrev = sigabbrev_np(s);
        if (abbrev != NULL && strcmp(abbrev, name) == 0) {
            svc->stop_signal = xasprintf("SIG%s", name);
            return;
        }
    }
    bf_report(c, v->pos, "%s: unknown signal '%s' (expected e.g. SIGTERM, SIGINT, SIGQUIT)", p,
              v->u.str.ptr);
}

static bool
valid_hostname(const char *h)
{
    size_t label = 0, total = strlen(h);

    if (total == 0 || total > 253)
        return false;
    for (const char *s = h; *s; s++) {
        if (*s == '.') {
            if (label == 0 || s[-1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)*s) && (*s != '-' || label == 0))
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && h[total - 1] != '-';
}

static void
parse_network_mode(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                   struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "network_mode");
    cleanup_free char *p = bf_join(path, "network_mode");
    const char *s;

    if (v == NULL)
        return;
    if (v->type != BOLT_TOML_STRING) {
        bf_wrong_type(c, p, v, "a string");
        return;
    }
    s = v->u.str.ptr;
    if (strcmp(s, "none") == 0 || strcmp(s, "host") == 0 || strcmp(s, "bridge") == 0
        || (strncmp(s, "container:", 10) == 0 && s[10] != '\0')) {
        svc->network_mode = xstrdup(s);
    } else if (strncmp(s, "service:", 8) == 0 && s[8] != '\0') {
        if (strcmp(s + 8, svc->name) == 0)
            bf_report(c, v->pos, "%s: service '%s' cannot share its own network", p, svc->name);
        else if (known_service(c, svc->name, s + 8, p, v->pos))
            svc->network_mode = xstrdup(s);
    } else {
        bf_report(c, v->pos,
                  "%s: invalid value '%s' (allowed: none, host, bridge, "
                  "service:NAME, container:NAME)",
                  p, s);
    }
}

static void
parse_identity(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
               struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v;
    cleanup_free char *p = NULL;

    v = bolt_toml_get(t, "user");
    if (v != NULL && v->type == BOLT_TOML_INTEGER && v->u.integer >= 0
        && v->u.integer <= 4294967294LL)
        svc->user = xasprintf("%lld", (long long)v->u.integer);
    else if (v != NULL && v->type != BOLT_TOML_STRING) {
        p = bf_join(path, "user");
        bf_wrong_type(c, p, v, "a user name or id (\"1000\" or \"1000:1000\")");
    } else
        bf_get_str(c, t, path, "user", &svc->user);
    if (bf_get_str(c, t, path, "working_dir", &svc->working_dir) && svc->working_dir
        && svc->working_dir[0] != '/') {
        free(p);
        p = bf_join(path, "working_dir");
        bf_report(c, bolt_toml_get(t, "working_dir")->pos, "%s: '%s' must be an absolute path", p,
                  svc->working_dir);
    }
    if (bf_get_str(c, t, path, "hostname", &svc->hostname) && svc->hostname
        && !valid_hostname(svc->hostname)) {
        free(p);
        p = bf_join(path, "hostname");
        bf_report(c, bolt_toml_get(t, "hostname")->pos,
                  "%s: invalid hostname '%s' (letters, digits and '-', dot-separated labels of at "
                  "most 63 characters)",
                  p, svc->hostname);
    }
}

static void
parse_resources(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                struct bolt_bf_service *svc)
{
    cleanup_free char *p = bf_join(path, "cpuset");

    bf_get_size(c, t, path, "memory", &svc->memory);
    parse_cpus(c, t, path, svc);
    if (bf_get_str(c, t, path, "cpuset", &svc->cpuset) && svc->cpuset && !valid_cpuset(svc->cpuset))
        bf_report(c, bolt_toml_get(t, "cpuset")->pos,
                  "%s: invalid CPU list '%s' (expected e.g. \"0-3\" or \"0,2,4\")", p, svc->cpuset);
    bf_get_int(c, t, path, "pids_limit", -1, INT64_MAX, &svc->pids_limit);
    if (svc->pids_limit < 0)
        svc->pids_limit = 0;
}

void
bf_parse_service(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *image = bolt_toml_get(t, "image");

    bf_check_keys(c, t, path, service_keys);
    if (image == NULL)
        bf_report(c, t->pos, "%s: missing required key 'image'", path);
    else if (bf_get_str(c, t, path, "image", &svc->image) && svc->image[0] == '\0')
        bf_report(c, image->pos, "%s.image: must not be empty", path);
    bf_get_strv(c, t, path, "command", true, &svc->command);
    bf_get_strv(c, t, path, "entrypoint", true, &svc->entrypoint);
    bf_get_mapping(c, t, path, "environment", &svc->environment);
    bf_parse_env_files(c, t, path, svc);
    bf_parse_volumes(c, t, path, svc);
    parse_ports(c, t, path, svc);
    parse_depends_on(c, t, path, svc);
    parse_restart(c, t, path, svc);
    parse_healthcheck(c, t, path, svc);
    parse_identity(c, t, path, svc);
    bf_get_mapping(c, t, path, "labels", &svc->labels);
    parse_resources(c, t, path, svc);
    parse_devices(c, t, path, svc);
    parse_caps(c, t, path, "cap_add", &svc->cap_add);
    parse_caps(c, t, path, "cap_drop", &svc->cap_drop);
    bf_get_bool(c, t, path, "privileged", &svc->privileged);
    bf_get_bool(c, t, path, "read_only", &svc->read_only);
    parse_network_mode(c, t, path, svc);
    parse_extra_hosts(c, t, path, svc);
    parse_stop_signal(c, t, path, svc);
    bf_get_duration(c, t, path, "stop_grace_period", &svc->stop_grace_period_ns);
    bf_parse_gaming(c, t, path, svc);
}

void
bf_service_fini(struct bolt_bf_service *svc)
{
    struct bolt_bf_gpu *g = &svc->gpu;

    free(svc->name);
    free(svc->image);
    bolt_strv_free(svc->command);
    bolt_strv_free(svc->entrypoint);
    bolt_strv_free(svc->environment);
    bolt_strv_free(svc->env_file);
    for (size_t i = 0; i < svc->n_volumes; i++) {
        free(svc->volumes[i].source);
        free(svc->volumes[i].target);
    }
    free(svc->volumes);
    for (size_t i = 0; i < svc->n_ports; i++)
        free(svc->ports[i].host_ip);
    free(svc->ports);
    for (size_t i = 0; i < svc->n_depends_on; i++)
        free(svc->depends_on[i].service);
    free(svc->depends_on);
    bolt_strv_free(svc->healthcheck.test);
    free(svc->user);
    free(svc->working_dir);
    free(svc->hostname);
    bolt_strv_free(svc->labels);
    free(svc->cpuset);
    bolt_strv_free(svc->devices);
    bolt_strv_free(svc->cap_add);
    bolt_strv_free(svc->cap_drop);
    free(svc->network_mode);
    bolt_strv_free(svc->extra_hosts);
    free(svc->stop_signal);
    free(g->runtime);
    free(g->isolation_level);
    free(g->driver);
    bolt_strv_free(g->devices);
    free(g->performance_mode);
    free(g->nvidia_driver_type);
    free(g->cuda_version);
    free(g->driver_version);
    free(g->amd_driver_type);
    free(g->rocm_version);
    free(g->profile);
    free(g->vsync_mode);
    free(svc->audio.system);
    free(svc->audio.latency);
}
