#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Gaming profiles and options (bolt run --gaming-profile/--dlss/--rt/--wine/--fps/--vsync):
# the environment, driver files, mounts, limits and capabilities a container gets, and what
# `bolt inspect` shows.

load helpers/gaming

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-gaming-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  inj_bolt_setup
}

teardown() {
  inj_bolt_teardown
  inj_teardown
}

ENVS='env | grep -E "^(__GL_|DXVK|VKD3D|PROTON|WINE|MESA|vblank|NVIDIA_DRIVER|STAGING)" | sort'

@test "ultra-low-latency: one queued frame, no vsync, CAP_SYS_NICE, big /dev/shm, nofile raised" {
  run bb run --rm --gpu 0 --gaming-profile ultra-low-latency localhost/probe sh -c \
    "$ENVS; grep CapEff /proc/self/status; grep ' /dev/shm ' /proc/self/mountinfo; ulimit -n"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"__GL_MaxFramesAllowed=1"* ]]
  [[ "$output" == *"__GL_SYNC_TO_VBLANK=0"* ]]
  [[ "$output" == *"MESA_VK_WSI_PRESENT_MODE=immediate"* ]]
  [[ "$output" == *"DXVK_CONFIG=dxgi.maxFrameLatency = 1; d3d9.maxFrameLatency = 1"* ]]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,display"* ]]
  [[ "$output" == *"size=1048576k"* ]]
  [ "${lines[-1]}" -eq "$(ulimit -Hn)" ]
  capeff=$(echo "$output" | awk '/CapEff/ {print $2}')
  (( (0x$capeff >> 23) & 1 ))   # CAP_SYS_NICE
  run bb run --rm --gpu 0 localhost/probe sh -c 'grep CapEff /proc/self/status'
  capeff=$(echo "$output" | awk '/CapEff/ {print $2}')
  (( ((0x$capeff >> 23) & 1) == 0 ))
  # the effect: a negative nice value is allowed with the profile, refused without
  gm_client_image localhost/renice renice
  run bb run --rm --gpu 0 --gaming-profile ultra-low-latency localhost/renice sh -c 'renice -n -5 -p $$ && cut -d" " -f19 /proc/$$/stat'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "-5" ]
  run bb run --rm --gpu 0 --gaming-profile performance localhost/renice sh -c 'renice -n -5 -p $$'
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Permission denied"* ]]
}

@test "performance, balanced, quality, power-saving: frames queued, vsync and fps defaults" {
  run bb run --rm --gpu 0 --gaming-profile performance localhost/probe sh -c "$ENVS"
  [[ "$output" == *"__GL_MaxFramesAllowed=2"* && "$output" == *"__GL_THREADED_OPTIMIZATIONS=1"* ]]
  [[ "$output" == *"__GL_SYNC_TO_VBLANK=0"* ]]
  run bb run --rm --gpu 0 --gaming-profile balanced localhost/probe sh -c "$ENVS"
  [[ "$output" == *"__GL_MaxFramesAllowed=2"* && "$output" != *"__GL_SYNC_TO_VBLANK"* ]]
  run bb run --rm --gpu 0 --gaming-profile quality localhost/probe sh -c "$ENVS"
  [[ "$output" == *"__GL_MaxFramesAllowed=3"* && "$output" == *"__GL_SYNC_TO_VBLANK=1"* ]]
  [[ "$output" == *"__GL_FSAA_MODE=7"* && "$output" == *"MESA_VK_WSI_PRESENT_MODE=fifo"* ]]
  run bb run --rm --gpu 0 --gaming-profile power-saving localhost/probe sh -c "$ENVS"
  [[ "$output" == *"DXVK_FRAME_RATE=60"* && "$output" == *"VKD3D_FRAME_RATE=60"* ]]
  [[ "$output" == *"__GL_SYNC_TO_VBLANK=1"* ]]
  # an explicit option wins over the profile's default
  run bb run --rm --gpu 0 --gaming-profile power-saving --fps 30 --vsync off localhost/probe sh -c "$ENVS"
  [[ "$output" == *"DXVK_FRAME_RATE=30"* && "$output" == *"__GL_SYNC_TO_VBLANK=0"* ]]
}

