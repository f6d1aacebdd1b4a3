#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/simulation.hpp"
#include "models/ci_fleet.hpp"
#include "models/config.hpp"
#include "models/metrics.hpp"
#include "models/pipeline.hpp"
#include "models/safety_checker.hpp"
#include "models/strategy.hpp"

namespace genops::scenarios {

// One (strategy, replication) run: every organization's output and the safety check.
struct RunResult {
  std::string strategy;
  int replication = 0;
  std::uint64_t seed = 0;
  std::vector<models::PipelineOutput> organizations;
  std::vector<models::SafetyViolation> violations;
  // Queue waits and utilisation of each shared CI fleet, in scenario.ci_fleets order.
  std::vector<models::CiFleetStats> fleets;
  engine::RunStats engine;
  // Records of all organizations, concatenated in organization order.
  std::vector<models::DeploymentRecord> deployments() const;
};

struct StudyOptions {
  int threads = 0;  // 0: all hardware threads
  // Called after each finished run with (finished runs, total runs); may be called from any
  // worker thread, serialised by the runner.
  std::function<void(int, int)> progress;
  // The replications to run, ascending (one task of a study split with --task-index); empty:
  // all of the scenario's.
  std::vector<int> replications = {};
};

struct StudyResult {
  models::Scenario scenario;
  // The replication indices run, ascending: 0..replications-1 unless the study is one task.
  std::vector<int> replications;
  // Strategy-major: runs[s * replications.size() + k] is replication replications[k].
  std::vector<RunResult> runs;
  double wall_seconds = 0;
  int threads = 0;
  std::uint64_t events = 0;
  // Task task_index of task_count when the study was split (the results file says so).
  std::uint32_t task_index = 0;
  std::uint32_t task_count = 1;
  // The k-th replication run of a strategy (k = the replication itself in a whole study).
  const RunResult& run(std::size_t strategy, int k) const {
    return runs[strategy * replications.size() + static_cast<std::size_t>(k)];
  }
};

// The partitions of one group of coupled organizations (models::coupled_groups) in a Simulation.
struct GroupPartitions {
  std::vector<models::Pipeline*> pipelines;  // in the group's organization order
  std::vector<models::CiFleet*> fleets;      // the fleets the group uses, ascending
};
// Adds the group's organizations (one partition each, in order) and then its fleets, and links
// each organization to its fleet. The simulation's lookahead must not exceed
// models::fleet_lookahead(scenario) when the group uses a fleet.
GroupPartitions add_group(engine::Simulation& simulation, const models::Scenario& scenario,
                          const models::Strategy& strategy, models::RunKey key,
                          const std::vector<int>& group);

// Runs one strategy on one replication (the unit of parallelism), inside the caller's arena.
RunResult run_once(const models::Scenario& scenario, const models::Strategy& strategy,
                   int replication);

// Runs every strategy x replication as TBB tasks in an arena of `threads`; each run writes its
// own pre-sized slot, so results do not depend on the thread count.
StudyResult run_study(const models::Scenario& scenario, const models::StrategyRegistry& registry,
                      const StudyOptions& options);

// Pooled and per-replication summaries of one strategy.
models::StrategySummary pooled_summary(const StudyResult& study, std::size_t strategy);
// Each shared CI fleet's figures of one strategy, pooled over the study's replications (in
// scenario.ci_fleets order; empty without fleets).
std::vector<models::CiFleetStats> pooled_fleets(const StudyResult& study, std::size_t strategy);
// With the scenario, the summary also carries peak resource utilisation.
models::StrategySummary replication_summary(const RunResult& run,
                                            const models::Scenario* scenario = nullptr);

// Every summary of a finished study, computed once and shared by the study table, `run --json`
// and the results file.
struct StudySummaries {
  std::vector<models::StrategySummary> runs;    // replication_summary, in study.runs' order
  std::vector<models::StrategySummary> pooled;  // pooled_summary, by strategy
};
StudySummaries summarize_study(const StudyResult& study);

}  // namespace genops::scenarios
