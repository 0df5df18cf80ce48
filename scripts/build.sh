#!/usr/bin/env bash
# Configures and builds Cordon into ./build (Release with debug info).
set -euo pipefail
cd "$(dirname "$0")/.."
WERROR=OFF
[ "${CI:-}" = "true" ] && WERROR=ON
cmake -S . -B build -G Ninja -DCORDON_WERROR="${CORDON_WERROR:-$WERROR}" >/dev/null
cmake --build build -j"$(nproc)"
