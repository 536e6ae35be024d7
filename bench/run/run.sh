#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/run: bolt run vs crun run vs podman run, 100 sequential /bin/true containers each
# (N=... to change), on one busybox image. Needs root, crun and podman (tools/deps.sh).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BOLT=${BOLT:-$TOP/build/src/cli/bolt}
N=${N:-100}
W=$(mktemp -d /tmp/bolt-bench-run.XXXXXX)
trap 'podman --root "$W/podman-root" --runroot "$W/run/podman" --storage-driver overlay \
  rm -af >/dev/null 2>&1 || true; umount -R "$W/podman-root/overlay" 2>/dev/null || true; \
  umount "$W/run" 2>/dev/null || true; rm -rf "$W"' EXIT
# Per-run state on a tmpfs, as on a normal host where each tool's default is under /run
# (bolt --runroot /run/bolt, crun --root /run/crun, podman --runroot /run/containers):
# here /run is on the disk. Images, records, logs and overlay upper dirs stay on the disk.
mkdir "$W/run"
mount -t tmpfs -o mode=0700 bench-run "$W/run"
export BOLT
source "$TOP/tests/integration/helpers/images.bash"
# one image for everyone: an OCI archive of busybox-static
BATS_RUN_TMPDIR=$W images_load_busybox "$W/bolt-root" >/dev/null
archive=$(BATS_RUN_TMPDIR=$W images_busybox_archive)
# crun: the same rootfs unpacked into a bundle with crun's default spec running /bin/true
images_busybox_rootfs "$W/bundle/rootfs"
(cd "$W/bundle" && crun spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"\/bin\/true"/' config.json)
# podman: this host needs a lower RLIMIT_NOFILE than podman's default (see DESIGN.md)
cat >"$W/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
CONTAINERS_CONF=$W/containers.conf podman --root "$W/podman-root" --runroot "$W/run/podman" \
  --storage-driver overlay load -q -i "$archive" >/dev/null
python3 "$TOP/bench/run/bench.py" "$BOLT" "$N" "$W"
