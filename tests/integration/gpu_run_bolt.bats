#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt run` with GPUs: --gpu, docker's --gpus, requirements, --gpu-isolation leases,
# --gpu-memory (the mock NVML reports usage for the container's pid), CDI --device.

bats_require_minimum_version 1.5.0
load helpers/inject

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export INJ_FIX=$(mktemp -d /tmp/bolt-runbolt-fix.XXXXXX)
  inj_fixtures "$INJ_FIX" debian-2gpu-proprietary
}

teardown_file() {
  [ -n "${INJ_FIX:-}" ] && rm -rf "$INJ_FIX"
}

setup() {
  inj_setup
  # a private copy: the memory test edits the mock NVML's state
  cp -a "$INJ_FIX/debian-2gpu-proprietary" "$TMP/drv"
  inj_use "$TMP/drv"
  inj_bolt_setup
}

teardown() {
  inj_bolt_teardown
  inj_teardown
}

@test "bolt run --gpu 1: only that GPU, ENXIO for it, EPERM for the other, ro mounts, env" {
  run bb run --rm --gpu 1 localhost/probe sh -c "$INJ_PROBE; mknod /tmp/o c 195 0 && cat /tmp/o 2>&1 | sed 's/^/other: /'; grep ' /usr/local/nvidia ' /proc/self/mountinfo"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  [[ "$output" == *"open: cat: can't open '/dev/nvidia1': No such device or address"* ]]
  [[ "$output" == *"other: cat: can't open '/tmp/o': Operation not permitted"* ]]
  [[ "$output" == *" ro,nosuid,nodev"* ]]
  [[ "$output" == *"NVIDIA_VISIBLE_DEVICES=1"* ]]
}

@test "bolt exec in a GPU container sees the container's GPUs and its NVIDIA_* variables" {
  bb run -d --name gx --gpu 1 localhost/probe sh -c 'while :; do read x < /dev/zero 2>/dev/null || true; done'
  run bb exec gx sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nodes: nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"* ]]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=compute,utility"* ]]
  [[ "$output" == *"NVIDIA_VISIBLE_DEVICES=1"* ]]
  # capabilities already in the container's env (the image's, or -e) stay when --gpu names none
  run bb run --rm --gpu 1 -e NVIDIA_DRIVER_CAPABILITIES=utility localhost/probe sh -c 'env | grep ^NVIDIA_DRIVER'
  [ "$output" = "NVIDIA_DRIVER_CAPABILITIES=utility" ]
}

@test "bolt run --gpus (docker syntax): count and capabilities" {
  run bb run --rm --gpus 'count=1,capabilities=utility' localhost/probe sh -c "$INJ_PROBE"
  echo "$output"
  [[ "$output" == *"nodes: nvidia0 nvidiactl"* ]]
  [[ "$output" == *"NVIDIA_DRIVER_CAPABILITIES=utility"* ]]
  [[ "$output" == *"NVIDIA_VISIBLE_DEVICES=0"* ]]
  # utility only: no CUDA library, no uvm nodes
  [[ "$output" == *"error:"*"libcuda.so.1"* ]]
  run bb run --rm --gpus '"device=0,1"' localhost/probe sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 2"* ]]
  run bb run --rm --gpu 0 --gpus all localhost/probe true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--gpu and --gpus: give one of them"* ]]
}

@test "bolt run: an unknown GPU and a failed requirement are refused before start" {
  run bb run --rm --gpu 7 localhost/probe sh -c 'touch /started'
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689"* ]]
  run bb run --rm --gpu all -e 'NVIDIA_REQUIRE_CUDA=cuda>=13.0' localhost/probe sh -c 'touch /started'
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"NVIDIA_REQUIRE_CUDA 'cuda>=13.0' is not met: this host has CUDA 12.4"* ]]
  run bb run --rm --gpu 0 --gpu-isolation private localhost/probe true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--gpu-isolation: invalid value 'private' (expected exclusive or shared)"* ]]
  run bb run --rm --gpu-memory 1GB localhost/probe true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--gpu-memory needs GPUs"* ]]
  [ -z "$(bb ps -aq)" ]
}

