#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# bolt pull against Debian's docker-registry on loopback (plain and htpasswd), with fakereg.py
# in front for token auth, server errors, resets, redirects, corrupt/truncated/slow blobs.

load helpers/image_common

setup_file() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    build_test_layouts
    local L=$BATS_FILE_TMPDIR/layouts
    registry_start "$BATS_FILE_TMPDIR/reg"
    echo "$REG" >"$BATS_FILE_TMPDIR/reg.addr"
    registry_push "$L/busybox" "$REG/test/busybox:latest"
    registry_push "$L/glibc" "$REG/test/glibc:1"
    registry_push "$L/plain" "$REG/test/plain:1"
    registry_push "$L/multi" "$REG/test/multi:1"
    registry_push "$L/big" "$REG/test/big:1"
    # docker media types: a schema 2 manifest and a manifest list
    skopeo --insecure-policy copy -q --dest-tls-verify=false --format v2s2 "oci:$L/busybox" \
        "docker://$REG/test/docker:1"
    skopeo --insecure-policy copy -q --all --dest-tls-verify=false --format v2s2 "oci:$L/multi" \
        "docker://$REG/test/docker-list:1"
    registry_start "$BATS_FILE_TMPDIR/regauth" alice:s3cret
    echo "$REG" >"$BATS_FILE_TMPDIR/regauth.addr"
    registry_push "$L/busybox" "$REG/private/busybox:latest" alice:s3cret
    echo "${REGISTRY_PIDS[*]}" >"$BATS_FILE_TMPDIR/pids"
}

teardown_file() {
    local p
    for p in $(cat "$BATS_FILE_TMPDIR/pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
}

setup() {
    image_setup
    REG=$(cat "$BATS_FILE_TMPDIR/reg.addr")
    REGAUTH=$(cat "$BATS_FILE_TMPDIR/regauth.addr")
}

teardown() {
    registry_stop_all
    image_teardown
}

@test "pull busybox: stored, listed, inspected, runnable from its layer" {
    run b pull "$REG/test/busybox"
    [ "$status" -eq 0 ]
    id=${lines[-1]}
    [[ $id =~ ^sha256:[0-9a-f]{64}$ ]]
    [[ $output == *"Pulled $REG/test/busybox:latest"* ]]
    run b images
    [ "$status" -eq 0 ]
    [[ ${lines[1]} == "$REG/test/busybox"*latest*"${id:7:12}"* ]]
    run b image inspect "$REG/test/busybox:latest"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r '.[0].Id')" = "$id" ]
    [ "$(echo "$output" | jq -r '.[0].Config.Cmd[0]')" = /bin/sh ]
    [ "$(echo "$output" | jq -r '.[0].Config.Labels["org.test"]')" = busybox ]
    dir=$(echo "$output" | jq -r '.[0].LowerDirs[0]')
    [ "$(chroot "$dir" /bin/sh -c 'echo hello from the image')" = "hello from the image" ]
    # by digest, into another store: same image, listed without a tag
    digest=$(echo "$output" | jq -r '.[0].RepoDigests[0]')
    [[ $digest == "$REG/test/busybox@sha256:"* ]]
    run "$BOLT" --root "$ROOT/s2" pull -q "$digest"
    [ "$status" -eq 0 ]
    [ "$output" = "$id" ]
    run "$BOLT" --root "$ROOT/s2" images
    [[ ${lines[1]} == "$REG/test/busybox "*"<none>"*"${id:7:12}"* ]]
    run "$BOLT" --root "$ROOT/s2" image inspect "$digest"
    [ "$status" -eq 0 ]
    run store_consistent
    [ "$status" -eq 0 ]
}

@test "pull a glibc image (zstd layers): overlay of the lowerdirs runs, whiteouts and opaque dirs apply" {
    run b pull -q "$REG/test/glibc:1"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    run b image inspect "$REG/test/glibc:1"
    lower=$(echo "$output" | jq -r '.[0].LowerDirs | join(":")')
    [ "$(echo "$output" | jq -r '.[0].LowerDirs | length')" -eq 3 ]
    top=$(echo "$output" | jq -r '.[0].LowerDirs[0]')
    [ "$(stat -c %t:%T "$top/etc/removeme")" = 0:0 ]
    [ "$(getfattr --only-values -n trusted.overlay.opaque "$top/etc/gone" 2>/dev/null || python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$top/etc/gone")" = y ]
    mkdir -p "$ROOT/mnt"
    mount -t overlay -o "lowerdir=$lower" none "$ROOT/mnt"
    run chroot "$ROOT/mnt" /usr/bin/ls /etc/gone
    [ "$status" -eq 0 ]
    [ "$output" = new ]
    [ ! -e "$ROOT/mnt/etc/removeme" ]
    [ "$(stat -c %a "$ROOT/mnt/usr/bin/cat")" = 4755 ]
    [ "$(chroot "$ROOT/mnt" /usr/bin/cat /etc/gone/new)" = new ]
    umount "$ROOT/mnt"
}

