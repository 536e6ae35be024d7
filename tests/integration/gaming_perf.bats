#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Performance modes (bolt run --performance, bolt gaming gpu nvbind --performance): the mock
# NVML's record of setter calls and the fake cpufreq governors prove each change and each
# restore; the originals live under the runroot until the last holder ends.

load helpers/gaming

G0=GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689
G1=GPU-b1028956-cfa2-0990-bf4a-5da9abb51763

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
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  gm_cpufreq "$TMP/drv" schedutil 2
  inj_use "$TMP/drv"
  # the nvbind config must exist once named by BOLT_NVBIND_CONFIG
  : > "$TMP/nvbind.toml"
  export BOLT_NVBIND_CONFIG=$TMP/nvbind.toml
  inj_bolt_setup
}

teardown() {
  inj_bolt_teardown
  inj_teardown
}

# wait_restored: the monitor restores after recording the exit; give it a moment.
wait_gone() {
  local i
  for i in $(seq 50); do
    [ -z "$(ls "$RUNROOT/gpu-perf/" 2>/dev/null | grep -E '\.(orig|mode)$')" ] && return 0
    sleep 0.1
  done
  ls -l "$RUNROOT/gpu-perf/"
  return 1
}

@test "--performance ultra: persistence, maximum power limit, locked clocks, performance governor; restored after" {
  run bb run --rm --gpu 0 --performance ultra localhost/probe sh -c 'echo ran'
  echo "$output"
  [ "$status" -eq 0 ]
  run gm_calls "$TMP/drv"
  echo "$output"
  [[ "${lines[0]}" == "nvmlDeviceSetPersistenceMode $G0 mode=1" ]]
  [[ "${lines[1]}" == "nvmlDeviceSetPowerManagementLimit $G0 limit_mw=72000" ]]
  [[ "${lines[2]}" == "nvmlDeviceSetGpuLockedClocks $G0 min_mhz=2040 max_mhz=2040" ]]
  # restore: clocks reset, the original limit and persistence mode back
  [[ "${lines[3]}" == "nvmlDeviceResetGpuLockedClocks $G0" ]]
  [[ "${lines[4]}" == "nvmlDeviceSetPowerManagementLimit $G0 limit_mw=72000" ]]
  [[ "${lines[5]}" == "nvmlDeviceSetPersistenceMode $G0 mode=0" ]]
  [[ "$output" != *"$G1"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  wait_gone
}

@test "--performance ultra while running: governors and originals recorded, back when it ends" {
  bb run -d --name g --gpu 1 --cpuset-cpus 1 --performance ultra localhost/probe sh -c 'sleep 2'
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=performance" ]
  run cat "$RUNROOT/gpu-perf/$G1.orig"
  [[ "$output" == *"persistence 0"* && "$output" == *"power_mw 72000"* ]]
  [ "$(cat "$RUNROOT/gpu-perf/$G1.mode")" = "ultra container" ]
  [ "$(gm_calls "$TMP/drv" | grep -c "$G1")" -eq 3 ]
  bb wait g
  wait_gone
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  [ "$(gm_calls "$TMP/drv" | tail -1)" = "nvmlDeviceSetPersistenceMode $G1 mode=0" ]
}

@test "--performance efficient: a reduced limit within the constraints, powersave governor" {
  bb run -d --name e --gpu 0 --performance efficient localhost/probe sh -c 'sleep 2'
  run gm_calls "$TMP/drv"
  echo "$output"
  [[ "$output" == *"nvmlDeviceSetPowerManagementLimit $G0 limit_mw=43200"* ]]
  [[ "$output" == *"nvmlDeviceResetGpuLockedClocks $G0"* ]]
  [[ "$output" != *"SetGpuLockedClocks"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=powersave cpu1=powersave" ]
  bb wait e
  wait_gone
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
}

@test "--performance high and balanced: default limit, clocks reset; balanced leaves the governors" {
  run bb run --rm --gpu 0 --performance high localhost/probe sh -c \
    "cat /proc/1/status >/dev/null; echo ok"
  [ "$status" -eq 0 ]
  run gm_calls "$TMP/drv"
  [[ "${lines[0]}" == "nvmlDeviceSetPersistenceMode $G0 mode=1" ]]
  [[ "${lines[1]}" == "nvmlDeviceSetPowerManagementLimit $G0 limit_mw=72000" ]]
  [[ "${lines[2]}" == "nvmlDeviceResetGpuLockedClocks $G0" ]]
  gm_calls_clear "$TMP/drv"
  bb run -d --name b --gpu 0 --performance balanced localhost/probe sh -c 'sleep 1'
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  run gm_calls "$TMP/drv"
  [[ "${lines[0]}" == "nvmlDeviceSetPersistenceMode $G0 mode=0" ]]
  [[ "${lines[2]}" == "nvmlDeviceResetGpuLockedClocks $G0" ]]
  bb wait b
  wait_gone
}

@test "restored only when the last container in that mode ends; another mode is refused meanwhile" {
  bb run -d --name a --gpu 0 --performance ultra localhost/probe sh -c 'sleep 60'
  bb run -d --name b --gpu 0 --performance ultra localhost/probe sh -c 'sleep 60'
  run bb run --rm --gpu 0 --performance efficient localhost/probe sh -c :
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"GPU $G0 is in performance mode ultra for other containers: use --performance ultra or wait until they end"* ]]
  bb rm -f a
  sleep 0.5
  [ -f "$RUNROOT/gpu-perf/$G0.orig" ]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=performance cpu1=performance" ]
  [[ "$(gm_calls "$TMP/drv")" != *"ResetGpuLockedClocks"* ]]
  bb rm -f b
  wait_gone
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  [[ "$(gm_calls "$TMP/drv")" == *"ResetGpuLockedClocks $G0"* ]]
}

@test "a killed monitor leaves nothing changed for good: the next bolt command restores" {
  bb run -d --name k --gpu 0 --performance ultra localhost/probe sh -c 'sleep 60'
  pid=$(bb inspect k | jq -r '.[0].State.MonitorPid // .[0].State.Pid')
  kill -9 $(bb inspect k | jq -r '.[0].State.Pid') 2>/dev/null || true
  # the monitor itself may hold the mode: kill it too, leaving the records behind
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  sleep 0.5
  run bb run --rm --gpu 1 --performance efficient localhost/probe sh -c :
  echo "$output"
  [ "$status" -eq 0 ]
  wait_gone
  [[ "$(gm_calls "$TMP/drv")" == *"nvmlDeviceSetPersistenceMode $G0 mode=0"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
}

@test "bolt gaming gpu nvbind --performance: system-wide at once, balanced restores, stored in the config" {
  run bb gaming gpu nvbind --performance ultra
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"performance ultra: applied to 2 GPUs"* ]]
  [[ "$output" == *"performance  ultra"* ]]
  grep -qx 'performance = "ultra"' "$TMP/nvbind.toml"
  run gm_calls "$TMP/drv"
  [[ "$output" == *"SetGpuLockedClocks $G0 min_mhz=2040"* && "$output" == *"SetGpuLockedClocks $G1 min_mhz=2040"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=performance cpu1=performance" ]
  # a container ending does not undo a system-wide mode
  bb run --rm --gpu 0 --performance ultra localhost/probe sh -c :
  [ "$(cat "$RUNROOT/gpu-perf/$G0.mode")" = "ultra system" ]
  run bb gaming gpu nvbind --performance efficient
  [ "$status" -eq 0 ]
  [[ "$(gm_calls "$TMP/drv")" == *"SetPowerManagementLimit $G1 limit_mw=43200"* ]]
  gm_calls_clear "$TMP/drv"
  run bb gaming gpu nvbind --performance balanced
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"performance balanced: restored 2 GPUs"* ]]
  run gm_calls "$TMP/drv"
  [[ "$output" == *"nvmlDeviceSetPersistenceMode $G0 mode=0"* && "$output" == *"nvmlDeviceSetPersistenceMode $G1 mode=0"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  wait_gone
}

@test "without privileges: a clear error and nothing changed (GPUs, governors, config)" {
  command -v setpriv >/dev/null || skip "setpriv missing"
  chmod 755 "$TMP"
  run setpriv --reuid 65534 --regid 65534 --clear-groups "$BOLT" --root "$TMP/u" --runroot "$TMP/u-run" \
    gaming gpu nvbind --performance ultra
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"performance mode ultra: changing GPU power, clocks and cpufreq governors needs root (run bolt as root); nothing was changed"* ]]
  [ -z "$(gm_calls "$TMP/drv")" ]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=schedutil cpu1=schedutil" ]
  [ ! -s "$TMP/nvbind.toml" ]
}

@test "bad performance values and --performance without GPUs are refused before anything starts" {
  run bb run --rm --gpu 0 --performance turbo localhost/probe sh -c :
  [ "$status" -eq 125 ]
  [[ "$output" == *"--performance: invalid performance mode 'turbo' (expected ultra, high, balanced or efficient)"* ]]
  run bb run --rm --performance ultra localhost/probe sh -c :
  [ "$status" -eq 125 ]
  [[ "$output" == *"--performance needs GPUs: add --gpu (e.g. --gpu all)"* ]]
  run bb gaming gpu nvbind --performance max
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid performance mode 'max'"* ]]
  [ -z "$(gm_calls "$TMP/drv")" ]
  [ -z "$(bb ps -aq)" ]
}

@test "bolt gaming gpu nvbind: validates, keeps other keys, prints the effective settings" {
  printf 'driver_root = "%s"\n# mine\n[other]\nx = 1\n' "$TMP/drv" > "$TMP/nvbind.toml"
  run bb gaming gpu nvbind --devices 0,1 --driver proprietary --wsl2
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"devices      0,1"* ]]
  [[ "$output" == *"driver       proprietary"* ]]
  [[ "$output" == *"wsl2         true"* ]]
  [[ "$output" == *"performance  balanced"* ]]
  [[ "$output" == *"driver_root  $TMP/drv"* ]]
  run cat "$TMP/nvbind.toml"
  echo "$output"
  [[ "$output" == *'devices = "0,1"'* && "$output" == *'driver = "proprietary"'* && "$output" == *"wsl2 = true"* ]]
  [[ "$output" == *"driver_root = \"$TMP/drv\""* && "$output" == *"[other]"* && "$output" == *"# mine"* ]]
  run bb gaming gpu nvbind --no-wsl2
  grep -qx 'wsl2 = false' "$TMP/nvbind.toml"
  [ "$(grep -c '^devices' "$TMP/nvbind.toml")" -eq 1 ]
  run bb gaming gpu nvbind --driver nvidia
  [ "$status" -eq 2 ]
  [[ "$output" == *"driver (--driver): invalid value 'nvidia' (expected auto, nvidia-open, proprietary or nouveau)"* ]]
  run bb gaming gpu nvbind --devices 'x;y'
  [ "$status" -eq 2 ]
  [[ "$output" == *"devices (--devices) 'x;y'"* ]]
  run bb gaming gpu nvbind --config "$TMP/other.toml" --devices all
  [ "$status" -eq 0 ]
  grep -qx 'devices = "all"' "$TMP/other.toml"
}

@test "the nvbind config's performance is the default of GPU containers; --performance overrides it" {
  printf 'performance = "efficient"\n' > "$TMP/nvbind.toml"
  bb run -d --name c --gpu 0 localhost/probe sh -c 'env | grep -c __GL_ || true; sleep 1'
  [[ "$(gm_calls "$TMP/drv")" == *"nvmlDeviceSetPowerManagementLimit $G0 limit_mw=43200"* ]]
  [ "$(gm_governors "$TMP/drv")" = "cpu0=powersave cpu1=powersave" ]
  bb wait c
  wait_gone
  run bb logs c
  [ "${lines[0]}" = "0" ]   # no profile environment from the config default alone
  gm_calls_clear "$TMP/drv"
  run bb run --rm --gpu 0 --performance high localhost/probe sh -c :
  [ "$status" -eq 0 ]
  [[ "$(gm_calls "$TMP/drv" | head -2)" == *"limit_mw=72000"* ]]
  # containers without GPUs are not touched
  gm_calls_clear "$TMP/drv"
  run bb run --rm localhost/probe sh -c :
  [ "$status" -eq 0 ]
  [ -z "$(gm_calls "$TMP/drv")" ]
}
