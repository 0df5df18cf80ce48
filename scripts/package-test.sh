#!/usr/bin/env bash
# The Debian package, end to end (root only):
#  1. builds the .deb with CPack (prefix /usr, in ./build-pkg or $CORDON_PKG_BUILD,
#     reusing that build when it is already configured for /usr);
#  2. installs it with apt and checks what postinst did (group, units enabled);
#  3. starts cordond from the installed files the way the units do: the
#     socket bound by systemd-socket-activate and passed as fd 3, the unit's
#     capability bounding set and NoNewPrivileges, ProtectSystem=full and
#     PrivateTmp in a private mount namespace, and the source tree hidden;
#  4. calls it through the socket with the installed `cordon` (a group
#     member's call, `cordon mcp`, a non-member refused) and runs `cordon run`
#     from the installed profiles;
#  5. stops it, purges the package and checks that nothing is left but the
#     `cordon` group (Debian leaves system groups in place).
# Ends with "package-test: ok", or "package-test: FAILED: <why>" and exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "package-test: must run as root (it installs and purges a package)" >&2; exit 1; }
./scripts/setup.sh

build=${CORDON_PKG_BUILD:-build-pkg}
units=/usr/lib/systemd/system
user=cordon-pkgtest
ws=/var/lib/cordon/pkgtest
work=$(mktemp -d /tmp/cordon-pkgtest-XXXXXX)
daemon_pid=""

step() { echo "== package-test: $*"; }
fail() {
  echo "package-test: FAILED: $*" >&2
  [ -f "$work/cordond.log" ] && sed 's/^/  cordond: /' "$work/cordond.log" >&2
  exit 1
}
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$daemon_pid" 2>/dev/null || true
    rm -f /run/cordon/cordond.sock  # what RemoveOnStop= would do
  fi
  rm -rf "$ws"
  if dpkg-query -W -f='${Status}' cordon 2>/dev/null | grep -q installed; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq cordon >/dev/null 2>&1 || true
  fi
  id "$user" >/dev/null 2>&1 && userdel "$user" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Files and directories with "cordon" in their name outside the source tree.
snapshot() {
  find /etc /usr /var/lib /run /opt -xdev -iname '*cordon*' -not -path "$repo/*" -not -path '/run/user/*' 2>/dev/null | sort
}
# KEY=value from a unit file (the last one wins).
unit_value() { sed -n "s/^$2=//p" "$1" | tail -1; }

# ---------------------------------------------------------------- 1. build
step "building the .deb in $build"
if [ -f "$build/CMakeCache.txt" ] && grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$build/CMakeCache.txt"; then
  # A build configured for /usr (scripts/build.sh's): package it as it is
  # (tests have no install rules), rather than compiling everything again.
  echo "reusing the /usr-prefixed build in $build"
else
  cmake -S . -B "$build" -G Ninja -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORDON_TESTS=OFF \
    -DCORDON_WERROR=ON -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=OFF >/dev/null
