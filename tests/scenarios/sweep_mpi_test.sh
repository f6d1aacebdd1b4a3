#!/bin/bash
# `mpirun -np 3 genops-sim sweep run --mpi`: rank 0 hands out the points of a small study to
# ranks 1 and 2; every point file must hold the tables of a local `sweep run`, each point must
# have been run by a worker rank, rank 0's --json must carry each point's means (gathered over
# MPI) equal to `sweep table`'s, and a rerun under MPI must skip every point. Skipped (77) with
# the reason when mpirun is missing or genops-sim was built without MPI.
# Usage: sweep_mpi_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
command -v mpirun > /dev/null || { echo "SKIP: mpirun not found (apt-get install openmpi-bin)"; exit 77; }
"$sim" --version | grep -q ", MPI)" ||
  { echo "SKIP: $("$sim" --version): built without MPI (install libopenmpi-dev, reconfigure)"; exit 77; }
/usr/bin/python3 -c 'import h5py' 2> /dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks h5py to compare tables"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
study="$work/study.toml"
cat "$source_dir/scenarios/quick.toml" - > "$study" <<'TOML'

[sweep]
replications = 1
[[sweep.factors]]
name = "reviewers"
key = "organizations.*.reviewers.count"
values = [1, 3]
[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
values = [2, 5]
TOML
mpi=(mpirun --allow-run-as-root --oversubscribe -np 3)
"${mpi[@]}" "$sim" sweep run "$study" --out "$work/mpi" --mpi --threads 1 --json > "$work/mpi.json"
"$sim" sweep run "$study" --out "$work/local" --threads 2 --quiet
/usr/bin/python3 - "$work/mpi.json" <<'PY' || fail "MPI report"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["mpi_ranks"] == 3, report["mpi_ranks"]
assert report["points_failed"] == 0 and report["runs_executed"] == 8, report
for point in report["points"]:
    assert point["status"] == "done" and point["rank"] in (1, 2), point
    # Rank 0 gathered each point's means over replications from the worker that ran it.
    for strategy in ("baseline", "genops"):
        means = point["means"][strategy]
        assert 0 < means["success_rate"] <= 1 and means["deployments"] > 0, point
PY
# The gathered means are those `sweep table` computes from the files.
"$sim" sweep table "$work/mpi" --format json > "$work/table.json"
/usr/bin/python3 - "$work/mpi.json" "$work/table.json" <<'PY' || fail "gathered means differ from sweep table"
import json, sys
report, table = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
gathered = {(p["point"], s, m): v for p in report["points"]
            for s, ms in p["means"].items() for m, v in ms.items()}
checked = 0
for row in table["rows"]:
    value = gathered[(row["point"], row["strategy"], row["metric"])]
    assert abs(value - row["mean"]) <= 1e-9 * max(1.0, abs(row["mean"])), (row, value)
    checked += 1
assert checked >= 8 * 2, checked
PY
for p in 0 1 2 3; do
  f=$(printf 'point-%04d.h5' "$p")
  /usr/bin/python3 "$source_dir/tests/scenarios/results_tables_equal.py" "$work/mpi/$f" \
    "$work/local/$f" || fail "$f differs from the local run"
done
"${mpi[@]}" "$sim" sweep run "$study" --out "$work/mpi" --mpi --quiet | tee "$work/rerun.txt"
grep -q "0 run now, 4 already done, 0 failed; 0 runs" "$work/rerun.txt" || fail "MPI rerun redid points"
echo "PASS"
