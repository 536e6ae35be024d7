#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/gpu/run.sh [-n RUNS] [-p PODMAN_RUNS]: GPU passthrough cost, with the 2-GPU fake
# driver holding a full driver's file list (tests/fixtures/nvidia layout full-driver-2gpu).
#  (a) injection phases measured inside nvbind (BOLT_TRACE=1), median over RUNS starts of
#      `nvbind run` and of `bolt run --gpu all` (target: median total <= 50 us); for bolt run,
#      "layer" is what is done before the rootfs mount (in the total): after the first start,
#      the lookup of the injection record and its host checks ("recorded" then applies it;
#      see src/nvbind/inject_rec.c), else the plan and nvbind-layer lookup;
#      "cpu" is the CPU time of it all (the wall time includes waiting for a CPU). The trace
#      reads the CPU clock outside its window and formats its line after it. With a record,
#      the lookup's parts are printed within it: .key (hashing the request into the record's
#      path), .read (its readlink), .checks (the stat of each host check), .parse (the rest).
#  (b) `bolt run --gpu all` vs `bolt run`, RUNS each, interleaved, median wall time and ratio
#      (target <= 1.05)
#  (c) podman + the CDI spec `nvbind cdi generate` writes (`--device nvidia.com/gpu=all`) vs
#      `bolt run --gpu all`, same fixture, same run
# Needs root. BOLT/NVBIND default to build/src/cli/{bolt,nvbind}.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BOLT=${BOLT:-$top/build/src/cli/bolt}
NVBIND=${NVBIND:-$(dirname "$BOLT")/nvbind}
runs=100
prun=20
while getopts "n:p:" o; do
  case $o in
    n) runs=$OPTARG ;;
    p) prun=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-p PODMAN_RUNS]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench/gpu needs root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/bolt-bench-gpu.XXXXXX)
