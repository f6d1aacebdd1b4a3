#!/usr/bin/env python3
"""Regenerates the results-file corpus in this folder (issue 11).

  base.h5           `genops-sim run tiny.toml --out base.h5`: the intact file
  bad/*.h5          one deliberate forgery or damage each, made from base.h5 with h5py
  manifest.tsv      per bad file and command: expected exit code and first words of the message
  flips.tsv         the byte-flip corpus: offset and xor mask applied to base.h5, and per command
                    the expected exit code and first words (0: the flip hit unused bytes and the
                    output must equal the intact file's)

The expectations are what the binary answers, recorded once and reviewed by hand: every exit code
must be 0 or 2 (never 1 on damage, never a crash), every message one line naming the file.
tests/results/results_corpus_test.cpp walks both tables. Rerun after any change to the writer:

  python3 tests/data/results/make_corpus.py build/release/scenarios/genops-sim

Needs python3-h5py and numpy (Debian packages).
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
COMMANDS = {
    "compare": ["compare", "{file}", "--resamples", "50"],
    "report": ["report", "{file}", "--html", "{html}", "--resamples", "50"],
    "audit": ["audit", "verify", "{file}"],
    "conformance": ["conformance", "{file}"],
}
FLIPS = 64


def fixed(text):
    """A fixed-length string attribute value, as our writer stores them."""
    data = text.encode("utf-8")
    return np.array(data, dtype=f"S{max(1, len(data))}")


def replace_dataset(group, name, data, **kwargs):
    attrs = {k: v for k, v in group[name].attrs.items() if k not in ("DIMENSION_LIST",)}
    del group[name]
    dataset = group.create_dataset(name, data=data, **kwargs)
    for key, value in attrs.items():
        dataset.attrs[key] = value
    return dataset


def forge_int8(f):
    table = f["/runs/genops/rep0/deployments"]
    values = table["cycle_time_min"][()]
    replace_dataset(table, "cycle_time_min", np.clip(values, -128, 127).astype(np.int8))


def forge_external_storage(f):
    table = f["/runs/genops/rep0/deployments"]
    rows = table["cycle_time_min"].shape[0]
    attrs = dict(table["cycle_time_min"].attrs.items())
    del table["cycle_time_min"]
    dataset = table.create_dataset("cycle_time_min", shape=(rows,), dtype="<f8",
                                   external=[("/etc/passwd", 0, rows * 8)])
    for key, value in attrs.items():
        if key != "DIMENSION_LIST":
            dataset.attrs[key] = value


def forge_external_link(f):
    del f["/runs/genops/rep0"]
    f["/runs/genops/rep0"] = h5py.ExternalLink("other.h5", "/runs/genops/rep0")


def forge_soft_link(f):
    del f["/runs/genops/rep0"]
    f["/runs/genops/rep0"] = h5py.SoftLink("/runs/baseline/rep0")


def forge_duplicate_strategy(f):
    labels = f["/lookup/strategies/label"]
    labels[1] = labels[0]


def set_value(path, row, value):
    def forge(f):
        f[path][row] = value
    return forge


def set_attribute(name, value):
    def forge(f):
        f.attrs[name] = value
    return forge


def forge_vlen_status(f):
    del f.attrs["status"]
    f.attrs.create("status", "complete", dtype=h5py.string_dtype("utf-8"))


def forge_extent(f):
    # A row count of 10^8 backed by one stored chunk: the reader must not allocate for it.
    # Chunks of 2^20 rows, gzip-compressed, keep the file small (with chunks of `rows` rows
    # the chunk index alone made it 117 MB).
    table = f["/runs/genops/rep0/deployments"]
    rows = table["deployment"].shape[0]
    attrs = {k: v for k, v in table["deployment"].attrs.items() if k != "REFERENCE_LIST"}
    del table["deployment"]
    scale = table.create_dataset("deployment", shape=(100_000_000,), chunks=(1 << 20,),
                                 dtype="<u8", fletcher32=True, compression="gzip",
                                 shuffle=True)
    scale[:rows] = np.arange(rows, dtype=np.uint64)
    for key, value in attrs.items():
        scale.attrs[key] = value


def forge_delete_chunked_column(f):
    del f["/runs/genops/rep0/deployments/cycle_time_min"]


def forge_awu_order(f):
    awu = f["/runs/genops/rep0/awu"]
    starts = awu["start_min"][()]
    awu["decision_min"][0] = starts[0] - 100.0


def forge_awu_service(f):
    f["/runs/genops/rep0/awu/service"][0] = 999


FORGERIES = {
    "dtype_int8_cycle_time": forge_int8,
    "external_storage_etc_passwd": forge_external_storage,
    "external_link_run": forge_external_link,
    "soft_link_run": forge_soft_link,
    "duplicate_strategy_label": forge_duplicate_strategy,
    "nan_cycle_time": set_value("/runs/genops/rep0/deployments/cycle_time_min", 0, np.nan),
    "negative_cycle_time": set_value("/runs/genops/rep0/deployments/cycle_time_min", 0, -5.0),
    "infinite_arrival": set_value("/runs/baseline/rep0/deployments/arrival_min", 1, np.inf),
    "replications_zero": set_attribute("replications", np.uint32(0)),
    "replications_huge": set_attribute("replications", np.uint32(4294967295)),
    "replications_two": set_attribute("replications", np.uint32(2)),
    "bad_start_date": set_attribute("start_date", fixed("2025-13-45")),
    "bad_config_json": set_attribute("config_json", fixed("{not json")),
    "vlen_status_attribute": forge_vlen_status,
    "schema_version_1": set_attribute("schema_version", np.uint64(1)),
    # bad/forged_extent.h5 (117 MB, sparse) is the schema-2 version of this forgery, kept
    # unchanged so no commit rewrites it; it now checks that an old schema is refused.
    "forged_extent_v3": forge_extent,
    "missing_column": forge_delete_chunked_column,
    "awu_out_of_time_order": forge_awu_order,
    "awu_unknown_service": forge_awu_service,
}


def first_words(stderr, path):
    """The first six words of the message after "error: ", the file's path as {file}."""
    line = stderr.strip().splitlines()[0] if stderr.strip() else ""
    line = line.replace(path, "{file}")
    at = line.find("error: ")
    text = line[at + len("error: "):] if at >= 0 else line
    return " ".join(text.split()[:6])


