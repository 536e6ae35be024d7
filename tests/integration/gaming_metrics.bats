#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt gaming performance`: GPU figures from the mock NVML of a fake driver, containers'
# CPU/memory from their cgroups and their GPU memory from NVML's process list (pids mapped
# to containers by cgroup), --follow, and the HTML --report (rendered in headless chromium
# when it is installed).

load helpers/engine
load helpers/gpu

LAYOUT=$BOLT_TOP/tests/fixtures/nvidia/layouts/debian-2gpu-proprietary.json

setup() {
  eng_setup
  gpu_fixture "$LAYOUT" "$TMP/drv"
  gpu_use "$TMP/drv"
  ST=$TMP/drv/usr/lib/x86_64-linux-gnu/fake-nvml-state.json
  [ -f "$ST" ]
  # distinctive figures on GPU 0
  jq '.devices[0] += {"util_gpu": 77, "util_memory": 31, "temperature": 66, "power_usage_mw": 55500,
                      "fan_speed": 42, "pstate": 2, "clock_graphics": 2040}' "$ST" > "$ST.new"
  mv "$ST.new" "$ST"
}

teardown() {
  eng_teardown
}

# set_procs JSON: the NVML process list of GPU 0
set_procs() {
  jq --argjson p "$1" '.devices[0].processes = $p' "$ST" > "$ST.new" && mv "$ST.new" "$ST"
}

@test "performance: GPU figures come from NVML; json and table agree" {
  run b gaming performance --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.gpus | length == 2'
  echo "$output" | jq -e '.gpus[0] | .util_gpu == 77 and .util_memory == 31 and .temperature_c == 66
                          and .power_w == 55.5 and .power_limit_w == 72 and .fan_pct == 42
                          and .pstate == 2 and .clock_graphics_mhz == 2040 and .mem_total > 0'
  # the mock has no throttle-reason call: reported as unknown, never as "none"
  echo "$output" | jq -e '.gpus[0].throttle == null'
  run b gaming performance
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" =~ ^0\ +NVIDIA\ L4\ +77%\ +31%\ .*66C\ +55\.5/72W\ +2040/.*42%\ +P2 ]]
}

@test "performance: a container's CPU, memory and GPU memory (its pids only, by cgroup)" {
  b run -d --name game --memory 64m $IMG sh -c 'while :; do :; done'
  wait_for 10 status_is game running
  cpid=$(b inspect -f '{{.State.Pid}}' game)
  # NVML sees the container's process (512 MiB) and a host process (1 GiB, not the container's)
  set_procs "[{\"pid\": $cpid, \"used_memory\": 536870912, \"type\": \"graphics\"},
              {\"pid\": $$, \"used_memory\": 1073741824, \"type\": \"compute\"}]"
  run b gaming performance --format json --container game
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.containers | length == 1'
  echo "$output" | jq -e --arg u "$(jq -r '.devices[0].uuid' "$ST")" \
    '.containers[0] | .name == "game" and .gpu_mem_total == 536870912 and .gpu_mem[$u] == 536870912'
  echo "$output" | jq -e '.containers[0] | .mem_limit == 67108864 and .mem_used > 0'
  # a busy loop: clearly above idle over the sample window (the CPUs are shared)
  echo "$output" | jq -e '.containers[0].cpu_pct > 3'
  run b gaming performance --container game
  [ "$status" -eq 0 ]
  [[ "$output" =~ game\ +[0-9a-f]{12}\ +$cpid\ +[0-9.]+%\ +[0-9]+M/64M\ +512M ]]
  b rm -f game
}

@test "performance --follow redraws until Ctrl-C and exits 0" {
  # bolt itself in the background (not a subshell around it), so the SIGINT reaches it
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" gaming performance --follow --interval 0.2 \
    --format json > "$TMP/follow.out" &
  pid=$!
  sleep 1.5
  kill -INT $pid
  rc=0
  timeout 10 tail --pid=$pid -f /dev/null || kill -9 $pid
  wait $pid || rc=$?
  [ "$rc" -eq 0 ]
  n=$(wc -l < "$TMP/follow.out")
  [ "$n" -ge 3 ]
  # one complete JSON object per line, times increasing
  jq -s -e 'map(.time) | . == sort and (.[0] < .[-1])' "$TMP/follow.out"
}

@test "performance --report writes one self-contained HTML with SVG charts and the samples" {
  b run -d --name game $IMG sleep 300
  wait_for 10 status_is game running
  run b gaming performance --report "$TMP/r.html" --duration 1 --interval 0.25
  [ "$status" -eq 0 ]
  [ -s "$TMP/r.html" ]
  # no external resources, no script code
  ! grep -Eq '(src|href)=' "$TMP/r.html"
  [ "$(grep -o '<svg' "$TMP/r.html" | wc -l)" -ge 13 ]
  grep -q 'GPU 0 NVIDIA L4' "$TMP/r.html"
  grep -q '>game<' "$TMP/r.html"
  python3 - "$TMP/r.html" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
m = re.search(r'<script type="application/json" id="samples">(.*?)</script>', html, re.S)
samples = json.loads(m.group(1).replace('<\\/', '</'))
assert len(samples) == 5, len(samples)
assert all(s["gpus"][0]["util_gpu"] == 77 for s in samples)
assert all(any(c["name"] == "game" for c in s["containers"]) for s in samples)
PY
  command -v chromium >/dev/null || skip "chromium not installed (tools/deps.sh installs it)"
  prof=$(mktemp -d)
  (cd "$TMP" && timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
     --disable-background-networking --disable-component-update --disable-sync \
     --user-data-dir="$prof" --window-size=1200,900 --screenshot="$TMP/r.png" "file://$TMP/r.html") \
     >/dev/null 2>&1 || true
  rm -rf "$prof"
  [ -s "$TMP/r.png" ]
  # a rendered page is not one flat colour: the PNG of a blank page is tiny
  [ "$(stat -c %s "$TMP/r.png")" -gt 20000 ]
  b rm -f game
}

@test "performance without a driver: says why there are no GPU figures, still shows containers" {
  mkdir -p "$TMP/empty"
  gpu_use "$TMP/empty"
  run b gaming performance --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '(.gpus | length == 0) and (.gpu_error | startswith("no NVIDIA driver"))'
  run b gaming performance
  [ "$status" -eq 0 ]
  [[ "$output" == *"GPUs: none measured (no NVIDIA driver"* ]]
}

@test "performance: bad values name the flag" {
  run b gaming performance --interval 0
  [ "$status" -eq 2 ]
  [[ "$output" == *"--interval '0': expected seconds"* ]]
  run b gaming performance --format xml
  [ "$status" -eq 2 ]
  [[ "$output" == *"--format 'xml': expected table or json"* ]]
  run b gaming performance --duration 3
  [ "$status" -eq 2 ]
  [[ "$output" == *"--duration goes with --report"* ]]
  run b gaming performance --container nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"--container: no such container: nosuch"* ]]
  run b gaming performance --report "$TMP/nodir/x.html" --duration 0.1
  [ "$status" -eq 1 ]
  [[ "$output" == *"$TMP/nodir/x.html"* ]]
}
