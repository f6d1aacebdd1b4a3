"""Load genops-sim HDF5 results files into pandas.

Needs only h5py, pandas and numpy (Debian: python3-h5py python3-pandas python3-numpy).
pandas.read_hdf cannot read these files: it reads PyTables layouts only.

A results file stores every table as a group with one 1-D dataset per column plus a
dimension-scale dataset (the row index, e.g. ``deployment``). Categorical columns hold
small integer codes with CF attributes ``flag_values`` / ``flag_meanings``; ``/lookup/<name>``
groups map codes to labels. Only files whose root attribute ``status`` is ``"complete"`` are
accepted: a file still being written is ``<name>.<pid>-<random>.partial``.

    import genops_results
    with genops_results.load("results.h5") as results:
        print(results.attrs["master_seed"], results.runs())
        deployments = results.table("/runs/genops/rep0/deployments", labels=True)
"""

import os
import re

try:
    import h5py
    import numpy as np
    import pandas as pd
except ImportError as _error:  # name the fix, not only the missing module
    import sys as _sys

    raise ImportError(
        f"genops_results needs h5py, pandas and numpy ({_error}), which {_sys.executable} "
        "cannot import: run it with Debian's interpreter, /usr/bin/python3, after "
        "`apt-get install python3-h5py python3-pandas python3-numpy` (scripts/install-deps.sh "
        "installs them); a pyenv or virtualenv python3 needs `pip install h5py pandas numpy` "
        "instead") from _error

SCHEMA = "genops-sim-results"
SCHEMA_VERSION = 3  # 3: in-flight changes are rows (outcome "in_flight"), catch_points
PARTIAL_SUFFIX = ".partial"

__all__ = ["load", "Results", "ResultsFileError", "SCHEMA", "SCHEMA_VERSION"]


class ResultsFileError(Exception):
    """A missing, unfinished, damaged or foreign results file, or a missing group."""


def _python_value(value):
    """h5py attribute value -> str / int / float, or a numpy array for array attributes."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind in ("O", "S"):
        return [_python_value(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _natural_key(text):
    """Sort key that puts rep2 before rep10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _children(group, kind):
    """Names of direct children of one kind, in creation order when the file tracks it."""
    names = []

    def visit(name):
        name = name.decode("utf-8") if isinstance(name, bytes) else name
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.HardLink) and isinstance(group[name], kind):
            names.append(name)

    try:
        group.id.links.iterate(visit, idx_type=h5py.h5.INDEX_CRT_ORDER)
    except (RuntimeError, KeyError, ValueError, OSError):
        names = []
        group.id.links.iterate(visit, idx_type=h5py.h5.INDEX_NAME)
    return names


