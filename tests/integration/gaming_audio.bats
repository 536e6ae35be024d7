#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Audio (--audio pipewire|pulseaudio, --audio-latency; the Boltfile's [gaming.audio]): a real
# PulseAudio server on the host, pactl inside the container connecting through the bound
# socket; latency/sample rate/buffer size as the client environment; clear errors.

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
  unset PULSE_SERVER PIPEWIRE_REMOTE
  export XDG_RUNTIME_DIR=$TMP/xdg HOME=$TMP/home
  mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
  GM_PA_PID=
}

teardown() {
  inj_bolt_teardown
  [ -n "$GM_PA_PID" ] && kill "$GM_PA_PID" 2>/dev/null && wait "$GM_PA_PID" 2>/dev/null
  [ -n "${GM_PW_PID:-}" ] && kill "$GM_PW_PID" 2>/dev/null
  inj_teardown
}

# a PulseAudio server (as root: -n, no system config) with a null sink on $TMP/pa.sock
start_pulse() {
  command -v pulseaudio >/dev/null && command -v pactl >/dev/null || skip "pulseaudio(-utils) not installed (tools/deps.sh)"
  pulseaudio -n --daemonize=no --exit-idle-time=-1 --use-pid-file=false \
    -L "module-native-protocol-unix socket=$TMP/pa.sock auth-anonymous=1" -L module-null-sink \
    >"$TMP/pa.log" 2>&1 &
  GM_PA_PID=$!
  for i in $(seq 50); do [ -S "$TMP/pa.sock" ] && return 0; sleep 0.1; done
  cat "$TMP/pa.log"
  return 1
}

@test "--audio pulseaudio: pactl inside talks to the host server; latency env" {
  start_pulse
  export PULSE_SERVER=unix:$TMP/pa.sock
  gm_client_image localhost/paclients pactl
  run bb run --rm --audio pulseaudio --audio-latency low localhost/paclients sh -c \
    'echo "S=$PULSE_SERVER L=$PULSE_LATENCY_MSEC D=$SDL_AUDIODRIVER N=$SDL_AUDIO_SAMPLES"; pactl info | grep -E "^(Server String|Default Sink)"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"S=unix:/run/bolt-pulse/native L=2 D=pulseaudio N=128"* ]]
  [[ "$output" == *"Server String: unix:/run/bolt-pulse/native"* ]]
  [[ "$output" == *"Default Sink: null"* ]]
  # the server saw a client from the container: list clients while one is connected
  run bb run --rm --audio pulseaudio --audio-latency high localhost/paclients sh -c 'echo L=$PULSE_LATENCY_MSEC; pactl list short sinks'
  [[ "$output" == *"L=42"* && "$output" == *"null"* ]]
}

@test "--audio pipewire: the PipeWire socket and quantum/rate env (PIPEWIRE_LATENCY)" {
  python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' "$XDG_RUNTIME_DIR/pipewire-0" &
  GM_PW_PID=$!
  for i in $(seq 50); do [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break; sleep 0.1; done
  run bb run --rm --audio pipewire localhost/probe sh -c \
    'echo "R=$PIPEWIRE_RUNTIME_DIR/$PIPEWIRE_REMOTE L=$PIPEWIRE_LATENCY Q=$PIPEWIRE_QUANTUM"; test -S $PIPEWIRE_RUNTIME_DIR/pipewire-0 && echo is-socket'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"R=/run/bolt-pipewire/pipewire-0 L=1024/48000 Q=1024"* ]]
  [[ "$output" == *"is-socket"* ]]
  run bb run --rm --audio pipewire --audio-latency low localhost/probe sh -c 'echo L=$PIPEWIRE_LATENCY'
  [[ "$output" == *"L=128/48000"* ]]
}

@test "audio: missing sockets name the path; bad values name the flag" {
  export PULSE_SERVER=unix:$TMP/none.sock
  run bb run --rm --audio pulseaudio localhost/probe sh -c :
  [ "$status" -eq 125 ]
  [[ "$output" == *"audio pulseaudio: PulseAudio socket '$TMP/none.sock' not found: start pulseaudio or set PULSE_SERVER=unix:PATH"* ]]
  run bb run --rm --audio pipewire localhost/probe sh -c :
  [[ "$output" == *"audio pipewire: PipeWire socket '$XDG_RUNTIME_DIR/pipewire-0' not found"* ]]
  run bb run --rm --audio alsa localhost/probe sh -c :
  [[ "$output" == *"--audio: invalid value 'alsa' (expected pipewire or pulseaudio)"* ]]
  run bb run --rm --audio-latency low localhost/probe sh -c :
  [[ "$output" == *"need an audio system: add --audio pipewire|pulseaudio"* ]]
  run bb run --rm --audio pulseaudio --audio-latency tiny localhost/probe sh -c :
  [[ "$output" == *"--audio-latency: invalid value 'tiny' (expected low, normal or high)"* ]]
  [ -z "$(bb ps -aq)" ]
}
