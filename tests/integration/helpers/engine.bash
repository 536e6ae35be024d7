# SPDX-License-Identifier: Apache-2.0
# Helpers for engine*.bats: a private bolt root/runroot per test with a busybox image
# (localhost/busybox, loaded without a registry), `b` = bolt on that state, and checks
# that nothing is left behind (records, runtime state, mounts, processes).

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}
BOLT=${BOLT:-$BOLT_TOP/build/src/cli/bolt}
export BOLT
source "$BOLT_TOP/tests/integration/helpers/images.bash"

IMG=localhost/busybox

eng_setup() {
  if [ "$(id -u)" -ne 0 ]; then
    [ -n "${BOLT_TEST_MUST_RUN:-}" ] && { echo "engine tests need root" >&2; return 1; }
    skip "engine tests need root"
  fi
  [ -x "$BOLT" ] || { echo "bolt not built: $BOLT" >&2; return 1; }
  TMP=$(mktemp -d /tmp/bolt-engtest.XXXXXX)
  ROOT=$TMP/root
  RUNROOT=$TMP/run
  images_load_busybox "$ROOT" >/dev/null
}

eng_teardown() {
  [ -n "${TMP:-}" ] || return 0
  local ids
  ids=$(b ps -aq --no-trunc 2>/dev/null || true)
  [ -n "$ids" ] && b rm -f $ids >/dev/null 2>&1
  # the overlays live in supervisors' private namespaces: none may be visible here
  if grep -q "$TMP" /proc/self/mountinfo; then
    grep "$TMP" /proc/self/mountinfo | while read -r _ _ _ _ mp _; do umount -l "$mp"; done
  fi
  rm -rf "$TMP"
}

b() {
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" "$@"
}

# Number of container records in the store.
n_containers() {
  find "$ROOT/containers" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l
}

# Nothing of any container left: records, runroot dirs, runtime state, mounts.
assert_clean_state() {
  [ "$(n_containers)" -eq 0 ] || { ls -la "$ROOT/containers"; return 1; }
  [ -z "$(ls -A "$RUNROOT/containers" 2>/dev/null)" ] || { ls -la "$RUNROOT/containers"; return 1; }
  [ -z "$(ls -A "$RUNROOT/rt/nvbind" 2>/dev/null | grep -v '^\.')" ] || { ls -la "$RUNROOT/rt/nvbind"; return 1; }
  ! grep -q "$TMP" /proc/self/mountinfo || { grep "$TMP" /proc/self/mountinfo; return 1; }
}

# wait_for N CMD...: retry CMD every 0.1 s for up to N seconds.
wait_for() {
  local n=$(( $1 * 10 )); shift
  while [ $n -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

status_is() {
  [ "$(b inspect -f '{{.State.Status}}' "$1")" = "$2" ]
}

# A process is gone when it no longer exists or is a zombie nobody reaped yet.
pid_gone() {
  [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# Exactly one line of output (bad input must give one clear line).
one_line() {
  [ "$(printf '%s\n' "$output" | grep -c .)" -eq 1 ] || { echo "expected one line, got: $output"; return 1; }
}
