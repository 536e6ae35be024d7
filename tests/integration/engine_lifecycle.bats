#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The container verbs: ps, create/start, stop, restart, kill, rm, logs, exec, inspect, wait,
# top, stats, container prune, info, version; signals, restart policies, monitors.

load helpers/engine

setup() {
  eng_setup
}

teardown() {
  eng_teardown
}

# A container that logs TERM and exits 7 on it.
TERM_TRAP='trap "echo got-TERM; exit 7" TERM; echo started; while :; do sleep 0.1; done'

@test "ps: -a, -q, --no-trunc, --filter name|label|status, --format json, columns" {
  b run -d --name web --label app=web $IMG sleep 30 >/dev/null
  b run --name done1 --label app=batch $IMG true
  run b ps
  [[ "${lines[0]}" == "CONTAINER ID"*IMAGE*COMMAND*CREATED*STATUS*NAMES*RUNTIME*GPUS ]]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[1]}" == *web*nvbind* ]] && [[ "${lines[1]}" == *"Up "* ]]
  run b ps -a
  [ "${#lines[@]}" -eq 3 ]
  [[ "$output" == *"Exited (0)"*done1* ]]
  run b ps -aq
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
  run b ps -q --no-trunc
  [[ "${lines[0]}" =~ ^[0-9a-f]{64}$ ]]
  [ "$(b ps -a --filter name=done --format json | jq -r '.[].Name')" = "done1" ]
  [ "$(b ps -a --filter label=app=web --format json | jq -r '.[].Name')" = "web" ]
  [ "$(b ps -a --filter status=exited --format json | jq -r '.[].Name')" = "done1" ]
  [ "$(b ps --format json | jq -r '.[0].State')" = "running" ]
  run b ps --filter bogus=1
  [ "$status" -ne 0 ]
  run b ps --format yaml
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown format 'yaml'"* ]]
}

@test "create, start, start -a" {
  id=$(b create --name later $IMG sh -c 'echo ran; exit 2')
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  status_is later created
  run b start -a later
  [ "$status" -eq 2 ]
  [ "$output" = "ran" ]
  status_is later exited
  b start later
  wait_for 5 status_is later exited
  [ "$(b logs later | wc -l)" -eq 2 ]
}

@test "stop: SIGTERM reaches the process; exit code recorded; stop of a stopped container is fine" {
  b run -d --name t $IMG sh -c "$TERM_TRAP" >/dev/null
  wait_for 5 bash -c "'$BOLT' --root '$ROOT' --runroot '$RUNROOT' logs t | grep -q started"
  start=$(date +%s%N)
  run b stop t
  [ "$status" -eq 0 ]
  [ "$output" = "t" ]
  [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000 ]
  [ "$(b logs t | tail -1)" = "got-TERM" ]
  [ "$(b inspect -f '{{.State.Status}} {{.State.ExitCode}}' t)" = "exited 7" ]
  run b stop t
  [ "$status" -eq 0 ]
}

@test "restart --timeout 2 on a process ignoring SIGTERM takes ~2 s, then it runs again" {
  b run -d --name ign $IMG sh -c 'trap "" TERM; echo up; while :; do sleep 0.1; done' >/dev/null
  wait_for 5 status_is ign running
  pid1=$(b inspect -f '{{.State.Pid}}' ign)
  start=$(date +%s%N)
  b restart --timeout 2 ign
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -ge 1900 ] && [ "$ms" -lt 4500 ]
  status_is ign running
  pid2=$(b inspect -f '{{.State.Pid}}' ign)
  [ "$pid1" != "$pid2" ]
  [ "$(b inspect -f '{{.State.ExitCode}}' ign)" = "0" ] || true
  # logs survive the restart: both lives are there
  [ "$(b logs ign | grep -c up)" -eq 2 ]
  b restart -t 0 ign
  status_is ign running
}

