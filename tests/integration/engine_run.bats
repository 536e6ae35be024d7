#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt run` and its options, against a busybox image the tests build and load.

load helpers/engine

setup() {
  eng_setup
}

teardown() {
  eng_teardown
}

@test "run: output and exit status pass through; --rm leaves nothing" {
  run b run --rm $IMG echo hello from bolt
  [ "$status" -eq 0 ]
  [ "$output" = "hello from bolt" ]
  run b run --rm $IMG sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [[ "$output" == *out* ]] && [[ "$output" == *err* ]]
  b run --rm --name k9 $IMG sleep 30 &
  pid=$!
  wait_for 10 status_is k9 running
  b kill k9
  rc=0
  wait $pid || rc=$?
  [ "$rc" -eq 137 ]
  assert_clean_state
}

@test "run: only --rm containers get a volatile overlay (no syncfs of the host disk at exit)" {
  run b run --rm $IMG sh -c 'grep "^overlay / " /proc/mounts'
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *volatile* ]]
  run b run --name keep $IMG sh -c 'grep "^overlay / " /proc/mounts'
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *"upperdir="* ]] && [[ "$output" != *volatile* ]]
  b rm keep
  assert_clean_state
}

@test "run: without --rm the container stays exited with its code and logs" {
  run b run --name keep $IMG sh -c 'echo kept; exit 4'
  [ "$status" -eq 4 ]
  [ "$(b inspect -f '{{.State.Status}} {{.State.ExitCode}}' keep)" = "exited 4" ]
  [ "$(b logs keep)" = "kept" ]
  b rm keep
  assert_clean_state
}

@test "run -d: prints a 64-hex id, runs in the background, name or prefix finds it" {
  id=$(b run -d --name bg $IMG sleep 30)
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  status_is bg running
  status_is "${id:0:6}" running
  run b ps -q
  [ "$output" = "${id:0:12}" ]
  b rm -f bg
  assert_clean_state
}

@test "run: -e, --env-file, -w, -u, --hostname, --entrypoint" {
  printf 'FROMFILE=yes\n# comment\n\nBOTH=file\n' >"$TMP/envf"
  export HOSTVAR=passed
  run b run --rm -e A=1 -e HOSTVAR --env-file "$TMP/envf" -e BOTH=flag $IMG \
    sh -c 'echo $A $HOSTVAR $FROMFILE $BOTH $HOSTNAME'
  [ "$status" -eq 0 ]
  [[ "$output" == "1 passed yes flag "* ]]
  run b run --rm -w /var/tmp/new $IMG sh -c pwd
  [ "$output" = "/var/tmp/new" ]
  run b run --rm -u nobody $IMG id
  [[ "$output" == "uid=65534(nobody) gid=65534(nogroup)"* ]]
  run b run --rm -u 1234:4321 $IMG id -u
  [ "$output" = "1234" ]
  run b run --rm --hostname box1 $IMG hostname
  [ "$output" = "box1" ]
  run b run --rm --entrypoint echo $IMG via entrypoint
  [ "$output" = "via entrypoint" ]
  run b run --rm --entrypoint /bin/hostname --hostname ep $IMG
  [ "$output" = "ep" ]
}

@test "run: -v binds host paths (ro, rw, :z ignored), --tmpfs mounts a tmpfs" {
  mkdir -p "$TMP/vol"
  echo from-host >"$TMP/vol/f"
  run b run --rm -v "$TMP/vol:/data:z" $IMG sh -c 'cat /data/f; echo new >/data/g'
  [ "$status" -eq 0 ]
  [ "$output" = "from-host" ]
  [ "$(cat "$TMP/vol/g")" = "new" ]
  run b run --rm -v "$TMP/vol:/data:ro" $IMG sh -c 'echo x >/data/h'
  [ "$status" -ne 0 ]
  [ ! -e "$TMP/vol/h" ]
  run b run --rm --tmpfs /scratch:size=2m,mode=1777 $IMG sh -c 'grep " /scratch " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == *tmpfs* ]] && [[ "$output" == *size=2048k* ]]
}

@test "run: --shm-size and the 64 MB /dev/shm default" {
  run b run --rm $IMG sh -c 'grep " /dev/shm " /proc/mounts'
  [[ "$output" == *size=65536k* ]]
  run b run --rm --shm-size 8m $IMG sh -c 'grep " /dev/shm " /proc/mounts'
  [[ "$output" == *size=8192k* ]]
}

