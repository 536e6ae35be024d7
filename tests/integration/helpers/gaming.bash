# SPDX-License-Identifier: Apache-2.0
# Helpers for the gaming tests (gaming_{perf,profile,audio,display}*.bats): the fake driver
# extension for performance modes (cpufreq governors under the fake sys_root) and the mock
# NVML's call record.

load helpers/inject

# gm_cpufreq DRIVER_ROOT GOVERNOR [NCPUS]: cpuN/cpufreq/scaling_governor files under the
# fake sys root (a real kernel has them under /sys/devices/system/cpu).
gm_cpufreq() {
  local root=$1 gov=$2 n=${3:-2} i d
  for ((i = 0; i < n; i++)); do
    d=$root/sys/devices/system/cpu/cpu$i/cpufreq
    mkdir -p "$d"
    echo "$gov" > "$d/scaling_governor"
    echo "performance powersave schedutil ondemand" > "$d/scaling_available_governors"
  done
}

# gm_governors DRIVER_ROOT: "cpu0=gov cpu1=gov ..."
gm_governors() {
  local f out=""
  for f in "$1"/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
    out="$out $(basename "$(dirname "$(dirname "$f")")")=$(cat "$f")"
  done
  echo "${out# }"
}

# gm_calls DRIVER_ROOT: the mock NVML's record of setter calls (64-bit library's state).
gm_calls() {
  cat "$1/usr/lib/x86_64-linux-gnu/fake-nvml-state.json.calls" 2>/dev/null || true
}

gm_calls_clear() {
  rm -f "$1/usr/lib/x86_64-linux-gnu/fake-nvml-state.json.calls"
}

# gm_client_image NAME BIN...: import an image (the probe rootfs plus BIN... and every
# library they link, at their host paths) as NAME, so real clients run inside.
gm_client_image() {
  local name=$1 rootfs=$TMP/clients b lib
  shift
  cp -a "$INJ_FIX/probe" "$rootfs"
  for b in "$@"; do
    b=$(command -v "$b") || return 1
    mkdir -p "$rootfs$(dirname "$b")"
    cp -L "$b" "$rootfs$b"
    for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
      mkdir -p "$rootfs$(dirname "$lib")"
      cp -Ln "$lib" "$rootfs$lib" 2>/dev/null || true
    done
  done
  tar -C "$rootfs" -cf "$TMP/clients.tar" .
  bb import "$TMP/clients.tar" "$name" >/dev/null
}

# gm_xvfb N: start Xvfb on :N with a cookie in $TMP/xauth (DISPLAY/XAUTHORITY exported).
gm_xvfb() {
  local n=$1 i
  export XAUTHORITY=$TMP/xauth DISPLAY=:$n
  : > "$XAUTHORITY"
  xauth -f "$XAUTHORITY" add ":$n" . "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  Xvfb ":$n" -auth "$XAUTHORITY" -nolisten tcp -screen 0 640x480x24 >/dev/null 2>&1 &
  GM_XVFB_PID=$!
  for i in $(seq 50); do
    [ -S "/tmp/.X11-unix/X$n" ] && return 0
    sleep 0.1
  done
  echo "Xvfb :$n did not start" >&2
  return 1
}
