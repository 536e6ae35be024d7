#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The fake NVIDIA driver (tests/fixtures/nvidia) and GPU discovery on each layout:
# `bolt gaming gpu list|check`, the plan cache, and bad input giving one clear line each.

load helpers/gpu

setup_file() {
  export GPU_FIXTURES=$(mktemp -d /tmp/bolt-gpu-fixtures.XXXXXX)
  for l in debian-2gpu-proprietary fedora-1gpu-open debian-4gpu-nondense mig wsl2 nouveau arch; do
    gpu_fixture "$l" "$GPU_FIXTURES/$l"
  done
}

teardown_file() {
  rm -rf "$GPU_FIXTURES"
}

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root (mknod for the fake /dev nodes)"
  GPU_STATE=$(mktemp -d /tmp/bolt-gpu-test.XXXXXX)
  unset BOLT_DRIVER_ROOT BOLT_DEV_ROOT BOLT_PROC_ROOT BOLT_SYS_ROOT BOLT_NVBIND_CONFIG FAKE_NVML_FAIL
}

teardown() {
  [ -n "${GPU_STATE:-}" ] && rm -rf "$GPU_STATE"
}

# private copy of a fixture, for tests that break it
copy_fixture() {
  cp -a "$GPU_FIXTURES/$1" "$GPU_STATE/drv"
  gpu_use "$GPU_STATE/drv"
}

@test "fixture: real ELF libraries, soname links and an ld.so.cache built by ldconfig" {
  d=$GPU_FIXTURES/debian-2gpu-proprietary
  run ldconfig -p -C "$d/etc/ld.so.cache"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"* ]]
  [[ "$output" == *"libcuda.so.1 (libc6) => /usr/lib/i386-linux-gnu/libcuda.so.1"* ]]
  [[ "$output" == *"libnvidia-glcore.so.550.54.15 (libc6,x86-64)"* ]]
  [[ "$output" == *"libnvidia-nvvm.so.4 (libc6,x86-64)"* ]]
  [ "$(readlink "$d/usr/lib/x86_64-linux-gnu/libcuda.so.1")" = libcuda.so.550.54.15 ]
  [ "$(readlink "$d/usr/lib/x86_64-linux-gnu/libcuda.so")" = libcuda.so.1 ]
  run file -L "$d/usr/lib/i386-linux-gnu/libGLX_nvidia.so.0"
  [[ "$output" == *"ELF 32-bit LSB shared object"* ]]
  run readelf -d "$d/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15"
  [[ "$output" == *"Library soname: [libnvidia-ml.so.1]"* ]]
  run readelf -n "$d/usr/lib/x86_64-linux-gnu/libnvidia-tls.so.550.54.15"
  [[ "$output" == *"OS: Linux, ABI: 2.3.99"* ]]
}

@test "fixture: /dev nodes, /proc and /sys look like a real driver" {
  d=$GPU_FIXTURES/debian-4gpu-nondense
  [ "$(stat -c '%F %t:%T' "$d/dev/nvidia5")" = "character special file c3:5" ]
  [ "$(stat -c '%t:%T' "$d/dev/nvidiactl")" = "c3:ff" ]
  [ "$(stat -c '%t' "$d/dev/nvidia-uvm")" = "1fc" ]   # 508, as /proc/devices says
  grep -qx '508 nvidia-uvm' "$d/proc/devices"
  grep -q '^NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.161.08  ' "$d/proc/driver/nvidia/version"
  grep -q '^NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build' \
    "$GPU_FIXTURES/fedora-1gpu-open/proc/driver/nvidia/version"
  grep -q 'Device Minor: 	 3' "$d/proc/driver/nvidia/gpus/0000:1a:00.0/information"
  [ "$(cat "$d/sys/module/nvidia/version")" = 535.161.08 ]
  [ "$(basename "$(readlink "$d/sys/bus/pci/devices/0000:1a:00.0/driver")")" = nvidia ]
  [ -d "$d/sys/bus/pci/devices/0000:1a:00.0/drm/renderD128" ]
  [ -S "$d/run/nvidia-persistenced/socket" ]
  [ "$(head -c 2 "$d/usr/lib/x86_64-linux-gnu/nvidia/wine/nvngx.dll")" = MZ ]
  [ -f "$d/lib/firmware/nvidia/535.161.08/gsp_ga10x.bin" ]
  grep -q libGLX_nvidia.so.0 "$d/usr/share/vulkan/icd.d/nvidia_icd.json"
}

