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
