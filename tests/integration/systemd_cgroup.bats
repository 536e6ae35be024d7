#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# nvbind --systemd-cgroup (src/runtime/cgroup_systemd.c) against a mock of systemd's Manager
# D-Bus API (helpers/systemd_mock.py) on a private dbus-daemon: the scope unit and its
# cgroup in every hierarchy, limits, device rules, the calls systemd receives, StopUnit on
# delete, and the errors (unit exists, failed job, no systemd, bad cgroupsPath).

bats_require_minimum_version 1.5.0
load helpers/runtime
load helpers/systemd_mock
load helpers/inject

setup() {
  rt_setup
  sdmock_need
  sdmock_start "$TMP/sd"
  UNIT="test-$CID.scope"
  SCOPE="/system.slice/$UNIT"
  cfg --arg p "system.slice:test:$CID" '.linux.cgroupsPath = $p'
}

teardown() {
  local id
  if [ -n "${STATE:-}" ] && [ -d "$STATE" ]; then
    for id in $("$NVBIND" --root "$STATE" list -q 2>/dev/null); do
      "$NVBIND" --root "$STATE" --systemd-cgroup delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  inj_containerd_stop
  sdmock_stop
  find /sys/fs/cgroup -depth -type d -name "test-$CID*.scope" -exec rmdir {} \; 2>/dev/null || true
  rt_teardown
}

nvs() {
  nvb --systemd-cgroup "$@"
}

# nvs_create ID: create with the container's stdio on $TMP/ctr.out (see ncreate).
nvs_create() {
  nvs create "$@" </dev/null >>"$TMP/ctr.out" 2>&1 || { cat "$TMP/ctr.out" >&2; return 1; }
}

# Directories named like this test's scope anywhere in the cgroup hierarchies.
scope_dirs() {
  find /sys/fs/cgroup -maxdepth 4 -type d -name "test-$CID*.scope" 2>/dev/null
}

# Mount points of the host's cgroup hierarchies.
cg_mounts() {
  awk '$0 ~ / - cgroup2? / && $5 ~ "^/sys/fs/cgroup" {print $5}' /proc/self/mountinfo
}

# The mount of the v1 hierarchy with controller $1, else the cgroup2 mount.
cg_mount_for() {
  local m
  m=$(awk -v c="$1" '$0 ~ / - cgroup / && $5 ~ "^/sys/fs/cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $5 }' /proc/self/mountinfo | head -1)
  [ -n "$m" ] || m=$(awk '$0 ~ / - cgroup2 / && $5 ~ "^/sys/fs/cgroup" {print $5}' /proc/self/mountinfo | head -1)
  echo "$m"
}

@test "run: the process is in the scope in every hierarchy; the mock got Delegate, PIDs, Slice; nothing is left" {
  args /init cat /proc/self/cgroup
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  local n=0 line
  while read -r line; do
    [[ "$line" == *":$SCOPE" ]] || { echo "not in the scope: $line"; false; }
    n=$((n + 1))
  done <<<"$output"
  [ "$n" -eq "$(cg_mounts | wc -l)" ]
  run sdmock_calls "select(.method == \"StartTransientUnit\")"
  echo "$output"
  [ "${#lines[@]}" -eq 1 ]
  [ "$(jq -r .name <<<"$output")" = "$UNIT" ]
  [ "$(jq -r .mode <<<"$output")" = replace ]
  [ "$(jq -r .properties.Slice <<<"$output")" = system.slice ]
  [ "$(jq -r .properties.Delegate <<<"$output")" = true ]
  [ "$(jq -r .properties.DefaultDependencies <<<"$output")" = false ]
  [ "$(jq -r '.properties.PIDs | length' <<<"$output")" -eq 1 ]
  [ "$(jq -r .types.PIDs <<<"$output")" = au ]
  [ "$(jq -r .types.Delegate <<<"$output")" = Boolean ]
  # the run is over: the unit went with its last process, bolt's own directories too
  [ -z "$(scope_dirs)" ] || { scope_dirs; false; }
  [ ! -e "$STATE/$CID" ]
}

