#include "scenarios/results_output.hpp"

#include <algorithm>
#include <limits>

#include "engine/error.hpp"
#include "results/output_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/scenario_loader.hpp"

// `run --out`: hands the finished study to results/results_io as views (nothing is copied).
namespace genops::scenarios {

namespace {

std::uint16_t clamp_u16(int value) {
  return static_cast<std::uint16_t>(
      std::clamp(value, 0, static_cast<int>(std::numeric_limits<std::uint16_t>::max())));
}

}  // namespace

results::StudyProvenance results_provenance(const models::Scenario& scenario, int threads,
                                            const std::string& command_line) {
  results::StudyProvenance provenance;
  provenance.scenario = scenario.name;
  provenance.config_json = scenario_to_json(scenario);
  provenance.command_line = command_line;
  provenance.start_date = scenario.start_date;
  provenance.duration_days = static_cast<std::uint32_t>(scenario.duration_days);
  provenance.master_seed = scenario.seed;
  provenance.replications = static_cast<std::uint32_t>(scenario.replications);
  provenance.threads = static_cast<std::uint32_t>(threads);
  provenance.strategies = scenario.strategies;
  for (const models::OrganizationConfig& organization : scenario.organizations) {
    provenance.organizations.push_back(results::OrganizationInfo{
        organization.name, clamp_u16(organization.services), clamp_u16(organization.ci_runners),
        clamp_u16(organization.reviewers.count)});
  }
  return provenance;
}

results::RunView results_view(const RunResult& run, const models::StrategySummary& summary) {
  results::RunView view;
  view.strategy = run.strategy;
  view.replication = static_cast<std::uint32_t>(run.replication);
  view.seed = run.seed;
  view.events = run.engine.events;
  view.wall_seconds = run.engine.wall_seconds;
  for (const models::PipelineOutput& output : run.organizations) {
    view.organizations.push_back(results::OrganizationRecords{output.deployments, output.stages,
                                                              output.audit, output.samples,
                                                              output.awus, output.service_names});
  }
  view.warmup_arrivals = run.warmup_arrivals;
  view.violations = run.violations;
  view.summary = summary;
  return view;
}

namespace {

results::StudyProvenance provenance_of(const StudyResult& study, const std::string& command_line,
                                       const StepTimes& step_seconds) {
  results::StudyProvenance provenance =
      results_provenance(study.scenario, study.threads, command_line);
  provenance.wall_time_s = study.wall_seconds;
  provenance.events_processed = study.events;
  provenance.step_seconds = step_seconds;
  return provenance;
}

}  // namespace

std::string write_study_results(const std::string& path, const StudyResult& study,
                                const StudySummaries& summaries, const std::string& command_line,
                                const StepTimes& step_seconds, bool force,
                                const std::string& audit_key,
                                const std::function<void(int)>& on_written) {
  try {
    results::WriteOptions options;
    options.output = results::OutputOptions{"--out", force};
    options.audit_key = audit_key;
    options.task_index = study.task_index;
    options.task_count = study.task_count;
    results::StudyResultsWriter writer(path, provenance_of(study, command_line, step_seconds),
                                       options);
    for (std::size_t r = 0; r < study.runs.size(); ++r) {
      writer.write_run(results_view(study.runs[r], summaries.runs.at(r)));
      if (on_written)
        on_written(static_cast<int>(r + 1));
    }
    writer.finalize();
    return writer.audit_manifest_sha256();
  } catch (const results::ResultsFileError& error) {
    throw engine::InputError("--out " + path + ": " + error.what());
  } catch (const results::Hdf5Error& error) {
    // A write that failed inside HDF5 (a full disk, for instance); the partial is gone.
    throw engine::InputError("--out " + path + ": writing failed: " + error.reason());
  }
}

void check_command_outputs(const std::vector<results::OutputTarget>& outputs,
                           const std::vector<std::filesystem::path>& inputs, bool force) {
  try {
    results::check_outputs(outputs, inputs, force);
  } catch (const results::OutputError& error) {
    throw engine::InputError(error.what());
  }
}

std::string write_study_results(const std::string& path, const StudyResult& study,
                                const std::string& command_line, bool force,
                                const std::string& audit_key) {
  return write_study_results(path, study, summarize_study(study), command_line, {}, force,
                             audit_key);
}

namespace {

// Runs `write` and reports its failures as write_study_results() does.
template <typename Write>
auto reporting_write_errors(const std::string& path, Write&& write) {
  try {
    return write();
  } catch (const results::ResultsFileError& error) {
    throw engine::InputError("--out " + path + ": " + error.what());
  } catch (const results::Hdf5Error& error) {
    throw engine::InputError("--out " + path + ": writing failed: " + error.reason());
  }
}

std::vector<results::OrganizationRecords> organization_views(
    std::span<const models::PipelineOutput> batch) {
  std::vector<results::OrganizationRecords> views;
  for (const models::PipelineOutput& output : batch) {
    views.push_back(results::OrganizationRecords{output.deployments, output.stages, output.audit,
                                                 output.samples, output.awus,
                                                 output.service_names});
  }
  return views;
}

}  // namespace

ResultsSink::ResultsSink(const std::string& path, const models::Scenario& scenario, int threads,
                         const std::string& command_line, bool force, const std::string& audit_key,
                         std::uint32_t task_index, std::uint32_t task_count)
    : path_(path) {
  results::WriteOptions options;
  options.output = results::OutputOptions{"--out", force};
  options.audit_key = audit_key;
  options.task_index = task_index;
  options.task_count = task_count;
  writer_ = reporting_write_errors(path_, [&] {
    return std::make_unique<results::StudyResultsWriter>(
        path_, results_provenance(scenario, threads, command_line), options);
  });
}

void ResultsSink::begin_run(const RunResult& run) {
  reporting_write_errors(path_, [&] { writer_->begin_run(results_view(run, {})); });
}

void ResultsSink::organizations(const RunResult&, std::span<const models::PipelineOutput> batch) {
  const std::vector<results::OrganizationRecords> views = organization_views(batch);
  reporting_write_errors(path_, [&] { writer_->append(views); });
}

void ResultsSink::end_run(const RunResult& run, const models::StrategySummary& summary) {
  reporting_write_errors(path_, [&] { writer_->end_run(results_view(run, summary)); });
}

std::string ResultsSink::finish(const StudyResult& study, const StepTimes& step_seconds) {
  return reporting_write_errors(path_, [&] {
    writer_->record_totals(study.wall_seconds, study.events);
    writer_->record_step_seconds(step_seconds);
    writer_->finalize();
    return writer_->audit_manifest_sha256();
  });
}

}  // namespace genops::scenarios
