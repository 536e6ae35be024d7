#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The container runtime through `nvbind run`: what a process sees inside its container
# (namespaces, mounts and flags, masked and read-only paths, devices, capabilities,
# seccomp, rlimits, user, limits). Every probe is the static tests/helpers/bolt-test-init.

load helpers/runtime

setup() {
  rt_setup
}

teardown() {
  rt_teardown
}

@test "run: output and exit status pass through" {
  args /init echo hello from the container
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the container" ]
  args /init exit 7
  run nvb run "$CID"
  [ "$status" -eq 7 ]
  assert_nothing_left "$CID"
}

@test "run: a container killed by a signal exits 128+N" {
  args /init pause
  nvb run "$CID" &
  pid=$!
  wait_status "$CID" running
  nvb kill "$CID" KILL
  rc=0
  wait $pid || rc=$?
  [ "$rc" -eq 137 ]
}

@test "namespaces: pid, net, mnt, uts, ipc are new; pid 1 is the process" {
  args /init ns
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  for ns in pid net mnt uts ipc; do
    inside=$(echo "$output" | awk -v n=$ns '$1 == n {print $2}')
    host=$(stat -L -c %i /proc/self/ns/$ns)
    [ -n "$inside" ]
    [ "$inside" != "$host" ]
  done
  # not asked for: the user, cgroup and time namespaces stay the host's
  for ns in user cgroup time; do
    [ "$(echo "$output" | awk -v n=$ns '$1 == n {print $2}')" = "$(stat -L -c %i /proc/self/ns/$ns)" ]
  done
  cfg '.linux.namespaces += [{"type": "cgroup"}, {"type": "time"}]'
  run nvb run "$CID"
  for ns in cgroup time; do
    [ "$(echo "$output" | awk -v n=$ns '$1 == n {print $2}')" != "$(stat -L -c %i /proc/self/ns/$ns)" ]
  done
  args /init cat /proc/self/stat
  run nvb run "$CID"
  [ "${output%% *}" = "1" ]
}

@test "namespaces: hostname and domainname are set in the new uts namespace" {
  cfg '.hostname = "boxname" | .domainname = "example.org"'
  args /init hostname
  run nvb run "$CID"
  [ "$output" = "boxname" ]
  args /init cat /proc/sys/kernel/domainname
  run nvb run "$CID"
  [ "$output" = "example.org" ]
  [ "$(hostname)" != "boxname" ]
}

@test "namespaces: joining a namespace by path (network of a running container)" {
  args /init pause
  nvb run "$CID" &
  bg=$!
  wait_status "$CID" running
  pid=$(nvb state "$CID" | jq .pid)
  mkdir -p "$TMP/b2"
  cp -a "$BUNDLE/." "$TMP/b2/"
  jq --arg p "/proc/$pid/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end) | .process.args = ["/init", "ns"]' \
    "$BUNDLE/config.json" >"$TMP/b2/config.json"
  run "$NVBIND" --root "$STATE" run --bundle "$TMP/b2" "$CID-2"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk '$1 == "net" {print $2}')" = "$(stat -L -c %i /proc/$pid/ns/net)" ]
  [ "$(echo "$output" | awk '$1 == "pid" {print $2}')" != "$(stat -L -c %i /proc/$pid/ns/pid)" ]
  nvb kill "$CID" TERM
  wait "$bg"
}

@test "mounts: types and flags as read back from /proc/self/mountinfo" {
  mkdir -p "$TMP/share"
  echo data >"$TMP/share/file"
  cfg --arg s "$TMP/share" '.mounts += [
      {"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
      {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "noexec"]}]'
  args /init cat /proc/self/mountinfo
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  echo "$output"
  # field 5 is the mount point, 6 the per-mount options; after " - " come type and source
  echo "$output" | grep -E ' /proc rw[^ ]* - proc '
  echo "$output" | grep -E ' /sys ro,nosuid,nodev,noexec.* - sysfs '
  echo "$output" | grep -E ' /dev rw,nosuid.* - tmpfs '
  echo "$output" | grep -E ' /dev/pts rw,nosuid,noexec.* - devpts .*ptmxmode=666'
  echo "$output" | grep -E ' /dev/shm rw,nosuid,nodev,noexec.* - tmpfs .*size=65536k'
  echo "$output" | grep -E ' /dev/mqueue rw,nosuid,nodev,noexec.* - mqueue '
  echo "$output" | grep -E ' /data ro,nosuid,nodev,noexec'
  echo "$output" | grep -E ' /scratch rw,noexec.* - tmpfs .*size=1024k,mode=700'
  echo "$output" | grep -E ' /sys/fs/cgroup ro,nosuid,nodev,noexec'
  # the root is the bundle's rootfs, and nothing of the host's other mounts is visible
  [ "$(echo "$output" | awk '$5 == "/"' | wc -l)" -eq 1 ]
  ! echo "$output" | grep -q ' /work '
  args /init cat /data/file
  run nvb run "$CID"
  [ "$output" = "data" ]
  args /init write /data/new
  run nvb run "$CID"
  [ "$output" = "EROFS" ]
}