@test "create/start/delete: pid in the scope everywhere, limits read back, StopUnit on delete" {
  args /init pause
  cfg '.linux.resources.memory.limit = 67108864 | .linux.resources.pids.limit = 42'
  cfg '.linux.resources.cpu.quota = 50000 | .linux.resources.cpu.period = 200000'
  nvs_create "$CID"
  run nvs state "$CID"
  [ "$status" -eq 0 ]
  local pid m dir
  pid=$(jq .pid <<<"$output")
  [ "$pid" -gt 0 ]
  for m in $(cg_mounts); do
    grep -qx "[0-9]*:[^:]*:$SCOPE" /proc/$pid/cgroup || { cat /proc/$pid/cgroup; false; }
    [ -d "$m$SCOPE" ] || { echo "missing $m$SCOPE"; false; }
  done
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit") | .properties.PIDs[0]')" = "$pid" ]
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit") | .properties.MemoryMax')" = 67108864 ]
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit") | .types.MemoryMax')" = '"UInt64"' ]
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit") | .properties.TasksMax')" = 42 ]
  # the limits are in the cgroup itself (v1 controllers are joined by nvbind on hybrid)
  dir=$(cg_mount_for memory)$SCOPE
  if [ -e "$dir/memory.limit_in_bytes" ]; then
    [ "$(cat "$dir/memory.limit_in_bytes")" = 67108864 ]
  else
    [ "$(cat "$dir/memory.max")" = 67108864 ]
  fi
  [ "$(cat "$(cg_mount_for pids)$SCOPE/pids.max")" = 42 ]
  # 50 ms per 200 ms: systemd gets 250 ms per second, the cgroup the exact quota and period
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit") | .properties.CPUQuotaPerSecUSec')" = 250000 ]
  dir=$(cg_mount_for cpu)$SCOPE
  if [ -e "$dir/cpu.cfs_quota_us" ]; then
    [ "$(cat "$dir/cpu.cfs_quota_us") $(cat "$dir/cpu.cfs_period_us")" = "50000 200000" ]
  else
    [ "$(cat "$dir/cpu.max")" = "50000 200000" ]
  fi
  # exec joins the running scope without a second unit
  run nvs exec "$CID" /init cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [[ "$output" == *"name=systemd:$SCOPE"* || "$output" == *"0::$SCOPE"* ]]
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit")' | wc -l)" -eq 1 ]
  run nvs start "$CID"
  [ "$status" -eq 0 ]
  wait_status "$CID" running
  run nvs delete --force "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(sdmock_calls "select(.method == \"StopUnit\") | .name")" = "\"$UNIT\"" ]
  [ -z "$(scope_dirs)" ] || { scope_dirs; false; }
  ! kill -0 "$pid" 2>/dev/null
  assert_nothing_left "$CID"
}

@test "device rules apply in the scope: a device not allowed cannot be opened" {
  args /init open /tmp/fuse
  cfg '.mounts += [{"destination": "/tmp/fuse", "type": "bind", "source": "/dev/fuse", "options": ["bind"]}]'
  cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = EPERM ]
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  [ -z "$(scope_dirs)" ]
}

@test "a unit that exists: one clear line; the first container is untouched" {
  args /init pause
  nvs_create "$CID"
  run nvs create "$CID-b" </dev/null
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"systemd unit '$UNIT' already exists"* ]]
  [ ! -e "$STATE/$CID-b" ]
  [ "$(nvs state "$CID" | jq -r .status)" = created ]
  [ -d "$(cg_mount_for memory)$SCOPE" ]
  run nvs delete --force "$CID"
  [ "$status" -eq 0 ]
  [ -z "$(scope_dirs)" ]
}

@test "a start job that fails: the error names the unit and the job result; nothing is left" {
  echo failed >"$SDMOCK_DIR/job-result"
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"systemd could not start unit '$UNIT': job result 'failed'"* ]]
  [ -z "$(scope_dirs)" ]
  assert_nothing_left "$CID"
}

@test "no systemd: no bus, or a bus without systemd, is one clear line and nothing is created" {
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/nonexistent" run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"--systemd-cgroup: no systemd on D-Bus (tried unix:path=$TMP/nonexistent: No such file or directory"* ]]
  [[ "$output" == *"systemd must run as PID 1, or use the cgroupfs driver: drop --systemd-cgroup"* ]]
  [[ "$output" == *"native.cgroupdriver=cgroupfs"* ]]
  [[ "$output" == *'cgroup_manager = "cgroupfs"'* ]]
  [[ "$output" == *"SystemdCgroup = false"* ]]
  # the bus runs but nobody owns org.freedesktop.systemd1
  kill -TERM "$SDMOCK_PID"
  wait "$SDMOCK_PID" || true
  SDMOCK_PID=
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"org.freedesktop.DBus.Error.ServiceUnknown"* ]]
  [ -z "$(scope_dirs)" ]
  assert_nothing_left "$CID"
}