fi
cmake --build "$build" -j"$(nproc)"  # everything the install rules name
rm -f "$build"/cordon_*.deb
(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(realpath "$build"/cordon_*_*.deb)
echo "built $deb ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for f in ./usr/sbin/cordond ./usr/bin/cordon ./usr/libexec/cordon/cordon-spawner ./usr/share/cordon/profiles/sh.json ./usr/share/cordon/profiles/rg.json \
  ./usr/share/cordon/rules/rules.json ./etc/cordon/cordond.json ./etc/cordon/policy.json ./etc/cordon/profiles/ \
  .$units/cordond.service .$units/cordond.socket ./usr/share/doc/cordon/PROTOCOL.md \
  ./usr/share/doc/cordon/examples/python/cordon_client.py; do
  grep -qx -- "$f" "$work/contents" || fail "the package lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in libseccomp libhyperscan adduser init-system-helpers; do
  grep -q "$d" <<<"$depends" || fail "Depends lacks $d: $depends"
done

# The Kubernetes manifest parses and agrees with the units.
python3 - "$repo/packaging/kubernetes/cordond-daemonset.yaml" "$repo/packaging/systemd/cordond.socket" <<'EOF' || fail "packaging/kubernetes/cordond-daemonset.yaml"
import re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"]: d for d in docs}
assert {"Namespace", "ConfigMap", "DaemonSet"} <= set(kinds), kinds.keys()
listen = re.search(r"^ListenStream=(.*)$", open(sys.argv[2]).read(), re.M).group(1)
config = kinds["ConfigMap"]["data"]["cordond.json"]
assert re.search(r'"socket":\s*"%s"' % re.escape(listen), config), "ConfigMap socket differs from " + listen
pod = kinds["DaemonSet"]["spec"]["template"]["spec"]
paths = {v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
assert listen.rsplit("/", 1)[0] in paths, paths
EOF

# ---------------------------------------------------------------- 2. install
if dpkg-query -W -f='${Status}' cordon 2>/dev/null | grep -q installed; then
  step "purging a cordon package left installed"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq cordon >/dev/null
fi
snapshot >"$work/before"
step "installing $(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt-get install"; }
dpkg-query -W -f='${Status}' cordon | grep -q "install ok installed" || fail "dpkg does not list cordon as installed"
getent group cordon >/dev/null || fail "postinst did not create the cordon group"
[ -d /var/lib/cordon/agents ] || fail "postinst did not create /var/lib/cordon/agents"
[ -L /etc/systemd/system/sockets.target.wants/cordond.socket ] || fail "cordond.socket is not enabled"
[ -L /etc/systemd/system/multi-user.target.wants/cordond.service ] || fail "cordond.service is not enabled"
dpkg-query -W -f='${Conffiles}\n' cordon | grep -q /etc/cordon/policy.json || fail "policy.json is not a conffile"
systemd-analyze verify "$units/cordond.socket" "$units/cordond.service" >"$work/verify.log" 2>&1 ||
  { cat "$work/verify.log"; fail "systemd-analyze verify"; }
echo "installed; group cordon, units enabled, conffiles: $(dpkg-query -W -f='${Conffiles}' cordon | awk 'NF {print $1}' | tr '\n' ' ')"

# A tenant for the test: a user in the cordon group, with its own workspace.
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
usermod -a -G cordon "$user"
uid=$(id -u "$user")
mkdir -p "$ws/project"
echo "the needle is here" >"$ws/project/notes.txt"
chown -R "$user:$user" "$ws"
cat >/etc/cordon/policy.json <<EOF
{
  "tenants": {
    "agents": {"uids": [1001], "tools": ["sh", "python3"], "workspace_root": "/var/lib/cordon/agents"},
    "pkgtest": {"uids": [$uid], "tools": ["sh", "rg"], "workspace_root": "$ws"}
  },
  "admins": {"uids": [0], "gids": []}
}
EOF

# ---------------------------------------------------------------- 3. start
listen=$(unit_value "$units/cordond.socket" ListenStream)
mode=$(unit_value "$units/cordond.socket" SocketMode)
group=$(unit_value "$units/cordond.socket" SocketGroup)
dirmode=$(unit_value "$units/cordond.socket" DirectoryMode)
exec_start=$(unit_value "$units/cordond.service" ExecStart)
caps=""
for c in $(unit_value "$units/cordond.service" CapabilityBoundingSet); do
  caps+=",+$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"
done
nnp=""
[ "$(unit_value "$units/cordond.service" NoNewPrivileges)" = yes ] && nnp=--no-new-privs
if [ -z "$listen" ] || [ -z "$exec_start" ] || [ -z "$caps" ]; then fail "cannot read the installed units"; fi

step "starting '$exec_start' through socket activation on $listen (bounding set ${caps#,})"
mkdir -p "$(dirname "$listen")"
chmod "$dirmode" "$(dirname "$listen")"
rm -f "$listen"
# shellcheck disable=SC2086,SC2016  # ExecStart is split into words, as systemd does
unshare --mount --propagation slave -- sh -c '
  set -e
  mount -t tmpfs -o mode=0755 tmpfs "$0"
  for d in /usr /boot /efi /etc; do
    if [ -d "$d" ]; then mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"; fi
  done
  mount -t tmpfs -o mode=1777 tmpfs /tmp
  mount -t tmpfs -o mode=1777 tmpfs /var/tmp
  exec "$@"' "$repo" systemd-socket-activate -l "$listen" -- \
  setpriv --bounding-set=-all"$caps" --inh-caps=-all $nnp -- $exec_start >"$work/cordond.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$listen" ] && break; sleep 0.1; done
[ -S "$listen" ] || fail "systemd-socket-activate did not bind $listen"
chgrp "$group" "$listen"
chmod "$mode" "$listen"

# ---------------------------------------------------------------- 4. calls
as_user() { setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"; }

step "calls through the socket"
health=$(/usr/bin/cordon health --socket "$listen") || fail "cordon health: $health"
echo "health: $health"
grep -q "listening on $listen (socket activation)" "$work/cordond.log" || fail "cordond did not take the passed socket"
grep -q "spawner: /usr/libexec/cordon/cordon-spawner " "$work/cordond.log" || fail "cordond does not use the installed cordon-spawner"

out=$(cd / && as_user /usr/bin/cordon call --socket "$listen" -w project sh -- sh -c 'echo "hello from a sandbox"; cat notes.txt') ||
  fail "cordon call as $user: $out"
echo "$out"
if ! grep -q "^hello from a sandbox$" <<<"$out" || ! grep -q "^the needle is here$" <<<"$out"; then
  fail "unexpected output: $out"
fi

mcp_out=$(printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"package-test","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_code","arguments":{"pattern":"needle"}}}' |
  (cd / && as_user timeout 60 /usr/bin/cordon mcp --socket "$listen" --workspace project)) || fail "cordon mcp: $mcp_out"