@test "kill: default SIGKILL, -s SIG delivers that signal; kill of a stopped container fails" {
  b run -d --name k $IMG sh -c 'trap "echo got-HUP" HUP; while :; do sleep 0.1; done' >/dev/null
  wait_for 5 status_is k running
  b kill -s HUP k
  wait_for 5 bash -c "'$BOLT' --root '$ROOT' --runroot '$RUNROOT' logs k | grep -q got-HUP"
  status_is k running
  b kill k
  wait_for 5 status_is k exited
  [ "$(b inspect -f '{{.State.ExitCode}}' k)" = "137" ]
  run b kill k
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not running"* ]]
  run b kill -s NOPE k
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown signal 'NOPE'"* ]]
}

@test "rm: refuses a running container, rm -f kills and removes; nothing left" {
  b run -d --name r $IMG sleep 30 >/dev/null
  pid=$(b inspect -f '{{.State.Pid}}' r)
  run b rm r
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot remove container r"* ]]
  run b rm -f r
  [ "$status" -eq 0 ]
  pid_gone "$pid"
  run b rm r
  [ "$status" -eq 1 ]
  [[ "$output" == "bolt: no such container: r" ]]
  assert_clean_state
}

@test "logs: -t timestamps, --tail, --since, -f follows until exit, stderr stays stderr" {
  b run --name l $IMG sh -c 'echo one; echo two; echo three >&2' >/dev/null 2>&1
  run b logs l
  [ "$output" = "$(printf 'one\ntwo\nthree')" ]
  [ "$(b logs l 2>/dev/null)" = "$(printf 'one\ntwo')" ]
  [ "$(b logs l 2>&1 >/dev/null)" = "three" ]
  run b logs --tail 1 l
  [ "$output" = "three" ]
  run b logs -t l
  [[ "${lines[0]}" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ one$ ]]
  run b logs --since 1h l
  [ "${#lines[@]}" -eq 3 ]
  run b logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" l
  [ "$output" = "" ]
  run b logs --since garbage l
  [ "$status" -ne 0 ]
  b run -d --name f $IMG sh -c 'for i in 1 2 3; do echo tick$i; sleep 0.3; done' >/dev/null
  run timeout 10 "$BOLT" --root "$ROOT" --runroot "$RUNROOT" logs -f f
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'tick1\ntick2\ntick3')" ]
  # the log file is JSON lines with stream and time
  id=$(b inspect -f '{{.Id}}' l)
  jq -e -s 'length == 3 and .[2].stream == "stderr" and (.[0].time | length) > 20' \
    "$ROOT/containers/$id/ctr.log"
}

