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

# The independent safety checker (models/safety_checker.*) must share nothing with the guards it
# judges: it includes none of the strategies' headers and names none of their helpers, so a bug
# in a guard cannot hide from it (issue 10: it re-derives calendar, rubric and budget itself).
CHECKER_FILES = ("models/safety_checker.hpp", "models/safety_checker.cpp")
CHECKER_FORBIDDEN_INCLUDES = {
    "models/baseline.hpp", "models/calendar.hpp", "models/canary.hpp", "models/genops.hpp",
    "models/governance.hpp", "models/pipeline.hpp", "models/risk.hpp", "models/strategy.hpp",
}
CHECKER_FORBIDDEN_NAMES = (
    "in_no_deploy_window", "next_deploy_allowed", "in_freeze_window", "is_holiday",
    "policy_risk", "tier_risk", "complexity_risk", "timing_risk", "blast_radius_risk",
    "kCriticalServiceRiskThreshold", "rollout_gate", "PolicySet", "budget_remaining",
    "LocalCalendar", ".calendar", "Pipeline",
)
# Service::blast_radius is the world's precomputed count; the checker walks direct_dependents.
# (`w.blast_radius`, the rubric's weight, is a raw setting and allowed.)
CHECKER_FORBIDDEN_PATTERNS = (re.compile(r"(?<![^a-z_]w)\.blast_radius\b"),)
ANY_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
COMMENT = re.compile(r"//[^\n]*")


def checker_violations(source_dir):
    found = []
    for name in CHECKER_FILES:
        path = source_dir / name
        if not path.is_file():
            found.append(f"{name}: missing (the independent safety checker)")
            continue
        text = path.read_text()
        for included in ANY_INCLUDE.findall(text):
            if included in CHECKER_FORBIDDEN_INCLUDES:
                found.append(f"{name}: includes {included}, a strategy helper the independent "
                             "safety checker must not share")
        code = COMMENT.sub("", text)
        used = [helper for helper in CHECKER_FORBIDDEN_NAMES if helper in code]
        used += [p.pattern for p in CHECKER_FORBIDDEN_PATTERNS if p.search(code)]
        for helper in used:
            found.append(f"{name}: uses '{helper}', a strategy helper or world shortcut the "
                         "independent safety checker must re-derive itself")
    return found


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
    found = violations(source_dir) + checker_violations(source_dir)
    for line in found:
        print(line)
    print(f"layering_test: {len(found)} problem(s): includes from a lower layer to a higher one, "
          "or the safety checker sharing a strategy helper")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
