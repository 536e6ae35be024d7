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

# gm_client_tar TAR PATH... -- BIN...: an image tarball TAR: the probe rootfs plus BIN...,
# the files or directories PATH... (config files, and modules a client dlopen()s, which ldd
# of BIN cannot see) and every library the ELF files among them link, all at their host
# paths. Needs no bolt, so a bats file can build it once in setup_file.
gm_client_tar() {
  local tar=$1 rootfs=$1.d p f
  local -a extra=() files=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    extra+=("$1")
    shift
  done
  [ "${1:-}" = "--" ] && shift
  for p in "${extra[@]}" "$@"; do
    [ -e "$p" ] || p=$(command -v "$p") || { echo "gm_client_tar: '$p' not found" >&2; return 1; }
    mapfile -t -O "${#files[@]}" files < <(find -L "$p" -type f)
  done
  rm -rf "$rootfs"
  cp -a "$INJ_FIX/probe" "$rootfs"
  # each file, then each library any ELF among them links (once), at its host path
  for f in "${files[@]}" $(for f in "${files[@]}"; do
    head -c4 "$f" | grep -q ELF && ldd "$f" | grep -o '/[^ ]*'
  done | sort -u); do
    [ -e "$rootfs$f" ] && continue
    mkdir -p "$rootfs${f%/*}"
    cp -L "$f" "$rootfs$f"
  done
  tar -C "$rootfs" -cf "$tar" . && rm -rf "$rootfs"
}

# gm_client_image_with NAME PATH... -- BIN...: gm_client_tar imported as NAME.
gm_client_image_with() {
  local name=$1
  shift
  gm_client_tar "$TMP/clients.tar" "$@" && bb import "$TMP/clients.tar" "$name" >/dev/null
}

# gm_stop PID: stop a server this test started (TERM, then KILL after 2 s) and reap it.
gm_stop() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# gm_wait_socket PATH PID LOG WHAT: wait up to 5 s for a server's socket; print its log and
# fail when it does not appear or the server exits.
gm_wait_socket() {
  local path=$1 pid=$2 log=$3 what=$4 i
  for i in $(seq 50); do
    [ -S "$path" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$what did not create $path; its log:" >&2
  cat "$log" >&2
  return 1
}

# gm_weston NAME WIDTH HEIGHT: a headless weston (kiosk shell, no helper clients) serving
# $XDG_RUNTIME_DIR/NAME (XDG_RUNTIME_DIR must be a 0700 dir), output WIDTHxHEIGHT; log in
# $TMP/weston.log. Sets GM_WESTON_PID and exports WAYLAND_DISPLAY=NAME.
gm_weston() {
  local name=$1 w=$2 h=$3
  printf '[core]\nshell=kiosk-shell.so\nidle-time=0\n[input-method]\npath=\n' > "$TMP/weston.ini"
  weston -c "$TMP/weston.ini" --backend=headless-backend.so --socket="$name" \
    --width="$w" --height="$h" --log="$TMP/weston.log" </dev/null >/dev/null 2>&1 &
  GM_WESTON_PID=$!
  export WAYLAND_DISPLAY=$name
  gm_wait_socket "$XDG_RUNTIME_DIR/$name" "$GM_WESTON_PID" "$TMP/weston.log" weston
}

# gm_pipewire TAG: a PipeWire daemon with only the native protocol, access, metadata and
# client-node/adapter modules (no session bus, no devices, no session manager: clients'
# streams appear as nodes but nothing links them), serving $XDG_RUNTIME_DIR/pipewire-0; TAG
# is a core property clients can read back. Log in $TMP/pipewire.log; sets GM_PW_PID.
gm_pipewire() {
  local tag=$1
  cat > "$TMP/pipewire.conf" <<CONF
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    bolt.test.tag = $tag
    support.dbus = false
    mem.allow-mlock = false
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.* = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-access }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
]
CONF
  PIPEWIRE_DEBUG=2 pipewire -c "$TMP/pipewire.conf" </dev/null >"$TMP/pipewire.log" 2>&1 &
  GM_PW_PID=$!
  gm_wait_socket "$XDG_RUNTIME_DIR/pipewire-0" "$GM_PW_PID" "$TMP/pipewire.log" pipewire
}

# gm_need PACKAGE CMD...: skip when a server or client from Debian is missing (naming the
# package tools/deps.sh installs); under BOLT_TEST_MUST_RUN a missing one fails instead.
gm_need() {
  local pkg=$1 c
  shift
  for c in "$@"; do
    command -v "$c" >/dev/null && continue
    [ -n "${BOLT_TEST_MUST_RUN:-}" ] && { echo "'$c' not found: install $pkg (tools/deps.sh)" >&2; return 1; }
    skip "'$c' not found: install $pkg (tools/deps.sh)"
  done
}

# gm_pw_node NAME: "node.latency=... node.rate=..." of the host daemon's node NAME (as its
# client set them), waiting up to 5 s for it to appear; nothing when it does not.
gm_pw_node() {
  local name=$1 i out
  for i in $(seq 50); do
    out=$(timeout 5 pw-dump 2>/dev/null | jq -r --arg n "$name" '.[]
      | select(.type == "PipeWire:Interface:Node" and .info.props["node.name"] == $n)
      | .info.props | "node.latency=\(.["node.latency"]) node.rate=\(.["node.rate"])"')
    [ -n "$out" ] && { echo "$out"; return 0; }
    sleep 0.1
  done
}

# gm_wav PATH RATE: 1 s of stereo 16-bit silence at RATE Hz.
gm_wav() {
  python3 - "$1" "$2" <<'PY'
import sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(int(sys.argv[2]))
w.writeframes(bytes(4 * int(sys.argv[2])))
w.close()
PY
}
