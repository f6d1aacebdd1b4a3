#!/bin/bash
# `run --task-index/--task-count` + `genops-sim merge`: a study split into tasks (explicitly and
# from Slurm's environment) and merged must equal a one-process run of it object for object
# (tests/results/output_identity.py: every table, lookup, attribute and the audit manifest
# digest; only run-describing provenance is left out), `compare --json` must agree and
# `audit verify --expect` must accept the local run's digest. Merge must refuse a missing task,
# a duplicated replication, another study, a .partial file, an edited task file and an existing
# output; `compare` must refuse a task file. Skipped (77) without h5py.
# Usage: run_task_merge_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
/usr/bin/python3 -c 'import h5py, numpy' 2> /dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks h5py/numpy to compare files"; exit 77; }
rm -rf "$work" && mkdir -p "$work/tasks"
fail() { echo "FAIL: $*"; exit 1; }
identity="$source_dir/tests/results/output_identity.py"
quick="$source_dir/scenarios/quick.toml"
common=(--replications 3 --threads 2 --quiet)

"$sim" run "$quick" "${common[@]}" --out "$work/local.h5" > /dev/null
"$sim" run "$quick" "${common[@]}" --task-index 0 --task-count 2 --out "$work/tasks/task-{task}.h5" \
  > "$work/task0.txt"
grep -q "task 0 of 2: replications 0,2 of 3" "$work/task0.txt" || fail "task 0: $(cat "$work/task0.txt")"
# Task 1 from Slurm's array variables (an array starting at 1): the file name gets the task.
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2 \
  "$sim" run "$quick" "${common[@]}" --out "$work/tasks/slurm.h5" --json > "$work/task1.json"
[ -f "$work/tasks/slurm.task-1-of-2.h5" ] || fail "the Slurm task did not write slurm.task-1-of-2.h5"
grep -q '"replications": \[' "$work/task1.json" || fail "task JSON: $(cat "$work/task1.json")"

"$sim" merge "$work/tasks" --out "$work/merged.h5" | tee "$work/merge.txt"
grep -q "merged 2 file(s): 2 strategies x 3 replications = 6 runs" "$work/merge.txt" ||
  fail "merge summary"
/usr/bin/python3 "$identity" diff "$work/local.h5" "$work/merged.h5" ||
  fail "the merged file differs from the one-process run"
# Readers see one study: compare (minus its source path) and audit verify with the local digest.
for f in local merged; do
  "$sim" compare "$work/$f.h5" --json --resamples 200 | grep -v '"source"' > "$work/$f.compare.json"
done
cmp "$work/local.compare.json" "$work/merged.compare.json" || fail "compare --json differs"
digest=$(/usr/bin/python3 -c 'import h5py,sys; print(h5py.File(sys.argv[1])["/"].attrs["audit_manifest_sha256"].decode() if isinstance(h5py.File(sys.argv[1])["/"].attrs["audit_manifest_sha256"], bytes) else h5py.File(sys.argv[1])["/"].attrs["audit_manifest_sha256"])' "$work/local.h5")
"$sim" audit verify "$work/merged.h5" --expect "$digest" > /dev/null ||
  fail "audit verify --expect (local digest) refused the merged file"

expect_refusal() {  # expect_refusal WHAT PATTERN COMMAND...
  local what=$1 pattern=$2
  shift 2
  local status=0
  "$@" > "$work/refusal.txt" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "$what: exit $status, expected 2: $(cat "$work/refusal.txt")"
  grep -q -- "$pattern" "$work/refusal.txt" || fail "$what: message: $(cat "$work/refusal.txt")"
  [ -e "$work/out.h5" ] && fail "$what: wrote out.h5"
  return 0
}
expect_refusal "missing task" "replication(s) 1 of 3 are in none" \
  "$sim" merge "$work/tasks/task-0.h5" --out "$work/out.h5"
cp "$work/tasks/task-0.h5" "$work/copy.h5"
expect_refusal "duplicate" "replication 0 is in both" \
  "$sim" merge "$work/tasks" "$work/copy.h5" --out "$work/out.h5"
expect_refusal "named twice" "named twice" \
  "$sim" merge "$work/tasks/task-0.h5" "$work/tasks/task-0.h5" --out "$work/out.h5"
"$sim" run "$quick" "${common[@]}" --seed 7 --task-index 1 --task-count 2 --out "$work/seed7.h5"
expect_refusal "other study" "is not part of the study" \
  "$sim" merge "$work/tasks/task-0.h5" "$work/seed7.task-1-of-2.h5" --out "$work/out.h5"
expect_refusal "existing output" "exists" \
  "$sim" merge "$work/tasks" --out "$work/merged.h5"
expect_refusal "task file read as a study" "genops-sim merge" \
  "$sim" compare "$work/tasks/task-0.h5"
mkdir -p "$work/partial" && cp "$work/tasks/task-0.h5" "$work/partial/"
: > "$work/partial/task-1.h5.123-abc.partial"
expect_refusal "partial file" "partial" "$sim" merge "$work/partial" --out "$work/out.h5"
expect_refusal "too many tasks" "task count 4" \
  "$sim" run "$quick" "${common[@]}" --task-index 0 --task-count 4 --out "$work/out.h5"
# An edited task file: one deployment's cycle time changed after the run wrote it.
mkdir -p "$work/edited" && cp "$work/tasks/"*.h5 "$work/edited/"
/usr/bin/python3 - "$work/edited/task-0.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    column = f["/runs/baseline/rep0/deployments/cycle_time_min"]
    column[0] = column[0] + 1.0
PY
expect_refusal "edited task file" "does not match the run's rows" \
  "$sim" merge "$work/edited" --out "$work/out.h5"
echo "PASS"
