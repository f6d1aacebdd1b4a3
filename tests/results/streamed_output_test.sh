#!/bin/bash
# `run --out` streams: organizations in batches, appended to the results file as they finish
# (StudyResultsWriter::begin_run / append / end_run). Its file must have exactly the content of
# the whole study held in memory and written by write_run (the path `run --telemetry` takes),
# at any batch size and thread count: output_identity.py diff compares every group, dataset
# (values and storage: chunks, filters, shape) and attribute, leaving out only clock values.
# 300 days of quick.toml's world (one replication, 2 threads, batches of 1 and all) make the
# GenOps audit and AWU tables longer than 32,768 rows, so chunked tables are streamed, not only
# the buffered short ones.
# Usage: streamed_output_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
if ! /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks h5py or numpy"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
scenario="$source_dir/scenarios/quick.toml"
identity="$source_dir/tests/results/output_identity.py"
for name in quick long; do
  sets=() thread_counts="1 2" batches="1 2 0"
  if [[ $name == long ]]; then
    sets=(--set duration_days=300 --set replications=1) thread_counts=2 batches="1 0"
  fi
  for threads in $thread_counts; do
    # (the root attribute `threads` records --threads: compare files made with the same)
    "$sim" run "$scenario" "${sets[@]}" --quiet --threads $threads --telemetry "$work/$name.jsonl" \
      --force --out "$work/$name-memory-t$threads.h5" > /dev/null || fail "$name: in-memory run failed"
    for batch in $batches; do
      out="$work/$name-b$batch-t$threads.h5"
      "$sim" run "$scenario" "${sets[@]}" --quiet --threads $threads --batch-organizations $batch \
        --out "$out" > /dev/null || fail "$name: streamed run (batch $batch, $threads threads) failed"
      /usr/bin/python3 "$identity" diff "$work/$name-memory-t$threads.h5" "$out" ||
        fail "$name: batch $batch, $threads threads differs from the in-memory file"
    done
  done
done
/usr/bin/python3 - "$work/long-b1-t2.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    longest = max(f[f"runs/{s}/rep0/{t}/{c}"].shape[0] for s in f["runs"]
                  for t in ("audit", "resources", "deployments") for c in ("time_min",)
                  if f"runs/{s}/rep0/{t}/{c}" in f)
    print(f"longest streamed table: {longest} rows")
    assert longest > 32768, "the long case does not reach the streamed (chunked) tables"
PY
echo "PASS"
