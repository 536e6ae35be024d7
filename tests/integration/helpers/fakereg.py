#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A loopback HTTP front for a real registry (docker-registry), used by bolt's image tests to
exercise what a plain local registry does not: bearer-token auth, server errors, connection
resets, redirects to "blob storage", corrupt and truncated blobs, slow links.

  fakereg.py --port-file F --upstream http://127.0.0.1:5000 [options]
    --token USER:PASS   require Bearer tokens, issued at /token; the token endpoint accepts
                        these Basic credentials (and anonymous requests with --anonymous)
    --anonymous         anonymous tokens are valid too
    --token-uses N      a token expires after N requests (tests token renewal)
    --flaky N           the first N GETs of every blob fail (500, then connection reset, ...)
    --redirect          blob GETs answer 307 to /_storage/... (served without auth)
    --corrupt           flip one byte in every blob body (digest mismatch)
    --truncate          close every blob response half way (truncated download)
    --rate BYTES        throttle blob bodies to BYTES per second
It writes its port to F once it listens. Requests are logged to stderr.
"""
import argparse
import base64
import http.client
import http.server
import json
import secrets
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

A = None
TOKENS = {}
COUNTS = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fakereg: " + fmt % args + "\n")

    def send_plain(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def challenge(self):
        host = self.headers.get("Host")
        scope = ""
        parts = self.path.split("/")
        if len(parts) > 3 and parts[1] == "v2" and ("blobs" in parts or "manifests" in parts):
            i = parts.index("blobs") if "blobs" in parts else parts.index("manifests")
            scope = ',scope="repository:%s:pull"' % "/".join(parts[2:i])
        self.send_plain(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {
            "WWW-Authenticate": 'Bearer realm="http://%s/token",service="fakereg"%s' % (host, scope),
            "Content-Type": "application/json"})

    def token(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            cred = base64.b64decode(auth[6:]).decode()
            if cred != A.token:
                return self.send_plain(401, b'{"details":"bad credentials"}')
        elif not A.anonymous:
            return self.send_plain(401, b'{"details":"credentials required"}')
        tok = secrets.token_hex(16)
        with LOCK:
            TOKENS[tok] = A.token_uses or -1
        body = json.dumps({"token": tok, "expires_in": 300}).encode()
        self.send_plain(200, body, {"Content-Type": "application/json"})

    def authorized(self):
        if not A.token:
            return True
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with LOCK:
            left = TOKENS.get(auth[7:], 0)
            if left == 0:
                return False
            TOKENS[auth[7:]] = left - 1
        return True

    def upstream(self, path):
        u = urllib.parse.urlparse(A.upstream)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")}
        c.request(self.command, path, headers=hdrs)
        return c, c.getresponse()

    def relay(self, path, blob):
        c, r = self.upstream(path)
        body = r.read()
        c.close()
        if blob and r.status == 200:
            if A.corrupt and body:
                body = bytes([body[0] ^ 0xFF]) + body[1:]
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if blob and A.truncate and r.status == 200:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if blob and A.rate and r.status == 200:
            step = max(1, A.rate // 20)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)

    def flaky(self, path):
        if not A.flaky:
            return False
        with LOCK:
            n = COUNTS.get(path, 0)
            COUNTS[path] = n + 1
        if n >= A.flaky:
            return False
        if n % 2 == 0:
            self.send_plain(500, b'{"errors":[{"code":"UNKNOWN","message":"injected"}]}')
        else:
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
        return True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path
        if path.startswith("/token"):
            return self.token()
        if path.startswith("/_storage/"):
            return self.relay(path[len("/_storage"):], True)
        if path.startswith("/v2/") and not self.authorized():
            return self.challenge()
        blob = "/blobs/sha256:" in path
        if blob and self.flaky(path):
            return
        if blob and A.redirect:
            return self.send_plain(307, b"", {"Location": "/_storage" + path})
        self.relay(path, blob)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--token")
    p.add_argument("--anonymous", action="store_true")
    p.add_argument("--token-uses", type=int, default=0)
    p.add_argument("--flaky", type=int, default=0)
    p.add_argument("--redirect", action="store_true")
    p.add_argument("--corrupt", action="store_true")
    p.add_argument("--truncate", action="store_true")
    p.add_argument("--rate", type=int, default=0)
    A = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    with open(A.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(A.port_file + ".tmp", A.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