@test "bad cgroupsPath with --systemd-cgroup names linux.cgroupsPath and the expected form" {
  cfg '.linux.cgroupsPath = "/bolt/x"'
  run nvs run "$CID"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"linux.cgroupsPath '/bolt/x': the systemd cgroup driver expects \"slice:prefix:name\""* ]]
  cfg '.linux.cgroupsPath = "a--b.slice:test:x"'
  run nvs run "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.cgroupsPath 'a--b.slice:test:x': slice 'a--b.slice': a dash-separated part is empty"* ]]
  [ -z "$(sdmock_calls 'select(.method == "StartTransientUnit")')" ]
}

@test "nested slice and the default path: kubepods-burstable-podX.slice, and :nvbind:<id> without cgroupsPath" {
  local pod=pod$$x$BATS_TEST_NUMBER
  args /init cat /proc/self/cgroup
  cfg --arg p "kubepods-burstable-$pod.slice:cri-containerd:$CID" '.linux.cgroupsPath = $p'
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-$pod.slice/cri-containerd-$CID.scope"* || "$output" == *"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-$pod.slice/cri-containerd-$CID.scope"* ]]
  cfg 'del(.linux.cgroupsPath)'
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/system.slice/nvbind-$CID.scope"* ]]
  [ "$(sdmock_calls 'select(.method == "StartTransientUnit") | .name' | tail -1)" = "\"nvbind-$CID.scope\"" ]
  # a NAME ending in .slice is that slice: no PIDs or Delegate for systemd, nvbind moves the pid
  cfg --arg p "user.slice:test:user-$pod.slice" '.linux.cgroupsPath = $p'
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"memory:/user.slice/user-$pod.slice"* ]]
  [ "$(sdmock_calls "select(.name == \"user-$pod.slice\" and .method == \"StartTransientUnit\") | .properties | has(\"PIDs\") or has(\"Delegate\")")" = false ]
  [ "$(sdmock_calls "select(.name == \"user-$pod.slice\") | .method // empty" | tr -d '"' | tr '\n' ' ')" = "StartTransientUnit StopUnit " ]
  [ ! -e "$(cg_mount_for memory)/user.slice/user-$pod.slice" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$CID.scope")" ]
}

# podman --cgroup-manager systemd talks to systemd itself (the conmon scope) and passes
# --systemd-cgroup and "machine.slice:libpod:<id>" to its runtime. conmon starts the runtime
# with an environment of its own that drops DBUS_SYSTEM_BUS_ADDRESS (a real host uses the
# default socket), so the runtime podman calls here is a two-line wrapper that sets it.
@test "podman --runtime nvbind --cgroup-manager systemd run works against the mock" {
  command -v podman >/dev/null || skip "podman is not installed"
  [ -x /bin/busybox ] || skip "busybox-static is not installed"
  mkdir -p "$TMP/img/bin" "$TMP/img/etc"
  cp /bin/busybox "$TMP/img/bin/busybox"
  ln -s busybox "$TMP/img/bin/cat"
  echo "root:x:0:0:root:/root:/bin/sh" >"$TMP/img/etc/passwd"
  tar -C "$TMP/img" -cf "$TMP/img.tar" .
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nevents_logger = "file"\n' \
    >"$TMP/containers.conf"
  printf '#!/bin/sh\nDBUS_SYSTEM_BUS_ADDRESS=%s exec %s "$@"\n' "$DBUS_SYSTEM_BUS_ADDRESS" "$NVBIND" \
    >"$TMP/nvbind-bus"
  chmod +x "$TMP/nvbind-bus"
  pm() {
    CONTAINERS_CONF=$TMP/containers.conf podman --root "$TMP/root" --runroot "$TMP/runroot" \
      --tmpdir "$TMP/tmp" --storage-driver vfs --cgroup-manager systemd \
      --runtime "$TMP/nvbind-bus" "$@"
  }
  pm import "$TMP/img.tar" localhost/bolt-sd:test >/dev/null
  run pm run --name "$CID" localhost/bolt-sd:test cat /proc/self/cgroup
  echo "$output"
  [ "$status" -eq 0 ]
  local id
  id=$(pm inspect --format '{{.Id}}' "$CID")
  [[ "$output" == *"name=systemd:/machine.slice/libpod-$id.scope"* ]]
  [[ "$output" == *"memory:/machine.slice/libpod-$id.scope"* ]]
  # podman's own scope for conmon, then nvbind's for the container
  [ "$(sdmock_calls "select(.method == \"StartTransientUnit\") | .name" | tr -d '"' | tr '\n' ' ')" = "libpod-conmon-$id.scope libpod-$id.scope " ]
  [ "$(sdmock_calls "select(.name == \"libpod-$id.scope\" and .method == \"StartTransientUnit\") | .properties.Slice")" = '"machine.slice"' ]
  pm rm -f "$CID" >/dev/null
  pm rmi -af >/dev/null 2>&1 || true
  [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "*$id*")" ]
}

# Pure cgroup2 (as on Ubuntu 22.04+/Fedora): a private mount namespace where /sys/fs/cgroup is
# the cgroup2 hierarchy alone; systemd (the mock) creates the only directory, device rules
# are an eBPF program on it.
@test "pure cgroup2 (private mount): the scope is the only cgroup; eBPF device rules apply" {
  command -v unshare >/dev/null || skip "unshare missing"
  args /init open /tmp/fuse
  cfg '.mounts += [{"destination": "/tmp/fuse", "type": "bind", "source": "/dev/fuse", "options": ["bind"]}]'
  cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  sdmock_stop
  cat >"$TMP/v2.sh" <<EOF
set -e
umount -R -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
. "$BOLT_TOP/tests/integration/helpers/systemd_mock.bash"
trap sdmock_stop EXIT
sdmock_start "$TMP/sd2"
cd "$BUNDLE"
"$NVBIND" --root "$STATE" --systemd-cgroup run "$CID" || true
jq -c '.process.args = ["/init", "cat", "/proc/self/cgroup"]' config.json >c.json && mv c.json config.json
# the kernel still lists its v1 hierarchies (unmounted here, the process at their root)
"$NVBIND" --root "$STATE" --systemd-cgroup run "$CID" | grep '^0::'
jq -r 'select(.method == "StartTransientUnit") | .name' "$TMP/sd2/calls.jsonl"
EOF
  run unshare -m --propagation private bash "$TMP/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 4 ]
  [ "${lines[0]}" = EPERM ]
  [ "${lines[1]}" = "0::$SCOPE" ]
  [ "${lines[2]}" = "$UNIT" ]
  [ "${lines[3]}" = "$UNIT" ]
  [ -z "$(scope_dirs)" ] || { scope_dirs; false; }
}

@test "a start job that never finishes: a timeout error naming the unit after 30 s; the unit is stopped" {
  echo never >"$SDMOCK_DIR/job-result"
  SECONDS=0
  run nvs run "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"systemd did not finish the job starting unit '$UNIT' within 30 s"* ]]
  [ "$SECONDS" -ge 29 ] && [ "$SECONDS" -le 45 ]
  [ "$(sdmock_calls 'select(.method == "StopUnit") | .name')" = "\"$UNIT\"" ]
  [ -z "$(scope_dirs)" ]
  assert_nothing_left "$CID"
}

# containerd's runc shim with SystemdCgroup (ctr --runc-systemd-cgroup) passes --systemd-cgroup
# to create, start and delete; the bus address reaches the runtime through containerd's and the
# shim's environment.
@test "containerd: ctr run --runc-binary nvbind --runc-systemd-cgroup puts the task in the scope" {
  command -v /usr/bin/ctr >/dev/null || command -v ctr >/dev/null || skip "ctr is not installed"
  printf '#!/bin/sh\necho "$*" >>%s/args.log\nexec %s "$@"\n' "$TMP" "$NVBIND" >"$TMP/nvbind-runc"
  chmod +x "$TMP/nvbind-runc"
  inj_containerd_start
  run timeout 60 ctr --address "$CTD_SOCK" run --rm --runc-binary "$TMP/nvbind-runc" \
    --runc-systemd-cgroup --cgroup "system.slice:ctr:$CID" --rootfs "$BUNDLE/rootfs" "$CID" \
    /init cat /proc/self/cgroup
  echo "$output"
  cat "$TMP/args.log"
  [ "$status" -eq 0 ]
  [[ "$output" == *"name=systemd:/system.slice/ctr-$CID.scope"* ]]
  [[ "$output" == *"memory:/system.slice/ctr-$CID.scope"* ]]
  grep -q -- "--systemd-cgroup create" "$TMP/args.log"
  [ "$(sdmock_calls "select(.method == \"StartTransientUnit\") | .name")" = "\"ctr-$CID.scope\"" ]
  [ "$(sdmock_calls "select(.method == \"StopUnit\") | .name")" = "\"ctr-$CID.scope\"" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "ctr-$CID.scope")" ]
}