@test "bolt run --gpu-isolation exclusive: a second user is refused with the holder's name" {
  bb run -d --name holder --gpu 0 --gpu-isolation exclusive localhost/probe sh -c 'sleep 60'
  run bb run --rm --gpu 0 localhost/probe sh -c true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"GPU GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 is leased exclusively by container 'holder'"* ]]
  # the other GPU is free
  run bb run --rm --gpu 1 localhost/probe sh -c true
  [ "$status" -eq 0 ]
  run bb run --rm --gpu all --gpu-isolation exclusive localhost/probe sh -c true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--gpu-isolation exclusive: GPU GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 is in use by container 'holder'"* ]]
  # shared users share
  bb run -d --name s1 --gpu 1 localhost/probe sh -c 'sleep 60'
  run bb run --rm --gpu 1 --gpu-isolation shared localhost/probe sh -c true
  [ "$status" -eq 0 ]
  # a killed holder (dead monitor) never leaves the GPU stuck
  kill -9 "$(bb inspect holder | jq '.[0].State.MonitorPid')"
  kill -9 "$(bb inspect holder | jq '.[0].State.Pid')" 2>/dev/null || true
  sleep 0.5
  run bb run --rm --gpu 0 --gpu-isolation exclusive localhost/probe sh -c true
  echo "$output"
  [ "$status" -eq 0 ]
  # refused on GPU 1 (s1 shares it) after GPU 0 was taken: nothing of it is left in the leases
  pid=$(bb create --name partial --gpu all --gpu-isolation exclusive localhost/probe true)
  [ ${#pid} -eq 64 ]
  run bb start partial
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"GPU GPU-b1028956-cfa2-0990-bf4a-5da9abb51763 is in use by container 's1'"* ]]
  [ -z "$(ls "$RUNROOT"/nvbind/leases/*.holders/ | grep "$pid" || true)" ]
  bb rm -f partial >/dev/null
  # bolt stop and bolt rm -f return with the GPU free: the next exclusive user starts at once
  bb run -d --name holder2 --gpu 0 --gpu-isolation exclusive --gpu-memory 8GB localhost/probe sh -c 'sleep 60'
  bb stop -t 1 holder2
  run bb run --rm --gpu 0 --gpu-isolation exclusive localhost/probe sh -c true
  echo "after stop: $output"
  [ "$status" -eq 0 ]
  bb start holder2
  bb rm -f holder2
  run bb run --rm --gpu 0 --gpu-isolation exclusive localhost/probe sh -c true
  echo "after rm -f: $output"
  [ "$status" -eq 0 ]
}

@test "bolt run --gpu-isolation exclusive --restart: each restart takes the lease again; the entries go with the container" {
  bb run -d --name rs --restart on-failure:2 --gpu 0 --gpu-isolation exclusive localhost/probe sh -c 'sleep 0.3; exit 3'
  for i in $(seq 50); do
    [ "$(bb inspect rs | jq -r '.[0].State.Status')" = exited ] && break
    sleep 0.2
  done
  run bb inspect rs
  echo "$output"
  [ "$(echo "$output" | jq '.[0].RestartCount')" -eq 2 ]
  [ "$(echo "$output" | jq '.[0].State.ExitCode')" -eq 3 ]
  [ "$(echo "$output" | jq -r '.[0].State.Error')" = "" ]
  # the GPU is free, and no holder entry of the ended container is left
  run bb run --rm --gpu 0 --gpu-isolation exclusive localhost/probe true
  [ "$status" -eq 0 ]
  id=$(bb inspect rs | jq -r '.[0].Id')
  [ -z "$(ls "$RUNROOT"/nvbind/leases/*.holders/ | grep "$id" || true)" ]
}

@test "bolt gaming gpu list: HOLDERS names the containers leasing each GPU, gone after rm" {
  bb run -d --name holder --gpu 0 --gpu-isolation exclusive localhost/probe sh -c 'sleep 60'
  id=$(bb inspect holder | jq -r '.[0].Id')
  run bb gaming gpu list
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"HOLDERS"* ]]
  line0=$(grep 'GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689' <<<"$output")
  line1=$(grep -v 'GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689' <<<"$output" | grep '^1 ')
  [[ "$line0" == *" holder (exclusive)" ]]
  [[ "$line1" == *" -" ]]
  run bb gaming gpu list --format json
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.gpus[0].holders | map({name, id, mode})' <<<"$output")" = "[{\"name\":\"holder\",\"id\":\"$id\",\"mode\":\"exclusive\"}]" ]
  [ "$(jq -c '.gpus[1].holders' <<<"$output")" = "[]" ]
  bb rm -f holder
  run bb gaming gpu list --format json
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.gpus[].holders[]]' <<<"$output")" = "[]" ]
  run bb gaming gpu list
  [[ "$(grep 'GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689' <<<"$output")" == *" -" ]]
}

