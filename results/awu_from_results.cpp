#include "results/awu_from_results.hpp"

#include <algorithm>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "models/calendar.hpp"
#include "results/export_windows.hpp"
#include "results/resolved_scenario.hpp"
#include "results/results_file.hpp"

namespace genops::results {

namespace {

[[noreturn]] void reject(const StudyRecords& study, const std::string& message) {
  throw ResultsFileError("results file '" + study.path.string() + "' " + message);
}

AwuExportContext context_of(const StudyRecords& study, const ResolvedScenario& config,
                            std::size_t run_index, std::size_t organization) {
  const RunRecords& run = study.runs.at(run_index);
  if (organization >= run.service_names.size()) {
    reject(study, "run " + run.strategy + "/rep" + std::to_string(run.replication) +
                      " has no service names for organization " + std::to_string(organization) +
                      " (read it with ReadOptions::awu)");
  }
  return awu_export_context(config, organization, run.strategy, run.seed, run.replication,
                            run.service_names[organization]);
}

// One (run, organization) export: its records split out of the run's tables (organization
// order, each organization's own order, as written) and serialised by write_awus_otlp.
std::size_t export_slot(std::string& out, const RunRecords& run, std::size_t organization,
                        const AwuExportContext& context) {
  std::vector<models::AwuRecord> awus;
  for (const models::AwuRecord& awu : run.awus) {
    if (awu.organization == organization) {
      awus.push_back(awu);
    }
  }
  std::vector<models::CanaryStageRecord> stages;
  for (const models::CanaryStageRecord& stage : run.stages) {
    if (models::organization_of(stage.deployment) == organization) {
      stages.push_back(stage);
    }
  }
  try {
    return write_awus_otlp(out, awus, stages, context, awu_run_resource(context, run));
  } catch (const AwuTimeOrderError& error) {
    throw ResultsFileError("has an AWU out of time order in '/runs/" + run.strategy + "/rep" +
                           std::to_string(run.replication) + "/awu': " + error.what());
  } catch (const std::out_of_range&) {
    throw ResultsFileError("has an AWU whose service or budget is unknown in '/runs/" +
                           run.strategy + "/rep" + std::to_string(run.replication) + "/awu'");
  }
}

// Exports every (run, organization) with AWUs of runs [first_run, last_run) through the one
// windowed exporter, handing each one's lines to `sink` in study order.
std::size_t export_runs(const StudyRecords& study, std::size_t first_run, std::size_t last_run,
                        const std::function<void(std::string_view)>& sink) {
  if (!study.read.awu || !study.read.canary_stages) {
    reject(study, "was read without its awu or canary_stages tables: the AWU export needs both");
  }
  const ResolvedScenario config = resolved_scenario_of(study);
  struct Slot {
    std::size_t run;
    std::size_t organization;
    AwuExportContext context;
  };
  // Contexts are built here, serially, so a bad file fails the same way every time.
  std::vector<Slot> slots;
  for (std::size_t r = first_run; r < last_run; ++r) {
    const RunRecords& run = study.runs.at(r);
    std::vector<bool> has_awus(config.organizations.size(), false);
    for (const models::AwuRecord& awu : run.awus) {
      if (awu.organization >= has_awus.size() || awu.organization >= run.service_names.size() ||
          awu.service >= run.service_names[awu.organization].size()) {
        reject(study, "run " + run.strategy + "/rep" + std::to_string(run.replication) +
                          " has an AWU of organization " + std::to_string(+awu.organization) +
                          " service " + std::to_string(awu.service) +
                          " without a service name in its services table");
      }
      has_awus[awu.organization] = true;
    }
    for (std::size_t o = 0; o < has_awus.size(); ++o) {
      if (has_awus[o]) {
        slots.push_back({r, o, context_of(study, config, r, o)});
      }
    }
  }
  try {
    return export_in_windows(
        slots.size(),
        [&](std::size_t i, std::string& text) {
          const Slot& slot = slots[i];
          return export_slot(text, study.runs[slot.run], slot.organization, slot.context);
        },
        sink);
  } catch (const ResultsFileError& error) {
    reject(study, error.what());
  }
}

}  // namespace

AwuExportContext awu_export_context(const StudyRecords& study, std::size_t run,
                                    std::size_t organization) {
  return context_of(study, resolved_scenario_of(study), run, organization);
}

telemetry::Attributes awu_run_resource(const AwuExportContext& context, const RunRecords& run) {
  return awu_run_resource(context, run.strategy, run.replication);
}

std::size_t write_study_awus_otlp(std::ostream& out, const StudyRecords& study) {
  return export_runs(study, 0, study.runs.size(), [&out](std::string_view text) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  });
}

std::string awus_to_otlp_lines(const StudyRecords& study) {
  std::string lines;
  export_runs(study, 0, study.runs.size(), [&lines](std::string_view text) { lines += text; });
  return lines;
}

std::size_t append_run_awus_otlp(std::string& out, const StudyRecords& study, std::size_t run) {
  return export_runs(study, run, run + 1, [&out](std::string_view text) { out += text; });
}

}  // namespace genops::results
