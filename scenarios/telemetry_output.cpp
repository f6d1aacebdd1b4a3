#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#include <boost/program_options.hpp>

#include <algorithm>
#include <filesystem>

#include "analysis/awu_export.hpp"
#include "analysis/awu_from_results.hpp"
#include "analysis/conformance.hpp"
#include "analysis/hdf5_file.hpp"
#include "analysis/otlp_json.hpp"
#include "analysis/output_file.hpp"
#include "analysis/results_file.hpp"
#include "analysis/results_io.hpp"
#include "engine/error.hpp"
#include "models/calendar.hpp"
#include "scenarios/commands.hpp"

namespace genops::scenarios {

namespace {

std::size_t write_telemetry_file(const std::string& path, const StudyResult& study, bool force) {
  const models::Scenario& scenario = study.scenario;
  const int start_day = models::days_from_iso_date(scenario.start_date);
  // One buffer per (run, organization), filled in parallel a window of slots at a time and
  // written in order while the next window fills: memory stays bounded and buffers are reused,
  // however long the study.
  struct Slot {
    const RunResult* run;
    std::size_t organization;
    std::size_t spans = 0;
  };
  std::vector<Slot> slots;
  for (const auto& run : study.runs) {
    for (std::size_t o = 0; o < run.organizations.size(); ++o) {
      if (!run.organizations[o].awus.empty())
        slots.push_back({&run, o, 0});
    }
  }
  analysis::OutputFile out(analysis::OutputTarget{"--telemetry", path}, force);
  constexpr std::size_t kSlotsPerWorker = 2;
  const std::size_t window = kSlotsPerWorker * static_cast<std::size_t>(std::max(
                                                   1, tbb::this_task_arena::max_concurrency()));
  // Two banks of buffers: one is written to the file while the next window fills the other.
  std::vector<std::string> buffers(2 * window);
  const auto fill = [&](std::size_t first, std::size_t last, std::size_t bank) {
    tbb::parallel_for(first, last, [&, first, bank](std::size_t i) {
      Slot& slot = slots[i];
      const models::PipelineOutput& output = slot.run->organizations[slot.organization];
      const models::OrganizationConfig& org = scenario.organizations[slot.organization];
      analysis::AwuExportContext context;
      context.team = org.team;
      context.project = scenario.project;
      context.environment = scenario.environment;
      context.organization = org.name;
      context.service_names = output.service_names;
      context.start_day = start_day;
      context.utc_offset_hours = org.utc_offset_hours;
      context.run_nonce = analysis::run_nonce_of(slot.run->strategy);
      context.seed = slot.run->seed;
      context.replication = static_cast<std::uint32_t>(slot.run->replication);
      analysis::Attributes resource = analysis::telemetry_resource(context);
      resource.set("sim.strategy", slot.run->strategy);
      resource.set("sim.replication", static_cast<std::int64_t>(slot.run->replication));
      // The fast serialiser: the bytes export_awus + OtlpJsonLinesWriter would write.
      std::string& text = buffers[bank * window + (i - first)];
      text.clear();
      slot.spans = analysis::write_awus_otlp(text, output.awus, output.stages, context, resource);
    });
  };
  std::size_t spans = 0;
  tbb::task_group next_window;
  fill(0, std::min(slots.size(), window), 0);
  for (std::size_t first = 0, bank = 0; first < slots.size(); first += window, bank ^= 1) {
    const std::size_t last = std::min(slots.size(), first + window);
    if (last < slots.size()) {
      next_window.run([&fill, &slots, last, window, bank] {
        fill(last, std::min(slots.size(), last + window), bank ^ 1);
      });
    }
    // A failed write throws only after the task filling the next window has been waited for.
    // Written in 1 MiB pieces: one write(2) of a whole buffer (tens of MB) cost six times
    // the system time on our Linux hosts (1.39 GB: 3.3 s against 0.5 s).
    constexpr std::size_t kWriteBytes = std::size_t{1} << 20;
    try {
      for (std::size_t i = first; i < last; ++i) {
        const std::string& text = buffers[bank * window + (i - first)];
        for (std::size_t offset = 0; offset < text.size(); offset += kWriteBytes) {
          out.write(std::string_view(text).substr(offset, kWriteBytes));
        }
        spans += slots[i].spans;
      }
    } catch (...) {
      next_window.wait();
      throw;
    }
    next_window.wait();
  }
  out.commit();
  return spans;
}

}  // namespace

std::size_t write_study_telemetry(const std::string& path, const StudyResult& study, bool force) {
  try {
    return write_telemetry_file(path, study, force);
  } catch (const analysis::OutputError& error) {
    throw engine::InputError(error.what());
  }
}

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
  po::store(po::command_line_parser(arguments).options(options).positional(positional).run(),
            values);
  if (values.count("help") != 0) {
    std::cout
        << "Usage: genops-sim conformance FILE [FILE ...] [--replay OTHER] [--json]\n"
           "FILE: OTLP/JSON lines (any runtime) or a genops-sim results file (its /awu tables)\n\n"
           "Checks GenOps Governance Specification v0.1 telemetry from any runtime: every "
           "normative\n"
           "requirement that telemetry can show, PASS / FAIL / NOT APPLICABLE with the first "
           "offending\n"
           "records, and the compliance level. Exit 0: full compliance; 1: not fully compliant;\n"
           "2: unreadable input.\n\n"
        << options << '\n';
    return 0;
  }
  po::notify(values);
  if (values.count("file") == 0)
    throw engine::InputError("no telemetry file given (see --help)");
  analysis::ConformanceOptions check;
  check.max_findings = values["max-findings"].as<std::size_t>();
  const auto files = values["file"].as<std::vector<std::string>>();
  const auto replays = values.count("replay") != 0 ? values["replay"].as<std::vector<std::string>>()
                                                   : std::vector<std::string>{};
  const auto any_results_file = [](const std::vector<std::string>& paths) {
    return std::any_of(paths.begin(), paths.end(), [](const std::string& p) {
      return std::filesystem::is_regular_file(p) && analysis::File::is_hdf5(p);
    });
  };
  if (!any_results_file(files) && !any_results_file(replays)) {
    check.replay_files = replays;
    const analysis::ConformanceReport report = analysis::check_conformance(files, check);
    analysis::print_report(report, std::cout, values["json"].as<bool>());
    return report.fully_compliant() ? 0 : 1;
  }
  // Results files: the /awu tables become the same OTLP records `run --telemetry` writes.
  const auto load = [](const std::vector<std::string>& paths) {
    analysis::TelemetryDataset dataset;
    for (const auto& path : paths) {
      if (!(std::filesystem::is_regular_file(path) && analysis::File::is_hdf5(path))) {
        analysis::read_otlp_json_lines_file(path, dataset);
        continue;
      }
      analysis::ReadOptions read;
      read.audit = false;
      read.resources = false;
      const analysis::StudyRecords study = load_results(path, read);
      for (std::size_t run = 0; run < study.runs.size(); ++run) {
        std::string lines;
        analysis::append_run_awus_otlp(lines, study, run);
        analysis::read_otlp_json_text(lines,
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
    } catch (const analysis::ResultsFileError& error) {
      throw engine::InputError(error.what());
    }
  };
  const analysis::TelemetryDataset run = load_checked(files);
  const analysis::TelemetryDataset replay = load_checked(replays);
  const analysis::ConformanceReport report =
      analysis::check_conformance(run, replays.empty() ? nullptr : &replay, check);
  analysis::print_report(report, std::cout, values["json"].as<bool>());
  return report.fully_compliant() ? 0 : 1;
}

}  // namespace genops::scenarios
