#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# GPU injection through the nvbind OCI runtime (the same fast path `bolt run --gpu` uses),
# over several fake driver layouts: exactly the selected /dev nodes, ENXIO for them and
# EPERM for others (device cgroup), the probe finds libcuda.so.1 through the merged
# ld.so.cache, mounts ro,nosuid,nodev, env set; requirements, bad input, plan rebuild.

load helpers/inject

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-inject-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary fedora-1gpu-open debian-4gpu-nondense mig \
    wsl2 nouveau
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
}

teardown() {
  inj_teardown
}

@test "gpu_run: one GPU of two: only its node, ENXIO for it, EPERM for the other" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "$INJ_PROBE; mknod /tmp/other c 195 0 && cat /tmp/other 2>&1 | sed 's/^/other: /'" \
    NVIDIA_VISIBLE_DEVICES=1
  run inj_run g1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  [[ "$output" == *"open: cat: can't open '/dev/nvidia1': No such device or address"* ]]
  [[ "$output" == *"other: cat: can't open '/tmp/other': Operation not permitted"* ]]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=compute,utility"* ]]
  [[ "$output" == *"NVIDIA_VISIBLE_DEVICES=1"* ]]
}

@test "gpu_run: all GPUs, libraries through one read-only bundle mount and the merged cache" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "$INJ_PROBE; grep -E ' /usr/local/nvidia | /etc/ld.so.cache ' /proc/self/mountinfo; ls /usr/local/nvidia/lib64; echo smi=\$(readlink /usr/bin/nvidia-smi); grep -c nvidia /proc/self/mountinfo" \
    NVIDIA_VISIBLE_DEVICES=all
  run inj_run gall
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 2"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl"* ]]
  # every driver mount is ro,nosuid,nodev
  for dst in /usr/local/nvidia /etc/ld.so.cache; do
    line=$(grep " $dst " <<<"$output")
    [ -n "$line" ]
    [[ "$line" == *" ro,nosuid,nodev"* ]]
  done
  # soname links live in the bundle; compute+utility libraries only (no graphics)
  [[ "$output" == *"libcuda.so.550.54.15"* ]]
  [[ "$output" == *"libnvidia-ml.so.1"* ]]
  [[ "$output" != *"libGLX_nvidia"* ]]
  # binaries are links into the one bundle mount, not mounts of their own
  [[ "$output" == *"smi=/usr/local/nvidia/files/usr/bin/nvidia-smi"* ]]
}

@test "gpu_run: the image's own cache entries are kept in the merged cache" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  cp /sbin/ldconfig "$TMP/bundle/rootfs/ldconfig" 2>/dev/null || cp "$(command -v ldconfig)" "$TMP/bundle/rootfs/ldconfig"
  inj_bundle "cat /etc/ld.so.cache > /tmp/c; cp /tmp/c /cache-copy" NVIDIA_VISIBLE_DEVICES=0
  run inj_run gcache
  [ "$status" -eq 0 ]
  run ldconfig -p -C "$TMP/bundle/rootfs/cache-copy"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda.so.1 (libc6,x86-64) => /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"libc.so.6 (libc6,x86-64)"* ]]
}

@test "gpu_run: Fedora layout with the open kernel module" {
  inj_use "$INJ_FIX/fedora-1gpu-open"
  inj_bundle "$INJ_PROBE" NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=utility,compute
  run inj_run gfed
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"count: 1"* ]]
}

@test "gpu_run: non-dense minors, selection by UUID gets that GPU's node only" {
  inj_use "$INJ_FIX/debian-4gpu-nondense"
  uuid=$(jq -r '.gpus[2].uuid' "$BOLT_TOP/tests/fixtures/nvidia/layouts/debian-4gpu-nondense.json")
  minor=$(jq -r '.gpus[2].minor' "$BOLT_TOP/tests/fixtures/nvidia/layouts/debian-4gpu-nondense.json")
  inj_bundle "$INJ_PROBE" "NVIDIA_VISIBLE_DEVICES=$uuid"
  run inj_run g4
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia$minor nvidiactl"* ]]
}

@test "gpu_run: MIG device gets its parent GPU node and its capability nodes" {
  inj_use "$INJ_FIX/mig"
  inj_bundle "$INJ_PROBE; ls /dev/nvidia-caps" NVIDIA_VISIBLE_DEVICES=0:1
  run inj_run gmig
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nodes: nvidia-caps nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl"* ]]
  # exactly two capability nodes: the GPU instance and the compute instance
  caps=$(grep -c '^nvidia-cap[0-9]' <<<"$(tr ' ' '\n' <<<"$output")")
  [ "$caps" -eq 2 ]
}

