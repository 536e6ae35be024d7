#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The cgroup layer (src/runtime/cgroup.h) driven through tests/helpers/cgroup-tool, as root,
# on this host's real layout (v1, v2 or hybrid), plus a private cgroup2 mount for pure v2.

load helpers/cgroup

setup() {
  cgroup_setup
}

teardown() {
  cgroup_teardown
}

@test "detect: the layout matches /proc/self/mountinfo" {
  run "$CGTOOL" detect
  [ "$status" -eq 0 ]
  local v1 v2 want
  v1=$(awk '$0 ~ / - cgroup / && $5 ~ "^/sys/fs/cgroup"' /proc/self/mountinfo | wc -l)
  v2=$(awk '$0 ~ / - cgroup2 / && $5 ~ "^/sys/fs/cgroup"' /proc/self/mountinfo | wc -l)
  if [ "$v1" -gt 0 ] && [ "$v2" -gt 0 ]; then want=hybrid; elif [ "$v2" -gt 0 ]; then want=v2; else want=v1; fi
  [ "${lines[0]}" = "mode $want" ]
  # one line per hierarchy (a hierarchy mounted twice is listed once)
  [ "${#lines[@]}" -le $((v1 + v2 + 1)) ]
  [ "${#lines[@]}" -ge 2 ]
}

@test "create makes the cgroup in every hierarchy; destroy removes all of it" {
  cg_create --id "$CGID"
  local n=0 m
  for m in $(cg_mounts); do
    [ -d "$m/bolt/$CGID" ] || { echo "missing $m/bolt/$CGID"; false; }
    n=$((n + 1))
  done
  [ "$n" -ge 1 ]
  run "$CGTOOL" destroy --state "$STATE"
  [ "$status" -eq 0 ]
  for m in $(cg_mounts); do
    [ ! -e "$m/bolt/$CGID" ] || { echo "left behind: $m/bolt/$CGID"; false; }
  done
  # a second destroy (e.g. 'delete' retried after a crash) is fine
  run "$CGTOOL" destroy --state "$STATE"
  [ "$status" -eq 0 ]
}

@test "memory limit: a process over it is OOM-killed, one under it survives" {
  cg_need memory
  cg_create --id "$CGID" --memory $((32 << 20)) --memory-swap $((32 << 20))
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" hog 256
  echo "$output"
  [ "$status" -eq 137 ]
  [[ "$output" == *"signal 9"* ]]
  [[ "$output" != *survived* ]]
  run "$CGTOOL" stats --state "$STATE"
  echo "$output"
  [[ "$output" == *"memory_limit $((32 << 20))"* ]]
  local kills
  kills=$(echo "$output" | awk '$1 == "oom_kills" {print $2}')
  [ "$kills" -ge 1 ]
  # the kernel's own counter agrees (memory.oom_control on v1, memory.events on v2)
  local d
  d=$(cg_dir memory)
  if [ -f "$d/memory.oom_control" ]; then
    grep -q "^oom_kill [1-9]" "$d/memory.oom_control"
  else
    grep -q "^oom_kill [1-9]" "$d/memory.events"
  fi
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" hog 8
  [ "$status" -eq 0 ]
  [[ "$output" == *"survived 8 MiB"* ]]
}

@test "pids limit: fork fails with EAGAIN at the limit" {
  cg_need pids
  cg_create --id "$CGID" --pids 6
  [ "$(cat "$(cg_dir pids)/pids.max")" = 6 ]
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" forks 40
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"fork: EAGAIN"* ]]
  # the tool itself is one of the 6
  [[ "$output" == *"forked 5"* ]]
  # without the limit the same workload succeeds
  run "$CGTOOL" update --state "$STATE" --pids 0
  [ "$status" -eq 0 ]
  [ "$(cat "$(cg_dir pids)/pids.max")" = max ]
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" forks 40
  [ "$status" -eq 0 ]
  [[ "$output" == *"forked 40"* ]]
}

