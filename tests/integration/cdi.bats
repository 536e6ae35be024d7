#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CDI: `nvbind cdi generate` validates against the CDI JSON schema on several layouts,
# `nvbind cdi validate/list` report errors with paths, conflicts and unknown devices, and
# the hooks the specs reference produce an ld.so.cache glibc reads.

load helpers/inject

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-cdi-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary fedora-1gpu-open debian-4gpu-nondense mig \
    wsl2 arch
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
}

teardown() {
  inj_teardown
}

gen() {
  "$NVBIND" --root "$STATE" cdi generate "$@"
}

@test "cdi: generated specs validate against the CDI schema on six layouts" {
  python3 -c 'import jsonschema' || skip "python3-jsonschema is not installed"
  for l in debian-2gpu-proprietary fedora-1gpu-open debian-4gpu-nondense mig wsl2 arch; do
    inj_use "$INJ_FIX/$l"
    run gen --output "$TMP/$l.json"
    echo "$l: $output"
    [ "$status" -eq 0 ]
    run "$CDI_SCHEMA_CHECK" "$TMP/$l.json"
    echo "$output"
    [ "$status" -eq 0 ]
    run "$NVBIND" cdi validate "$TMP/$l.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *"valid (cdiVersion 0.5.0, kind nvidia.com/gpu"* ]]
  done
}

@test "cdi: devices by index and UUID plus all; MIG devices; device name strategies" {
  inj_use "$INJ_FIX/mig"
  run gen --format json
  [ "$status" -eq 0 ]
  names=$(jq -r '.devices[].name' <<<"$output" | tr '\n' ' ')
  echo "$names"
  [[ "$names" == "0 GPU-4d0a6e5c-7fc1-4293-abfd-5b6c7d8e9fa0 0:0 MIG-5e1b7f6d-80d2-53a4-bc0e-6c7d8e9fa0b1 0:1 MIG-6f2c8a7e-91e3-54b5-cd1f-7d8e9fa0b1c2 "* ]]
  [[ "$names" == *" all " ]]
  # a MIG device carries its parent node and two capability nodes
  [ "$(jq '.devices[] | select(.name == "0:1") | .containerEdits.deviceNodes | map(.path) | map(select(startswith("/dev/nvidia-caps/"))) | length' <<<"$output")" -eq 2 ]
  run gen --device-name-strategy type-index
  [ "$status" -eq 0 ]
  [ "$(jq -r '[.devices[].name] | join(" ")' <<<"$output")" = "gpu0 mig0:0 mig0:1 gpu1 all" ]
  run gen --device-name-strategy bogus
  [ "$status" -eq 2 ]
  [[ "$output" == *"--device-name-strategy: unknown strategy 'bogus' (expected index, uuid or type-index)"* ]]
}

@test "cdi: spec-level edits carry control nodes, every driver file, hooks and NVIDIA_VISIBLE_DEVICES=void" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  run gen
  [ "$status" -eq 0 ]
  spec=$output
  [ "$(jq -r '.containerEdits.env | join(" ")' <<<"$spec")" = "NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,video,display,ngx,compat32 NVIDIA_VISIBLE_DEVICES=void" ]
  jq -e '.containerEdits.deviceNodes | map(.path) | index("/dev/nvidiactl")' <<<"$spec"
  jq -e '.containerEdits.mounts[] | select(.containerPath == "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15") | select(.hostPath == "'"$INJ_FIX"'/debian-2gpu-proprietary/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15") | select(.options == ["ro","nosuid","nodev","rbind","rprivate"])' <<<"$spec"
  [ "$(jq -r '.containerEdits.hooks | map(.args[2]) | join(" ")' <<<"$spec")" = "create-symlinks update-ldcache" ]
  [ "$(jq -r '.containerEdits.hooks[0].hookName' <<<"$spec")" = createContainer ]
  jq -e '.containerEdits.hooks[0].args | index("libcuda.so.550.54.15::/usr/lib/x86_64-linux-gnu/libcuda.so.1")' <<<"$spec"
  jq -e '.containerEdits.hooks[1].args | index("/usr/lib/i386-linux-gnu")' <<<"$spec"
  # the device for GPU 1 has exactly its node and DRI nodes
  [ "$(jq -r '.devices[] | select(.name == "1") | .containerEdits.deviceNodes | map(.path) | join(" ")' <<<"$spec")" = "/dev/nvidia1 /dev/dri/card1 /dev/dri/renderD129" ]
}