@test "fixture: nvidia-smi -L and the default table come from the mock NVML" {
  d=$GPU_FIXTURES/mig
  run "$d/usr/bin/nvidia-smi" -L
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-4d0a6e5c-7fc1-4293-abfd-5b6c7d8e9fa0)" ]
  [[ "${lines[1]}" == "  MIG 3g.20gb     Device  0: (UUID: MIG-5e1b7f6d-80d2-53a4-bc0e-6c7d8e9fa0b1)" ]]
  run "$d/usr/bin/nvidia-smi"
  [[ "$output" == *"Driver Version: 550.54.15      CUDA Version: 12.4"* ]]
  [[ "$output" == *"00000000:07:00.0"* ]]
  FAKE_NVML_FAIL=9 run "$d/usr/bin/nvidia-smi"
  [ "$status" -eq 9 ]
  [[ "$output" == *"Failed to initialize NVML: Driver Not Loaded"* ]]
}

@test "fixture: the mock NVML appends every setter call to its record file" {
  d=$GPU_FIXTURES/arch
  rec=$GPU_STATE/nvml.calls
  FAKE_NVML_RECORD=$rec python3 - "$d/usr/lib/libnvidia-ml.so.1" <<'PY'
import ctypes, sys
n = ctypes.CDLL(sys.argv[1])
assert n.nvmlInit_v2() == 0
h = ctypes.c_void_p()
assert n.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(h)) == 0
assert n.nvmlDeviceSetPowerManagementLimit(h, 200000) == 0
assert n.nvmlDeviceSetPowerManagementLimit(h, 5) == 2          # below the minimum
lim = ctypes.c_uint()
assert n.nvmlDeviceGetPowerManagementLimit(h, ctypes.byref(lim)) == 0 and lim.value == 200000
assert n.nvmlDeviceSetGpuLockedClocks(h, 1500, 1800) == 0
assert n.nvmlDeviceSetPersistenceMode(h, 1) == 0
assert n.nvmlDeviceSetApplicationsClocks(h, 9501, 1905) == 0
assert n.nvmlDeviceResetGpuLockedClocks(h) == 0
PY
  run cat "$rec"
  [ "${lines[0]}" = "nvmlDeviceSetPowerManagementLimit GPU-ad60c2eb-d5c7-48f9-a153-b1c2d3e4f5a6 limit_mw=200000" ]
  [ "${lines[1]}" = "nvmlDeviceSetGpuLockedClocks GPU-ad60c2eb-d5c7-48f9-a153-b1c2d3e4f5a6 min_mhz=1500 max_mhz=1800" ]
  [ "${lines[2]}" = "nvmlDeviceSetPersistenceMode GPU-ad60c2eb-d5c7-48f9-a153-b1c2d3e4f5a6 mode=1" ]
  [ "${lines[3]}" = "nvmlDeviceSetApplicationsClocks GPU-ad60c2eb-d5c7-48f9-a153-b1c2d3e4f5a6 mem_mhz=9501 graphics_mhz=1905" ]
  [ "${lines[4]}" = "nvmlDeviceResetGpuLockedClocks GPU-ad60c2eb-d5c7-48f9-a153-b1c2d3e4f5a6" ]
  [ "${#lines[@]}" -eq 5 ]
}

