#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt gaming realtime`: with it enabled, SCHED_FIFO succeeds inside a container (and
# the container has CAP_SYS_NICE and, on cgroup v1, an RT budget); disabled, it fails.
# busybox has no chrt: tests/helpers/rt-chrt (static) is bound into the container.

load helpers/engine

RTCHRT=${RTCHRT:-${BOLT_BUILD:-$(dirname "$BOLT")/../..}/tests/helpers/rt-chrt}

setup() {
  eng_setup
  [ -x "$RTCHRT" ] || { echo "rt-chrt helper not built: $RTCHRT" >&2; return 1; }
}

teardown() {
  eng_teardown
}

cpu_v1() { [ "$(stat -f -c %T /sys/fs/cgroup/cpu 2>/dev/null)" = "cgroupfs" ]; }

@test "realtime: disabled by default; SCHED_FIFO inside fails" {
  run b gaming realtime --status
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "realtime: disabled" ]]
  run b run --rm -v "$RTCHRT:/rt-chrt:ro" $IMG /rt-chrt 10 -
  [ "$status" -eq 1 ]
  [[ "$output" == *"sched_setscheduler: Operation not permitted"* ]]
}

@test "realtime --enable: SCHED_FIFO inside succeeds (policy read back), CAP_SYS_NICE, persisted" {
  run b gaming realtime --enable
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "realtime: enabled" ]]
  jq -e '.enabled == true and .budget_us == 100000' "$ROOT/gaming/realtime.json"
  run b gaming realtime
  [[ "${lines[0]}" == "realtime: enabled" ]]
  run b run --rm -v "$RTCHRT:/rt-chrt:ro" $IMG /rt-chrt 10 -
  echo "rt-chrt: status $status: $output"
  # what decides SCHED_FIFO, should this ever fail somewhere else
  echo "sched_rt_runtime_us=$(cat /proc/sys/kernel/sched_rt_runtime_us) rtprio=$(ulimit -Sr)/$(ulimit -Hr)"
  echo "bolt cpu group rt_runtime_us=$(cat /sys/fs/cgroup/cpu/bolt/cpu.rt_runtime_us 2>&1)"
  grep -E '^Cap(Bnd|Eff)' /proc/self/status
  cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "$output" = "policy fifo priority 10" ]
  # CAP_SYS_NICE is bit 23 of the effective set
  run b run --rm $IMG sh -c 'grep CapEff /proc/self/status'
  echo "CapEff: $output"
  eff=$(echo "$output" | awk '{print $2}')
  [ $(( (0x$eff >> 23) & 1 )) -eq 1 ]
  # and off again
  run b gaming realtime --disable
  [ "$status" -eq 0 ]
  jq -e '.enabled == false' "$ROOT/gaming/realtime.json"
  run b run --rm -v "$RTCHRT:/rt-chrt:ro" $IMG /rt-chrt 10 -
  [ "$status" -eq 1 ]
  run b run --rm $IMG sh -c 'grep CapEff /proc/self/status'
  echo "CapEff: $output"
  eff=$(echo "$output" | awk '{print $2}')
  [ $(( (0x$eff >> 23) & 1 )) -eq 0 ]
}

@test "realtime on cgroup v1: the container's cpu cgroup gets the budget" {
  cpu_v1 || skip "no cgroup v1 cpu controller: cgroup2 has no per-group RT budget"
  b gaming realtime --enable --budget 50000
  b run -d --name rt $IMG sleep 300
  wait_for 10 status_is rt running
  pid=$(b inspect -f '{{.State.Pid}}' rt)
  cg=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ {print $3}' /proc/$pid/cgroup)
  [ "$(cat /sys/fs/cgroup/cpu$cg/cpu.rt_runtime_us)" -eq 50000 ]
  # bolt gaming optimize --rt works on the container's process now
  run b gaming optimize --pid $pid --rt --priority 20
  [ "$status" -eq 0 ]
  [[ "$(chrt -p $pid)" == *"SCHED_FIFO"* ]]
  b rm -f rt
}

@test "realtime disabled: optimize --rt on a container's process says what to enable" {
  cpu_v1 || skip "no cgroup v1 cpu controller"
  b run -d --name nort $IMG sleep 300
  wait_for 10 status_is nort running
  pid=$(b inspect -f '{{.State.Pid}}' nort)
  run b gaming optimize --pid $pid --rt
  [ "$status" -ne 0 ]
  [[ "$output" == *"no real-time budget"*"bolt gaming realtime --enable"* ]]
  [[ "$(chrt -p $pid)" == *"SCHED_OTHER"* ]]
  b rm -f nort
}

@test "realtime: bad values and conflicting flags are refused with the flag named" {
  run b gaming realtime --enable --budget 5
  [ "$status" -eq 2 ]
  [[ "$output" == *"--budget '5': expected microseconds"* ]]
  run b gaming realtime --disable --budget 5000
  [ "$status" -eq 2 ]
  [[ "$output" == *"--budget goes with --enable"* ]]
  run b gaming realtime --enable --disable
  [ "$status" -eq 2 ]
  if [ "$(cat /proc/sys/kernel/sched_rt_runtime_us)" -ge 0 ]; then
    run b gaming realtime --enable --budget 1000000
    [ "$status" -eq 2 ]
    [[ "$output" == *"kernel.sched_rt_runtime_us"* ]]
  fi
  [ ! -e "$ROOT/gaming/realtime.json" ]
  mkdir -p "$ROOT/gaming"
  echo '{broken' > "$ROOT/gaming/realtime.json"
  run b gaming realtime --status
  [ "$status" -eq 125 ]
  [[ "$output" == *"$ROOT/gaming/realtime.json: not a JSON object"* ]]
}
