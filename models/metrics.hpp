#pragma once

#include <array>
#include <cstdint>
#include <span>
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

// Area under the ROC curve of `score` for `positive` (Mann-Whitney, ties count one half); -1 when
// either class is empty.
double roc_auc(std::vector<std::pair<double, bool>> scored);

// Summary of a set of records (pooled or one replication). `violations` comes from the
// independent safety checker.
StrategySummary summarize(std::span<const models::DeploymentRecord> records,
                          std::uint64_t violations);

// Quantile of type 7 (linear interpolation, numpy's default) of unsorted values.
double quantile_of(std::vector<double> values, double q);

}  // namespace genops::models
