#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --display x11|wayland|auto and --gaming-input: a real X server (Xvfb) on the host, and
# xdpyinfo inside the container connecting through the bound socket with the cookie bolt
# rewrote for the container's hostname; a real Wayland compositor (weston, headless) and
# wayland-info inside listing its globals; clear errors.

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
  unset DISPLAY XAUTHORITY WAYLAND_DISPLAY XDG_RUNTIME_DIR
  GM_XVFB_PID= GM_WESTON_PID=
  GM_N=$((50 + RANDOM % 400))
}

teardown() {
  inj_bolt_teardown
  [ -n "$GM_XVFB_PID" ] && kill "$GM_XVFB_PID" 2>/dev/null && wait "$GM_XVFB_PID" 2>/dev/null
  gm_stop "${GM_WESTON_PID:-}"
  inj_teardown
}

@test "--display x11: xdpyinfo inside connects to the host's Xvfb with the cookie" {
  command -v Xvfb >/dev/null && command -v xdpyinfo >/dev/null || skip "xvfb/x11-utils not installed (tools/deps.sh)"
  gm_xvfb "$GM_N"
  gm_client_image localhost/xclients xdpyinfo
  run bb run --rm --display x11 localhost/xclients sh -c 'echo "DISPLAY=$DISPLAY XAUTHORITY=$XAUTHORITY"; xdpyinfo | grep -E "^name of display|dimensions"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"DISPLAY=:$GM_N XAUTHORITY=/run/bolt-x11/Xauthority"* ]]
  [[ "$output" == *"name of display:    :$GM_N"* ]]
  [[ "$output" == *"640x480 pixels"* ]]
  # the cookie matters: with an empty Xauthority the server refuses the client
  : > "$XAUTHORITY"
  run bb run --rm --display x11 localhost/xclients sh -c 'xdpyinfo >/dev/null 2>&1; echo rc=$?'
  echo "$output"
  [[ "$output" == *"has no cookie for display :$GM_N"* ]]
}

@test "--display auto picks X11 when only DISPLAY is there; inspect shows it" {
  command -v Xvfb >/dev/null || skip "xvfb not installed (tools/deps.sh)"
  gm_xvfb "$GM_N"
  bb create --name d --display auto localhost/probe sh -c 'test -S /tmp/.X11-unix/X'$GM_N' && echo socket'
  run bb inspect d
  run jq -r '.[0].Gaming.Display, (.[0].Gaming.Env | join(" "))' <<< "$output"
  echo "$output"
  [ "${lines[0]}" = "x11" ]
  [[ "${lines[1]}" == *"DISPLAY=:$GM_N"* ]]
  run bb start -a d
  [[ "$output" == *"socket"* ]]
}

@test "--display wayland: wayland-info inside talks to the host's headless weston" {
  gm_need weston weston
  gm_need wayland-utils wayland-info
  export XDG_RUNTIME_DIR=$TMP/xdg
  mkdir -m 0700 "$XDG_RUNTIME_DIR"
  gm_weston wayland-bolt 800 600
  gm_client_image localhost/wlclients wayland-info
  run bb run --rm --display wayland localhost/wlclients sh -c \
    'echo "W=$WAYLAND_DISPLAY R=${XDG_RUNTIME_DIR:-unset} T=$XDG_SESSION_TYPE V=$SDL_VIDEODRIVER"; wayland-info'
  echo "$output"
  [ "$status" -eq 0 ]
  # the socket is found by the absolute WAYLAND_DISPLAY (libwayland >= 1.15); the host's
  # XDG_RUNTIME_DIR is not carried in
  [[ "$output" == *"W=/run/bolt-wayland/wayland-0 R=unset T=wayland V=wayland"* ]]
  # the globals of this weston: its compositor, and the one headless output at the size given
  [[ "$output" == *"interface: 'wl_compositor'"* ]]
  [[ "$output" == *"interface: 'xdg_wm_base'"* ]]
  [[ "$output" == *"make: 'weston', model: 'headless'"* ]]
  [[ "$output" == *"width: 800 px, height: 600 px"* ]]
  # auto prefers Wayland when its socket exists, even with DISPLAY set
  export DISPLAY=:$GM_N
  run bb run --rm --display auto localhost/wlclients sh -c 'echo "D=${DISPLAY:-none}"; wayland-info | grep -c "interface: .wl_output."'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"D=none"* ]]
  [ "${lines[-1]}" = 1 ]
}

@test "missing sockets and bad values: an error naming the path or the flag, nothing created" {
  export DISPLAY=:$GM_N
  run bb run --rm --display x11 localhost/probe sh -c :
  [ "$status" -eq 125 ]
  [[ "$output" == *"--display x11: X11 socket '/tmp/.X11-unix/X$GM_N' not found (DISPLAY=:$GM_N): start the X server or fix DISPLAY"* ]]
  export XDG_RUNTIME_DIR=$TMP WAYLAND_DISPLAY=wayland-9
  run bb run --rm --display wayland localhost/probe sh -c :
  [[ "$output" == *"--display wayland: Wayland socket '$TMP/wayland-9' not found"* ]]
  unset DISPLAY WAYLAND_DISPLAY
  run bb run --rm --display auto localhost/probe sh -c :
  [[ "$output" == *"--display auto: no display found"* ]]
  run bb run --rm --display mir localhost/probe sh -c :
  [[ "$output" == *"--display: invalid value 'mir' (expected x11, wayland or auto)"* ]]
  [ -z "$(bb ps -aq)" ]
}

@test "--gaming-input: /dev/input and /dev/uinput inside, or a clear error when the host has none" {
  if [ -e /dev/uinput ] || [ -d /dev/input ]; then
    run bb run --rm --gaming-input localhost/probe sh -c 'ls /dev/uinput /dev/input 2>&1'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *"No such file"* ]]
  else
    run bb run --rm --gaming-input localhost/probe sh -c :
    echo "$output"
    [ "$status" -eq 125 ]
    [[ "$output" == *"--gaming-input: no input devices on this host ('/dev/input' and '/dev/uinput' not found"* ]]
  fi
}