@test "exec: -e -w -u -i -t -d, exit codes, 127 for a missing command" {
  b run -d --name x $IMG sleep 60 >/dev/null
  [ "$(b exec x echo hi)" = "hi" ]
  run b exec -e FOO=bar -w /tmp x sh -c 'echo $FOO $(pwd)'
  [ "$output" = "bar /tmp" ]
  run b exec -u nobody x id -u
  [ "$output" = "65534" ]
  run bash -c "echo fed | '$BOLT' --root '$ROOT' --runroot '$RUNROOT' exec -i x cat"
  [ "$output" = "fed" ]
  run b exec x sh -c 'exit 9'
  [ "$status" -eq 9 ]
  run b exec x nosuchcmd
  [ "$status" -eq 127 ]
  one_line
  b exec -d x sh -c 'echo detached >/tmp/d'
  wait_for 5 b exec x cat /tmp/d
  run python3 "$BOLT_TOP/tests/integration/helpers/ptyrun.py" "$BOLT" --root "$ROOT" \
    --runroot "$RUNROOT" exec -it x sh -c 'tty'
  [[ "${lines[0]}" == /dev/pts/* ]]
  b stop -t 0 x
  run b exec x true
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not running"* ]]
}

@test "inspect: JSON with id, name, state, config, restart policy; -f templates" {
  b run -d --name i --restart on-failure:4 -e K=V $IMG sleep 30 >/dev/null
  run b inspect i
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.[0].Name == "/i" and .[0].State.Running == true
    and .[0].HostConfig.RestartPolicy.Name == "on-failure:4"
    and .[0].HostConfig.RestartPolicy.MaximumRetryCount == 4
    and (.[0].Config.Env | index("K=V")) != null and .[0].Path == "sleep"
    and (.[0].Id | length) == 64 and .[0].State.Pid > 0'
  [ "$(b inspect -f '{{.Name}} {{.State.Running}}' i)" = "/i true" ]
  run b inspect nope
  [ "$status" -eq 1 ]
}

@test "wait: blocks until exit and prints the code" {
  b run -d --name w $IMG sh -c 'sleep 1; exit 5' >/dev/null
  start=$(date +%s%N)
  run b wait w
  [ "$output" = "5" ]
  [ $(( ($(date +%s%N) - start) / 1000000 )) -ge 500 ]
  run b wait w
  [ "$output" = "5" ]
}

@test "top and stats: the container's processes, cgroup CPU, memory, pids" {
  b run -d --name s --memory 32m $IMG sh -c 'sleep 60 & while :; do :; done' >/dev/null
  wait_for 5 status_is s running
  run b top s
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == UID*PID*PPID*CMD ]]
  [[ "$output" == *"sleep 60"* ]]
  run b stats --no-stream
  [[ "${lines[0]}" == "CONTAINER ID"*"CPU %"*"MEM USAGE / LIMIT"*PIDS ]]
  [[ "${lines[1]}" == *" s "*"/ 32.00MiB"* ]]
  json=$(b stats --no-stream --format json)
  [ "$(echo "$json" | jq '.[0].Pids')" -ge 2 ]
  [ "$(echo "$json" | jq '.[0].MemLimit')" -eq 33554432 ]
  # a busy loop uses CPU
  [ "$(echo "$json" | jq '.[0].CPUPerc > 10')" = "true" ]
  b rm -f s
  run b top s
  [ "$status" -ne 0 ]
}

@test "container prune removes stopped containers only; container ls; info; version" {
  b run -d --name alive $IMG sleep 30 >/dev/null
  b run --name dead1 $IMG true
  b run --name dead2 $IMG false || true
  run b container ls -a
  [ "${#lines[@]}" -eq 4 ]
  run b container prune
  [ "$status" -eq 0 ]
  [ "$(b ps -a --format json | jq -r '.[].Name')" = "alive" ]
  run b info
  [[ "$output" == *"Containers: 1"* ]] && [[ "$output" == *"Running: 1"* ]]
  [[ "$output" == *"Default Runtime: nvbind"* ]] && [[ "$output" == *"Cgroup Version"* ]]
  run b version
  [[ "${lines[0]}" == "bolt version "* ]] && [[ "$output" == *"Git commit:"* ]]
  run b --version
  [ "${#lines[@]}" -eq 1 ]
}

@test "restart policies fire and back off; stop disables them" {
  start=$(date +%s%N)
  run b run --name of --restart on-failure:5 $IMG sh -c 'echo try; exit 1'
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$status" -eq 1 ]
  [ "$(b inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' of)" = "5 exited 1" ]
  [ "$(b logs of | grep -c try)" -eq 6 ]
  # backoff 100 + 200 + 400 + 800 + 1600 ms between the six lives
  [ "$ms" -ge 3100 ]
  # the waits double. Load only lengthens a gap (start-up time adds to the backoff), so each
  # gap is checked against its own floor, 100 ms << i: without backoff, or with a fixed one,
  # the late floors (0.8 s, 1.6 s) fail whatever the load. The ceiling (floor + 8 s) catches
  # a runaway backoff while leaving seconds of room for a loaded machine's start-ups.
  b logs -t of | awk '{print $1}' | python3 -c '
import sys, datetime
ts = [datetime.datetime.fromisoformat(l.strip()[:26]) for l in sys.stdin]
gaps = [(b - a).total_seconds() for a, b in zip(ts, ts[1:])]
print(gaps)
assert len(gaps) == 5, gaps
for i, g in enumerate(gaps):
    floor = 0.1 * 2 ** i
    assert floor - 0.02 <= g <= floor + 8, (i, g, gaps)'
  # on-failure does not restart a success
  b run --name ok --restart on-failure $IMG true
  [ "$(b inspect -f '{{.RestartCount}}' ok)" = "0" ]
  # always restarts a success too, until stopped
  b run -d --name al --restart always $IMG sh -c 'echo life; sleep 0.2'
  wait_for 10 bash -c "[ \$('$BOLT' --root '$ROOT' --runroot '$RUNROOT' inspect -f '{{.RestartCount}}' al) -ge 2 ]"
  b stop al
  n=$(b inspect -f '{{.RestartCount}}' al)
  sleep 1
  [ "$(b inspect -f '{{.RestartCount}} {{.State.Status}}' al)" = "$n exited" ]
  # unless-stopped behaves like always while not stopped
  b run -d --name us --restart unless-stopped $IMG sh -c 'sleep 0.1; exit 3'
  wait_for 10 bash -c "[ \$('$BOLT' --root '$ROOT' --runroot '$RUNROOT' inspect -f '{{.RestartCount}}' us) -ge 1 ]"
  b rm -f us
}

@test "20 containers started in parallel all succeed with consistent state" {
  for i in $(seq 1 20); do
    "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run -d --name p$i $IMG sleep 30 >"$TMP/out$i" 2>&1 &
  done
  fails=0
  for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
  [ "$fails" -eq 0 ] || { cat "$TMP"/out*; false; }
  [ "$(b ps -q | wc -l)" -eq 20 ]
  [ "$(b ps --format json | jq -r '.[].Name' | sort -u | wc -l)" -eq 20 ]
  [ "$(b ps --format json | jq -r '.[].Id' | sort -u | wc -l)" -eq 20 ]
  for i in $(seq 1 20); do
    [[ "$(cat "$TMP/out$i")" =~ ^[0-9a-f]{64}$ ]]
    [ "$(b inspect -f '{{.Id}}' p$i)" = "$(cat "$TMP/out$i")" ]
  done
  # and 20 removals in parallel
  for i in $(seq 1 20); do
    "$BOLT" --root "$ROOT" --runroot "$RUNROOT" rm -f p$i >/dev/null 2>&1 &
  done
  wait
  assert_clean_state
}

@test "a killed monitor is reported honestly and rm cleans everything up" {
  b run -d --name m $IMG sleep 60 >/dev/null
  mpid=$(b inspect -f '{{.State.MonitorPid}}' m)
  cpid=$(b inspect -f '{{.State.Pid}}' m)
  [ "$mpid" -gt 0 ] && [ "$cpid" -gt 0 ]
  # the monitor is small
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$mpid/status")
  echo "monitor RSS: ${rss} kB"
  [ "$rss" -le 1024 ]
  kill -9 "$mpid"
  wait_for 5 status_is m dead
  run b ps -a
  [[ "$output" == *"Dead (monitor died)"* ]]
  [[ "$(b inspect -f '{{.State.Error}}' m)" == *"monitor process died"* ]]
  ! grep -q "$TMP" /proc/self/mountinfo
  b rm m
  pid_gone "$cpid"
  assert_clean_state
}

@test "a killed monitor: stop reaps the orphan, start gives it a new life" {
  b run -d --name m2 $IMG sh -c 'echo life; sleep 60' >/dev/null
  mpid=$(b inspect -f '{{.State.MonitorPid}}' m2)
  cpid=$(b inspect -f '{{.State.Pid}}' m2)
  kill -9 "$mpid"
  b stop m2
  pid_gone "$cpid"
  b start m2
  status_is m2 running
  wait_for 5 bash -c "[ \$('$BOLT' --root '$ROOT' --runroot '$RUNROOT' logs m2 | grep -c life) -eq 2 ]"
  # killed again while running: start alone recovers too
  mpid=$(b inspect -f '{{.State.MonitorPid}}' m2)
  cpid=$(b inspect -f '{{.State.Pid}}' m2)
  kill -9 "$mpid"
  b start m2
  pid_gone "$cpid"
  status_is m2 running
  b rm -f m2
  assert_clean_state
}

@test "an image a container uses cannot be removed until the container is" {
  b create --name user $IMG true >/dev/null
  run b rmi $IMG
  [ "$status" -ne 0 ]
  [[ "$output" == *"is used by container"* ]]
  b rm user
  run b rmi $IMG
  [ "$status" -eq 0 ]
}