def _is_dimension_scale(dataset):
    return _python_value(dataset.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"


def _is_table(group):
    """A group holding datasets and no subgroups: one dataset per column."""
    return bool(_children(group, h5py.Dataset)) and not _children(group, h5py.Group)


class Results:
    """An open, validated results file. Use as a context manager or call close()."""

    def __init__(self, path, schema=SCHEMA, schema_version=SCHEMA_VERSION):
        self.path = os.fspath(path)
        self._file = None
        where = f"results file '{self.path}'"
        if self.path.endswith(PARTIAL_SUFFIX):
            raise ResultsFileError(
                f"{where} is an unfinished '{PARTIAL_SUFFIX}' file (its run was interrupted "
                "or is still writing); expected a complete results file")
        if not os.path.exists(self.path):
            # A killed writer leaves `<name>.<pid>-<random>.partial` next to the target.
            directory = os.path.dirname(self.path) or "."
            prefix = os.path.basename(self.path) + "."
            leftovers = sorted(name for name in os.listdir(directory)
                               if name.startswith(prefix) and name.endswith(PARTIAL_SUFFIX))
            if leftovers:
                raise ResultsFileError(
                    f"{where} not found (only '{os.path.join(directory, leftovers[0])}' exists: "
                    "its run did not finish)")
            raise ResultsFileError(f"{where} not found")
        if not os.path.isfile(self.path):
            raise ResultsFileError(f"{where} is not a regular file")
        expected = f"expected schema '{schema}' version {schema_version}"
        if not h5py.is_hdf5(self.path):
            raise ResultsFileError(f"{where} is not an HDF5 file; {expected}")
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as error:
            raise ResultsFileError(f"{where} is truncated or damaged: {error}") from None
        try:
            self.attrs = {name: _python_value(value) for name, value in self._file.attrs.items()}
            found_schema = self.attrs.get("schema")
            if not isinstance(found_schema, str):
                raise ResultsFileError(
                    f"{where} has no 'schema' string attribute: not a genops-sim results file; "
                    f"{expected}")
            if found_schema != schema:
                raise ResultsFileError(f"{where} has schema '{found_schema}'; {expected}")
            found_version = self.attrs.get("schema_version")
            if isinstance(found_version, int) and found_version < schema_version:
                raise ResultsFileError(
                    f"{where} has schema '{found_schema}' version {found_version} (written by an "
                    f"older genops-sim, without in-flight changes); {expected}: run the study "
                    "again")
            if found_version != schema_version:
                raise ResultsFileError(
                    f"{where} has schema '{found_schema}' version {found_version}; {expected}")
            status = self.attrs.get("status")
            if status != "complete":
                raise ResultsFileError(
                    f"{where} is incomplete (status='{status}', its writer did not finish); "
                    "expected status='complete'")
        except BaseException:
            self.close()
            raise

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def _group(self, group_path):
        try:
            group = self._file[group_path]
        except KeyError:
            group = None
        if not isinstance(group, h5py.Group):
            raise ResultsFileError(f"results file '{self.path}' has no group '{group_path}'")
        return group

    def tables(self, group_path="/"):
        """Absolute paths of every table at or below group_path."""
        found = []

        def walk(group):
            if _is_table(group):
                found.append(group.name)
            for name in _children(group, h5py.Group):
                walk(group[name])

        walk(self._group(group_path))
        return found

    def runs(self):
        """Groups under /runs that hold tables (e.g. '/runs/genops/rep0'), naturally sorted."""
        if "runs" not in self._file:
            return []
        holders = {path.rsplit("/", 1)[0] for path in self.tables("/runs")}
        return sorted(holders, key=_natural_key)

    def column_attrs(self, group_path, column):
        """Attributes of one column (units, long_name, flag_values, ...)."""
        group = self._group(group_path)
        if column not in group:
            raise ResultsFileError(
                f"results file '{self.path}' has no column '{column}' in '{group_path}'")
        return {name: _python_value(value) for name, value in group[column].attrs.items()}

    def table(self, group_path, labels=False, columns=None):
        """One table as a DataFrame: a column per dataset, indexed by the dimension scale.

        labels=True turns categorical columns (flag_values / flag_meanings) into pandas
        Categoricals of their labels. columns= reads only the named columns.
        """
        group = self._group(group_path)
        names = _children(group, h5py.Dataset)
        index = None
        data = {}
        for name in names:
            dataset = group[name]
            if index is None and _is_dimension_scale(dataset):
                index = pd.Index(dataset[()], name=name)
                continue
            if columns is not None and name not in columns:
                continue
            if dataset.dtype.kind in ("O", "S"):
                data[name] = dataset.asstr()[()]
            else:
                data[name] = dataset[()]
            if labels and "flag_values" in dataset.attrs and "flag_meanings" in dataset.attrs:
                data[name] = _to_categorical(data[name], dataset.attrs)
        if columns is not None:
            missing = [name for name in columns if name not in data]
            if missing:
                raise ResultsFileError(
                    f"results file '{self.path}' has no column(s) {missing} in '{group_path}'")
            data = {name: data[name] for name in columns}
        return pd.DataFrame(data, index=index)

    def accounting(self, run):
        """The denominators of one run ('/runs/genops/rep0') from its deployments table.

        arrivals: every change (every row); in_flight: outcome 'in_flight' (no final outcome
        at the horizon); finished: arrivals - in_flight; deployed: finished changes that
        reached production. Checked against the run's summary row. With a warm-up
        (warmup_days > 0) also warmup_arrivals_excluded: changes that arrived before start_date
        and are in no table (the run's 'warmup_arrivals' attribute).
        """
        rows = self.table(f"{run}/deployments", labels=True,
                          columns=["outcome", "deploy_start_min"])
        in_flight = int((rows["outcome"] == "in_flight").sum())
        deployed = int(((rows["outcome"] != "in_flight") & (rows["deploy_start_min"] >= 0)).sum())
        counts = {"arrivals": len(rows), "in_flight": in_flight,
                  "finished": len(rows) - in_flight, "deployed": deployed}
        summary = self.table(f"{run}/summary", columns=["deployments", "in_flight", "deployed"])
        stored = {"arrivals": int(summary["deployments"].iloc[0]),
                  "in_flight": int(summary["in_flight"].iloc[0]),
                  "deployed": int(summary["deployed"].iloc[0])}
        for key, value in stored.items():
            if counts[key] != value:
                raise ResultsFileError(
                    f"results file '{self.path}' {run}: {value} {key} in the summary but "
                    f"{counts[key]} in the deployments table")
        warmup = self._group(run).attrs.get("warmup_arrivals")
        if warmup is not None:
            counts["warmup_arrivals_excluded"] = int(warmup)
        return counts

    def lookup(self, name):
        """/lookup/<name> as a DataFrame with a 'label' column indexed by 'code'."""
        return self.table(f"/lookup/{name}")


def _to_categorical(codes, attrs):
    values = np.asarray(attrs["flag_values"]).ravel()
    meanings = _python_value(attrs["flag_meanings"]).split()
    if len(values) != len(meanings):
        raise ResultsFileError(
            f"{len(values)} flag_values but {len(meanings)} flag_meanings")
    codes = np.asarray(codes).astype(np.int64)
    mapped = np.full(codes.shape, -1, dtype=np.int64)
    if len(values):
        # Vectorised code -> position in flag_values; codes outside it become missing (NaN).
        order = np.argsort(values.astype(np.int64), kind="stable")
        ordered = values.astype(np.int64)[order]
        position = np.clip(np.searchsorted(ordered, codes), 0, len(ordered) - 1)
        found = ordered[position] == codes
        mapped[found] = order[position[found]]
    return pd.Categorical.from_codes(mapped, categories=meanings)


def load(path, schema=SCHEMA, schema_version=SCHEMA_VERSION):
    """Opens and validates a results file; raises ResultsFileError with one clear line."""
    return Results(path, schema=schema, schema_version=schema_version)