@test "fixture: the fake libcuda counts the nodes it can open (ENXIO allowed, EPERM denied)" {
  d=$GPU_FIXTURES/debian-2gpu-proprietary
  cc -o "$GPU_STATE/cuda-probe" "$BOLT_TOP/tests/fixtures/nvidia/cuda-probe.c" -ldl
  export FAKE_CUDA_DEV_DIR=$d/dev FAKE_CUDA_PROC_DIR=$d/proc
  LD_LIBRARY_PATH=$d/usr/lib/x86_64-linux-gnu run "$GPU_STATE/cuda-probe"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 2"* ]]
  [[ "$output" == *"gpu 1: NVIDIA L4"* ]]
  [[ "$output" == *"driver: 12040"* ]]
  # deny 195:1 in a device cgroup (v1): that GPU must disappear (open gives EPERM)
  cg=/sys/fs/cgroup/devices
  [ -w "$cg/devices.deny" ] || skip "no writable cgroup v1 devices controller"
  sub=$cg/bolt-gpu-test-$$
  mkdir "$sub"
  echo 'c 195:1 rwm' > "$sub/devices.deny"
  run sh -c "echo \$\$ > '$sub/cgroup.procs' && LD_LIBRARY_PATH='$d/usr/lib/x86_64-linux-gnu' exec '$GPU_STATE/cuda-probe'"
  rmdir "$sub"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"gpu 0: NVIDIA L4"* ]]
}

@test "gpu list: every layout, with names, UUIDs and non-dense minors" {
  gpu_use "$GPU_FIXTURES/debian-2gpu-proprietary"
  run bolt_gpu gaming gpu list
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "driver: 550.54.15 (proprietary)  cuda: 12.4  source: nvml" ]
  [[ "${lines[2]}" == "0     0     NVIDIA L4 "*"GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 0000:3b:00.0 22.5 GiB  ada       8.9  off  -" ]]
  gpu_use "$GPU_FIXTURES/fedora-1gpu-open"
  run bolt_gpu gaming gpu list
  [ "${lines[0]}" = "driver: 550.54.15 (nvidia-open)  cuda: 12.4  source: nvml" ]
  [[ "$output" == *"NVIDIA GeForce RTX 4090"* ]]
  gpu_use "$GPU_FIXTURES/debian-4gpu-nondense"
  run bolt_gpu gaming gpu list --format json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -c '[.gpus[].minor]')" = "[3,0,5,2]" ]
  [ "$(echo "$output" | jq -r '[.nodes[] | select(.role=="gpu") | .path] | join(" ")')" = "/dev/nvidia3 /dev/nvidia0 /dev/nvidia5 /dev/nvidia2" ]
  [ "$(echo "$output" | jq -r '.nodes[] | select(.role=="uvm") | "\(.major):\(.minor)"')" = "508:0" ]
  gpu_use "$GPU_FIXTURES/arch"
  run bolt_gpu gaming gpu list --format json
  [ "$(echo "$output" | jq -r .libdir64)" = /usr/lib ]
  [ "$(echo "$output" | jq -r .libdir32)" = /usr/lib32 ]
  [ "$(echo "$output" | jq -r .driver_version)" = 560.35.03 ]
}

@test "gpu list: MIG devices, WSL2 and nouveau" {
  gpu_use "$GPU_FIXTURES/mig"
  run bolt_gpu gaming gpu list
  [[ "$output" == *"  mig 0:1 gi2/ci0 NVIDIA A100-SXM4-40GB MIG 3g.20gb MIG-6f2c8a7e-91e3-54b5-cd1f-7d8e9fa0b1c2 19.5 GiB"* ]]
  run bolt_gpu gaming gpu list --format json
  [ "$(echo "$output" | jq -r '[.nodes[] | select(.role=="cap") | .cap] | join(" ")')" = \
    "mig/config mig/monitor gpu0/mig/gi1/access gpu0/mig/gi1/ci0/access gpu0/mig/gi2/access gpu0/mig/gi2/ci0/access" ]
  gpu_use "$GPU_FIXTURES/wsl2"
  run bolt_gpu gaming gpu list --format json
  [ "$(echo "$output" | jq -r .driver_type)" = wsl2 ]
  [ "$(echo "$output" | jq -r '[.nodes[].path] | join(" ")')" = /dev/dxg ]
  [ "$(echo "$output" | jq -r '.files[] | select(.path | endswith("/libcuda.so.1.1")) | .kind' | sort -u)" = wsl ]
  gpu_use "$GPU_FIXTURES/nouveau"
  run bolt_gpu gaming gpu list
  [ "$status" -eq 0 ]
  [[ "$output" == *"driver: none (nouveau)"* ]]
  [[ "$output" == *"note: nouveau drives these GPUs: containers get /dev/dri only; CUDA needs the NVIDIA driver"* ]]
}

