#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# nvbind's OCI lifecycle: create/start/state/kill/delete, exec, hooks, list/ps, spec/
# features, and bad input that must fail with one clear line and leave nothing behind.

bats_require_minimum_version 1.5.0
load helpers/runtime

setup() {
  rt_setup
}

teardown() {
  rt_teardown
}

@test "create waits on the exec fifo; start runs the process; state follows" {
  args /init write /tmp/started
  cfg '.root.readonly = false'
  ncreate --pid-file "$TMP/pid" "$CID"
  run nvb state "$CID"
  [ "$(echo "$output" | jq -r .status)" = "created" ]
  [ "$(echo "$output" | jq -r .id)" = "$CID" ]
  [ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
  pid=$(echo "$output" | jq .pid)
  [ "$pid" = "$(cat "$TMP/pid")" ]
  [ -d /proc/$pid ]
  # created: set up but the program has not run yet
  [ ! -e "$BUNDLE/rootfs/tmp/started" ]
  run nvb start "$CID"
  [ "$status" -eq 0 ]
  wait_status "$CID" stopped
  [ -e "$BUNDLE/rootfs/tmp/started" ]
  # start twice is an error
  run nvb start "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is stopped, not created"* ]]
  run nvb delete "$CID"
  [ "$status" -eq 0 ]
  assert_nothing_left "$CID"
}

@test "delete: refused while created or running unless --force" {
  args /init pause
  ncreate "$CID"
  run nvb delete "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is created: stop it first or use delete --force"* ]]
  nvb start "$CID"
  wait_status "$CID" running
  run nvb delete "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is running"* ]]
  pid=$(nvb state "$CID" | jq .pid)
  run nvb delete --force "$CID"
  [ "$status" -eq 0 ]
  [ ! -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status
  assert_nothing_left "$CID"
  run nvb state "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not exist"* ]]
}

@test "kill: default TERM, names and numbers, --all reaches every process" {
  args /init pause
  ncreate "$CID"
  nvb start "$CID"
  wait_status "$CID" running
  run nvb kill "$CID" NOSUCH
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown signal 'NOSUCH'"* ]]
  nvb kill "$CID"
  wait_status "$CID" stopped
  run nvb kill "$CID" KILL
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not running"* ]]
  nvb delete "$CID"
  # --all: an extra exec'd process dies too
  ncreate "$CID"
  nvb start "$CID"
  wait_status "$CID" running
  nvb exec --detach --pid-file "$TMP/xpid" "$CID" /init pause </dev/null >/dev/null 2>&1
  xpid=$(cat "$TMP/xpid")
  [ -d /proc/$xpid ]
  run nvb ps --format json "$CID"
  [ "$(echo "$output" | jq length)" -eq 2 ]
  nvb kill --all "$CID" 9
  wait_status "$CID" stopped
  for i in $(seq 20); do [ -d /proc/$xpid ] && ! grep -q '^State:.*Z' /proc/$xpid/status || break; sleep 0.1; done
  ! [ -d /proc/$xpid ] || grep -q '^State:.*Z' /proc/$xpid/status
}

@test "exec: joins the container's namespaces and cgroup; status passes through" {
  args /init pause
  ncreate "$CID"
  nvb start "$CID"
  wait_status "$CID" running
  pid=$(nvb state "$CID" | jq .pid)
  run nvb exec "$CID" /init ns
  [ "$status" -eq 0 ]
  for ns in pid net mnt uts ipc; do
    [ "$(echo "$output" | awk -v n=$ns '$1 == n {print $2}')" = "$(stat -L -c %i /proc/$pid/ns/$ns)" ]
  done
  run nvb exec "$CID" /init cat /proc/self/cgroup
  [ "$output" = "$(cat /proc/$pid/cgroup)" ]
  run nvb exec "$CID" /init exit 5
  [ "$status" -eq 5 ]
  run nvb exec --env FOO=bar --cwd /tmp --user 1000:1000 "$CID" /init env FOO
  [ "$output" = "bar" ]
  run nvb exec --user 1000:1000 "$CID" /init id
  [ "$output" = "uid=1000 gid=1000 groups=" ]
  # the container's pid namespace: the exec'd process sees pid 1 = the init
  run nvb exec "$CID" /init cat /proc/1/cmdline
  [[ "$output" == /init* ]]
  run -127 nvb exec "$CID" nosuchcmd
  [[ "$output" == *"exec 'nosuchcmd': executable file not found"* ]]
}

