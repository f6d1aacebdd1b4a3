#!/usr/bin/env python3
"""The layering of the README's "Layout" table, enforced on includes: a folder includes only its
own headers and those of the folders below it. Each folder is one CMake library whose link line
names the same folders; this test catches an include that a link line would let through
transitively (e.g. analysis/ including scenarios/).

Usage: layering_test.py SOURCE_DIR   (exit 0: every include allowed, 1: a violation)
"""

import re
import sys
from pathlib import Path

# folder -> folders it may include (itself included). Keep in step with the README's layout
# table and the PUBLIC_DEPS / PRIVATE_DEPS of each folder's CMakeLists.txt.
ALLOWED = {
    "engine": {"engine"},
    "models": {"engine", "models"},
    "telemetry": {"engine", "telemetry"},
    "results": {"engine", "models", "telemetry", "results"},
    "analysis": {"engine", "models", "telemetry", "results", "analysis"},
    "scenarios": {"engine", "models", "telemetry", "results", "analysis", "scenarios"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"', re.M)


def violations(source_dir):
    found = []
    for folder, allowed in ALLOWED.items():
        for path in sorted((source_dir / folder).rglob("*")):
            if path.suffix not in (".hpp", ".cpp"):
                continue
            for included in INCLUDE.findall(path.read_text()):
                if included not in allowed:
                    found.append(f"{path.relative_to(source_dir)}: includes {included}/, but "
                                 f"{folder}/ may include only {', '.join(sorted(allowed))}")
    return found


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    source_dir = Path(argv[0])
    missing = [f for f in ALLOWED if not (source_dir / f).is_dir()]
    if missing:
        print(f"layering_test: no folder {', '.join(missing)} under {source_dir}")
        return 1
    found = violations(source_dir)
    for line in found:
        print(line)
    print(f"layering_test: {len(found)} include(s) from a lower layer to a higher one")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