@test "gpu check: passes on a working driver, fails with fixes on nouveau" {
  gpu_use "$GPU_FIXTURES/debian-2gpu-proprietary"
  run bolt_gpu gaming gpu check --verbose
  [ "$status" -eq 0 ]
  [[ "$output" == *"[ ok ] device nodes: 2 of 2 GPU nodes, nvidiactl ok, nvidia-uvm ok"* ]]
  [[ "$output" == *"[ ok ] nvml: libnvidia-ml.so.1 loads, driver 550.54.15, 2 GPU(s)"* ]]
  [[ "$output" == *"[ ok ] compat32: "* ]]
  [[ "$output" == *"node /dev/nvidia-uvm c 511:0 mode 0666"* ]]
  [[ "$output" == *"/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15"* ]]
  [[ "${lines[-1]}" == "0 failed, "*" warnings" ]]
  gpu_use "$GPU_FIXTURES/nouveau"
  run bolt_gpu gaming gpu check
  [ "$status" -eq 1 ]
  [[ "$output" == *"[FAIL] driver: nouveau"* ]]
  [[ "$output" == *"fix: nouveau has no CUDA: install the NVIDIA driver and blacklist nouveau"* ]]
}

@test "plan: cached under the runroot and rebuilt after a driver version change" {
  copy_fixture debian-2gpu-proprietary
  BOLT_LOG_LEVEL=debug run bolt_gpu gaming gpu list
  [ "$status" -eq 0 ]
  [[ "$output" == *"plan rebuilt for driver 550.54.15"* ]]
  [ -f "$GPU_STATE/run/nvbind/plan.json" ]
  BOLT_LOG_LEVEL=debug run bolt_gpu gaming gpu list
  [[ "$output" != *"plan rebuilt"* ]]
  # the driver is upgraded in place (new libraries, new ld.so.cache, new module version)
  gpu_fixture debian-2gpu-proprietary "$GPU_STATE/drv" --driver-version 550.90.07
  BOLT_LOG_LEVEL=debug run bolt_gpu gaming gpu list --format json
  [ "$status" -eq 0 ]
  [[ "$output" == *"plan rebuilt for driver 550.90.07"* ]]
  [ "$(jq -r .driver_version "$GPU_STATE/run/nvbind/plan.json")" = 550.90.07 ]
  [ "$(jq -r '.files[] | select(.soname=="libcuda.so.1") | .path' "$GPU_STATE/run/nvbind/plan.json" | head -1)" = \
    /usr/lib/x86_64-linux-gnu/libcuda.so.550.90.07 ]
}

@test "bad input: malformed ld.so.cache gives one line naming the file" {
  copy_fixture debian-2gpu-proprietary
  head -c 60 "$GPU_STATE/drv/etc/ld.so.cache" > "$GPU_STATE/drv/etc/ld.so.cache.new"
  mv "$GPU_STATE/drv/etc/ld.so.cache.new" "$GPU_STATE/drv/etc/ld.so.cache"
  run bolt_gpu gaming gpu list
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "bolt: driver root's library cache (rebuild it with 'ldconfig -r $GPU_STATE/drv'): '$GPU_STATE/drv/etc/ld.so.cache': ld.so.cache: header claims "*" entries but the file holds at most 0" ]]
}

