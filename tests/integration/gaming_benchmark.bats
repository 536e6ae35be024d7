#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt gaming gpu benchmark`: measured figures are consistent (min <= median <= max, N
# samples), the bolt run pair gives a ratio, podman + nvbind's CDI spec is measured next to
# it without leaving anything behind, and everything not measurable here is listed with a
# reason instead of a number.

load helpers/engine
load helpers/gpu

setup() {
  eng_setup
  gpu_fixture "$BOLT_TOP/tests/fixtures/nvidia/layouts/debian-2gpu-proprietary.json" "$TMP/drv"
  gpu_use "$TMP/drv"
}

teardown() {
  [ -n "${POLLER:-}" ] && kill "$POLLER" 2>/dev/null && wait "$POLLER" 2>/dev/null
  [ -n "${RUNDRV:-}" ] && rm -rf "$RUNDRV"
  eng_teardown
}

# measured, n samples, 0 < min <= median <= max
measured() {
  echo "$1" | jq -e --arg m "$2" --argjson n "$3" '.results[] | select(.name == $m) |
    .measured and .samples == $n and .min_us <= .median_us and .median_us <= .max_us and .min_us > 0'
}

# processes whose command line mentions $1 (matched in bash: no helper process carries it)
procs_under() {
  local f c
  for f in /proc/[0-9]*/cmdline; do
    { c=$(tr '\0' ' ' < "$f"); } 2>/dev/null || continue
    [[ "$c" == *"$1"* ]] && echo "${f%/cmdline}: $c"
  done
  return 0
}

# host CDI spec files that mention $1 (other engineers' runs may add their own)
cdi_files_with() {
  grep -rlF "$1" /etc/cdi /var/run/cdi 2>/dev/null || true
}

@test "benchmark: injection and bolt run with/without GPUs measured, ratio printed, the rest explained" {
  run b gaming gpu benchmark --iterations 3 --image $IMG --format json
  [ "$status" -eq 0 ]
  doc=$output
  for m in "inject: load cached plan" "inject: all GPUs into a spec" "bolt run --rm IMAGE true" \
           "bolt run --rm --gpu all IMAGE true"; do
    measured "$doc" "$m" 3
  done
  echo "$doc" | jq -e '.ratios[] | select(.name == "bolt run: --gpu all / no GPU") | .ratio > 0'
  echo "$doc" | jq -e '.gpu_cost_us[] | select(.name == "bolt run --gpu all") | .us | type == "number"'
  # the fake driver has no GPU behind its nodes: CUDA is not measured, and says why
  echo "$doc" | jq -e '[.results[] | select(.name | startswith("cuda:"))] | length == 2 and
                       all(.measured == false and (.why | test("cuInit failed")))'
  # no docker engine / nvidia-container-cli here: each says why (never a number)
  echo "$doc" | jq -e '.results[] | select(.name == "docker run --gpus all") | .measured == false and (.why | length > 10)'
  echo "$doc" | jq -e '.results[] | select(.name == "nvidia-container-cli configure") | .measured == false'
  # benchmark containers are removed
  [ "$(n_containers)" -eq 0 ]
}

@test "benchmark: table output; without --image the bolt run timings say what to pass" {
  run b gaming gpu benchmark --iterations 2
  [ "$status" -eq 0 ]
  [[ "$output" == *"inject: all GPUs into a spec"*us* ]]
  [[ "$output" == *"not measured:"* ]]
  [[ "$output" == *"bolt run --rm IMAGE true: no --image given"* ]]
  [[ "$output" == *"podman run --rm --device nvidia.com/gpu=all IMAGE true: no --image given"* ]]
}

