#!/usr/bin/env python3
"""Generates scenarios/internet.toml: the paper's model at internet scale.

    scripts/gen-internet-scenario.py            # (re)writes scenarios/internet.toml
    scripts/gen-internet-scenario.py --check    # exit 1 if the file is not what this script
                                                # makes from today's scenarios/paper.toml
    scripts/gen-internet-scenario.py --private-runners OUT.toml
        # the same world without shared fleets (every organization keeps all its runners): the
        # uncoupled reference for measuring what the fleets' conservative windows cost

The model sections of paper.toml ([traffic], [defects], [services], [incidents], [baseline],
[genops], ...) are copied verbatim at generation time, so a recalibration of paper.toml carries
over by running this script again (--check in the test suite says when that is due). Only the
world changes: many organizations of lognormal sizes in weighted time zones, each a copy of one of
paper.toml's organizations (cycled by a seeded draw) for its per-organization model keys (tier
shares, reviewers' speed and catch rate, defect multiplier, dependencies, holidays), with
services, deploy rate, CI runners (peak utilisation) and reviewer count (paper.toml's requests per
reviewer and day) scaled to its size and rate.

CI capacity is shared: organizations are grouped by time zone into groups of up to FLEET_SIZE (closed early at FLEET_MAX_DEPLOYMENTS), each
group sharing one hosted runner fleet ([[ci_fleets]]), the way hosted CI providers serve a region.
Each organization keeps part of its runners as its own (self-hosted) and sends the jobs that find
them busy to its group's fleet; the fleet holds the rest of the group's runners. The groups are
what a bounded-memory run may batch: organizations of one fleet always run together.

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
# No warmup_days (paper.toml runs 28): the top-level keys are this file's own, and internet.toml
# is the scale benchmark; at ~2 deploys per service and day its retrieval history fills within
# days, and a warm-up would add 12% to the largest run. `--set warmup_days=28` adds one.
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
# Shared hosted CI fleets: organizations per fleet (grouped by time zone: a region's hosted
# runners), the share of each organization's runners it keeps as its own (assumption: about half
# of CI capacity self-hosted, the rest hosted, a common mix), and the dispatch latency of the
# hosted fleet (assumption: hosted runners pick a queued job up in ~10-30 s; it is also the
# lookahead of the run's conservative windows, so it bounds their number).
FLEET_SIZE = 16
# A fleet also closes early when its organizations' deployments over the run would pass this
# (a provider sizes a region's fleet by load, not by customer count; it also keeps each coupled
# group, which a bounded-memory run must hold in memory at once, within max_memory_gib: ~3 KiB
# per deployment in flight, scenarios/README.md "Memory").
FLEET_MAX_DEPLOYMENTS = 800_000
SELF_HOSTED_SHARE = 0.5
# The fleet holds this share of its organizations' hosted runners: pooling lets a provider hold
# less than the sum of what each would need alone, since overflow peaks do not all coincide
# (assumption; with the full sum the fleets peaked at ~40% in a 3-day run and never queued).
FLEET_CAPACITY_SHARE = 0.6
DISPATCH_LATENCY_SECONDS = 15
# The arrival profile when paper.toml sets none (models/config.hpp TrafficConfig's defaults).
DEFAULT_HOURLY = [0.05, 0.03, 0.03, 0.03, 0.05, 0.1, 0.25, 0.6, 1.0, 1.3, 1.4, 1.3, 1.0, 1.2, 1.4,
                  1.4, 1.2, 0.9, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07]
DEFAULT_WEEKDAY = [1.0, 1.1, 1.1, 1.0, 0.8, 0.12, 0.08]
DEFAULT_PR_HOURLY = [0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.15, 0.5, 1.2, 1.6, 1.7, 1.5, 1.0, 1.4,
                     1.7, 1.7, 1.5, 1.1, 0.6, 0.35, 0.25, 0.15, 0.08, 0.04]
# Mean CI minutes relative to the scenario's median: each service's median is lognormal with
# log-sigma 0.25 around it and each job again (models/world.cpp, models/pipeline.cpp); ~1.1 covers
# both with margin.
CI_MEAN_OVER_MEDIAN = 1.1
# The memory budget this file declares (the target for one machine).
MAX_MEMORY_GIB = 4


def model_sections(paper_text):
    """Every table of paper.toml except the organizations, verbatim, retrieval index named."""
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
    # The exact search (the reference): on these embeddings its query stays near flat up to 10^6
    # rows per organization (bench/README.md, "Retrieval"), below the graph's query and insert.
    index_line = 'retrieval_index = "exact"   # the reference; "hnsw" is the approximate graph (bench/README.md)'
    if re.search(r"^retrieval_index\s*=", text, re.M):
        return re.sub(r"^retrieval_index\s*=.*$", index_line, text, count=1, flags=re.M)
    return re.sub(r"^\[genops\]\n", "[genops]\n" + index_line + "\n", text, count=1, flags=re.M)


def lognormal(rng, median, sigma):
    return median * math.exp(sigma * statistics.NormalDist().inv_cdf(rng.random() or 0.5))


def weighted(rng, pairs):
    u, total = rng.random() * sum(w for _, w in pairs), 0.0
    for value, weight in pairs:
        total += weight
        if u < total:
            return value
    return pairs[-1][0]


def peak_factor(paper, key="hourly_profile", default=DEFAULT_HOURLY):
    """Busiest hour of the week over the mean hour, for deployments or (key pr_hourly_profile)
    pull-request builds."""
    traffic = paper.get("traffic", {})
    hourly = traffic.get(key, default)
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
    # CI jobs at the busiest hour: deployments and the pull-request builds that share the runners.
    pr_rate = template.get("pr_builds_per_service_per_day", 0.0)
    pr_peak = peak_factor(paper, "pr_hourly_profile", DEFAULT_PR_HOURLY)
    peak_per_minute = services * (rate * peak + pr_rate * pr_peak) / (24 * 60)
    runners = max(1, math.ceil(peak_per_minute * ci_minutes / PEAK_UTILISATION))
    reviewers = dict(template.get("reviewers", {}))
    reviewers["count"] = max(1, round(services * rate / deploys_per_reviewer(paper)))
    org = {"name": f"org{index:03d}", "team": f"team{index:03d}"}
    org.update((k, v) for k, v in template.items() if k not in ("reviewers", "name", "team"))
    org.update(utc_offset_hours=weighted(rng, TIME_ZONES), services=services, ci_runners=runners,
               deploys_per_service_per_day=rate)
    return org, reviewers


def share_fleets(orgs):
    """Groups the organizations by time zone (then index) into fleets of FLEET_SIZE (fewer when
    their deployments would pass FLEET_MAX_DEPLOYMENTS); each keeps
    SELF_HOSTED_SHARE of its runners (rounded down, possibly none) and its fleet gets
    FLEET_CAPACITY_SHARE of the rest.
    Sets ci_runners and ci_fleet in place and returns the [[ci_fleets]] tables as lines and the
    order the organizations are written in: fleet by fleet, so each fleet's organizations are
    consecutive and a bounded-memory run can batch whole fleets in organization order."""
    order = sorted(range(len(orgs)), key=lambda i: (orgs[i]["utc_offset_hours"], i))
    lines = ["", "# --- Shared hosted CI fleets: one per group of organizations in neighbouring time "
             "zones ---"]
    def load(i):
        return orgs[i]["services"] * orgs[i]["deploys_per_service_per_day"] * DURATION_DAYS

    fleets = [[]]
    for i in order:
        full = len(fleets[-1]) == FLEET_SIZE or (
            fleets[-1] and sum(map(load, fleets[-1])) + load(i) > FLEET_MAX_DEPLOYMENTS)
        if full:
            fleets.append([])
        fleets[-1].append(i)
    for number, members in enumerate(fleets):
        name = f"hosted{number:02d}"
        hosted = 0
        for i in members:
            own = math.floor(orgs[i]["ci_runners"] * SELF_HOSTED_SHARE)
            hosted += orgs[i]["ci_runners"] - own
            orgs[i]["ci_runners"] = own
            orgs[i]["ci_fleet"] = name
        zones = sorted({orgs[i]["utc_offset_hours"] for i in members})
        runners = max(1, math.ceil(hosted * FLEET_CAPACITY_SHARE))
        lines += ["", "[[ci_fleets]]", f'name = "{name}"',
                  f"runners = {runners}   # {FLEET_CAPACITY_SHARE:.0%} of the {hosted} hosted runners of "
                  f"{len(members)} organizations (UTC {', '.join(f'{z:+d}' for z in zones)})",
                  f"dispatch_latency_seconds = {DISPATCH_LATENCY_SECONDS}"]
    return lines, order


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def generate(private_runners=False):
    paper_text = PAPER.read_text()
    paper = tomllib.loads(paper_text)
    rng = random.Random(SEED)
    peak = peak_factor(paper)
    templates = paper["organizations"]
    lines, services, deployments, drawn = [], 0, 0.0, []
    for i in range(ORGANIZATIONS):
        template = templates[int(rng.random() * len(templates))]
        drawn.append(organization(rng, i, template, paper, peak))
    fleet_lines, order = [], range(len(drawn))
    if not private_runners:
        fleet_lines, order = share_fleets([org for org, _ in drawn])
    for org, reviewers in (drawn[i] for i in order):
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
# runners sized for {PEAK_UTILISATION:.0%} utilisation in the busiest hour of the week (deployments and
# pull-request builds), {SELF_HOSTED_SHARE:.0%} of them (rounded down) the organization's own and the rest in
# a hosted fleet shared by up to {FLEET_SIZE} organizations of neighbouring time zones, which pools them
# into {FLEET_CAPACITY_SHARE:.0%} as many runners (dispatch latency
# {DISPATCH_LATENCY_SECONDS} s, the lookahead of the run's conservative windows), reviewers for
# paper.toml's review load ({deploys_per_reviewer(paper):.1f} requests per reviewer and day); the
# model sections below are paper.toml's, verbatim, with retrieval_index = "exact" named.
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
    return (header + model_sections(paper_text) + "\n".join(fleet_lines) + "\n" +
            "\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if scenarios/internet.toml differs from a fresh generation")
    parser.add_argument("--private-runners", metavar="OUT",
                        help="write the variant without shared fleets to OUT instead")
    args = parser.parse_args()
    if args.private_runners:
        Path(args.private_runners).write_text(generate(private_runners=True))
        print(f"wrote {args.private_runners} (no shared fleets)")
        return 0
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