@test "pull uncompressed layers; layers shared by diffID between images" {
    run b pull -q "$REG/test/busybox"
    [ "$status" -eq 0 ]
    n=$(ls "$ROOT/store/image/layers" | wc -l)
    run b pull "$REG/test/plain:1"
    [ "$status" -eq 0 ]
    # same rootfs, different compression: the unpacked layer is shared
    [ "$(ls "$ROOT/store/image/layers" | wc -l)" -eq "$n" ]
    # pulling again downloads nothing
    run b pull "$REG/test/busybox"
    [ "$status" -eq 0 ]
    [[ $output == *": exists"* ]]
    [[ $output != *"downloading"* ]]
}

@test "docker schema 2 manifests and manifest lists" {
    curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REG/v2/test/docker/manifests/1" | jq -e '.mediaType == "application/vnd.docker.distribution.manifest.v2+json"'
    curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
        "http://$REG/v2/test/docker-list/manifests/1" | jq -e '.mediaType == "application/vnd.docker.distribution.manifest.list.v2+json"'
    run b pull -q "$REG/test/docker:1"
    [ "$status" -eq 0 ]
    dir=$(b image inspect "$REG/test/docker:1" | jq -r '.[0].LowerDirs[0]')
    [ -x "$dir/bin/busybox" ]
    run b pull -q --platform linux/arm64/v8 "$REG/test/docker-list:1"
    [ "$status" -eq 0 ]
    [ "$(b image inspect "$REG/test/docker-list:1" | jq -r '.[0].Config.Labels.arch')" = arm64 ]
    # save writes the docker manifest unchanged; it loads back with the same ID
    run b save -o "$ROOT/d.tar" "$REG/test/docker:1"
    [ "$status" -eq 0 ]
    run "$BOLT" --root "$ROOT/other" load -i "$ROOT/d.tar"
    [ "$status" -eq 0 ]
    [ "$("$BOLT" --root "$ROOT/other" image inspect "$REG/test/docker:1" | jq -r .[0].Id)" = \
      "$(b image inspect "$REG/test/docker:1" | jq -r .[0].Id)" ]
}

@test "multi-platform index: host platform by default, --platform picks another, unknown is refused" {
    run b pull -q "$REG/test/multi:1"
    [ "$status" -eq 0 ]
    [ "$(b image inspect "$REG/test/multi:1" | jq -r '.[0].Config.Labels.arch')" = amd64 ]
    run b pull -q --platform linux/arm64 "$REG/test/multi:1"
    [ "$status" -eq 0 ]
    [ "$(b image inspect "$REG/test/multi:1" | jq -r '.[0].Architecture')" = arm64 ]
    run b pull -q --platform linux/s390x "$REG/test/multi:1"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"no image for platform linux/s390x"*"linux/amd64, linux/arm64/v8"*"--platform"* ]]
    run b pull -q --platform bogus "$REG/test/multi:1"
    [ "$status" -eq 125 ]
    [[ $output == *"--platform 'bogus': expected os/arch"* ]]
}