@test "--dlss: ngx class injected (libnvidia-ngx, the Wine DLSS DLLs), NVAPI on for DXVK/Proton" {
  run bb run --rm --gpu 0 --dlss localhost/probe sh -c \
    "$ENVS; ls /usr/local/nvidia/lib64/nvidia/wine/; ls /usr/local/nvidia/lib64 | grep ngx; ls /usr/share/vulkan/icd.d/"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,display,ngx"* ]]
  [[ "$output" == *"nvngx.dll"* && "$output" == *"_nvngx.dll"* ]]
  [[ "$output" == *"libnvidia-ngx.so.1"* ]]
  [[ "$output" == *"nvidia_icd.json"* ]]
  [[ "$output" == *"PROTON_ENABLE_NVAPI=1"* && "$output" == *"DXVK_ENABLE_NVAPI=1"* ]]
  [[ "$output" == *"PROTON_ENABLE_NGX_UPDATER=1"* ]]
  # without --dlss: no ngx files
  run bb run --rm --gpu 0 --gaming-profile balanced localhost/probe sh -c 'ls /usr/local/nvidia/lib64 | grep -c ngx || true'
  [ "${lines[-1]}" = "0" ]
}

@test "--rt, --wine, --fps: VKD3D ray tracing, esync/fsync and nofile, frame limits" {
  run bb run --rm --gpu 0 --rt --wine --fps 144 localhost/probe sh -c "$ENVS; ulimit -n"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"VKD3D_CONFIG=dxr11,dxr"* && "$output" == *"PROTON_ENABLE_NVAPI=1"* ]]
  [[ "$output" == *"WINEESYNC=1"* && "$output" == *"WINEFSYNC=1"* && "$output" == *"WINEDEBUG=-all"* ]]
  [[ "$output" == *"DXVK_FRAME_RATE=144"* && "$output" == *"VKD3D_FRAME_RATE=144"* ]]
  [ "${lines[-1]}" -eq "$(ulimit -Hn)" ]
  run bb run --rm --gpu 0 --wine=false --rt=false localhost/probe sh -c "$ENVS"
  [[ "$output" != *"WINEESYNC"* && "$output" != *"VKD3D_CONFIG"* ]]
}

@test "--vsync off|on|adaptive|mailbox: GL swap interval and Vulkan present mode" {
  for m in off:0:immediate on:1:fifo adaptive:1:relaxed mailbox:0:mailbox; do
    IFS=: read -r mode gl present <<< "$m"
    run bb run --rm --gpu 0 --vsync "$mode" localhost/probe sh -c "$ENVS"
    echo "$mode: $output"
    [[ "$output" == *"__GL_SYNC_TO_VBLANK=$gl"* ]]
    [[ "$output" == *"MESA_VK_WSI_PRESENT_MODE=$present"* ]]
  done
  run bb run --rm --gpu 0 --vsync adaptive localhost/probe sh -c "$ENVS"
  [[ "$output" == *"__GL_SYNC_TO_VBLANK_ADAPTIVE=1"* ]]
}

@test "shader caches persist across containers of the same image" {
  run bb run --rm --gpu 0 --gaming-profile performance localhost/probe sh -c \
    'echo compiled > $__GL_SHADER_DISK_CACHE_PATH/shader.bin; echo $DXVK_STATE_CACHE_PATH'
  [ "$status" -eq 0 ]
  [ "$output" = "/var/cache/bolt-shaders/dxvk" ]
  [ "$(cat "$ROOT/gaming/shader-cache/localhost_probe/nvidia/shader.bin")" = "compiled" ]
  run bb run --rm --gpu 0 --gaming-profile quality localhost/probe sh -c 'cat /var/cache/bolt-shaders/nvidia/shader.bin'
  [ "$output" = "compiled" ]
}

