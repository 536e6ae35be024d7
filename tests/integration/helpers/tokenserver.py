#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal token server for docker-registry's `auth: token` mode, on loopback.

  tokenserver.py --port-file F --key KEY.pem --cert CERT.pem --service S --issuer I
                 [--user USER:PASS] [--anonymous]

GET /token?service=S&scope=repository:NAME:pull issues an RS256 JWT (signed with the
openssl CLI) whose "kid" is the libtrust key ID of CERT's public key, as docker-registry
expects. With --user, Basic credentials must match; --anonymous also serves anonymous pulls.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import secrets
import socketserver
import subprocess
import sys
import time
import urllib.parse

A = None
KID = None


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def libtrust_kid(cert):
    der = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=der,
                         check=True, capture_output=True).stdout
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i:i + 4] for i in range(0, 48, 4))


def sign(payload):
    header = {"typ": "JWT", "alg": "RS256", "kid": KID}
    msg = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode()))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", A.key], input=msg.encode(),
                         check=True, capture_output=True).stdout
    return msg + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("tokenserver: " + fmt % args + "\n")

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        who = ""
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != A.user:
                return self.reply(401, {"details": "bad credentials"})
            who = A.user.split(":")[0]
        elif not A.anonymous:
            return self.reply(401, {"details": "credentials required"})
        access = []
        for scope in q.get("scope", []):
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name, "actions": ["pull"]})
        now = int(time.time())
        tok = sign({"iss": A.issuer, "sub": who, "aud": A.service, "exp": now + 300,
                    "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access})
        self.reply(200, {"token": tok, "access_token": tok, "expires_in": 300})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    global A, KID
    p = argparse.ArgumentParser()
    for o in ("--port-file", "--key", "--cert", "--service", "--issuer"):
        p.add_argument(o, required=True)
    p.add_argument("--user", default="")
    p.add_argument("--anonymous", action="store_true")
    A = p.parse_args()
    KID = libtrust_kid(A.cert)
    srv = Server(("127.0.0.1", 0), Handler)
    with open(A.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(A.port_file + ".tmp", A.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