@test "bad input: missing driver files, a node with the wrong major, NVML failing to load" {
  copy_fixture debian-2gpu-proprietary
  rm "$GPU_STATE/drv/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15"
  rm "$GPU_STATE/drv/dev/nvidia1"
  mknod "$GPU_STATE/drv/dev/nvidia1" c 1 3
  FAKE_NVML_FAIL=9 run bolt_gpu gaming gpu list
  [ "$status" -eq 0 ]
  [[ "$output" == *"bolt: warning: ld.so.cache entry libcuda.so.1 => '/usr/lib/x86_64-linux-gnu/libcuda.so.1' does not exist in the driver root: skipped (run ldconfig in the driver root)"* ]]
  [[ "$output" == *"bolt: warning: device node '/dev/nvidia1' is char 1:3, expected char 195:1; it is not used (recreate it with 'mknod -m 666 /dev/nvidia1 c 195 1')"* ]]
  [[ "$output" == *"bolt: warning: NVML: nvmlInit failed: Driver Not Loaded (error 9); GPUs listed from /proc/driver/nvidia"* ]]
  [[ "$output" == *"source: procfs"* ]]
  FAKE_NVML_FAIL=9 run bolt_gpu gaming gpu check
  [ "$status" -eq 1 ]
  [[ "$output" == *"[FAIL] device nodes: 1 of 2 GPU nodes"* ]]
  [[ "$output" == *"[FAIL] nvml: NVML: nvmlInit failed: Driver Not Loaded (error 9)"* ]]
  [[ "$output" == *"[ ok ] compute: "* ]]   # the other compute libraries are still there
  rm "$GPU_STATE/drv/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15"
  run bolt_gpu gaming gpu check
  [[ "$output" == *"[FAIL] nvml: NVML: cannot load '$GPU_STATE/drv/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1'"* ]]
  [[ "$output" == *"[FAIL] utility: 2 utility libraries"* ]] || [[ "$output" == *"[ ok ] utility: 2 utility"* ]]
}

@test "bad input: no driver, bad root flags and config" {
  run bolt_gpu gaming gpu list --driver-root relative/path
  [ "$status" -eq 2 ]
  [ "$output" = "bolt: --driver-root 'relative/path': expected an absolute path" ]
  run bolt_gpu gaming gpu list --driver-root /nonexistent/driver
  [ "$status" -eq 125 ]
  [[ "$output" == "bolt: driver_root '/nonexistent/driver' is not a directory (set it with --driver-root, BOLT_DRIVER_ROOT or driver_root in /etc/bolt/nvbind.toml): No such file or directory" ]]
  mkdir -p "$GPU_STATE/empty"
  gpu_use "$GPU_STATE/empty"
  run bolt_gpu gaming gpu list
  [ "$status" -eq 125 ]
  [[ "$output" == "bolt: no NVIDIA driver: '$GPU_STATE/empty/proc/driver/nvidia/version' is missing"* ]]
  run bolt_gpu gaming gpu list --format yaml
  [ "$status" -eq 2 ]
  [ "$output" = "bolt: --format 'yaml': expected table or json" ]
  printf 'driver_root = 5\n' > "$GPU_STATE/nvbind.toml"
  BOLT_NVBIND_CONFIG=$GPU_STATE/nvbind.toml run bolt_gpu gaming gpu list
  [ "$status" -eq 125 ]
  [ "$output" = "bolt: $GPU_STATE/nvbind.toml:1: driver_root must be an absolute path string, e.g. driver_root = \"/run/nvidia/driver\"" ]
}