@test "bolt inspect shows the profile, the options' environment and the capability classes" {
  bb create --name insp --gpu 0 --gaming-profile quality --dlss --fps 90 localhost/probe sh -c :
  run bb inspect insp
  [ "$status" -eq 0 ]
  run jq -r '.[0].Gaming.Profile, .[0].Gaming.DriverCapabilities, (.[0].Gaming.Env | join(" "))' <<< "$output"
  echo "$output"
  [ "${lines[0]}" = "quality" ]
  [ "${lines[1]}" = "compute,utility,graphics,display,ngx" ]
  [[ "${lines[2]}" == *"DXVK_FRAME_RATE=90"* && "${lines[2]}" == *"__GL_MaxFramesAllowed=3"* ]]
  [[ "${lines[2]}" == *"PROTON_ENABLE_NVAPI=1"* ]]
}

@test "bad profile, vsync, fps and bool values, and gaming flags without GPUs: one clear line each" {
  run bb run --rm --gpu 0 --gaming-profile turbo localhost/probe sh -c :
  [ "$status" -eq 125 ]
  [[ "$output" == *"--gaming-profile: invalid profile 'turbo' (expected ultra-low-latency, performance, balanced, quality or power-saving)"* ]]
  run bb run --rm --gpu 0 --vsync triple localhost/probe sh -c :
  [[ "$output" == *"--vsync: invalid mode 'triple' (expected off, on, adaptive or mailbox)"* ]]
  run bb run --rm --gpu 0 --fps 0 localhost/probe sh -c :
  [[ "$output" == *"--fps: invalid frame rate target '0' (expected a number from 1 to 1000)"* ]]
  run bb run --rm --gpu 0 --fps 60fps localhost/probe sh -c :
  [[ "$output" == *"--fps: invalid frame rate target '60fps'"* ]]
  run bb run --rm --gpu 0 --dlss=maybe localhost/probe sh -c :
  [[ "$output" == *"--dlss: invalid value 'maybe' (expected true or false)"* ]]
  run bb run --rm --gaming-profile quality localhost/probe sh -c :
  [ "$status" -eq 125 ]
  [[ "$output" == *"gaming settings (--gaming-profile, --dlss, --rt, --wine, --fps, --vsync) need GPUs: add --gpu (e.g. --gpu all)"* ]]
  [ -z "$(bb ps -aq)" ]
}

@test "Boltfile gaming keys (surge up) give the same edits as the bolt run flags, performance restored at down" {
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  gm_cpufreq "$TMP/drv" schedutil 2
  inj_use "$TMP/drv"
  mkdir -p "$TMP/proj"
  cat > "$TMP/proj/Boltfile.toml" <<'EOF2'
project = "rig"
[services.game]
image = "localhost/probe"
command = ["sh", "-c", 'env | sort > /dev/stderr; sleep 30']
stop_grace_period = "1s"
[services.game.gaming.gpu]
runtime = "nvbind"
[services.game.gaming.gpu.nvbind]
devices = ["gpu:0"]
performance_mode = "ultra"
[services.game.gaming.gpu.gaming]
profile = "ultra-low-latency"
dlss_enabled = true
wine_optimizations = true
frame_rate_target = 120
vsync_mode = "mailbox"
EOF2
  cd "$TMP/proj"
  run bb surge up -d
  echo "$output"
  [ "$status" -eq 0 ]
  for i in $(seq 50); do bb surge logs 2>/dev/null | grep -q DXVK_FRAME_RATE && break; sleep 0.1; done
  run bb surge logs
  echo "$output"
  [[ "$output" == *"DXVK_FRAME_RATE=120"* && "$output" == *"MESA_VK_WSI_PRESENT_MODE=mailbox"* ]]
  [[ "$output" == *"__GL_MaxFramesAllowed=1"* && "$output" == *"WINEFSYNC=1"* ]]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,display,ngx"* ]]
  [[ "$(gm_calls "$TMP/drv")" == *"nvmlDeviceSetGpuLockedClocks GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 min_mhz=2040"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=performance cpu1=performance" ]
  run bb surge down
  [ "$status" -eq 0 ]
  for i in $(seq 50); do [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ] && break; sleep 0.1; done
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  [[ "$(gm_calls "$TMP/drv" | tail -1)" == "nvmlDeviceSetPersistenceMode GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 mode=0" ]]
  cd /
}
