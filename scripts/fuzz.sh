#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 60) from its seed corpus. Fails on any crash, leak
# or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCORDON_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_protocol fuzz_profile fuzz_filter
for t in protocol profile filter; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$t/* "$work/"
  echo "== fuzz_$t for ${secs}s"
  log="$work.log"
  set +e
  ./build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" -print_final_stats=1 "$work" >"$log" 2>&1
  rc=$?
  set -e
  grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written' "$log" || true
  if [ "$rc" -ne 0 ]; then tail -40 "$log"; fi
  rm -rf "$work" "$log"
  if [ "$rc" -ne 0 ]; then echo "fuzz_$t FAILED (exit $rc)"; exit 1; fi
  echo "fuzz_$t: no crash, leak or sanitizer report"
done
