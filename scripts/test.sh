#!/usr/bin/env bash
# One command: install packages, build, run every test (as root when run as
# root, then the rootless suites again as an unprivileged user).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
CORDON_WERROR=ON ./scripts/build.sh

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== ctest as $(id -un) (uid $(id -u))"
set +e
(cd build && ctest -j2 --output-on-failure --timeout 300) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)
if [ -n "$line" ]; then
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  nfail=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
  passed=$((passed + total - nfail))
  failed=$((failed + nfail))
fi
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

# The adversarial suite's own summary line (ctest runs one attack per process).
echo "== adversarial suite"
./build/tests/adversarial/cordon_adversarial_tests --gtest_brief=1 2>&1 | grep -E '^attacks: [0-9]+ contained: [0-9]+|NOT CONTAINED|^\[  FAILED  \]' || true

if [ "$(id -u)" -eq 0 ]; then
  # Users run `cordon run` without root: run the unit and sandbox suites
  # again as an unprivileged user, from a copy every user can read.
  id cordon-ci >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin cordon-ci
  dir=$(mktemp -d /tmp/cordon-rootless-XXXXXX)
  trap 'rm -f "$log"; rm -rf "$dir"' EXIT
  mkdir -p "$dir/tools"
  cp build/tests/cordon_unit_tests build/tests/cordon_sandbox_tests build/launcher/cordon build/runtime/cordon-spawner "$dir/"
  cp build/tests/tools/cordon-probe "$dir/tools/"
  cp -r profiles "$dir/profiles"
  cp -r runtime/rules "$dir/rules"
  chmod -R a+rX "$dir"
  chmod 755 "$dir"
  for suite in cordon_unit_tests cordon_sandbox_tests; do
    echo "== $suite as cordon-ci (unprivileged)"
    set +e
    (cd "$dir" && CORDON_TEST_PROBE_DIR="$dir/tools" CORDON_TEST_BIN="$dir/cordon" CORDON_TEST_PROFILES="$dir/profiles" \
      CORDON_SPAWNER="$dir/cordon-spawner" \
      CORDON_RULES_FILE="$dir/rules/rules.json" \
      timeout 600 setpriv --reuid=cordon-ci --regid=cordon-ci --clear-groups --inh-caps=-all \
      "$dir/$suite" --gtest_brief=1) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | sed -E 's/.*\] ([0-9]+) test.*/\1/' || true)
    f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | sed -E 's/.*\] ([0-9]+) test.*/\1/' || true)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    [ "$rc" -ne 0 ] && [ -z "$f" ] && failed=$((failed + 1))
  done
fi

# Unit tests under ASan + UBSan, then each fuzz target for about a minute.
echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
set +e
./scripts/sanitize.sh 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | sed -E 's/.*\] ([0-9]+) test.*/\1/' || true)
passed=$((passed + ${p:-0}))
[ "$rc" -ne 0 ] && failed=$((failed + 1))

echo "== fuzzing"
set +e
FUZZ_SECONDS=${FUZZ_SECONDS:-60} ./scripts/fuzz.sh 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -c 'no crash, leak or sanitizer report' "$log" || true)))
[ "$rc" -ne 0 ] && failed=$((failed + 1))

# The Debian package: build, install, socket activation, a call, purge (root only).
if [ "$(id -u)" -eq 0 ]; then
  echo "== Debian package"
  set +e
  CORDON_PKG_BUILD=build ./scripts/package-test.sh 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
