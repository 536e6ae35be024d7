#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Bad input to `bolt run`: one clear line naming the problem, docker's exit code (125 when
# bolt fails, 126 not executable, 127 not found), and nothing left behind.

load helpers/engine

setup() {
  eng_setup
}

teardown() {
  eng_teardown
}

# bad_run EXPECTED_STATUS TEXT ARGS...: bolt run fails with that status and one line with TEXT.
bad_run() {
  local want=$1 text=$2
  shift 2
  run b run --rm "$@"
  echo "status=$status output=$output"
  [ "$status" -eq "$want" ]
  one_line
  [[ "$output" == "bolt: "*"$text"* ]]
  assert_clean_state
}

@test "bad input: unknown image" {
  bad_run 125 "nosuchimage" nosuchimage:latest true
}

@test "bad input: a name in use (and the first container is untouched)" {
  b run -d --name dup $IMG sleep 30 >/dev/null
  run b run --name dup $IMG true
  [ "$status" -eq 125 ]
  one_line
  [[ "$output" == *"the container name 'dup' is already in use"* ]]
  [ "$(n_containers)" -eq 1 ]
  status_is dup running
  b rm -f dup
  assert_clean_state
}

@test "bad input: bad volume specs" {
  bad_run 125 "invalid volume spec '/onlyone'" -v /onlyone $IMG true
  bad_run 125 "not an absolute host path" -v relative:/data $IMG true
  bad_run 125 "unknown volume option 'bogus'" -v /tmp:/data:bogus $IMG true
}

@test "bad input: a memory size like 12XB" {
  bad_run 125 "--memory: invalid size '12XB'" --memory 12XB $IMG true
  bad_run 125 "--shm-size" --shm-size lots $IMG true
  bad_run 125 "--memory-swap: needs --memory" --memory-swap 1g $IMG true
}

@test "bad input: an unknown capability" {
  bad_run 125 "--cap-add: unknown capability 'CAP_FLY'" --cap-add CAP_FLY $IMG true
  bad_run 125 "--cap-drop: unknown capability 'bogus'" --cap-drop bogus $IMG true
}

@test "bad input: a missing command gives 127, a non-executable one 126" {
  bad_run 127 "exec 'nosuchcmd': executable file not found" $IMG nosuchcmd
  bad_run 127 "executable file not found" $IMG /bin/nosuch
  bad_run 126 "permission denied" $IMG /etc/passwd
  # detached: the same codes, nothing left
  bad_run 127 "nosuchcmd" -d $IMG nosuchcmd
}

@test "bad input: other flags name the flag and what was expected" {
  bad_run 125 "--restart: unknown policy 'sometimes'" --restart sometimes $IMG true
  bad_run 125 "conflicting options: --restart always and --rm" --restart always $IMG true
  bad_run 125 "--cpus: invalid value 'many'" --cpus many $IMG true
  bad_run 125 "--cpuset-cpus: CPU 999 in '999' does not exist" --cpuset-cpus 999 $IMG true
  bad_run 125 "--pids-limit: invalid value 'x'" --pids-limit x $IMG true
  bad_run 125 "--ulimit: unknown limit 'files'" --ulimit files=1 $IMG true
  bad_run 125 "--security-opt: unknown option 'apparmor=x'" --security-opt apparmor=x $IMG true
  bad_run 125 "--network: unknown network 'bridge0'" --network bridge0 $IMG true
  bad_run 125 "--stop-signal: unknown signal 'SIGFOO'" --stop-signal SIGFOO $IMG true
  bad_run 125 "--runtime: 'nosuchruntime' not found in PATH" --runtime nosuchruntime $IMG true
  bad_run 125 "--device: cannot use '/dev/nosuch'" --device /dev/nosuch $IMG true
  bad_run 125 "--name: invalid container name 'a/b'" --name a/b $IMG true
  bad_run 125 "--env-file: open '/nonexistent'" --env-file /nonexistent $IMG true
  bad_run 125 "--tmpfs: 'rel' is not an absolute container path" --tmpfs rel $IMG true
  bad_run 125 "-u: unable to find user 'nosuchuser'" -u nosuchuser $IMG true
  run b run --rm
  [ "$status" -eq 125 ]
  [[ "$output" == "bolt run: missing IMAGE"* ]]
}

@test "bad input: commands on unknown containers" {
  for verb in stop start restart kill rm logs inspect wait top; do
    run b $verb nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such container: nosuch"* ]]
    [[ "$output" != *"No such file or directory"* ]]
  done
  run b exec nosuch true
  [ "$status" -eq 125 ]
  one_line
}

@test "bad input: --security-opt seccomp=FILE that is missing, not JSON or not a profile" {
  bad_run 125 "--security-opt seccomp=$TMP/none.json" --security-opt seccomp="$TMP/none.json" $IMG true
  [[ "$output" == *"No such file or directory"* ]]
  printf '{"defaultAction": ' >"$TMP/cut.json"
  bad_run 125 "--security-opt seccomp=$TMP/cut.json" --security-opt seccomp="$TMP/cut.json" $IMG true
  [[ "$output" == *"line 1"* ]]
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "mkdir", "action": "SCMP_ACT_ERRNO"}]}' >"$TMP/bad.json"
  bad_run 125 "--security-opt seccomp=$TMP/bad.json" --security-opt seccomp="$TMP/bad.json" $IMG true
  [[ "$output" == *"syscalls[0].names"* ]]
}
