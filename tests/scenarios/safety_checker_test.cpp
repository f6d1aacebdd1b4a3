// Mutation test of the independent safety checker (issue 10, item 6): a test-only strategy whose
// guard is deliberately broken (the Friday cut-off one hour late; the error budget checked only
// before the first of two traffic shifts) ships violations that the checker must count exactly
// as this test's own integer arithmetic predicts; the same strategy with a correct guard (cut-off
// right, every shift re-checked, the canary held instead) must produce none. The checker shares
// no code with the guard (tests/layering/layering_test.py), so agreement is evidence, not echo.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/calendar.hpp"
#include "models/pipeline.hpp"
#include "models/safety_checker.hpp"
#include "models/strategy.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

using engine::SimTime;

const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";
constexpr double kCanaryShare = 0.1;
constexpr double kBakeMinutes = 240.0;  // long, so budgets run out during some bakes
constexpr double kVerifyMinutes = 10.0;
constexpr double kHoldMinutes = 60.0;

// A two-shift rollout (10%, then 100% after a bake), no reviews. Broken: the no-deploy window
// starts at cut-off + 1 and the second shift re-checks nothing. Correct: the real cut-off, and
// the second shift waits while the window is closed or the budget exhausted.
class GuardMutant final : public models::Strategy {
 public:
  GuardMutant(const models::Scenario& scenario, bool broken)
      : scenario_(scenario), broken_(broken) {}
  std::string_view name() const override { return broken_ ? "broken-guard" : "sound-guard"; }
  void on_ci_passed(models::Pipeline& p, std::uint32_t id) const override { gate(p, id); }
  void on_review_done(models::Pipeline& p, std::uint32_t id) const override { gate(p, id); }
  void on_timer(models::Pipeline& p, std::uint32_t id, std::uint32_t tag) const override {
    if (tag == kWake) {
      gate(p, id);
    } else if (tag == kSecondShift) {
      second_shift(p, id);
    } else {
      p.complete_rollout(id);
    }
  }

 private:
  enum Tag : std::uint32_t { kWake = 1, kSecondShift = 2, kDone = 3 };
  int cutoff() const { return scenario_.genops.friday_cutoff_hour + (broken_ ? 1 : 0); }
  bool window_closed(models::Pipeline& p, std::uint32_t id) const {
    return !p.change(id).hotfix && p.organization().calendar.in_no_deploy_window(p.now(), cutoff());
  }
  bool budget_exhausted(models::Pipeline& p, std::uint32_t id) const {
    return !p.change(id).hotfix && p.budget_remaining_fraction(p.change(id).service) <= 0.0;
  }
  void gate(models::Pipeline& p, std::uint32_t id) const {
    if (window_closed(p, id)) {
      const SimTime until = p.organization().calendar.next_deploy_allowed(p.now(), cutoff());
      p.start_timer(id, until - p.now(), kWake);
      return;
    }
    if (budget_exhausted(p, id)) {
      p.block(id);
      return;
    }
    p.expose(id, kCanaryShare);
    p.start_timer(id, SimTime::from_minutes(kBakeMinutes), kSecondShift);
  }
  void second_shift(models::Pipeline& p, std::uint32_t id) const {
    if (!broken_ && (window_closed(p, id) || budget_exhausted(p, id))) {
      p.start_timer(id, SimTime::from_minutes(kHoldMinutes), kSecondShift);  // hold the canary
      return;
    }
    p.expose(id, 1.0);
    p.start_timer(id, SimTime::from_minutes(kVerifyMinutes), kDone);
  }

  const models::Scenario& scenario_;
  bool broken_;
};

