#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "models/calendar.hpp"

namespace genops::models {

double quantile_of(std::vector<double> values, double q) {
  return quantile_in_place(values, q);
}

double quantile_in_place(std::vector<double>& values, double q) {
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
  return roc_auc_in_place(scored);
}

double roc_auc_in_place(std::vector<std::pair<double, bool>>& scored) {
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

void SummaryAccumulator::add_counts(const DeploymentRecord& r) {
  using models::Outcome;
  ++s_.deployments;
  if (r.outcome != Outcome::InFlight) {
    ++finished_;
    s_.mean_cycle_time_min += r.cycle_time_min;
  }
  switch (r.outcome) {
    case Outcome::Succeeded:
      ++s_.succeeded;
      break;
    case Outcome::RolledBack:
      ++s_.rolled_back;
      break;
    case Outcome::Failed:
      ++s_.failed;
      break;
    case Outcome::Blocked:
      ++s_.blocked;
      break;
    case Outcome::InFlight:
      ++s_.in_flight;
      break;
  }
  if (r.defect_survived_ci) {
    ++s_.issues;
    ++s_.caught_at[static_cast<std::size_t>(r.catch_point)];
    for (std::size_t point = 0; point < s_.met_at.size(); ++point) {
      if ((r.catch_points >> point) & 1U)
        ++s_.met_at[point];
    }
  }
  if (r.false_rollback)
    ++s_.false_rollbacks;
  if (r.incident) {
    ++s_.incidents;
    restore_total_ += r.incident_minutes;
  }
  if (r.deploy_start_min >= 0 && r.outcome != Outcome::InFlight)
    ++deployed_;
  s_.error_budget_burned_min += r.error_budget_burned_min;
  rework_ += r.rework_loops;
  if (r.human_approved)
    ++approvals_;
  if (r.deferred_min > 0)
    ++deferred_;
  ci_wait_ += r.ci_wait_min;
  review_wait_ += r.review_wait_min;
  // The model v2 information measures (docs/MODEL.md "Information").
  if (r.retrieval_confidence >= 0) {
    found_ += r.neighbours_found;
    relevant_ += r.neighbours_relevant;
    retrieved_ += 1;
  }
}

void SummaryAccumulator::add_sums(std::span<const DeploymentRecord> records) {
  for (const auto& r : records)
    add_counts(r);
}

void SummaryAccumulator::add(std::span<const DeploymentRecord> records) {
  for (const auto& r : records) {
    add_counts(r);
    if (r.outcome != models::Outcome::InFlight)
      cycle_.push_back(r.cycle_time_min);
    if (r.risk_score >= 0)
      risk_.emplace_back(r.risk_score, r.latent_defect);
    if (r.retrieval_confidence >= 0)
      share_.emplace_back(r.similar_failure_share, r.latent_defect);
  }
}

void SummaryAccumulator::absorb_values(SummaryAccumulator&& run) {
  const auto append = [](auto& to, auto& from) {
    if (to.empty()) {
      to = std::move(from);
    } else {
      to.insert(to.end(), from.begin(), from.end());
    }
    std::decay_t<decltype(from)>().swap(from);  // frees the capacity too
  };
  append(cycle_, run.cycle_);
  append(risk_, run.risk_);
  append(share_, run.share_);
}

std::size_t SummaryAccumulator::kept_bytes() const {
  return cycle_.capacity() * sizeof(double) +
         (risk_.capacity() + share_.capacity()) * sizeof(std::pair<double, bool>);
}

StrategySummary SummaryAccumulator::finish(std::uint64_t violations) {
  StrategySummary s = s_;
  s.safety_violations = violations;
  if (s.deployments == 0) {
    return StrategySummary{.safety_violations = violations};
  }
  const auto n = static_cast<double>(s.deployments);
  s.success_rate = static_cast<double>(s.succeeded) / n;
  s.rollback_rate = static_cast<double>(s.rolled_back) / n;
  s.failure_rate = static_cast<double>(s.failed) / n;
  s.block_rate = static_cast<double>(s.blocked) / n;
  s.in_flight_rate = static_cast<double>(s.in_flight) / n;
  s.deployed = deployed_;
  s.mean_cycle_time_min =
      finished_ == 0 ? 0.0 : s.mean_cycle_time_min / static_cast<double>(finished_);
  s.median_cycle_time_min = quantile_in_place(cycle_, 0.5);
  s.p90_cycle_time_min = quantile_in_place(cycle_, 0.9);
  s.canary_catch_rate =
      s.issues == 0
          ? 0.0
          : static_cast<double>(s.caught_at[static_cast<std::size_t>(models::CatchPoint::Canary)]) /
                static_cast<double>(s.issues);
  s.change_failure_rate = deployed_ == 0 ? 0.0
                                         : static_cast<double>(s.rolled_back + s.failed) /
                                               static_cast<double>(deployed_);
  s.deployment_success_rate = deployed_ == 0
                                  ? 0.0
                                  : static_cast<double>(deployed_ - s.rolled_back - s.failed) /
                                        static_cast<double>(deployed_);
  s.mean_time_to_restore_min =
      s.incidents == 0 ? 0.0 : restore_total_ / static_cast<double>(s.incidents);
  s.mean_rework_loops = static_cast<double>(rework_) / n;
  s.mean_ci_wait_min = ci_wait_ / n;
  s.mean_review_wait_min = review_wait_ / n;
  s.human_approval_share = static_cast<double>(approvals_) / n;
  s.deferred_share = static_cast<double>(deferred_) / n;
  s.risk_auc = roc_auc_in_place(risk_);
  s.failure_share_auc = roc_auc_in_place(share_);
  s.retrieval_precision = found_ > 0 ? relevant_ / found_ : -1;
  s.mean_neighbours = retrieved_ > 0 ? found_ / retrieved_ : 0;
  return s;
}

StrategySummary summarize(std::span<const models::DeploymentRecord> records,
                          std::uint64_t violations) {
  SummaryAccumulator accumulator;
  accumulator.add(records);
  return accumulator.finish(violations);
}

}  // namespace genops::models

namespace genops::models {

ResourceAccumulator::ResourceAccumulator(const Scenario& scenario)
    : scenario_(&scenario),
      start_weekday_(iso_weekday(scenario.start_date)),
      runners_(scenario.organizations.size()),
      reviewers_(scenario.organizations.size()),
      count_(scenario.organizations.size()) {}

void ResourceAccumulator::add(std::span<const ResourceSample> samples) {
  const std::size_t orgs = scenario_->organizations.size();
  for (const ResourceSample& x : samples) {
    if (x.organization >= orgs)
      continue;
    const double local_hours =
        x.time_min / 60.0 + scenario_->organizations[x.organization].utc_offset_hours;
    const auto day = static_cast<long>(std::floor(local_hours / 24.0));
    if ((start_weekday_ + day % 7 + 7) % 7 >= 5)
      continue;
    const auto hour = static_cast<std::size_t>(local_hours - 24.0 * static_cast<double>(day)) % 24;
    runners_[x.organization][hour] += x.runners_busy;
    reviewers_[x.organization][hour] += x.reviewers_busy;
    count_[x.organization][hour] += 1;
  }
}

void ResourceAccumulator::finish(StrategySummary& summary) const {
  const std::size_t orgs = scenario_->organizations.size();
  if (orgs == 0)
    return;
  double runner_sum = 0;
  double reviewer_sum = 0;
  for (std::size_t o = 0; o < orgs; ++o) {
    const auto& config = scenario_->organizations[o];
    double runner_peak = 0;
    double reviewer_peak = 0;
    for (std::size_t h = 0; h < 24; ++h) {
      if (count_[o][h] == 0)
        continue;
      runner_peak =
          std::max(runner_peak, runners_[o][h] / count_[o][h] / std::max(1, config.ci_runners));
      reviewer_peak = std::max(
          reviewer_peak, reviewers_[o][h] / count_[o][h] / std::max(1, config.reviewers.count));
    }
    runner_sum += runner_peak;
    reviewer_sum += reviewer_peak;
  }
  summary.peak_runner_utilisation = runner_sum / static_cast<double>(orgs);
  summary.peak_reviewer_utilisation = reviewer_sum / static_cast<double>(orgs);
}

void add_resource_use(StrategySummary& summary, std::span<const ResourceSample> samples,
                      const Scenario& scenario) {
  if (scenario.organizations.empty())
    return;
  ResourceAccumulator accumulator(scenario);
  accumulator.add(samples);
  accumulator.finish(summary);
}

}  // namespace genops::models
