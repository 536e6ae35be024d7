#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Container start-up: N sequential `/bin/true` containers with `nvbind run` and with
# `crun run` on the same bundle (busybox-static rootfs, nvbind's default spec with docker's
# default seccomp profile), in the same run, alternating blocks of 10 so both see the same
# machine load. crun 1.8.1 refuses this host's hybrid cgroup layout, so its runs happen
# in a private mount namespace with /sys/fs/cgroup/unified unmounted; nvbind runs on the
# host as it is. Prints both medians (ms) and the ratio nvbind/crun (target <= 1.0).
#
#   bench/startup/run.sh            # N=100
#   N=20 NVBIND=build-x/src/cli/nvbind bench/startup/run.sh
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NVBIND=${NVBIND:-$TOP/build/src/cli/nvbind}
CRUN=${CRUN:-$(command -v crun || true)}
N=${N:-100}
[ "$(id -u)" -eq 0 ] || { echo "bench/startup: needs root" >&2; exit 1; }
[ -x "$NVBIND" ] || { echo "bench/startup: nvbind not built: $NVBIND (run tools/build.sh)" >&2; exit 1; }
[ -n "$CRUN" ] || { echo "bench/startup: crun not installed (tools/deps.sh)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "bench/startup: busybox-static not installed" >&2; exit 1; }

W=$(mktemp -d /tmp/bolt-bench-startup.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bundle/rootfs/bin" "$W/bundle/rootfs/proc" "$W/bundle/rootfs/sys" "$W/bundle/rootfs/dev"
cp /bin/busybox "$W/bundle/rootfs/bin/busybox"
ln -s busybox "$W/bundle/rootfs/bin/true"
"$NVBIND" spec --seccomp --bundle "$W/bundle"
# crun 1.8.1 only knows runtime-spec <= 1.1: declare 1.0.2, which both accept
jq '.ociVersion = "1.0.2" | .process.args = ["/bin/true"] | .process.terminal = false' \
  "$W/bundle/config.json" >"$W/c.json"
mv "$W/c.json" "$W/bundle/config.json"

# one_block RUNTIME ROOT FIRST COUNT OUT: time COUNT runs, one ms figure per line.
cat >"$W/block.sh" <<'EOF'
set -eu
rt=$1 root=$2 first=$3 count=$4 out=$5
cd "$(dirname "$out")/bundle"
for i in $(seq "$first" $((first + count - 1))); do
  t0=$EPOCHREALTIME
  "$rt" --root "$root" run "b$i" >/dev/null
  t1=$EPOCHREALTIME
  echo "$t0 $t1" | awk '{printf "%.3f\n", ($2 - $1) * 1000}' >>"$out"
done
EOF

# warm-up (page cache, seccomp cache) for both
bash "$W/block.sh" "$NVBIND" "$W/nv-state" 0 3 "$W/warm"
unshare -m bash -c "umount /sys/fs/cgroup/unified 2>/dev/null || true; bash $W/block.sh $CRUN $W/crun-state 0 3 $W/warm"

done_n=0
while [ $done_n -lt "$N" ]; do
  c=$((N - done_n < 10 ? N - done_n : 10))
  bash "$W/block.sh" "$NVBIND" "$W/nv-state" $((done_n + 10)) $c "$W/nvbind.ms"
  unshare -m bash -c "umount /sys/fs/cgroup/unified 2>/dev/null || true; bash $W/block.sh $CRUN $W/crun-state $((done_n + 10)) $c $W/crun.ms"
  done_n=$((done_n + c))
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m}'; }
p90() { sort -n "$1" | awk '{a[NR]=$1} END {i = int(NR * 0.9); if (i < 1) i = 1; printf "%.2f", a[i]}'; }
nv=$(median "$W/nvbind.ms")
cr=$(median "$W/crun.ms")
echo "startup: $N x /bin/true (busybox-static, default seccomp profile), sequential"
printf '  nvbind run  median %8s ms   p90 %8s ms\n' "$nv" "$(p90 "$W/nvbind.ms")"
printf '  crun run    median %8s ms   p90 %8s ms   (%s)\n' "$cr" "$(p90 "$W/crun.ms")" "$("$CRUN" --version | head -1)"
echo "ratio nvbind/crun: $(awk -v a="$nv" -v b="$cr" 'BEGIN {printf "%.2f", a / b}') (target <= 1.0, aim 0.8)"
