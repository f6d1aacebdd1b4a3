"""Reads a results file written by the real CLI (`genops-sim run ... --out`) with
results/python/genops_results.py, as a researcher would.

usage: python_results_test.py <genops-sim executable> <source directory> <work directory>
Exit 0 on success, 1 on failure, 77 (CTest SKIP_RETURN_CODE) when h5py/pandas/numpy are missing.
"""

import hashlib
import os
import shutil
import subprocess
import struct
import sys

SKIP = 77


def main():
    executable, source, work = sys.argv[1:4]
    try:
        import h5py
        import numpy as np
        import pandas as pd  # noqa: F401
    except ImportError as error:
        print(f"SKIP: the Python loader needs h5py, pandas and numpy ({error}); "
              "install python3-h5py python3-pandas python3-numpy")
        return SKIP
    sys.path.insert(0, os.path.join(source, "results", "python"))
    import genops_results as gr

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    path = os.path.join(work, "study.h5")
    subprocess.run([executable, "run", os.path.join(source, "scenarios", "paper.toml"),
                    "--set", "duration_days=14", "--set", "drain_days=0", "--replications", "2",
                    "--quiet", "--out", path], check=True, stdout=subprocess.DEVNULL)

    with gr.load(path) as results:
        attrs = results.attrs
        assert attrs["status"] == "complete"
        assert attrs["scenario"] == "paper"
        assert attrs["replications"] == 2 and isinstance(attrs["master_seed"], int)
        assert attrs["strategies"] == "baseline,genops"
        for name in ("engine_version", "git_sha", "build_type", "compiler", "boost_version",
                     "hdf5_version", "tbb_version", "eigen_version", "config_json",
                     "config_sha256", "command_line", "created_utc"):
            assert isinstance(attrs[name], str) and attrs[name], name
        assert hashlib.sha256(attrs["config_json"].encode()).hexdigest() == attrs["config_sha256"]

        assert results.runs() == ["/runs/baseline/rep0", "/runs/baseline/rep1",
                                  "/runs/genops/rep0", "/runs/genops/rep1"], results.runs()
        tables = results.tables("/runs/genops/rep0")
        for table in ("deployments", "canary_stages", "audit", "resources", "violations",
                      "summary"):
            assert f"/runs/genops/rep0/{table}" in tables, (table, tables)

        deployments = results.table("/runs/genops/rep0/deployments", labels=True)
        assert deployments.index.name == "deployment"
        assert len(deployments) > 100
        assert set(deployments["outcome"].cat.categories) == {
            "succeeded", "rolled_back", "failed", "blocked", "in_flight"}
        assert set(deployments["organization"].cat.categories) == {"fintech", "retail", "media"}
        assert deployments["outcome"].isna().sum() == 0
        assert results.column_attrs("/runs/genops/rep0/deployments",
                                    "cycle_time_min")["units"] == "min"
        summary = results.table("/runs/genops/rep0/summary")
        assert summary["deployments"].tolist() == [len(deployments)]
        succeeded = (deployments["outcome"] == "succeeded").sum()
        assert summary["succeeded"].tolist() == [succeeded]
        finished = deployments[deployments["outcome"] != "in_flight"]
        median = float(np.median(finished["cycle_time_min"]))
        assert abs(summary["median_cycle_time_min"].iloc[0] - median) < 1e-9

        # Nothing dropped: no drain leaves changes in flight; they are rows, counted in
        # the summary, the run's 'unfinished' attribute and accounting(), and sit in a stage.
        in_flight = deployments[deployments["outcome"] == "in_flight"]
        assert len(in_flight) > 0
        assert (in_flight["in_flight_stage"] != "none").all()
        assert (finished["in_flight_stage"] == "none").all()
        assert summary["in_flight"].tolist() == [len(in_flight)]
        with h5py.File(path, "r") as raw:
            assert raw["/runs/genops/rep0"].attrs["unfinished"] == len(in_flight)
            warmup = int(raw["/runs/genops/rep0"].attrs["warmup_arrivals"])
        assert warmup > 0  # paper.toml's warm-up: arrivals before start_date, in no table
        assert (deployments["arrival_min"] >= 0).all()
        accounting = results.accounting("/runs/genops/rep0")
        assert accounting == {"arrivals": len(deployments), "in_flight": len(in_flight),
                              "finished": len(finished),
                              "deployed": int((finished["deploy_start_min"] >= 0).sum()),
                              "warmup_arrivals_excluded": warmup}, \
            accounting
        assert abs(summary["success_rate"].iloc[0] - succeeded / len(deployments)) < 1e-12

        # Baseline and genops replay the same changes (common random numbers).
        baseline = results.table("/runs/baseline/rep0/deployments", columns=["id"])
        assert set(baseline["id"]) == set(deployments["id"])

        # The audit trail: hex hashes, chained per organization.
        audit = results.table("/runs/genops/rep0/audit", labels=True)
        assert len(audit) > 0
        actions = results.lookup("audit_actions")
        assert set(audit["action"]).issubset(set(actions.index))
        codes = {label: code for code, label in results.lookup("organizations")["label"].items()}

        def lp(text):
            return struct.pack("<Q", len(text)) + text

        for organization, chain in audit.groupby("organization", observed=True):
            hashes = chain["hash"].tolist()
            previous = chain["previous_hash"].tolist()
            assert all(len(h) == 64 and bytes.fromhex(h) for h in hashes)
            # The chain starts at its genesis: SHA-256 naming strategy, seed, replication and
            # organization (computed here independently of the C++ code).
            genesis = hashlib.sha256(lp(b"genops-audit-v2/genesis") + lp(b"genops") + struct.pack(
                "<QQQ", attrs["master_seed"], 0, codes[organization])).hexdigest()
            assert previous[0] == genesis, (previous[0], genesis)
            assert previous[1:] == hashes[:-1]

        resources = results.table("/runs/baseline/rep0/resources", labels=True)
        assert len(resources) > 0 and resources["runners_busy"].max() >= 0
        organizations = results.lookup("organizations")
        assert organizations.loc[0, "label"] == "fintech"
        assert organizations.loc[0, "ci_runners"] == 4
        services = results.lookup("services")
        assert len(services) == 127

        violations = results.table("/runs/baseline/rep0/violations")
        policies = results.lookup("policies")
        assert set(violations["policy"]).issubset(set(policies.index))

    check_xarray(path)
    print("python results: all checks passed")
    return 0


def check_xarray(path):
    try:
        import xarray as xr
        import h5netcdf  # noqa: F401
    except ImportError:
        print("note: xarray/h5netcdf not installed, xarray check not run")
        return
    with xr.open_dataset(path, engine="h5netcdf", group="/runs/genops/rep0/deployments") as ds:
        assert ds["cycle_time_min"].dims == ("deployment",)


if __name__ == "__main__":
    sys.exit(main())
