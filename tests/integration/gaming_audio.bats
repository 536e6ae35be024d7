#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Audio (--audio pipewire|pulseaudio, --audio-latency; the Boltfile's [gaming.audio]): a real
# PulseAudio server on the host, pactl inside the container connecting through the bound
# socket; a real PipeWire daemon, pw-cli inside reading its core and pw-cat streams whose
# latency/rate (from the client environment bolt sets) the daemon shows; clear errors.

load helpers/gaming

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-gaming-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary
  # the PipeWire clients' image, built once: pw-cli, pw-cat and what libpipewire loads at
  # run time (the client config, its modules, SPA plugins), with $INJ_FIX/snd.wav at 32 kHz
  # (so pw-cat's own rate and latency differ from what bolt sets)
  if command -v pw-cli >/dev/null && command -v pw-cat >/dev/null; then
    local lib=/usr/lib/x86_64-linux-gnu m=/usr/lib/x86_64-linux-gnu/pipewire-0.3/libpipewire-module
    gm_wav "$INJ_FIX/snd.wav" 32000
    gm_client_tar "$INJ_FIX/pwclients.tar" /usr/share/pipewire/client.conf "$INJ_FIX/snd.wav" \
      $lib/spa-0.2/support/libspa-support.so $lib/spa-0.2/audioconvert/libspa-audioconvert.so \
      $m-protocol-native.so $m-client-node.so $m-client-device.so $m-adapter.so \
      $m-metadata.so $m-session-manager.so -- pw-cli pw-cat
  fi
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
  GM_PA_PID= GM_PW_PID=
}

teardown() {
  inj_bolt_teardown
  [ -n "$GM_PA_PID" ] && kill "$GM_PA_PID" 2>/dev/null && wait "$GM_PA_PID" 2>/dev/null
  gm_stop "$GM_PW_PID"
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

# a PipeWire daemon on $XDG_RUNTIME_DIR/pipewire-0 and localhost/pwclients (setup_file)
start_pipewire() {
  gm_need pipewire pipewire
  gm_need pipewire-bin pw-cli pw-cat pw-dump
  chmod 0700 "$XDG_RUNTIME_DIR"
  gm_pipewire "bolt-$BATS_TEST_NUMBER-$$"
  bb import "$INJ_FIX/pwclients.tar" localhost/pwclients >/dev/null
}

@test "--audio pipewire: pw-cli inside talks to the host's PipeWire daemon; latency/rate env" {
  start_pipewire
  run bb run --rm --audio pipewire localhost/pwclients sh -c \
    'echo "R=$PIPEWIRE_RUNTIME_DIR/$PIPEWIRE_REMOTE L=$PIPEWIRE_LATENCY Q=${PIPEWIRE_QUANTUM:-unset} A=$PIPEWIRE_RATE D=$SDL_AUDIODRIVER"; pw-cli info 0'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"R=/run/bolt-pipewire/pipewire-0 L=1024/48000 Q=unset A=1/48000 D=pipewire"* ]]
  # the core of this daemon: its name, its version, the tag only this test's config has
  [[ "$output" == *'name: "pipewire-0"'* ]]
  [[ "$output" == *"version: \"$(pipewire --version | sed -n 's/^Linked with libpipewire //p')\""* ]]
  [[ "$output" == *"bolt.test.tag = \"bolt-$BATS_TEST_NUMBER-$$\""* ]]
  run bb run --rm --audio pipewire --audio-latency low localhost/pwclients sh -c 'echo L=$PIPEWIRE_LATENCY; pw-cli info 0 | grep -c "bolt.test.tag"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"L=128/48000"* ]]
  [ "${lines[-1]}" = 1 ]
}

@test "--audio pipewire and [gaming.audio]: a stream inside asks the host's daemon for bolt's latency and rate" {
  start_pipewire
  # pw-cat on its own asks for 100 ms at the file's rate: node.latency=3200/32000, 1/32000
  run bb run -d --name pw-low --audio pipewire --audio-latency low localhost/pwclients \
    pw-cat --playback -P '{ node.name = bolt-low }' "$INJ_FIX/snd.wav"
  [ "$status" -eq 0 ]
  run gm_pw_node bolt-low
  echo "$output"
  [ "$output" = "node.latency=128/48000 node.rate=1/48000" ]
  bb rm -f pw-low >/dev/null
  # the daemon saw the client go: the node is removed
  local left
  for i in $(seq 50); do
    left=$(timeout 5 pw-dump | jq '[.[] | select(.info.props["node.name"] == "bolt-low")] | length')
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  [ "$left" = 0 ]

  # the Boltfile's sample_rate and buffer_size: rate, latency and the forced quantum
  mkdir -p "$TMP/proj"
  cat > "$TMP/proj/Boltfile.toml" <<EOF2
project = "snd"
[services.game]
image = "localhost/pwclients"
command = ["sh", "-c", 'echo "Q=\$PIPEWIRE_QUANTUM"; exec pw-cat --playback -P "{ node.name = bolt-file }" $INJ_FIX/snd.wav']
stop_grace_period = "1s"
[services.game.gaming.audio]
system = "pipewire"
sample_rate = 44100
buffer_size = 256
EOF2
  cd "$TMP/proj"
  run bb surge up -d
  echo "$output"
  [ "$status" -eq 0 ]
  run gm_pw_node bolt-file
  echo "$output"
  [ "$output" = "node.latency=256/44100 node.rate=1/44100" ]
  run bb surge logs
  [[ "$output" == *"Q=256/44100"* ]]
  run bb surge down
  [ "$status" -eq 0 ]
  cd /
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
