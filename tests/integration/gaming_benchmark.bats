#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `bolt gaming gpu benchmark`: measured figures are consistent (min <= median <= max, N
# samples), the bolt run pair gives a ratio, and everything not measurable here is listed
# with a reason instead of a number.

load helpers/engine
load helpers/gpu

setup() {
  eng_setup
  gpu_fixture "$BOLT_TOP/tests/fixtures/nvidia/layouts/debian-2gpu-proprietary.json" "$TMP/drv"
  gpu_use "$TMP/drv"
}

teardown() {
  eng_teardown
}

@test "benchmark: injection and bolt run with/without GPUs measured, ratio printed, the rest explained" {
  run b gaming gpu benchmark --iterations 3 --image $IMG --format json
  [ "$status" -eq 0 ]
  doc=$output
  for m in "inject: load cached plan" "inject: all GPUs into a spec" "bolt run --rm IMAGE true" \
           "bolt run --rm --gpu all IMAGE true"; do
    echo "$doc" | jq -e --arg m "$m" '.results[] | select(.name == $m) |
      .measured and .samples == 3 and .min_us <= .median_us and .median_us <= .max_us and .min_us > 0'
  done
  echo "$doc" | jq -e '.ratios[] | select(.name == "bolt run: --gpu all / no GPU") | .ratio > 0'
  # the fake driver has no GPU behind its nodes: CUDA is not measured, and says why
  echo "$doc" | jq -e '[.results[] | select(.name | startswith("cuda:"))] | length == 2 and
                       all(.measured == false and (.why | test("cuInit failed")))'
  # no docker engine / nvidia-container-cli here: each says why (never a number)
  echo "$doc" | jq -e '.results[] | select(.name == "docker run --gpus all") | .measured == false and (.why | length > 10)'
  echo "$doc" | jq -e '.results[] | select(.name == "nvidia-container-cli configure") | .measured == false'
  # benchmark containers are removed
  [ "$(n_containers)" -eq 0 ]
}

@test "benchmark: table output; without --image the bolt run timings say what to pass" {
  run b gaming gpu benchmark --iterations 2
  [ "$status" -eq 0 ]
  [[ "$output" == *"inject: all GPUs into a spec"*us* ]]
  [[ "$output" == *"not measured:"* ]]
  [[ "$output" == *"bolt run --rm IMAGE true: no --image given"* ]]
}

@test "benchmark without a driver: nothing is made up" {
  mkdir -p "$TMP/empty"
  gpu_use "$TMP/empty"
  run b gaming gpu benchmark --iterations 2 --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '[.results[] | select(.measured)] | length == 0'
  echo "$output" | jq -e '.results[] | select(.name == "inject: all GPUs into a spec") | .why | startswith("no usable driver")'
}

@test "benchmark: bad values name the flag" {
  run b gaming gpu benchmark --iterations 0
  [ "$status" -eq 2 ]
  [[ "$output" == *"--iterations '0': expected a count"* ]]
  run b gaming gpu benchmark --format csv
  [ "$status" -eq 2 ]
  [[ "$output" == *"--format 'csv': expected table or json"* ]]
  run b gaming gpu benchmark --iterations 1 --image localhost/nosuch
  [ "$status" -eq 0 ]
  [[ "$output" == *"bolt run --rm IMAGE true: \`"*"exited with status 125"* ]]
}
