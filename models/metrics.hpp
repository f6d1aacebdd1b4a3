#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "models/config.hpp"
#include "models/records.hpp"

namespace genops::models {

// The study's metrics, defined once (docs/MODEL.md "Metrics") and computed from deployment records.
// Denominators (README "Definitions"): `deployments` counts every change that arrived (every
// record, InFlight included); change-level rates (success, rollback, failure, block, approval,
// deferral, rework, waits) divide by it. Cycle-time statistics are over finished changes
// (`deployments - in_flight`; an InFlight change's cycle time is censored). The change failure
// rate and deployment success divide by `deployed` (finished changes that reached production).
// Canary catch divides by `issues`.
struct StrategySummary {
  std::uint64_t deployments = 0;  // changes that arrived (every outcome, InFlight included)
  std::uint64_t in_flight = 0;    // changes without a final outcome at the horizon
  std::uint64_t deployed = 0;     // finished changes that reached production
  std::uint64_t succeeded = 0;
  std::uint64_t rolled_back = 0;
  std::uint64_t failed = 0;
  std::uint64_t blocked = 0;
  double success_rate = 0;
  double rollback_rate = 0;
  double failure_rate = 0;
  double block_rate = 0;
  double median_cycle_time_min = 0;
  double p90_cycle_time_min = 0;
  double mean_cycle_time_min = 0;
  std::uint64_t safety_violations = 0;
  // Canary catch: issues = changes whose latent defect survived CI.
  std::uint64_t issues = 0;
  std::array<std::uint64_t, models::kCatchPointCount> caught_at{};  // issues by first stop
  // Issues that met each catch point at all (catch_points bits; one issue may count at several).
  std::array<std::uint64_t, models::kCatchPointCount> met_at{};
  double canary_catch_rate = 0;
  std::uint64_t false_rollbacks = 0;
  std::uint64_t incidents = 0;
  double change_failure_rate = 0;      // DORA: deployed changes that rolled back or failed
  double deployment_success_rate = 0;  // deployed changes that succeeded (1 - change failure)
  double in_flight_rate = 0;           // in_flight / deployments
  double mean_time_to_restore_min = 0;
  double error_budget_burned_min = 0;
  double mean_rework_loops = 0;
  double mean_ci_wait_min = 0;
  double mean_review_wait_min = 0;
  double human_approval_share = 0;
  double deferred_share = 0;
  // Model v2 information measures (docs/MODEL.md "Information"), over the deployments the AI
  // analysed (-1 when none): AUC of the risk score and of the neighbours' failure share for the
  // latent defect at arrival; retrieval precision@k = relevant / retrieved neighbours, pooled.
  double risk_auc = -1;
  double failure_share_auc = -1;
  double retrieval_precision = -1;
  double mean_neighbours = 0;  // per analysed deployment
  // Capacity: busy share of the CI runners and of the reviewers in the busiest local hour of
  // weekdays (hourly samples, mean over the samples of that hour), averaged over organizations.
  double peak_runner_utilisation = 0;
  double peak_reviewer_utilisation = 0;
};

// Fills the peak utilisation fields from the organizations' hourly resource samples.
void add_resource_use(StrategySummary& summary, std::span<const ResourceSample> samples,
                      const Scenario& scenario);

// add_resource_use() in streaming form: samples are added a slice at a time (in the order
// add_resource_use() would see them) into per-(organization, local hour) sums, so the samples
// themselves need not be kept (3 x 24 doubles per organization). finish() gives exactly what
// add_resource_use() gives for all the samples added.
class ResourceAccumulator {
 public:
  explicit ResourceAccumulator(const Scenario& scenario);
  void add(std::span<const ResourceSample> samples);
  void finish(StrategySummary& summary) const;

 private:
  const Scenario* scenario_;
  int start_weekday_ = 0;
  // [organization][local hour]: busy runners, busy reviewers, samples (weekdays only).
  std::vector<std::array<double, 24>> runners_, reviewers_, count_;
};

// Area under the ROC curve of `score` for `positive` (Mann-Whitney, ties count one half); -1 when
// either class is empty.
double roc_auc(std::vector<std::pair<double, bool>> scored);
// The same, sorting `scored` in place.
double roc_auc_in_place(std::vector<std::pair<double, bool>>& scored);

// Summary of a set of records (pooled or one replication). `violations` comes from the
// independent safety checker.
StrategySummary summarize(std::span<const models::DeploymentRecord> records,
                          std::uint64_t violations);

// summarize() in streaming form (records leave memory as they are written): records are added
// a slice at a time, in the order summarize() would see them. Counts and sums are running
// (the same additions in the same order, so the same doubles); only the values the order
// statistics need are kept: the cycle time of every finished change (8 bytes) and, for every
// change the AI analysed, the (score, latent defect) pairs of the two AUCs (2 x 16 bytes).
// finish() gives exactly summarize() of every record added. summarize() is this class.
class SummaryAccumulator {
 public:
  void add(std::span<const DeploymentRecord> records);
  // Counts and sums only: for a pooled accumulator whose kept values come from the runs'
  // accumulators by absorb_values() (so they are held once).
  void add_sums(std::span<const DeploymentRecord> records);
  // Moves `run`'s kept values into this one. Quantiles and AUCs do not depend on the order of
  // the values, so a pooled summary is exact whatever order runs are absorbed in.
  void absorb_values(SummaryAccumulator&& run);
  // The summary of every record added; reorders (does not discard) the kept values.
  StrategySummary finish(std::uint64_t violations);
  // Bytes held by the kept values (their capacity).
  std::size_t kept_bytes() const;

 private:
  void add_counts(const DeploymentRecord& r);
  StrategySummary s_;
  double restore_total_ = 0;
  std::uint64_t deployed_ = 0;
  std::uint64_t rework_ = 0;
  std::uint64_t approvals_ = 0;
  std::uint64_t deferred_ = 0;
  std::uint64_t finished_ = 0;
  double ci_wait_ = 0;
  double review_wait_ = 0;
  double found_ = 0;
  double relevant_ = 0;
  double retrieved_ = 0;
  std::vector<double> cycle_;
  std::vector<std::pair<double, bool>> risk_, share_;
};

// Quantile of type 7 (linear interpolation, numpy's default) of unsorted values.
double quantile_of(std::vector<double> values, double q);
// The same, reordering `values` instead of copying them.
double quantile_in_place(std::vector<double>& values, double q);

}  // namespace genops::models
