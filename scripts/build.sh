#!/usr/bin/env bash
# Configures and builds Cordon into ./build (RelWithDebInfo, warnings as
# errors: the code is warning-free with Debian 12's toolchain, and one
# setting keeps the demo and the tests from rebuilding each other's tree).
# The prefix is /usr, as in the Debian package, so the package test can
# package this very build instead of compiling everything again.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_INSTALL_PREFIX=/usr -DCORDON_WERROR="${CORDON_WERROR:-ON}" >/dev/null
cmake --build build -j"$(nproc)"
