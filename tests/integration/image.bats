#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Image commands without a registry: load (OCI + docker-save), import, save, tag, rmi with
# container refs, image prune, malicious layers, truncated archives.

load helpers/image_common

setup_file() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    build_test_layouts
}

setup() {
    image_setup
    L=$BATS_FILE_TMPDIR/layouts
}

teardown() {
    image_teardown
}

# mal_archive OUT KIND: an OCI archive whose only layer is a crafted tar (python tarfile).
mal_archive() {
    local out=$1 kind=$2 d=$ROOT/mal-$2
    mkdir -p "$d"
    python3 - "$d/layer.tar" "$kind" "$ROOT" <<'PY'
import io, sys, tarfile
out, kind, root = sys.argv[1], sys.argv[2], sys.argv[3]
def f(tf, name, data=b"pwned\n", **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    for k, v in kw.items(): setattr(ti, k, v)
    tf.addfile(ti, io.BytesIO(data))
def link(tf, name, target, kind):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; tf.addfile(ti)
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tf:
    if kind == "dotdot":
        f(tf, "ok")
        f(tf, "../../../../../../.." + root + "/escaped")
    elif kind == "symlink":
        link(tf, "evil", root, tarfile.SYMTYPE)
        f(tf, "evil/escaped")
    elif kind == "symlink-rel":
        link(tf, "up", "../../../../../../../../..", tarfile.SYMTYPE)
        f(tf, "up" + root + "/escaped")
    elif kind == "hardlink":
        link(tf, "h", root + "/victim", tarfile.LNKTYPE)
    elif kind == "hardlink-dotdot":
        link(tf, "h", "../../../../../../.." + root + "/victim", tarfile.LNKTYPE)
    elif kind == "absolute":
        f(tf, root + "/escaped")
PY
    python3 "$HELPERS/mkoci.py" image "$d/layout" --compress gzip --layer "$d/layer.tar" >/dev/null
    python3 "$HELPERS/mkoci.py" archive "$d/layout" "$out" --name "localhost/mal:$kind"
}

@test "images.bash helper: busybox loaded without a registry, runnable" {
    id=$(images_load_busybox "$ROOT/store")
    [[ $id =~ ^sha256: ]]
    run b images --format json
    [ "$(echo "$output" | jq -r '.[0].Names[0]')" = localhost/busybox:latest ]
    dir=$(b image inspect localhost/busybox | jq -r '.[0].LowerDirs[0]')
    [ "$(chroot "$dir" /bin/busybox echo ok)" = ok ]
}

@test "load an OCI archive, save it, load the saved archive elsewhere: same image" {
    python3 "$HELPERS/mkoci.py" archive "$L/glibc" "$ROOT/g.tar" --name example.com/g:1
    run b load -i "$ROOT/g.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: example.com/g:1" ]
    id=$(b image inspect example.com/g:1 | jq -r '.[0].Id')
    run b save -o "$ROOT/saved.tar" example.com/g:1
    [ "$status" -eq 0 ]
    tar -tf "$ROOT/saved.tar" | grep -qx oci-layout
    run "$BOLT" --root "$ROOT/other" load -i "$ROOT/saved.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: example.com/g:1" ]
    [ "$("$BOLT" --root "$ROOT/other" image inspect example.com/g:1 | jq -r '.[0].Id')" = "$id" ]
    # save to stdout and load from stdin
    b save example.com/g:1 | "$BOLT" --root "$ROOT/third" load -q
    [ "$("$BOLT" --root "$ROOT/third" images -q)" = "${id:7:12}" ]
    run store_consistent
    [ "$status" -eq 0 ]
}

@test "load a docker-save archive (manifest.json, uncompressed layer.tar, RepoTags)" {
    d=$ROOT/ds
    mkdir -p "$d/abc"
    tar --numeric-owner -C "$L/bb-rootfs" -cf "$d/abc/layer.tar" .
    diffid=sha256:$(sha256sum "$d/abc/layer.tar" | cut -d' ' -f1)
    printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$diffid" >"$d/cfg.json"
    printf '[{"Config":"cfg.json","RepoTags":["dsave:1","docker.io/library/dsave:2"],"Layers":["abc/layer.tar"]}]' >"$d/manifest.json"
    tar -C "$d" -cf "$ROOT/ds.tar" manifest.json cfg.json abc
    run b load -i "$ROOT/ds.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: docker.io/library/dsave:1" ]
    run b images
    [[ $output == *"dsave "*"1 "* ]]
    [[ $output == *"dsave "*"2 "* ]]
    id=$(b image inspect dsave:2 | jq -r .[0].Id)
    [ "$id" = "sha256:$(sha256sum "$d/cfg.json" | cut -d' ' -f1)" ]
    dir=$(b image inspect dsave:1 | jq -r '.[0].LowerDirs[0]')
    [ -x "$dir/bin/busybox" ]
}