// The test's own arithmetic, in integer milliseconds: local day, weekday and hour of a shift.
struct LocalClock {
  std::int64_t offset_ms;
  int start_weekday;  // 2024-03-04, quick.toml's start date, is a Monday
  std::int64_t day(double time_min) const {
    const std::int64_t local = std::llround(time_min * 60'000.0) + offset_ms;
    return local >= 0 ? local / 86'400'000 : -((-local + 86'399'999) / 86'400'000);
  }
  bool forbidden(double time_min, int cutoff_hour, const models::OrganizationConfig& org) const {
    const std::int64_t d = day(time_min);
    for (const models::DayRange& freeze : org.freeze_windows) {
      if (d >= freeze.first_day && d <= freeze.last_day)
        return true;
    }
    const std::int64_t into_day = std::llround(time_min * 60'000.0) + offset_ms - d * 86'400'000;
    const auto weekday = static_cast<int>(((start_weekday + d) % 7 + 7) % 7);
    return weekday >= 5 || (weekday == 4 && into_day >= std::int64_t{cutoff_hour} * 3'600'000);
  }
};

struct Predicted {
  std::set<std::uint64_t> window;
  std::set<std::uint64_t> budget;
};

// What the true rules say about a run: per deployment, a shift in the true no-deploy window, and
// a shift after its service's own burns (no dependents' share: dependent_impact = 0; the run is
// shorter than the 28-day window, so nothing leaves it) reached the budget. With a warm-up, the
// warm-up changes' burns count (`history`) though the changes themselves are never judged.
Predicted predict(const models::Scenario& scenario, const RunResult& run, bool history = true) {
  Predicted predicted;
  for (std::size_t o = 0; o < run.organizations.size(); ++o) {
    const models::PipelineOutput& output = run.organizations[o];
    const models::OrganizationConfig& config = scenario.organizations[o];
    const models::Organization world =
        models::build_organization(scenario, static_cast<int>(o), models::RunKey{scenario.seed, 0});
    const LocalClock clock{std::int64_t{config.utc_offset_hours} * 3'600'000, 0};
    std::map<std::uint64_t, const models::DeploymentRecord*> by_id;
    for (const models::DeploymentRecord& d : output.deployments)
      by_id[d.id] = &d;
    for (const models::TrafficShift& shift : output.shifts) {
      const models::DeploymentRecord& d = *by_id.at(shift.deployment);
      if (d.hotfix)
        continue;
      if (clock.forbidden(shift.time_min, scenario.genops.friday_cutoff_hour, config))
        predicted.window.insert(d.id);
      double burned = 0;
      for (const auto* part : {&output.deployments, &output.warmup_burns}) {
        if (part == &output.warmup_burns && !history)
          continue;
        for (const models::DeploymentRecord& other : *part) {
          if (other.service == d.service && other.outcome != models::Outcome::InFlight &&
              other.end_min <= shift.time_min)
            burned += other.error_budget_burned_min;
        }
      }
      if (burned - world.services[d.service].error_budget_minutes >= 1e-6)
        predicted.budget.insert(d.id);
    }
  }
  return predicted;
}

std::set<std::uint64_t> flagged(const RunResult& run, const std::string& policy) {
  std::set<std::uint64_t> ids;
  for (const models::SafetyViolation& v : run.violations) {
    if (v.policy == policy) {
      EXPECT_TRUE(ids.insert(v.deployment).second) << "flagged twice: " << v.deployment;
    }
  }
  return ids;
}

class SafetyCheckerMutation : public ::testing::Test {
 protected:
  SafetyCheckerMutation() {
    models::register_builtin_strategies(registry_);
    scenario_ = load_scenario(kQuick, registry_);
    // A tight budget (incidents exhaust it) and no dependents' share keep the test's budget
    // arithmetic to one service's own burns.
    for (const char* assignment :
         {"services.availability_slo=0.9999", "incidents.dependent_impact=0", "replications=1",
          "organizations.*.deploys_per_service_per_day=3"})
      apply_override(scenario_, assignment, registry_);
    validate_scenario(scenario_, registry_);
  }
  models::StrategyRegistry registry_;
  models::Scenario scenario_;
};

TEST_F(SafetyCheckerMutation, BrokenGuardViolationsAreCountedExactly) {
  const GuardMutant broken(scenario_, true);
  const RunResult run = run_once(scenario_, broken, 0);
  const Predicted predicted = predict(scenario_, run);
  // The mutation must have shipped something of each kind, or this test could not fail.
  ASSERT_GT(predicted.window.size(), 0U);
  ASSERT_GT(predicted.budget.size(), 0U);
  std::cout << "broken guard: " << predicted.window.size() << " window and "
            << predicted.budget.size() << " budget violations predicted\n";
  EXPECT_EQ(flagged(run, "no_friday_deployments"), predicted.window);
  EXPECT_EQ(flagged(run, "error_budget_protection"), predicted.budget);
}

TEST_F(SafetyCheckerMutation, SoundGuardHasNoShiftViolations) {
  const GuardMutant sound(scenario_, false);
  const RunResult run = run_once(scenario_, sound, 0);
  const Predicted predicted = predict(scenario_, run);
  EXPECT_TRUE(predicted.window.empty());
  EXPECT_TRUE(predicted.budget.empty());
  EXPECT_TRUE(flagged(run, "no_friday_deployments").empty());
  EXPECT_TRUE(flagged(run, "error_budget_protection").empty());
}

// With a 7-day warm-up (the run, 21 days, stays shorter than the 28-day window): the warm-up's
// burns count in the checker's ledger, its changes are never judged, and the measured window's
// violations are still exactly the predicted ones.
TEST_F(SafetyCheckerMutation, WarmupHistoryCountsButIsNotJudged) {
  apply_override(scenario_, "warmup_days=7", registry_);
  validate_scenario(scenario_, registry_);
  const GuardMutant broken(scenario_, true);
  const RunResult run = run_once(scenario_, broken, 0);
  const Predicted predicted = predict(scenario_, run);
  const Predicted amnesic = predict(scenario_, run, false);
  ASSERT_GT(predicted.window.size(), 0U);
  ASSERT_GT(predicted.budget.size(), 0U);
  std::cout << "broken guard after a warm-up: " << predicted.window.size() << " window and "
            << predicted.budget.size() << " budget violations predicted (" << amnesic.budget.size()
            << " without the warm-up's burns)\n";
  // The history matters: more shifts meet an exhausted budget than the window's burns explain.
  EXPECT_GT(predicted.budget.size(), amnesic.budget.size());
  EXPECT_EQ(flagged(run, "no_friday_deployments"), predicted.window);
  EXPECT_EQ(flagged(run, "error_budget_protection"), predicted.budget);
  std::set<std::uint64_t> measured;
  for (const auto& output : run.organizations) {
    for (const auto& d : output.deployments)
      measured.insert(d.id);
  }
  for (const models::SafetyViolation& v : run.violations)
    EXPECT_EQ(measured.count(v.deployment), 1U) << "a warm-up change judged: " << v.deployment;
}

// The checker's own calendar agrees with the test's at every hour of the study's first weeks.
TEST_F(SafetyCheckerMutation, CalendarArithmeticAgrees) {
  for (std::size_t o = 0; o < scenario_.organizations.size(); ++o) {
    const models::Organization world =
        models::build_organization(scenario_, static_cast<int>(o), models::RunKey{42, 0});
    const models::SafetyChecker checker(scenario_, world);
    const LocalClock clock{std::int64_t{scenario_.organizations[o].utc_offset_hours} * 3'600'000,
                           0};
    for (int quarter = 0; quarter < 4 * 24 * 21; ++quarter) {
      const double t = 15.0 * quarter;
      EXPECT_EQ(checker.in_forbidden_window(t),
                clock.forbidden(t, scenario_.genops.friday_cutoff_hour, scenario_.organizations[o]))
          << "organization " << o << " minute " << t;
    }
  }
}

}  // namespace
}  // namespace genops::scenarios
