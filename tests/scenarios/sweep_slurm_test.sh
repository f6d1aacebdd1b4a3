#!/bin/bash
# The Slurm path for real on this one machine: starts munged, slurmctld and slurmd (Debian's
# slurm-wlm and munge, as root, no systemd) with a generated slurm.conf under a temporary
# directory, submits a small sweep with docs/slurm-sweep.sbatch as `sbatch --wait --array=0-3`,
# and checks that the four array tasks together wrote the files of a local `sweep run`; then
# submits one study split by replication (docs/slurm-run.sbatch, --array=0-2), merges the
# tasks' files and compares the result with a one-process run. Stops
# every daemon it started. Where the daemons cannot start it says why and exits 77 (skipped).
# Usage: sweep_slurm_test.sh GENOPS_SIM SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 source_dir=$2 work=$3
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
for tool in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
  command -v "$tool" > /dev/null || skip "$tool not found (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || skip "the daemons are started as root (SlurmUser=root); run as root"
/usr/bin/python3 -c 'import h5py' 2> /dev/null || skip "/usr/bin/python3 lacks h5py"
rm -rf "$work" && mkdir -p "$work"/{state,spool,results}
chmod 700 "$work"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  [ -s "$work/munged.pid" ] && kill "$(cat "$work/munged.pid")" 2> /dev/null || true
  wait 2> /dev/null || true
}
trap cleanup EXIT

# munge: a fresh key and a private socket.
mungekey --create --keyfile="$work/munge.key" > /dev/null 2>&1 ||
  dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged --force --key-file="$work/munge.key" --socket="$work/munge.socket" \
  --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munged.seed" \
  > "$work/munged.out" 2>&1 || skip "munged did not start: $(tail -1 "$work/munged.out")"

host=$(hostname -s)
memory_mb=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
# Ports away from the defaults, so a site's own Slurm is not disturbed.
port=$((20000 + $$ % 20000))
cat > "$work/slurm.conf" <<EOF
ClusterName=genops-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host CPUs=2 RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" > "$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$work/slurmd.out" 2>&1 &
slurmd_pid=$!
pids+=($slurmd_pid)
# Bounded by wall time, and given up at once when slurmd exits (e.g. no cgroup filesystem in a
# chroot): a hanging sinfo must not turn a skip into a ctest timeout.
deadline=$((SECONDS + 60))
state=""
while [ "$SECONDS" -lt "$deadline" ]; do
  state=$(timeout 5 sinfo -h -n "$host" -o '%T' 2> /dev/null || true)
  [ "$state" = idle ] && break
  kill -0 "$slurmd_pid" 2> /dev/null || { state="slurmd exited"; break; }
  sleep 0.5
done
if [ "$state" != idle ]; then
  echo "--- slurmctld log"; tail -5 "$work/slurmctld.log" "$work/slurmctld.out" 2> /dev/null || true
  echo "--- slurmd log"; tail -5 "$work/slurmd.log" "$work/slurmd.out" 2> /dev/null || true
  skip "the Slurm node did not become idle (state '${state:-none}'); logs above"
fi
echo "Slurm up: node $host idle"

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
values = [2, 5, 8]
TOML
# The documented job script, one CPU per task so two tasks run at once.
GENOPS_SIM="$sim" sbatch --wait --array=0-3 --cpus-per-task=1 --mem=1G \
  --output="$work/task-%a.out" "$source_dir/docs/slurm-sweep.sbatch" "$study" \
  "$work/results/slurm" || { cat "$work"/task-*.out; fail "sbatch --wait failed"; }
cat "$work"/task-*.out
for k in 0 1 2 3; do
  grep -q "(task $k of 4)" "$work/task-$k.out" || fail "array task $k did not run as task $k of 4"
done
"$sim" sweep run "$study" --out "$work/results/local" --quiet --threads 2
for p in 0 1 2 3 4 5; do
  f=$(printf 'point-%04d.h5' "$p")
  /usr/bin/python3 "$source_dir/tests/scenarios/results_tables_equal.py" \
    "$work/results/slurm/$f" "$work/results/local/$f" || fail "$f differs from the local run"
done
"$sim" sweep status "$study" --out "$work/results/slurm" | tail -1
# One study split by replication: docs/slurm-run.sbatch as a 3-task array, merged, must equal a
# one-process run object for object.
GENOPS_SIM="$sim" sbatch --wait --array=0-2 --cpus-per-task=1 --mem=1G \
  --output="$work/run-%a.out" "$source_dir/docs/slurm-run.sbatch" \
  "$source_dir/scenarios/quick.toml" "$work/results/run-tasks" --replications 3 ||
  { cat "$work"/run-*.out; fail "sbatch --wait (run array) failed"; }
cat "$work"/run-*.out
for k in 0 1 2; do
  grep -q "task $k of 3 (from SLURM_ARRAY_TASK_ID)" "$work/run-$k.out" ||
    fail "run array task $k did not run as task $k of 3"
done
"$sim" merge "$work/results/run-tasks" --out "$work/results/merged.h5"
"$sim" run "$source_dir/scenarios/quick.toml" --replications 3 --threads 1 --quiet \
  --out "$work/results/local-run.h5"
/usr/bin/python3 "$source_dir/tests/results/output_identity.py" diff \
  "$work/results/local-run.h5" "$work/results/merged.h5" ||
  fail "the merged run array differs from the one-process run"
echo "PASS"
