#!/usr/bin/env python3
"""Regenerates the unreadable-telemetry corpus in this folder (issue 11, finding 3 and 10).

Each file breaks one valid OTLP/JSON line of tests/data/conformance in one way a reader must
survive: nesting, numbers out of range, bytes that are not UTF-8, truncation, NUL bytes.
manifest.tsv lists per file the exit code of `genops-sim conformance FILE` and the first words of
its one-line message (after "error: ", the path as {file}); tests/telemetry/telemetry_corpus_test.cpp
walks it. Rerun after changing the reader:

  python3 tests/data/telemetry/make_corpus.py build/release/scenarios/genops-sim
"""
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
BASE = (HERE.parent / "conformance" / "valid_ours_mixed_lifecycles.jsonl").read_bytes()
LINE = BASE.split(b"\n")[0]
ATTRIBUTE = b'{"key":"deployment.id","value":'


def nested(depth):
    value = b'{"stringValue":"x"}'
    for _ in range(depth):
        value = b'{"arrayValue":{"values":[' + value + b"]}}"
    return LINE.replace(ATTRIBUTE, b'{"key":"sim.deep","value":' + value + b"}," + ATTRIBUTE, 1)


CASES = {
    "deep_array_nesting.jsonl": nested(20000),
    "number_out_of_range.jsonl": LINE.replace(b'"kind":1', b'"kind":1e400', 1),
    "double_out_of_range.jsonl": LINE.replace(
        ATTRIBUTE, b'{"key":"sim.big","value":{"doubleValue":1e400}},' + ATTRIBUTE, 1),
    "not_utf8.jsonl": LINE.replace(b"govsim-governor", b"govsim-\xff\xfe-governor", 1),
    "truncated_record.jsonl": LINE[: len(LINE) // 2],
    "nul_byte.jsonl": LINE.replace(b"govsim-governor", b"govsim\x00governor", 1),
    "ansi_escape_in_json.jsonl": b"\x1b[2J\x1b[31mnot json\n",
}


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/release/scenarios/genops-sim"
    rows = ["# file\texit\tfirst words"]
    for name, data in CASES.items():
        path = HERE / name
        path.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n"))
        done = subprocess.run([binary, "conformance", str(path)], capture_output=True,
                              text=True, errors="replace")
        line = (done.stderr.strip().splitlines() or [""])[0].replace(str(path), "{file}")
        at = line.find("error: ")
        words = " ".join((line[at + 7:] if at >= 0 else line).split()[:6])
        rows.append(f"{name}\t{done.returncode}\t{words}")
    (HERE / "manifest.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {len(CASES)} files and manifest.tsv")


if __name__ == "__main__":
    main()
