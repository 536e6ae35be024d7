#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containerd (Debian's) drives nvbind as the runc binary of its runc shim: the container
# gets exactly the GPUs of NVIDIA_VISIBLE_DEVICES. Also checks that containerd parses the
# RuntimeClass configuration docs/kubernetes.md gives.

load helpers/inject

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-ctd-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  mkdir -p "$TMP/cdi"
  cat > "$TMP/nvbind-runc" <<WRAP
#!/bin/sh
export BOLT_DRIVER_ROOT=$BOLT_DRIVER_ROOT BOLT_DEV_ROOT=$BOLT_DEV_ROOT BOLT_PROC_ROOT=$BOLT_PROC_ROOT BOLT_SYS_ROOT=$BOLT_SYS_ROOT
export BOLT_CDI_SPEC_DIRS=$TMP/cdi
exec "$NVBIND" "\$@"
WRAP
  chmod +x "$TMP/nvbind-runc"
  inj_containerd_start
}

teardown() {
  inj_containerd_stop
  inj_teardown
}

ctr_run() {
  timeout 60 ctr --address "$CTD_SOCK" run --rm --runc-binary "$TMP/nvbind-runc" "$@"
}

@test "containerd: ctr run --runc-binary nvbind --env NVIDIA_VISIBLE_DEVICES=0 gets GPU 0 only" {
  run ctr_run --env NVIDIA_VISIBLE_DEVICES=0 --rootfs "$TMP/bundle/rootfs" g0 /bin/sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"gpu 0: NVIDIA GPU (minor 0)"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl"* ]]
  [[ "$output" == *"open: cat: can't open '/dev/nvidia0': No such device or address"* ]]
}

@test "containerd: GPU 1 by UUID, and no injection without NVIDIA_VISIBLE_DEVICES" {
  run ctr_run --env NVIDIA_VISIBLE_DEVICES=GPU-b1028956-cfa2-0990-bf4a-5da9abb51763 \
    --rootfs "$TMP/bundle/rootfs" g1 /bin/sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  run ctr_run --rootfs "$TMP/bundle/rootfs" g2 /bin/sh -c 'echo "nodes: $(cd /dev && echo nvidia*)"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nodes: nvidia*"* ]]
}

@test "containerd: the RuntimeClass config of docs/kubernetes.md is parsed by containerd" {
  doc=$BOLT_TOP/docs/kubernetes.md
  [ -f "$doc" ]
  # the block between the markers is the config users paste into config.toml
  awk '/<!-- containerd-config -->/{f=1; next} /<!-- \/containerd-config -->/{f=0} f && !/^```/' "$doc" > "$TMP/k8s.toml"
  grep -q 'runtimes.nvbind' "$TMP/k8s.toml"
  sed -i "s|/usr/local/bin/nvbind|$NVBIND|" "$TMP/k8s.toml"
  run containerd --config "$TMP/k8s.toml" config dump
  echo "$output" | tail -5
  [ "$status" -eq 0 ]
  [[ "$output" == *'[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvbind]'* ]]
  [[ "$output" == *"BinaryName = \"$NVBIND\""* ]]
}

@test "containerd: a cdi.k8s.io annotation (the device plugins' channel) gets that CDI device" {
  "$NVBIND" --root "$STATE" cdi generate --output "$TMP/cdi/nvidia.json"
  run ctr_run --annotation cdi.k8s.io/test_gpu1=nvidia.com/gpu=1 --rootfs "$TMP/bundle/rootfs" \
    c1 /bin/sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nodes: nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  [[ "$output" == *"NVIDIA_VISIBLE_DEVICES=void"* ]]
  run ctr_run --annotation cdi.k8s.io/test_gpu9=nvidia.com/gpu=9 --rootfs "$TMP/bundle/rootfs" \
    c2 true
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"OCI runtime create failed"* ]]
  # the shim reads the cause from nvbind's --log (JSON lines): the reason, not "unknown"
  [[ "$output" == *"CDI annotation: unknown CDI device 'nvidia.com/gpu=9'"* ]]
  # the same annotation through nvbind directly shows the reason
  inj_bundle true
  jq '.annotations["cdi.k8s.io/test_gpu9"] = "nvidia.com/gpu=9"' "$TMP/bundle/config.json" > "$TMP/c.json"
  mv "$TMP/c.json" "$TMP/bundle/config.json"
  BOLT_CDI_SPEC_DIRS=$TMP/cdi run inj_run c3
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"CDI annotation: unknown CDI device 'nvidia.com/gpu=9' (known: nvidia.com/gpu=0"* ]]
}
