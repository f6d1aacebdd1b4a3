#!/usr/bin/env python3
"""Content digests of a run's outputs, to prove that a change leaves them byte-identical.

A run's outputs are its results file (`run --out`), its telemetry (`run --telemetry`, OTLP/JSON
lines) and `compare --json` of the results file. Two runs of the same scenario and seed differ
only in provenance that describes the run rather than its results; those values are left out of
the results file's digest and nothing else is:

- root attributes `created_utc` (clock), `wall_time_s` (clock), `git_sha` (the build's commit),
  `command_line` (the output paths), and every root attribute whose name starts with
  `step_seconds` (the timed steps of `run`);
- the `wall_seconds` column of every `/runs/<strategy>/rep<k>/summary` table (clock).

Everything else counts: every group, dataset and attribute by name, type, shape and value;
dataset storage (chunks, compression, shuffle); dimension-scale references by the name of the
object they point to. Telemetry and `compare --json` are digested byte for byte.

Usage:
  output_identity.py digest FILE...           print `<digest>  <name>` per file (.h5: content)
  output_identity.py diff A.h5 B.h5           list the objects whose content differs
  output_identity.py check GENOPS_SIM SOURCE_DIR WORK_DIR EXPECTED
      run quick.toml (--out quick.h5, --telemetry quick.jsonl) and compare quick.h5 --json in
      WORK_DIR (relative names: compare --json names its source) and check the three
      digests against EXPECTED (lines `<digest>  <output>`); exit 0 equal, 1 different,
      77 (skipped) without h5py or numpy.

The recorded digests (tests/results/quick_outputs.sha256) change whenever a later change alters
the outputs on purpose: rerun `check`, inspect the difference with `diff` against a results file
made before the change, and record the new digests in the same commit that explains why.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

try:
    import h5py
    import numpy as np
except ImportError as missing:  # CI installs python3-h5py and python3-numpy
    print(f"skipped: {missing}")
    sys.exit(77)

EXCLUDED_ROOT_ATTRIBUTES = {"created_utc", "wall_time_s", "git_sha", "command_line"}
EXCLUDED_ROOT_PREFIXES = ("step_seconds",)
EXCLUDED_SUMMARY_COLUMNS = {"wall_seconds"}


def excluded_attribute(object_name, attribute):
    if object_name != "/":
        return False
    return attribute in EXCLUDED_ROOT_ATTRIBUTES or attribute.startswith(EXCLUDED_ROOT_PREFIXES)


def excluded_dataset(name):
    parts = name.strip("/").split("/")
    return (len(parts) == 5 and parts[0] == "runs" and parts[3] == "summary"
            and parts[4] in EXCLUDED_SUMMARY_COLUMNS)


def canonical(value, file):
    """Bytes that stand for `value` (numpy scalar/array, string, bytes, reference)."""
    if isinstance(value, h5py.Reference):
        return b"ref:" + (file[value].name.encode() if value else b"null")
    if isinstance(value, bytes):
        return b"b%d:" % len(value) + value
    if isinstance(value, str):
        encoded = value.encode()
        return b"s%d:" % len(encoded) + encoded
    if isinstance(value, np.ndarray) and value.dtype.kind not in "OV":
        return (str(value.dtype).encode() + str(value.shape).encode()
                + np.ascontiguousarray(value).tobytes())
    if isinstance(value, np.ndarray):
        return str(value.shape).encode() + b"".join(canonical(v, file) for v in value.flat)
    if isinstance(value, np.void):
        return b"(" + b",".join(canonical(value[f], file) for f in value.dtype.names) + b")"
    if isinstance(value, np.generic):
        return str(value.dtype).encode() + b":" + value.tobytes()
    return repr(value).encode()


def object_digests(path):
    """{object name: sha256 of its canonical content} for every object of the file."""
    digests = {}
    with h5py.File(path, "r") as file:
        def describe(name, obj):
            sha = hashlib.sha256()
            sha.update(type(obj).__name__.encode())
            for attribute in sorted(obj.attrs.keys()):
                if excluded_attribute(obj.name, attribute):
                    continue
                sha.update(b"@" + attribute.encode() + b"=")
                sha.update(str(obj.attrs.get_id(attribute).dtype).encode())
                sha.update(canonical(obj.attrs[attribute], file))
            if isinstance(obj, h5py.Dataset):
                sha.update(str(obj.dtype).encode() + str(obj.shape).encode())
                sha.update(repr((obj.chunks, obj.compression, obj.compression_opts,
                                 obj.shuffle, obj.fletcher32, obj.maxshape)).encode())
                if not excluded_dataset(obj.name):
                    sha.update(canonical(obj[()], file))
            digests[obj.name] = sha.hexdigest()

        describe("/", file)
        file.visititems(describe)
    return digests


def hdf5_digest(path):
    sha = hashlib.sha256()
    for name, digest in sorted(object_digests(path).items()):
        sha.update(name.encode() + b" " + digest.encode() + b"\n")
    return sha.hexdigest()


def file_digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def digest(path):
    return hdf5_digest(path) if h5py.is_hdf5(path) else file_digest(path)


def check(genops_sim, source_dir, work_dir, expected_path):
    genops_sim = str(Path(genops_sim).resolve())
    work = Path(work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    results, telemetry, comparison = work / "quick.h5", work / "quick.jsonl", work / "compare.json"
    for stale in (results, telemetry, comparison):
        stale.unlink(missing_ok=True)
    scenario = (Path(source_dir) / "scenarios" / "quick.toml").resolve()
    # Relative output names, run in WORK_DIR: compare --json names its source file.
    subprocess.run([genops_sim, "run", str(scenario), "--quiet", "--out", results.name,
                    "--telemetry", telemetry.name], check=True, stdout=subprocess.DEVNULL,
                   cwd=work)
    with open(comparison, "wb") as out:
        subprocess.run([genops_sim, "compare", results.name, "--json"], check=True, stdout=out,
                       cwd=work)
    actual = {"results": digest(results), "telemetry": digest(telemetry),
              "compare": digest(comparison)}
    expected = {}
    for line in Path(expected_path).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            value, name = line.split()
            expected[name] = value
    failed = False
    for name, value in actual.items():
        verdict = "same" if expected.get(name) == value else "DIFFERENT"
        failed |= verdict != "same"
        print(f"{name}: {value} (recorded {expected.get(name, 'nothing')}): {verdict}")
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "digest":
        for path in argv[1:]:
            print(f"{digest(path)}  {path}")
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        a, b = object_digests(argv[1]), object_digests(argv[2])
        differing = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
        for name in differing:
            print(f"{'only in ' + argv[2] if name not in a else 'only in ' + argv[1] if name not in b else 'differs'}: {name}")
        print(f"{len(differing)} of {len(set(a) | set(b))} objects differ")
        return 1 if differing else 0
    if len(argv) == 5 and argv[0] == "check":
        return check(*argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
