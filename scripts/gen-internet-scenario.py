#!/usr/bin/env python3
"""Generates scenarios/internet.toml: the paper's model at internet scale.

    scripts/gen-internet-scenario.py            # (re)writes scenarios/internet.toml
    scripts/gen-internet-scenario.py --check    # exit 1 if the file is not what this script
                                                # makes from today's scenarios/paper.toml

The model sections of paper.toml ([traffic], [defects], [services], [incidents], [baseline],
[genops], ...) are copied verbatim at generation time, so a recalibration of paper.toml carries
over by running this script again (--check in the test suite says when that is due). Only the
world changes: many organizations of lognormal sizes in weighted time zones, each a copy of one of
paper.toml's organizations (cycled by a seeded draw) for its per-organization model keys (tier
shares, reviewers' speed and catch rate, defect multiplier, dependencies, holidays), with
services, deploy rate, CI runners (peak utilisation) and reviewer count (paper.toml's requests per
reviewer and day) scaled to its size and rate.

Seeded: Python's Mersenne Twister (random.Random.random is stable across Python versions) and
statistics.NormalDist's inverse CDF; no other variate code. Only the standard library.
"""

import argparse
import math
import random
import re
import statistics
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAPER = ROOT / "scenarios" / "paper.toml"
TARGET = ROOT / "scenarios" / "internet.toml"

SEED = 20261206
ORGANIZATIONS = 320  # > 256: no organization id may be 8-bit anywhere
DURATION_DAYS = 243  # 8 months, as the paper
DRAIN_DAYS = 14
# Organization sizes: lognormal services per organization. Median 45 (paper's organizations hold
# 35-50), log-sigma 0.9 (a heavy tail: the largest of 320 hold several hundred services, as big
# platform organizations do). Expected total ~ 320 * 45 * e^(0.9^2/2) ~ 21,600 services.
SERVICES_MEDIAN = 45
SERVICES_SIGMA = 0.9
SERVICES_MIN, SERVICES_MAX = 3, 2000
# Deploy rate per service per day, lognormal per organization. Assumption: internet-scale
# organizations deploy more often than the paper's (0.45-0.59): DORA's "elite" performers deploy
# on demand, several times a day per service; median 2 per service per day, log-sigma 0.5.
RATE_MEDIAN = 2.0
RATE_SIGMA = 0.5
# The issue asks for >= 10^7 deployments per strategy; the script refuses a draw below it.
MIN_DEPLOYMENTS = 1.0e7
# Time zones weighted by where software developers work (an assumption after GitHub's published
# developer distribution: North America, Europe, India, East Asia, South America). Offsets are
# whole hours (the loader's key is an integer), so India's +5:30 is taken as +5.
TIME_ZONES = [(-8, 0.18), (-7, 0.04), (-6, 0.06), (-5, 0.16), (-3, 0.06), (0, 0.07), (1, 0.15),
              (2, 0.06), (3, 0.03), (5, 0.08), (8, 0.07), (9, 0.04)]
# CI runners sized so the busiest hour of the week runs at this utilisation (assumption: hosted
# fleets are provisioned for ~60% at peak, leaving headroom for bursts and retries).
PEAK_UTILISATION = 0.6
# The arrival profile when paper.toml sets none (models/config.hpp TrafficConfig's defaults).
DEFAULT_HOURLY = [0.05, 0.03, 0.03, 0.03, 0.05, 0.1, 0.25, 0.6, 1.0, 1.3, 1.4, 1.3, 1.0, 1.2, 1.4,
                  1.4, 1.2, 0.9, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07]
DEFAULT_WEEKDAY = [1.0, 1.1, 1.1, 1.0, 0.8, 0.12, 0.08]
# Mean CI minutes relative to the scenario's median: each service's median is lognormal with
# log-sigma 0.25 around it and each job again (models/world.cpp, models/pipeline.cpp); ~1.1 covers
# both with margin.
CI_MEAN_OVER_MEDIAN = 1.1
# The memory budget this file declares (the target for one machine).
MAX_MEMORY_GIB = 4


def model_sections(paper_text):
    """Every table of paper.toml except the organizations, verbatim, retrieval set to hnsw."""
    blocks, current, keep = [], [], False
    for line in paper_text.splitlines():
        header = re.match(r"\s*\[\[?([^\]]+)\]\]?", line)
        if header and not line.lstrip().startswith("#"):
            if keep:
                blocks.append(current)
            current, keep = [], not header.group(1).strip().startswith("organizations")
        if keep:
            current.append(line)
    if keep:
        blocks.append(current)
    text = "\n\n".join("\n".join(b).rstrip() for b in blocks) + "\n"
    # Exact retrieval is quadratic in each organization's history; at this scale the graph index.
    hnsw = 'retrieval_index = "hnsw"   # exact search is quadratic in history at this scale'
    if re.search(r"^retrieval_index\s*=", text, re.M):
        return re.sub(r"^retrieval_index\s*=.*$", hnsw, text, count=1, flags=re.M)
    return re.sub(r"^\[genops\]\n", "[genops]\n" + hnsw + "\n", text, count=1, flags=re.M)


