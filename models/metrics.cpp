#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "models/calendar.hpp"

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

double roc_auc(std::vector<std::pair<double, bool>> scored) {
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double positives = 0;
  double rank_sum = 0;  // sum of the positives' mid-ranks (1-based)
  for (std::size_t i = 0; i < scored.size();) {
    std::size_t j = i;
    double tied_positives = 0;
    while (j < scored.size() && scored[j].first == scored[i].first) {
      tied_positives += scored[j].second ? 1.0 : 0.0;
      ++j;
    }
    rank_sum += tied_positives * (static_cast<double>(i + j + 1) / 2.0);
    positives += tied_positives;
    i = j;
  }
  const double negatives = static_cast<double>(scored.size()) - positives;
  if (positives == 0 || negatives == 0)
    return -1;
  return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

namespace {

// The model v2 information measures of one set of records.
void information_measures(std::span<const models::DeploymentRecord> records, StrategySummary& s) {
  std::vector<std::pair<double, bool>> risk;
  std::vector<std::pair<double, bool>> share;
  double found = 0;
  double relevant = 0;
  double retrieved = 0;
  for (const auto& r : records) {
    if (r.risk_score >= 0)
      risk.emplace_back(r.risk_score, r.latent_defect);
    if (r.retrieval_confidence >= 0) {
      share.emplace_back(r.similar_failure_share, r.latent_defect);
      found += r.neighbours_found;
      relevant += r.neighbours_relevant;
      retrieved += 1;
    }
  }
  s.risk_auc = roc_auc(std::move(risk));
  s.failure_share_auc = roc_auc(std::move(share));
  s.retrieval_precision = found > 0 ? relevant / found : -1;
  s.mean_neighbours = retrieved > 0 ? found / retrieved : 0;
}

}  // namespace

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
  information_measures(records, s);
  return s;
}

}  // namespace genops::models

namespace genops::models {

void add_resource_use(StrategySummary& summary, std::span<const ResourceSample> samples,
                      const Scenario& scenario) {
  const std::size_t orgs = scenario.organizations.size();
  if (orgs == 0)
    return;
  // [organization][local hour]: busy runners, busy reviewers, samples (weekdays only).
  std::vector<std::array<double, 24>> runners(orgs), reviewers(orgs), count(orgs);
  const int start_weekday = iso_weekday(scenario.start_date);
  for (const ResourceSample& x : samples) {
    if (x.organization >= orgs)
      continue;
    const double local_hours =
        x.time_min / 60.0 + scenario.organizations[x.organization].utc_offset_hours;
    const auto day = static_cast<long>(std::floor(local_hours / 24.0));
    if ((start_weekday + day % 7 + 7) % 7 >= 5)
      continue;
    const auto hour = static_cast<std::size_t>(local_hours - 24.0 * static_cast<double>(day)) % 24;
    runners[x.organization][hour] += x.runners_busy;
    reviewers[x.organization][hour] += x.reviewers_busy;
    count[x.organization][hour] += 1;
  }
  double runner_sum = 0;
  double reviewer_sum = 0;
  for (std::size_t o = 0; o < orgs; ++o) {
    const auto& config = scenario.organizations[o];
    double runner_peak = 0;
    double reviewer_peak = 0;
    for (std::size_t h = 0; h < 24; ++h) {
      if (count[o][h] == 0)
        continue;
      runner_peak =
          std::max(runner_peak, runners[o][h] / count[o][h] / std::max(1, config.ci_runners));
      reviewer_peak = std::max(reviewer_peak,
                               reviewers[o][h] / count[o][h] / std::max(1, config.reviewers.count));
    }
    runner_sum += runner_peak;
    reviewer_sum += reviewer_peak;
  }
  summary.peak_runner_utilisation = runner_sum / static_cast<double>(orgs);
  summary.peak_reviewer_utilisation = reviewer_sum / static_cast<double>(orgs);
}

}  // namespace genops::models