@test "cdi: generate --format yaml and --mode checks" {
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  run gen --output "$TMP/nvidia.yaml"
  [ "$status" -eq 0 ]
  head -3 "$TMP/nvidia.yaml" | grep -q '^cdiVersion: "0.5.0"$'
  if python3 -c 'import yaml' 2>/dev/null; then
    # a YAML parser reads it back as the same document as the JSON form
    gen --format json > "$TMP/nvidia.json"
    python3 -c 'import json, sys, yaml; a = yaml.safe_load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); assert a == b, "yaml != json"' \
      "$TMP/nvidia.yaml" "$TMP/nvidia.json"
  fi
  # nvbind reads its YAML back (and so do bolt run --device and cdi list)
  run "$NVBIND" cdi validate "$TMP/nvidia.yaml"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nvidia.yaml: valid (cdiVersion 0.5.0, kind nvidia.com/gpu, 5 devices)"* ]]
  run "$NVBIND" cdi list --spec-dir "$TMP"
  [[ "$output" == *"nvidia.com/gpu=all"* ]]
  run gen --mode wsl
  [ "$status" -ne 0 ]
  [[ "$output" == *"--mode wsl: this driver root is not WSL2"* ]]
  run gen --format xml
  [ "$status" -eq 2 ]
  [[ "$output" == *"--format: expected json or yaml, got 'xml'"* ]]
  run gen --driver-root relative/dir
  [ "$status" -eq 2 ]
  [[ "$output" == *"relative/dir"* ]]
}

@test "cdi: validate reports schema and semantic errors with their paths" {
  cat > "$TMP/bad1.json" <<'J'
{"cdiVersion":"0.6.0","kind":"example.com/dev","devices":[{"name":"a","containerEdits":{"deviceNodes":[{"path":"dev/x"}]}}]}
J
  cat > "$TMP/bad2.json" <<'J'
{"cdiVersion":"0.6.0","kind":"example.com/dev","devices":[{"name":"a","containerEdits":{"env":["A=1"]},"bogus":true}]}
J
  cat > "$TMP/bad3.json" <<'J'
{"cdiVersion":"0.3.0","kind":"example.com/dev","devices":[{"name":"0","containerEdits":{"env":["A=1"]}}]}
J
  cat > "$TMP/good.json" <<'J'
{"cdiVersion":"0.5.0","kind":"example.com/dev","devices":[{"name":"0","containerEdits":{"env":["A=1"]}}]}
J
  run "$NVBIND" cdi validate "$TMP/bad1.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad1.json: devices[0].containerEdits.deviceNodes[0].path: 'dev/x' is not an absolute path"* ]]
  run "$NVBIND" cdi validate "$TMP/bad2.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"devices[0]: unknown field 'bogus'"* ]]
  run "$NVBIND" cdi validate "$TMP/bad3.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cdiVersion: '0.3.0' is lower than 0.5.0"* ]]
  run "$NVBIND" cdi validate "$TMP/good.json" "$TMP/bad1.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"good.json: valid"* ]]
  # a missing required member: nvbind and the schema agree
  echo '{"cdiVersion":"0.6.0","kind":"example.com/dev"}' > "$TMP/bad4.json"
  run "$NVBIND" cdi validate "$TMP/bad4.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"devices: required array is missing"* ]]
  if python3 -c 'import jsonschema' 2>/dev/null; then
    run "$CDI_SCHEMA_CHECK" "$TMP/bad4.json"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'devices' is a required property"* ]]
  fi
}

