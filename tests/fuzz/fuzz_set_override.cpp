// libFuzzer target: `--set KEY=VALUE` parsing on the study scenario. Bad input must be a
// ScenarioError (or InputError), never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenarios/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const genops::models::Scenario base =
      genops::scenarios::load_scenario(GENOPS_SOURCE_DIR "/scenarios/quick.toml");
  genops::models::Scenario scenario = base;
  const std::string assignment(reinterpret_cast<const char*>(data), size);
  try {
    genops::scenarios::apply_override(scenario, assignment);
  } catch (const genops::engine::InputError&) {
  }
  return 0;
}