@test "benchmark: podman + nvbind's CDI spec measured next to bolt run; nothing left behind" {
  command -v podman >/dev/null || skip "podman is not installed"
  mkdir "$TMP/ptmp"
  had_var_lib=$([ -d /var/lib/containers ] && echo yes || echo no)
  # the spec must never show up in the host's CDI dirs, not even while podman runs
  (while :; do grep -l -F "$TMP/drv" /etc/cdi/* /var/run/cdi/* 2>/dev/null || true; sleep 0.05; done) > "$TMP/seen" &
  POLLER=$!
  TMPDIR=$TMP/ptmp run b gaming gpu benchmark --iterations 3 --image $IMG --format json
  kill "$POLLER"
  wait "$POLLER" 2>/dev/null || true
  POLLER=
  echo "$output" | jq -c '[.results[] | select(.name | startswith("podman")) | {name, measured, median_us, why}], .podman' || echo "$output"
  [ "$status" -eq 0 ]
  doc=$output
  measured "$doc" "podman run --rm IMAGE true" 3
  measured "$doc" "podman run --rm --device nvidia.com/gpu=all IMAGE true" 3
  measured "$doc" "bolt run --rm --gpu all IMAGE true" 3
  echo "$doc" | jq -e '.ratios[] | select(.name == "podman+CDI --gpu / bolt run --gpu all") | .ratio > 0'
  echo "$doc" | jq -e '.ratios[] | select(.name == "podman: --device nvidia.com/gpu=all / no GPU") | .ratio > 0'
  echo "$doc" | jq -e '.gpu_cost_us[] | select(.name == "podman run --device nvidia.com/gpu=all (CDI)") | .us | type == "number"'
  # nvbind's spec for the 2-GPU fixture: 0, 1, their UUIDs and "all"
  echo "$doc" | jq -e '.podman.cdi_spec_devices == 5 and (.podman.storage_driver | test("^(overlay|vfs)$"))'
  if grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts && grep -q ' /sys/fs/cgroup tmpfs ' /proc/self/mounts; then
    echo "$doc" | jq -e '.podman.cgroup2_detached == true'
    grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts   # still there on the host
  fi
  # the table says it too
  run b gaming gpu benchmark --iterations 1 --image $IMG
  [[ "$output" == *"podman+CDI --gpu / bolt run --gpu all"* ]]
  [[ "$output" == *"podman run --device nvidia.com/gpu=all (CDI)"*us* ]]
  # nothing left: temp dirs, mounts, processes, CDI spec files, /var/lib/containers
  [ -z "$(ls -A "$TMP/ptmp")" ]
  ! grep -q "/bolt-bench-podman\." /proc/self/mountinfo
  [ -z "$(procs_under "$TMP/ptmp")" ]
  [ -z "$(cdi_files_with "$TMP")" ]
  [ ! -s "$TMP/seen" ]
  [ "$([ -d /var/lib/containers ] && echo yes || echo no)" = "$had_var_lib" ]
  [ "$(n_containers)" -eq 0 ]
}

@test "benchmark: podman's private /run still shows a driver root under /run (a driver container's /run/nvidia/driver)" {
  command -v podman >/dev/null || skip "podman is not installed"
  RUNDRV=$(mktemp -d /run/bolt-bench-drv.XXXXXX)
  gpu_fixture "$BOLT_TOP/tests/fixtures/nvidia/layouts/debian-2gpu-proprietary.json" "$RUNDRV/drv"
  gpu_use "$RUNDRV/drv"
  mkdir "$TMP/ptmp"
  TMPDIR=$TMP/ptmp run b gaming gpu benchmark --iterations 1 --image $IMG --format json
  echo "$output" | jq -c '.results[] | select(.name | startswith("podman")) | {name, measured, why}' || echo "$output"
  [ "$status" -eq 0 ]
  measured "$output" "podman run --rm --device nvidia.com/gpu=all IMAGE true" 1
  [ -z "$(ls -A "$TMP/ptmp")" ]
  ! grep -q "/bolt-bench-podman\." /proc/self/mountinfo
}

@test "benchmark: SIGTERM stops the runs, prints what was measured and still removes everything" {
  command -v podman >/dev/null || skip "podman is not installed"
  mkdir "$TMP/ptmp"
  # a simple command, so $! is bolt itself
  TMPDIR=$TMP/ptmp "$BOLT" --root "$ROOT" --runroot "$RUNROOT" gaming gpu benchmark \
    --iterations 100 --image $IMG > "$TMP/out" 2>&1 &
  pid=$!
  for _ in $(seq 150); do
    ls -d "$TMP"/ptmp/*/store-overlay "$TMP"/ptmp/*/store-vfs >/dev/null 2>&1 && break
    sleep 0.2
  done
  sleep 3   # into the interleaved runs
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  cat "$TMP/out"
  [ "$status" -eq 143 ]
  grep -q "inject: all GPUs into a spec" "$TMP/out"
  grep -q "podman run --rm --device nvidia.com/gpu=all IMAGE true: interrupted by signal 15" "$TMP/out"
  [ -z "$(ls -A "$TMP/ptmp")" ]
  [ -z "$(procs_under "$TMP/ptmp")" ]
  [ "$(n_containers)" -eq 0 ]
}

@test "benchmark: a failing podman is reported with its command, exit status and error line" {
  mkdir -p "$TMP/bin" "$TMP/ptmp"
  printf '#!/bin/sh\necho "some progress" >&2\necho "Error: the fake podman refuses" >&2\nexit 125\n' > "$TMP/bin/podman"
  chmod +x "$TMP/bin/podman"
  PATH=$TMP/bin:$PATH TMPDIR=$TMP/ptmp run b gaming gpu benchmark --iterations 1 --image $IMG --format json
  [ "$status" -eq 0 ]
  why=$(echo "$output" | jq -r '.results[] | select(.name == "podman run --rm --device nvidia.com/gpu=all IMAGE true") | select(.measured == false) | .why')
  echo "$why"
  [[ "$why" == "podman load into a private store failed: \`podman --root $TMP/ptmp/bolt-bench-podman."*"/store-vfs "*"--storage-driver vfs load -q -i "*"/image.tar\` exited with status 125: Error: the fake podman refuses (with the overlay driver: exited with status 125: Error: the fake podman refuses)" ]]
  # bolt's own figures do not depend on podman
  measured "$output" "bolt run --rm --gpu all IMAGE true" 1
  [ -z "$(ls -A "$TMP/ptmp")" ]
}

@test "benchmark without a driver: nothing is made up" {
  mkdir -p "$TMP/empty"
  gpu_use "$TMP/empty"
  run b gaming gpu benchmark --iterations 2 --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '[.results[] | select(.measured)] | length == 0'
  echo "$output" | jq -e '.results[] | select(.name == "inject: all GPUs into a spec") | .why | startswith("no usable driver")'
}

@test "benchmark: bad values name the flag" {
  run b gaming gpu benchmark --iterations 0
  [ "$status" -eq 2 ]
  [[ "$output" == *"--iterations '0': expected a count"* ]]
  run b gaming gpu benchmark --format csv
  [ "$status" -eq 2 ]
  [[ "$output" == *"--format 'csv': expected table or json"* ]]
  run b gaming gpu benchmark --iterations 1 --image localhost/nosuch
  [ "$status" -eq 0 ]
  [[ "$output" == *"bolt run --rm IMAGE true: \`"*"exited with status 125: "*"localhost/nosuch"* ]]
  [[ "$output" == *"podman run --rm IMAGE true: export 'localhost/nosuch' from bolt's store for podman: "* ]] ||
    ! command -v podman >/dev/null
}
