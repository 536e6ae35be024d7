#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Build OCI image layouts for bolt's tests and benchmarks, without any registry.

  mkoci.py image OUT --tag T [--arch A] [--variant V] [--compress gzip|zstd|none]
           [--cmd ARG ...] [--env K=V ...] [--label K=V ...] --layer DIR|FILE.tar [--layer ...]
      writes an OCI layout at OUT (one manifest, tagged T). A DIR layer is tarred with GNU tar
      (numeric owners, sorted); a .tar FILE is used as the uncompressed layer as is.
  mkoci.py index OUT --tag T LAYOUT...
      combines single-image layouts (different platforms) into one layout whose index.json
      points at an image index (a multi-platform image).
  mkoci.py archive LAYOUT FILE [--name NAME]
      tars a layout into an OCI archive for `bolt load -i`; NAME goes in the
      io.containerd.image.name annotation.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def put_blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def put_file_blob(out, path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    d = h.hexdigest()
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    dst = os.path.join(out, "blobs", "sha256", d)
    shutil.move(path, dst)
    return "sha256:" + d, os.path.getsize(dst)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def make_layer(out, src, compress, n):
    tmp = os.path.join(out, f".layer{n}.tar")
    if os.path.isdir(src):
        subprocess.run(["tar", "--numeric-owner", "--sort=name", "--format=gnu", "-C", src,
                        "-cf", tmp, "."], check=True)
    else:
        shutil.copyfile(src, tmp)
    diffid = sha256_file(tmp)
    mt = "application/vnd.oci.image.layer.v1.tar"
    if compress == "gzip":
        subprocess.run(["gzip", "-n", "-6", "-f", tmp], check=True)
        tmp += ".gz"
        mt += "+gzip"
    elif compress == "zstd":
        subprocess.run(["zstd", "-q", "-3", "--rm", "-f", tmp, "-o", tmp + ".zst"], check=True)
        tmp += ".zst"
        mt += "+zstd"
    digest, size = put_file_blob(out, tmp)
    return {"mediaType": mt, "digest": digest, "size": size}, diffid


def write_layout(out, desc):
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc]}, f)


def cmd_image(a):
    os.makedirs(a.out, exist_ok=True)
    layers, diffids = [], []
    for i, src in enumerate(a.layer or []):
        d, diffid = make_layer(a.out, src, a.compress, i)
        layers.append(d)
        diffids.append(diffid)
    cfg = {"architecture": a.arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
           "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
                      + (a.env or [])},
           "rootfs": {"type": "layers", "diff_ids": diffids},
           "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "mkoci"}]}
    if a.variant:
        cfg["variant"] = a.variant
    if a.cmd:
        cfg["config"]["Cmd"] = a.cmd
    if a.label:
        cfg["config"]["Labels"] = dict(x.split("=", 1) for x in a.label)
    cd, cs = put_blob(a.out, json.dumps(cfg).encode())
    man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd,
                      "size": cs},
           "layers": layers}
    md, ms = put_blob(a.out, json.dumps(man).encode())
    plat = {"architecture": a.arch, "os": "linux"}
    if a.variant:
        plat["variant"] = a.variant
    write_layout(a.out, {"mediaType": OCI_MANIFEST, "digest": md, "size": ms, "platform": plat,
                         "annotations": {"org.opencontainers.image.ref.name": a.tag}})
    print(cd)


def cmd_index(a):
    os.makedirs(a.out, exist_ok=True)
    entries = []
    for lay in a.layouts:
        with open(os.path.join(lay, "index.json")) as f:
            desc = json.load(f)["manifests"][0]
        desc.pop("annotations", None)
        entries.append(desc)
        for name in os.listdir(os.path.join(lay, "blobs", "sha256")):
            dst = os.path.join(a.out, "blobs", "sha256", name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.exists(dst):
                shutil.copyfile(os.path.join(lay, "blobs", "sha256", name), dst)
    idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    d, s = put_blob(a.out, json.dumps(idx).encode())
    write_layout(a.out, {"mediaType": OCI_INDEX, "digest": d, "size": s,
                         "annotations": {"org.opencontainers.image.ref.name": a.tag}})
    print(d)


def cmd_archive(a):
    if a.name:
        p = os.path.join(a.layout, "index.json")
        with open(p) as f:
            idx = json.load(f)
        for m in idx["manifests"]:
            m.setdefault("annotations", {})["io.containerd.image.name"] = a.name
        with open(p, "w") as f:
            json.dump(idx, f)
    subprocess.run(["tar", "-C", a.layout, "--exclude=./.layer*", "-cf", a.file, "."], check=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="verb", required=True)
    i = sub.add_parser("image")
    i.add_argument("out")
    i.add_argument("--tag", default="latest")
    i.add_argument("--arch", default="amd64")
    i.add_argument("--variant")
    i.add_argument("--compress", default="gzip", choices=["gzip", "zstd", "none"])
    i.add_argument("--layer", action="append")
    i.add_argument("--cmd", nargs="+")
    i.add_argument("--env", action="append")
    i.add_argument("--label", action="append")
    x = sub.add_parser("index")
    x.add_argument("out")
    x.add_argument("--tag", default="latest")
    x.add_argument("layouts", nargs="+")
    r = sub.add_parser("archive")
    r.add_argument("layout")
    r.add_argument("file")
    r.add_argument("--name")
    a = p.parse_args()
    {"image": cmd_image, "index": cmd_index, "archive": cmd_archive}[a.verb](a)


if __name__ == "__main__":
    sys.exit(main())
