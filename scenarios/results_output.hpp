#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "results/output_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/step_timer.hpp"

namespace genops::scenarios {

// `run --out`: writes a finished study to an HDF5 results file through results/results_io (the
// records are handed over as views, never copied). `summaries` are the study's, computed once;
// `command_line` and `step_seconds` are recorded as provenance. `force`: replace an existing
// file; `audit_key`: non-empty to store the audit manifest's HMAC. Returns the manifest digest
// (hex).
// `on_written(n)`, when given, is called after the n-th run is written (progress).
std::string write_study_results(const std::string& path, const StudyResult& study,
                                const StudySummaries& summaries, const std::string& command_line,
                                const StepTimes& step_seconds, bool force,
                                const std::string& audit_key,
                                const std::function<void(int)>& on_written = {});

// For writers that stream runs (`sweep run`): the provenance of a study of `scenario` (wall
// time and events left 0) and one finished run as views (`run` must outlive the view).
results::StudyProvenance results_provenance(const models::Scenario& scenario, int threads,
                                            const std::string& command_line);
results::RunView results_view(const RunResult& run, const models::StrategySummary& summary);

// The same, summarising the study itself and recording no step times (tests, benchmarks).
std::string write_study_results(const std::string& path, const StudyResult& study,
                                const std::string& command_line, bool force = false,
                                const std::string& audit_key = "");

// Output safety before any work (results/output_file.hpp): engine::InputError naming the
// option when an output is empty, not a regular file, one of `inputs`, another output, or an
// existing file without --force.
void check_command_outputs(const std::vector<results::OutputTarget>& outputs,
                           const std::vector<std::filesystem::path>& inputs, bool force);

}  // namespace genops::scenarios