@test "device rules: denied node gives EPERM, allowed one reaches the driver" {
  cg_create --id "$CGID"
  mknod "$TMP/null" c 1 3
  mknod "$TMP/nvidia0" c 195 0
  mknod "$TMP/nvidia1" c 195 1
  # runc's default policy: deny all, then the standard nodes
  run "$CGTOOL" devices --state "$STATE" --defaults 'deny:a:*:*'
  [ "$status" -eq 0 ]
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" open "$TMP/null"
  [ "$status" -eq 0 ]
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" open "$TMP/nvidia0"
  [[ "$output" == *EPERM* ]]
  # grant one GPU node: it now fails with ENXIO (no driver here), the other stays EPERM
  run "$CGTOOL" devices --state "$STATE" --defaults 'deny:a:*:*' 'allow:c:195:0:rw'
  [ "$status" -eq 0 ]
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" open "$TMP/nvidia0"
  [[ "$output" == *ENXIO* ]]
  run "$CGTOOL" run --state "$STATE" "$CGTOOL" open "$TMP/nvidia1"
  [[ "$output" == *EPERM* ]]
  # outside the cgroup nothing is denied
  run "$CGTOOL" open "$TMP/nvidia1"
  [[ "$output" == *ENXIO* ]]
}

@test "device rules: a bad rule is refused with the rule named" {
  cg_create --id "$CGID"
  run "$CGTOOL" devices --state "$STATE" 'allow:x:1:3:rw'
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.resources.devices[0].type 'x'"* ]]
  [ "${#lines[@]}" -eq 1 ]
}

@test "cgroup2 (private mount): eBPF device program denies with EPERM and can be replaced" {
  cg_v2_private_mount
  mknod "$TMP/null" c 1 3
  mknod "$TMP/nvidia0" c 195 0
  cat >"$TMP/v2.sh" <<EOF
set -e
mount -t cgroup2 none "$TMP/cg2"
T="$CGTOOL --root $TMP/cg2"
\$T detect | head -1
\$T create --id "$CGID" >"$TMP/v2.json"
S="--state $TMP/v2.json"
\$T devices \$S --defaults 'deny:a:*:*'
\$T run \$S $CGTOOL open "$TMP/null" || true
\$T run \$S $CGTOOL open "$TMP/nvidia0" || true
\$T devices \$S 'deny:a:*:*' 'allow:c:195:0:r'
\$T run \$S $CGTOOL open "$TMP/null" || true
\$T run \$S $CGTOOL open "$TMP/nvidia0" || true
\$T destroy \$S
[ ! -e "$TMP/cg2/bolt/$CGID" ] && echo removed
EOF
  run unshare -m sh "$TMP/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "mode v2" ]
  [ "${lines[1]}" = ok ]       # /dev/null allowed by the defaults
  [ "${lines[3]}" = EPERM ]    # nvidia0 denied
  [ "${lines[5]}" = EPERM ]    # the new program replaced the old: null now denied
  [ "${lines[7]}" = ENXIO ]    # and nvidia0 allowed (the old program is detached)
  [ "${lines[9]}" = removed ]
}

@test "cgroup2 (private mount): controllers are delegated down the path" {
  cg_v2_private_mount
  grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null \
    || grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers 2>/dev/null \
    || skip "no hugetlb controller on cgroup2 here"
  local size
  size=$(ls /sys/kernel/mm/hugepages | sed -n 's/^hugepages-\([0-9]*\)kB$/\1/p' | head -1)
  [ -n "$size" ] || skip "no huge page sizes"
  if [ "$size" -ge 1048576 ]; then size="$((size / 1048576))GB"; elif [ "$size" -ge 1024 ]; then size="$((size / 1024))MB"; else size="${size}KB"; fi
  cat >"$TMP/v2.sh" <<EOF
set -e
mount -t cgroup2 none "$TMP/cg2"
T="$CGTOOL --root $TMP/cg2"
\$T create --id "$CGID" --path /bolt-test-$CGID/inner --hugetlb $size=$((4 << 20)) >"$TMP/v2.json"
cat "$TMP/cg2/cgroup.subtree_control" "$TMP/cg2/bolt-test-$CGID/cgroup.subtree_control"
cat "$TMP/cg2/bolt-test-$CGID/inner/hugetlb.$size.max"
\$T destroy --state "$TMP/v2.json"
[ ! -e "$TMP/cg2/bolt-test-$CGID" ] && echo removed
EOF
  run unshare -m sh "$TMP/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *hugetlb* ]]
  [[ "${lines[1]}" == *hugetlb* ]]
  [ "${lines[2]}" = $((4 << 20)) ]
  [ "${lines[3]}" = removed ]
}