cdi=""
cleanup() {
  "$BOLT" --root "$tmp/root" --runroot "$tmp/run" rm -f $("$BOLT" --root "$tmp/root" --runroot "$tmp/run" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  [ -n "$cdi" ] && rm -f "$cdi"
  umount -l "$tmp/run" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# bolt's runtime state on a tmpfs, as on a normal host where its default is /run/bolt; images,
# bolt's root (where the driver bundle's hard links go) and the driver stay on disk. (nvbind's
# state stays on disk too: on a tmpfs its bundle would go to /var/lib/nvbind on this host.)
mkdir -p "$tmp/run"
mount -t tmpfs -o mode=0700 bench-gpu-run "$tmp/run"

"$top/tests/fixtures/nvidia/mkfakedriver" full-driver-2gpu "$tmp/drv" >/dev/null
"$top/tests/fixtures/nvidia/mkprobeimage" "$tmp/probe" >/dev/null
export BOLT_DRIVER_ROOT=$tmp/drv BOLT_DEV_ROOT=$tmp/drv BOLT_PROC_ROOT=$tmp/drv BOLT_SYS_ROOT=$tmp/drv
nfiles=$(jq '[.files[]] | add | length' "$tmp/drv/fixture.json" 2>/dev/null || echo "?")
echo "fixture: full-driver-2gpu ($nfiles driver files), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); bolt's runroot on a tmpfs"

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "nan"; exit} if (NR % 2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# ---- (a) phases inside nvbind ----
mkdir -p "$tmp/bundle"
cp -a "$tmp/probe" "$tmp/bundle/rootfs"
(cd "$tmp/bundle" && "$NVBIND" spec)
jq '.root.readonly = false | .process.terminal = false | .process.args = ["/bin/sh", "-c", "true"] | .process.env += ["NVIDIA_VISIBLE_DEVICES=all"]' \
  "$tmp/bundle/config.json" > "$tmp/c.json" && mv "$tmp/c.json" "$tmp/bundle/config.json"
"$NVBIND" --root "$tmp/state" run --bundle "$tmp/bundle" warm >/dev/null # builds the plan and the bundle
for i in $(seq "$runs"); do
  BOLT_TRACE=1 "$NVBIND" --root "$tmp/state" run --bundle "$tmp/bundle" "b$i" 2>&1 >/dev/null | grep '^nvbind-trace:'
done > "$tmp/trace-nvbind"
phases() {
  local f=$1 label=$2 line=""
  for p in request layer layer.key layer.read layer.checks layer.parse plan select bundle edits \
           ldcache apply record record.read record.checks record.parse recorded cpu total; do
    m=$({ grep -o " $p=[0-9.]*" "$f" || true; } | cut -d= -f2 | median)
    [ "$m" = nan ] || line="$line $p=$m"
  done
  echo "(a) injection phases, median of $(wc -l < "$f") $label (us):$line"
  local rec
  rec=$(grep -c ' recorded=' "$f" || true)
  [ "$rec" -eq 0 ] || echo "(a)   $rec of them applied the record of an earlier start (layer or record = its lookup and checks)"
}
phases "$tmp/trace-nvbind" "nvbind run"
# the same path in one process (warm caches): the work itself, without a new process' page faults
build=$(dirname "$(dirname "$(dirname "$BOLT")")")
if [ -f "$build/libbolt.a" ] && command -v pkg-config >/dev/null; then
  jq --arg r "$tmp/bundle/rootfs" '.root.path = $r' "$tmp/bundle/config.json" > "$tmp/loop.json"
  if cc -O2 -D_GNU_SOURCE -I"$top/src" -I"$build" -o "$tmp/inject_loop" "$top/bench/gpu/inject_loop.c" \
      "$build/libbolt.a" $(pkg-config --libs jansson libcurl libarchive libcrypto libseccomp libcap yaml-0.1) \
      -ldl -lpthread 2>"$tmp/cc.log"; then
    read -r med p90 sc < <("$tmp/inject_loop" "$tmp/loop.json" "$tmp/state" 2000)
    echo "(a) in-process loop, nvbind's path (2000 injections, warm): median $med us, p90 $p90 us; one getppid() syscall costs $sc us here now"
    read -r med p90 sc < <("$tmp/inject_loop" "$tmp/loop.json" "$tmp/state" 2000 "$tmp/bundle/rootfs")
    echo "(a) in-process loop, bolt run's path (layer + injection, 2000, warm): median $med us, p90 $p90 us; getppid() $sc us"
  else
    echo "(a) in-process loop skipped: $(head -1 "$tmp/cc.log")"
  fi
fi

# ---- (b) bolt run --gpu all vs bolt run ----
B=("$BOLT" --root "$tmp/root" --runroot "$tmp/run")
tar -C "$tmp/probe" -cf "$tmp/probe.tar" .
"${B[@]}" import "$tmp/probe.tar" localhost/probe >/dev/null
"${B[@]}" run --rm --gpu all localhost/probe sh -c true # warm: plan, bundle, cache
"${B[@]}" run --rm localhost/probe sh -c true
: > "$tmp/plain"
: > "$tmp/gpu"
: > "$tmp/trace-bolt"
# Nothing inside a timed window may fork except the run itself: a $(...) or a pipe there
# costs a process start (~2 ms, far more on a loaded machine) and lands in that run's time.
# Wall time comes from $EPOCHREALTIME (microseconds, dot removed); CPU time of the children
# (user+sys of every process of a run, what the work costs however long a loaded machine
# makes it wait) from the `times` builtin, parsed with builtins only.
to_us() { # "1m2.345s" -> us
  local m=${1%%m*} r=${1#*m}
  r=${r%s}
  us=$(( (10#$m * 60 + 10#${r%.*}) * 1000000 + 10#${r#*.} * 1000 ))
}
cpu_now() {
  local line u s
  times > "$tmp/times"
  { read -r line; read -r u s; } < "$tmp/times"
  to_us "$u"; cpu=$us
  to_us "$s"; cpu=$((cpu + us))
}
run_one() { # plain|gpu: one run, its wall and CPU time appended to $tmp/<kind> and <kind>-cpu
  local c0 t0 t1
  cpu_now; c0=$cpu
  t0=$EPOCHREALTIME
  if [ "$1" = gpu ]; then
    BOLT_TRACE=1 "${B[@]}" run --rm --gpu all localhost/probe sh -c true 2>>"$tmp/trace-bolt"
  else
    BOLT_TRACE=1 "${B[@]}" run --rm localhost/probe sh -c true 2>>"$tmp/trace-plain"
  fi
  t1=$EPOCHREALTIME
  cpu_now
  echo $(( ${t1/./} - ${t0/./} )) >> "$tmp/$1"
  echo $(( cpu - c0 )) >> "$tmp/$1-cpu"
}
: > "$tmp/plain-cpu"
: > "$tmp/gpu-cpu"
: > "$tmp/trace-plain"
# pairs alternate their order, so neither kind always runs right after the other's exit
for i in $(seq "$runs"); do
  if (( i % 2 )); then run_one plain; run_one gpu; else run_one gpu; run_one plain; fi
done
grep '^nvbind-trace:' "$tmp/trace-bolt" > "$tmp/trace-bolt2" || true
phases "$tmp/trace-bolt2" "bolt run --gpu all"
mp=$(median < "$tmp/plain")
mg=$(median < "$tmp/gpu")
pr=$(paste "$tmp/gpu" "$tmp/plain" | awk '{print $1 / $2}' | sort -g | awk '{a[NR]=$1} END {printf "%.3f", NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
echo "(b) bolt run: median $mp us; bolt run --gpu all: median $mg us; ratio $(awk -v a="$mg" -v b="$mp" 'BEGIN{printf "%.3f", a/b}'), median of per-pair ratios $pr ($runs pairs, interleaved, order alternating)"
cp=$(median < "$tmp/plain-cpu")
cg=$(median < "$tmp/gpu-cpu")
echo "(b) CPU time (user+sys of every process of a run): bolt run median $cp us; bolt run --gpu all median $cg us; ratio $(awk -v a="$cg" -v b="$cp" 'BEGIN{printf "%.3f", a/b}')"

# ---- (c) podman + CDI spec vs bolt run --gpu all ----
if ! command -v podman >/dev/null; then
  echo "(c) skipped: podman is not installed"
  exit 0
fi
cat > "$tmp/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
mkdir -p /var/run/cdi
cdi=/var/run/cdi/bolt-bench-$$.json
"$NVBIND" --root "$tmp/state" cdi generate --output "$cdi"
cp -a "$tmp/probe" "$tmp/prootfs"
# one podman process per run, in a mount namespace without the cgroup2 mount crun refuses
cat > "$tmp/podman-bench.sh" <<'SH'
umount /sys/fs/cgroup/unified 2>/dev/null
tmp=$1; n=$2; dev=$3
pm() { podman --root "$tmp/proot" --runroot "$tmp/prun" --storage-driver vfs "$@"; }
pm run --rm --network none $dev --rootfs "$tmp/prootfs" /bin/sh -c true >/dev/null # warm
for i in $(seq "$n"); do
  t0=$EPOCHREALTIME
  pm run --rm --network none $dev --rootfs "$tmp/prootfs" /bin/sh -c true >/dev/null
  t1=$EPOCHREALTIME
  echo "$t0 $t1" | awk '{printf "%.0f\n", ($2-$1)*1e6}'
done
SH
CONTAINERS_CONF=$tmp/containers.conf unshare -m bash "$tmp/podman-bench.sh" "$tmp" "$prun" "--device nvidia.com/gpu=all" > "$tmp/podman-gpu"
CONTAINERS_CONF=$tmp/containers.conf unshare -m bash "$tmp/podman-bench.sh" "$tmp" "$prun" "" > "$tmp/podman-plain"
pg=$(median < "$tmp/podman-gpu")
pp=$(median < "$tmp/podman-plain")
echo "(c) podman run: median $pp us; podman run --device nvidia.com/gpu=all (CDI spec): median $pg us; GPU cost $(awk -v a="$pg" -v b="$pp" 'BEGIN{printf "%.0f", a-b}') us ($prun runs each)"
echo "(c) bolt run --gpu all: median $mg us; GPU cost $(awk -v a="$mg" -v b="$mp" 'BEGIN{printf "%.0f", a-b}') us; podman+CDI / bolt --gpu all = $(awk -v a="$pg" -v b="$mg" 'BEGIN{printf "%.2f", a/b}')"
