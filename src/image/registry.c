/* SPDX-License-Identifier: Apache-2.0 */
#include "image/registry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "image/auth.h"
#include "image/ref.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_ATTEMPTS  4
#define MAX_PARALLEL  4
#define MAX_MANIFEST  (8 << 20)
#define BACKOFF_MS    250

enum auth_scheme { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct bolt_registry {
    char *domain, *base;
    char *user, *pass;
    enum auth_scheme scheme;
    char *realm, *service;
    char *token, *token_scope;
    bool verify;
};

struct resp {
    long code;
    char *body;
    size_t len, cap;
    size_t max;
    char *ctype, *www_auth;
    char errbuf[CURL_ERROR_SIZE];
};

static void
resp_fini(struct resp *r)
{
    free(r->body);
    free(r->ctype);
    free(r->www_auth);
    memset(r, 0, sizeof(*r));
}

bool
bolt_registry_is_loopback(const char *domain)
{
    size_t n = strcspn(domain, ":");

    if (domain[0] == '[')
        return strncmp(domain, "[::1]", 5) == 0;
    return (n == 9 && strncmp(domain, "localhost", 9) == 0) || strncmp(domain, "127.", 4) == 0;
}

static bool
listed_insecure(const char *domain)
{
    const char *l = getenv("BOLT_INSECURE_REGISTRIES");
    size_t n = strlen(domain);

    while (l && *l) {
        size_t k = strcspn(l, ", ");
        if (k == n && strncmp(l, domain, n) == 0)
            return true;
        l += k;
        l += strspn(l, ", ");
    }
    return false;
}

struct bolt_registry *
bolt_registry_new(const char *domain, const struct bolt_registry_opts *o, struct bolt_err *err)
{
    static bool inited;
    struct bolt_registry *r;
    bool plain = o->insecure || bolt_registry_is_loopback(domain) || listed_insecure(domain);

    if (!inited) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        inited = true;
    }
    r = xzalloc(sizeof(*r));
    r->domain = xstrdup(domain);
    r->base = xasprintf("%s://%s", plain ? "http" : "https", bolt_ref_api_host(domain));
    r->verify = !o->insecure;
    if (o->user) {
        r->user = xstrdup(o->user);
        r->pass = xstrdup(o->pass ? o->pass : "");
    } else if (bolt_auth_lookup(o->authfile, domain, &r->user, &r->pass, err) < 0) {
        bolt_registry_free(r);
        return NULL;
    }
    return r;
}

void
bolt_registry_free(struct bolt_registry *r)
{
    if (r == NULL)
        return;
    free(r->domain);
    free(r->base);
    free(r->user);
    free(r->pass);
    free(r->realm);
    free(r->service);
    free(r->token);
    free(r->token_scope);
    free(r);
}

static size_t
body_cb(char *data, size_t sz, size_t nm, void *ud)
{
    struct resp *r = ud;
    size_t n = sz * nm;

    if (r->len + n + 1 > r->max)
        return 0;
    if (r->len + n + 1 > r->cap) {
        r->cap = (r->len + n + 1) * 2;
        r->body = xrealloc(r->body, r->cap);
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

static char *
header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    const char *v;

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    v = line + k + 1;
    while (v < line + n && (*v == ' ' || *v == '\t'))
        v++;
    n -= (size_t)(v - line);
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    return xstrndup(v, n);
}

static size_t
header_cb(char *data, size_t sz, size_t nm, void *ud)
{
    struct resp *r = ud;
    size_t n = sz * nm;
    char *v;

    if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
        free(r->ctype);
        free(r->www_auth);
        r->ctype = r->www_auth = NULL;
    } else if ((v = header_value(data, n, "Content-Type"))) {
        free(r->ctype);
        r->ctype = v;
    } else if ((v = header_value(data, n, "WWW-Authenticate"))) {
        free(r->www_auth);
        r->www_auth = v;
    }
    return n;
}

static struct curl_slist *
auth_headers(struct bolt_registry *r, CURL *h, struct curl_slist *hdrs)
{
    if (r->scheme == AUTH_BEARER && r->token) {
        cleanup_free char *a = xasprintf("Authorization: Bearer %s", r->token);
        hdrs = curl_slist_append(hdrs, a);
    } else if (r->scheme == AUTH_BASIC && r->user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, r->pass);
    }
    return hdrs;
}