@test "exec --process: a runc process.json, with the container's seccomp filter" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
       "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  args /init pause
  ncreate "$CID"
  nvb start "$CID"
  wait_status "$CID" running
  jq '.process | .args = ["/init", "mkdir", "/tmp/x"]' "$BUNDLE/config.json" >"$TMP/process.json"
  run nvb exec --process "$TMP/process.json" "$CID"
  [ "$output" = "EPERM" ]
  echo '{"args": ' >"$TMP/bad.json"
  run nvb exec --process "$TMP/bad.json" "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.json"* ]]
}

@test "hooks: every kind runs in order with the state on stdin" {
  mkdir -p "$TMP/log"
  chmod 755 "$TMP"
  cat >"$TMP/hook.sh" <<EOF
#!/bin/sh
# host-side hook: record kind, status, pid and id from the state JSON
state=\$(cat)
echo "\$1 \$(echo "\$state" | jq -r '.status + " " + (.pid|tostring) + " " + .id')" >>$TMP/log/order
EOF
  chmod +x "$TMP/hook.sh"
  h=$TMP/hook.sh
  cfg --arg h "$h" --arg log "$TMP/log" '.root.readonly = false
    | .mounts += [{"destination": "/log", "type": "bind", "source": $log, "options": ["rbind"]}]
    | .hooks = {
      "prestart": [{"path": $h, "args": ["hook", "prestart"]}],
      "createRuntime": [{"path": $h, "args": ["hook", "createRuntime"]}],
      "createContainer": [{"path": $h, "args": ["hook", "createContainer"]}],
      "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /log/start.json; echo startContainer >> /log/order"]}],
      "poststart": [{"path": $h, "args": ["hook", "poststart"]}],
      "poststop": [{"path": $h, "args": ["hook", "poststop"]}]}'
  args /init echo process
  ncreate "$CID"
  pid=$(nvb state "$CID" | jq .pid)
  nvb start "$CID"
  wait_status "$CID" stopped
  nvb delete "$CID"
  cat "$TMP/log/order"
  run cat "$TMP/log/order"
  [ "${lines[0]}" = "prestart creating $pid $CID" ]
  [ "${lines[1]}" = "createRuntime creating $pid $CID" ]
  [ "${lines[2]}" = "createContainer created $pid $CID" ]
  [ "${lines[3]}" = "startContainer" ]
  [ "${lines[4]}" = "poststart running $pid $CID" ]
  [ "${lines[5]%% *}" = "poststop" ]
  [[ "${lines[5]}" == *"stopped"* ]]
  [ "$(jq -r .id "$TMP/log/start.json")" = "$CID" ]
}

@test "hooks: a failing or hanging createRuntime hook fails create, nothing left" {
  cfg '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
  run nvb create "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"createRuntime hook '/bin/false': exited with status 1"* ]]
  assert_nothing_left "$CID"
  cfg '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
  start=$(date +%s)
  run nvb create "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"prestart hook '/bin/sleep': timed out after 1 s"* ]]
  [ $(($(date +%s) - start)) -lt 10 ]
  assert_nothing_left "$CID"
}

@test "a missing executable exits 127 naming it; a non-executable one 126" {
  args nosuchprog --flag
  run -127 nvb run "$CID"
  [ "$output" = "nvbind: exec 'nosuchprog': executable file not found in \$PATH: No such file or directory" ]
  assert_nothing_left "$CID"
  args /etc/passwd
  run nvb run "$CID"
  [ "$status" -eq 126 ]
  [[ "$output" == *"exec '/etc/passwd'"* ]]
  run nvb create "$CID"
  [ "$status" -eq 126 ]
  assert_nothing_left "$CID"
}

