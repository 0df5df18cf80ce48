#!/usr/bin/env bash
# Installs every Debian package Cordon's build, tests and demo need. Idempotent.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  libseccomp-dev libcap-dev libssl-dev
  libboost-dev libboost-system-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev libhyperscan-dev
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev
  bubblewrap python3 coreutils procps util-linux iproute2
  systemd init-system-helpers adduser dpkg-dev python3-yaml
  nodejs git ripgrep jq sqlite3 make findutils sed grep
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
