# SPDX-License-Identifier: Apache-2.0
# Helpers for GPU injection tests (gpu_run*.bats, gpu_podman*.bats, cdi*.bats,
# containerd*.bats): fake driver roots, a probe image (dynamically linked cuda-probe that
# dlopen()s libcuda.so.1 through the ld.so.cache), OCI bundles for `nvbind run`.

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BOLT=${BOLT:-$BOLT_TOP/build/src/cli/bolt}
NVBIND=${NVBIND:-$(dirname "$BOLT")/nvbind}
MKFAKEDRIVER=$BOLT_TOP/tests/fixtures/nvidia/mkfakedriver
MKPROBEIMAGE=$BOLT_TOP/tests/fixtures/nvidia/mkprobeimage
CDI_SCHEMA_CHECK=$BOLT_TOP/tests/fixtures/cdi/validate-schema

inj_need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    [ -n "${BOLT_TEST_MUST_RUN:-}" ] && { echo "GPU injection tests need root" >&2; return 1; }
    skip "GPU injection tests need root (mknod, mounts, namespaces)"
  fi
}

# inj_fixtures DIR LAYOUT...: fake driver roots DIR/<layout> and the probe image DIR/probe.
inj_fixtures() {
  local dir=$1 l
  shift
  mkdir -p "$dir"
  for l in "$@"; do
    "$MKFAKEDRIVER" "$l" "$dir/$l" >/dev/null || { echo "mkfakedriver $l failed" >&2; return 1; }
  done
  "$MKPROBEIMAGE" "$dir/probe" >/dev/null || { echo "mkprobeimage failed" >&2; return 1; }
}

# inj_use DRIVER_ROOT: point every nvbind root at a fake driver (env of nvbind/bolt).
inj_use() {
  export BOLT_DRIVER_ROOT=$1 BOLT_DEV_ROOT=$1 BOLT_PROC_ROOT=$1 BOLT_SYS_ROOT=$1
}

inj_unuse() {
  unset BOLT_DRIVER_ROOT BOLT_DEV_ROOT BOLT_PROC_ROOT BOLT_SYS_ROOT
}

# inj_setup: $TMP (removed by inj_teardown), $STATE (nvbind --root), a private rootfs copy.
inj_setup() {
  inj_need_root
  [ -x "$NVBIND" ] || { echo "nvbind not built: $NVBIND" >&2; return 1; }
  TMP=$(mktemp -d /tmp/bolt-inject.XXXXXX)
  STATE=$TMP/state
  mkdir -p "$TMP/bundle"
  cp -a "$INJ_FIX/probe" "$TMP/bundle/rootfs"
  inj_unuse
}

inj_teardown() {
  [ -n "${TMP:-}" ] || return 0
  if [ -d "$STATE" ]; then
    for id in $("$NVBIND" --root "$STATE" list -q 2>/dev/null); do
      "$NVBIND" --root "$STATE" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  # bundles built with bind mounts (runroot on another filesystem than the driver)
  grep -o " $TMP[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$TMP"
}

# inj_bundle SCRIPT [ENV...]: config.json running `sh -c SCRIPT` with extra env entries.
inj_bundle() {
  local script=$1 env
  shift
  env=$(printf '%s\n' "$@" | jq -R . | jq -s 'map(select(length > 0))')
  rm -f "$TMP/bundle/config.json"
  (cd "$TMP/bundle" && "$NVBIND" spec) || return 1
  jq --arg s "$script" --argjson env "$env" \
    '.root.readonly = false | .process.terminal = false | .process.args = ["/bin/sh", "-c", $s] | .process.env += $env' \
    "$TMP/bundle/config.json" > "$TMP/config.json" && mv "$TMP/config.json" "$TMP/bundle/config.json"
}

# inj_run ID: nvbind run of $TMP/bundle (output in $output via bats `run`).
inj_run() {
  "$NVBIND" --root "$STATE" run --bundle "$TMP/bundle" "$1"
}

# The script the container runs for the isolation checks: lists /dev/nvidia* nodes, tries to
# open each, and opens a node made with mknod for a GPU it was not given.
INJ_PROBE='cuda-probe; echo "nodes: $(cd /dev && echo nvidia*)";
for n in /dev/nvidia[0-9]*; do [ -e "$n" ] && cat "$n" 2>&1 | sed "s/^/open: /"; done;
env | grep ^NVIDIA_ | sort'

