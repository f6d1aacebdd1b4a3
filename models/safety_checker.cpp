#include "models/safety_checker.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <unordered_map>
#include <utility>

// Independent by construction: this file includes no strategy code (no calendar.hpp, risk.hpp,
// governance.hpp, pipeline.hpp or strategy headers) and calls none of their functions; every rule
// below is written from docs/MODEL.md ("Governance", "Risk scoring", the error budget).
namespace genops::models {

namespace {

constexpr double kMinutesPerHour = 60.0;
constexpr double kMinutesPerDay = 24.0 * kMinutesPerHour;
// The error budget's rolling window (docs/MODEL.md: bad minutes allowed over 28 days).
constexpr double kBudgetWindowMin = 28.0 * kMinutesPerDay;
// Budget sums may differ from the pipeline's in the last bits (summation order).
constexpr double kBudgetTolerance = 1e-6;
// critical_service_human_review: a CRITICAL service's change whose rubric risk exceeds this
// needs a human (docs/MODEL.md "Governance": "a critical service with high risk").
constexpr double kCriticalRiskLine = 0.5;
constexpr int kFriday = 4;
constexpr int kSaturday = 5;

// Weekday (0 = Monday) of an ISO date, by Sakamoto's method (not the world's day counting).
int weekday_of_iso_date(const std::string& date) {
  const auto number = [&](std::size_t from, std::size_t length) {
    int value = 0;
    const char* first = date.data() + from;
    const auto [end, error] = std::from_chars(first, first + length, value);
    if (error != std::errc() || end != first + length)
      throw std::invalid_argument("safety checker: start_date '" + date + "' is not YYYY-MM-DD");
    return value;
  };
  if (date.size() != 10)
    throw std::invalid_argument("safety checker: start_date '" + date + "' is not YYYY-MM-DD");
  int year = number(0, 4);
  const int month = number(5, 2);
  const int day = number(8, 2);
  static constexpr int kMonthOffset[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (month < 3)
    --year;
  const int sunday_based =
      (year + year / 4 - year / 100 + year / 400 + kMonthOffset[month - 1] + day) % 7;
  return (sunday_based + 6) % 7;
}

// Transitive dependents of every service (the blast radius), by a breadth-first walk over the
// direct dependents.
std::vector<int> transitive_dependents(const std::vector<Service>& services) {
  std::vector<int> counts(services.size(), 0);
  std::vector<char> seen(services.size());
  std::vector<int> frontier;
  for (std::size_t root = 0; root < services.size(); ++root) {
    std::fill(seen.begin(), seen.end(), 0);
    seen[root] = 1;
    frontier.assign(1, static_cast<int>(root));
    while (!frontier.empty()) {
      const int at = frontier.back();
      frontier.pop_back();
      for (int next : services[static_cast<std::size_t>(at)].direct_dependents) {
        if (seen[static_cast<std::size_t>(next)] == 0) {
          seen[static_cast<std::size_t>(next)] = 1;
          ++counts[root];
          frontier.push_back(next);
        }
      }
    }
  }
  return counts;
}

struct Burn {
  double time_min;
  double bad_minutes;
};

// Every service's burns, booked when the burning change finished (InFlight changes have booked
// nothing yet), its direct dependents' share included; in time order.
std::vector<std::vector<Burn>> burn_ledgers(const Scenario& scenario, const Organization& org,
                                            const std::vector<DeploymentRecord>& records,
                                            const std::vector<DeploymentRecord>& history) {
  std::vector<std::vector<Burn>> ledgers(org.services.size());
  for (const auto* part : {&history, &records}) {
    for (const DeploymentRecord& r : *part) {
      if (r.error_budget_burned_min <= 0 || r.outcome == Outcome::InFlight)
        continue;
      ledgers[r.service].push_back({r.end_min, r.error_budget_burned_min});
      for (int dependent : org.services.at(r.service).direct_dependents) {
        ledgers[static_cast<std::size_t>(dependent)].push_back(
            {r.end_min, r.error_budget_burned_min * scenario.incidents.dependent_impact});
      }
    }
  }
  for (auto& ledger : ledgers) {
    std::stable_sort(ledger.begin(), ledger.end(),
                     [](const Burn& a, const Burn& b) { return a.time_min < b.time_min; });
  }
  return ledgers;
}

double budget_left(const std::vector<Burn>& ledger, double budget_minutes, double time_min) {
  double used = 0;
  for (const Burn& b : ledger) {
    if (b.time_min > time_min)
      break;
    if (b.time_min > time_min - kBudgetWindowMin)
      used += b.bad_minutes;
  }
  return budget_minutes - used;
}

}  // namespace

SafetyChecker::SafetyChecker(const Scenario& scenario, const Organization& organization)
    : scenario_(scenario),
      organization_(organization),
      offset_minutes_(kMinutesPerHour * organization.config.utc_offset_hours),
      start_weekday_(weekday_of_iso_date(scenario.start_date)),
      transitive_dependents_(transitive_dependents(organization.services)) {}

long SafetyChecker::local_day(double time_min) const {
  return static_cast<long>(std::floor((time_min + offset_minutes_) / kMinutesPerDay));
}

int SafetyChecker::weekday(long day) const {
  return static_cast<int>(((start_weekday_ + day) % 7 + 7) % 7);
}

int SafetyChecker::local_hour(double time_min) const {
  const double local = time_min + offset_minutes_;
  const double into_day = local - static_cast<double>(local_day(time_min)) * kMinutesPerDay;
  return static_cast<int>(std::floor(into_day / kMinutesPerHour));
}

bool SafetyChecker::in_forbidden_window(double time_min) const {
  const long day = local_day(time_min);
  for (const DayRange& freeze : organization_.config.freeze_windows) {
    if (day >= freeze.first_day && day <= freeze.last_day)
      return true;
  }
  const int wd = weekday(day);
  return wd >= kSaturday ||
         (wd == kFriday && local_hour(time_min) >= scenario_.genops.friday_cutoff_hour);
}

// Timing factor of the rubric: late hours (18:00-08:00) 0.5, Friday 0.3 (0.7 from 14:00),
// weekend 0.8, holiday 0.9; the highest that applies.
double SafetyChecker::timing_factor(double time_min) const {
  const long day = local_day(time_min);
  const int hour = local_hour(time_min);
  const int wd = weekday(day);
  const auto& holidays = organization_.config.holidays;
  double factor = 0.0;
  if (hour < 8 || hour >= 18)
    factor = std::max(factor, 0.5);
  if (wd == kFriday)
    factor = std::max(factor, hour >= 14 ? 0.7 : 0.3);
  if (wd >= kSaturday)
    factor = std::max(factor, 0.8);
  if (std::find(holidays.begin(), holidays.end(), day) != holidays.end())
    factor = std::max(factor, 0.9);
  return factor;
}

// The policy rubric (docs/MODEL.md "Risk scoring", the factors without retrieval or health):
// tier (CRITICAL 1, HIGH 0.7, MEDIUM 0.4, LOW 0.1), blast radius sqrt(dependents / (n - 1)),
// complexity (size on a log scale from 10 to 10,000 lines x 0.5, files from 1 to 100 x 0.2,
// migration +0.3, config +0.1, capped at 1) and timing, weighted by the scenario's weights.
double SafetyChecker::rubric_risk(const DeploymentRecord& record, double arrival_min) const {
  static constexpr double kTierFactor[] = {1.0, 0.7, 0.4, 0.1};  // Tier order: Critical..Low
  const RiskWeights& w = scenario_.genops.weights;
  const double tier = kTierFactor[std::min<std::size_t>(record.tier, 3)];
  const auto n = static_cast<double>(organization_.services.size());
  const double blast = n <= 1 ? 0.0 : std::sqrt(transitive_dependents_[record.service] / (n - 1.0));
  const double lines = std::max(1.0, static_cast<double>(record.lines_changed));
  const double files = std::max(1.0, static_cast<double>(record.files_changed));
  const double size = std::clamp((std::log10(lines) - 1.0) / 3.0, 0.0, 1.0);
  const double spread = std::clamp(std::log10(files) / 2.0, 0.0, 1.0);
  const double complexity =
      std::min(1.0, 0.5 * size + 0.2 * spread + (record.migration ? 0.3 : 0.0) +
                        (record.config_change ? 0.1 : 0.0));
  const double weighted = w.service_tier * tier + w.blast_radius * blast +
                          w.change_complexity * complexity + w.timing * timing_factor(arrival_min);
  return weighted / (w.service_tier + w.blast_radius + w.change_complexity + w.timing);
}

std::vector<SafetyViolation> SafetyChecker::check(
    const std::vector<DeploymentRecord>& records, const std::vector<TrafficShift>& shifts,
    const std::vector<DeploymentRecord>& history) const {
  const std::vector<std::vector<Burn>> ledgers =
      burn_ledgers(scenario_, organization_, records, history);
  std::unordered_map<std::uint64_t, std::size_t> row_of;
  row_of.reserve(records.size());
  for (std::size_t row = 0; row < records.size(); ++row)
    row_of.emplace(records[row].id, row);

  std::vector<SafetyViolation> violations;
  std::vector<std::uint8_t> flagged(records.size(), 0);  // bit 0: window, bit 1: budget
  for (const TrafficShift& shift : shifts) {
    const auto found = row_of.find(shift.deployment);
    if (found == row_of.end())
      throw std::invalid_argument("safety checker: a traffic shift of an unknown deployment");
    const DeploymentRecord& r = records[found->second];
    std::uint8_t& seen = flagged[found->second];
    if (r.hotfix)
      continue;
    if ((seen & 1U) == 0 && in_forbidden_window(shift.time_min)) {
      seen |= 1U;
      violations.push_back({r.id, "no_friday_deployments"});
    }
    const double budget = organization_.services.at(r.service).error_budget_minutes;
    if ((seen & 2U) == 0 &&
        budget_left(ledgers[r.service], budget, shift.time_min) <= -kBudgetTolerance) {
      seen |= 2U;
      violations.push_back({r.id, "error_budget_protection"});
    }
  }
  for (const DeploymentRecord& r : records) {
    if (r.deploy_start_min < 0)
      continue;
    const auto tier = static_cast<Tier>(r.tier);
    if (tier == Tier::Critical && !r.human_approved &&
        rubric_risk(r, r.arrival_min) > kCriticalRiskLine) {
      violations.push_back({r.id, "critical_service_human_review"});
    }
    if (r.migration && (tier == Tier::Critical || tier == Tier::High) && !r.human_approved)
      violations.push_back({r.id, "db_migration_review"});
  }
  return violations;
}

std::vector<SafetyViolation> check_safety(const Scenario& scenario,
                                          const Organization& organization,
                                          const std::vector<DeploymentRecord>& records,
                                          const std::vector<TrafficShift>& shifts,
                                          const std::vector<DeploymentRecord>& history) {
  return SafetyChecker(scenario, organization).check(records, shifts, history);
}

}  // namespace genops::models
