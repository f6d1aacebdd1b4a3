#!/bin/bash
# `run --progress`: json gives one line per run done (runs are simulated and written by --out one
# at a time, issue 13), the fraction rising to 1; with --telemetry (the study held in memory) one
# line per run simulated, then per run written, one fraction rising to 1 across both phases (the
# ETA covers the HDF5 write); auto off a terminal prints a line per 10% step crossed, ending at 100%;
# --quiet and none print nothing.
# Usage: run_progress_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
quick="$source_dir/scenarios/quick.toml"
"$sim" run "$quick" --replications 3 --threads 2 --progress json --out "$work/a.h5" \
  2> "$work/json.err" > /dev/null
/usr/bin/python3 - "$work/json.err" <<'PY' || fail "progress JSON: $(cat "$work/json.err")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert [l["phase"] for l in lines] == ["run"] * 6, lines
assert [l["done_runs"] for l in lines] == [1, 2, 3, 4, 5, 6]
fractions = [l["fraction"] for l in lines]
assert fractions == sorted(fractions) and abs(fractions[-1] - 1) < 1e-9, fractions
assert lines[-1]["eta_s"] == 0
PY
"$sim" run "$quick" --replications 3 --threads 2 --progress json --out "$work/t.h5" \
  --telemetry "$work/t.jsonl" 2> "$work/json.err" > /dev/null
/usr/bin/python3 - "$work/json.err" <<'PY' || fail "progress JSON (in memory): $(cat "$work/json.err")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
phases = [l["phase"] for l in lines]
assert phases == ["simulate"] * 6 + ["write"] * 6, phases
assert [l["done_runs"] for l in lines] == [1, 2, 3, 4, 5, 6] * 2
fractions = [l["fraction"] for l in lines]
assert fractions == sorted(fractions) and abs(fractions[-1] - 1) < 1e-9, fractions
assert fractions[5] < 0.7, "the write phase must carry weight in the ETA"
assert lines[-1]["eta_s"] == 0
PY
"$sim" run "$quick" --replications 3 --threads 2 --out "$work/b.h5" 2> "$work/auto.err" > /dev/null
# a line each time a 10% step is crossed: 6 runs cross 6 of them
grep -c "%  " "$work/auto.err" | grep -qx 6 || fail "auto off a terminal: $(cat "$work/auto.err")"
grep -q "100%  run 6/6 runs" "$work/auto.err" || fail "auto: no 100% line: $(cat "$work/auto.err")"
"$sim" run "$quick" --replications 3 --progress none --out "$work/c.h5" 2> "$work/none.err" > /dev/null
grep -q "%" "$work/none.err" && fail "--progress none printed progress"
echo "PASS"
