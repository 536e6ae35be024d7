#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# bolt surge with the Boltfile's GPU keys on the fake NVIDIA driver: devices, isolation,
# memory and the CUDA requirement reach nvbind as `bolt run --gpu ...` would send them.

load helpers/inject

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-surgegpu-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bolt_setup
  mkdir -p "$TMP/proj"
  cd "$TMP/proj"
}

teardown() {
  cd /
  inj_bolt_teardown
  inj_teardown
}

gpu_stack() { # $1 = devices, $2 = cuda_version
  cat >Boltfile.toml <<EOF2
project = "gpu"
[services.game]
image = "localhost/probe"
command = ["sh", "-c", '''$INJ_PROBE; echo probe-done; sleep 30''']
stop_grace_period = "1s"
[services.game.gaming.gpu]
runtime = "nvbind"
isolation_level = "exclusive"
memory_limit = "8GB"
[services.game.gaming.gpu.nvbind]
devices = [$1]
[services.game.gaming.gpu.nvbind.nvidia]
cuda_version = "$2"
[services.game.gaming.gpu.gaming]
profile = "performance"
dlss_enabled = true
frame_rate_target = 144
EOF2
}

@test "surge gpu: devices = [\"gpu:1\"] gives that GPU only, with the requirement and lease" {
  gpu_stack '"gpu:1"' 12.2
  run bb surge up -d
  echo "$output"
  [ "$status" -eq 0 ]
  wait_for() { local n=$(($1 * 10)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
  wait_for 10 bash -c "'$BOLT' --root '$ROOT' --runroot '$RUNROOT' surge logs | grep -q probe-done"
  run bb surge logs --no-color
  echo "$output"
  [[ "$output" == *"game | count: 1"* ]]
  # the gaming profile adds the graphics classes, hence the modeset node
  [[ "$output" == *"game | nodes: nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  [[ "$output" == *"game | NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,display,ngx"* ]]
  [[ "$output" == *"game | NVIDIA_REQUIRE_CUDA=cuda>=12.2"* ]]
  [[ "$output" == *"game | NVIDIA_VISIBLE_DEVICES=1"* ]]
  # the same tags `bolt run --gpu 1 --gpu-isolation exclusive --gpu-memory ...` records
  run bash -c "'$BOLT' --root '$ROOT' --runroot '$RUNROOT' inspect gpu-game-1 | jq -c '.[0].GPUs'"
  echo "$output"
  [[ "$output" == *'"gpu:1"'* ]]
  [[ "$output" == *'isolation=exclusive'* ]]
  [[ "$output" == *'memory=8589934592'* ]]
  # the gaming keys went through the same settings `bolt run --gaming-profile ...` uses
  run bash -c "'$BOLT' --root '$ROOT' --runroot '$RUNROOT' inspect gpu-game-1 | jq -c '.[0].Gaming'"
  echo "$output"
  [[ "$output" == *'"Profile":"performance"'* ]]
  [[ "$output" == *'"DXVK_FRAME_RATE=144"'* ]]
  [[ "$output" == *'"PROTON_ENABLE_NGX_UPDATER=1"'* ]]
  run bb surge down
  [ "$status" -eq 0 ]
}

@test "surge gpu: an unmet cuda_version stops up with nvbind's message" {
  gpu_stack '"gpu:0"' 13.0
  run bb surge up -d
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"NVIDIA_REQUIRE_CUDA 'cuda>=13.0' is not met: this host has CUDA 12.4"* ]]
  [[ "$output" == *"service 'game'"* ]]
}
