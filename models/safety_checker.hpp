#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/config.hpp"
#include "models/records.hpp"
#include "models/world.hpp"

namespace genops::models {

struct SafetyViolation {
  std::uint64_t deployment = 0;
  std::string policy;
};

// The independent safety checker. It judges what happened (the deployment records and every
// production traffic shift) against the policies of docs/MODEL.md, re-deriving everything from
// the scenario's raw settings: its own local calendar (start date, UTC offset, holidays, freeze
// days, Friday cut-off), its own policy-risk rubric (weights, tiers, transitive dependents, change
// size, arrival timing) and its own 28-day error-budget ledger rebuilt from the records' burns.
// It shares no function with the strategies' guards (LocalCalendar, policy_risk, PolicySet,
// Pipeline's ledger); tests/layering/layering_test.py keeps it that way.
//
// A deployment violates, at most once per policy:
//  - no_friday_deployments: a non-hotfix with a traffic shift on Friday at or after the cut-off
//    hour, on a weekend or on a freeze day (local time);
//  - error_budget_protection: a non-hotfix with a traffic shift while its service's error budget
//    (the rolling 28 days before the shift) was exhausted;
//  - critical_service_human_review: deployed, CRITICAL tier, rubric risk at arrival above 0.5,
//    no human approval;
//  - db_migration_review: a deployed migration on a CRITICAL or HIGH service without approval.
// Violations are in shift order for the shift policies, then record order.
//
// `history` (a warm-up, Scenario::warmup_days): records of changes that arrived before the start
// date. Their burns count in the ledger; they are never judged.
class SafetyChecker {
 public:
  SafetyChecker(const Scenario& scenario, const Organization& organization);

  std::vector<SafetyViolation> check(const std::vector<DeploymentRecord>& records,
                                     const std::vector<TrafficShift>& shifts,
                                     const std::vector<DeploymentRecord>& history = {}) const;

  // Calendar arithmetic, exposed for tests: local day index (day 0 = the start date), weekday
  // (0 = Monday) and hour of a simulation time in minutes.
  long local_day(double time_min) const;
  int weekday(long local_day) const;
  int local_hour(double time_min) const;
  // Friday at or after the cut-off, Saturday, Sunday or a freeze day (local).
  bool in_forbidden_window(double time_min) const;
  // The policy rubric's risk of a change arriving at `arrival_min`.
  double rubric_risk(const DeploymentRecord& record, double arrival_min) const;

 private:
  double timing_factor(double time_min) const;

  const Scenario& scenario_;
  const Organization& organization_;
  double offset_minutes_ = 0;
  int start_weekday_ = 0;                   // 0 = Monday
  std::vector<int> transitive_dependents_;  // by service, from direct_dependents
};

// One organization's check: SafetyChecker(scenario, organization).check(records, shifts).
std::vector<SafetyViolation> check_safety(const Scenario& scenario,
                                          const Organization& organization,
                                          const std::vector<DeploymentRecord>& records,
                                          const std::vector<TrafficShift>& shifts,
                                          const std::vector<DeploymentRecord>& history = {});

}  // namespace genops::models
