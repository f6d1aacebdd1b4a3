#!/usr/bin/env bash
# The README's test command: installs dependencies, checks formatting, builds
# the release preset and runs the whole CTest suite (unit, contract,
# determinism, golden, statistical, bad-input, benchmark smoke runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh
scripts/build.sh release
ctest --preset release -j "$(nproc 2>/dev/null || echo 2)" "$@"