static void
common_opts(struct bolt_registry *r, CURL *h, const char *url, char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "bolt/0.1");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, r->verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, r->verify ? 2L : 0L);
}

static bool
retryable(CURLcode c, long code)
{
    if (c == CURLE_OK)
        return code >= 500 || code == 429;
    return c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING
           || c == CURLE_PARTIAL_FILE || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_HTTP2
           || c == CURLE_HTTP2_STREAM;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int
net_error(struct bolt_registry *r, CURLcode c, const char *errbuf, struct bolt_err *err)
{
    const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(c);

    if (c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST)
        return bolt_err_set(err, 0, "registry %s is not reachable (%s): is it running, and is "
                                    "the name right?", r->domain, detail);
    if (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CONNECT_ERROR)
        return bolt_err_set(err, 0, "registry %s: TLS failed (%s); for a registry without "
                                    "valid TLS use --tls-verify=false", r->domain, detail);
    return bolt_err_set(err, 0, "registry %s: %s", r->domain, detail);
}

/* GET url with retries. auth adds the credentials/token. accept may be NULL. */
static int
http_get(struct bolt_registry *r, const char *url, bool auth, const char *accept,
         struct resp *out, struct bolt_err *err)
{
    for (int attempt = 1;; attempt++) {
        CURL *h = curl_easy_init();
        struct curl_slist *hdrs = NULL;
        CURLcode c;

        resp_fini(out);
        out->max = MAX_MANIFEST;
        common_opts(r, h, url, out->errbuf);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
        if (accept) {
            cleanup_free char *a = xasprintf("Accept: %s", accept);
            hdrs = curl_slist_append(hdrs, a);
        }
        if (auth)
            hdrs = auth_headers(r, h, hdrs);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        c = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->code);
        curl_easy_cleanup(h);
        curl_slist_free_all(hdrs);
        if (retryable(c, out->code) && attempt < MAX_ATTEMPTS) {
            log_warn("GET %s: %s; retrying (%d/%d)", url,
                     c ? curl_easy_strerror(c) : "server error", attempt, MAX_ATTEMPTS - 1);
            sleep_ms(BACKOFF_MS << (attempt - 1));
            continue;
        }
        if (c != CURLE_OK)
            return net_error(r, c, out->errbuf, err);
        return 0;
    }
}

/* Parse key="value" pairs of a challenge into realm/service. */
static void
parse_challenge(struct bolt_registry *r, const char *h)
{
    const char *p = strchr(h, ' ');

    while (p && *p) {
        const char *eq, *vs, *ve;
        size_t kl;
        p += strspn(p, " ,");
        eq = strchr(p, '=');
        if (eq == NULL)
            break;
        kl = (size_t)(eq - p);
        vs = eq + 1;
        if (*vs == '"') {
            vs++;
            ve = strchr(vs, '"');
            if (ve == NULL)
                break;
        } else {
            ve = vs + strcspn(vs, ",");
        }
        if (kl == 5 && strncasecmp(p, "realm", 5) == 0) {
            free(r->realm);
            r->realm = xstrndup(vs, (size_t)(ve - vs));
        } else if (kl == 7 && strncasecmp(p, "service", 7) == 0) {
            free(r->service);
            r->service = xstrndup(vs, (size_t)(ve - vs));
        }
        p = *ve == '"' ? ve + 1 : ve;
    }
}

static int
unauthorized(struct bolt_registry *r, const char *what, struct bolt_err *err)
{
    if (r->user)
        return bolt_err_set(err, 0, "registry %s refused the credentials of user '%s' for %s "
                                    "(401 unauthorized): log in again with 'bolt login %s'",
                            r->domain, r->user, what, r->domain);
    return bolt_err_set(err, 0, "registry %s requires authentication for %s (401 "
                                "unauthorized): log in with 'bolt login %s'",
                        r->domain, what, r->domain);
}

static char *
url_escape(const char *s)
{
    CURL *h = curl_easy_init();
    char *e = curl_easy_escape(h, s, 0);
    char *out = xstrdup(e);
    curl_free(e);
    curl_easy_cleanup(h);
    return out;
}

