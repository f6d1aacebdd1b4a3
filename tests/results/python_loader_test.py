"""Reads files written by python_loader_writer (C++) with results/python/genops_results.py.

usage: python_loader_test.py <writer executable> <loader directory> <work directory>
Exit 0 on success, 1 on failure, 77 (CTest SKIP_RETURN_CODE) when h5py, pandas, numpy, xarray
or h5netcdf is missing.
"""

import os
import shutil
import subprocess
import sys

SKIP = 77


def main():
    writer, loader_directory, work = sys.argv[1:4]
    try:
        import h5py  # noqa: F401
        import numpy as np
        import pandas as pd  # noqa: F401
        import xarray  # noqa: F401
        import h5netcdf  # noqa: F401
    except ImportError as error:
        print(f"SKIP: the Python loader test needs h5py, pandas, numpy, xarray and h5netcdf "
              f"({error}); install python3-h5py python3-pandas python3-numpy python3-xarray "
              "python3-h5netcdf (scripts/install-deps.sh does)")
        return SKIP
    sys.path.insert(0, loader_directory)
    import genops_results as gr

    check_interpreter_hint(loader_directory)

    shutil.rmtree(work, ignore_errors=True)
    subprocess.run([writer, work], check=True)
    path = os.path.join(work, "results.h5")

    with gr.load(path) as results:
        attrs = results.attrs
        assert attrs["schema"] == "genops-sim-results", attrs
        assert attrs["schema_version"] == 3
        assert attrs["status"] == "complete"
        assert attrs["master_seed"] == 12345678901234567890, attrs["master_seed"]
        assert isinstance(attrs["master_seed"], int)
        assert attrs["wall_time_s"] == 1.25
        assert attrs["config_json"] == '{"scenario": "d\\u00e9mo", "threads": 2}'
        assert list(attrs["canary_fractions"]) == [0.01, 0.1, 0.5]

        assert results.runs() == ["/runs/baseline/rep0", "/runs/baseline/rep2",
                                  "/runs/baseline/rep10", "/runs/genops/rep0"], results.runs()
        assert "/runs/genops/rep0/summary" in results.tables("/runs")

        frame = results.table("/runs/baseline/rep0/deployments")
        rows = 10_000
        assert list(frame.columns) == ["deployment_id", "service", "arrival_time_s",
                                       "cycle_time_min", "outcome", "delta"], list(frame.columns)
        assert frame.index.name == "deployment"
        assert (frame.index.to_numpy() == np.arange(rows)).all()
        row = np.arange(rows, dtype=np.uint64)
        assert frame["deployment_id"].dtype == np.uint64
        assert (frame["deployment_id"].to_numpy() == row * 3).all()
        assert frame["service"].dtype == np.uint16
        assert (frame["service"].to_numpy() == row % 7).all()
        assert (frame["arrival_time_s"].to_numpy() == row * 1.5).all()
        assert frame["cycle_time_min"].dtype == np.float32
        assert (frame["cycle_time_min"].to_numpy() == (row % 1000).astype(np.float32) * 0.5).all()
        assert frame["outcome"].dtype == np.uint8
        assert frame["delta"].dtype == np.int32
        assert (frame["delta"].to_numpy() == (row % 11).astype(np.int32) - 5).all()

        labelled = results.table("/runs/baseline/rep0/deployments", labels=True)
        labels = ["success", "failed", "rolled_back"]
        assert list(labelled["outcome"].cat.categories) == labels
        assert list(labelled["outcome"][:4]) == ["success", "failed", "rolled_back", "success"]
        assert labelled["outcome"].isna().sum() == 0

        subset = results.table("/runs/genops/rep0/deployments", columns=["outcome"])
        assert list(subset.columns) == ["outcome"] and len(subset) == 50
        assert subset.index.name == "deployment"

        summary = results.table("/runs/genops/rep0/summary")
        assert summary["median_cycle_time_min"].tolist() == [42.5]
        assert summary["deployments"].tolist() == [50]

        services = results.lookup("services")
        assert services.index.name == "code"
        assert services.loc[2, "label"] == "search", services
        assert results.column_attrs("/runs/baseline/rep0/deployments",
                                    "cycle_time_min")["units"] == "min"

        expect_error(lambda: results.table("/runs/nope/rep0/deployments"),
                     "has no group '/runs/nope/rep0/deployments'")

    partial = os.path.join(work, "crashed.h5.4242-0123456789ab.partial")
    expect_error(lambda: gr.load(partial), "unfinished '.partial' file")
    expect_error(lambda: gr.load(os.path.join(work, "crashed.h5")),
                 "only '" + partial + "' exists")
    renamed = os.path.join(work, "renamed.h5")
    shutil.copyfile(partial, renamed)
    expect_error(lambda: gr.load(renamed), "is incomplete (status='incomplete'")
    expect_error(lambda: gr.load(os.path.join(work, "other.h5")),
                 "has schema 'some-other-tool'; expected schema 'genops-sim-results' version 3")
    expect_error(lambda: gr.load(os.path.join(work, "old.h5")),
                 "version 2 (written by an older genops-sim, without in-flight changes); "
                 "expected schema 'genops-sim-results' version 3: run the study again")
    text = os.path.join(work, "notes.h5")
    with open(text, "w") as stream:
        stream.write("deployment,cycle_time_min\n")
    expect_error(lambda: gr.load(text), "is not an HDF5 file")
    truncated = os.path.join(work, "truncated.h5")
    shutil.copyfile(path, truncated)
    os.truncate(truncated, os.path.getsize(path) // 2)
    expect_error(lambda: gr.load(truncated), "is truncated or damaged")

    check_xarray(path)
    print("python loader: all checks passed")
    return 0


def expect_error(action, fragment):
    import genops_results as gr
    try:
        action()
    except gr.ResultsFileError as error:
        message = str(error)
        assert fragment in message, f"expected {fragment!r} in {message!r}"
        assert "\n" not in message, message
        return
    raise AssertionError(f"no ResultsFileError (expected {fragment!r})")


def check_interpreter_hint(loader_directory):
    """An interpreter that cannot import h5py (a pyenv or virtualenv python3, here Debian's
    own with its site packages switched off by -S) gets an error that names the fix."""
    probe = subprocess.run(
        [sys.executable, "-S", "-c",
         f"import sys; sys.path.insert(0, {loader_directory!r}); import genops_results"],
        capture_output=True, text=True, check=False)
    assert probe.returncode != 0, probe
    assert "/usr/bin/python3" in probe.stderr, probe.stderr
    assert "apt-get install python3-h5py python3-pandas python3-numpy" in probe.stderr, probe.stderr


def check_xarray(path):
    """xarray with the h5netcdf engine needs a dimension scale on every dataset of a group."""
    import xarray as xr  # presence checked in main(): missing means SKIP, never a pass
    with xr.open_dataset(path, engine="h5netcdf", group="/runs/baseline/rep0/deployments") as ds:
        assert ds.sizes["deployment"] == 10_000, ds.sizes
        assert ds["cycle_time_min"].dims == ("deployment",)


if __name__ == "__main__":
    sys.exit(main())