@test "config: the TOML file, the environment and flags, in that order" {
  d=$GPU_FIXTURES/debian-2gpu-proprietary
  printf 'driver_root = "%s"\ndev_root = "%s"\nproc_root = "%s"\nsys_root = "%s"\n' "$d" "$d" "$d" "$d" > "$GPU_STATE/nvbind.toml"
  BOLT_NVBIND_CONFIG=$GPU_STATE/nvbind.toml run bolt_gpu gaming gpu list --format json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .driver_root)" = "$d" ]
  # the flag wins over the file
  f=$GPU_FIXTURES/fedora-1gpu-open
  BOLT_NVBIND_CONFIG=$GPU_STATE/nvbind.toml run bolt_gpu gaming gpu list --driver-root "$f" --proc-root "$f" --sys-root "$f" --dev-root "$f"
  [[ "$output" == *"(nvidia-open)"* ]]
  # the environment wins over the file
  BOLT_NVBIND_CONFIG=$GPU_STATE/nvbind.toml BOLT_DRIVER_ROOT=$f BOLT_PROC_ROOT=$f BOLT_SYS_ROOT=$f BOLT_DEV_ROOT=$f run bolt_gpu gaming gpu list
  [[ "$output" == *"NVIDIA GeForce RTX 4090"* ]]
}

@test "probe image: a glibc rootfs whose own ld.so.cache does not know libcuda.so.1" {
  "$BOLT_TOP/tests/fixtures/nvidia/mkprobeimage" "$GPU_STATE/img" >/dev/null
  [ -x "$GPU_STATE/img/usr/bin/cuda-probe" ]
  run ldconfig -p -C "$GPU_STATE/img/etc/ld.so.cache"
  [[ "$output" == *"libc.so.6"* ]]
  [[ "$output" != *"libcuda"* ]]
  run chroot "$GPU_STATE/img" /usr/bin/cuda-probe
  [ "$status" -eq 2 ]
  [[ "$output" == *"libcuda.so.1: cannot open shared object file"* ]]
}

@test "ld.so.cache writer: glibc's ld.so finds libcuda.so.1 through bolt's merged cache" {
  d=$GPU_FIXTURES/debian-2gpu-proprietary
  img=$GPU_STATE/img
  "$BOLT_TOP/tests/fixtures/nvidia/mkprobeimage" "$img" >/dev/null
  cp -a "$d"/usr/lib/x86_64-linux-gnu/libcuda.so* "$img/usr/lib/x86_64-linux-gnu/"
  cp -a "$d"/dev/nvidia* "$img/dev/"
  mkdir -p "$img/proc/driver" && cp -a "$d/proc/driver/nvidia" "$img/proc/driver/"
  run "$LDCACHE_TOOL" merge "$img/etc/ld.so.cache" "$d/etc/ld.so.cache" "$GPU_STATE/merged"
  [ "$status" -eq 0 ]
  # glibc's ldconfig reads it back exactly as our reader does
  diff <(ldconfig -p -C "$GPU_STATE/merged" | sed '1d;/^Cache generated by/d') \
       <("$LDCACHE_TOOL" list "$GPU_STATE/merged" | sed 1d)
  n_img=$("$LDCACHE_TOOL" list "$img/etc/ld.so.cache" | head -1 | cut -d' ' -f1)
  n_drv=$("$LDCACHE_TOOL" list "$d/etc/ld.so.cache" | head -1 | cut -d' ' -f1)
  run ldconfig -p -C "$GPU_STATE/merged"
  [ "${lines[0]}" = "$((n_img + n_drv)) libs found in cache \`$GPU_STATE/merged'" ]
  [[ "$output" == *"libc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6"* ]]
  [[ "$output" == *"libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"* ]]
  cp "$GPU_STATE/merged" "$img/etc/ld.so.cache"
  run chroot "$img" /usr/bin/cuda-probe
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "libcuda: /usr/lib/x86_64-linux-gnu/libcuda.so.1" ]
  [[ "$output" == *"count: 2"* ]]
  [[ "$output" == *"gpu 0: NVIDIA L4"* ]]
}

@test "ld.so.cache reader: a broken cache gives one clear line" {
  printf 'glibc-ld.so.cache1.1' > "$GPU_STATE/bad.cache"
  run "$LDCACHE_TOOL" list "$GPU_STATE/bad.cache"
  [ "$status" -eq 1 ]
  [ "$output" = "ldcache-tool: '$GPU_STATE/bad.cache': ld.so.cache: no 'glibc-ld.so.cache1.1' header (expected a glibc ld.so.cache written by ldconfig)" ]
}