@test "import a rootfs tarball from a file and from stdin" {
    tar --numeric-owner -C "$L/bb-rootfs" -czf "$ROOT/rootfs.tgz" .
    run b import "$ROOT/rootfs.tgz" myroot:1 /bin/sh -c "echo hi"
    [ "$status" -eq 0 ]
    id=$output
    run b image inspect myroot:1
    [ "$(echo "$output" | jq -r '.[0].Config.Cmd | join(" ")')" = "/bin/sh -c echo hi" ]
    [ "$(echo "$output" | jq -r '.[0].RootFS.diff_ids | length')" -eq 1 ]
    tar --numeric-owner -C "$L/bb-rootfs" -cf - . | b import - myroot:2
    [ "$(b image inspect myroot:2 | jq -r '.[0].RootFS.diff_ids[0]')" = "$(b image inspect myroot:1 | jq -r '.[0].RootFS.diff_ids[0]')" ]
    run b import "$ROOT/missing.tar" x:1
    [ "$status" -eq 125 ]
    [[ $output == *"cannot read '$ROOT/missing.tar'"* ]]
    echo "not a tar" >"$ROOT/junk"
    run b import "$ROOT/junk" x:1
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    run store_consistent
    [ "$status" -eq 0 ]
}

@test "malicious layers: '..', absolute paths, symlink and hardlink escapes touch nothing outside" {
    echo original >"$ROOT/victim"
    for kind in dotdot symlink symlink-rel hardlink hardlink-dotdot absolute; do
        mal_archive "$ROOT/mal-$kind.tar" "$kind"
        run b load -q -i "$ROOT/mal-$kind.tar"
        echo "$kind: $status $output"
        [ ! -e "$ROOT/escaped" ]
        [ "$(cat "$ROOT/victim")" = original ]
        [ "$(stat -c %h "$ROOT/victim")" -eq 1 ]
        case $kind in
        dotdot) [ "$status" -eq 125 ]; [[ $output == *"contains '..'"*"refused"* ]] ;;
        hardlink-dotdot) [ "$status" -eq 125 ]; [[ $output == *"outside the layer"* ]] ;;
        symlink) [ "$status" -eq 125 ] ;;   # the target does not exist inside the layer
        hardlink) [ "$status" -eq 125 ] ;;  # ditto
        symlink-rel | absolute)
            # confined: the file lands inside the layer
            [ "$status" -eq 0 ]
            dir=$(b image inspect "localhost/mal:$kind" | jq -r '.[0].LowerDirs[0]')
            [ -f "$dir$ROOT/escaped" ] ;;
        esac
        run store_consistent
        [ "$status" -eq 0 ]
    done
}

@test "truncated and bogus archives: one clear line, store consistent" {
    python3 "$HELPERS/mkoci.py" archive "$L/big" "$ROOT/big.tar"
    head -c 3000000 "$ROOT/big.tar" >"$ROOT/trunc.tar"
    run b load -i "$ROOT/trunc.tar"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"load '$ROOT/trunc.tar'"*"truncated"* ]]
    echo '{}' >"$ROOT/x.json"
    tar -C "$ROOT" -cf "$ROOT/bogus.tar" x.json
    run b load -i "$ROOT/bogus.tar"
    [ "$status" -eq 125 ]
    [[ $output == *"neither a docker-save archive"* ]]
    run b load -i "$ROOT/nope.tar"
    [ "$status" -eq 125 ]
    [[ $output == *"cannot read '$ROOT/nope.tar'"* ]]
    run store_consistent
    [ "$status" -eq 0 ]
    [ -z "$(ls "$ROOT/store/image/layers")" ]
}

