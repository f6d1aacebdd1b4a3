#!/usr/bin/env bash
# The README's test command and CI's (.ci/run): installs dependencies, checks formatting, builds
# the release preset and runs the whole CTest suite (unit, contract, determinism, golden,
# statistical, bad-input, benchmark smoke runs; extra arguments go to that ctest); then the
# sanitizer stages:
#   dev     the `unit` and `bad-input` labels (this includes the fuzz_replay_* tests) built with
#           ASan + UBSan (Debug, dev preset); a UBSan report fails the test
#   fuzz    each libFuzzer target for FUZZ_SECONDS (default 60) seconds (scripts/fuzz.sh)
# GENOPS_SANITIZER_STAGES=0 skips the sanitizer stages (a quick local run); CI runs them all.
# Each stage prints its wall and CPU time (user + system of its processes); README, Contributing,
# has the figures measured on 2 cores (the sanitizer stages add about 15 minutes on idle CI).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc 2>/dev/null || echo 2)"

# Runs "$@" as the stage named $1, timed.
stage() {
  local name="$1"
  shift
  TIMEFORMAT="test.sh: stage '$name': %0R s wall, %0U s user + %0S s system CPU"
  time "$@"
}

stage install-deps scripts/install-deps.sh
stage format scripts/check-format.sh
stage release-build scripts/build.sh release
stage release-tests ctest --preset release -j "$jobs" "$@"
if [ "${GENOPS_SANITIZER_STAGES:-1}" = 0 ]; then
  echo "test.sh: sanitizer stages skipped (GENOPS_SANITIZER_STAGES=0)"
  exit 0
fi
stage dev-build scripts/build.sh dev
# UBSan reports fail the test instead of scrolling past; leaks are the fuzzers' business (LSan
# is on in scripts/fuzz.sh).
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
  stage dev-tests ctest --preset dev -j "$jobs" -L 'unit|bad-input'
# A fixed libFuzzer seed keeps the CI smoke reproducible; exploratory runs use scripts/fuzz.sh alone.
FUZZ_SEED="${FUZZ_SEED:-1}" FUZZ_SECONDS="${FUZZ_SECONDS:-60}" stage fuzz scripts/fuzz.sh
