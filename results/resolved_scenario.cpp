#include "results/resolved_scenario.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "models/calendar.hpp"
#include "results/results_file.hpp"

namespace genops::results {

namespace {

using Json = nlohmann::json;

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

}  // namespace

ResolvedScenario resolved_scenario_of(const StudyRecords& study) {
  Json root;
  try {
    root = Json::parse(study.provenance.config_json);
  } catch (const Json::exception& error) {
    reject(study, "has a config_json that is not JSON: " + std::string(error.what()));
  }
  if (!root.is_object()) {
    reject(study, "has a config_json that is not a JSON object");
  }
  ResolvedScenario config;
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

ResolvedScenario resolved_scenario_of(const models::Scenario& scenario) {
  ResolvedScenario resolved;
  resolved.project = scenario.project;
  resolved.environment = scenario.environment;
  for (const models::OrganizationConfig& organization : scenario.organizations) {
    resolved.organizations.push_back(
        {organization.name, organization.team, organization.utc_offset_hours});
  }
  resolved.start_day = models::days_from_iso_date(scenario.start_date);
  return resolved;
}

AwuExportContext awu_export_context(const ResolvedScenario& scenario, std::size_t organization,
                                    const std::string& strategy, std::uint64_t seed,
                                    std::uint32_t replication,
                                    std::vector<std::string> service_names) {
  const ResolvedScenario::Organization& org = scenario.organizations.at(organization);
  AwuExportContext context;
  context.team = org.team;
  context.project = scenario.project;
  context.environment = scenario.environment;
  context.organization = org.name;
  context.service_names = std::move(service_names);
  context.start_day = scenario.start_day;
  context.utc_offset_hours = org.utc_offset_hours;
  context.run_nonce = run_nonce_of(strategy);
  context.seed = seed;
  context.replication = replication;
  return context;
}

telemetry::Attributes awu_run_resource(const AwuExportContext& context, const std::string& strategy,
                                       std::uint32_t replication) {
  telemetry::Attributes resource = telemetry_resource(context);
  resource.set("sim.strategy", strategy);
  resource.set("sim.replication", static_cast<std::int64_t>(replication));
  return resource;
}

}  // namespace genops::results
