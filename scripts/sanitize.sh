#!/usr/bin/env bash
# Builds and runs the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -G Ninja -DCORDON_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCORDON_WERROR=ON >/dev/null
cmake --build build-asan -j"$(nproc)" --target cordon_unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./build-asan/tests/cordon_unit_tests --gtest_brief=1
