#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TOML parsing speed: bolt's parser (through toml-decode: read + parse + print tagged JSON)
# against Python's tomllib (parse only, timed inside the interpreter), on the same
# generated 1 MB document (2000 [[servers]] tables with nested tables, dates, multi-line
# strings, plus 50000 plain keys). Prints best-of-5 CPU times and the ratio.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DECODE=${TOML_DECODE:-$TOP/build/tests/helpers/toml-decode}
[ -x "$DECODE" ] || { echo "bench/toml_parse.sh: build first (no $DECODE)" >&2; exit 1; }
DOC=$(mktemp /tmp/bolt-toml-bench.XXXXXX)
trap 'rm -f "$DOC"' EXIT
python3 - "$DOC" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for t in range(2000):
        f.write(f'[[servers]]\nname = "srv-{t}"\nip = "10.0.{t % 256}.{t % 200}"\n'
                f'ports = [8000, 8001, 8002]\nenabled = true\nweight = 0.{t}\n'
                f'created = 1979-05-27T07:32:00Z\n[servers.meta]\nowner = "team {t}"\n'
                f'notes = """\nmulti\nline {t}\n"""\n')
    for i in range(50000):
        f.write(f"k{i} = {i}\n")
PY
bolt_ms=$(python3 - "$DECODE" "$DOC" <<'PY'
import resource, subprocess, sys
best = None
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(sys.argv[2], "rb") as doc:
        subprocess.run([sys.argv[1]], stdin=doc, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    best = cpu if best is None else min(best, cpu)
print(f"{best * 1000:.1f}")
PY
)
py_ms=$(python3 - "$DOC" <<'PY'
import sys, time, tomllib
text = open(sys.argv[1], encoding="utf-8").read()
best = None
for _ in range(5):
    t = time.process_time()
    tomllib.loads(text)
    cpu = time.process_time() - t
    best = cpu if best is None else min(best, cpu)
print(f"{best * 1000:.1f}")
PY
)
echo "document: $(wc -c <"$DOC") bytes"
echo "bolt toml-decode (parse + JSON output): ${bolt_ms} ms CPU"
echo "python3 tomllib (parse only):           ${py_ms} ms CPU"
python3 -c "print(f'ratio: bolt is {float($py_ms) / max(float($bolt_ms), 0.1):.1f}x faster')"
