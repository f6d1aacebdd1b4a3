// libFuzzer target: `--set KEY=VALUE` parsing on the study scenario. Bad input must be a
// ScenarioError (or InputError), never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/strategy.hpp"
#include "scenarios/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const genops::models::StrategyRegistry strategies = [] {
    genops::models::StrategyRegistry registry;
    genops::models::register_builtin_strategies(registry);
    return registry;
  }();
  static const genops::models::Scenario base =
      genops::scenarios::load_scenario(GENOPS_SOURCE_DIR "/scenarios/quick.toml", strategies);
  genops::models::Scenario scenario = base;
  const std::string assignment(reinterpret_cast<const char*>(data), size);
  try {
    genops::scenarios::apply_override(scenario, assignment, strategies);
  } catch (const genops::engine::InputError&) {
  }
  return 0;
}