def run(binary, command, path, scratch):
    html = os.path.join(scratch, "report.html")
    if os.path.exists(html):
        os.remove(html)
    arguments = [a.format(file=path, html=html) for a in COMMANDS[command]]
    done = subprocess.run([binary] + arguments, capture_output=True, text=True,
                          errors="replace")
    return done.returncode, first_words(done.stderr, path), done.stdout


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                             "build/release/scenarios/genops-sim")
    base = HERE / "base.h5"
    if base.exists():
        base.unlink()
    subprocess.run([binary, "run", str(HERE / "tiny.toml"), "--quiet", "--out", str(base)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bad = HERE / "bad"
    shutil.rmtree(bad, ignore_errors=True)
    bad.mkdir()
    rows = ["# file\tcommand\texit\tfirst words"]
    with tempfile.TemporaryDirectory() as scratch:
        for name, forge in FORGERIES.items():
            path = bad / f"{name}.h5"
            shutil.copy(base, path)
            with h5py.File(path, "r+") as f:
                forge(f)
            for command in COMMANDS:
                code, words, _ = run(binary, command, str(path), scratch)
                rows.append(f"bad/{path.name}\t{command}\t{code}\t{words}")
        (HERE / "manifest.tsv").write_text("\n".join(rows) + "\n")

        data = base.read_bytes()
        flip_rows = ["# offset\tmask\tcommand\texit\tfirst words"]
        clean = {c: run(binary, c, str(base), scratch)[2] for c in COMMANDS}
        step = len(data) // FLIPS
        for k in range(FLIPS):
            offset = k * step + (k * 7919) % step
            mask = 1 << (k % 8)
            flipped = bytearray(data)
            flipped[offset] ^= mask
            path = os.path.join(scratch, "flipped.h5")
            pathlib.Path(path).write_bytes(bytes(flipped))
            for command in COMMANDS:
                code, words, out = run(binary, command, path, scratch)
                if code == 0 and out.replace(path, "{file}") != clean[command].replace(
                        str(base), "{file}"):
                    code = 99  # a silently different answer: must never be recorded as fine
                flip_rows.append(f"{offset}\t{mask}\t{command}\t{code}\t{words}")
        (HERE / "flips.tsv").write_text("\n".join(flip_rows) + "\n")
    print(f"wrote {base.name}, {len(FORGERIES)} bad files, manifest.tsv, flips.tsv ({FLIPS} flips)")


if __name__ == "__main__":
    main()
