#pragma once

#include <cstdint>
#include <functional>
#include <span>
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
  // Counted from every organization's output (kept when a streamed run frees the records):
  // changes that arrived in the warm-up and were left out, PR reviews started in the measured
  // window and their summed queue wait.
  std::uint64_t warmup_arrivals = 0;
  std::uint64_t pr_reviews = 0;
  double pr_review_wait_min = 0;
  // Records of all organizations, concatenated in organization order.
  std::vector<models::DeploymentRecord> deployments() const;
  // Adds one organization's counts (warm-up arrivals, PR reviews) to the run's.
  void count_organization(const models::PipelineOutput& output);
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

// Splits the coupled groups (models::coupled_groups: organizations sharing a CI fleet) into
// batches of whole groups, each batch a contiguous range of organizations in ascending order,
// closed where the next group would take it over `organizations` (<= 0: no limit) or, with
// `max_deployments` > 0, over that many deployments by `deployments` (one estimate per
// organization). A larger group or an interleaved set of groups is a batch of its own: a group
// is never split. No limit: one batch.
std::vector<std::vector<int>> plan_batches(const std::vector<std::vector<int>>& groups,
                                           int organizations,
                                           const std::vector<double>& deployments = {},
                                           double max_deployments = 0);

// One batch of a run: a Simulation of the batch's organizations, their outputs (in the batch's
// order) and their safety violations. The partitions run in parallel in the caller's arena.
struct BatchResult {
  std::vector<models::PipelineOutput> organizations;
  std::vector<models::SafetyViolation> violations;
  engine::RunStats engine;
  // By organization in the batch's order (independent organizations), or by coupled group.
  std::vector<std::uint64_t> partition_digests;
  // Shared CI fleets of the batch's groups, in scenario.ci_fleets order (others unnamed).
  std::vector<models::CiFleetStats> fleets;
};
BatchResult run_batch(const models::Scenario& scenario, const models::Strategy& strategy,
                      int replication, const std::vector<int>& organizations);

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

// Receives a study run by stream_study(): runs in study order (strategy-major, replications
// ascending), each as begin_run, its organizations batch by batch in organization order, then
// end_run. The outputs are freed when organizations() returns.
class RunSink {
 public:
  virtual ~RunSink() = default;
  virtual void begin_run(const RunResult& run) = 0;
  virtual void organizations(const RunResult& run,
                             std::span<const models::PipelineOutput> batch) = 0;
  // `run` carries the engine totals and every violation (no records).
  virtual void end_run(const RunResult& run, const models::StrategySummary& summary) = 0;
};

// How stream_study() batches a run's organizations.
struct StreamOptions {
  // Organizations simulated together (whole coupled groups); <= 0: no limit.
  int batch_organizations = 0;
  // Estimated deployments simulated together (scenarios/scenario_loader.hpp
  // deployments_per_batch); <= 0: no limit. Both limits <= 0: one batch.
  double batch_deployments = 0;
};

// The study with bounded memory: the runs one after another in study order, each in batches of
// organizations (a Simulation per batch, its partitions in parallel on `options.threads`).
// After a batch every organization is safety-checked, folded into streaming summaries
// (models::SummaryAccumulator, ResourceAccumulator) and handed to `sink`, then freed. Records,
// summaries, violations and engine events and digest are identical to run_study() and
// summarize_study() (organizations are independent), whatever the batch size. The result's
// runs hold no organizations.
struct StreamedStudy {
  StudyResult study;
  StudySummaries summaries;
};
StreamedStudy stream_study(const models::Scenario& scenario,
                           const models::StrategyRegistry& registry, const StudyOptions& options,
                           const StreamOptions& stream, RunSink& sink);

}  // namespace genops::scenarios
