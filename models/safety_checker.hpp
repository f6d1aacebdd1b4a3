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

// Re-evaluates every policy on the deployment records of one organization (never trusting a
// strategy's own flags): a deployment that reached production (deploy_start_min >= 0) violates
//  - no_friday_deployments: a non-hotfix whose rollout started in a no-deploy window;
//  - critical_service_human_review: CRITICAL tier, policy rubric risk > 0.5, no human approval;
//  - db_migration_review: a migration on a CRITICAL/HIGH service without human approval;
//  - error_budget_protection: a non-hotfix started while the service's 28-day error budget,
//    recomputed from the records' own burns (and their dependents' share), was exhausted.
std::vector<SafetyViolation> check_safety(const Scenario& scenario,
                                          const Organization& organization,
                                          const std::vector<DeploymentRecord>& records);

}  // namespace genops::models