@test "bad input: malformed config.json, one line, exit 1, nothing left" {
  echo '{"ociVersion": "1.2.0", "process": {' >"$BUNDLE/config.json"
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"config.json"* ]]
  assert_nothing_left "$CID"
  echo '{"ociVersion": "1.2.0", "process": {"args": ["/init"], "user": {"uid": "root"}}, "root": {"path": "rootfs"}}' >"$BUNDLE/config.json"
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"process.user.uid: expected integer"* ]]
}

@test "bad input: errors also go to --log (JSON lines, as runc) for containerd's shim" {
  cfg '.root.path = "no-such-rootfs"'
  run nvb --log "$TMP/log.json" --log-format json create "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "nvbind: "*"root.path: rootfs '$BUNDLE/no-such-rootfs' does not exist"* ]]
  cat "$TMP/log.json"
  last=$(tail -n 1 "$TMP/log.json")
  [ "$(jq -r .level <<<"$last")" = error ]
  [[ "$(jq -r .msg <<<"$last")" == *"root.path: rootfs '$BUNDLE/no-such-rootfs' does not exist"* ]]
  [[ "$(jq -r .msg <<<"$last")" != "nvbind: "* ]]
  [[ "$(jq -r .time <<<"$last")" == 20*T*Z ]]
  assert_nothing_left "$CID"
  # text format: one timestamped line
  run nvb --log "$TMP/log.txt" create "$CID"
  [ "$status" -eq 1 ]
  grep -q "nvbind: error: .*root.path: rootfs '$BUNDLE/no-such-rootfs' does not exist" "$TMP/log.txt"
  [ "$(wc -l <"$TMP/log.txt")" -eq 1 ]
  # a failed create with a malformed config.json too
  echo '{"ociVersion": "1.2.0", "process": {' >"$BUNDLE/config.json"
  run nvb --log "$TMP/log.json" --log-format json create "$CID"
  [ "$status" -eq 1 ]
  [[ "$(tail -n 1 "$TMP/log.json" | jq -r .msg)" == *"config.json"* ]]
}

@test "bad input: missing rootfs, unknown namespace, invalid mount option, each one line" {
  cp "$BUNDLE/config.json" "$TMP/good.json"
  cfg '.root.path = "no-such-rootfs"'
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"root.path: rootfs '$BUNDLE/no-such-rootfs' does not exist"* ]]
  assert_nothing_left "$CID"
  cp "$TMP/good.json" "$BUNDLE/config.json"
  cfg '.linux.namespaces += [{"type": "bogus"}]'
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"unknown namespace type 'bogus'"* ]]
  assert_nothing_left "$CID"
  cp "$TMP/good.json" "$BUNDLE/config.json"
  cfg '.mounts += [{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "frobnicate"]}]'
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"invalid mount option 'frobnicate'"* ]]
  assert_nothing_left "$CID"
}

@test "bad input: an id already in use is refused and the first container is untouched" {
  args /init pause
  ncreate "$CID"
  pid=$(nvb state "$CID" | jq .pid)
  run nvb create "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"container id '$CID' is already in use"* ]]
  [ "$(nvb state "$CID" | jq .pid)" = "$pid" ]
  [ "$(nvb state "$CID" | jq -r .status)" = "created" ]
  run nvb create "bad/id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid character '/'"* ]]
}

@test "bad input: a second container on a cgroupsPath in use fails and the first keeps running" {
  args /init pause
  cfg --arg p "/bolt-dup-$CID" '.linux.cgroupsPath = $p'
  ncreate "$CID"
  run nvb create "$CID-b" </dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists: another container uses this linux.cgroupsPath"* ]]
  [ "$(nvb state "$CID" | jq -r .status)" = created ]
  [ "$(nvb state "$CID" | jq .pid)" = "$(cat /sys/fs/cgroup/*/bolt-dup-$CID/cgroup.procs 2>/dev/null | sort -u | head -1)" ]
  nvb delete --force "$CID"
  [ -z "$(leftover_cgroups "bolt-dup-$CID")" ]
}

