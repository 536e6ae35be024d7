#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt gaming optimize`: every thread of a live process gets the affinity, scheduling
# policy/nice, I/O priority and OOM score asked for; each value is read back from /proc
# and the syscalls (taskset/chrt/ionice), not from bolt's own output.

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}
BOLT=${BOLT:-$BOLT_TOP/build/src/cli/bolt}

setup() {
  [ "$(id -u)" -eq 0 ] || skip "optimize tests need root"
  [ -x "$BOLT" ] || { echo "bolt not built: $BOLT" >&2; return 1; }
  TMP=$(mktemp -d /tmp/bolt-optimize.XXXXXX)
  # a process with 4 threads (main + 3), ready once all threads exist
  # SIGUSR1 makes it start one more thread and touch $TMP/more
  python3 -c '
import threading, time, sys, signal
def more(*_):
    threading.Thread(target=time.sleep, args=(300,), daemon=True).start()
    open(sys.argv[1] + "/more", "w").close()
signal.signal(signal.SIGUSR1, more)
for _ in range(3):
    threading.Thread(target=time.sleep, args=(300,), daemon=True).start()
open(sys.argv[1] + "/ready", "w").close()
while True:
    time.sleep(300)' "$TMP" 3>&- &
  GAME=$!
  for _ in $(seq 50); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
  [ -e "$TMP/ready" ]
}

teardown() {
  [ -n "${GAME:-}" ] && kill "$GAME" 2>/dev/null; wait 2>/dev/null || true
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
}

tids() { ls /proc/$GAME/task; }

@test "optimize: affinity, nice and I/O priority of every thread; before and after printed" {
  [ "$(tids | wc -l)" -eq 4 ]
  run "$BOLT" gaming optimize --pid $GAME --cpus 0 --priority 7 --ioprio idle
  [ "$status" -eq 0 ]
  [[ "$output" == *"before (pid $GAME"* ]]
  [[ "$output" == *"after (pid $GAME"* ]]
  for t in $(tids); do
    grep -q '^Cpus_allowed_list:[[:space:]]*0$' /proc/$GAME/task/$t/status
    # field 19 of stat is nice (comm has no spaces here: python3)
    [ "$(awk '{print $19}' /proc/$GAME/task/$t/stat)" -eq 7 ]
    [[ "$(ionice -p $t)" == "idle" ]]
    # the "after" table lists the thread with its new values
    echo "$output" | sed -n '/^after/,$p' | grep -Eq "^ +$t +[^ ]+ +0 +other +0 +7 +idle:0"
  done
}

@test "optimize --rt: SCHED_FIFO at the priority on every thread, be:0 I/O by default" {
  run "$BOLT" gaming optimize --pid $GAME --rt --priority 15
  [ "$status" -eq 0 ]
  for t in $(tids); do
    run chrt -p $t
    [[ "$output" == *"SCHED_FIFO"* ]]
    [[ "$output" == *"priority: 15"* ]]
    [[ "$(ionice -p $t)" == "best-effort: prio 0" ]]
  done
  # back to normal scheduling with a nice value
  run "$BOLT" gaming optimize --pid $GAME --priority -3
  [ "$status" -eq 0 ]
  for t in $(tids); do
    [[ "$(chrt -p $t)" == *"SCHED_OTHER"* ]]
    [ "$(awk '{print $19}' /proc/$GAME/task/$t/stat)" -eq -3 ]
  done
}

@test "optimize: threads started after tuning inherit the settings" {
  run "$BOLT" gaming optimize --pid $GAME --cpus 1 --priority 4
  [ "$status" -eq 0 ]
  # the main thread was tuned, so a thread it creates now inherits the settings
  kill -USR1 $GAME
  for _ in $(seq 50); do [ -e "$TMP/more" ] && break; sleep 0.1; done
  [ "$(tids | wc -l)" -eq 5 ]
  for t in $(tids); do
    grep -q '^Cpus_allowed_list:[[:space:]]*1$' /proc/$GAME/task/$t/status
    [ "$(awk '{print $19}' /proc/$GAME/task/$t/stat)" -eq 4 ]
  done
}

@test "optimize --oom-score: raised score read back; lowering without CAP_SYS_RESOURCE is a clear error" {
  run "$BOLT" gaming optimize --pid $GAME --oom-score 300
  [ "$status" -eq 0 ]
  [ "$(cat /proc/$GAME/oom_score_adj)" -eq 300 ]
  [[ "$output" == *"after (pid $GAME, oom_score_adj 300)"* ]]
  run "$BOLT" gaming optimize --pid $GAME --oom-score -800
  if capsh --print 2>/dev/null | grep -q '^Bounding set.*cap_sys_resource'; then
    [ "$status" -eq 0 ]
    [ "$(cat /proc/$GAME/oom_score_adj)" -eq -800 ]
  else
    [ "$status" -ne 0 ]
    [[ "$output" == *"--oom-score -800"*"CAP_SYS_RESOURCE"* ]]
    [ "$(cat /proc/$GAME/oom_score_adj)" -eq 300 ]
  fi
}

@test "optimize: bad values name the flag and what is expected; nothing changes" {
  before=$(grep Cpus_allowed_list /proc/$GAME/status)
  run "$BOLT" gaming optimize --pid $GAME --cpus 4096
  [ "$status" -eq 2 ]
  [[ "$output" == *"--cpus '4096': CPU 4096 does not exist"* ]]
  run "$BOLT" gaming optimize --pid $GAME --cpus 1-0
  [ "$status" -eq 2 ]
  [[ "$output" == *"backwards"* ]]
  run "$BOLT" gaming optimize --pid $GAME --cpus abc
  [ "$status" -eq 2 ]
  [[ "$output" == *"expected a CPU list"* ]]
  run "$BOLT" gaming optimize --pid $GAME --priority 25
  [ "$status" -eq 2 ]
  [[ "$output" == *"--priority '25': expected an integer -20..19"* ]]
  run "$BOLT" gaming optimize --pid $GAME --rt --priority 0
  [ "$status" -eq 2 ]
  [[ "$output" == *"--priority '0': expected an integer 1..99"* ]]
  run "$BOLT" gaming optimize --pid $GAME --ioprio fast
  [ "$status" -eq 2 ]
  [[ "$output" == *"--ioprio 'fast': expected rt|be|idle"* ]]
  run "$BOLT" gaming optimize --cpus 0
  [ "$status" -eq 2 ]
  [[ "$output" == *"--pid is required"* ]]
  run "$BOLT" gaming optimize --pid 2147483000
  [ "$status" -eq 1 ]
  [[ "$output" == *"--pid 2147483000: no such process"* ]]
  [ "$(grep Cpus_allowed_list /proc/$GAME/status)" = "$before" ]
}

@test "optimize without privileges: a clear error naming CAP_SYS_NICE" {
  command -v setpriv >/dev/null || skip "setpriv missing"
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$BOLT" gaming optimize --pid $GAME --priority -10
  [ "$status" -ne 0 ]
  [[ "$output" == *"CAP_SYS_NICE"* ]]
  [ "$(awk '{print $19}' /proc/$GAME/stat)" -eq 0 ]
}
