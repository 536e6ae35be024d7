# SPDX-License-Identifier: Apache-2.0
# Helpers for cgroup*.bats: the cgroup-tool driver, a temp dir and a unique cgroup id per test.

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}
CGTOOL=${CGTOOL:-${BOLT_BUILD:-$BOLT_TOP/build}/tests/helpers/cgroup-tool}

cgroup_setup() {
  if [ "$(id -u)" -ne 0 ]; then
    [ -n "${BOLT_TEST_MUST_RUN:-}" ] && { echo "cgroup tests need root" >&2; return 1; }
    skip "cgroup tests need root"
  fi
  [ -x "$CGTOOL" ] || { echo "cgroup-tool not built: $CGTOOL" >&2; return 1; }
  TMP=$(mktemp -d /tmp/bolt-cgtest.XXXXXX)
  CGID="cgt-${BATS_TEST_NUMBER}-$$-$RANDOM"
  STATE="$TMP/state.json"
}

cgroup_teardown() {
  local j m
  for j in $(jobs -p); do kill -9 "$j" 2>/dev/null || true; done
  if [ -s "${STATE:-/nonexistent}" ]; then
    "$CGTOOL" destroy --state "$STATE" >/dev/null 2>&1 || true
  fi
  # anything a failed test may have left (deepest first)
  for m in $(cg_mounts 2>/dev/null); do
    find "$m" -depth -type d \( -path "*/bolt/$CGID" -o -path "*/bolt-partial-$CGID*" \
      -o -path "*/bolt-test-$CGID*" -o -path "*/cgt-rt-$CGID*" -o -path "*/cgt-grp-$CGID*" -o -path "*/cgt-par-$CGID*" \) -exec rmdir {} \; 2>/dev/null || true
  done
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
}

# cg_create ARGS...: create through the API; the handle goes to $STATE.
cg_create() {
  "$CGTOOL" create "$@" >"$STATE" 2>"$TMP/create.err" || {
    cat "$TMP/create.err" >&2
    return 1
  }
}

# Mount points of the host's hierarchies, as the API detects them.
cg_mounts() {
  "$CGTOOL" detect | awk 'NR > 1 {print $2}'
}

# cg_dir [CONTROLLER]: this test's cgroup directory serving CONTROLLER (v1 first, then
# cgroup2), or the cgroup2 one without an argument. Empty when unavailable.
cg_dir() {
  local want=${1:-} mount
  mount=$("$CGTOOL" detect | awk -v c="$want" '
    NR == 1 { next }
    c == "" && $1 == "v2" { print $2; exit }
    c != "" { n = split($3, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { if ($1 == "v1") { print $2; exit } v2 = $2 } }
    END { if (v2 != "") print v2 }' | head -1)
  [ -n "$mount" ] && echo "$mount/bolt/$CGID"
  return 0
}

cg_need() {
  [ -n "$(cg_dir "$1")" ] || skip "no $1 controller in this host's cgroup layout"
}

# cg_wait_pids N: wait (up to 5 s) until at least N processes are in the cgroup.
cg_wait_pids() {
  local i
  for i in $(seq 100); do
    [ "$("$CGTOOL" pids --state "$STATE" | wc -l)" -ge "$1" ] && return 0
    sleep 0.05
  done
  echo "cgroup never had $1 processes" >&2
  return 1
}

cg_v2_private_mount() {
  command -v unshare >/dev/null || skip "unshare missing"
  grep -qw cgroup2 /proc/filesystems || skip "kernel without cgroup2"
  mkdir -p "$TMP/cg2"
}
