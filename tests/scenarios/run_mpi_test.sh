#!/bin/bash
# `mpirun -np 2 genops-sim run --out DIR/task-{task}.h5`: each rank runs its replications
# (OMPI_COMM_WORLD_RANK/SIZE), `merge` joins the two files, and the result must equal a
# one-process run object for object (tests/results/output_identity.py). Needs mpirun, not an MPI
# build of genops-sim (the ranks only read Open MPI's environment). Skipped (77) with the reason
# when mpirun or h5py is missing.
# Usage: run_mpi_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
command -v mpirun > /dev/null || { echo "SKIP: mpirun not found (apt-get install openmpi-bin)"; exit 77; }
/usr/bin/python3 -c 'import h5py, numpy' 2> /dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks h5py/numpy to compare files"; exit 77; }
rm -rf "$work" && mkdir -p "$work/ranks"
fail() { echo "FAIL: $*"; exit 1; }
quick="$source_dir/scenarios/quick.toml"
mpirun --allow-run-as-root --oversubscribe -np 2 \
  "$sim" run "$quick" --replications 3 --threads 1 --out "$work/ranks/rank-{task}.h5" \
  > "$work/mpirun.txt" 2>&1 || { cat "$work/mpirun.txt"; fail "mpirun failed"; }
cat "$work/mpirun.txt"
for k in 0 1; do
  grep -q "task $k of 2" "$work/mpirun.txt" || fail "rank $k did not run as task $k of 2"
done
"$sim" merge "$work/ranks" --out "$work/merged.h5"
"$sim" run "$quick" --replications 3 --threads 1 --quiet --out "$work/local.h5"
/usr/bin/python3 "$source_dir/tests/results/output_identity.py" diff "$work/local.h5" \
  "$work/merged.h5" || fail "the merged ranks' files differ from the one-process run"
echo "PASS"