/* Get a bearer token for scope (NULL: none) from the realm, with credentials if any. */
static int
fetch_token(struct bolt_registry *r, const char *scope, struct bolt_err *err)
{
    cleanup_free char *svc = r->service ? url_escape(r->service) : NULL;
    cleanup_free char *sc = scope ? url_escape(scope) : NULL;
    cleanup_free char *url = NULL;
    struct resp res = {0};
    enum auth_scheme saved = r->scheme;
    json_t *j;
    const char *tok;
    int rc = -1;

    if (r->token_scope && scope && strcmp(r->token_scope, scope) == 0 && r->token)
        return 0;
    url = xasprintf("%s%sservice=%s%s%s", r->realm, strchr(r->realm, '?') ? "&" : "?",
                    svc ? svc : "", sc ? "&scope=" : "", sc ? sc : "");
    r->scheme = AUTH_BASIC; /* the token endpoint takes Basic credentials, if we have them */
    rc = http_get(r, url, r->user != NULL, NULL, &res, err);
    r->scheme = saved;
    if (rc < 0)
        goto out;
    rc = -1;
    if (res.code == 401 || res.code == 403) {
        unauthorized(r, "a token", err);
        goto out;
    }
    if (res.code != 200) {
        bolt_err_set(err, 0, "registry %s: token endpoint '%s' answered HTTP %ld", r->domain,
                     r->realm, res.code);
        goto out;
    }
    j = bolt_json_loadb(res.body ? res.body : "", res.len, "token response", err);
    if (j == NULL)
        goto out;
    tok = json_string_value(json_object_get(j, "token"));
    if (tok == NULL)
        tok = json_string_value(json_object_get(j, "access_token"));
    if (tok == NULL) {
        bolt_err_set(err, 0, "registry %s: token response has no \"token\"", r->domain);
    } else {
        free(r->token);
        free(r->token_scope);
        r->token = xstrdup(tok);
        r->token_scope = scope ? xstrdup(scope) : NULL;
        rc = 0;
    }
    json_decref(j);
out:
    resp_fini(&res);
    return rc;
}

int
bolt_registry_ping(struct bolt_registry *r, struct bolt_err *err)
{
    cleanup_free char *url = xasprintf("%s/v2/", r->base);
    struct resp res = {0};
    int rc = -1;

    if (http_get(r, url, false, NULL, &res, err) < 0)
        goto out;
    if (res.code == 401 && res.www_auth) {
        if (strncasecmp(res.www_auth, "Bearer", 6) == 0) {
            r->scheme = AUTH_BEARER;
            parse_challenge(r, res.www_auth);
            if (r->realm == NULL) {
                bolt_err_set(err, 0, "registry %s: Bearer challenge without realm", r->domain);
                goto out;
            }
            rc = r->user ? fetch_token(r, NULL, err) : 0;
            goto out;
        }
        r->scheme = AUTH_BASIC;
        if (r->user == NULL) {
            unauthorized(r, "/v2/", err);
            goto out;
        }
        if (http_get(r, url, true, NULL, &res, err) < 0)
            goto out;
    }
    if (res.code == 401) {
        unauthorized(r, "/v2/", err);
        goto out;
    }
    if (res.code != 200) {
        bolt_err_set(err, 0, "registry %s: GET /v2/ answered HTTP %ld (is this a registry?)",
                     r->domain, res.code);
        goto out;
    }
    rc = 0;
out:
    resp_fini(&res);
    return rc;
}

static int
authorize_repo(struct bolt_registry *r, const char *repo, struct bolt_err *err)
{
    cleanup_free char *scope = NULL;

    if (r->scheme != AUTH_BEARER)
        return 0;
    scope = xasprintf("repository:%s:pull", repo);
    return fetch_token(r, scope, err);
}

static const char *const accept_manifests =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

int
bolt_registry_get_manifest(struct bolt_registry *r, const char *repo, const char *reference,
                           char **body, size_t *len, char **ctype, char digest[BOLT_DIGEST_LEN],
                           struct bolt_err *err)
{
    cleanup_free char *url = xasprintf("%s/v2/%s/manifests/%s", r->base, repo, reference);
    struct resp res = {0};
    int rc = -1;

