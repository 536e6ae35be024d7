#!/usr/bin/env bash
# The main job: set up, build, and show bolt working. Grows with the product.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh
./build/src/cli/bolt --version
