#!/usr/bin/env bash
# Configures and builds hpcnet into BUILD_DIR (default ./build).
# Extra arguments go to cmake's configure step (e.g. -DHPCNET_ASAN=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