    if (authorize_repo(r, repo, err) < 0)
        return -1;
    if (http_get(r, url, true, accept_manifests, &res, err) < 0)
        goto out;
    if (res.code == 401 || res.code == 403) {
        cleanup_free char *what = xasprintf("%s/%s:%s", r->domain, repo, reference);
        unauthorized(r, what, err);
        goto out;
    }
    if (res.code == 404) {
        bolt_err_set(err, 0, "image '%s/%s%s%s' not found on registry %s (manifest unknown: "
                             "check the name and tag)", r->domain, repo,
                     bolt_digest_is_valid(reference) ? "@" : ":", reference, r->domain);
        goto out;
    }
    if (res.code != 200) {
        bolt_err_set(err, 0, "registry %s: GET manifest %s:%s answered HTTP %ld", r->domain, repo,
                     reference, res.code);
        goto out;
    }
    bolt_sha256_buf(res.body ? res.body : "", res.len, digest);
    if (bolt_digest_is_valid(reference) && strcmp(reference, digest) != 0) {
        bolt_err_set(err, 0, "registry %s: manifest %s has digest %s (digest mismatch: the "
                             "registry served wrong content)", r->domain, reference, digest);
        goto out;
    }
    *body = res.body ? steal_ptr(&res.body) : xstrdup("");
    *len = res.len;
    *ctype = res.ctype ? steal_ptr(&res.ctype) : NULL;
    rc = 0;
out:
    resp_fini(&res);
    return rc;
}

/* One blob transfer of the multi loop. */
struct xfer {
    struct bolt_registry *r;
    struct bolt_blob_fetch *f;
    struct bolt_progress *prog;
    CURL *h;
    struct curl_slist *hdrs;
    int fd;
    struct bolt_sha256 hash;
    uint64_t got;
    long code;
    int attempts;
    double retry_at;
    bool active, done;
    int write_errno;
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
};

static size_t
blob_write_cb(char *data, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t n = sz * nm, off = 0;

    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->code);
    if (x->code >= 300)
        return n; /* an error body: ignored, the status is reported */
    if (x->f->size >= 0 && x->got + n > (uint64_t)x->f->size) {
        x->too_big = true;
        return 0;
    }
    while (off < n) {
        ssize_t w = write(x->fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            x->write_errno = errno;
            return 0;
        }
        off += (size_t)w;
    }
    bolt_sha256_update(&x->hash, data, n);
    x->got += n;
    if (x->prog)
        bolt_progress_bytes(x->prog, x->f->progress_idx, x->got);
    return n;
}

static int
xfer_start(struct xfer *x, CURLM *m, const char *repo, struct bolt_err *err)
{
    cleanup_free char *url = xasprintf("%s/v2/%s/blobs/%s", x->r->base, repo, x->f->digest);

    if (x->fd >= 0)
        close(x->fd);
    x->fd = open(x->f->dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (x->fd < 0)
        return bolt_err_set(err, errno, "create '%s'", x->f->dest);
    bolt_sha256_fini(&x->hash);
    bolt_sha256_init(&x->hash);
    x->got = 0;
    x->code = 0;
    x->too_big = false;
    x->write_errno = 0;
    x->errbuf[0] = '\0';
    x->h = curl_easy_init();
    common_opts(x->r, x->h, url, x->errbuf);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, blob_write_cb);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->h, CURLOPT_BUFFERSIZE, 512L * 1024);
    x->hdrs = auth_headers(x->r, x->h, NULL);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
    x->attempts++;
    x->active = true;
    if (x->prog)
        bolt_progress_status(x->prog, x->f->progress_idx, "downloading");
    curl_multi_add_handle(m, x->h);
    return 0;
}

static void
xfer_stop(struct xfer *x, CURLM *m)
{
    if (x->h) {
        curl_multi_remove_handle(m, x->h);
        curl_easy_cleanup(x->h);
        x->h = NULL;
    }
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    x->active = false;
}

