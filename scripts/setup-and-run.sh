#!/usr/bin/env bash
# The README's main command: installs dependencies, builds the release preset and runs the
# default job. Extra arguments are passed to the default job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/scenarios/genops-sim run scenarios/paper.toml "$@"
