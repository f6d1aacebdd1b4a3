#include "scenarios/commands_conformance.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include <boost/program_options.hpp>

#include "engine/error.hpp"
#include "results/awu_from_results.hpp"
#include "results/hdf5_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/command_options.hpp"
#include "scenarios/commands_results.hpp"
#include "telemetry/conformance.hpp"
#include "telemetry/otlp_json.hpp"

namespace genops::scenarios {

int command_conformance(const std::vector<std::string>& arguments) {
  namespace po = boost::program_options;
  po::options_description options("genops-sim conformance options");
  options.add_options()("help,h", "show this help")(
      "file", po::value<std::vector<std::string>>()->composing(),
      "OTLP/JSON lines telemetry file(s) (positional)")(
      "replay", po::value<std::vector<std::string>>()->composing(),
      "telemetry of a second run of the same input: checks determinism (R21)")(
      "json", po::bool_switch(), "print the report as JSON")(
      "max-findings", po::value<std::size_t>()->default_value(5),
      "offending records shown per requirement");
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim conformance FILE [FILE ...] [--replay OTHER] [--json]\n"
          "FILE: OTLP/JSON lines (any runtime) or a genops-sim results file (its /awu tables)\n\n"
          "Checks GenOps Governance Specification v0.1 telemetry from any runtime: every "
          "normative\n"
          "requirement that telemetry can show, PASS / FAIL / NOT APPLICABLE with the first "
          "offending\n"
          "records, and the compliance level. Exit 0: full compliance; 1: not fully compliant;\n"
          "2: unreadable input.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  if (values.count("file") == 0)
    throw engine::InputError("no telemetry file given (see --help)");
  telemetry::ConformanceOptions check;
  check.max_findings = values["max-findings"].as<std::size_t>();
  const auto files = values["file"].as<std::vector<std::string>>();
  const auto replays = values.count("replay") != 0 ? values["replay"].as<std::vector<std::string>>()
                                                   : std::vector<std::string>{};
  const auto any_results_file = [](const std::vector<std::string>& paths) {
    return std::any_of(paths.begin(), paths.end(), [](const std::string& p) {
      return std::filesystem::is_regular_file(p) && results::File::is_hdf5(p);
    });
  };
  if (!any_results_file(files) && !any_results_file(replays)) {
    check.replay_files = replays;
    const telemetry::ConformanceReport report = telemetry::check_conformance(files, check);
    telemetry::print_report(report, std::cout, values["json"].as<bool>());
    return report.fully_compliant() ? kExitOk : kExitFailed;
  }
  // Results files: the /awu tables become the same OTLP records `run --telemetry` writes.
  const auto load = [](const std::vector<std::string>& paths) {
    telemetry::TelemetryDataset dataset;
    for (const auto& path : paths) {
      if (!(std::filesystem::is_regular_file(path) && results::File::is_hdf5(path))) {
        telemetry::read_otlp_json_lines_file(path, dataset);
        continue;
      }
      const results::StudyRecords study =
          load_results(path, results::ReadOptions{.audit = false, .resources = false});
      for (std::size_t run = 0; run < study.runs.size(); ++run) {
        std::string lines;
        results::append_run_awus_otlp(lines, study, run);
        telemetry::read_otlp_json_text(lines,
                                       path + ":/runs/" + study.runs[run].strategy + "/rep" +
                                           std::to_string(study.runs[run].replication) + "/awu",
                                       dataset);
      }
    }
    return dataset;
  };
  const auto load_checked = [&load](const std::vector<std::string>& paths) {
    try {
      return load(paths);
    } catch (const results::ResultsFileError& error) {
      throw engine::InputError(error.what());
    }
  };
  const telemetry::TelemetryDataset run = load_checked(files);
  const telemetry::TelemetryDataset replay = load_checked(replays);
  const telemetry::ConformanceReport report =
      telemetry::check_conformance(run, replays.empty() ? nullptr : &replay, check);
  telemetry::print_report(report, std::cout, values["json"].as<bool>());
  return report.fully_compliant() ? kExitOk : kExitFailed;
}

}  // namespace genops::scenarios
