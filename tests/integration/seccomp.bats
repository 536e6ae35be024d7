#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Seccomp through nvbind: the compiled-filter cache (keyed by the profile), docker's
# default profile, and bad profiles reported by JSON path. The basic "denied syscall
# gets its errno" cases live in runtime.bats.

load helpers/runtime

PROFILE_JSON=$BOLT_TOP/tests/fuzz/corpus/oci_config/bolt-default-seccomp.json

setup() {
  rt_setup
  cfg '.root.readonly = false'
}

teardown() {
  rt_teardown
}

deny_mkdir() {
  cfg --argjson e "$1" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
       "syscalls": [{"names": ["no_such_syscall_at_all", "mkdir", "mkdirat"],
                     "action": "SCMP_ACT_ERRNO", "errnoRet": $e}]}'
}

cache_files() {
  find "$STATE/.seccomp-cache" -name '*.bpf' 2>/dev/null | sort
}

@test "seccomp: the compiled filter is cached by profile and reused" {
  deny_mkdir 1
  args /init mkdir /tmp/x
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  [ "$(cache_files | wc -l)" -eq 1 ]
  f=$(cache_files)
  before=$(stat -c '%i %Y %s' "$f")
  sleep 1
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  # a hit reads the file; it is neither rewritten nor replaced
  [ "$(stat -c '%i %Y %s' "$f")" = "$before" ]
  # another profile gets its own entry
  deny_mkdir 13
  run nvb run "$CID"
  [ "$output" = "EACCES" ]
  [ "$(cache_files | wc -l)" -eq 2 ]
}

@test "seccomp: a damaged cache entry is rebuilt, not trusted" {
  deny_mkdir 1
  args /init mkdir /tmp/x
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  f=$(cache_files)
  size=$(stat -c %s "$f")
  head -c 40 "$f" >"$f.tmp" && mv "$f.tmp" "$f"
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  [ "$(stat -c %s "$f")" -eq "$size" ]
}

@test "seccomp: docker's default profile allows the ordinary, denies the rest" {
  [ -f "$PROFILE_JSON" ] || skip "no $PROFILE_JSON"
  cfg --slurpfile p "$PROFILE_JSON" '.linux.seccomp = $p[0].linux.seccomp'
  args /init status Seccomp
  run nvb run "$CID"
  [ "$output" = "Seccomp:	2" ]
  args /init syscall getpid
  run nvb run "$CID"
  [ "$output" = "ok" ]
  # chroot is opened by CAP_SYS_CHROOT, which docker's default set has
  args /init syscall chroot
  run nvb run "$CID"
  [ "$output" = "ok" ]
  # keyctl is not on the allow-list: works without the profile, EPERM with it
  args /init syscall keyctl
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  # personality: PER_LINUX32 is one of the allowed personas
  args /init syscall personality
  run nvb run "$CID"
  [ "$output" = "ok" ]
  args /init mkdir /tmp/y
  run nvb run "$CID"
  [ "$output" = "ok" ]
  cfg 'del(.linux.seccomp)'
  args /init syscall keyctl
  run nvb run "$CID"
  [ "$output" = "ok" ]
}

@test "seccomp: an unknown action is one line naming the JSON path; nothing is left" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
       "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_DENY"}]}'
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_DENY'"* ]]
  assert_nothing_left "$CID"
}

@test "seccomp: an unknown architecture is one line naming the JSON path" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}'
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"linux.seccomp.architectures[0]: unknown architecture 'SCMP_ARCH_Z80'"* ]]
  assert_nothing_left "$CID"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the notify fd and the process state to listenerPath" {
  agent=$(dirname "$NVBIND")/../../tests/helpers/seccomp-agent
  [ -x "$agent" ] || { echo "seccomp-agent not built: $agent"; false; }
  sock=$TMP/agent.sock
  # the agent answers every notified syscall with errno 122 (EDQUOT): an errno no real
  # mkdir here would give, so the answer can only have come through the agent
  "$agent" "$sock" "$TMP/agent-state.json" 122 2>"$TMP/agent.err" &
  apid=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
  cfg --arg s "$sock" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
       "listenerPath": $s, "listenerMetadata": "bolt-test-meta",
       "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
  args /init mkdir /tmp/x
  run nvb run "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = "EDQUOT" ]
  wait "$apid"
  cat "$TMP/agent-state.json" "$TMP/agent.err"
  grep -q "answered 1" "$TMP/agent.err"
  jq -e --arg id "$CID" '.ociVersion == "1.2.0" and .fds == ["seccompFd"] and .pid > 0
     and .metadata == "bolt-test-meta" and .state.id == $id and .state.status == "creating"' \
     "$TMP/agent-state.json"
  # no agent listening: a clear error naming the path, and nothing runs
  rm -f "$sock"
  run nvb run "$CID"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.seccomp.listenerPath: connect to '$sock'"*"start the seccomp agent"* ]]
}