@test "mounts: --no-pivot (MS_MOVE + chroot) gives the same root" {
  args /init cat /proc/self/mountinfo
  run nvb run --no-pivot "$CID"
  [ "$status" -eq 0 ]
  echo "$output" | grep -E ' / '
  echo "$output" | grep -E ' /proc .* - proc '
}

@test "mounts: a symlink in the rootfs cannot redirect a mount to the host" {
  esc=/tmp/bolt-escape-$CID
  ln -s "$esc" "$BUNDLE/rootfs/link"
  mkdir -p "$BUNDLE/rootfs$esc"
  cfg '.mounts += [{"destination": "/link/x", "type": "tmpfs", "source": "tmpfs"}]'
  args /init cat /proc/self/mountinfo
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  echo "$output" | grep -E " $esc/x rw.* - tmpfs "
  [ ! -e "$esc" ]
  [ -d "$BUNDLE/rootfs$esc/x" ]
}

@test "root.readonly: the root filesystem is read-only" {
  cfg '.root.readonly = true'
  args /init write /newfile
  run nvb run "$CID"
  [ "$output" = "EROFS" ]
  [ ! -e "$BUNDLE/rootfs/newfile" ]
}

@test "masked paths: files become /dev/null, directories an empty read-only tmpfs" {
  args /init stat /proc/timer_list
  run nvb run "$CID"
  [ "$output" = "char 0666 1:3" ]
  args /init cat /proc/timer_list
  run nvb run "$CID"
  [ -z "$output" ]
  args /init cat /proc/self/mountinfo
  run nvb run "$CID"
  echo "$output" | grep -E ' /sys/firmware ro,.* - tmpfs '
  args /init write /sys/firmware/x
  run nvb run "$CID"
  [ "$output" = "EROFS" ]
}

@test "readonly paths: /proc/sys is read-only, /proc/self is not affected" {
  args /init open /proc/sys/kernel/hostname w
  run nvb run "$CID"
  [ "$output" = "EROFS" ]
  args /init cat /proc/self/mountinfo
  run nvb run "$CID"
  echo "$output" | grep -E ' /proc/sys ro,'
  cfg '.linux.readonlyPaths = []'
  args /init open /proc/sys/kernel/hostname w
  run nvb run "$CID"
  [ "$output" = "ok" ]
}

@test "devices: default nodes and links exist; a spec device is created with its mode" {
  cfg '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384}]'
  args /init stat /dev/null
  run nvb run "$CID"
  [ "$output" = "char 0666 1:3" ]
  args /init stat /dev/fuse
  run nvb run "$CID"
  [ "$output" = "char 0600 10:229" ]
  args /init stat /dev/fd
  run nvb run "$CID"
  [ "${output%% *}" = "link" ]
  args /init stat /dev/tty
  run nvb run "$CID"
  [ "$output" = "char 0666 5:0" ]
  for d in zero full random urandom; do
    args /init open /dev/$d
    run nvb run "$CID"
    [ "$output" = "ok" ]
  done
}

@test "devices: the device cgroup denies a node that is not allowed (EPERM)" {
  cfg '.mounts += [{"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]'
  args /init open /dev/kmsg w
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  args /init open /dev/null w
  run nvb run "$CID"
  [ "$output" = "ok" ]
  # allowing it by rule makes the open go through
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rw"}]'
  run nvb run "$CID"
  [ "$output" = "ok" ]
}

