#include "analysis/awu_from_results.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "analysis/results_file.hpp"
#include "models/calendar.hpp"

namespace genops::analysis {

namespace {

using Json = nlohmann::json;

// What the export needs from config_json (scenario_to_json's keys), parsed once per study.
struct TelemetryConfig {
  std::string project;
  std::string environment;
  struct Organization {
    std::string name;
    std::string team;
    int utc_offset_hours = 0;
  };
  std::vector<Organization> organizations;
  int start_day = 0;
};

[[noreturn]] void reject(const StudyRecords& study, const std::string& message) {
  throw ResultsFileError("results file '" + study.path.string() + "' " + message);
}

template <typename T>
T config_value(const StudyRecords& study, const Json& object, const std::string& key,
               const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end()) {
    reject(study, "config_json has no key '" + where + key + "' (needed for the AWU export)");
  }
  try {
    return found->get<T>();
  } catch (const Json::exception&) {
    reject(study, "config_json key '" + where + key + "' has the wrong type");
  }
}

TelemetryConfig telemetry_config(const StudyRecords& study) {
  Json root;
  try {
    root = Json::parse(study.provenance.config_json);
  } catch (const Json::exception& error) {
    reject(study, "has a config_json that is not JSON: " + std::string(error.what()));
  }
  if (!root.is_object()) {
    reject(study, "has a config_json that is not a JSON object");
  }
  TelemetryConfig config;
  config.project = config_value<std::string>(study, root, "project", "");
  config.environment = config_value<std::string>(study, root, "environment", "");
  const auto organizations = config_value<std::vector<Json>>(study, root, "organizations", "");
  if (organizations.size() != study.provenance.organizations.size()) {
    reject(study, "config_json lists " + std::to_string(organizations.size()) +
                      " organizations, /lookup/organizations " +
                      std::to_string(study.provenance.organizations.size()));
  }
  for (std::size_t o = 0; o < organizations.size(); ++o) {
    const std::string where = "organizations[" + std::to_string(o) + "].";
    if (!organizations[o].is_object()) {
      reject(study, "config_json key '" + where + "' is not an object");
    }
    config.organizations.push_back(
        {config_value<std::string>(study, organizations[o], "name", where),
         config_value<std::string>(study, organizations[o], "team", where),
         config_value<int>(study, organizations[o], "utc_offset_hours", where)});
  }
  try {
    config.start_day = models::days_from_iso_date(study.provenance.start_date);
  } catch (const std::invalid_argument& error) {
    reject(study, "has start_date: " + std::string(error.what()));
  }
  return config;
}

AwuExportContext context_of(const StudyRecords& study, const TelemetryConfig& config,
                            std::size_t run_index, std::size_t organization) {
  const RunRecords& run = study.runs.at(run_index);
  const TelemetryConfig::Organization& org = config.organizations.at(organization);
  if (organization >= run.service_names.size()) {
    reject(study, "run " + run.strategy + "/rep" + std::to_string(run.replication) +
                      " has no service names for organization " + std::to_string(organization) +
                      " (read it with ReadOptions::awu)");
  }
  AwuExportContext context;
  context.team = org.team;
  context.project = config.project;
  context.environment = config.environment;
  context.organization = org.name;
  context.service_names = run.service_names[organization];
  context.start_day = config.start_day;
  context.utc_offset_hours = org.utc_offset_hours;
  context.run_nonce = run_nonce_of(run.strategy);
  context.seed = run.seed;
  context.replication = run.replication;
  return context;
}

// Deployment ids are organization << 32 | change index.
constexpr int kOrganizationShift = 32;

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
    if (stage.deployment >> kOrganizationShift == organization) {
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

// Exports every (run, organization) with AWUs of runs [first_run, last_run), a window of them in
// parallel, and hands each one's lines to `sink` in study order: memory stays bounded by the
// window.
template <typename Sink>
std::size_t export_runs(const StudyRecords& study, std::size_t first_run, std::size_t last_run,
                        Sink&& sink) {
  if (!study.read.awu || !study.read.canary_stages) {
    reject(study, "was read without its awu or canary_stages tables: the AWU export needs both");
  }
  const TelemetryConfig config = telemetry_config(study);
  struct Slot {
    std::size_t run;
    std::size_t organization;
    AwuExportContext context;
    std::size_t spans = 0;
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
  constexpr std::size_t kSlotsPerWorker = 2;
  const std::size_t window = kSlotsPerWorker * static_cast<std::size_t>(std::max(
                                                   1, tbb::this_task_arena::max_concurrency()));
  std::vector<std::string> buffers(std::min(window, slots.size()));
  std::size_t spans = 0;
  for (std::size_t first = 0; first < slots.size(); first += window) {
    const std::size_t last = std::min(slots.size(), first + window);
    try {
      tbb::parallel_for(first, last, [&](std::size_t i) {
        std::string& text = buffers[i - first];
        text.clear();
        Slot& slot = slots[i];
        slot.spans = export_slot(text, study.runs[slot.run], slot.organization, slot.context);
      });
    } catch (const ResultsFileError& error) {
      reject(study, error.what());
    }
    for (std::size_t i = first; i < last; ++i) {
      sink(std::string_view(buffers[i - first]));
      spans += slots[i].spans;
    }
  }
  return spans;
}

}  // namespace

AwuExportContext awu_export_context(const StudyRecords& study, std::size_t run,
                                    std::size_t organization) {
  return context_of(study, telemetry_config(study), run, organization);
}

Attributes awu_run_resource(const AwuExportContext& context, const RunRecords& run) {
  Attributes resource = telemetry_resource(context);
  resource.set("sim.strategy", run.strategy);
  resource.set("sim.replication", static_cast<std::int64_t>(run.replication));
  return resource;
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

}  // namespace genops::analysis