@test "bolt run --gpu-memory: past the limit the container is stopped and the reason recorded" {
  bb run -d --name hog --gpu 0 --gpu-memory 1GB localhost/probe sh -c 'sleep 60'
  pid=$(bb inspect hog | jq '.[0].State.Pid')
  [ "$pid" -gt 0 ]
  st=$TMP/drv/usr/lib/x86_64-linux-gnu/fake-nvml-state.json
  # under the limit: keeps running
  jq --argjson p "$pid" '.devices[0].processes = [{"pid": $p, "used_memory": 536870912, "type": "compute"}]' "$st" > "$st.new"
  cp "$st" "$st.orig" && mv "$st.new" "$st"
  sleep 1.5
  [ "$(bb inspect hog | jq -r '.[0].State.Status')" = running ]
  # over it: stopped within about a second
  jq --argjson p "$pid" '.devices[0].processes = [{"pid": $p, "used_memory": 2147483648, "type": "compute"}]' "$st.orig" > "$st"
  for _ in $(seq 40); do
    [ "$(bb inspect hog | jq -r '.[0].State.Error')" != "" ] && break
    sleep 0.1
  done
  run bb inspect hog
  echo "$output"
  [ "$(jq -r '.[0].State.Status' <<<"$output")" = exited ]
  [ "$(jq -r '.[0].State.Error' <<<"$output")" = "stopped by bolt: GPU memory limit exceeded: 2.00 GiB used on GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 > --gpu-memory 1.00 GiB" ]
  run bb ps -a
  echo "$output"
  [[ "$output" == *"Exited (137)"*"ago (GPU memory limit 1.00 GiB exceeded: 2.00 GiB used on GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689)"*"0,memory=1GB"* ]]
  run bb ps -a --format json
  [[ "$(jq -r '.[0].Status' <<<"$output")" == "Exited (137) "*" ago (GPU memory limit 1.00 GiB exceeded: 2.00 GiB used on GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689)" ]]
}

# live pids of the mock NVML's init record ($1) with an nvmlInit not matched by a shutdown
nvml_holders() {
  local p
  for p in $(awk '{ split($2, p, "="); if ($3 != "rc=0") next
                    if ($1 == "nvmlInit") open[p[2]]++; else if ($1 == "nvmlShutdown") open[p[2]]-- }
                  END { for (k in open) if (open[k] > 0) print k }' "$1" 2>/dev/null); do
    [ -d "/proc/$p" ] && echo "$p"
  done
  return 0
}

nvml_holders_exist() { [ -n "$(nvml_holders "$1")" ]; }

# every successful nvmlInit of pid $2 in record $1 is matched by an nvmlShutdown
nvml_balanced() {
  [ "$(grep -c "^nvmlInit pid=$2 rc=0" "$1")" -eq "$(grep -c "^nvmlShutdown pid=$2 rc=0" "$1")" ]
}