@test "capabilities: all five sets from the spec, read from /proc/self/status" {
  args /init caps
  run nvb run "$CID"
  echo "$output"
  # docker's default set (chown dac_override fowner fsetid kill setgid setuid setpcap
  # net_bind_service net_raw sys_chroot mknod audit_write setfcap)
  echo "$output" | grep -x 'CapEff:	00000000a80425fb'
  echo "$output" | grep -x 'CapPrm:	00000000a80425fb'
  echo "$output" | grep -x 'CapBnd:	00000000a80425fb'
  echo "$output" | grep -x 'CapInh:	0000000000000000'
  cfg '.process.capabilities = {"bounding": ["CAP_NET_ADMIN", "CAP_CHOWN"], "effective": ["CAP_NET_ADMIN"],
       "permitted": ["CAP_NET_ADMIN", "CAP_CHOWN"], "inheritable": ["CAP_NET_ADMIN"], "ambient": ["CAP_NET_ADMIN"]}'
  run nvb run "$CID"
  echo "$output"
  # uid 0: execve makes the effective set the permitted set
  echo "$output" | grep -x 'CapEff:	0000000000001001'
  echo "$output" | grep -x 'CapPrm:	0000000000001001'
  echo "$output" | grep -x 'CapBnd:	0000000000001001'
  echo "$output" | grep -x 'CapInh:	0000000000001000'
  echo "$output" | grep -x 'CapAmb:	0000000000001000'
}

@test "capabilities: a dropped capability is enforced (chroot needs CAP_SYS_CHROOT)" {
  args /init syscall chroot
  run nvb run "$CID"
  [ "$output" = "ok" ]
  cfg '.process.capabilities |= with_entries(.value |= map(select(. != "CAP_SYS_CHROOT")))'
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
}

@test "no_new_privs and a non-root user with groups, umask, cwd and env" {
  mkdir -p "$BUNDLE/rootfs/work"
  cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 7], "umask": 63}
       | .process.cwd = "/work" | .process.env += ["GREETING=hi there"]'
  args /init id
  run nvb run "$CID"
  [ "$output" = "uid=1000 gid=1001 groups=5,7" ]
  args /init status NoNewPrivs
  run nvb run "$CID"
  [ "$output" = "NoNewPrivs:	1" ]
  args /init umask
  run nvb run "$CID"
  [ "$output" = "0077" ]
  args /init cwd
  run nvb run "$CID"
  [ "$output" = "/work" ]
  args /init env GREETING
  run nvb run "$CID"
  [ "$output" = "hi there" ]
  # a non-root user has no effective capabilities left
  args /init status CapEff
  run nvb run "$CID"
  [ "$output" = "CapEff:	0000000000000000" ]
}

@test "seccomp: a syscall the profile denies fails with its errno" {
  cfg '.root.readonly = false'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
       "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                    {"names": ["swapoff"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  args /init mkdir /tmp/x
  run nvb run "$CID"
  [ "$output" = "EPERM" ]
  args /init syscall swapoff
  run nvb run "$CID"
  [ "$output" = "ENOSYS" ]
  args /init status Seccomp
  run nvb run "$CID"
  [ "$output" = "Seccomp:	2" ]
  cfg 'del(.linux.seccomp)'
  args /init mkdir /tmp/x
  run nvb run "$CID"
  [ "$output" = "ok" ]
}

@test "seccomp: also applies without no_new_privs (loaded while privileged)" {
  cfg '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
       "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  args /init cwd
  run nvb run "$CID"
  [ "$output" = "?" ]
  args /init status NoNewPrivs
  run nvb run "$CID"
  [ "$output" = "NoNewPrivs:	0" ]
}

@test "rlimits: set from the spec; above the host's hard limit is a clear error" {
  cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512}]'
  args /init rlimit NOFILE
  run nvb run "$CID"
  [ "$output" = "256 512" ]
  hard=$(ulimit -Hn)
  cfg --argjson h $((hard + 1000)) '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]'
  run nvb run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"RLIMIT_NOFILE hard limit $((hard + 1000)) is above this host's hard limit $hard"* ]]
  [[ "$output" == *"lower it to at most $hard"* ]]
  assert_nothing_left "$CID"
}

@test "sysctl and oomScoreAdj are applied" {
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"} | .process.oomScoreAdj = 345'
  args /init cat /proc/sys/net/ipv4/ip_forward
  run nvb run "$CID"
  [ "$output" = "1" ]
  args /init cat /proc/sys/kernel/msgmax
  run nvb run "$CID"
  [ "$output" = "4096" ]
  args /init cat /proc/self/oom_score_adj
  run nvb run "$CID"
  [ "$output" = "345" ]
}