@test "kill_all signals every process, including children forked inside" {
  cg_create --id "$CGID"
  "$CGTOOL" run --state "$STATE" sh -c 'sleep 300 & sleep 300 & wait' >/dev/null 2>&1 3>&- &
  local bg=$!
  cg_wait_pids 3
  run "$CGTOOL" kill --state "$STATE" 9
  [ "$status" -eq 0 ]
  wait "$bg" || true
  for _ in $(seq 50); do
    [ "$("$CGTOOL" empty --state "$STATE")" = empty ] && break
    sleep 0.05
  done
  [ "$("$CGTOOL" empty --state "$STATE")" = empty ]
}

@test "freeze and thaw" {
  cg_create --id "$CGID"
  "$CGTOOL" run --state "$STATE" sleep 300 >/dev/null 2>&1 3>&- &
  cg_wait_pids 1
  run "$CGTOOL" freeze --state "$STATE"
  [ "$status" -eq 0 ]
  local pid
  pid=$("$CGTOOL" pids --state "$STATE" | head -1)
  # a frozen task shows state D (v1) or is stopped in the freezer; the cgroup says so
  if [ -n "$(cg_dir freezer)" ]; then
    [ "$(cat "$(cg_dir freezer)/freezer.state")" = FROZEN ]
  else
    grep -q "^frozen 1" "$(cg_dir)/cgroup.events"
  fi
  run "$CGTOOL" thaw --state "$STATE"
  [ "$status" -eq 0 ]
  if [ -n "$(cg_dir freezer)" ]; then
    [ "$(cat "$(cg_dir freezer)/freezer.state")" = THAWED ]
  fi
  kill -0 "$pid"
}

@test "destroy kills what is left inside, then removes the directories" {
  cg_create --id "$CGID"
  "$CGTOOL" run --state "$STATE" sleep 300 >/dev/null 2>&1 3>&- &
  cg_wait_pids 1
  run "$CGTOOL" destroy --state "$STATE"
  [ "$status" -eq 0 ]
  local m
  for m in $(cg_mounts); do
    [ ! -e "$m/bolt/$CGID" ]
  done
}

@test "an existing cgroup is refused and left alone" {
  cg_create --id "$CGID"
  run "$CGTOOL" create --id "$CGID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
  [ "${#lines[@]}" -eq 1 ]
  local m
  for m in $(cg_mounts); do
    [ -d "$m/bolt/$CGID" ]
  done
}

@test "systemd-style cgroupsPath gives a clear error and creates nothing" {
  run "$CGTOOL" create --id "$CGID" --path "system.slice:bolt:$CGID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"systemd cgroup driver"* ]]
  [ "${#lines[@]}" -eq 1 ]
  local m
  for m in $(cg_mounts); do
    [ ! -e "$m/system.slice" ] || [ -n "$(ls -A "$m/system.slice" 2>/dev/null)" ]
  done
}

@test "a limit that fails half-way leaves no directory behind" {
  run "$CGTOOL" create --id "$CGID" --path "/bolt-partial-$CGID/c" --pids 5 --hugetlb 3MB=1024
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"pageSize '3MB'"* ]] || [[ "$output" == *"no 'hugetlb' cgroup controller"* ]]
  [ "${#lines[@]}" -eq 1 ]
  local m
  for m in $(cg_mounts); do
    [ ! -e "$m/bolt-partial-$CGID" ] || { echo "left behind: $m/bolt-partial-$CGID"; false; }
  done
}

