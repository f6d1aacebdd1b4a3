#pragma once

#include <string>
#include <vector>

namespace genops::scenarios {

// Entry point of the `genops-sim` executable: dispatches to a command, maps errors to exit
// codes (0 ok, 1 run failed / check failed, 2 bad input) and prints one line per error.
int run_cli(const std::vector<std::string>& arguments);

// `genops-sim run` and `genops-sim validate` (scenario files). `arguments` excludes the command
// name; each returns the exit code and throws engine::InputError (exit 2) for bad input.
int command_run(const std::vector<std::string>& arguments);
int command_validate(const std::vector<std::string>& arguments);

}  // namespace genops::scenarios
