#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What keeps `bolt run` fast without dropping what it does: no libcrypto on the run path
# (the store's blobs were verified on the way in; inspect still verifies), no fsync for a
# --rm container (named ones stay durable), transient state on the runroot (the rootfs
# mount point, the init layer with the /etc bind targets, so /etc is not copied up), and
# BOLT_TRACE=1 phase lines.

load helpers/engine

setup() {
  eng_setup
}

teardown() {
  eng_teardown
}

@test "fastpath: run loads no libcrypto; image inspect still hashes and finds a corrupt blob" {
  LD_DEBUG=libs "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run --rm $IMG true 2>"$TMP/ld.run"
  ! grep -q 'libcrypto' "$TMP/ld.run"
  LD_DEBUG=libs "$BOLT" --root "$ROOT" --runroot "$RUNROOT" image inspect $IMG >/dev/null \
    2>"$TMP/ld.inspect"
  grep -q 'libcrypto' "$TMP/ld.inspect"
  cfg=$(b image inspect $IMG | jq -r '.[0].Id')
  echo garbage >>"$ROOT/image/blobs/sha256/${cfg#sha256:}"
  run b image inspect $IMG
  [ "$status" -eq 125 ]
  [[ "$output" == *corrupt* ]]
  assert_clean_state
}

@test "fastpath: a --rm run makes no fsync; a named container's record and image ref do" {
  command -v strace >/dev/null || skip "strace is not installed"
  b run --rm $IMG true # fills the runroot's seccomp cache (written once, durably)
  strace -f -qq -e trace=fsync,fdatasync,syncfs,sync -o "$TMP/rm.trace" \
    "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run --rm $IMG true
  [ "$(grep -c 'sync' "$TMP/rm.trace")" -eq 0 ] || { cat "$TMP/rm.trace"; return 1; }
  strace -f -qq -e trace=fsync,fdatasync,syncfs,sync -o "$TMP/named.trace" \
    "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run --name keep $IMG true
  grep -q 'fsync' "$TMP/named.trace"
  id=$(b inspect -f '{{.Id}}' keep)
  img=$(b image inspect $IMG | jq -r '.[0].Id')
  [ -f "$ROOT/image/refs/${img#sha256:}/$id" ]
  run b rmi $IMG
  [ "$status" -eq 125 ]
  [[ "$output" == *"is used by container"* ]]
  b rm keep
  [ ! -e "$ROOT/image/refs/${img#sha256:}/$id" ]
  assert_clean_state
}

@test "fastpath: /etc bind targets come from an init layer on the runroot; upper stays empty" {
  run b run --name keep --hostname box1 $IMG sh -c 'cat /etc/hostname; grep -c localhost /etc/hosts'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "box1" ]
  [ "${lines[1]}" -ge 1 ]
  id=$(b inspect -f '{{.Id}}' keep)
  # nothing was copied up: the image has no /etc/hosts, the init layer holds the target
  [ -z "$(ls -A "$ROOT/containers/$id/upper")" ] || { ls -laR "$ROOT/containers/$id/upper"; return 1; }
  # the mount point is transient state
  [ ! -e "$ROOT/containers/$id/rootfs" ]
  [ -d "$RUNROOT/containers/$id/rootfs" ]
  # a second life (start) mounts again and writes go to the upper dir as before
  run b start -a keep
  [ "$status" -eq 0 ]
  b rm keep
  # a --rm container's etc files are transient state too: bound from the runroot
  run b run --rm $IMG sh -c 'grep " /etc/hosts " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [[ "$output" == *"$RUNROOT/containers/"*"/hosts "* ]] || { echo "$output"; return 1; }
  run b run --name w $IMG sh -c 'echo x >/etc/added; cat /etc/hostname >/dev/null'
  [ "$status" -eq 0 ]
  id=$(b inspect -f '{{.Id}}' w)
  [ -f "$ROOT/containers/$id/upper/etc/added" ]
  [ ! -e "$ROOT/containers/$id/upper/etc/hosts" ]
  b rm w
  assert_clean_state
}

@test "fastpath: an image whose /etc is a symlink keeps it (no init layer over it)" {
  images_busybox_rootfs "$TMP/r"
  mv "$TMP/r/etc" "$TMP/r/config"
  ln -s config "$TMP/r/etc"
  tar -C "$TMP/r" -cf "$TMP/r.tar" .
  b import "$TMP/r.tar" localhost/etclink:1 >/dev/null
  run b run --rm localhost/etclink:1 sh -c 'readlink /etc; cat /config/hostname'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "config" ]
  [ -n "${lines[1]}" ]
  assert_clean_state
}

@test "fastpath: an image without /etc gets one from the init layer" {
  mkdir -p "$TMP/empty"
  tar -C "$TMP/empty" -cf "$TMP/empty.tar" .
  b import "$TMP/empty.tar" localhost/nothing:1 >/dev/null
  run b run --rm -v /bin/busybox:/busybox:ro localhost/nothing:1 /busybox cat /etc/hostname
  [ "$status" -eq 0 ]
  [ -n "$output" ]
  assert_clean_state
}

@test "fastpath: BOLT_TRACE=1 prints the run path's phases in microseconds on stderr" {
  run env BOLT_TRACE=1 "$BOLT" --root "$ROOT" --runroot "$RUNROOT" run --rm $IMG echo out
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *out* ]]
  num='[0-9]+\.[0-9]'
  for line in "engine-create-trace: image=$num spec=$num record=$num dirs=$num files=$num imageref=$num total=$num us" \
      "runtime-create-trace: validate=$num statedir=$num seccomp=$num cgroup=$num launch=$num child=$num state=$num total=$num us" \
      "engine-start-trace: init=$num rootfs=$num check=$num runtime=$num record=$num total=$num us" \
      "engine-exit-trace: wait=$num rtdelete=$num exited=$num fini=$num remove=$num total=$num us"; do
    printf '%s\n' "$output" | grep -Eq "^$line\$" || { echo "missing: $line"; return 1; }
  done
  run b run --rm $IMG echo quiet
  [ "$output" = "quiet" ]
  assert_clean_state
}

@test "fastpath: a --rm run returns before its directory is deleted; nothing stays behind" {
  run b run --rm $IMG sh -c 'echo data >/big; echo ok'
  [ "$status" -eq 0 ]
  [ "$output" = "ok" ]
  # gone from the store at once (the record first, the directory moved to trash)
  assert_clean_state
  # and deleted by a detached child that holds none of our pipes (bats would wait for it)
  trash_empty() { [ -z "$(ls -A "$ROOT/trash" 2>/dev/null)" ]; }
  wait_for 10 trash_empty
  # leftovers of a killed deleter go with the next removal
  mkdir -p "$ROOT/trash/stale/upper/x"
  b run --rm $IMG true
  wait_for 10 trash_empty
}