@test "cpu and cpuset limits are written (shares, quota, period, cpus copied from parent)" {
  cg_need cpu
  cg_create --id "$CGID" --cpu-shares 512 --cpu-quota 50000 --cpu-period 100000
  local d
  d=$(cg_dir cpu)
  if [ -f "$d/cpu.shares" ]; then
    [ "$(cat "$d/cpu.shares")" = 512 ]
    [ "$(cat "$d/cpu.cfs_quota_us")" = 50000 ]
    [ "$(cat "$d/cpu.cfs_period_us")" = 100000 ]
  else
    [ "$(cat "$d/cpu.weight")" = 20 ]
    [ "$(cat "$d/cpu.max")" = "50000 100000" ]
  fi
  d=$(cg_dir cpuset)
  if [ -n "$d" ] && [ -f "$d/cpuset.cpus" ] && [ ! -f "$d/cgroup.controllers" ]; then
    # v1: an empty cpuset would make every join fail; it is filled from the parent
    [ -n "$(cat "$d/cpuset.cpus")" ]
    [ "$(cat "$d/cpuset.cpus")" = "$(cat "$d/../cpuset.cpus")" ]
    [ "$(cat "$d/cpuset.mems")" = "$(cat "$d/../cpuset.mems")" ]
  fi
  run "$CGTOOL" run --state "$STATE" true
  [ "$status" -eq 0 ]
}

@test "cpuset.cpus from the spec is applied" {
  cg_need cpuset
  cg_create --id "$CGID" --cpus 0 --mems 0
  [ "$(cat "$(cg_dir cpuset)/cpuset.cpus")" = 0 ]
  run "$CGTOOL" run --state "$STATE" sh -c 'grep Cpus_allowed_list /proc/self/status'
  [[ "$output" == *"Cpus_allowed_list:"*"0"* ]]
  [[ "${lines[0]}" =~ :[[:space:]]*0$ ]]
}

@test "stats: cpu time, memory and pids of the processes inside" {
  cg_create --id "$CGID" --memory $((64 << 20))
  run "$CGTOOL" run --state "$STATE" sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'
  [ "$status" -eq 0 ]
  run "$CGTOOL" stats --state "$STATE"
  echo "$output"
  [ "$status" -eq 0 ]
  local cpu
  cpu=$(echo "$output" | awk '$1 == "cpu_usage_ns" {print $2}')
  [ "$cpu" -gt 1000000 ]
  if [ -n "$(cg_dir memory)" ]; then
    [[ "$output" == *"memory_limit $((64 << 20))"* ]]
  fi
  if [ -n "$(cg_dir pids)" ]; then
    [[ "$output" == *"pids_current 0"* ]]
  fi
}

@test "real-time budget: SCHED_FIFO is refused without one and works with one" {
  cg_need cpu
  [ -f /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no v1 cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED)"
  command -v chrt >/dev/null || skip "chrt missing"
  cg_create --id "$CGID"
  run "$CGTOOL" run --state "$STATE" chrt -f 10 true
  [ "$status" -ne 0 ]
  run "$CGTOOL" rt --state "$STATE" 10000 1000000
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$(cg_dir cpu)/cpu.rt_runtime_us")" = 10000 ]
  run "$CGTOOL" run --state "$STATE" chrt -f 10 true
  echo "$output"
  [ "$status" -eq 0 ]
  # more than the period is a clear error
  run "$CGTOOL" rt --state "$STATE" 2000000 1000000
  [ "$status" -eq 1 ]
  [[ "$output" == *"exceeds the period"* ]]
}

@test "a tampered handle cannot point destroy elsewhere" {
  cg_create --id "$CGID"
  sed 's#"created":\[#"created":["/etc",#' "$STATE" >"$TMP/bad.json"
  run "$CGTOOL" destroy --state "$TMP/bad.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"created[0]"* ]]
  [ -d /etc ]
}

