# SPDX-License-Identifier: Apache-2.0
# Helpers for runtime*.bats and podman*.bats: a temp bundle whose rootfs holds the static
# tests/helpers/bolt-test-init as /init (plus busybox for shell hooks), its own nvbind
# state root, and jq edits of config.json.

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}
NVBIND=${NVBIND:-${BOLT_BUILD:-$BOLT_TOP/build}/src/cli/nvbind}
TEST_INIT=${BOLT_TEST_INIT:-$(dirname "$NVBIND")/../../tests/helpers/bolt-test-init}

rt_need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    [ -n "${BOLT_TEST_MUST_RUN:-}" ] && { echo "runtime tests need root" >&2; return 1; }
    skip "runtime tests need root"
  fi
}

# rt_setup: $TMP, $BUNDLE (config.json from `nvbind spec`, args ["/init","true"]), $STATE.
rt_setup() {
  rt_need_root
  [ -x "$NVBIND" ] || { echo "nvbind not built: $NVBIND" >&2; return 1; }
  [ -x "$TEST_INIT" ] || { echo "bolt-test-init not built: $TEST_INIT" >&2; return 1; }
  TMP=$(mktemp -d /tmp/bolt-rttest.XXXXXX)
  BUNDLE=$TMP/bundle
  STATE=$TMP/state
  CID="rt-$BATS_TEST_NUMBER-$$"
  mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc}
  cp "$TEST_INIT" "$BUNDLE/rootfs/init"
  if [ -x /bin/busybox ]; then
    cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
    for a in sh cat echo ls mkdir sleep; do ln -s busybox "$BUNDLE/rootfs/bin/$a"; done
  fi
  echo "root:x:0:0:root:/:/bin/sh" >"$BUNDLE/rootfs/etc/passwd"
  (cd "$BUNDLE" && "$NVBIND" spec) || return 1
  cfg '.process.args = ["/init", "true"]'
}

rt_teardown() {
  local id
  if [ -n "${STATE:-}" ] && [ -d "$STATE" ]; then
    for id in $("$NVBIND" --root "$STATE" list -q 2>/dev/null); do
      "$NVBIND" --root "$STATE" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  # a failed test may leave a bind mount under the bundle: never rm -rf through it
  if [ -n "${TMP:-}" ]; then
    grep -q " $TMP" /proc/self/mountinfo && awk -v t="$TMP" '$5 ~ "^"t {print $5}' \
      /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
    rm -rf "$TMP"
  fi
}

# cfg JQ-FILTER: edit the bundle's config.json in place.
cfg() {
  local f=$BUNDLE/config.json
  jq "$@" "$f" >"$f.new" && mv "$f.new" "$f"
}

# args A B C...: set process.args.
args() {
  local j
  j=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  cfg --argjson a "$j" '.process.args = $a'
}

# nvb ARGS: nvbind with this test's state root, run from the bundle.
nvb() {
  (cd "$BUNDLE" && "$NVBIND" --root "$STATE" "$@")
}

# The cgroup directories a container id may have left, in every hierarchy.
leftover_cgroups() {
  find /sys/fs/cgroup -maxdepth 3 -type d -name "$1" 2>/dev/null
}

# Nothing of container $1 may remain: state, cgroups, mounts of the bundle.
assert_nothing_left() {
  [ ! -e "$STATE/$1" ] || { echo "state left: $STATE/$1" >&2; return 1; }
  [ -z "$(leftover_cgroups "$1")" ] || { echo "cgroups left: $(leftover_cgroups "$1")" >&2; return 1; }
  ! grep -q " $BUNDLE" /proc/self/mountinfo || { echo "mounts left" >&2; return 1; }
}

# wait_status ID STATUS: poll `nvbind state` until it reports STATUS (5 s).
wait_status() {
  local i
  for i in $(seq 50); do
    [ "$(nvb state "$1" 2>/dev/null | jq -r .status)" = "$2" ] && return 0
    sleep 0.1
  done
  echo "container $1 never reached $2 (now: $(nvb state "$1" 2>&1))" >&2
  return 1
}

# ncreate [FLAGS] ID: `nvbind create` with the container's stdio on $TMP/ctr.out. A created
# container keeps the stdio it was given open, which would hold bats' output capture.
ncreate() {
  nvb create "$@" </dev/null >>"$TMP/ctr.out" 2>&1 || { cat "$TMP/ctr.out" >&2; return 1; }
}
