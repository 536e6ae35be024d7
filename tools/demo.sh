#!/usr/bin/env bash
# The main job: set up, build, and show bolt working. Grows with the product.
# Today: build a tiny busybox-static bundle and run it with `nvbind run` (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh
./build/src/cli/bolt --version
NVBIND=$PWD/build/src/cli/nvbind
"$NVBIND" --version

W=$(mktemp -d /tmp/bolt-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT
B=$W/bundle
mkdir -p "$B/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$B/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
  [ "$a" = busybox ] || ln -s busybox "$B/rootfs/bin/$a"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$B/rootfs/etc/passwd"

# nvbind's default spec (new pid/net/ipc/uts/mount namespaces, docker's capabilities,
# masked and read-only paths) plus docker's default seccomp profile, a cgroup namespace
# and a 64 MiB memory limit.
"$NVBIND" spec --seccomp --bundle "$B"
jq '.process.args = ["sh", "-c", "
echo \"hello from a bolt container (busybox-static, run by nvbind)\"
echo \"  hostname:      $(hostname)\"
echo \"  my pid:        $$ (pid 1 of a new pid namespace)\"
echo \"  processes:     $(ps -o pid= | wc -l) visible in its pid namespace\"
echo \"  user:          $(id)\"
echo \"  capabilities:  $(grep CapEff /proc/self/status | cut -f2) (docker default set)\"
echo \"  seccomp:       $(grep ^Seccomp: /proc/self/status | cut -f2) (2 = filter)\"
echo \"  root fs:       $(mount | grep \" on / \" | cut -d\" \" -f5-6)\"
echo \"  memory limit:  $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max) bytes\"
echo \"  network:       $(ls /sys/class/net | tr \"\\n\" \" \")\"
"] | .hostname = "bolt-demo" | .linux.resources.memory = {"limit": 67108864}
    | .linux.namespaces += [{"type": "cgroup"}]' \
  "$B/config.json" >"$B/config.json.new"
mv "$B/config.json.new" "$B/config.json"

echo "+ nvbind --root $W/state run --bundle $B demo"
"$NVBIND" --root "$W/state" run --bundle "$B" demo
echo "exit status $?; state left behind: $(ls "$W/state" | grep -vc '^\.' || true) containers"

# bolt run: the same busybox as an image in a private bolt root, run the docker way.
BOLT=$PWD/build/src/cli/bolt
export BOLT
source tests/integration/helpers/images.bash
bolt() { "$BOLT" --root "$W/bolt-root" --runroot "$W/bolt-run" "$@"; }
BATS_RUN_TMPDIR=$W images_load_busybox "$W/bolt-root" >/dev/null
echo "+ bolt run --rm --memory 64m localhost/busybox sh -c '...'"
bolt run --rm --memory 64m --hostname bolt-run-demo localhost/busybox \
  sh -c 'echo "hello from bolt run: $(hostname), pid $$, $(grep ^Seccomp: /proc/self/status)"'
echo "+ bolt run -d --name demo localhost/busybox sh -c ..."
bolt run -d --name demo localhost/busybox sh -c 'trap "echo bye; exit 0" TERM; echo up; while :; do sleep 0.2; done' >/dev/null
sleep 0.5
bolt ps
echo "+ bolt exec demo ps"; bolt exec demo ps
echo "+ bolt stop demo"; bolt stop demo >/dev/null
echo "+ bolt logs -t demo"; bolt logs -t demo
bolt ps -a
bolt rm demo >/dev/null

# A GPU container: bolt run --gpu. On a host with a loaded NVIDIA driver the real one is
# used; otherwise a fake driver root (tests/fixtures/nvidia: real ELF libraries, an
# ld.so.cache built by ldconfig, /proc and /sys trees, device nodes with major 195) stands
# in, through the same code path, and the demo says so.
echo
if [ -c /dev/nvidiactl ] && [ -r /proc/driver/nvidia/version ]; then
  echo "== GPU: the host's NVIDIA driver ($(sed -n 's/.*Module  *\([0-9.]*\).*/\1/p' /proc/driver/nvidia/version | head -1))"
  GPU_CMD='nvidia-smi -L'
else
  echo "== GPU: no NVIDIA driver on this machine, so this uses the FAKE driver from"
  echo "   tests/fixtures/nvidia (2 fake GPUs; opening a granted node gives ENXIO because no"
  echo "   driver answers it, a denied one gives EPERM from the device cgroup)"
  tests/fixtures/nvidia/mkfakedriver debian-2gpu-proprietary "$W/fakedrv" >/dev/null
  export BOLT_DRIVER_ROOT=$W/fakedrv BOLT_DEV_ROOT=$W/fakedrv BOLT_PROC_ROOT=$W/fakedrv \
    BOLT_SYS_ROOT=$W/fakedrv
  GPU_CMD='cuda-probe'
fi
tests/fixtures/nvidia/mkprobeimage "$W/probe" >/dev/null
tar -C "$W/probe" -cf "$W/probe.tar" .
bolt import "$W/probe.tar" localhost/gpu-probe >/dev/null
bolt gaming gpu list
echo "+ BOLT_TRACE=1 bolt run --rm --gpu 1 localhost/gpu-probe sh -c '$GPU_CMD; ls /dev/nvidia*; ...'"
BOLT_TRACE=1 bolt run --rm --gpu 1 localhost/gpu-probe sh -c "$GPU_CMD"'
echo "device nodes: $(ls /dev | grep nvidia | tr "\n" " ")"
cat /dev/nvidia1 2>&1 | sed "s/^/open \/dev\/nvidia1: /"
env | grep ^NVIDIA_'
# The first start built the plan, the driver bundle and the nvbind layer and recorded what it
# injected; the next start of the same request checks that record against the host and
# applies it: its nvbind-trace line is the per-container cost.
echo "+ again: BOLT_TRACE=1 bolt run --rm --gpu 1 localhost/gpu-probe sh -c '$GPU_CMD | head -1'"
BOLT_TRACE=1 bolt run --rm --gpu 1 localhost/gpu-probe sh -c "$GPU_CMD | head -1" 2>&1 |
  grep -v -e '^engine-' -e '^runtime-'
