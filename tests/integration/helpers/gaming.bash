# SPDX-License-Identifier: Apache-2.0
# Helpers for the gaming tests (gaming_{perf,profile,audio,display}*.bats): the fake driver
# extension for performance modes (cpufreq governors under the fake sys_root) and the mock
# NVML's call record.

load helpers/inject

# gm_cpufreq DRIVER_ROOT GOVERNOR [NCPUS]: cpuN/cpufreq/scaling_governor files under the
# fake sys root (a real kernel has them under /sys/devices/system/cpu).
gm_cpufreq() {
  local root=$1 gov=$2 n=${3:-2} i d
  for ((i = 0; i < n; i++)); do
    d=$root/sys/devices/system/cpu/cpu$i/cpufreq
    mkdir -p "$d"
    echo "$gov" > "$d/scaling_governor"
    echo "performance powersave schedutil ondemand" > "$d/scaling_available_governors"
  done
}

# gm_governors DRIVER_ROOT: "cpu0=gov cpu1=gov ..."
gm_governors() {
  local f out=""
  for f in "$1"/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
    out="$out $(basename "$(dirname "$(dirname "$f")")")=$(cat "$f")"
  done
  echo "${out# }"
}

# gm_calls DRIVER_ROOT: the mock NVML's record of setter calls (64-bit library's state).
gm_calls() {
  cat "$1/usr/lib/x86_64-linux-gnu/fake-nvml-state.json.calls" 2>/dev/null || true
}

gm_calls_clear() {
  rm -f "$1/usr/lib/x86_64-linux-gnu/fake-nvml-state.json.calls"
}
