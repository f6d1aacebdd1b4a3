#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
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

// `run --out` with bounded memory: the RunSink of stream_study() that appends every batch of
// organizations to the results file as it finishes (StudyResultsWriter::begin_run / append /
// end_run), so no run is held. finish() records the study's totals and step times and
// publishes the file; it returns the audit manifest digest (hex). Errors as
// write_study_results() reports them (engine::InputError naming --out).
class ResultsSink : public RunSink {
 public:
  ResultsSink(const std::string& path, const models::Scenario& scenario, int threads,
              const std::string& command_line, bool force, const std::string& audit_key,
              std::uint32_t task_index, std::uint32_t task_count);
  void begin_run(const RunResult& run) override;
  void organizations(const RunResult& run, std::span<const models::PipelineOutput> batch) override;
  void end_run(const RunResult& run, const models::StrategySummary& summary) override;
  std::string finish(const StudyResult& study, const StepTimes& step_seconds);

 private:
  std::string path_;
  std::unique_ptr<results::StudyResultsWriter> writer_;
};

// A RunSink that keeps nothing (`run` without --out: the summaries are all it prints).
class DiscardSink : public RunSink {
 public:
  void begin_run(const RunResult&) override {}
  void organizations(const RunResult&, std::span<const models::PipelineOutput>) override {}
  void end_run(const RunResult&, const models::StrategySummary&) override {}
};

// Output safety before any work (results/output_file.hpp): engine::InputError naming the
// option when an output is empty, not a regular file, one of `inputs`, another output, or an
// existing file without --force.
void check_command_outputs(const std::vector<results::OutputTarget>& outputs,
                           const std::vector<std::filesystem::path>& inputs, bool force);

}  // namespace genops::scenarios
