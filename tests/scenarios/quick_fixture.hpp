#pragma once

// A test fixture over scenarios/quick.toml with --set style overrides, shared by the scenario
// tests that run one strategy once (accounting_test, warmup_test).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/strategy.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {

class QuickScenarioTest : public ::testing::Test {
 protected:
  QuickScenarioTest() { models::register_builtin_strategies(registry_); }
  // quick.toml with each assignment applied in order, then validated.
  models::Scenario quick_with(const std::vector<std::string>& overrides) const {
    models::Scenario scenario =
        load_scenario(std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml", registry_);
    for (const std::string& assignment : overrides)
      apply_override(scenario, assignment, registry_);
    validate_scenario(scenario, registry_);
    return scenario;
  }
  RunResult run(const models::Scenario& scenario, const char* strategy) const {
    return run_once(scenario, *registry_.create(strategy, scenario), 0);
  }
  models::StrategyRegistry registry_;
};

}  // namespace genops::scenarios
