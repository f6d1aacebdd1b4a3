#!/bin/bash
# `genops-sim sweep run` end to end on a small study of scenarios/quick.toml:
#   1. the same study at --threads 1 and 2, and a point file against `run --out` of that point:
#      bit-identical tables;
#   2. static sharding (--task-index/--task-count and SLURM_ARRAY_TASK_ID/COUNT): the shards'
#      files are the single-machine files;
#   3. a real SIGINT in the middle of a sweep, then a rerun: finished points are not redone
#      (same inode and mtime), the rest completes, `sweep status` says done;
#   4. `report DIR --svg/--html` draws response curves (panels, bands, lines checked in the SVG);
#      stale and damaged point files are refused without --force and re-run with it; `sweep
#      status DIR` reads the plan from DIR/sweep.json; another plan in the directory is refused;
#   5. a point that cannot be written is logged as failed, the others go on (exit 1), and a
#      rerun after the cause is gone runs only that point.
# Usage: sweep_cli_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
compare=(/usr/bin/python3 "$source_dir/tests/scenarios/results_tables_equal.py")
if ! /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks h5py (python3-h5py) to compare tables"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

# The quick world, named after its point, swept over reviewers x CI runners.
study="$work/study.toml"
sed 's/^name = "quick"/name = "quick-r${reviewers}-c${runners}"/' \
  "$source_dir/scenarios/quick.toml" > "$study"
cat >> "$study" <<'EOF'

[sweep]
replications = 1

[[sweep.factors]]
name = "reviewers"
key = "organizations.*.reviewers.count"
values = [2, 4]

[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
from = 2
to = 6
step = 2
EOF
points=6

echo "== plan"
"$sim" sweep plan "$study" | tee "$work/plan.txt"
grep -q "6 points x 2 strategies x 1 replications = 12 runs" "$work/plan.txt" ||
  fail "plan count"
[ "$("$sim" sweep plan "$study" --filter strategy=genops --filter runners=4 | tail -1)" = \
  "2 of 12 runs selected" ] || fail "filter"

echo "== threads 1 and 2 give identical tables"
"$sim" sweep run "$study" --out "$work/t1" --threads 1 --quiet
"$sim" sweep run "$study" --out "$work/t2" --threads 2 --quiet
for p in $(seq 0 $((points - 1))); do
  f=$(printf 'point-%04d.h5' "$p")
  "${compare[@]}" "$work/t1/$f" "$work/t2/$f" || fail "threads differ at $f"
done
echo "== --progress json: one line per run, cost-weighted fraction ending at 1"
"$sim" sweep run "$study" --out "$work/progress" --filter point=0..2 --progress json \
  2> "$work/progress.jsonl" > /dev/null
/usr/bin/python3 - "$work/progress.jsonl" <<'EOF' || fail "progress JSON"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(lines) == 6, len(lines)
assert [l["done_runs"] for l in lines] == [1, 2, 3, 4, 5, 6]
assert all(l["total_runs"] == 6 for l in lines)
fractions = [l["fraction"] for l in lines]
assert fractions == sorted(fractions) and abs(fractions[-1] - 1) < 1e-12, fractions
assert lines[-1]["eta_s"] == 0
EOF

echo "== a point file is the file of 'run --out' with that point's overrides"
"$sim" run "$study" --quiet --replications 1 --set name=quick-r4-c6 \
  --set 'organizations.*.reviewers.count=4' --set 'organizations.*.ci_runners=6' \
  --out "$work/run-point5.h5" > /dev/null
"${compare[@]}" "$work/t1/point-0005.h5" "$work/run-point5.h5" || fail "point 5 != run --out"
/usr/bin/python3 - "$work/t1/point-0005.h5" <<'EOF' || fail "point provenance"
import json, sys, h5py
# Strings are fixed-length (results schema 2): h5py gives bytes.
a = {k: (v.decode() if isinstance(v, bytes) else v)
     for k, v in h5py.File(sys.argv[1], "r").attrs.items()}
assert a["status"] == "complete", a["status"]
assert a["sweep_point"] == "5", a["sweep_point"]
assert json.loads(a["sweep_factors"]) == {"reviewers": 4, "runners": 6}, a["sweep_factors"]
assert a["sweep_overrides"].split("\n") == [
    "organizations.*.reviewers.count=4", "organizations.*.ci_runners=6"], a["sweep_overrides"]
assert len(a["config_sha256"]) == 64 and a["git_sha"] and a["engine_version"]
EOF

echo "== sharding: two tasks write the single-machine files"
"$sim" sweep run "$study" --out "$work/shards" --task-index 0 --task-count 2 --quiet
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$sim" sweep run "$study" --out "$work/shards" \
  --quiet | tee "$work/shard1.txt"
grep -q "task 1 of 2" "$work/shard1.txt" || fail "SLURM_ARRAY_TASK_ID was not read"
[ "$(ls "$work/shards" | grep -c '\.h5$')" = "$points" ] || fail "shards missed points"
for p in $(seq 0 $((points - 1))); do
  f=$(printf 'point-%04d.h5' "$p")
  "${compare[@]}" "$work/t1/$f" "$work/shards/$f" || fail "shard file differs at $f"
done
"$sim" sweep status "$study" --out "$work/shards" | tail -1 | grep -q "6 of 6 points done" ||
  fail "status after shards"

echo "== SIGINT, then resume"
# Slow enough to interrupt: more replications per point.
int="$work/interrupted"
# Job control on: a non-interactive shell starts background jobs with SIGINT ignored.
set -m
"$sim" sweep run "$study" --out "$int" --threads 2 --replications 4 --quiet &
pid=$!
set +m
for _ in $(seq 1 600); do
  [ -e "$int/point-0000.h5" ] && break
  sleep 0.05
done
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -ne 0 ] || fail "the sweep finished before SIGINT (make it slower)"
done_before=$(ls "$int" | grep -c '\.h5$' || true)
[ "$done_before" -ge 1 ] && [ "$done_before" -lt "$points" ] ||
  fail "expected some but not all points done after SIGINT, got $done_before"