@test "bad input: a setup failure inside the child leaves no mounts, cgroup or state" {
  cfg '.mounts += [{"destination": "/data", "type": "bind", "source": "/nonexistent/dir", "options": ["rbind"]}]'
  run nvb create "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bind source '/nonexistent/dir'"* ]]
  assert_nothing_left "$CID"
  DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus run nvb --systemd-cgroup create "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--systemd-cgroup: no systemd on D-Bus"* ]]
  assert_nothing_left "$CID"
}

@test "list and ps" {
  args /init pause
  ncreate "$CID-a"
  ncreate "$CID-b"
  nvb start "$CID-b"
  wait_status "$CID-b" running
  run nvb list
  [ "$status" -eq 0 ]
  echo "$output" | grep -E "^$CID-a +[0-9]+ +created "
  echo "$output" | grep -E "^$CID-b +[0-9]+ +running "
  run nvb list --format json
  [ "$(echo "$output" | jq length)" -eq 2 ]
  run nvb list -q
  [ "$output" = "$(printf '%s\n%s' "$CID-a" "$CID-b")" ]
  run nvb ps "$CID-b"
  [ "${lines[0]%% *}" = "PID" ]
  [[ "${lines[1]}" == *"/init pause"* ]]
}

@test "spec writes a loadable default config.json; features is runtime-spec JSON" {
  mkdir "$TMP/s"
  run "$NVBIND" spec --bundle "$TMP/s"
  [ "$status" -eq 0 ]
  [ "$(jq -r .root.path "$TMP/s/config.json")" = "rootfs" ]
  run "$NVBIND" spec --bundle "$TMP/s"
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
  run "$NVBIND" features
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .ociVersionMax)" = "1.2.0" ]
  echo "$output" | jq -e '.hooks | index("createContainer")'
  echo "$output" | jq -e '.linux.namespaces | index("user")'
  echo "$output" | jq -e '.linux.seccomp.enabled == true'
  echo "$output" | jq -e '.linux.cgroup.v1 == true and .linux.cgroup.v2 == true'
  run "$NVBIND" --version
  [[ "$output" == *"spec: 1.2.0"* ]]
}

@test "pause and resume freeze and thaw every process" {
  args /init pause
  ncreate "$CID"
  nvb start "$CID"
  wait_status "$CID" running
  pid=$(nvb state "$CID" | jq .pid)
  nvb pause "$CID"
  [ "$(nvb state "$CID" | jq -r .status)" = "paused" ]
  # a frozen task does not act on TERM until thawed
  nvb kill "$CID" TERM
  sleep 0.5
  [ "$(nvb state "$CID" | jq -r .status)" = "paused" ]
  run nvb exec "$CID" /init true
  [ "$status" -eq 1 ]
  [[ "$output" == *"is paused"* ]]
  run nvb pause "$CID"
  [ "$status" -eq 1 ]
  nvb resume "$CID"
  wait_status "$CID" stopped
  nvb delete "$CID"
  assert_nothing_left "$CID"
}

@test "create killed midway: state says creating, then stopped; delete removes its dir and cgroup" {
  args /init pause
  # a createRuntime hook that waits holds create in the middle (cgroup made, no init yet)
  cfg '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "5"]}]'
  (cd "$BUNDLE" && exec "$NVBIND" --root "$STATE" create "$CID" >/dev/null 2>&1) &
  creator=$!
  wait_status "$CID" creating
  [ "$(nvb state "$CID" | jq .pid)" -eq 0 ]
  [ -n "$(leftover_cgroups "$CID")" ]
  kill -9 "$creator"
  wait "$creator" || true
  wait_status "$CID" stopped
  run nvb list
  [[ "$output" == *"$CID"*stopped* ]]
  run nvb delete "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_nothing_left "$CID"
  pkill -f "sleep 5" -P 1 2>/dev/null || true
  # a bare directory (killed before the first record): only --force removes it
  mkdir "$STATE/$CID"
  run nvb delete "$CID"
  [ "$status" -ne 0 ]
  [ "$output" = "nvbind: container '$CID' does not exist" ]
  run nvb delete --force "$CID"
  [ "$status" -eq 0 ]
  [ ! -e "$STATE/$CID" ]
}
