#!/usr/bin/env bash
# The README's test command: installs dependencies, checks formatting, builds the release preset
# and runs the whole CTest suite (unit, contract, determinism, golden, statistical, bad-input,
# benchmark smoke runs); then the sanitizer stages: the fast labels (unit, bad-input) under
# ASan + UBSan (dev preset) and each libFuzzer target for FUZZ_SECONDS (default 30) seconds
# (fuzz preset, scripts/fuzz.sh). GENOPS_SKIP_SANITIZERS=1 stops after the release suite.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc 2>/dev/null || echo 2)"
scripts/install-deps.sh
scripts/check-format.sh
scripts/build.sh release
ctest --preset release -j "$jobs" "$@"
if [ "${GENOPS_SKIP_SANITIZERS:-0}" = 1 ]; then
  exit 0
fi
scripts/build.sh dev
# UBSan reports fail the test instead of scrolling past; leaks are the fuzzers' business.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
  ctest --preset dev -j "$jobs" -L 'unit|bad-input'
scripts/fuzz.sh
