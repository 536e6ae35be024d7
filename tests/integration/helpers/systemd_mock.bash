# SPDX-License-Identifier: Apache-2.0
# A private D-Bus system bus with a mock of systemd's Manager API on it (helpers/
# systemd_mock.py), for systemd_cgroup.bats. No systemd runs on the test machines.
#
#   sdmock_start DIR   dbus-daemon with its own config and socket under DIR, the mock on it;
#                      exports DBUS_SYSTEM_BUS_ADDRESS (sets SDMOCK_DIR, SDMOCK_BUS_PID, ...)
#   sdmock_stop        stop the mock (it stops its units) and the bus
#   sdmock_calls JQ    the mock's recorded calls (calls.jsonl), filtered by jq -c

SDMOCK_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/systemd_mock.py

sdmock_need() {
  command -v dbus-daemon >/dev/null || skip "dbus-daemon missing (Debian package dbus-daemon)"
  /usr/bin/python3 -c 'import dbus, gi.repository.GLib' 2>/dev/null \
    || skip "the systemd mock needs /usr/bin/python3 with python3-dbus and python3-gi"
}

sdmock_start() {
  local dir=$1 i
  SDMOCK_DIR=$dir
  mkdir -p "$dir"
  cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
  dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --nosyslog \
    >"$dir/bus.log" 2>&1 &
  SDMOCK_BUS_PID=$!
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket"
  for i in $(seq 100); do [ -S "$dir/system_bus_socket" ] && break; sleep 0.05; done
  [ -S "$dir/system_bus_socket" ] || { cat "$dir/bus.log" >&2; return 1; }
  /usr/bin/python3 "$SDMOCK_PY" "$dir" >"$dir/mock.log" 2>&1 &
  SDMOCK_PID=$!
  for i in $(seq 100); do [ -e "$dir/ready" ] && return 0; sleep 0.05; done
  echo "systemd mock did not come up:" >&2
  cat "$dir/mock.log" >&2
  return 1
}

sdmock_stop() {
  local i
  if [ -n "${SDMOCK_PID:-}" ]; then
    kill -TERM "$SDMOCK_PID" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$SDMOCK_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$SDMOCK_PID" 2>/dev/null || true
    wait "$SDMOCK_PID" 2>/dev/null || true
    SDMOCK_PID=
  fi
  if [ -n "${SDMOCK_BUS_PID:-}" ]; then
    kill -TERM "$SDMOCK_BUS_PID" 2>/dev/null || true
    wait "$SDMOCK_BUS_PID" 2>/dev/null || true
    SDMOCK_BUS_PID=
  fi
}

sdmock_calls() {
  [ -s "$SDMOCK_DIR/calls.jsonl" ] || return 0
  jq -c "$@" "$SDMOCK_DIR/calls.jsonl"
}