def lognormal(rng, median, sigma):
    return median * math.exp(sigma * statistics.NormalDist().inv_cdf(rng.random() or 0.5))


def weighted(rng, pairs):
    u, total = rng.random() * sum(w for _, w in pairs), 0.0
    for value, weight in pairs:
        total += weight
        if u < total:
            return value
    return pairs[-1][0]


def peak_factor(paper):
    traffic = paper.get("traffic", {})
    hourly = traffic.get("hourly_profile", DEFAULT_HOURLY)
    weekday = traffic.get("weekday_profile", DEFAULT_WEEKDAY)
    mean = sum(w * h for w in weekday for h in hourly) / (7 * 24)
    return max(weekday) * max(hourly) / mean


def deploys_per_reviewer(paper):
    """The paper's review load: its daily deployment requests per reviewer (~8), so a faster
    deploying organization gets more reviewers, not longer queues."""
    orgs = paper["organizations"]
    daily = sum(o["services"] * o["deploys_per_service_per_day"] for o in orgs)
    return daily / sum(o["reviewers"]["count"] for o in orgs)


def organization(rng, index, template, paper, peak):
    services = min(SERVICES_MAX, max(SERVICES_MIN, round(lognormal(rng, SERVICES_MEDIAN,
                                                                   SERVICES_SIGMA))))
    rate = round(lognormal(rng, RATE_MEDIAN, RATE_SIGMA), 3)
    ci_minutes = paper.get("services", {}).get("ci_median_minutes", 9.0) * CI_MEAN_OVER_MEDIAN
    peak_per_minute = services * rate / (24 * 60) * peak
    runners = max(1, math.ceil(peak_per_minute * ci_minutes / PEAK_UTILISATION))
    reviewers = dict(template.get("reviewers", {}))
    reviewers["count"] = max(1, round(services * rate / deploys_per_reviewer(paper)))
    org = {"name": f"org{index:03d}", "team": f"team{index:03d}"}
    org.update((k, v) for k, v in template.items() if k not in ("reviewers", "name", "team"))
    org.update(utc_offset_hours=weighted(rng, TIME_ZONES), services=services, ci_runners=runners,
               deploys_per_service_per_day=rate)
    return org, reviewers


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def generate():
    paper_text = PAPER.read_text()
    paper = tomllib.loads(paper_text)
    rng = random.Random(SEED)
    peak = peak_factor(paper)
    templates = paper["organizations"]
    lines, services, deployments = [], 0, 0.0
    for i in range(ORGANIZATIONS):
        template = templates[int(rng.random() * len(templates))]
        org, reviewers = organization(rng, i, template, paper, peak)
        services += org["services"]
        deployments += org["services"] * org["deploys_per_service_per_day"] * DURATION_DAYS
        lines.append("\n[[organizations]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in org.items()]
        lines.append("reviewers = { " + ", ".join(f"{k} = {toml_value(v)}"
                                                  for k, v in reviewers.items()) + " }")
    if deployments < MIN_DEPLOYMENTS:
        sys.exit(f"gen-internet-scenario: the draw gives {deployments:.3g} deployments, below "
                 f"{MIN_DEPLOYMENTS:.0e}; change SEED or the size parameters")
    header = f"""# GENERATED by scripts/gen-internet-scenario.py from scenarios/paper.toml: do not edit.
# Regenerate after changing paper.toml (the test suite runs the script's --check).
#
# The paper's model at internet scale: {ORGANIZATIONS} organizations, {services:,} services, {DURATION_DAYS} days,
# about {deployments:,.0f} deployments per strategy (services x deploys_per_service_per_day x
# days). Organization sizes are lognormal, time zones weighted by where developers work, CI
# runners sized for {PEAK_UTILISATION:.0%} utilisation in the busiest hour of the week, reviewers for
# paper.toml's review load ({deploys_per_reviewer(paper):.1f} requests per reviewer and day); the
# model sections below are paper.toml's, verbatim, except retrieval_index = "hnsw".
#
# `run` simulates the organizations in batches and writes each batch's records as it finishes
# (about 3 KiB per deployment in flight, plus 40 bytes per deployment kept for exact quantiles),
# so the full run fits the budget below; `validate` prints the estimate and batch size. Shorter
# runs, e.g.
#   genops-sim run scenarios/internet.toml --set duration_days=7 --set drain_days=3

name = "internet"
seed = {paper.get("seed", 42)}
replications = 1
duration_days = {DURATION_DAYS}
drain_days = {DRAIN_DAYS}
start_date = {toml_value(paper.get("start_date", "2024-03-04"))}
strategies = ["baseline", "genops"]
project = "genops-internet"
environment = {toml_value(paper.get("environment", "production"))}
max_memory_gib = {MAX_MEMORY_GIB}   # the issue's one-machine target; `run` batches organizations to fit

"""
    return header + model_sections(paper_text) + "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if scenarios/internet.toml differs from a fresh generation")
    args = parser.parse_args()
    text = generate()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date with scenarios/paper.toml: run "
                  "scripts/gen-internet-scenario.py", file=sys.stderr)
            return 1
        print(f"{TARGET.relative_to(ROOT)} is up to date with scenarios/paper.toml")
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
