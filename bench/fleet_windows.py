#!/usr/bin/env python3
"""What shared CI fleets cost the engine (issue 13 item 4), measured side by side in one run.

    bench/fleet_windows.py [--sim build/release/scenarios/genops-sim] [--days 3] [--drain 1]
                           [--strategies genops] [--repeats 3]

Runs scenarios/internet.toml (organizations share hosted CI fleets: coupled partitions under
conservative windows) and the same world with private runners only (written by
`scripts/gen-internet-scenario.py --private-runners`, independent partitions) at 1 and 2
threads, alternating the configurations in each round so load changes hit them alike. Prints
per configuration the median wall time and CPU time (user + system of the child), events,
windows and messages (RunStats, from `run --json`), events per CPU-second, and the ratios
fleets / private. Quote the CPU model printed with it beside any absolute figure.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def run_once(sim, scenario, threads, args):
    command = [str(sim), "run", str(scenario), "--set", f"duration_days={args.days}", "--set",
               f"drain_days={args.drain}", "--strategies", args.strategies, "--threads",
               str(threads), "--json", "--progress", "none"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(done.stdout)
    engine = summary["engine"]
    deployments = sum(s["deployments"] for s in summary["strategies"].values())
    fleets = [f for s in summary["strategies"].values() for f in s.get("ci_fleets", [])]
    return {"wall": wall, "cpu": cpu, "events": engine["events"], "windows": engine["windows"],
            "messages": engine["messages"], "deployments": deployments, "fleets": fleets}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", default=str(ROOT / "build/release/scenarios/genops-sim"))
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--drain", type=int, default=1)
    parser.add_argument("--strategies", default="genops")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        private = Path(work) / "internet-private.toml"
        subprocess.run([sys.executable, str(ROOT / "scripts/gen-internet-scenario.py"),
                        "--private-runners", str(private)], check=True, capture_output=True)
        configs = [("fleets", ROOT / "scenarios/internet.toml"), ("private", private)]
        results = {}
        for _ in range(args.repeats):
            for threads in (1, 2):
                for name, scenario in configs:
                    results.setdefault((name, threads), []).append(
                        run_once(args.sim, scenario, threads, args))
    print(f"CPU: {cpu_model()}; internet.toml --set duration_days={args.days} --set "
          f"drain_days={args.drain} --strategies {args.strategies}; medians of {args.repeats}")
    print(f"{'config':<9}{'threads':>8}{'wall s':>9}{'CPU s':>9}{'events':>12}{'windows':>10}"
          f"{'messages':>11}{'events/CPU-s':>14}")
    medians = {}
    for (name, threads), runs in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        first = runs[0]
        medians[(name, threads)] = (wall, cpu, first["events"])
        print(f"{name:<9}{threads:>8}{wall:>9.2f}{cpu:>9.2f}{first['events']:>12,}"
              f"{first['windows']:>10,}{first['messages']:>11,}{first['events'] / cpu:>14,.0f}")
    for threads in (1, 2):
        fw, fc, fe = medians[("fleets", threads)]
        pw, pc, pe = medians[("private", threads)]
        print(f"{threads} thread(s): fleets / private wall {fw / pw:.2f}x, CPU {fc / pc:.2f}x, "
              f"events per CPU-second {(fe / fc) / (pe / pc):.2f}x")
    fleets = results[("fleets", 1)][0]["fleets"]
    if fleets:
        waits = [f["mean_queue_wait_s"] for f in fleets]
        p95 = [f["p95_queue_wait_s"] for f in fleets]
        use = [f["peak_hour_utilisation"] for f in fleets]
        print(f"{len(fleets)} fleets: mean queue wait {min(waits):.1f}-{max(waits):.1f} s, p95 "
              f"{min(p95):.0f}-{max(p95):.0f} s, peak-hour use {min(use):.0%}-{max(use):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