@test "cdi: list names the devices of every spec dir, shows conflicts, skips broken files" {
  mkdir -p "$TMP/etc" "$TMP/run"
  inj_use "$INJ_FIX/debian-2gpu-proprietary"
  gen --output "$TMP/etc/nvidia.json"
  cat > "$TMP/run/other.json" <<'J'
{"cdiVersion":"0.6.0","kind":"example.com/dev","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}]}
J
  cat > "$TMP/run/twin.json" <<'J'
{"cdiVersion":"0.6.0","kind":"example.com/dev","devices":[{"name":"x","containerEdits":{"env":["A=2"]}}]}
J
  echo '{"cdiVersion":' > "$TMP/run/broken.json"
  run "$NVBIND" cdi list --spec-dir "$TMP/etc" --spec-dir "$TMP/run"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nvidia.com/gpu=0"* ]]
  [[ "$output" == *"nvidia.com/gpu=GPU-b1028956-cfa2-0990-bf4a-5da9abb51763"* ]]
  [[ "$output" == *"nvidia.com/gpu=all"* ]]
  [[ "$output" == *"example.com/dev=x	(conflict: $TMP/run/other.json and $TMP/run/twin.json)"* ]]
  [[ "$output" == *"skipped spec: $TMP/run/broken.json"* ]]
  BOLT_CDI_SPEC_DIRS="$TMP/etc" run "$NVBIND" cdi list
  [[ "$output" != *"example.com"* ]]
  [[ "$output" == *"nvidia.com/gpu=1"* ]]
}

# A container state on stdin, as the runtime gives it to a createContainer hook.
hook_state() {
  mkdir -p "$TMP/hb"
  jq -n --arg r "$TMP/bundle/rootfs" '{ociVersion:"1.2.0", root:{path:$r}, process:{args:["sh"],cwd:"/"}}' > "$TMP/hb/config.json"
  jq -n --arg b "$TMP/hb" '{ociVersion:"1.2.0", id:"h", status:"creating", pid:1, bundle:$b}'
}

@test "cdi: hook update-ldcache writes soname links and a cache glibc reads, keeping the image's entries" {
  d=$INJ_FIX/debian-2gpu-proprietary/usr/lib/x86_64-linux-gnu
  mkdir -p "$TMP/bundle/rootfs/usr/lib/nv"
  cp "$d/libcuda.so.550.54.15" "$d/libnvidia-ml.so.550.54.15" "$d/libnvidia-glcore.so.550.54.15" "$TMP/bundle/rootfs/usr/lib/nv/"
  mkdir -p "$TMP/bundle/rootfs/usr/lib/nv32"
  cp "$INJ_FIX/debian-2gpu-proprietary/usr/lib/i386-linux-gnu/libcuda.so.550.54.15" "$TMP/bundle/rootfs/usr/lib/nv32/"
  hook_state | "$NVBIND" hook update-ldcache --folder /usr/lib/nv --folder /usr/lib/nv32 --folder /not/there
  [ "$(readlink "$TMP/bundle/rootfs/usr/lib/nv/libcuda.so.1")" = libcuda.so.550.54.15 ]
  run ldconfig -p -C "$TMP/bundle/rootfs/etc/ld.so.cache"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda.so.1 (libc6,x86-64) => /usr/lib/nv/libcuda.so.1"* ]]
  [[ "$output" == *"libcuda.so.1 (libc6) => /usr/lib/nv32/libcuda.so.1"* ]]
  [[ "$output" == *"libnvidia-glcore.so.550.54.15 (libc6,x86-64) => /usr/lib/nv/libnvidia-glcore.so.550.54.15"* ]]
  [[ "$output" == *"libc.so.6 (libc6,x86-64)"* ]]
  # glibc's loader resolves through it inside the rootfs
  run chroot "$TMP/bundle/rootfs" /usr/bin/cuda-probe
  echo "$output"
  [[ "$output" == *"libcuda: /usr/lib/nv/libcuda.so.1"* ]]
}

@test "cdi: hook create-symlinks makes links inside the rootfs and rejects bad specs" {
  hook_state | "$NVBIND" hook create-symlinks --link libcuda.so.1::/usr/lib/x/libcuda.so \
    --link ../card0::/dev/dri/by-path/pci-0000:3b:00.0-card
  [ "$(readlink "$TMP/bundle/rootfs/usr/lib/x/libcuda.so")" = libcuda.so.1 ]
  [ "$(readlink "$TMP/bundle/rootfs/dev/dri/by-path/pci-0000:3b:00.0-card")" = ../card0 ]
  # idempotent
  hook_state | "$NVBIND" hook create-symlinks --link libcuda.so.1::/usr/lib/x/libcuda.so
  # an absolute symlink in the image cannot send the link outside the rootfs
  ln -s /tmp "$TMP/bundle/rootfs/escape"
  hook_state | "$NVBIND" hook create-symlinks --link t::/escape/bolt-hook-escape-$$
  [ ! -e "/tmp/bolt-hook-escape-$$" ] && [ ! -L "/tmp/bolt-hook-escape-$$" ]
  [ -L "$TMP/bundle/rootfs/tmp/bolt-hook-escape-$$" ]
  run bash -c "$(declare -f hook_state); TMP=$TMP; hook_state | '$NVBIND' hook create-symlinks --link nolink"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--link 'nolink': expected TARGET::LINK"* ]]
  run "$NVBIND" hook update-ldcache --folder /x </dev/null
  [ "$status" -ne 0 ]
  [[ "$output" == *"OCI state on stdin"* ]]
}
