# SPDX-License-Identifier: Apache-2.0
# Shared helpers for GPU tests: fake NVIDIA driver roots built by
# tests/fixtures/nvidia/mkfakedriver, and the environment that points bolt at them.

BOLT_TOP=${BOLT_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BOLT=${BOLT:-$BOLT_TOP/build/src/cli/bolt}
MKFAKEDRIVER=$BOLT_TOP/tests/fixtures/nvidia/mkfakedriver

# gpu_fixture LAYOUT DIR [ARGS...]: build a fake driver root (fails the test on error).
gpu_fixture() {
  local layout=$1 dir=$2
  shift 2
  "$MKFAKEDRIVER" "$@" "$layout" "$dir" >/dev/null || {
    echo "mkfakedriver $layout failed" >&2
    return 1
  }
}

# gpu_use DIR: point every nvbind root at DIR (as a real host would have them at /).
gpu_use() {
  export BOLT_DRIVER_ROOT=$1 BOLT_DEV_ROOT=$1 BOLT_PROC_ROOT=$1 BOLT_SYS_ROOT=$1
}

# bolt_gpu ARGS...: bolt with a private runroot/root (GPU_STATE must be set by setup).
bolt_gpu() {
  "$BOLT" --root "$GPU_STATE/root" --runroot "$GPU_STATE/run" "$@"
}
LDCACHE_TOOL=${LDCACHE_TOOL:-${BOLT_BUILD:-$BOLT_TOP/build}/tests/helpers/ldcache-tool}