@test "pure v1 (private mounts): pids, devices and freezer work without any cgroup2 mount" {
  local ctl have=""
  for ctl in pids devices freezer memory; do
    "$CGTOOL" detect | awk -v c="$ctl" '$1 == "v1" && $3 == c {f=1} END {exit !f}' && have="$have $ctl"
  done
  [[ "$have" == *pids*devices*freezer* ]] || skip "needs v1 pids, devices and freezer hierarchies"
  command -v unshare >/dev/null || skip "unshare missing"
  mknod "$TMP/nvidia0" c 195 0
  cat >"$TMP/v1.sh" <<EOF
set -e
mount -t tmpfs none "$TMP/v1"
for c in $have; do mkdir "$TMP/v1/\$c"; mount -t cgroup -o \$c none "$TMP/v1/\$c"; done
T="$CGTOOL --root $TMP/v1"
\$T detect | head -1
\$T create --id "$CGID" --pids 4 >"$TMP/v1.json"
S="--state $TMP/v1.json"
\$T run \$S $CGTOOL forks 10 || true
\$T devices \$S 'allow:a:*:*' 'deny:c:195:*'
\$T run \$S $CGTOOL open "$TMP/nvidia0" || true
\$T run \$S sleep 300 >/dev/null 2>&1 &
sleep 0.3
\$T freeze \$S && cat "$TMP/v1/freezer/bolt/$CGID/freezer.state"
\$T destroy \$S
for c in $have; do [ ! -e "$TMP/v1/\$c/bolt/$CGID" ] || echo "left \$c"; done
echo done
EOF
  mkdir "$TMP/v1"
  run unshare -m sh "$TMP/v1.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "mode v1" ]
  [[ "$output" == *"fork: EAGAIN"* ]]
  [[ "$output" == *"forked 3"* ]]
  [[ "$output" == *EPERM* ]]
  [[ "$output" == *FROZEN* ]]
  [[ "$output" != *left* ]]
  [ "${lines[-1]}" = done ]
}

@test "from_pid: the cgroup of a running process, for stats and top" {
  cg_create --id "$CGID" --pids 50
  "$CGTOOL" run --state "$STATE" sleep 300 >/dev/null 2>&1 3>&- &
  cg_wait_pids 1
  local pid
  pid=$("$CGTOOL" pids --state "$STATE" | head -1)
  run "$CGTOOL" pid "$pid"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "path /bolt/$CGID" ]
  if [ -n "$(cg_dir pids)" ]; then
    [[ "$output" == *"pids_current 1"* ]]
    [[ "$output" == *"pids_limit 50"* ]]
  fi
  # a process in the root cgroup has no container cgroup
  if grep -qE '^[0-9]+:pids:/$' /proc/$$/cgroup; then
    run "$CGTOOL" pid $$
    [ "$status" -eq 1 ]
    [[ "$output" == *"cgroup of pid $$: the process is in the root cgroup"* ]]
  fi
}

@test "real-time budget: siblings add up in the parent, over the root's budget is refused" {
  cg_need cpu
  local root
  root=$(cg_mounts | while read -r m; do [ -f "$m/cpu.rt_runtime_us" ] && echo "$m"; done | head -1)
  [ -n "$root" ] || skip "no v1 cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED)"
  local grp="/cgt-rt-$CGID" x
  for x in a b c; do
    "$CGTOOL" create --id "$CGID-$x" --path "$grp/$x" >"$TMP/$x.json"
  done
  run "$CGTOOL" rt --state "$TMP/a.json" 300000 1000000
  [ "$status" -eq 0 ]
  run "$CGTOOL" rt --state "$TMP/b.json" 300000 1000000
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$root$grp/cpu.rt_runtime_us")" = 600000 ]  # exactly what the children need
  [ "$(cat "$root$grp/a/cpu.rt_runtime_us")" = 300000 ]
  [ "$(cat "$root$grp/b/cpu.rt_runtime_us")" = 300000 ]
  # 0.3 + 0.3 + 0.4 = 1.0 CPU is more than the root allows (sched_rt_runtime_us < period)
  if [ "$(cat /proc/sys/kernel/sched_rt_runtime_us)" -lt 1000000 ]; then
    run "$CGTOOL" rt --state "$TMP/c.json" 400000 1000000
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot add up to more than its own"* ]]
    [ "${#lines[@]}" -eq 1 ]
  fi
  for x in c b a; do
    "$CGTOOL" destroy --state "$TMP/$x.json"
  done
  [ ! -e "$root$grp" ]
}