@test "gpu_run: WSL2 gets /dev/dxg and no /dev/nvidia nodes" {
  inj_use "$INJ_FIX/wsl2"
  # (the fake libcuda counts /dev/nvidiaN nodes, so on WSL2 it loads but reports 0 GPUs)
  inj_bundle "ls /dev/dxg; echo \"nodes: \$(cd /dev && echo nvidia*)\"; cuda-probe; true" \
    NVIDIA_VISIBLE_DEVICES=all
  run inj_run gwsl
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/dxg"* ]]
  [[ "$output" == *"nodes: nvidia*"* ]]
  [[ "$output" == *"libcuda: /usr/lib/wsl/lib/libcuda.so.1"* ]]
}

@test "gpu_run: nouveau gets /dev/dri only, with a note that CUDA needs the NVIDIA driver" {
  inj_use "$INJ_FIX/nouveau"
  inj_bundle "ls /dev/dri; echo \"nodes: \$(cd /dev && echo nvidia*)\"" NVIDIA_VISIBLE_DEVICES=all
  run inj_run gnouv
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"card"* ]]
  [[ "$output" == *"nodes: nvidia*"* ]]
  [[ "$output" == *"nouveau driver"*"CUDA"*"need the NVIDIA driver"* ]]
}

@test "gpu_run: graphics,display capabilities add modeset and the GPU's DRI nodes" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "echo \"nodes: \$(cd /dev && echo nvidia*)\"; ls /dev/dri; ls /usr/local/nvidia/lib64 | grep GLX" \
    NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=graphics,display
  run inj_run ggfx
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nvidia-modeset"* ]]
  [[ "$output" == *"card0"* ]]
  [[ "$output" == *"renderD128"* ]]
  [[ "$output" != *"card1"* ]]
  [[ "$output" == *"libGLX_nvidia.so.0"* ]]
}

@test "gpu_run: compat32 adds the 32-bit libraries at /usr/local/nvidia/lib" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "ls /usr/local/nvidia/lib" NVIDIA_VISIBLE_DEVICES=0 \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,compat32
  run inj_run g32
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda.so.1"* ]]
}

@test "gpu_run: unset or void NVIDIA_VISIBLE_DEVICES injects nothing" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "echo \"nodes: \$(cd /dev && echo nvidia*)\"; cuda-probe" NVIDIA_VISIBLE_DEVICES=void
  run inj_run gvoid
  echo "$output"
  [[ "$output" == *"nodes: nvidia*"* ]]
  [[ "$output" == *"error:"*"libcuda.so.1"* ]]
  [ ! -d "$STATE/nvbind/bundle" ]
}

@test "gpu_run: a failed requirement is refused before start, naming what is needed and what the host has" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "touch /started" NVIDIA_VISIBLE_DEVICES=all "NVIDIA_REQUIRE_CUDA=cuda>=13.0"
  run inj_run greq
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"cuda>=13.0"* ]]
  [[ "$output" == *"12.4"* ]]
  [ ! -e "$TMP/bundle/rootfs/started" ]
  # a satisfied requirement starts normally
  inj_bundle "touch /started" NVIDIA_VISIBLE_DEVICES=all "NVIDIA_REQUIRE_CUDA=cuda>=12.0 brand=tesla"
  run inj_run greq2
  echo "$output"
  [ "$status" -eq 0 ]
  [ -e "$TMP/bundle/rootfs/started" ]
}

@test "gpu_run: an unknown GPU names the GPUs that exist" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "touch /started" NVIDIA_VISIBLE_DEVICES=5
  run inj_run gunk
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689"* ]]
  [ ! -e "$TMP/bundle/rootfs/started" ]
}

@test "gpu_run: a node with the wrong major is a clear error for that GPU; the other still works" {
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  rm "$TMP/drv/dev/nvidia1"
  mknod -m 666 "$TMP/drv/dev/nvidia1" c 10 1
  inj_use "$TMP/drv"
  inj_bundle "touch /started" NVIDIA_VISIBLE_DEVICES=1
  run inj_run gmaj
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"/dev/nvidia1"* ]]
  [[ "$output" == *"10:1"* || "$output" == *"not usable"* ]]
  [ ! -e "$TMP/bundle/rootfs/started" ]
  inj_bundle "$INJ_PROBE" NVIDIA_VISIBLE_DEVICES=0
  run inj_run gmaj0
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
}

