#!/usr/bin/python3
"""`genops-sim export --csv` read by pandas: the CSV must hold every deployment of every run
of the file (row counts per strategy and replication equal the HDF5 tables'), the outcome as
its labels, the same numbers as the file (cycle times bit for bit after parsing), time columns
also as ISO-8601 UTC instants equal to start_date + minutes, and the run identity columns.
Refusals: an existing --csv without --force (exit 2), a task file (exit 2, names merge).

Usage: export_csv_test.py GENOPS_SIM SOURCE_DIR WORK_DIR; exits 77 (skipped) without pandas or
h5py.
"""
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import h5py
    import numpy as np
    import pandas as pd
except ImportError as missing:  # apt-get install python3-pandas python3-h5py
    print(f"SKIP: {missing}")
    sys.exit(77)


def main(sim, source_dir, work):
    work = Path(work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results, csv = work / "quick.h5", work / "quick.csv"
    quick = str(Path(source_dir) / "scenarios" / "quick.toml")
    subprocess.run([sim, "run", quick, "--quiet", "--threads", "2", "--out", str(results)],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sim, "export", str(results), "--csv", str(csv)], check=True)
    table = pd.read_csv(csv, float_precision="round_trip")
    with h5py.File(results) as f:
        strategies = [s.decode() if isinstance(s, bytes) else s
                      for s in f["lookup/strategies/label"][()]]
        replications = int(f.attrs["replications"])
        start = pd.Timestamp(f.attrs["start_date"].decode()
                             if isinstance(f.attrs["start_date"], bytes)
                             else f.attrs["start_date"], tz="UTC")
        for strategy in strategies:
            for r in range(replications):
                group = f[f"runs/{strategy}/rep{r}/deployments"]
                rows = table[(table.strategy == strategy) & (table.replication == r)]
                assert len(rows) == len(group["id"]), (strategy, r, len(rows))
                assert np.array_equal(rows["id"].to_numpy(np.uint64), group["id"][()])
                # Shortest round-trip text: parsed back into the stored type, bit for bit.
                for name in ("cycle_time_min", "arrival_min", "risk_score"):
                    stored = group[name][()]
                    assert np.array_equal(rows[name].to_numpy().astype(stored.dtype), stored), name
                assert (rows["seed"] == f[f"runs/{strategy}/rep{r}"].attrs["seed"]).all()
    assert set(table.strategy) == set(strategies), set(table.strategy)
    assert table["outcome"].dtype == object and "succeeded" in set(table["outcome"]), \
        set(table["outcome"])
    instants = pd.to_datetime(table["arrival_min_utc"], utc=True)
    expected = start + pd.to_timedelta(table["arrival_min"], unit="min")
    assert (abs(instants - expected) <= pd.Timedelta(milliseconds=1)).all(), "UTC instants"
    assert (table["scenario"] == table["scenario"].iloc[0]).all()
    assert table["config_sha256"].str.len().eq(64).all()
    # Instants get a UTC twin, durations do not.
    assert "end_min_utc" in table.columns and "cycle_time_min_utc" not in table.columns

    refused = subprocess.run([sim, "export", str(results), "--csv", str(csv)],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "exists" in refused.stderr, refused.stderr
    task = work / "task-1.h5"
    subprocess.run([sim, "run", quick, "--quiet", "--task-index", "1", "--task-count", "2",
                    "--out", str(work / "task-{task}.h5")], check=True, stdout=subprocess.DEVNULL)
    refused = subprocess.run([sim, "export", str(task), "--csv", str(work / "task.csv")],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "merge" in refused.stderr, refused.stderr
    assert not (work / "task.csv").exists()
    print(f"PASS: {len(table)} rows, {len(table.columns)} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
