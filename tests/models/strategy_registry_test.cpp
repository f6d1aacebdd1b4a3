#include "models/strategy.hpp"

#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "models/genops.hpp"

namespace genops::models {
namespace {

const std::vector<std::string> kBuiltin = {"baseline",         "genops",
                                           "genops-no-canary", "genops-no-governance",
                                           "genops-no-rag",    "genops-no-risk"};

TEST(StrategyRegistry, BuiltinStrategiesAreRegisteredByName) {
  StrategyRegistry registry;
  EXPECT_TRUE(registry.names().empty());
  register_builtin_strategies(registry);
  EXPECT_EQ(registry.names(), kBuiltin);
  const Scenario scenario;
  for (const auto& name : kBuiltin) {
    EXPECT_TRUE(registry.contains(name));
    EXPECT_FALSE(registry.description(name).empty()) << name;
    EXPECT_EQ(registry.create(name, scenario)->name(), name);
  }
  EXPECT_FALSE(registry.contains("GenOps"));
}

TEST(StrategyRegistry, AblationsSwitchOffExactlyOnePillar) {
  StrategyRegistry registry;
  register_builtin_strategies(registry);
  const Scenario scenario;
  const auto pillars = [&](const std::string& name) {
    const auto strategy = registry.create(name, scenario);
    const auto* genops = dynamic_cast<const GenopsStrategy*>(strategy.get());
    EXPECT_NE(genops, nullptr) << name;
    EXPECT_TRUE(genops->has_ai_actor());
    const GenopsPillars p = genops->pillars();
    return std::array<bool, 4>{p.retrieval, p.risk, p.canary, p.governance};
  };
  EXPECT_EQ(pillars("genops"), (std::array<bool, 4>{true, true, true, true}));
  EXPECT_EQ(pillars("genops-no-rag"), (std::array<bool, 4>{false, true, true, true}));
  EXPECT_EQ(pillars("genops-no-risk"), (std::array<bool, 4>{true, false, true, true}));
  EXPECT_EQ(pillars("genops-no-canary"), (std::array<bool, 4>{true, true, false, true}));
  EXPECT_EQ(pillars("genops-no-governance"), (std::array<bool, 4>{true, true, true, false}));
  EXPECT_FALSE(registry.create("baseline", scenario)->has_ai_actor());
}

TEST(StrategyRegistry, UnknownNameListsTheValidOnes) {
  StrategyRegistry registry;
  register_builtin_strategies(registry);
  EXPECT_EQ(registry.valid_names(),
            "baseline, genops, genops-no-canary, genops-no-governance, genops-no-rag, "
            "genops-no-risk");
  try {
    registry.create("gen-ops", Scenario{});
    FAIL() << "an unknown strategy was created";
  } catch (const engine::InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("unknown strategy 'gen-ops'"), std::string::npos) << message;
    for (const auto& name : kBuiltin) {
      EXPECT_NE(message.find(name), std::string::npos) << name << " missing in: " << message;
    }
  }
}

TEST(StrategyRegistry, CustomStrategiesJoinTheList) {
  StrategyRegistry registry;
  registry.add("mine", "a test strategy", [](const Scenario& s) {
    return std::make_unique<GenopsStrategy>(s, GenopsPillars{});
  });
  EXPECT_EQ(registry.names(), std::vector<std::string>{"mine"});
  EXPECT_EQ(registry.description("mine"), "a test strategy");
  EXPECT_EQ(registry.description("other"), "");
  EXPECT_THROW(registry.create("baseline", Scenario{}), engine::InputError);
}

}  // namespace
}  // namespace genops::models