@test "run: --memory, --memory-swap, --cpus, --cpuset-cpus, --cpu-shares, --pids-limit reach the spec and cgroup" {
  id=$(b run -d --memory 64m --memory-swap 128m --cpus 0.5 --cpuset-cpus 0 --cpu-shares 512 \
    --pids-limit 50 $IMG sleep 30)
  spec=$(b inspect -f '{{.OCISpec.linux.resources}}' "$id")
  [ "$(echo "$spec" | jq .memory.limit)" -eq 67108864 ]
  [ "$(echo "$spec" | jq .memory.swap)" -eq 134217728 ]
  [ "$(echo "$spec" | jq .cpu.quota)" -eq 50000 ]
  [ "$(echo "$spec" | jq .cpu.period)" -eq 100000 ]
  [ "$(echo "$spec" | jq -r .cpu.cpus)" = "0" ]
  [ "$(echo "$spec" | jq .cpu.shares)" -eq 512 ]
  [ "$(echo "$spec" | jq .pids.limit)" -eq 50 ]
  # what the kernel enforces
  [ "$(b stats --no-stream --format json | jq '.[0].MemLimit')" -eq 67108864 ]
  run b exec "$id" sh -c 'grep Cpus_allowed_list /proc/self/status'
  [[ "$output" == *"	0" ]]
  b rm -f "$id"
}

@test "run: --pids-limit is enforced" {
  run b run --rm --pids-limit 5 $IMG sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo done'
  [[ "$output" == *"can't fork"* ]] || [[ "$output" == *"Resource temporarily unavailable"* ]]
}

@test "run: --ulimit sets rlimits; above the host hard limit is a clear error" {
  run b run --rm --ulimit nofile=512:1024 $IMG sh -c 'ulimit -n; ulimit -Hn'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "512" ] && [ "${lines[1]}" = "1024" ]
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ]; then
    run b run --rm --ulimit nofile=$((hard + 1)) $IMG true
    [ "$status" -eq 125 ]
    one_line
    [[ "$output" == *"above this host's hard nofile limit"* ]]
  fi
}

@test "run: docker's default capabilities, --cap-add, --cap-drop, --privileged" {
  capeff() { b run --rm "$@" $IMG sh -c 'grep CapEff /proc/self/status' | awk '{print $2}'; }
  # docker default set = 0x00000000a80425fb
  [ "$(capeff)" = "00000000a80425fb" ]
  # NET_ADMIN is bit 12
  [ "$(( 0x$(capeff --cap-add net_admin) & (1 << 12) ))" -ne 0 ]
  # CHOWN is bit 0
  [ "$(( 0x$(capeff --cap-drop CAP_CHOWN) & 1 ))" -eq 0 ]
  run b run --rm --cap-drop chown $IMG chown 1 /tmp
  [ "$status" -ne 0 ]
  [ "$(capeff --cap-drop ALL)" = "0000000000000000" ]
  [ "$(( 0x$(capeff --privileged) & (1 << 21) ))" -ne 0 ]
  run b run --rm --privileged $IMG sh -c 'grep Seccomp: /proc/self/status; ls /dev | wc -l'
  [[ "${lines[0]}" == *"0" ]]
  [ "${lines[1]}" -gt 15 ]
}

@test "run: default seccomp profile, --security-opt seccomp=unconfined|FILE and no-new-privileges" {
  run b run --rm $IMG sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
  [[ "$output" == *"NoNewPrivs:	0"* ]] && [[ "$output" == *"Seccomp:	2"* ]]
  run b run --rm --security-opt seccomp=unconfined $IMG sh -c 'grep ^Seccomp: /proc/self/status'
  [[ "$output" == *"Seccomp:	0"* ]]
  run b run --rm --security-opt no-new-privileges $IMG sh -c 'grep ^NoNewPrivs: /proc/self/status'
  [[ "$output" == *"NoNewPrivs:	1"* ]]
  cat >"$TMP/prof.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
  run b run --rm --security-opt seccomp="$TMP/prof.json" $IMG mkdir /tmp/x
  [ "$status" -ne 0 ]
  [[ "$output" == *"not permitted"* ]]
  run b run --rm $IMG mkdir /tmp/x
  [ "$status" -eq 0 ]
}