# retry N CMD...: CMD every 0.1 s for up to N seconds
retry() {
  local n=$(( $1 * 10 )); shift
  while [ $n -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

@test "bolt run --gpu-memory: the watch initializes NVML once, reads live usage, re-initializes after the driver goes away" {
  st=$TMP/drv/usr/lib/x86_64-linux-gnu/fake-nvml-state.json
  inits=$st.inits
  bb run -d --name w --gpu 0 --gpu-memory 1GB localhost/probe sh -c 'sleep 60'
  pid=$(bb inspect w | jq '.[0].State.Pid')
  [ "$pid" -gt 0 ]
  retry 5 nvml_holders_exist "$inits"
  watch=$(nvml_holders "$inits")
  [ "$(echo "$watch" | wc -l)" -eq 1 ]
  # several seconds (a dozen rounds at twice a second) under the limit: one init, no shutdown
  jq --argjson p "$pid" '.devices[0].processes = [{"pid": $p, "used_memory": 536870912, "type": "compute"}]' "$st" > "$st.under"
  cp "$st" "$st.orig"
  cp "$st.under" "$st"
  sleep 6
  cat "$inits"
  [ "$(bb inspect w | jq -r '.[0].State.Status')" = running ]
  [ "$(grep -c "^nvmlInit pid=$watch " "$inits")" -eq 1 ]
  [ "$(grep -c "^nvmlShutdown pid=$watch " "$inits")" -eq 0 ]
  # the driver goes away (queries fail with GPU_IS_LOST): NVML is shut down and initialized again
  jq '.query_error = 15' "$st.under" > "$st"
  retry 5 grep -q "^nvmlShutdown pid=$watch rc=0" "$inits"
  [ "$(bb inspect w | jq -r '.[0].State.Status')" = running ]
  # back, and over the limit: the re-initialized watch sees it and stops the container
  jq --argjson p "$pid" '.devices[0].processes = [{"pid": $p, "used_memory": 2147483648, "type": "compute"}]' "$st.orig" > "$st"
  for _ in $(seq 50); do
    [ "$(bb inspect w | jq -r '.[0].State.Error')" != "" ] && break
    sleep 0.1
  done
  cat "$inits"
  [ "$(bb inspect w | jq -r '.[0].State.Error')" = "stopped by bolt: GPU memory limit exceeded: 2.00 GiB used on GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689 > --gpu-memory 1.00 GiB" ]
  [ "$(grep -c "^nvmlInit pid=$watch rc=0" "$inits")" -ge 2 ]
  # every init of the watch is matched by a shutdown once it is done
  retry 5 nvml_balanced "$inits" "$watch"
}

@test "bolt run --device nvidia.com/gpu=1 (CDI), unknown and conflicting devices" {
  mkdir -p "$TMP/cdi"
  "$NVBIND" --root "$STATE" cdi generate --output "$TMP/cdi/nvidia.json"
  export BOLT_CDI_SPEC_DIRS=$TMP/cdi
  run bb run --rm --device nvidia.com/gpu=1 localhost/probe sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/lib/x86_64-linux-gnu/libcuda.so.1"* ]]
  [[ "$output" == *"count: 1"* ]]
  [[ "$output" == *"nvidia1 nvidiactl"* ]]
  run bb run --rm --device nvidia.com/gpu=9 localhost/probe true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"--device: unknown CDI device 'nvidia.com/gpu=9' (known: nvidia.com/gpu=0"* ]]
  [[ "$output" != *"No such file or directory"* ]]  # the list says it all: no strerror tail
  cp "$TMP/cdi/nvidia.json" "$TMP/cdi/nvidia-copy.json"
  run bb run --rm --device nvidia.com/gpu=0 localhost/probe true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"CDI device 'nvidia.com/gpu=0': conflicting definitions in '$TMP/cdi/nvidia-copy.json' and '$TMP/cdi/nvidia.json'"* || "$output" == *"conflicting definitions in '$TMP/cdi/nvidia.json' and '$TMP/cdi/nvidia-copy.json'"* ]]
  run bb run --rm --device acme.com/fpga=0 localhost/probe true
  [ "$status" -eq 125 ]
  [[ "$output" == *"no spec defines kind 'acme.com/fpga'"* ]]
  unset BOLT_CDI_SPEC_DIRS
}

