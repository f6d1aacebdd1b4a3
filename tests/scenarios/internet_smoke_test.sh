#!/bin/bash
# scenarios/internet.toml never rots (issue 13):
#   1. the file is what scripts/gen-internet-scenario.py makes from today's scenarios/paper.toml;
#   2. the full run fits the file's own memory budget in batches of organizations (validate says
#      how many), and a smaller budget is refused, exit 2, with one clear line;
#   3. one day of all its organizations, both strategies, runs into HDF5, and every organization
#      code >= 256 is in the file: in the audit manifest (one row per organization) and among the
#      deployments of both strategies (16-bit codes end to end).
# Usage: internet_smoke_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
scenario="$source_dir/scenarios/internet.toml"
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"

/usr/bin/python3 "$source_dir/scripts/gen-internet-scenario.py" --check ||
  fail "scenarios/internet.toml is out of date (run scripts/gen-internet-scenario.py)"

"$sim" validate "$scenario" > "$work/validate.out" || fail "validate of the full run failed"
grep -q "with batches of up to [0-9]* deployments" "$work/validate.out" ||
  fail "unexpected validate output: $(cat "$work/validate.out")"
echo "full run accepted: $(cat "$work/validate.out")"
set +e
"$sim" validate "$scenario" --set max_memory_gib=0.5 > "$work/validate.out" 2> "$work/validate.err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "validate with a 0.5 GiB budget: exit $code, expected 2 (memory budget)"
[[ $(wc -l < "$work/validate.err") -eq 1 ]] || fail "expected one line: $(cat "$work/validate.err")"
grep -q "max_memory_gib.*within max_memory_gib = 0.5.*deployments per run" \
  "$work/validate.err" || fail "unexpected message: $(cat "$work/validate.err")"
echo "small budget refused: $(cat "$work/validate.err")"

"$sim" run "$scenario" --set duration_days=1 --set drain_days=1 --threads 2 --quiet \
  --batch-organizations 100 --out "$work/day.h5" > "$work/run.out" || fail "one-day run failed"

if ! /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks h5py (python3-h5py) to read the organizations back"
  exit 77
fi
/usr/bin/python3 - "$work/day.h5" "$scenario" <<'EOF'
import sys, tomllib, h5py, numpy as np
organizations = len(tomllib.load(open(sys.argv[2], "rb"))["organizations"])
wanted = set(range(256, organizations))
with h5py.File(sys.argv[1], "r") as f:
    runs = [f["runs"][s][r] for s in f["runs"] for r in f["runs"][s]]
    assert len(runs) == 2, f"expected both strategies, got {len(runs)} runs"
    for run in runs:
        manifest = set(np.asarray(run["audit_manifest"]["organization"]).tolist())
        assert manifest == set(range(organizations)), f"{run.name}: manifest {len(manifest)} rows"
        codes = np.asarray(run["deployments"]["organization"])
        assert codes.dtype == np.uint16, codes.dtype
        missing = wanted - set(codes.tolist())
        assert not missing, f"{run.name}: organizations without deployments: {sorted(missing)}"
        print(f"{run.name}: {len(codes)} deployments, {organizations} organizations, "
              f"codes 256..{organizations - 1} present")
EOF
echo "PASS"