/* A finished transfer: verify, or schedule a retry, or fail. Returns 0 or -1. */
static int
xfer_finish(struct xfer *x, CURLcode c, bolt_blob_done_fn done, void *ctx, struct bolt_err *err)
{
    const char *dg = x->f->digest;
    char got[BOLT_DIGEST_LEN];

    if (x->write_errno)
        return bolt_err_set(err, x->write_errno, "layer %.19s: write '%s' (free space under "
                                                 "the bolt root and pull again)", dg, x->f->dest);
    if (x->too_big)
        return bolt_err_set(err, 0, "blob %.19s: the registry sent more than the %lld bytes "
                                    "the manifest declares (refused)", dg, (long long)x->f->size);
    if (retryable(c, x->code) && x->attempts < MAX_ATTEMPTS) {
        log_warn("blob %.19s: %s; retrying (%d/%d)", dg,
                 c ? curl_easy_strerror(c) : "server error", x->attempts, MAX_ATTEMPTS - 1);
        x->retry_at = bolt_progress_now() + (double)(BACKOFF_MS << (x->attempts - 1)) / 1000;
        return 0;
    }
    if (c != CURLE_OK) {
        net_error(x->r, c, x->errbuf, err);
        return bolt_err_wrap(err, "blob %.19s", dg);
    }
    if (x->code == 401 && x->r->scheme == AUTH_BEARER && x->r->token_scope
        && x->attempts < MAX_ATTEMPTS) {
        /* the token expired during a long pull: get a new one and try again */
        cleanup_free char *scope = steal_ptr(&x->r->token_scope);
        log_info("blob %.19s: token expired, asking for a new one", dg);
        if (fetch_token(x->r, scope, err) < 0)
            return -1;
        return 0;
    }
    if (x->code == 401 || x->code == 403)
        return unauthorized(x->r, dg, err);
    if (x->code != 200)
        return bolt_err_set(err, 0, "registry %s: GET blob %.19s answered HTTP %ld", x->r->domain,
                            dg, x->code);
    bolt_sha256_final(&x->hash, got);
    if (strcmp(got, dg) != 0 || (x->f->size >= 0 && x->got != (uint64_t)x->f->size))
        return bolt_err_set(err, 0, "blob %s: digest mismatch: downloaded %llu bytes with digest "
                                    "%s (the registry served corrupt data; nothing was stored)",
                            dg, (unsigned long long)x->got, got);
    close(x->fd);
    x->fd = -1;
    x->done = true;
    if (x->prog)
        bolt_progress_status(x->prog, x->f->progress_idx, "verified");
    return done ? done(x->f, ctx, err) : 0;
}

static struct xfer *
next_ready(struct xfer *xs, size_t n, double now, double *wait)
{
    for (size_t i = 0; i < n; i++) {
        if (xs[i].done || xs[i].active)
            continue;
        if (xs[i].retry_at <= now)
            return &xs[i];
        if (xs[i].retry_at - now < *wait)
            *wait = xs[i].retry_at - now;
    }
    return NULL;
}

static int
run_multi(CURLM *m, struct xfer *xs, size_t n, const char *repo, bolt_blob_done_fn done,
          void *ctx, struct bolt_err *err)
{
    size_t finished = 0, active = 0;

    while (finished < n) {
        double wait = 1.0, now = bolt_progress_now();
        struct xfer *x;
        CURLMsg *msg;
        int running = 0, left = 0;

        while (active < MAX_PARALLEL && (x = next_ready(xs, n, now, &wait)) != NULL) {
            if (xfer_start(x, m, repo, err) < 0)
                return -1;
            active++;
        }
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            CURLcode c;
            if (msg->msg != CURLMSG_DONE)
                continue;
            c = msg->data.result;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->code);
            xfer_stop(x, m);
            active--;
            if (xfer_finish(x, c, done, ctx, err) < 0)
                return -1;
            if (x->done)
                finished++;
        }
        if (finished < n)
            curl_multi_poll(m, NULL, 0, active ? 100 : (int)(wait * 1000) + 1, NULL);
    }
    return 0;
}

int
bolt_registry_fetch_blobs(struct bolt_registry *r, const char *repo, struct bolt_blob_fetch *blobs,
                          size_t n, struct bolt_progress *prog, bolt_blob_done_fn done, void *ctx,
                          struct bolt_err *err)
{
    struct xfer *xs;
    CURLM *m;
    int rc;

    if (n == 0)
        return 0;
    if (authorize_repo(r, repo, err) < 0)
        return -1;
    xs = xcalloc(n, sizeof(*xs));
    for (size_t i = 0; i < n; i++) {
        xs[i].r = r;
        xs[i].f = &blobs[i];
        xs[i].prog = prog;
        xs[i].fd = -1;
    }
    m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MAX_PARALLEL);
    rc = run_multi(m, xs, n, repo, done, ctx, err);
    for (size_t i = 0; i < n; i++) {
        xfer_stop(&xs[i], m);
        bolt_sha256_fini(&xs[i].hash);
        if (xs[i].fd >= 0)
            close(xs[i].fd);
    }
    curl_multi_cleanup(m);
    free(xs);
    return rc;
}
