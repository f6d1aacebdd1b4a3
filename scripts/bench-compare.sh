#!/usr/bin/env bash
# Compares two Google Benchmark JSON files (from scripts/bench-json.sh) benchmark by benchmark
# with Google Benchmark's own tools/compare.py (Debian package libbenchmark-tools), which prints
# the relative change of time per benchmark and, given repetitions, a Mann-Whitney U test.
#   scripts/bench-compare.sh BEFORE.json AFTER.json [compare.py options, e.g. --display_aggregates_only]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BEFORE.json AFTER.json [options]" >&2; exit 2; }
compare=/usr/share/benchmark/compare.py
[ -f "$compare" ] || { echo "bench-compare: $compare missing (apt-get install libbenchmark-tools)" >&2; exit 2; }
# compare.py needs scipy: Debian's python3-scipy, installed for the system interpreter.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
before="$1"
after="$2"
shift 2
for file in "$before" "$after"; do
  "$python" - "$file" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])).get("context", {})
print(f"{sys.argv[1]}: commit {c.get('git_commit', '?')} (dirty: {c.get('git_dirty', '?')}), "
      f"{c.get('cpu_model', '?')}, {c.get('num_cpus', '?')} CPUs, load {c.get('load_avg', '?')}")
PY
done
exec "$python" "$compare" "$@" benchmarks "$before" "$after"