# ---- podman ----

# inj_podman_setup: a private podman (root, runroot, vfs storage, containers.conf with the
# ulimits root may set here) and a wrapper runtime that points nvbind at the fake driver
# (podman and conmon do not pass bolt's environment on to the runtime).
inj_podman_setup() {
  command -v podman >/dev/null || skip "podman is not installed"
  PM=$TMP/podman
  mkdir -p "$PM"
  cat > "$PM/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  cat > "$PM/nvbind" <<WRAP
#!/bin/sh
export BOLT_DRIVER_ROOT=$BOLT_DRIVER_ROOT BOLT_DEV_ROOT=$BOLT_DEV_ROOT BOLT_PROC_ROOT=$BOLT_PROC_ROOT BOLT_SYS_ROOT=$BOLT_SYS_ROOT
exec "$NVBIND" "\$@"
WRAP
  chmod +x "$PM/nvbind"
}

# inj_podman ARGS...: podman in a private mount namespace where crun accepts the cgroup
# layout (crun refuses the hybrid layout while /sys/fs/cgroup/unified is mounted).
inj_podman() {
  CONTAINERS_CONF=$PM/containers.conf unshare -m sh -c '
    umount /sys/fs/cgroup/unified 2>/dev/null
    exec podman --root "$0/root" --runroot "$0/run" --storage-driver vfs "$@"' "$PM" "$@"
}

inj_podman_teardown() {
  [ -n "${PM:-}" ] || return 0
  inj_podman rm -af >/dev/null 2>&1 || true
  [ -n "${CDI_FILE:-}" ] && rm -f "$CDI_FILE"
  umount -R "$PM/root" 2>/dev/null || true
}

# ---- containerd ----

# inj_containerd_start: Debian's containerd with a private config, root, state and socket
# ($CTD_SOCK); the CRI plugin is disabled (ctr drives the runc shim directly).
inj_containerd_start() {
  command -v containerd >/dev/null || skip "containerd is not installed"
  command -v ctr >/dev/null || skip "ctr is not installed"
  CTD=$TMP/containerd
  CTD_SOCK=$CTD/containerd.sock
  mkdir -p "$CTD"
  cat > "$CTD/config.toml" <<CONF
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
CONF
  containerd --config "$CTD/config.toml" >"$CTD/log" 2>&1 &
  CTD_PID=$!
  for _ in $(seq 100); do
    ctr --address "$CTD_SOCK" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "containerd did not start:" >&2
  cat "$CTD/log" >&2
  return 1
}

inj_containerd_stop() {
  [ -n "${CTD_PID:-}" ] || return 0
  for id in $(ctr --address "$CTD_SOCK" task ls -q 2>/dev/null); do
    ctr --address "$CTD_SOCK" task kill -s KILL "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr --address "$CTD_SOCK" container ls -q 2>/dev/null); do
    ctr --address "$CTD_SOCK" task rm -f "$id" >/dev/null 2>&1 || true
    ctr --address "$CTD_SOCK" container rm "$id" >/dev/null 2>&1 || true
  done
  kill "$CTD_PID" 2>/dev/null || true
  wait "$CTD_PID" 2>/dev/null || true
  grep -o " $CTD[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# ---- bolt run ----

# inj_bolt_setup: private bolt root/runroot with the probe image as localhost/probe.
inj_bolt_setup() {
  [ -x "$BOLT" ] || { echo "bolt not built: $BOLT" >&2; return 1; }
  ROOT=$TMP/root
  RUNROOT=$TMP/run
  tar -C "$INJ_FIX/probe" -cf "$TMP/probe.tar" .
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" import "$TMP/probe.tar" localhost/probe >/dev/null
}

bb() {
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" "$@"
}

inj_bolt_teardown() {
  [ -n "${ROOT:-}" ] || return 0
  local ids
  ids=$(bb ps -aq --no-trunc 2>/dev/null || true)
  [ -n "$ids" ] && bb rm -f $ids >/dev/null 2>&1
  return 0
}
