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

# cuda_fixture: the glibc probe image (tests/fixtures/nvidia/mkprobeimage) as localhost/probe,
# a podman that fails at once (the podman rows are not what these tests look at), and the
# fake libcuda pointed at the fixture's nodes for the host side (bolt does not pass this
# environment on: inside a container the fake looks at the container's /dev)
cuda_fixture() {
  "$BOLT_TOP/tests/fixtures/nvidia/mkprobeimage" "$TMP/probe" >/dev/null
  tar -C "$TMP/probe" -cf "$TMP/probe.tar" .
  b import "$TMP/probe.tar" localhost/probe >/dev/null
  mkdir -p "$TMP/bin"
  printf '#!/bin/sh\necho "Error: no podman in CUDA tests" >&2\nexit 125\n' > "$TMP/bin/podman"
  chmod +x "$TMP/bin/podman"
  export PATH=$TMP/bin:$PATH FAKE_CUDA_DEV_DIR=$TMP/drv/dev FAKE_CUDA_PROC_DIR=$TMP/drv/proc
}

# cuda_row DOC NAME: that result as one JSON line
cuda_row() {
  echo "$1" | jq -c --arg n "$2" '.results[] | select(.name == $n)'
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
  # the fake libcuda looks at the host's /dev here (no nvidia nodes): cuInit fails, so CUDA
  # is not measured on the host nor, then, in a container; each row says why
  echo "$doc" | jq -e '[.results[] | select(.name | startswith("cuda:") and endswith("(host)"))] |
                       length == 2 and all(.measured == false and (.why | test("cuInit failed \\(CUresult 100\\)")))'
  echo "$doc" | jq -e '[.results[] | select(.name | startswith("cuda:") and endswith("(container)"))] |
                       length == 2 and all(.measured == false and (.why | startswith("not measured on the host")))'
  # no docker engine / nvidia-container-cli here: each says why (never a number)
  echo "$doc" | jq -e '.results[] | select(.name == "docker run --gpus all") | .measured == false and (.why | length > 10)'
  echo "$doc" | jq -e '.results[] | select(.name == "nvidia-container-cli configure") | .measured == false'
  # benchmark containers are removed
  [ "$(n_containers)" -eq 0 ]
}

@test "benchmark: CUDA on the host and inside a glibc container with the fake driver, labelled fake" {
  cuda_fixture
  run b gaming gpu benchmark --iterations 3 --image localhost/probe --format json
  [ "$status" -eq 0 ]
  doc=$output
  echo "$doc" | jq -c '.results[] | select(.name | startswith("cuda:"))'
  for w in host container; do
    measured "$doc" "cuda: kernel launch + sync ($w)" 3
    # the fixture's library says what it is: every CUDA figure is marked, none passes as a GPU's
    cuda_row "$doc" "cuda: kernel launch + sync ($w)" |
      jq -e '.fake == true and .note == "fake driver: not a GPU measurement" and .devices == 2'
    cuda_row "$doc" "cuda: host-to-device GB/s, 64 MiB ($w)" |
      jq -e '.measured and .fake == true and .unit == "GB/s" and .value > 0 and .devices == 2'
  done
  echo "$doc" | jq -e '.ratios[] | select(.name == "cuda launch: container / host") | .ratio > 0 and .fake == true'
  # one glibc image (with `true`) serves the run timings as well
  measured "$doc" "bolt run --rm --gpu all IMAGE true" 3
  # the table labels them too
  run b gaming gpu benchmark --iterations 2 --image localhost/probe
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *"cuda: kernel launch + sync (container)"*"us"*"(fake driver: not a GPU measurement)"* ]]
  [[ "$output" == *"cuda: host-to-device GB/s, 64 MiB (host)"*"(fake driver: not a GPU measurement)"* ]]
  [[ "$output" == *"cuda launch: container / host"*"(fake driver: not a GPU measurement)"* ]]
  [[ "$output" == *"figures from the test fixture's libcuda.so.1"* ]]
  # nothing left: containers, their state and mounts
  assert_clean_state
}

@test "benchmark: the CUDA container run gets exactly the GPUs of --gpu; none of them: cuInit fails" {
  cuda_fixture
  run b gaming gpu benchmark --iterations 2 --image localhost/probe --gpu 1 --format json
  [ "$status" -eq 0 ]
  doc=$output
  cuda_row "$doc" "cuda: kernel launch + sync (host)" | jq -e '.measured and .devices == 2'
  cuda_row "$doc" "cuda: kernel launch + sync (container)" | jq -e '.measured and .devices == 1'
  cuda_row "$doc" "cuda: host-to-device GB/s, 64 MiB (container)" | jq -e '.measured and .devices == 1'
  # --gpu none: the driver's libraries and nvidiactl but no GPU node in the container
  run b gaming gpu benchmark --iterations 2 --image localhost/probe --gpu none --format json
  [ "$status" -eq 0 ]
  doc=$output
  cuda_row "$doc" "cuda: kernel launch + sync (host)" | jq -e '.measured'
  for m in "cuda: kernel launch + sync (container)" "cuda: host-to-device GB/s, 64 MiB (container)"; do
    cuda_row "$doc" "$m" | jq -e '.measured == false and (.why | startswith(
      "inside `bolt run --gpu none localhost/probe`: cuInit failed (CUresult 100)"))'
  done
  echo "$doc" | jq -e '[.ratios[] | select(.name == "cuda launch: container / host")] | length == 0'
  # a node the host side may not open: cuInit fails there, and the container is not tried
  chmod 000 "$TMP/drv/dev/nvidiactl"
  run setpriv --inh-caps=-all --bounding-set=-all "$BOLT" --root "$ROOT" --runroot "$RUNROOT" \
    gaming gpu benchmark --iterations 1 --format json
  chmod 666 "$TMP/drv/dev/nvidiactl"
  [ "$status" -eq 0 ]
  cuda_row "$output" "cuda: kernel launch + sync (host)" |
    jq -e '.measured == false and (.why | startswith("cuInit failed (CUresult 100)"))'
  cuda_row "$output" "cuda: kernel launch + sync (container)" |
    jq -e '.measured == false and (.why | startswith("not measured on the host"))'
  run b gaming gpu benchmark --gpu '' --iterations 1
  [ "$status" -eq 2 ]
  [[ "$output" == *"--gpu '': expected a GPU selection"* ]]
  assert_clean_state
}

@test "benchmark: CUDA inside an image without glibc, or without the helper: not measured, says why" {
  cuda_fixture
  run b gaming gpu benchmark --iterations 2 --image $IMG --format json
  [ "$status" -eq 0 ]
  doc=$output
  cuda_row "$doc" "cuda: kernel launch + sync (host)" | jq -e '.measured'
  for m in "cuda: kernel launch + sync (container)" "cuda: host-to-device GB/s, 64 MiB (container)"; do
    cuda_row "$doc" "$m" | jq -e '.measured == false and (.why | startswith("localhost/busybox has no glibc: ")) and
                                  (.why | test("use a glibc image"))'
  done
  BOLT_CUDA_BENCH=$TMP/nosuch run b gaming gpu benchmark --iterations 1 --image localhost/probe --format json
  [ "$status" -eq 0 ]
  cuda_row "$output" "cuda: kernel launch + sync (container)" |
    jq -e --arg p "$TMP/nosuch" '.measured == false and (.why | startswith("the helper " + $p + " is missing"))'
  run b gaming gpu benchmark --iterations 1 --format json
  cuda_row "$output" "cuda: kernel launch + sync (container)" |
    jq -e '.measured == false and (.why | startswith("no --image given: pass a glibc image"))'
  assert_clean_state
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
