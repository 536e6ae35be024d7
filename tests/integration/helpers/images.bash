# SPDX-License-Identifier: Apache-2.0
# Shared helpers: test images without a registry.
#
#   images_busybox_rootfs DIR        a busybox-static rootfs (applets as symlinks) in DIR
#   images_load_busybox ROOT [NAME]  build a busybox OCI archive (cached per test run) and
#                                    `bolt --root ROOT load -i` it as NAME
#                                    (default localhost/busybox:latest); prints the image ID
#
# Needs BOLT (the bolt binary) and busybox-static (/bin/busybox).

IMAGES_HELPERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

images_busybox_rootfs() {
    local dir=$1 bb
    bb=$(command -v busybox) || { echo "busybox-static is not installed" >&2; return 1; }
    mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/root"
    chmod 1777 "$dir/tmp"
    cp "$bb" "$dir/bin/busybox"
    for a in sh ls cat echo id env sleep true false mkdir rm ps hostname wc head grep stat touch \
             chmod chown ln readlink mount uname date sed; do
        ln -sf busybox "$dir/bin/$a"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

# Builds the archive once per directory ${BATS_RUN_TMPDIR:-/tmp}; prints its path.
images_busybox_archive() {
    local name=${1:-localhost/busybox:latest}
    local cache=${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/bolt-busybox-oci
    local key
    key=$(echo "$name" | tr '/:@' '___')
    if [ ! -f "$cache/$key.tar" ]; then
        rm -rf "$cache/$key.d"
        mkdir -p "$cache/$key.d"
        images_busybox_rootfs "$cache/$key.d/rootfs" >&2 || return 1
        python3 "$IMAGES_HELPERS_DIR/mkoci.py" image "$cache/$key.d/layout" --tag "${name##*:}" \
            --cmd /bin/sh --layer "$cache/$key.d/rootfs" >/dev/null || return 1
        python3 "$IMAGES_HELPERS_DIR/mkoci.py" archive "$cache/$key.d/layout" "$cache/$key.tar.tmp" \
            --name "$name" || return 1
        mv "$cache/$key.tar.tmp" "$cache/$key.tar"
    fi
    echo "$cache/$key.tar"
}

images_load_busybox() {
    local root=$1 name=${2:-localhost/busybox:latest} archive
    archive=$(images_busybox_archive "$name") || return 1
    "${BOLT:?BOLT is not set}" --root "$root" load -q -i "$archive" >&2 || return 1
    "$BOLT" --root "$root" image inspect "$name" | jq -r '.[0].Id'
}
