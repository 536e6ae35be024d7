#!/usr/bin/env bash
# Builds bolt and runs every test: unit (cmocka), fuzz-corpus replays, the TOML
# conformance corpus and the integration suites (bats, as root). Ends with one line
# "N passed, M failed", which is what CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
tools/deps.sh
tools/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

export BOLT="$TOP/build/src/cli/bolt" NVBIND="$TOP/build/src/cli/nvbind" BOLT_TOP="$TOP"
export BOLT_BUILD="$TOP/build"
LOG=$(mktemp -d /tmp/bolt-tests.XXXXXX)
pass=0 fail=0 skip=0

# count_tap NAME FILE: add a TAP stream's results to the totals, print the failures.
count_tap() {
  local name=$1 file=$2 p f s
  p=$(grep -cE '^ok ' "$file" || true)
  s=$(grep -cE '^ok .*# (skip|SKIP)' "$file" || true)
  f=$(grep -cE '^not ok ' "$file" || true)
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  printf '%-40s %4d passed %4d failed %3d skipped\n' "$name" "$p" "$f" "$s"
  # each failure with the first lines of what the test printed (bats puts it after the
  # "not ok" line as "# ..."), so a CI summary alone says why
  awk '/^not ok /{n=0; print "    " $0; show=1; next}
       /^(ok|not ok) /{show=0}
       show && /^#/ && n < 25 {print "      " $0; n++}' "$file" || true
  grep -E '^ok .*# (skip|SKIP)' "$file" | sed 's/^/    /' || true
}

# Unit tests and fuzz replays: every test binary meson knows.
for exe in build/tests/test_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  n=$(basename "$exe")
  CMOCKA_MESSAGE_OUTPUT=TAP "$exe" >"$LOG/$n.tap" 2>&1
  rc=$?
  if [ $rc -ne 0 ] && ! grep -q '^not ok' "$LOG/$n.tap"; then echo "not ok - $n exited $rc" >>"$LOG/$n.tap"; fi
  count_tap "unit/$n" "$LOG/$n.tap"
done
for exe in build/tests/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  n=$(basename "$exe" | sed 's/^fuzz_//')
  corpus="tests/fuzz/corpus/$n"
  [ -d "$corpus" ] || continue
  extra=()
  [ "$n" = toml ] && extra=(tests/conformance/toml-test)
  if "$exe" "$corpus" "${extra[@]}" >"$LOG/fuzz-$n.tap" 2>&1; then
    echo "ok - fuzz corpus $n replays cleanly" >"$LOG/fuzz-$n.sum"
  else
    echo "not ok - fuzz corpus $n crashed: $(tail -3 "$LOG/fuzz-$n.tap" | tr '\n' ' ')" >"$LOG/fuzz-$n.sum"
  fi
  count_tap "fuzz/$n" "$LOG/fuzz-$n.sum"
done

# TOML conformance (toml-test corpus), when the decoder is built.
if [ -x build/tests/helpers/toml-decode ]; then
  # The shared tool (with its own corpus) when present, else ours with the vendored corpus.
  CONF=(tests/conformance/toml-conformance build/tests/helpers/toml-decode tests/conformance/toml-test)
  [ -x ../shared/tools/toml-conformance ] && CONF=(../shared/tools/toml-conformance build/tests/helpers/toml-decode)
  if [ -x "${CONF[0]}" ]; then
    "${CONF[@]}" >"$LOG/toml.txt" 2>&1
    line=$(tail -1 "$LOG/toml.txt")
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
    printf '%-40s %4d passed %4d failed\n' "toml-test conformance" "${p:-0}" "${f:-1}"
    grep '^FAIL' "$LOG/toml.txt" | head -20 | sed 's/^/    /'
  fi
fi

# Integration tests (bats, real binaries, as root). BOLT_TEST_FILTER selects files.
for t in tests/integration/${BOLT_TEST_FILTER:-*}.bats; do
  [ -f "$t" ] || continue
  n=$(basename "$t" .bats)
  timeout 1200 bats --tap "$t" >"$LOG/$n.tap" 2>&1
  rc=$?
  if [ $rc -ne 0 ] && ! grep -q '^not ok' "$LOG/$n.tap"; then echo "not ok - $n.bats exited $rc" >>"$LOG/$n.tap"; fi
  count_tap "integration/$n" "$LOG/$n.tap"
done

echo "logs: $LOG"
[ $skip -gt 0 ] && echo "($skip of the passed tests were skipped; see above for the reasons)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