python3 - "$mcp_out" <<'EOF' || fail "cordon mcp answered: $mcp_out"
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
call = next(m for m in lines if m.get("id") == 2)["result"]
assert call["isError"] is False and "notes.txt:1:the needle is here" in call["content"][0]["text"], call
assert call["structuredContent"]["outcome"] == "ok", call
print("mcp: search_code ->", call["content"][0]["text"].strip(), "| data class:", call["structuredContent"].get("data_class"))
EOF

if denied=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups -- /usr/bin/cordon health --socket "$listen" 2>&1); then
  fail "a user outside the cordon group reached the socket: $denied"
fi
grep -q "Permission denied" <<<"$denied" || fail "unexpected refusal: $denied"
echo "outside the cordon group: $denied"

# `cordon run` finds the installed profiles (the source tree hidden).
mkdir -m 0755 "$work/run-ws"
# shellcheck disable=SC2016
run_out=$(unshare --mount --propagation slave -- sh -c 'mount -t tmpfs tmpfs "$0" && cd / &&
  /usr/bin/cordon run -p sh --workdir "$1" -- sh -c "echo run-ok"' "$repo" "$work/run-ws") ||
  fail "cordon run -p sh from the installed profiles: $run_out"
[ "$run_out" = run-ok ] || fail "cordon run printed: $run_out"
echo "cordon run with the installed profiles: $run_out"

# ---------------------------------------------------------------- 5. stop, purge
step "stopping (SIGTERM) and purging"
kill -TERM "$daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=""
[ "$rc" -eq 0 ] || fail "cordond exited with $rc after SIGTERM"
grep -q "stopped" "$work/cordond.log" || fail "cordond did not log its stop"
[ -S "$listen" ] || fail "cordond unlinked the socket systemd owns"
rm -f "$listen"  # RemoveOnStop=yes

rm -rf "$ws"  # the test's workspace; purge keeps workspaces that hold files
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq cordon >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get purge"; }
if dpkg-query -W -f='${Status}' cordon 2>/dev/null | grep -q installed; then fail "cordon is still installed"; fi
snapshot >"$work/after"
left=$(comm -13 "$work/before" "$work/after")
[ -z "$left" ] || fail "files are left after the purge: $left"
for f in /usr/sbin/cordond /usr/bin/cordon /etc/cordon /usr/share/cordon /var/lib/cordon "$units/cordond.service"; do
  [ ! -e "$f" ] || fail "$f is left after the purge"
done
if ls /etc/systemd/system/*/cordond.* /var/lib/systemd/deb-systemd-helper-enabled/*cordond* >/dev/null 2>&1; then
  fail "systemd state is left after the purge"
fi
getent group cordon >/dev/null && echo "the cordon group stays, as Debian leaves system groups (delgroup cordon removes it)"
echo "package-test: ok"