@test "bolt run --gpu: links, mount points and the merged cache come from the nvbind layer; the upper dir gets none of them" {
  run bb run --name lay1 --gpu all localhost/probe sh -c "$INJ_PROBE; echo smi=\$(readlink /usr/bin/nvidia-smi); ls -ld /usr/bin /tmp"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"count: 2"* ]]
  [[ "$output" == *"smi=/usr/local/nvidia/files/usr/bin/nvidia-smi"* ]]
  # directories of the layer show the image's modes
  [[ "$output" == *"$(ls -ld "$INJ_FIX/probe/tmp" | cut -c1-10)"*" /tmp"* ]]
  upper=$(echo "$ROOT"/containers/*/upper)
  [ -d "$upper" ]
  ls -laR "$upper"
  [ ! -e "$upper/usr" ]
  [ ! -e "$upper/etc/ld.so.cache" ]
  [ ! -e "$upper/etc/OpenCL" ]
  [ ! -e "$upper/run" ]
  [ ! -e "$upper/tmp/nvidia-mps" ]
  # a second container of the image uses the same layer, from the record the first start made;
  # the trace counts its lookup
  BOLT_TRACE=1 run bb run --rm --gpu all localhost/probe sh -c 'readlink /usr/bin/nvidia-smi'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ nvbind-trace:\ layer=[0-9.]+\ layer.key=[0-9.]+\ layer.read=[0-9.]+\ layer.checks=[0-9.]+\ layer.parse=[0-9.]+\ recorded=[0-9.]+\ cpu=[0-9.]+\ total=[0-9.]+\ us ]]
  [[ "$output" == *"/usr/local/nvidia/files/usr/bin/nvidia-smi"* ]]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 1 ]
  # other caps, another layer
  run bb run --rm --gpus 'all,capabilities=utility' localhost/probe sh -c 'readlink /usr/bin/nvidia-smi'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 2 ]
}

@test "bolt run --gpu: later starts apply the first start's record; what it trusts is checked at every start" {
  drv=$TMP/drv
  # the first start takes the full path and records what it injected
  BOLT_TRACE=1 run bb run --rm --gpu all localhost/probe sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nvbind-trace: request="*" select="* ]]
  full=$(echo "$output" | grep -v -- '-trace:')
  [ "$(ls "$RUNROOT/nvbind/rec" | wc -l)" -eq 1 ]
  # the second applies the record: the container sees exactly the same
  BOLT_TRACE=1 run bb run --rm --gpu all localhost/probe sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ nvbind-trace:\ layer=[0-9.]+\ layer.key=[0-9.]+\ layer.read=[0-9.]+\ layer.checks=[0-9.]+\ layer.parse=[0-9.]+\ recorded=[0-9.]+\ cpu=[0-9.]+\ total=[0-9.]+\ us ]]
  [ "$(echo "$output" | grep -v -- '-trace:')" = "$full" ]

  # a device node replaced by one with the wrong major: the record does not hide it
  rm "$drv/dev/nvidia1"
  mknod -m 666 "$drv/dev/nvidia1" c 10 1
  BOLT_TRACE=1 run bb run --rm --gpu all localhost/probe true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"device node '$drv/dev/nvidia1' is char 10:1, expected char 195:1"* ]]
  [[ "$output" != *"recorded="* ]]
  rm "$drv/dev/nvidia1"
  mknod -m 666 "$drv/dev/nvidia1" c 195 1
  run bb run --rm --gpu all localhost/probe sh -c "$INJ_PROBE"
  [ "$status" -eq 0 ]
  [ "$output" = "$full" ]

  # an IPC socket whose daemon stopped: the start goes on without it, saying so, and the
  # socket is back in the next container once it is back on the host
  mv "$drv/run/nvidia-persistenced/socket" "$TMP/socket.away"
  BOLT_TRACE=1 run bb run --rm --gpu all localhost/probe sh -c 'grep -c " /run/nvidia-persistenced/socket " /proc/self/mountinfo || true'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"'$drv/run/nvidia-persistenced/socket' is missing: the container has no /run/nvidia-persistenced/socket"* ]]
  [[ "$output" == *$'\n0'* || "$output" == "0"* ]]
  mv "$TMP/socket.away" "$drv/run/nvidia-persistenced/socket"
  run bb run --rm --gpu all localhost/probe sh -c 'grep -c " /run/nvidia-persistenced/socket " /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]

  # the nvbind layer removed by hand: the start builds it again
  rm -rf "$RUNROOT/nvbind/layer"
  run bb run --rm --gpu all localhost/probe sh -c "$INJ_PROBE"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$full" ]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 1 ]

  # another driver version: the records go with the old plan
  rm -rf "$drv"
  "$MKFAKEDRIVER" --driver-version 555.42.06 debian-2gpu-proprietary "$drv" >/dev/null
  BOLT_TRACE=1 run bb run --rm --gpu all localhost/probe sh -c 'ls /usr/local/nvidia/lib64 | grep "^libcuda.so.5"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"libcuda.so.555.42.06"* ]]
  [[ "$output" == *"nvbind-trace: request="*" select="* ]]
  [ "$(ls "$RUNROOT/nvbind/rec" | wc -l)" -eq 1 ]
}

@test "bolt run --gpu IMAGE nvidia-smi: found through the layer's link into the bundle; lists the selected GPUs" {
  # /usr/bin/nvidia-smi is a link into the bundle, which is mounted only in the container:
  # bolt's check of the command before the start must not call it missing
  run bb run --rm --gpu all localhost/probe nvidia-smi
  echo "$output"
  [ "$status" -ne 127 ]
  [[ "$output" != *"executable file not found"* ]]
  [[ "$output" == *"NVML"* ]]
  # it runs the driver's nvidia-smi and NVML from the bundle; with the mock NVML's state bound
  # in (the fake's stand-in for asking the kernel driver), it lists what a real one would: the
  # selected GPU only, numbered from 0, with the host's UUID
  st=$(ls "$TMP"/drv/usr/lib/x86_64-linux-gnu/fake-nvml-state.json)
  run bb run --rm --gpu 1 -v "$st:/nvml-state.json:ro" -e FAKE_NVML_STATE=/nvml-state.json \
    -e FAKE_NVML_DEV_DIR=/dev localhost/probe nvidia-smi -L
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "GPU 0: NVIDIA L4 (UUID: GPU-b1028956-cfa2-0990-bf4a-5da9abb51763)" ]
  run bb run --rm --gpu all -v "$st:/nvml-state.json:ro" -e FAKE_NVML_STATE=/nvml-state.json \
    -e FAKE_NVML_DEV_DIR=/dev localhost/probe nvidia-smi -L
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "${lines[1]}" = "GPU 1: NVIDIA L4 (UUID: GPU-b1028956-cfa2-0990-bf4a-5da9abb51763)" ]
  # without GPUs it is missing indeed
  run -127 bb run --rm localhost/probe nvidia-smi
  echo "$output"
  [ "$status" -eq 127 ]
  [[ "$output" == *"exec 'nvidia-smi': executable file not found in \$PATH"* ]]
  # a link that leads nowhere, in the container too, is still 127 (the runtime says so)
  mkdir -p "$TMP/dangling/usr/bin"
  cp -a "$INJ_FIX/probe/." "$TMP/dangling/"
  ln -s /nowhere/tool "$TMP/dangling/usr/bin/tool"
  tar -C "$TMP/dangling" -cf "$TMP/dangling.tar" .
  bb import "$TMP/dangling.tar" localhost/dangling >/dev/null
  run -127 bb run --rm localhost/dangling tool
  echo "$output"
  [ "$status" -eq 127 ]
}

@test "bolt rmi and image prune remove the nvbind layers of the deleted images, and the records" {
  img=$TMP/gcimg
  cp -a "$INJ_FIX/probe" "$img"
  echo other > "$img/other-image"
  tar -C "$img" -cf "$TMP/gcimg.tar" .
  bb import "$TMP/gcimg.tar" localhost/gcimg >/dev/null
  run bb run --rm --gpu all localhost/gcimg true
  [ "$status" -eq 0 ]
  run bb run --rm --gpu all localhost/probe true
  [ "$status" -eq 0 ]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 2 ]
  [ "$(ls "$RUNROOT/nvbind/rec" | wc -l)" -eq 2 ]
  run bb rmi localhost/gcimg
  echo "$output"
  [ "$status" -eq 0 ]
  # the probe image's layer stays; the records go (the next start records again)
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 1 ]
  [ ! -e "$RUNROOT/nvbind/rec" ] || [ "$(ls "$RUNROOT/nvbind/rec" | wc -l)" -eq 0 ]
  run bb run --rm --gpu all localhost/probe sh -c "$INJ_PROBE"
  [ "$status" -eq 0 ]
  [[ "$output" == *"count: 2"* ]]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 1 ]
  # an image left dangling (its name moved to another image) goes with image prune
  bb import "$TMP/gcimg.tar" localhost/gc2 >/dev/null
  run bb run --rm --gpu all localhost/gc2 true
  [ "$status" -eq 0 ]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 2 ]
  bb tag localhost/probe localhost/gc2
  run bb image prune
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ls -d "$RUNROOT"/nvbind/layer/*/*/ | wc -l)" -eq 1 ]
}

