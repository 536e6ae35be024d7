#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/run: N sequential `bolt run --rm IMAGE /bin/true` against `podman run --rm` (same
image, podman with crun) and `crun run` on the unpacked rootfs, in the same run. Prints
medians, ratios, and the RSS of a detached container's monitor.

Usage: bench.py BOLT N WORKDIR   (run by bench/run/run.sh, which prepares WORKDIR)
"""
import collections
import ctypes
import os
import re
import statistics
import subprocess
import sys
import time

BOLT, N, W = sys.argv[1], int(sys.argv[2]), sys.argv[3]
IMG = "localhost/busybox:latest"
DEVNULL = subprocess.DEVNULL


def timed(argv, n, env=None):
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        r = subprocess.run(argv(i), stdout=DEVNULL, stderr=subprocess.PIPE, env=env)
        out.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"bench: {' '.join(argv(i))} failed ({r.returncode}): {r.stderr.decode()}")
    return out


def ms(v):
    return f"{statistics.median(v) * 1000:7.1f} ms"


def fstype(path):
    best, kind = "", "?"
    with open("/proc/self/mounts") as f:
        for line in f:
            mnt, typ = line.split()[1], line.split()[2]
            if path.startswith(mnt.rstrip("/") + "/") and len(mnt) > len(best):
                best, kind = mnt, typ
    return kind


bolt = [BOLT, "--root", f"{W}/bolt-root", "--runroot", f"{W}/run/bolt"]



def crun_helper():
    """A child in its own mount namespace that runs `crun run` when asked and reports the
    time: crun (and podman, which drives crun) refuse this host's hybrid cgroup layout unless
    /sys/fs/cgroup/unified is unmounted, while bolt must run in the host's namespace and
    layout (what users run). One helper lets the two alternate run by run, so both see the
    same machine load (a shared 2-core box drifts by tens of ms over a minute)."""
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    if os.fork() == 0:
        os.close(req_w)
        os.close(rep_r)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x00020000) != 0:  # CLONE_NEWNS
            os._exit(1)
        libc.mount(None, b"/", None, 0x4000 | 0x80000, None)  # MS_REC | MS_SLAVE
        libc.umount2(b"/sys/fs/cgroup/unified", 2)  # MNT_DETACH; fine if not mounted
        with os.fdopen(req_r) as req, os.fdopen(rep_w, "w") as rep:
            for line in req:
                i = int(line)
                t0 = time.perf_counter()
                r = subprocess.run(["crun", "--root", f"{W}/run/crun", "run", "--bundle",
                                    f"{W}/bundle", f"bench-{os.getpid()}-{i}"],
                                   stdout=DEVNULL, stderr=subprocess.PIPE)
                dt = time.perf_counter() - t0
                rep.write(f"{dt if r.returncode == 0 else -1}\n")
                rep.flush()
        os._exit(0)
    os.close(req_r)
    os.close(rep_w)
    return os.fdopen(req_w, "w"), os.fdopen(rep_r)


# 1. bolt (host namespace and cgroup layout) and crun (its helper), alternating run by run
req, rep = crun_helper()
t_bolt, t_crun = [], []
for i in range(N):
    t_bolt += timed(lambda _: bolt + ["run", "--rm", IMG, "/bin/true"], 1)
    req.write(f"{i}\n")
    req.flush()
    dt = float(rep.readline() or -1)
    if dt < 0:
        sys.exit("bench: crun run failed (run it by hand on the bundle in WORKDIR to see why)")
    t_crun.append(dt)
req.close()
os.wait()

# 2. where a bolt run spends its time: BOLT_TRACE=1 phase lines (util/trace.h), medians
phases = collections.defaultdict(list)
for i in range(min(N, 20)):
    r = subprocess.run(bolt + ["run", "--rm", IMG, "/bin/true"], stdout=DEVNULL,
                       stderr=subprocess.PIPE, text=True, env=dict(os.environ, BOLT_TRACE="1"))
    for line in r.stderr.splitlines():
        m = re.match(r"(\S+)-trace:(.*) us$", line)
        if m:
            for k, v in re.findall(r"(\w+)=([\d.]+)", m.group(2)):
                phases[(m.group(1), k)].append(float(v))
trace = {}
for (op, k), v in phases.items():
    trace.setdefault(op, []).append(f"{k}={statistics.median(v) / 1000:.2f}")

# 3. the monitor's memory: a detached container's supervisor
cid = subprocess.run(bolt + ["run", "-d", IMG, "sleep", "30"], capture_output=True,
                     text=True, check=True).stdout.strip()
mpid = subprocess.run(bolt + ["inspect", "-f", "{{.State.MonitorPid}}", cid],
                      capture_output=True, text=True, check=True).stdout.strip()
rss = pss = "?"
with open(f"/proc/{mpid}/status") as f:
    for line in f:
        if line.startswith("VmRSS:"):
            rss = line.split()[1]
try:
    with open(f"/proc/{mpid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = line.split()[1]
except OSError:
    pass
subprocess.run(bolt + ["rm", "-f", cid], stdout=DEVNULL, check=True)

# 4. podman (it drives crun, so it too needs the namespace without the unified mount)
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x00020000) != 0:  # CLONE_NEWNS
    sys.exit("bench: unshare(CLONE_NEWNS) failed")
libc.mount(None, b"/", None, 0x4000 | 0x80000, None)  # MS_REC | MS_SLAVE
libc.umount2(b"/sys/fs/cgroup/unified", 2)  # MNT_DETACH; fine if not mounted

penv = dict(os.environ, CONTAINERS_CONF=f"{W}/containers.conf")
podman = ["podman", "--root", f"{W}/podman-root", "--runroot", f"{W}/run/podman",
          "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
          "--events-backend", "file", "--runtime", "crun"]
t_podman = timed(lambda i: podman + ["run", "--rm", "--network", "none", IMG, "/bin/true"],
                 N, env=penv)

mb, mc, mp = (statistics.median(t) for t in (t_bolt, t_crun, t_podman))
pair = statistics.median(b / c for b, c in zip(t_bolt, t_crun))
print(f"runs per tool: {N} (sequential, /bin/true, same busybox image; bolt and crun alternate)")
print(f"state: runroots (bolt --runroot, crun --root, podman --runroot) on {fstype(W + '/run/x')} "
      f"as their /run defaults; bolt --root and podman --root on {fstype(W + '/x')}")
print(f"bolt run --rm   median {ms(t_bolt)}")
print(f"crun run        median {ms(t_crun)}")
print(f"podman run --rm median {ms(t_podman)}")
print(f"bolt/crun   = {mb / mc:.2f}  (target <= 1.2; median of per-pair ratios {pair:.2f})")
print(f"bolt/podman = {mb / mp:.2f}  (target <= 0.2)")
print(f"monitor RSS = {rss} kB (PSS {pss} kB; target <= 1024 kB)")
print(f"bolt run phases (BOLT_TRACE=1, medians of {min(N, 20)} runs, ms):")
for op, items in trace.items():
    print(f"  {op:15s} {' '.join(items)}")
