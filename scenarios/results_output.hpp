#pragma once

#include <string>

#include "models/config.hpp"
#include "results/results_io.hpp"
#include "scenarios/runner.hpp"

// What a results file records of a study and of each run (results_output.cpp); shared by
// `run --out` and `sweep run`.
namespace genops::scenarios {

// Provenance of a study of `scenario` (wall time and events are left 0 for the caller).
results::StudyProvenance results_provenance(const models::Scenario& scenario, int threads,
                                            const std::string& command_line);

// A finished run as views into its own vectors (nothing is copied; `run` must outlive it).
results::RunView results_view(const RunResult& run);

}  // namespace genops::scenarios