@test "run: --security-opt seccomp=FILE reads docker-format profiles (archMap, caps conditions)" {
  # moby's default.json shape: archMap plus rules that apply only with (or without) a capability
  cat >"$TMP/docker.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
 "syscalls": [
   {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
   {"names": ["chdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "includes": {"caps": ["CAP_SYS_ADMIN"]}},
   {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]}
JSON
  run b run --rm --security-opt seccomp="$TMP/docker.json" $IMG sh -c \
    'mkdir /tmp/x; echo "mkdir=$?"; cd /tmp; echo "cd=$?"; rmdir /tmp; echo "rmdir=$?"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"mkdir: can't create directory '/tmp/x': Operation not permitted"* ]]
  [[ "$output" == *"mkdir=1"* ]] && [[ "$output" == *"cd=0"* ]] && [[ "$output" == *"rmdir=1"* ]]
  # with CAP_SYS_ADMIN in the bounding set the includes rule applies and the excludes one not
  run b run --rm --cap-add SYS_ADMIN --security-opt seccomp="$TMP/docker.json" $IMG sh -c \
    'cd /tmp; echo "cd=$?"; mkdir /tmp/d && rmdir /tmp/d; echo "rmdir=$?"'
  echo "$output"
  [[ "$output" == *"cd=2"* ]] || [[ "$output" == *"cd=1"* ]]
  [[ "$output" == *"can't cd to /tmp: Operation not permitted"* ]]
  assert_clean_state
}

@test "run: default masked paths; --read-only root; --device adds a node" {
  [ "$(wc -c </proc/timer_list)" -gt 0 ]
  run b run --rm $IMG sh -c 'wc -c </proc/timer_list; ls /sys/firmware | wc -l'
  [ "${lines[0]}" = "0" ] && [ "${lines[1]}" = "0" ]
  run b run --rm --read-only $IMG touch /newfile
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run b run --rm --read-only --tmpfs /tmp $IMG touch /tmp/ok
  [ "$status" -eq 0 ]
  run b run --rm --device /dev/zero:/dev/myzero $IMG sh -c 'stat -c "%t %T %F" /dev/myzero; head -c 4 /dev/myzero | wc -c'
  [ "${lines[0]}" = "1 5 character special file" ]
  [ "${lines[1]}" = "4" ]
}

@test "run --init: a small init is pid 1, forwards signals and reaps zombies" {
  run b run --rm --init $IMG sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
  [[ "${lines[0]}" == "/dev/init -- sh -c"* ]]
  [ "${lines[1]}" != "1" ]
  id=$(b run -d --init --name in $IMG sh -c 'trap "echo term-forwarded; exit 0" TERM; (sleep 0.1 &); while :; do sleep 0.1; done')
  sleep 0.5
  # the orphaned background sleeps were reaped by init: no zombies remain
  run b exec in sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l'
  [ "$output" = "0" ]
  start=$(date +%s%N)
  b stop -t 10 in
  [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
  [ "$(b logs in)" = "term-forwarded" ]
  [ "$(b inspect -f '{{.State.ExitCode}}' in)" = "0" ]
}

@test "run: --network none has only loopback; --network host shares the host's" {
  run b run --rm --network none $IMG sh -c 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
  [ "$output" = "lo" ]
  host_n=$(tail -n +3 /proc/net/dev | wc -l)
  run b run --rm --network host $IMG sh -c 'tail -n +3 /proc/net/dev | wc -l'
  [ "$output" -eq "$host_n" ]
}

@test "run --add-host: /etc/hosts lines, host-gateway on the host network, bad values named" {
  run b run --rm --add-host db:10.1.2.3 --add-host v6=[fd00::1] $IMG cat /etc/hosts
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'10.1.2.3\tdb'* ]]
  [[ "$output" == *$'fd00::1\tv6'* ]]
  [[ "$output" == *$'127.0.0.1\tlocalhost'* ]]
  # busybox resolves through /etc/hosts
  run b run --rm --network host --add-host gw:host-gateway $IMG sh -c 'grep -w gw /etc/hosts; ping -c1 -W1 gw >/dev/null && echo reachable'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == $'127.0.0.1\tgw' ]]
  [ "${lines[1]}" = "reachable" ]
  run b run --rm --add-host gw:host-gateway $IMG true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--add-host gw:host-gateway: host-gateway is the host's address"*"--network host"* ]]
  run b run --rm --add-host db:10.1.2 $IMG true
  [ "$status" -eq 125 ]
  [ "$output" = "bolt: --add-host db:10.1.2: '10.1.2' is not an IPv4 or IPv6 address (expected NAME:IP, or NAME:host-gateway)" ]
  run b run --rm --add-host nocolon $IMG true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--add-host: invalid value 'nocolon' (expected NAME:IP"* ]]
  assert_clean_state
}

@test "run: --label, --stop-signal, --stop-timeout are recorded and used" {
  id=$(b run -d --label team=gpu --label tier --stop-signal USR1 --stop-timeout 3 $IMG \
    sh -c 'trap "echo got-usr1; exit 0" USR1; while :; do sleep 0.1; done')
  [ "$(b inspect -f '{{.Config.Labels.team}}' "$id")" = "gpu" ]
  [ "$(b inspect -f '{{.Config.StopSignal}} {{.Config.StopTimeout}}' "$id")" = "SIGUSR1 3" ]
  b stop "$id"
  [ "$(b logs "$id")" = "got-usr1" ]
}

@test "run -it: a real terminal, its size, and window-size changes" {
  run python3 "$BOLT_TOP/tests/integration/helpers/ptyrun.py" "$BOLT" --root "$ROOT" \
    --runroot "$RUNROOT" run --rm -it $IMG sh -c 'tty; stty size; sleep 2; stty size; exit 3'
  echo "$output" | cat -A
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == /dev/pts/* ]]
  [ "$(echo "${lines[1]}" | tr -d '\r')" = "30 90" ]
  [ "$(echo "${lines[2]}" | tr -d '\r')" = "44 120" ]
  [[ "${lines[3]}" == "EXIT 3" ]]
}

@test "run -i: stdin reaches the container" {
  run bash -c "echo piped-in | '$BOLT' --root '$ROOT' --runroot '$RUNROOT' run --rm -i $IMG cat"
  [ "$output" = "piped-in" ]
  run bash -c "echo piped-in | '$BOLT' --root '$ROOT' --runroot '$RUNROOT' run --rm $IMG cat"
  [ "$output" = "" ]
}

@test "run --runtime runc|crun|PATH drives a CLI runtime with the same spec" {
  command -v runc >/dev/null || skip "runc is not installed"
  run b run --rm --runtime runc $IMG sh -c 'echo via-runc; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = "via-runc" ]
  id=$(b run -d --runtime "$(command -v runc)" --name rc $IMG sleep 30)
  [ "$(b inspect -f '{{.HostConfig.Runtime}}' rc)" = "$(command -v runc)" ]
  run b exec rc echo exec-via-runc
  [ "$output" = "exec-via-runc" ]
  b stop -t 1 rc
  status_is rc exited
  b rm rc
  assert_clean_state
  command -v crun >/dev/null || skip "crun is not installed"
  # crun refuses this host's hybrid cgroup layout unless it runs without the cgroup2 mount
  run b run --rm --runtime crun $IMG sh -c 'echo via-crun; exit 6'
  [ "$status" -eq 6 ]
  [ "$output" = "via-crun" ]
  id=$(b run -d --runtime crun $IMG sleep 30)
  [ "$(b exec "$id" echo exec-via-crun)" = "exec-via-crun" ]
  b rm -f "$id"
  assert_clean_state
}

@test "run: the container's overlay never shows in the host's mount table" {
  id=$(b run -d $IMG sleep 30)
  ! grep -q "$TMP" /proc/self/mountinfo
  run b exec "$id" sh -c 'echo x >/written; cat /written'
  [ "$output" = "x" ]
  [ -f "$ROOT/containers/$id/upper/written" ]
  b rm -f "$id"
  assert_clean_state
}

@test "run: bolt started with stdin, stdout or stderr closed (as some supervisors start it) still works" {
  # a closed fd 0 used to be taken by the monitor's lock, then replaced by /dev/null: the
  # monitor looked dead and the container was reported Dead at once
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run -d --name closed0 $IMG sleep 30 <&- >/dev/null
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run -d --name closed12 $IMG sleep 30 >&- 2>&-
  sleep 1
  status_is closed0 running
  status_is closed12 running
  run b run --rm $IMG echo still-fine <&-
  [ "$output" = "still-fine" ]
  b rm -f closed0 closed12
  assert_clean_state
}
