#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The engines users already run: podman with the CDI spec `nvbind cdi generate` writes
# (`--device nvidia.com/gpu=...`), podman with `--runtime nvbind` and NVIDIA_VISIBLE_DEVICES,
# and Docker where a Docker engine runs.

load helpers/inject

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-podman-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_podman_setup
}

teardown() {
  inj_podman_teardown
  inj_teardown
}

# podman 4.3 reads CDI specs from /etc/cdi and /var/run/cdi only (no cdi_spec_dirs): the
# test installs its spec under a unique name there and removes it in teardown.
install_spec() {
  mkdir -p /var/run/cdi
  CDI_FILE=/var/run/cdi/bolt-test-$$-$BATS_TEST_NUMBER.json
  for f in /var/run/cdi/*.json /etc/cdi/*.json; do
    [ -e "$f" ] && [ "$f" != "$CDI_FILE" ] && grep -q '"nvidia.com/gpu"' "$f" \
      && skip "another nvidia.com/gpu spec is installed ($f): it would conflict"
  done
  "$NVBIND" --root "$STATE" cdi generate --output "$CDI_FILE"
}

@test "podman: --device nvidia.com/gpu=all with the generated CDI spec" {
  install_spec
  run inj_podman run --rm --network none --device nvidia.com/gpu=all --rootfs "$TMP/bundle/rootfs" \
    /bin/sh -c "$INJ_PROBE; grep ' /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15 ' /proc/self/mountinfo"
  echo "$output"
  [ "$status" -eq 0 ]
  # the hooks made the soname links and the cache: dlopen("libcuda.so.1") finds the driver
  [[ "$output" == *"libcuda: /usr/lib/x86_64-linux-gnu/libcuda.so.1"* ]]
  [[ "$output" == *"count: 2"* ]]
  [[ "$output" == *"nodes: nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl"* ]]
  [[ "$output" == *"open: cat: can't open '/dev/nvidia0': No such device or address"* ]]
  [[ "$output" == *" ro,nosuid,nodev"* ]]
  [[ "$output" == *"NVIDIA_VISIBLE_DEVICES=void"* ]]
}

@test "podman: --device nvidia.com/gpu=1 gets GPU 1 only; an unknown device is refused" {
  install_spec
  run inj_podman run --rm --network none --device nvidia.com/gpu=1 --rootfs "$TMP/bundle/rootfs" \
    /bin/sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nodes: nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  run inj_podman run --rm --network none --device nvidia.com/gpu=7 --rootfs "$TMP/bundle/rootfs" true
  [ "$status" -ne 0 ]
  [[ "$output" == *"nvidia.com/gpu=7"* ]]
}

@test "podman: --runtime nvbind with NVIDIA_VISIBLE_DEVICES=all" {
  run inj_podman --runtime "$PM/nvbind" run --rm --network none -e NVIDIA_VISIBLE_DEVICES=all \
    --rootfs "$TMP/bundle/rootfs" /bin/sh -c "$INJ_PROBE; grep ' /usr/local/nvidia ' /proc/self/mountinfo"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"count: 2"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl"* ]]
  [[ "$output" == *" ro,nosuid,nodev"* ]]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=compute,utility"* ]]
}

@test "podman: --runtime nvbind without NVIDIA_VISIBLE_DEVICES is a plain OCI runtime" {
  run inj_podman --runtime "$PM/nvbind" run --rm --network none --rootfs "$TMP/bundle/rootfs" \
    /bin/sh -c 'echo "nodes: $(cd /dev && echo nvidia*)"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nodes: nvidia*"* ]]
}

@test "docker: --runtime nvbind --gpus (needs a Docker engine)" {
  command -v docker >/dev/null || skip "the docker client is not installed"
  docker info >/dev/null 2>&1 || skip "no Docker engine runs on this machine (only the client is installed); see docs/integration/docker.md for the daemon.json setup"
  run docker run --rm --runtime nvbind --gpus all -e NVIDIA_VISIBLE_DEVICES=all busybox sh -c 'ls /dev/nvidia*'
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/nvidiactl"* ]]
}