stat -c '%n %i %Y' "$int"/*.h5 > "$work/before.txt"
"$sim" sweep status "$study" --out "$int" --replications 4 && fail "status said complete"
"$sim" sweep run "$study" --out "$int" --threads 2 --replications 4 --quiet |
  tee "$work/resume.txt"
grep -q ", $done_before already done," "$work/resume.txt" || fail "resume did not skip"
grep -q "$(( (points - done_before) * 8 )) runs in" "$work/resume.txt" ||
  fail "resume redid finished runs"
while read -r name inode mtime; do
  [ "$(stat -c '%i %Y' "$name")" = "$inode $mtime" ] || fail "$name was rewritten"
done < "$work/before.txt"
"$sim" sweep status "$study" --out "$int" --replications 4 | tail -1 |
  grep -q "6 of 6 points done" || fail "not complete after resume"
ls "$int" | grep -q partial && fail "a .partial file survived the resume"
# A resumed point is the point an uninterrupted sweep writes.
"$sim" sweep run "$study" --out "$work/straight" --threads 1 --replications 4 --quiet \
  --filter point=5
"${compare[@]}" "$int/point-0005.h5" "$work/straight/point-0005.h5" || fail "resumed point differs"

echo "== sweep table: means and t intervals over replications, recomputed with scipy"
"$sim" sweep table "$int" --format json > "$work/table.json"
"$sim" sweep table "$int" --format csv --metrics success_rate > "$work/table.csv"
[ "$(head -1 "$work/table.csv")" = \
  "point,reviewers,runners,strategy,metric,replications,mean,ci95_low,ci95_high" ] ||
  fail "CSV header"
[ "$(wc -l < "$work/table.csv")" = $((1 + points * 2)) ] || fail "CSV rows"
/usr/bin/python3 - "$work/table.json" "$int" <<'EOF' || fail "table values"
import json, sys, h5py, numpy as np
from scipy import stats
table = json.load(open(sys.argv[1]))
assert table["schema"] == "genops-sim-sweep-table" and table["factors"] == ["reviewers", "runners"]
checked = 0
for row in table["rows"]:
    f = h5py.File("%s/point-%04d.h5" % (sys.argv[2], row["point"]), "r")
    assert json.loads(f.attrs["sweep_factors"]) == row["factors"]
    x = np.array([f["/runs/%s/rep%d/summary/%s" % (row["strategy"], r, row["metric"])][0]
                  for r in range(row["replications"])], dtype=float)
    assert row["replications"] == 4
    assert abs(row["mean"] - x.mean()) <= 1e-9 * max(1.0, abs(x.mean())), row
    if x.std() > 0:
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert abs(row["ci_low"] - low) < 1e-6 * max(1.0, abs(low)), (row, low)
        assert abs(row["ci_high"] - high) < 1e-6 * max(1.0, abs(high)), (row, high)
        checked += 1
assert checked > 50, checked
EOF

echo "== response curves: report DIR --svg/--html, a panel per other-factor value, CI bands"
"$sim" report "$int" --svg "$work/curves.svg" --html "$work/curves.html" --factor runners \
  > /dev/null || fail "report DIR"
/usr/bin/python3 - "$work/curves.svg" "$work/curves.html" <<'PY' || fail "curves"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
panels = root.findall(ns + "svg")
assert len(panels) == 2, len(panels)  # reviewers = 2, 4
titles = sorted(p.find(ns + "title").text for p in panels)
assert titles == ["median cycle time min, reviewers=2", "median cycle time min, reviewers=4"], titles
for panel in panels:
    bands = [p for p in panel.iter(ns + "path") if p.get("fill-opacity")]
    lines = [p for p in panel.iter(ns + "path") if p.get("fill") == "none"]
    assert len(bands) == 2 and len(lines) == 2, (len(bands), len(lines))  # two strategies
    for line in lines:  # three runner values: a start and two segments
        assert line.get("d").count("L") == 2, line.get("d")
html = open(sys.argv[2]).read()
assert html.count("<section>") == 4 and html.count("<svg") == 8, "4 metrics x 2 panels"
PY
status=0
"$sim" report "$int" --svg "$work/curves2.svg" --factor strategy 2> "$work/curves.err" || status=$?
[ "$status" = 2 ] && grep -q "expected one of reviewers, runners" "$work/curves.err" ||
  fail "unknown factor: exit $status: $(cat "$work/curves.err")"

echo "== stale and damaged files: refused without --force, re-run with it; sweep status DIR"
force="$work/force"
cp -r "$work/t1" "$force"
cp "$force/point-0001.h5" "$force/point-0000.h5"   # another point's file: stale
head -c 2000 "$work/t1/point-0002.h5" > "$force/point-0002.h5"   # truncated: damaged
"$sim" sweep status "$force" > "$work/force.status" && fail "status DIR: exit 0 with stale files"
grep -E "^ +0 +stale " "$work/force.status" > /dev/null || fail "status DIR: point 0 not stale"
grep -E "^ +2 +damaged " "$work/force.status" > /dev/null || fail "status DIR: point 2 not damaged"
stat -c '%i %Y' "$force/point-0000.h5" > "$work/stale.txt"
status=0
"$sim" sweep run "$study" --out "$force" --progress none 2> "$work/force.err" > /dev/null ||
  status=$?
[ "$status" = 1 ] || fail "stale/damaged without --force: exit $status, expected 1"
grep -q "point-0000.h5 is stale" "$work/force.err" || fail "stale message: $(cat "$work/force.err")"
[ "$(stat -c '%i %Y' "$force/point-0000.h5")" = "$(cat "$work/stale.txt")" ] ||
  fail "a stale file was replaced without --force"
"$sim" sweep run "$study" --out "$force" --quiet --force | grep -q "2 run now, 4 already done" ||
  fail "--force did not re-run exactly the stale and damaged points"
for p in 0 2; do
  f=$(printf 'point-%04d.h5' "$p")
  "${compare[@]}" "$work/t1/$f" "$force/$f" || fail "--force re-run differs at $f"
done
"$sim" sweep status "$force" | tail -1 | grep -q "6 of 6 points done" || fail "status DIR after --force"
# Another plan in the same directory is refused (exit 2) unless --force.
status=0
"$sim" sweep run "$study" --out "$force" --quiet --set duration_days=6 --filter point=0 \
  2> "$work/plan.err" || status=$?
[ "$status" = 2 ] && grep -q "sweep.json holds another plan" "$work/plan.err" ||
  fail "another plan: exit $status: $(cat "$work/plan.err")"

echo "== a failing point is logged and the others go on"
bad="$work/failing"
# A directory where point 2's file belongs: output safety refuses a non-regular target.
mkdir -p "$bad/point-0002.h5" && touch "$bad/point-0002.h5/blocker"
status=0
"$sim" sweep run "$study" --out "$bad" 2> "$work/failing.err" > "$work/failing.out" || status=$?
cat "$work/failing.err"
[ "$status" = 1 ] || fail "exit code $status, expected 1"
grep -q "point 2 (reviewers=2 runners=6): failed" "$work/failing.err" || fail "failure not logged"
[ -s "$bad/point-0002.failed" ] || fail "no point-0002.failed"
[ "$(find "$bad" -maxdepth 1 -type f -name '*.h5' | wc -l)" = $((points - 1)) ] ||
  fail "the other points did not run"
"$sim" sweep status "$study" --out "$bad" > "$work/failing.status" && fail "status: exit 0"
grep -E "^ +2 +failed +reviewers=2 runners=6: cannot (create|finish)" "$work/failing.status" ||
  fail "status: failed"
rm -rf "$bad/point-0002.h5"
"$sim" sweep run "$study" --out "$bad" --quiet | grep -q "1 run now, 5 already done, 0 failed" ||
  fail "rerun after the fix"
[ -e "$bad/point-0002.failed" ] && fail "the .failed log outlived the fix"
echo "PASS"
