// libFuzzer target: the scenario loader (TOML text -> validated Scenario). Bad input must be a
// ScenarioError, never a crash, a sanitizer report or another exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenarios/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    genops::scenarios::parse_scenario(text, "fuzz.toml");
  } catch (const genops::scenarios::ScenarioError&) {
  }
  return 0;
}