@test "bolt run --gpu: an image whose /usr/bin is a symlink keeps it (and its /tmp mode); the driver's binaries are bind-mounted instead" {
  img=$TMP/merged
  cp -a "$INJ_FIX/probe" "$img"
  mkdir -p "$img/bin"
  cp -a "$img/usr/bin/." "$img/bin/" 2>/dev/null || true
  rm -rf "$img/usr/bin"
  ln -s ../bin "$img/usr/bin"
  chmod 1777 "$img/tmp"
  tar -C "$img" -cf "$TMP/merged.tar" .
  bb import "$TMP/merged.tar" localhost/merged >/dev/null
  run bb run --rm --gpu all localhost/merged sh -c "$INJ_PROBE; echo usrbin=\$(readlink /usr/bin); test -x /usr/bin/nvidia-smi && echo smi=ok; ls -ld /tmp; echo binds=\$(grep -c ' /bin/nvidia-smi ' /proc/self/mountinfo)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"usrbin=../bin"* ]]
  [[ "$output" == *"libcuda: /usr/local/nvidia/lib64/libcuda.so.1"* ]]
  [[ "$output" == *"smi=ok"* ]]
  # the layer's /tmp (mount point of the MPS pipe directory) keeps the image's mode
  [[ "$output" == *"drwxrwxrwt"*" /tmp"* ]]
  [[ "$output" == *"binds=1"* ]]
}