@test "basic auth (htpasswd): 401 without login, bad password refused, login/logout" {
    run b pull -q "$REGAUTH/private/busybox"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"requires authentication"*"bolt login $REGAUTH"* ]]
    run b login -u alice -p wrong "$REGAUTH"
    [ "$status" -eq 125 ]
    [[ $output == *"refused the credentials of user 'alice'"* ]]
    [ ! -e "$HOME/.config/bolt/auth.json" ]
    run b login -u alice --password-stdin "$REGAUTH" <<<"s3cret"
    [ "$status" -eq 0 ]
    [ "$output" = "Login Succeeded" ]
    [ "$(stat -c %a "$HOME/.config/bolt/auth.json")" = 600 ]
    [ "$(jq -r ".auths[\"$REGAUTH\"].auth" "$HOME/.config/bolt/auth.json" | base64 -d)" = alice:s3cret ]
    run b pull -q "$REGAUTH/private/busybox"
    [ "$status" -eq 0 ]
    run b logout "$REGAUTH"
    [ "$status" -eq 0 ]
    run b pull -q "$REGAUTH/private/busybox:latest"
    [ "$status" -eq 125 ]
    run b logout "$REGAUTH"
    [ "$status" -eq 125 ]
    [[ $output == *"not logged in to $REGAUTH"* ]]
}

@test "credentials from docker's ~/.docker/config.json" {
    mkdir -p "$HOME/.docker"
    printf '{"auths":{"http://%s":{"auth":"%s"}}}' "$REGAUTH" "$(printf alice:s3cret | base64)" \
        >"$HOME/.docker/config.json"
    run b pull -q "$REGAUTH/private/busybox"
    [ "$status" -eq 0 ]
}

@test "docker-registry in token-auth mode: anonymous token, then credentials via bolt login" {
    registry_start_token "$ROOT/rt1" "$BATS_FILE_TMPDIR/reg/data" bob:pw --anonymous
    run b pull -q "$REG/test/busybox"
    [ "$status" -eq 0 ]
    grep -q 'GET /token?service=bolt-test&scope=repository%3Atest%2Fbusybox%3Apull' "$ROOT/rt1/tokenserver.log"
    registry_start_token "$ROOT/rt2" "$BATS_FILE_TMPDIR/reg/data" bob:pw
    run "$BOLT" --root "$ROOT/s2" pull -q "$REG/test/busybox"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"401"*"bolt login $REG"* ]]
    run b login -u bob -p wrong "$REG"
    [ "$status" -eq 125 ]
    run b login -u bob -p pw "$REG"
    [ "$status" -eq 0 ]
    run "$BOLT" --root "$ROOT/s2" pull -q "$REG/test/busybox"
    [ "$status" -eq 0 ]
}

@test "bearer token flow: anonymous token, and credentials through the token endpoint" {
    fakereg_start "$ROOT/fr1" "$REG" --token bob:pw --anonymous
    run b pull -q "$FREG/test/busybox"
    [ "$status" -eq 0 ]
    grep -q 'GET /token' "$ROOT/fr1/fakereg.log"
    fakereg_start "$ROOT/fr2" "$REG" --token bob:pw
    run b --root "$ROOT/store2" pull -q "$FREG/test/busybox"
    [ "$status" -eq 125 ]
    [[ $output == *"401"*"bolt login $FREG"* ]]
    run b login -u bob -p nope "$FREG"
    [ "$status" -eq 125 ]
    run b login -u bob -p pw "$FREG"
    [ "$status" -eq 0 ]
    run "$BOLT" --root "$ROOT/store2" pull -q "$FREG/test/busybox"
    [ "$status" -eq 0 ]
}

@test "an expired token is renewed during a pull" {
    fakereg_start "$ROOT/fr" "$REG" --token bob:pw --anonymous --token-uses 2
    run b --log-level info pull -q "$FREG/test/glibc:1"
    [ "$status" -eq 0 ]
    [[ $output == *"token expired, asking for a new one"* ]]
    [ "$(grep -c 'GET /token' "$ROOT/fr/fakereg.log")" -ge 2 ]
}

@test "retries on 5xx and connection resets, follows redirects to blob storage" {
    fakereg_start "$ROOT/fr" "$REG" --flaky 2 --redirect
    run b pull "$FREG/test/glibc:1"
    [ "$status" -eq 0 ]
    [[ $output == *"retrying"* ]]
    grep -q '" 500 ' "$ROOT/fr/fakereg.log"
    grep -q 'GET /_storage/v2/test/glibc/blobs/' "$ROOT/fr/fakereg.log"
    run store_consistent
    [ "$status" -eq 0 ]
}

@test "digest mismatch: one clear line, nothing stored" {
    fakereg_start "$ROOT/fr" "$REG" --corrupt
    run b pull -q "$FREG/test/busybox"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"pull '$FREG/test/busybox'"*"digest mismatch"* ]]
    [ -z "$(ls "$ROOT/store/image/layers")" ]
    run store_consistent
    [ "$status" -eq 0 ]
    run b images -q
    [ -z "$output" ]
}

