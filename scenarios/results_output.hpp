#pragma once

#include <string>

#include "results/results_io.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/step_timer.hpp"

namespace genops::scenarios {

// `run --out`: writes a finished study to an HDF5 results file through results/results_io (the
// records are handed over as views, never copied). `summaries` are the study's, computed once;
// `command_line` and `step_seconds` are recorded as provenance.
void write_study_results(const std::string& path, const StudyResult& study,
                         const StudySummaries& summaries, const std::string& command_line,
                         const StepTimes& step_seconds);

// For writers that stream runs (`sweep run`): the provenance of a study of `scenario` (wall
// time and events left 0) and one finished run as views (`run` must outlive the view).
results::StudyProvenance results_provenance(const models::Scenario& scenario, int threads,
                                            const std::string& command_line);
results::RunView results_view(const RunResult& run, const models::StrategySummary& summary);

// The same, summarising the study itself and recording no step times (tests, benchmarks).
void write_study_results(const std::string& path, const StudyResult& study,
                         const std::string& command_line);

}  // namespace genops::scenarios
