# SPDX-License-Identifier: Apache-2.0
# Shared set-up for the Boltfile / surge tests: the bolt binary, a private state dir and
# a scratch project directory (the cwd of each test).

BOLT_TOP=${BOLT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
BOLT=${BOLT:-$BOLT_TOP/build/src/cli/bolt}
BF_FIXTURES=$BOLT_TOP/tests/fixtures/boltfiles

bf_setup() {
  BF_TMP=$(mktemp -d /tmp/bolt-boltfile.XXXXXX)
  mkdir -p "$BF_TMP/root" "$BF_TMP/run" "$BF_TMP/proj"
  cd "$BF_TMP/proj" || return 1
}

bf_teardown() {
  cd / && rm -rf "$BF_TMP"
}

# bolt with this test's private state
bolt() {
  "$BOLT" --root "$BF_TMP/root" --runroot "$BF_TMP/run" "$@"
}

# Write stdin to ./Boltfile.toml
boltfile() {
  cat > Boltfile.toml
}
