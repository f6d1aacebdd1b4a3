#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace genops::models {

double quantile_of(std::vector<double> values, double q) {
  if (values.empty())
    return 0.0;
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lower),
                   values.end());
  const double low = values[lower];
  if (upper == lower)
    return low;
  const double high =
      *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(upper), values.end());
  return low + (position - static_cast<double>(lower)) * (high - low);
}

StrategySummary summarize(std::span<const models::DeploymentRecord> records,
                          std::uint64_t violations) {
  using models::Outcome;
  StrategySummary s;
  s.deployments = records.size();
  s.safety_violations = violations;
  if (records.empty())
    return s;
  std::vector<double> cycle;
  cycle.reserve(records.size());
  double restore_total = 0;
  std::uint64_t deployed = 0;
  std::uint64_t rework = 0;
  std::uint64_t approvals = 0;
  std::uint64_t deferred = 0;
  double ci_wait = 0;
  double review_wait = 0;
  for (const auto& r : records) {
    if (r.outcome != Outcome::InFlight) {
      cycle.push_back(r.cycle_time_min);
      s.mean_cycle_time_min += r.cycle_time_min;
    }
    switch (r.outcome) {
      case Outcome::Succeeded:
        ++s.succeeded;
        break;
      case Outcome::RolledBack:
        ++s.rolled_back;
        break;
      case Outcome::Failed:
        ++s.failed;
        break;
      case Outcome::Blocked:
        ++s.blocked;
        break;
      case Outcome::InFlight:
        ++s.in_flight;
        break;
    }
    if (r.defect_survived_ci) {
      ++s.issues;
      ++s.caught_at[static_cast<std::size_t>(r.catch_point)];
      for (std::size_t point = 0; point < s.met_at.size(); ++point) {
        if ((r.catch_points >> point) & 1U)
          ++s.met_at[point];
      }
    }
    if (r.false_rollback)
      ++s.false_rollbacks;
    if (r.incident) {
      ++s.incidents;
      restore_total += r.incident_minutes;
    }
    if (r.deploy_start_min >= 0 && r.outcome != Outcome::InFlight)
      ++deployed;
    s.error_budget_burned_min += r.error_budget_burned_min;
    rework += r.rework_loops;
    if (r.human_approved)
      ++approvals;
    if (r.deferred_min > 0)
      ++deferred;
    ci_wait += r.ci_wait_min;
    review_wait += r.review_wait_min;
  }
  const auto n = static_cast<double>(records.size());
  s.success_rate = static_cast<double>(s.succeeded) / n;
  s.rollback_rate = static_cast<double>(s.rolled_back) / n;
  s.failure_rate = static_cast<double>(s.failed) / n;
  s.block_rate = static_cast<double>(s.blocked) / n;
  s.in_flight_rate = static_cast<double>(s.in_flight) / n;
  s.deployed = deployed;
  s.mean_cycle_time_min =
      cycle.empty() ? 0.0 : s.mean_cycle_time_min / static_cast<double>(cycle.size());
  s.median_cycle_time_min = quantile_of(cycle, 0.5);
  s.p90_cycle_time_min = quantile_of(std::move(cycle), 0.9);
  s.canary_catch_rate =
      s.issues == 0
          ? 0.0
          : static_cast<double>(s.caught_at[static_cast<std::size_t>(models::CatchPoint::Canary)]) /
                static_cast<double>(s.issues);
  s.change_failure_rate =
      deployed == 0 ? 0.0
                    : static_cast<double>(s.rolled_back + s.failed) / static_cast<double>(deployed);
  s.deployment_success_rate = deployed == 0
                                  ? 0.0
                                  : static_cast<double>(deployed - s.rolled_back - s.failed) /
                                        static_cast<double>(deployed);
  s.mean_time_to_restore_min =
      s.incidents == 0 ? 0.0 : restore_total / static_cast<double>(s.incidents);
  s.mean_rework_loops = static_cast<double>(rework) / n;
  s.mean_ci_wait_min = ci_wait / n;
  s.mean_review_wait_min = review_wait / n;
  s.human_approval_share = static_cast<double>(approvals) / n;
  s.deferred_share = static_cast<double>(deferred) / n;
  return s;
}

}  // namespace genops::models
