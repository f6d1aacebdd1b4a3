#include "engine/error.hpp"
#include "scenarios/commands.hpp"

// Owned by the results work (issue 4); placeholder until it lands.
namespace genops::scenarios {

void write_study_results(const std::string& path, const StudyResult& study,
                         const std::string& command_line) {
  static_cast<void>(study);
  static_cast<void>(command_line);
  throw engine::InputError("--out " + path + ": HDF5 output is not available in this build yet");
}

}  // namespace genops::scenarios
