#pragma once

// A parameter study: the `[sweep]` table of a scenario file expanded into points (one scenario
// each) and runs (point x strategy x replication). Every point keeps the scenario's seed, so
// replication r draws the same streams at every point and for every strategy (common random
// numbers across points: neighbouring points differ by the factor, not by noise).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/config.hpp"
#include "models/strategy.hpp"

namespace genops::scenarios {

// One named factor. `values` are TOML texts ("3", "2.5", "\"eu\""), `labels` what ${name}
// expands to and what tables show (strings unquoted).
struct SweepFactor {
  std::string name;
  std::string key;  // the scenario key it sets ("" when only used as ${name} in the file)
  std::vector<std::string> values;
  std::vector<std::string> labels;
  std::uint32_t line = 0;  // of its [[sweep.factors]] table, for messages
};

struct SweepPoint {
  std::size_t index = 0;
  std::vector<std::size_t> levels;     // per factor: the index of its value at this point
  std::vector<std::string> overrides;  // "key=value" applied after the file and --set
  models::Scenario scenario;           // the fully resolved scenario of this point
  std::string config_sha256;           // SHA-256 of the resolved scenario's JSON
};

// One run of the plan. Runs are numbered point-major, then strategy, then replication.
struct SweepRun {
  std::size_t number = 0;
  std::size_t point = 0;
  std::size_t strategy = 0;
  int replication = 0;
};

struct SweepPlan {
  std::string source;
  std::vector<SweepFactor> factors;
  bool zipped = false;  // factors advance together instead of as a full grid
  std::vector<SweepPoint> points;
  std::vector<std::string> strategies;  // the same at every point
  int replications = 1;                 // per point and strategy
  std::uint64_t seed = 0;               // the same at every point (common random numbers)

  std::size_t runs_per_point() const { return strategies.size() * replications; }
  std::size_t run_count() const { return points.size() * runs_per_point(); }
  SweepRun run(std::size_t number) const;
  // "p0003-genops-r1".
  std::string run_id(const SweepRun& run) const;
  // "reviewers=2 runners=4".
  std::string point_label(std::size_t point) const;
};

// What the command line adds to every point: --set assignments (applied before the factors)
// and the --seed / --replications / --strategies options as "key=value" overrides.
struct SweepOverrides {
  std::vector<std::string> assignments;
};

// Reads `path` (a scenario file with a [sweep] table) and expands it. A file without [sweep] is
// a study of one point; strategy names are checked against `strategies` (the program's one
// registry). Bad input is engine::InputError naming file, line and key.
SweepPlan load_sweep_plan(const std::string& path, const models::StrategyRegistry& strategies,
                          const SweepOverrides& overrides = {});

// Selects runs. Each filter is either run numbers in OMNeT++ `-r` form ("0..4,7,10..") or
// NAME=VALUES with NAME a factor, `point`, `strategy`, `replication` or `run` (indices take
// ranges, factors and strategies comma-separated labels). All filters must match.
// engine::InputError for a malformed filter or an unknown name.
std::vector<SweepRun> select_runs(const SweepPlan& plan, const std::vector<std::string>& filters);

// Points selected by point-level filters only (factors and `point`); a run-level filter
// (strategy, replication, run numbers) is engine::InputError: a point's file holds all its runs.
std::vector<std::size_t> select_points(const SweepPlan& plan,
                                       const std::vector<std::string>& filters);

// A factor's value at `level` as JSON text: numbers and booleans typed, anything else its
// label as a JSON string.
std::string factor_value_json(const SweepFactor& factor, std::size_t level);

// The plan as JSON (schema "genops-sim-sweep-plan", version 1): factors, points and runs.
std::string sweep_plan_json(const SweepPlan& plan, const std::vector<SweepRun>& runs);

// A plan read back from sweep_plan_json() (DIR/sweep.json, written by `sweep run`): factors,
// points (levels, overrides, config hashes), strategies, replications and seed; the points'
// scenarios are not rebuilt (enough for `sweep status DIR`). engine::InputError naming
// `source` for anything else.
SweepPlan sweep_plan_from_json(const std::string& text, const std::string& source);

}  // namespace genops::scenarios
