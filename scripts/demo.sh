#!/usr/bin/env bash
# One command: install packages, build, and show what `cordon run` does.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh

CORDON=./build/launcher/cordon
ws=$(mktemp -d /tmp/cordon-demo-XXXXXX)
chmod 777 "$ws"
trap 'rm -rf "$ws"' EXIT
printf 'banana\napple\ncherry\n' > "$ws/fruit.txt"
chmod 666 "$ws/fruit.txt"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }
summary() {  # prints the interesting fields of a --json result
  python3 -c '
import json, sys
r = json.load(sys.stdin)
print("outcome:", r["outcome"], "|", r["detail"] or "-", "| limit:", r["limit_hit"] or "-")
if r["denied_syscalls"]:
    print("denied:", ", ".join("%s x%d (%s)" % (d["syscall"], d["count"], d["action"]) for d in r["denied_syscalls"]))
out = r["stdout"]["data"].strip().replace("\n", " / ")
if out: print("stdout:", out[:100] + (" ..." if len(out) > 100 else ""), "(truncated)" if r["stdout"]["truncated"] else "")
t = r["time"]
print("wall %d ms, setup %.1f ms, cpu %d ms, peak memory %.1f MiB, contain %.1f ms" % (
    t["wall_ms"], t["setup_us"] / 1000, t["cpu_ms"], r["peak_memory_bytes"] / 2**20, t["contain_us"] / 1000))
applied = [c["name"] for c in r["controls"] if c["applied"]]
missing = ["%s (%s)" % (c["name"], c["detail"]) for c in r["controls"] if not c["applied"]]
print("controls applied:", " ".join(applied))
if missing: print("not applied:", "; ".join(missing))
'
}
run_json() { "$CORDON" run --json "$@" | summary || true; }

step "A normal call: sort a file in the workspace" \
  "cordon run -p sh -w $ws -- sh -c 'sort fruit.txt'"
"$CORDON" run -p sh -w "$ws" -- sh -c 'sort fruit.txt'

step "What the tool sees: its own pid namespace, no host files, no capabilities" \
  "cordon run -p sh -w $ws -- sh -c 'ps; ls /; cat /etc/shadow; grep CapEff /proc/self/status'"
"$CORDON" run -p sh -w "$ws" -- sh -c 'echo "pid $$, uid $(id -u)"; ls /proc | grep -c "^[0-9]"; ls /; cat /etc/shadow; grep CapEff /proc/self/status' || true

step "A hostile call: python tries ptrace (denied syscall -> violation, reported by name)" \
  "cordon run --json -p python3 -w $ws -- python3 -c 'import ctypes; ctypes.CDLL(None).ptrace(0,0,0,0)'"
run_json -p python3 -w "$ws" -- python3 -c 'import ctypes; ctypes.CDLL(None).ptrace(0,0,0,0)'

step "A memory bomb is stopped by the cgroup memory limit" \
  "cordon run --json -p python3 -w $ws -- python3 -c 'x=[]; while True: x.append(bytearray(1<<20))'"
run_json -p python3 -w "$ws" -- python3 -c $'x=[]\nwhile True: x.append(bytearray(1<<20))'

step "A fork bomb is stopped by the pids limit" \
  "cordon run --json -p sh -w $ws -- sh -c 'b() { b | b & }; b; sleep 5'"
run_json -p sh -w "$ws" -- sh -c 'b() { b | b & }; b; sleep 5'

step "An output flood is cut at the profile's cap" \
  "cordon run --json -p sh -w $ws -- sh -c 'yes flood'"
run_json -p sh -w "$ws" -- sh -c 'yes flood'

step "A runaway tool is killed at its wall-time limit (with its whole tree)" \
  "cordon run --json -p sh -w $ws --timeout 1s -- sh -c 'sleep 60 & sleep 60 & sleep 60'"
run_json -p sh -w "$ws" --timeout 1s -- sh -c 'sleep 60 & sleep 60 & sleep 60'

step "The network is not there" \
  "cordon run -p python3 -w $ws -- python3 -c 'import socket; socket.create_connection((\"192.0.2.1\", 80), timeout=2)'"
"$CORDON" run -p python3 -w "$ws" -- python3 -c 'import socket; socket.create_connection(("192.0.2.1", 80), timeout=2)' 2>&1 | tail -1 || true

echo
echo "Demo done. Every result above is also available as one JSON object (--json)."
