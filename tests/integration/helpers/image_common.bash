# SPDX-License-Identifier: Apache-2.0
# Common setup for image*.bats: binaries, per-test state, test image layouts (built once per file).

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)}
BOLT=${BOLT:-$BOLT_TOP/build/src/cli/bolt}
HELPERS="$BOLT_TOP/tests/integration/helpers"
MKOCI="python3 $HELPERS/mkoci.py"
source "$HELPERS/images.bash"
source "$HELPERS/registry.bash"

# Layouts shared by a file's tests live in $BATS_FILE_TMPDIR/layouts.
build_test_layouts() {
    local L=$BATS_FILE_TMPDIR/layouts
    mkdir -p "$L"
    # busybox, one gzip layer
    images_busybox_rootfs "$L/bb-rootfs"
    $MKOCI image "$L/busybox" --tag latest --cmd /bin/sh --label org.test=busybox \
        --layer "$L/bb-rootfs" >/dev/null
    # a glibc image from host files (zstd layers): libs, binaries (cat setuid), then a layer
    # that deletes a file (whiteout) and replaces a directory (opaque)
    local g=$L/glibc-src
    mkdir -p "$g/l1/usr/lib/x86_64-linux-gnu" "$g/l1/usr/lib64" "$g/l1/etc/gone" "$g/l2/usr/bin" \
        "$g/l3/etc/gone"
    ln -s usr/lib "$g/l1/lib"; ln -s usr/lib64 "$g/l1/lib64"; ln -s usr/bin "$g/l1/bin"
    local lib
    for lib in $(ldd /usr/bin/ls /usr/bin/cat | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
        case $lib in
        */ld-linux-x86-64.so.2) cp -L "$lib" "$g/l1/usr/lib64/" ;;
        *) cp -L "$lib" "$g/l1/usr/lib/x86_64-linux-gnu/" ;;
        esac
    done
    echo "remove me" >"$g/l1/etc/removeme"
    echo old >"$g/l1/etc/gone/old"
    cp /usr/bin/ls /usr/bin/cat "$g/l2/usr/bin/"
    chmod 4755 "$g/l2/usr/bin/cat"
    echo new >"$g/l3/etc/gone/new"
    local t=$BATS_FILE_TMPDIR/l3.tar
    python3 - "$g/l3" "$t" <<'PY'
import sys, tarfile, io
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
    tf.add(src + "/etc", arcname="etc", recursive=False)
    tf.add(src + "/etc/gone", arcname="etc/gone", recursive=False)
    for name in ("etc/.wh.removeme", "etc/gone/.wh..wh..opq"):
        ti = tarfile.TarInfo(name); ti.size = 0; tf.addfile(ti, io.BytesIO(b""))
    tf.add(src + "/etc/gone/new", arcname="etc/gone/new")
PY
    $MKOCI image "$L/glibc" --compress zstd --cmd /usr/bin/ls / --layer "$g/l1" \
        --layer "$g/l2" --layer "$t" >/dev/null
    $MKOCI image "$L/plain" --compress none --cmd /bin/sh --layer "$L/bb-rootfs" >/dev/null
    # multi-platform: the same busybox as amd64 and arm64 (different configs)
    $MKOCI image "$L/bb-amd64" --arch amd64 --label arch=amd64 --layer "$L/bb-rootfs" >/dev/null
    $MKOCI image "$L/bb-arm64" --arch arm64 --variant v8 --label arch=arm64 \
        --layer "$L/bb-rootfs" >/dev/null
    $MKOCI index "$L/multi" "$L/bb-amd64" "$L/bb-arm64" >/dev/null
    # a 6 MB incompressible layer (slow pulls, full disk)
    mkdir -p "$L/big-rootfs"
    head -c 6000000 /dev/urandom >"$L/big-rootfs/blob"
    $MKOCI image "$L/big" --layer "$L/big-rootfs" >/dev/null
}

image_setup() {
    ROOT=$(mktemp -d /tmp/bolt-image-test.XXXXXX)
    export HOME=$ROOT/home
    mkdir -p "$HOME"
    unset BOLT_AUTH_FILE REGISTRY_AUTH_FILE
}

image_teardown() {
    [ -n "${ROOT:-}" ] && { umount -R "$ROOT/mnt" 2>/dev/null || true; umount "$ROOT/tiny" 2>/dev/null || true; rm -rf "$ROOT"; }
}

# Run bolt with this test's root.
b() {
    "$BOLT" --root "$ROOT/store" "$@"
}

# The store must have no temporary leftovers and every blob must match its name.
store_consistent() {
    local s=${1:-$ROOT/store}/image f
    [ -z "$(ls -A "$s/tmp" 2>/dev/null)" ] || { echo "leftovers in $s/tmp: $(ls "$s/tmp")"; return 1; }
    for f in "$s"/blobs/sha256/*; do
        [ -e "$f" ] || continue
        [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || { echo "bad blob $f"; return 1; }
    done
}
