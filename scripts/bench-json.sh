#!/usr/bin/env bash
# Runs the benchmarks and writes one Google Benchmark JSON file per executable, with the git
# commit, whether the tree had uncommitted changes, and the CPU model in each file's "context"
# (next to what Google Benchmark records itself: host, CPUs, caches, load average).
#   scripts/bench-json.sh OUT_DIR [BENCH ...] [-- extra benchmark flags]
# BENCH defaults to engine_bench retrieval_bench study_bench (from build/release/bench).
# Compare two runs with scripts/bench-compare.sh (bench/README.md explains the workflow).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [BENCH ...] [-- benchmark flags]" >&2; exit 2; }
out="$1"
shift
benches=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  benches+=("$1")
  shift
done
[ $# -gt 0 ] && shift
[ ${#benches[@]} -gt 0 ] || benches=(engine_bench retrieval_bench study_bench)
mkdir -p "$out"
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
dirty=$([ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo false || echo true)
# Google Benchmark splits --benchmark_context on ',' and '=': keep them out of the values.
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//; s/[,=]/ /g')
context="git_commit=${commit},git_dirty=${dirty},cpu_model=${cpu:-unknown}"
for bench in "${benches[@]}"; do
  binary="build/release/bench/${bench}"
  [ -x "$binary" ] || { echo "bench-json: $binary not built" >&2; exit 2; }
  echo "bench-json: ${bench} -> ${out}/${bench}.json"
  "$binary" --benchmark_out="${out}/${bench}.json" --benchmark_out_format=json \
    --benchmark_context="$context" "$@"
done