@test "tag and rmi: a second name is only untagged, the last name deletes the image" {
    images_load_busybox "$ROOT/store" >/dev/null
    run b tag localhost/busybox:latest other/name:2
    [ "$status" -eq 0 ]
    run b rmi other/name:2
    [ "$status" -eq 0 ]
    [ "$output" = "Untagged: docker.io/other/name:2" ]
    [ -n "$(ls "$ROOT/store/image/layers")" ]
    run b rmi localhost/busybox
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "Untagged: localhost/busybox:latest" ]]
    [[ ${lines[1]} == "Deleted: sha256:"* ]]
    [ -z "$(ls "$ROOT/store/image/layers")" ]
    [ -z "$(ls "$ROOT/store/image/blobs/sha256")" ]
    run b rmi localhost/busybox
    [ "$status" -eq 125 ]
    [[ $output == *"not found in the store"* ]]
    run b tag nothere x:1
    [ "$status" -eq 125 ]
    run b tag
    [ "$status" -eq 2 ]
}

@test "rmi refuses an image a container uses unless -f; stale refs are ignored" {
    id=$(images_load_busybox "$ROOT/store")
    hex=${id#sha256:}
    # what bolt_image_mark_used does for the engine
    mkdir -p "$ROOT/store/containers/c1" "$ROOT/store/image/refs/$hex"
    touch "$ROOT/store/image/refs/$hex/c1"
    run b rmi localhost/busybox
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"is used by container(s) c1"*"rmi -f"* ]]
    run b images --format json
    [ "$(echo "$output" | jq -r '.[0].Containers')" -eq 1 ]
    # a container known only by its config.json counts too
    rm "$ROOT/store/image/refs/$hex/c1"
    printf '{"image":"%s"}' "$id" >"$ROOT/store/containers/c1/config.json"
    run b rmi "${hex:0:12}"
    [ "$status" -eq 125 ]
    [[ $output == *"c1"* ]]
    # -f: untagged, content kept while the container exists
    run b rmi -f localhost/busybox
    [ "$status" -eq 0 ]
    [ "$output" = "Untagged: localhost/busybox:latest" ]
    [ -n "$(ls "$ROOT/store/image/layers")" ]
    run b image prune
    [ "$status" -eq 0 ]
    [ -n "$(ls "$ROOT/store/image/layers")" ]
    # the container goes away: a stale ref no longer protects the image
    mkdir -p "$ROOT/store/image/refs/$hex" && touch "$ROOT/store/image/refs/$hex/gone"
    rm -rf "$ROOT/store/containers/c1"
    run b image prune
    [ "$status" -eq 0 ]
    [[ $output == *"Deleted: $id"* ]]
    [[ $output == *"Total reclaimed space: "* ]]
    [ -z "$(ls "$ROOT/store/image/layers")" ]
}

@test "image prune -a removes unused named images; images -q/--format; usage errors" {
    images_load_busybox "$ROOT/store" >/dev/null
    run b images -q
    [ "${#lines[@]}" -eq 1 ]
    run b image prune
    [ "$status" -eq 0 ]
    [ "$(b images -q | wc -l)" -eq 1 ]
    run b image prune -a
    [[ $output == *"Deleted: sha256:"* ]]
    [ "$(b images -q | wc -l)" -eq 0 ]
    run b images --format yaml
    [ "$status" -eq 2 ]
    [[ $output == *"--format: expected 'table' or 'json', got 'yaml'"* ]]
    run b pull
    [ "$status" -eq 2 ]
    run b image bogus
    [ "$status" -eq 2 ]
}

@test "a layer removed behind the store's back is unpacked again on use" {
    images_load_busybox "$ROOT/store" >/dev/null
    rm -rf "$ROOT/store/image/layers/"*
    dir=$(b image inspect localhost/busybox | jq -r '.[0].LowerDirs[0]')
    [ -x "$dir/bin/busybox" ]
    # a corrupt blob is detected and reported
    cfg=$(b image inspect localhost/busybox | jq -r '.[0].Id')
    echo garbage >>"$ROOT/store/image/blobs/sha256/${cfg#sha256:}"
    run b image inspect localhost/busybox
    [ "$status" -eq 125 ]
    [[ $output == *"corrupt"* ]]
}
