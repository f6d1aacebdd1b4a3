// Common random numbers: every strategy sees the same changes (ids, arrival times, services,
// features and latent defects), so results can be paired change by change.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "models/strategy.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";

TEST(CommonRandomNumbers, BaselineAndGenopsSeeIdenticalChanges) {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  const models::Scenario scenario = load_scenario(kQuick, registry);
  for (int r = 0; r < scenario.replications; ++r) {
    SCOPED_TRACE("replication " + std::to_string(r));
    std::map<std::string, std::vector<models::DeploymentRecord>> by_strategy;
    for (const char* name : {"baseline", "genops", "genops-no-rag"}) {
      const RunResult run = run_once(scenario, *registry.create(name, scenario), r);
      for (const auto& org : run.organizations) {
        EXPECT_EQ(org.unfinished, 0U) << name;
      }
      by_strategy[name] = run.deployments();
    }
    const auto& baseline = by_strategy["baseline"];
    ASSERT_GT(baseline.size(), 300U);
    int defects = 0;
    for (const auto& d : baseline)
      defects += d.latent_defect ? 1 : 0;
    EXPECT_GT(defects, 30);
    for (const char* name : {"genops", "genops-no-rag"}) {
      const auto& other = by_strategy[name];
      ASSERT_EQ(other.size(), baseline.size()) << name;
      for (std::size_t i = 0; i < baseline.size(); ++i) {
        const auto& a = baseline[i];
        const auto& b = other[i];
        ASSERT_EQ(a.id, b.id) << name << " at " << i;
        EXPECT_EQ(a.arrival_min, b.arrival_min) << a.id;
        EXPECT_EQ(a.organization, b.organization) << a.id;
        EXPECT_EQ(a.service, b.service) << a.id;
        EXPECT_EQ(a.tier, b.tier) << a.id;
        EXPECT_EQ(a.latent_defect, b.latent_defect) << a.id;
        EXPECT_EQ(a.lines_changed, b.lines_changed) << a.id;
        EXPECT_EQ(a.files_changed, b.files_changed) << a.id;
        EXPECT_EQ(a.migration, b.migration) << a.id;
        EXPECT_EQ(a.config_change, b.config_change) << a.id;
        EXPECT_EQ(a.hotfix, b.hotfix) << a.id;
      }
    }
  }
}

}  // namespace
}  // namespace genops::scenarios
