#include "models/safety_checker.hpp"

#include <algorithm>

#include "models/pipeline.hpp"
#include "models/risk.hpp"

namespace genops::models {

namespace {
// Budget sums may differ from the pipeline's in the last bits (summation order).
constexpr double kBudgetTolerance = 1e-6;

struct Burn {
  double time_min;
  double bad_minutes;
};
}  // namespace

std::vector<SafetyViolation> check_safety(const Scenario& scenario, const Organization& org,
                                          const std::vector<DeploymentRecord>& records) {
  // Rebuild every service's burn ledger from the records.
  std::vector<std::vector<Burn>> ledgers(org.services.size());
  for (const DeploymentRecord& r : records) {
    if (r.error_budget_burned_min <= 0)
      continue;
    const Service& service = org.services.at(r.service);
    ledgers[r.service].push_back({r.end_min, r.error_budget_burned_min});
    for (int dependent : service.direct_dependents) {
      ledgers[static_cast<std::size_t>(dependent)].push_back(
          {r.end_min, r.error_budget_burned_min * scenario.incidents.dependent_impact});
    }
  }
  for (auto& ledger : ledgers) {
    std::stable_sort(ledger.begin(), ledger.end(),
                     [](const Burn& a, const Burn& b) { return a.time_min < b.time_min; });
  }
  const auto remaining_minutes = [&](int service, double now_min) {
    double used = 0;
    for (const Burn& b : ledgers[static_cast<std::size_t>(service)]) {
      if (b.time_min > now_min)
        break;
      if (b.time_min > now_min - budget_window_minutes())
        used += b.bad_minutes;
    }
    return org.services[static_cast<std::size_t>(service)].error_budget_minutes - used;
  };

  std::vector<SafetyViolation> violations;
  const int service_count = static_cast<int>(org.services.size());
  for (const DeploymentRecord& r : records) {
    if (r.deploy_start_min < 0)
      continue;
    const Service& service = org.services.at(r.service);
    const Change& change = org.changes.at(change_index_of(r.id));
    const SimTime start = SimTime::from_minutes(r.deploy_start_min);
    if (!r.hotfix && org.calendar.in_no_deploy_window(start, scenario.genops.friday_cutoff_hour)) {
      violations.push_back({r.id, "no_friday_deployments"});
    }
    const double risk =
        policy_risk(scenario.genops.weights, service.tier, service.blast_radius, service_count,
                    static_cast<int>(r.lines_changed), r.files_changed, r.migration,
                    r.config_change, org.calendar, change.arrival);
    if (service.tier == Tier::Critical && risk > kCriticalServiceRiskThreshold &&
        !r.human_approved) {
      violations.push_back({r.id, "critical_service_human_review"});
    }
    if (r.migration && (service.tier == Tier::Critical || service.tier == Tier::High) &&
        !r.human_approved) {
      violations.push_back({r.id, "db_migration_review"});
    }
    if (!r.hotfix && remaining_minutes(service.id, r.deploy_start_min) <= -kBudgetTolerance) {
      violations.push_back({r.id, "error_budget_protection"});
    }
  }
  return violations;
}

}  // namespace genops::models
