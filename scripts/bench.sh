#!/usr/bin/env bash
# The benchmark (issue #8), one command: installs packages, builds cordon,
# cordond and cordon_bench, runs the benchmark and writes
# bench/results/latest.json. Run it as root on an otherwise idle machine;
# it takes a few minutes. Extra arguments go to cordon_bench
# (e.g. --quick, --rounds 1000; see `cordon_bench --help`).
# CORDON_BUILD_DIR picks the build directory (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build=${CORDON_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCORDON_WERROR="${CORDON_WERROR:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target cordon cordond cordon_bench
mkdir -p bench/results
exec "$build/bench/cordon_bench" --json bench/results/latest.json "$@"
