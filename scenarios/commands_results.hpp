#pragma once

#include <string>
#include <vector>

#include "results/results_io.hpp"

// `genops-sim compare` and `genops-sim report`: read a results file, compare, render.
namespace genops::scenarios {

// `arguments` excludes the command name; each returns the exit code and throws
// engine::InputError (exit 2) for bad input.
int command_compare(const std::vector<std::string>& arguments);
int command_report(const std::vector<std::string>& arguments);

// Reads a results file; a bad or unreadable file is engine::InputError (exit 2, one line).
results::StudyRecords load_results(const std::string& path, const results::ReadOptions& read);

}  // namespace genops::scenarios