@test "gpu_run: a missing driver file is a warning naming it; the container starts without it" {
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  inj_use "$TMP/drv"
  inj_bundle "$INJ_PROBE; grep -c ' /usr/bin/nvidia-smi ' /proc/self/mountinfo; true" \
    NVIDIA_VISIBLE_DEVICES=0
  run inj_run gmiss1
  [ "$status" -eq 0 ]
  # gone after the plan was cached (a driver being upgraded under a running host)
  rm "$TMP/drv/usr/bin/nvidia-smi"
  run inj_run gmiss2
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"driver file '$TMP/drv/usr/bin/nvidia-smi' is missing"* ]]
  [[ "$output" == *"count: 1"* ]]
  [ "${lines[-1]}" = 0 ]
}

@test "gpu_run: a malformed driver ld.so.cache stops the container with one clear line" {
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  inj_use "$TMP/drv"
  head -c 100 "$TMP/drv/etc/ld.so.cache" > "$TMP/c" && mv "$TMP/c" "$TMP/drv/etc/ld.so.cache"
  inj_bundle "touch /started" NVIDIA_VISIBLE_DEVICES=0
  run inj_run gbad
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"ld.so.cache"* ]]
  [ ! -e "$TMP/bundle/rootfs/started" ]
}

@test "gpu_run: the plan and bundle are rebuilt after a driver version change" {
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  inj_use "$TMP/drv"
  inj_bundle "ls /usr/local/nvidia/lib64 | grep '^libcuda.so.5'" NVIDIA_VISIBLE_DEVICES=0
  run inj_run gv1
  [ "$status" -eq 0 ]
  [ "$output" = "libcuda.so.550.54.15" ]
  rm -rf "$TMP/drv"
  "$MKFAKEDRIVER" --driver-version 555.42.06 debian-2gpu-proprietary "$TMP/drv" >/dev/null
  run inj_run gv2
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "libcuda.so.555.42.06" ]
  [ "$(jq -r .driver_version "$STATE/nvbind/plan.json")" = 555.42.06 ]
}

@test "gpu_run: BOLT_TRACE=1 prints each setup phase in microseconds; the bundle is built once; later starts apply the record" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bundle "$INJ_PROBE" NVIDIA_VISIBLE_DEVICES=all
  BOLT_TRACE=1 run inj_run gt1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ nvbind-trace:\ request=[0-9.]+\ plan=[0-9.]+\ select=[0-9.]+\ bundle=[0-9.]+\ edits=[0-9.]+\ ldcache=[0-9.]+\ apply=[0-9.]+\ cpu=[0-9.]+\ total=[0-9.]+\ us ]]
  full=$(echo "$output" | grep -v -- '-trace:')
  ino1=$(stat -c %i "$STATE"/nvbind/bundle/*/v2-caps-03)
  # the next start of the same request and image applies the first one's record; it makes the
  # links in its rootfs again (here: the same image files, as an engine's overlay shows them)
  rm "$TMP/bundle/rootfs/usr/bin/nvidia-smi"
  BOLT_TRACE=1 run inj_run gt2
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ nvbind-trace:\ record=[0-9.]+\ record.read=[0-9.]+\ record.checks=[0-9.]+\ record.parse=[0-9.]+\ recorded=[0-9.]+\ cpu=[0-9.]+\ total=[0-9.]+\ us ]]
  [ "$(echo "$output" | grep -v -- '-trace:')" = "$full" ]
  [ "$(readlink "$TMP/bundle/rootfs/usr/bin/nvidia-smi")" = /usr/local/nvidia/files/usr/bin/nvidia-smi ]
  [ "$(stat -c %i "$STATE"/nvbind/bundle/*/v2-caps-03)" = "$ino1" ]
  # a device node replaced with the wrong major is seen through the record
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  inj_use "$TMP/drv"
  run inj_run gt3
  [ "$status" -eq 0 ]
  run inj_run gt4
  [ "$status" -eq 0 ]
  rm "$TMP/drv/dev/nvidia0"
  mknod -m 666 "$TMP/drv/dev/nvidia0" c 10 0
  run inj_run gt5
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"device node '$TMP/drv/dev/nvidia0' is char 10:0, expected char 195:0"* ]]
}

@test "gpu_run: an NVML that fails to load does not matter to the setup path; --mode nvml says so" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  export FAKE_NVML_FAIL=9
  inj_bundle "$INJ_PROBE" NVIDIA_VISIBLE_DEVICES=0
  run inj_run gnvml
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
  run "$NVBIND" --root "$STATE" cdi generate --mode nvml
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--mode nvml: NVML could not be loaded from the driver root"* ]]
  run "$NVBIND" --root "$STATE" cdi generate --mode auto
  [ "$status" -eq 0 ]
  unset FAKE_NVML_FAIL
}
