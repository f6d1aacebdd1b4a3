#pragma once

#include <string>
#include <vector>

#include "models/config.hpp"
#include "results/awu_export.hpp"
#include "results/results_io.hpp"
#include "telemetry/telemetry.hpp"

namespace genops::results {

// The part of a study's resolved scenario that turning its records into telemetry needs, typed:
// the GenOps attribution and each organization's name, team and time zone. Built from the
// models::Scenario of a run in memory, or parsed once from a results file's config_json, so no
// consumer looks keys up by name.
struct ResolvedScenario {
  struct Organization {
    std::string name;
    std::string team;
    int utc_offset_hours = 0;
  };
  std::string project;
  std::string environment;
  std::vector<Organization> organizations;
  int start_day = 0;  // day 0 as days since 1970-01-01 (UTC)
};

ResolvedScenario resolved_scenario_of(const models::Scenario& scenario);
// From config_json (the keys scenarios/scenario_loader's scenario_to_json writes) and
// start_date; ResultsFileError names a missing or mistyped key.
ResolvedScenario resolved_scenario_of(const StudyRecords& study);

// The one place an AWU export context is built, for runs in memory and read back alike: one
// organization of one (strategy, replication) run with its service names.
AwuExportContext awu_export_context(const ResolvedScenario& scenario, std::size_t organization,
                                    const std::string& strategy, std::uint64_t seed,
                                    std::uint32_t replication,
                                    std::vector<std::string> service_names);
// The OTLP resource of that run: telemetry_resource(context) plus sim.strategy and
// sim.replication.
telemetry::Attributes awu_run_resource(const AwuExportContext& context, const std::string& strategy,
                                       std::uint32_t replication);

}  // namespace genops::results
