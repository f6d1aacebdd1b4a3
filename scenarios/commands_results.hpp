#pragma once

#include <string>
#include <vector>

#include "results/results_io.hpp"

// `genops-sim compare`, `report` and `merge`: read results files, compare, render, join.
namespace genops::scenarios {

// `arguments` excludes the command name; each returns the exit code and throws
// engine::InputError (exit 2) for bad input.
int command_compare(const std::vector<std::string>& arguments);
int command_report(const std::vector<std::string>& arguments);
// `genops-sim merge`: joins the task files of one study (results/study_merge.hpp).
int command_merge(const std::vector<std::string>& arguments);
// `genops-sim export`: a long CSV of every deployment (results/study_export.hpp).
int command_export(const std::vector<std::string>& arguments);

// Reads a results file; a bad or unreadable file is engine::InputError (exit 2, one line).
results::StudyRecords load_results(const std::string& path, const results::ReadOptions& read);

}  // namespace genops::scenarios