@test "truncated download: retried, then one clear line; the next pull succeeds" {
    fakereg_start "$ROOT/fr" "$REG" --truncate
    run b pull -q "$FREG/test/big:1"
    [ "$status" -eq 125 ]
    [[ ${lines[-1]} == *"blob sha256:"* ]]
    run store_consistent
    [ "$status" -eq 0 ]
    run b pull -q "$REG/test/big:1"
    [ "$status" -eq 0 ]
}

@test "registry down, unknown image, malformed reference: one clear line each" {
    run b pull -q 127.0.0.1:1/x/y
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"registry 127.0.0.1:1 is not reachable"* ]]
    run b pull -q "$REG/test/nothere:1"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"image '$REG/test/nothere:1' not found on registry"* ]]
    run b pull -q "$REG/Test/UPPER"
    [ "$status" -eq 125 ]
    [[ $output == *"invalid reference format"*"lowercase"* ]]
    run b image inspect nothere
    [ "$status" -eq 125 ]
    [[ $output == *"image 'nothere' not found in the store"* ]]
    run store_consistent
    [ "$status" -eq 0 ]
}

@test "SIGKILL mid-download, then pull again: same digests, leftovers cleaned" {
    run b --root "$ROOT/ref" pull -q "$REG/test/big:1"
    [ "$status" -eq 0 ]
    want=$output
    fakereg_start "$ROOT/fr" "$REG" --rate 1000000
    "$BOLT" --root "$ROOT/store" pull -q "$FREG/test/big:1" 3>&- &
    pid=$!
    sleep 2
    kill -9 "$pid"
    wait "$pid" || true
    [ -n "$(ls "$ROOT/store/image/tmp")" ]          # a half-downloaded blob was left
    [ ! -e "$ROOT/store/image/index.json" ] || [ "$(jq '.images | length' "$ROOT/store/image/index.json")" -eq 0 ]
    run b pull -q "$REG/test/big:1"
    [ "$status" -eq 0 ]
    [ "$output" = "$want" ]
    run store_consistent
    [ "$status" -eq 0 ]
    diff <(ls "$ROOT/ref/image/blobs/sha256") <(ls "$ROOT/store/image/blobs/sha256")
    diff <(ls "$ROOT/ref/image/layers") <(ls "$ROOT/store/image/layers")
}

@test "two concurrent pulls of the same image both succeed" {
    "$BOLT" --root "$ROOT/store" pull -q "$REG/test/glibc:1" >"$ROOT/o1" 2>&1 3>&- &
    p1=$!
    "$BOLT" --root "$ROOT/store" pull -q "$REG/test/glibc:1" >"$ROOT/o2" 2>&1 3>&- &
    p2=$!
    wait "$p1"
    wait "$p2"
    [ "$(cat "$ROOT/o1")" = "$(cat "$ROOT/o2")" ]
    run b images -q
    [ "${#lines[@]}" -eq 1 ]
    run store_consistent
    [ "$status" -eq 0 ]
}

@test "full disk: one clear line naming the layer, the store stays usable" {
    mkdir -p "$ROOT/tiny"
    mount -t tmpfs -o size=4m tmpfs "$ROOT/tiny"
    run "$BOLT" --root "$ROOT/tiny" pull -q "$REG/test/big:1"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == *"No space left on device"* ]]
    [[ $output == *"free space"* ]]
    run "$BOLT" --root "$ROOT/tiny" pull -q "$REG/test/busybox"
    [ "$status" -eq 0 ]
    run store_consistent "$ROOT/tiny"
    [ "$status" -eq 0 ]
    umount "$ROOT/tiny"
}

@test "progress: plain lines off a terminal, bars on a terminal, nothing with -q" {
    run b pull "$REG/test/busybox"
    [[ $output == *"layer "*": downloading"* ]]
    [[ $output == *": done"* ]]
    run b --root "$ROOT/s2" pull -q "$REG/test/busybox" 2>&1
    [ "${#lines[@]}" -eq 1 ]
    run script -qec "$BOLT --root $ROOT/s3 pull $REG/test/busybox" /dev/null
    [ "$status" -eq 0 ]
    [[ $output == *$'\033['* ]]
    [[ $output == *"[=="* ]]
}
