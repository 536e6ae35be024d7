#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# podman (Debian's 4.3, a client nobody here wrote) drives nvbind as its OCI runtime on
# this host's hybrid cgroup layout. Each test has its own podman root/runroot/tmpdir and
# a locally imported busybox-static image (plus bolt-test-init as /init).
# The only podman configuration this host needs for nvbind: default_ulimits that stay
# within root's hard RLIMIT_NOFILE (20000), since podman's default asks for 1048576.

bats_require_minimum_version 1.5.0
load helpers/runtime

setup() {
  rt_need_root
  command -v podman >/dev/null || skip "podman is not installed"
  [ -x /bin/busybox ] || skip "busybox-static is not installed"
  [ -x "$NVBIND" ] || { echo "nvbind not built: $NVBIND" >&2; return 1; }
  TMP=$(mktemp -d /tmp/bolt-podman.XXXXXX)
  mkdir -p "$TMP/img/bin" "$TMP/img/etc" "$TMP/img/tmp"
  cp /bin/busybox "$TMP/img/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$TMP/img/bin/$a"
  done
  cp "$TEST_INIT" "$TMP/img/init"
  echo "root:x:0:0:root:/root:/bin/sh" >"$TMP/img/etc/passwd"
  echo "root:x:0:" >"$TMP/img/etc/group"
  tar -C "$TMP/img" -cf "$TMP/img.tar" .
  cat >"$TMP/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
events_logger = "file"
EOF
  export CONTAINERS_CONF=$TMP/containers.conf
  IMG=localhost/bolt-busybox:test
  pm import "$TMP/img.tar" "$IMG" >/dev/null
}

teardown() {
  [ -n "${TMP:-}" ] || return 0
  pm rm -af -t 0 >/dev/null 2>&1 || true
  pm rmi -af >/dev/null 2>&1 || true
  rm -rf "$TMP"
}

pm() {
  podman --root "$TMP/root" --runroot "$TMP/runroot" --tmpdir "$TMP/tmp" \
    --storage-driver vfs --cgroup-manager cgroupfs --runtime "$NVBIND" "$@"
}

# pm_status NAME: "exited CODE" / "running" as podman records it.
pm_status() {
  pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1"
}

@test "podman run --rm IMAGE echo ok" {
  run pm run --rm "$IMG" echo ok
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "ok" ]
  # the container really ran under nvbind
  run pm run --rm "$IMG" /init ns
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk '$1 == "pid" {print $2}')" != "$(stat -L -c %i /proc/self/ns/pid)" ]
}

@test "podman run: exit codes, a missing command is 127" {
  run pm run --rm "$IMG" sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run -127 pm run --rm "$IMG" nosuchcommand
  [[ "$output" == *"nosuchcommand"* ]]
}

@test "podman run -it gets a terminal (console socket)" {
  # the short sleep keeps the container alive until podman's attach has read its output:
  # podman 4.3 can lose the last output of an -it container that exits at once
  command -v script >/dev/null || skip "script (bsdutils) is needed to give podman a tty"
  run timeout 60 script -qec "podman --root $TMP/root --runroot $TMP/runroot --tmpdir $TMP/tmp --storage-driver vfs --cgroup-manager cgroupfs --runtime $NVBIND run --rm -it $IMG sh -c '/init isatty; sleep 0.5'" /dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *tty* ]]
  [[ "$output" != *notty* ]]
  run pm run --rm "$IMG" /init isatty
  [ "$output" = "notty" ]
}

@test "podman exec joins the running container" {
  pm run -d --name web "$IMG" /init pause
  run pm exec web /init ns
  [ "$status" -eq 0 ]
  pid=$(pm inspect --format '{{.State.Pid}}' web)
  for ns in pid mnt uts ipc net; do
    [ "$(echo "$output" | awk -v n=$ns '$1 == n {print $2}')" = "$(stat -L -c %i /proc/$pid/ns/$ns)" ]
  done
  run pm exec web sh -c 'echo from exec; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "from exec" ]
  run pm exec -e X=42 web /init env X
  [ "$output" = "42" ]
  if command -v script >/dev/null; then
    run timeout 60 script -qec "podman --root $TMP/root --runroot $TMP/runroot --tmpdir $TMP/tmp --storage-driver vfs --cgroup-manager cgroupfs --runtime $NVBIND exec -it web /init isatty" /dev/null
    [[ "$output" == *tty* ]]
  fi
}

@test "podman stop: TERM first, KILL after the timeout" {
  pm run -d --name graceful "$IMG" /init pause
  run pm stop -t 10 graceful
  [ "$status" -eq 0 ]
  [ "$(pm_status graceful)" = "exited 0" ]
  # pid 1 ignores TERM without a handler: podman must fall back to KILL
  pm run -d --name stubborn "$IMG" sleep 1000
  start=$(date +%s)
  run pm stop -t 1 stubborn
  [ "$status" -eq 0 ]
  [ "$(pm_status stubborn)" = "exited 137" ]
  [ $(($(date +%s) - start)) -lt 15 ]
}

@test "podman kill, and delete of what nvbind created" {
  pm run -d --name victim "$IMG" /init pause
  run pm kill victim
  [ "$status" -eq 0 ]
  for i in $(seq 50); do [ "$(pm_status victim)" = "exited 137" ] && break; sleep 0.1; done
  [ "$(pm_status victim)" = "exited 137" ]
  pm run -d --name term "$IMG" /init pause
  pm kill --signal TERM term
  for i in $(seq 50); do [ "$(pm_status term)" = "exited 0" ] && break; sleep 0.1; done
  [ "$(pm_status term)" = "exited 0" ]
  id=$(pm inspect --format '{{.Id}}' victim)
  pm rm victim term
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*$id*" 2>/dev/null)" ]
}

@test "podman resource limits hold under nvbind (memory OOM, pids)" {
  run pm run --rm --memory 32m --memory-swap 32m "$IMG" /init alloc 128
  [ "$status" -eq 137 ]
  run pm run --rm --pids-limit 10 "$IMG" /init fork 30
  echo "$output"
  [[ "${lines[0]}" =~ ^forked\ [0-9]$ ]]
  [ "${lines[1]}" = "EAGAIN" ]
}

@test "podman run options: --privileged, --device, --read-only, -u, -w, -e, --hostname" {
  run pm run --rm --privileged "$IMG" /init status CapBnd
  [ "$status" -eq 0 ]
  [ "$output" = "$(grep CapBnd /proc/self/status)" ]
  run pm run --rm --device /dev/fuse "$IMG" /init stat /dev/fuse
  [ "${output%% *}" = "char" ]
  [[ "$output" == *" 10:229" ]]
  run pm run --rm --read-only --hostname box -e A=b -w /tmp -u 1000:1000 "$IMG" \
    sh -c 'hostname; echo $A; pwd; id -u; /init write /x'
  echo "$output"
  [ "${lines[0]}" = "box" ]
  [ "${lines[1]}" = "b" ]
  [ "${lines[2]}" = "/tmp" ]
  [ "${lines[3]}" = "1000" ]
  [ "${lines[4]}" = "EROFS" ]
}

@test "podman pause and unpause" {
  pm run -d --name frozen "$IMG" /init pause
  pm pause frozen
  [ "$(pm inspect --format '{{.State.Status}}' frozen)" = "paused" ]
  pm unpause frozen
  [ "$(pm inspect --format '{{.State.Status}}' frozen)" = "running" ]
  run pm exec frozen /init echo alive
  [ "$output" = "alive" ]
}