@test "the last container out removes the shared parent under /bolt" {
  local grp="/bolt/cgt-grp-$CGID" m
  "$CGTOOL" create --id x --path "$grp/a" >"$TMP/a.json"
  "$CGTOOL" create --id x --path "$grp/b" >"$TMP/b.json"
  # a created the group directory, b did not; a goes first
  "$CGTOOL" destroy --state "$TMP/a.json"
  for m in $(cg_mounts); do [ -d "$m$grp/b" ]; done
  "$CGTOOL" destroy --state "$TMP/b.json"
  for m in $(cg_mounts); do [ ! -e "$m$grp" ] || { echo "left $m$grp"; false; }; done
}

@test "cgroup2: clone3(CLONE_INTO_CGROUP) starts a child inside; other layouts refuse clearly" {
  cg_v2_private_mount
  cat >"$TMP/v2.sh" <<EOF
set -e
mount -t cgroup2 none "$TMP/cg2"
T="$CGTOOL --root $TMP/cg2"
\$T create --id "$CGID" >"$TMP/v2.json"
\$T run --state "$TMP/v2.json" --clone-into cat /proc/self/cgroup | grep '^0::'
\$T destroy --state "$TMP/v2.json"
EOF
  run unshare -m sh "$TMP/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "0::/bolt/$CGID" ]
  if [ "$("$CGTOOL" detect | head -1)" != "mode v2" ]; then
    cg_create --id "$CGID"
    run "$CGTOOL" run --state "$STATE" --clone-into true
    [ "$status" -eq 1 ]
    [[ "$output" == *"only on a pure cgroup2 layout"* ]]
  fi
}

@test "kill_all from inside the cgroup spares the caller and does not freeze it" {
  cg_create --id "$CGID"
  "$CGTOOL" run --state "$STATE" sleep 300 >/dev/null 2>&1 3>&- &
  cg_wait_pids 1
  run timeout 20 "$CGTOOL" run --state "$STATE" "$CGTOOL" kill --state "$STATE" 9
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"exit 0"* ]]
  for _ in $(seq 50); do
    [ "$("$CGTOOL" empty --state "$STATE")" = empty ] && break
    sleep 0.05
  done
  [ "$("$CGTOOL" empty --state "$STATE")" = empty ]
}

@test "memory swap below the limit is refused with the reason, nothing left behind" {
  cg_need memory
  [ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || [ -n "$(cg_dir memory | grep -v /memory/)" ] \
    || skip "no swap accounting on v1 memory"
  run "$CGTOOL" create --id "$CGID" --memory $((20 << 20)) --memory-swap $((10 << 20))
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"memory.swap"*"memory.limit"* ]]
  [ "${#lines[@]}" -eq 1 ]
  local m
  for m in $(cg_mounts); do [ ! -e "$m/bolt/$CGID" ]; done
}

@test "concurrent creates and destroys sharing /bolt never trip over each other" {
  local grp="/bolt/cgt-par-$CGID"
  loop() {
    local i
    for i in $(seq 15); do
      "$CGTOOL" create --id x --path "$grp/$1-$i" >"$TMP/$1.json" || { echo "create $1 $i failed"; return 1; }
      "$CGTOOL" destroy --state "$TMP/$1.json" || { echo "destroy $1 $i failed"; return 1; }
    done
  }
  loop a 3>&- & local pa=$!
  loop b 3>&- & local pb=$!
  loop c 3>&- & local pc=$!
  wait $pa && wait $pb && wait $pc
  local m
  for m in $(cg_mounts); do [ ! -e "$m$grp" ] || { echo "left $m$grp"; false; }; done
}