@test "user namespace: uid/gid maps, root inside is an unprivileged uid outside" {
  chown -R 100000:100000 "$BUNDLE/rootfs"
  chmod 755 "$TMP" "$BUNDLE"
  cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
       | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  args /init cat /proc/self/uid_map
  run nvb run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "0 100000 65536" ]
  args /init id
  run nvb run "$CID"
  [ "$output" = "uid=0 gid=0 groups=" ]
  args /init pause
  nvb run "$CID" &
  bg=$!
  wait_status "$CID" running
  pid=$(nvb state "$CID" | jq .pid)
  [ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = "100000" ]
  nvb kill "$CID" TERM
  wait "$bg"
}

@test "limits: a container over its memory limit is OOM-killed" {
  cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  args /init alloc 16
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  [ "$output" = "allocated" ]
  args /init alloc 128
  run nvb run "$CID"
  [ "$status" -eq 137 ]
  [[ "$output" != *allocated* ]]
  assert_nothing_left "$CID"
}

@test "limits: a container at its pids limit cannot fork" {
  cfg '.linux.resources.pids = {"limit": 10}'
  args /init fork 30
  run nvb run "$CID"
  echo "$output"
  [ "${lines[0]}" = "forked 9" ]
  [ "${lines[1]}" = "EAGAIN" ]
}

@test "terminal: the pty master is sent to --console-socket" {
  command -v python3 >/dev/null || skip "python3 needed for the console socket receiver"
  cfg '.process.terminal = true | .process.args = ["/init", "isatty"]'
  sock=$TMP/console.sock
  python3 - "$sock" "$TMP/pty.out" <<'EOF' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 1024, 1)
out = b""
while True:
    try:
        d = os.read(fds[0], 1024)
    except OSError:
        break
    if not d:
        break
    out += d
open(sys.argv[2], "wb").write(out)
EOF
  bg=$!
  for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  ncreate --console-socket "$sock" "$CID"
  nvb start "$CID"
  wait "$bg"
  grep -q '^tty' "$TMP/pty.out"
  nvb delete "$CID" || { sleep 0.5; nvb delete "$CID"; }
}

@test "cgroup namespace: the container's own cgroup is its root" {
  cfg '.linux.namespaces += [{"type": "cgroup"}] | .linux.resources.memory = {"limit": 67108864}'
  args /init cat /proc/self/cgroup
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  echo "$output"
  # every hierarchy shows "/" (outside it is /bolt/<id>)
  [ -z "$(echo "$output" | awk -F: '$3 != "/"')" ]
  if [ -d /sys/fs/cgroup/memory ]; then
    args /init cat /sys/fs/cgroup/memory/memory.limit_in_bytes
  else
    args /init cat /sys/fs/cgroup/memory.max
  fi
  run nvb run "$CID"
  [ "$output" = "67108864" ]
}

@test "terminal: run without --console-socket proxies the pty and its size" {
  command -v script >/dev/null || skip "script (bsdutils) is needed for a controlling tty"
  cfg '.process.terminal = true'
  args /init isatty
  run timeout 60 script -qec "cd $BUNDLE && $NVBIND --root $STATE run $CID" /dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *tty* ]]
  [[ "$output" != *notty* ]]
  args /bin/sh -c 'stty size'
  run timeout 60 script -qec "stty rows 31 cols 97; cd $BUNDLE && $NVBIND --root $STATE run $CID" /dev/null
  [[ "$output" == *"31 97"* ]]
  # create without a console socket cannot give the process a terminal
  run nvb create "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"process.terminal is true: pass --console-socket"* ]]
  assert_nothing_left "$CID"
}

@test "devices: a bind-mounted /dev (privileged) is the host's and is left unchanged" {
  [ ! -e /dev/core ] || skip "this host has a /dev/core"
  cfg '.mounts |= map(select(.destination | startswith("/dev") | not))
       | .mounts += [{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}]
       | .linux.resources.devices = []'
  args /init stat /dev/null
  run nvb run "$CID"
  [ "$status" -eq 0 ]
  [ "$output" = "char 0666 1:3" ]
  [ ! -e /dev/core ]
  [ ! -e "$BUNDLE/rootfs/dev/core" ]
}
