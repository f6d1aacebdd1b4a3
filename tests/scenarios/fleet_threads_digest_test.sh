#!/bin/bash
# A scenario whose organizations share a CI fleet (coupled partitions under conservative windows)
# writes the same results at 1 and 2 threads: the audit manifest digest printed by `run --out`
# is identical, and the fleet figures of `run --json` are too (the JSON minus wall-clock times).
# Usage: fleet_threads_digest_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
scenario="$source_dir/tests/data/scenarios/shared_fleet.toml"
for threads in 1 2; do
  "$sim" run "$scenario" --threads "$threads" --progress none --out "$work/t$threads.h5" \
    --json > "$work/t$threads.json" 2> "$work/t$threads.err"
  grep -o "audit manifest sha256 [0-9a-f]*" "$work/t$threads.err" > "$work/t$threads.digest" ||
    fail "no digest: $(cat "$work/t$threads.err")"
done
cmp -s "$work/t1.digest" "$work/t2.digest" ||
  fail "audit digests differ: $(cat "$work/t1.digest") vs $(cat "$work/t2.digest")"
/usr/bin/python3 - "$work/t1.json" "$work/t2.json" <<'PY' || fail "run --json differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for name in a["strategies"]:
    fleets = a["strategies"][name]["ci_fleets"]
    assert fleets and fleets[0]["started"] > 0, fleets
    assert fleets == b["strategies"][name]["ci_fleets"], name
    assert a["strategies"][name] == b["strategies"][name], name
for key in ("events", "windows", "messages"):
    assert a["engine"][key] == b["engine"][key] and a["engine"][key] > 0, key
PY
echo "PASS: $(cat "$work/t1.digest") at 1 and 2 threads"
