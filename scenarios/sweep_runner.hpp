#pragma once

// Runs a parameter study into a directory: one results file per point
// (`DIR/point-NNNN.h5`, the same layout as `run --out`). Runs stream: each is simulated,
// written to its point's file in plan order and dropped, so memory is bounded by the runs in
// flight (one per thread), not by the study. A point whose complete file carries the point's
// config hash is skipped (resume); a stale or damaged file is replaced only with `force`; a
// failing point is logged (`DIR/point-NNNN.failed`) and the others go on.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "models/strategy.hpp"
#include "scenarios/sweep_plan.hpp"

namespace genops::scenarios {

// DIR/sweep.json: the plan (sweep_plan_json), written by run_sweep so `sweep status DIR` needs
// no scenario file.
std::filesystem::path sweep_plan_file(const std::filesystem::path& dir);

// DIR/point-NNNN.h5 and its failure log DIR/point-NNNN.failed.
std::filesystem::path sweep_point_file(const std::filesystem::path& dir, std::size_t point);
std::filesystem::path sweep_failure_file(const std::filesystem::path& dir, std::size_t point);

enum class PointState {
  Done,     // complete file with the point's config hash
  Stale,    // complete file of another configuration (rerun replaces it)
  Damaged,  // a file under the final name that is not a complete results file
  Failed,   // the last attempt failed (see the .failed file)
  Partial,  // only a *.partial file: running now, or interrupted
  Missing,
};
const char* point_state_name(PointState state);

// The state of one point's output; `detail` gets the failure message or the reader's error.
PointState sweep_point_state(const SweepPlan& plan, std::size_t point,
                             const std::filesystem::path& dir, std::string* detail = nullptr);

struct SweepRunOptions {
  std::filesystem::path out_dir;
  int threads = 0;                  // 0: all hardware threads
  std::vector<std::size_t> points;  // the points to run (selection and shard), ascending
  std::string command_line;         // recorded as provenance
  // Re-run points whose file is stale (another config hash) or damaged, replacing the file;
  // without it such points are not run and count as failed (nothing is overwritten).
  bool force = false;
  // Called (serialised) after every finished point with a one-line message.
  std::function<void(const std::string&)> log;
  // Called (serialised) after every written run with the runs done and to do, and the share
  // of the work done weighted by run cost (the expected deployments of each run's point).
  std::function<void(std::size_t done, std::size_t total, double weighted_fraction)> progress;
};

struct PointOutcome {
  std::size_t point = 0;
  PointState state = PointState::Missing;  // Done (ran now or skipped) or Failed
  bool skipped = false;                    // already done before this call
  std::string error;
  double wall_seconds = 0;
  // Means over the point's replications, [strategy * sweep_metrics().size() + metric], for a
  // point run by this call (empty when skipped or failed).
  std::vector<double> means;
};

struct SweepRunReport {
  std::vector<PointOutcome> points;  // in options.points order
  std::size_t runs_executed = 0;
  std::size_t points_failed = 0;
  double wall_seconds = 0;
};

SweepRunReport run_sweep(const SweepPlan& plan, const models::StrategyRegistry& registry,
                         const SweepRunOptions& options);

}  // namespace genops::scenarios
