#include "engine/error.hpp"
#include "scenarios/commands.hpp"

// Owned by the results/compare/report work (issue 4); placeholders until it lands.
namespace genops::scenarios {

int command_compare(const std::vector<std::string>& arguments) {
  static_cast<void>(arguments);
  throw engine::InputError("compare is not available in this build yet");
}

int command_report(const std::vector<std::string>& arguments) {
  static_cast<void>(arguments);
  throw engine::InputError("report is not available in this build yet");
}

}  // namespace genops::scenarios
