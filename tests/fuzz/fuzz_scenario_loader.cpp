// libFuzzer target: the scenario loader (TOML text -> validated Scenario). Bad input must be a
// ScenarioError, never a crash, a sanitizer report or another exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/strategy.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

// The program's registry, as `run` and `validate` build it.
const genops::models::StrategyRegistry& strategies() {
  static const genops::models::StrategyRegistry registry = [] {
    genops::models::StrategyRegistry r;
    genops::models::register_builtin_strategies(r);
    return r;
  }();
  return registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    genops::scenarios::parse_scenario(text, "fuzz.toml", strategies());
  } catch (const genops::scenarios::ScenarioError&) {
  }
  return 0;
}
