#pragma once

#include <string>

#include "scenarios/runner.hpp"
#include "scenarios/step_timer.hpp"

namespace genops::scenarios {

// `run --out`: writes a finished study to an HDF5 results file through results/results_io (the
// records are handed over as views, never copied). `summaries` are the study's, computed once;
// `command_line` and `step_seconds` are recorded as provenance.
void write_study_results(const std::string& path, const StudyResult& study,
                         const StudySummaries& summaries, const std::string& command_line,
                         const StepTimes& step_seconds);

// The same, summarising the study itself and recording no step times (tests, benchmarks).
void write_study_results(const std::string& path, const StudyResult& study,
                         const std::string& command_line);

}  // namespace genops::scenarios
