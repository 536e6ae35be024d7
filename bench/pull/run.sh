#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/pull: pull + unpack of a ~200 MB image (5 gzip layers of host files) from a local
# docker-registry, bolt vs `skopeo copy` to an OCI dir + `umoci unpack`, in the same run;
# then unpack alone: bolt (re-unpacking the stored layers) vs GNU tar extracting the same
# layer blobs. Prints medians of N runs and the ratios. Needs root.
#   BOLT=path/to/bolt N=3 bench/pull/run.sh
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BOLT=${BOLT:-$TOP/build/src/cli/bolt}
N=${N:-3}
source "$TOP/tests/integration/helpers/registry.bash"
W=$(mktemp -d /tmp/bolt-bench-pull.XXXXXX)
trap 'registry_stop_all; rm -rf "$W"' EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Five layers of real files (~40 MB each uncompressed): libraries, docs, locales, python, gcc.
build_image() {
    local src=$W/src i=0 d
    mkdir -p "$src"
    for d in /usr/lib/x86_64-linux-gnu /usr/share/doc /usr/share/locale /usr/lib/python3.11 /usr/lib/gcc; do
        i=$((i + 1))
        mkdir -p "$src/l$i"
        # the first ~40 MB of regular files under d (sorted), keeping their paths
        python3 - "$d" $((40 * 1024 * 1024)) >"$W/list$i" <<'PY'
import os, sys
top, limit, total = sys.argv[1], int(sys.argv[2]), 0
for root, dirs, files in os.walk(top):
    dirs.sort()
    for f in sorted(files):
        p = os.path.join(root, f)
        if not os.path.isfile(p) or os.path.islink(p):
            continue
        total += os.path.getsize(p)
        if total > limit:
            sys.exit(0)
        print(p[1:])
PY
        tar -C / -cf - -T "$W/list$i" | tar -C "$src/l$i" -xf -
    done
    python3 "$TOP/tests/integration/helpers/mkoci.py" image "$W/layout" --compress gzip \
        --layer "$src/l1" --layer "$src/l2" --layer "$src/l3" --layer "$src/l4" --layer "$src/l5" >/dev/null
    rm -rf "$src"
}

echo "building the test image ..."
build_image
registry_start "$W/reg"
registry_push "$W/layout" "$REG/bench/img:1"
size=$(du -sb "$W/reg/data" | cut -f1)
unc=$(python3 - "$W/layout" <<'PY'
import json, os, sys
l = sys.argv[1]
idx = json.load(open(os.path.join(l, "index.json")))
m = json.load(open(os.path.join(l, "blobs/sha256", idx["manifests"][0]["digest"][7:])))
c = json.load(open(os.path.join(l, "blobs/sha256", m["config"]["digest"][7:])))
print(len(m["layers"]), sum(x["size"] for x in m["layers"]))
PY
)
echo "image: $REG/bench/img:1, layers and compressed bytes: $unc (registry dir $size bytes)"

bolt_times=() peer_times=() bunpack=() tunpack=()
for i in $(seq 1 "$N"); do
    sync
    t0=$(now)
    "$BOLT" --root "$W/b$i" pull -q "$REG/bench/img:1" >/dev/null
    t1=$(now)
    bolt_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")

    sync
    t0=$(now)
    skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG/bench/img:1" "oci:$W/p$i:img"
    umoci unpack --image "$W/p$i:img" "$W/p$i-bundle" >/dev/null 2>&1
    t1=$(now)
    peer_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    rm -rf "$W/p$i" "$W/p$i-bundle"

    # unpack alone: bolt re-unpacks every layer of the stored image (image inspect repairs
    # missing layers) vs GNU tar on the same blobs, one after the other
    rm -rf "$W/b$i/image/layers/"*
    sync
    t0=$(now)
    "$BOLT" --root "$W/b$i" image inspect "$REG/bench/img:1" >/dev/null
    t1=$(now)
    bunpack+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    man=$("$BOLT" --root "$W/b$i" image inspect "$REG/bench/img:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Manifest"][7:])')
    mkdir -p "$W/tar$i"
    sync
    t0=$(now)
    for dg in $(python3 -c 'import json,sys; print(" ".join(l["digest"][7:] for l in json.load(open(sys.argv[1]))["layers"]))' "$W/b$i/image/blobs/sha256/$man"); do
        mkdir "$W/tar$i/$dg"
        tar -C "$W/tar$i/$dg" --numeric-owner -xzf "$W/b$i/image/blobs/sha256/$dg"
    done
    t1=$(now)
    tunpack+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    rm -rf "$W/b$i" "$W/tar$i"
done

b=$(printf '%s\n' "${bolt_times[@]}" | median)
p=$(printf '%s\n' "${peer_times[@]}" | median)
bu=$(printf '%s\n' "${bunpack[@]}" | median)
tu=$(printf '%s\n' "${tunpack[@]}" | median)
printf 'pull+unpack  bolt: %.3f s   skopeo copy + umoci unpack: %.3f s   ratio bolt/peer: %.2f (target <= 0.70)\n' \
    "$b" "$p" "$(awk -v a="$b" -v b="$p" 'BEGIN {print a / b}')"
printf 'unpack only  bolt: %.3f s   GNU tar -xzf:               %.3f s   ratio bolt/tar:  %.2f (target <= 1.00)\n' \
    "$bu" "$tu" "$(awk -v a="$bu" -v b="$tu" 'BEGIN {print a / b}')"
echo "runs: bolt ${bolt_times[*]} | peer ${peer_times[*]} | bolt-unpack ${bunpack[*]} | tar ${tunpack[*]}"
