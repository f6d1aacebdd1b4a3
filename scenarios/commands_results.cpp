#include "scenarios/commands_results.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <boost/program_options.hpp>

#include "analysis/compare.hpp"
#include "analysis/report_html.hpp"
#include "engine/error.hpp"
#include "results/output_file.hpp"
#include "results/results_io.hpp"
#include "results/study_export.hpp"
#include "results/study_merge.hpp"
#include "scenarios/command_options.hpp"
#include "scenarios/commands_audit.hpp"
#include "scenarios/results_output.hpp"
#include "scenarios/sweep_curves.hpp"
#include "scenarios/sweep_table.hpp"

namespace genops::scenarios {

namespace {

namespace po = boost::program_options;

void add_comparison_options(po::options_description& options) {
  options.add_options()("results", po::value<std::string>()->required(),
                        "results file written by `genops-sim run --out`; also the first "
                        "positional argument")("baseline",
                                               po::value<std::string>()->default_value("baseline"),
                                               "the strategy every other one is compared with")(
      "resamples",
      po::value<std::size_t>()->default_value(analysis::CompareOptions{}.bootstrap_resamples),
      "bootstrap resamples for the pooled median difference (each redraws every pooled "
      "deployment)")(
      "bootstrap-seed",
      po::value<std::uint64_t>()->default_value(analysis::CompareOptions{}.bootstrap_seed),
      "seed of the bootstrap (same seed, same intervals)")(
      "confidence", po::value<double>()->default_value(0.95), "confidence level of every interval");
}

analysis::CompareOptions comparison_options(const po::variables_map& values) {
  analysis::CompareOptions options;
  options.baseline = values["baseline"].as<std::string>();
  options.bootstrap_resamples = values["resamples"].as<std::size_t>();
  options.bootstrap_seed = values["bootstrap-seed"].as<std::uint64_t>();
  options.confidence = values["confidence"].as<double>();
  if (options.bootstrap_resamples < 2 || options.bootstrap_resamples > 1'000'000) {
    throw engine::InputError("--resamples: expected 2..1000000, got " +
                             std::to_string(options.bootstrap_resamples));
  }
  if (!(options.confidence > 0.5 && options.confidence < 1.0)) {
    throw engine::InputError("--confidence: expected a level in (0.5, 1), got " +
                             std::to_string(options.confidence));
  }
  return options;
}

analysis::ComparisonReport compare(const results::StudyRecords& study,
                                   const analysis::CompareOptions& options) {
  if (study.strategy_index(options.baseline) == std::string::npos) {
    std::string valid;
    for (const std::string& name : study.provenance.strategies) {
      valid += (valid.empty() ? "" : ", ") + name;
    }
    throw engine::InputError("--baseline: '" + options.baseline + "' is not a strategy of '" +
                             study.path.string() + "'; strategies: " + valid);
  }
  return analysis::compare_strategies(study, options);
}

void write_output(const std::string& option, const std::string& path, const std::string& text,
                  bool force) {
  try {
    results::OutputFile out(results::OutputTarget{option, path}, force);
    out.write(text);
    out.commit();
  } catch (const results::OutputError& error) {
    throw engine::InputError(error.what());
  }
}

// `report DIR`: response curves of a study directory (HTML page and/or one SVG).
int report_curves(const po::variables_map& values) {
  const std::string dir = values["results"].as<std::string>();
  if (values.count("html") == 0 && values.count("svg") == 0)
    throw engine::InputError("--html / --svg: expected at least one file to write");
  const bool force = values["force"].as<bool>();
  std::vector<results::OutputTarget> outputs;
  for (const char* option : {"html", "svg"}) {
    if (values.count(option) != 0)
      outputs.push_back({std::string("--") + option, values[option].as<std::string>()});
  }
  check_command_outputs(outputs, {dir}, force);
  std::vector<std::string> metrics = {"median_cycle_time_min", "success_rate", "mean_ci_wait_min",
                                      "mean_review_wait_min"};
  if (values.count("metrics") != 0) {
    metrics.clear();
    std::stringstream in(values["metrics"].as<std::string>());
    std::string item;
    while (std::getline(in, item, ','))
      metrics.push_back(item);
  }
  const SweepTable table = read_sweep_table(dir, metrics, values["confidence"].as<double>());
  const std::string factor =
      values.count("factor") != 0 ? values["factor"].as<std::string>() : std::string();
  const std::vector<analysis::ResponseSection> sections = response_sections(table, factor);
  if (values.count("svg") != 0) {
    const std::string svg = analysis::render_response_svg(sections.front().panels);
    write_output("--svg", values["svg"].as<std::string>(), svg, force);
    std::cout << "wrote " << values["svg"].as<std::string>() << " (" << svg.size() / 1024
              << " KiB, " << sections.front().panels.size() << " panels)\n";
  }
  if (values.count("html") != 0) {
    const std::string html = analysis::render_response_html(
        "genops-sim response curves: " + dir,
        "Study directory " + dir + ": " + std::to_string(table.rows.size()) +
            " table rows (point x strategy x metric).",
        sections);
    write_output("--html", values["html"].as<std::string>(), html, force);
    std::cout << "wrote " << values["html"].as<std::string>() << " (" << html.size() / 1024
              << " KiB)\n";
  }
  return kExitOk;
}

}  // namespace

results::StudyRecords load_results(const std::string& path, const results::ReadOptions& read) {
  try {
    return results::read_study(path, read);
  } catch (const results::ResultsFileError& error) {
    throw engine::InputError(error.what());
  }
}

int command_compare(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim compare options");
  options.add_options()("help,h", "show this help");
  add_comparison_options(options);
  options.add_options()("json", po::bool_switch(), "print the comparison as JSON")(
      "format", po::value<std::string>()->default_value("text"),
      "table format: text, markdown or latex (ignored with --json)");
  po::positional_options_description positional;
  positional.add("results", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim compare RESULTS.h5 [--baseline NAME] [--json] "
          "[--format text|markdown|latex]\n\n"
          "The paper's comparison table: every strategy against the baseline, at deployment "
          "level\n(all replications pooled: medians with CIs, bootstrap difference, Mann-Whitney, "
          "Wilson,\nNewcombe, chi-square, Fisher, Cohen's h) and at replication level (paired by "
          "replication\nunder common random numbers: paired t, Wilcoxon signed-rank), with Holm's "
          "correction.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const std::string format = values["format"].as<std::string>();
  if (format != "text" && format != "markdown" && format != "latex") {
    throw engine::InputError("--format: expected text, markdown or latex, got '" + format + "'");
  }
  const analysis::CompareOptions compare_options = comparison_options(values);
  const results::StudyRecords study =
      load_results(values["results"].as<std::string>(),
                   results::ReadOptions{
                       .canary_stages = false, .audit = false, .resources = false, .awu = false});
  const analysis::ComparisonReport report = compare(study, compare_options);
  if (values["json"].as<bool>()) {
    std::cout << analysis::render_json(report) << '\n';
  } else if (format == "markdown") {
    std::cout << analysis::render_markdown(report);
  } else if (format == "latex") {
    std::cout << analysis::render_latex(report);
  } else {
    std::cout << analysis::render_text(report);
  }
  return kExitOk;
}

int command_report(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim report options");
  options.add_options()("help,h", "show this help");
  add_comparison_options(options);
  // clang-format off
  options.add_options()
      ("html", po::value<std::string>(),
       "the HTML file to write (self-contained: inline SVG, no scripts)")
      ("svg", po::value<std::string>(),
       "study directory only: one SVG of the first metric's response curves")
      ("factor", po::value<std::string>(),
       "study directory only: the factor on the x axis (default: the first numeric one)")
      ("metrics", po::value<std::string>(),
       "study directory only: comma-separated metrics (default: median_cycle_time_min,"
       "success_rate,mean_ci_wait_min,mean_review_wait_min)")
      ("force", po::bool_switch(), "replace an existing --html / --svg file");
  // clang-format on
  po::positional_options_description positional;
  positional.add("results", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim report RESULTS.h5 --html REPORT.html [--baseline NAME]\n"
          "       genops-sim report STUDY_DIR --html CURVES.html | --svg CURVES.svg "
          "[--factor NAME]\n\n"
          "Writes one self-contained HTML page: cycle-time ECDF and histogram, outcome shares "
          "with CIs,\ncanary catch by stage, queue waits and utilisation over time, deployments "
          "per week,\nthe comparison table and the run's provenance. Given a study directory "
          "(sweep run --out),\nresponse curves instead: each metric against a factor, one line "
          "per strategy, CI bands.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  std::error_code not_a_directory;
  if (std::filesystem::is_directory(values["results"].as<std::string>(), not_a_directory))
    return report_curves(values);
  if (values.count("svg") != 0 || values.count("factor") != 0 || values.count("metrics") != 0)
    throw engine::InputError("--svg, --factor, --metrics: expected a study directory, got a file");
  if (values.count("html") == 0)
    throw engine::InputError("--html: expected the HTML file to write");
  const analysis::CompareOptions compare_options = comparison_options(values);
  const std::string html_path = values["html"].as<std::string>();
  const bool force = values["force"].as<bool>();
  check_command_outputs({{"--html", html_path}}, {values["results"].as<std::string>()}, force);
  const results::StudyRecords study = load_results(values["results"].as<std::string>(), {});
  const analysis::ComparisonReport report = compare(study, compare_options);
  const std::string html = analysis::render_html_report(study, report);
  try {
    results::OutputFile out(results::OutputTarget{"--html", html_path}, force);
    out.write(html);
    out.commit();
  } catch (const results::OutputError& error) {
    throw engine::InputError(error.what());
  }
  std::cout << "wrote " << html_path << " (" << html.size() / 1024 << " KiB)\n";
  return kExitOk;
}

int command_merge(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim merge options");
  // clang-format off
  options.add_options()
      ("help,h", "show this help")
      ("inputs", po::value<std::vector<std::string>>()->required(),
       "the tasks' results files, or directories of them (their *.h5 files); positional")
      ("out", po::value<std::string>()->required(), "the study's results file to write")
      ("force", po::bool_switch(), "replace an existing --out file")
      ("audit-key", po::value<std::string>(),
       "file holding an HMAC key: also store the audit manifest's HMAC-SHA-256");
  // clang-format on
  po::positional_options_description positional;
  positional.add("inputs", -1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim merge DIR|FILE... --out STUDY.h5 [--force]\n\n"
          "Joins the results files of the tasks of one study (`run --task-index I --task-count "
          "N`,\nSlurm arrays, Kubernetes Indexed Jobs, mpirun) into one results file, written by "
          "the same\nwriter in the same order as a one-process run, so its tables and audit "
          "manifest digest\nare that run's. Refuses files of other studies, a replication in two "
          "files or in none,\n*.partial files and an existing --out. Holds one run in memory "
          "at a time.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const std::string out = values["out"].as<std::string>();
  const bool force = values["force"].as<bool>();
  std::vector<std::filesystem::path> named;
  for (const auto& input : values["inputs"].as<std::vector<std::string>>())
    named.emplace_back(input);
  results::MergeOptions merge;
  merge.command_line = "genops-sim merge";
  for (const auto& a : arguments)
    merge.command_line += " " + a;
  merge.write.output = results::OutputOptions{"--out", force};
  try {
    const std::vector<std::filesystem::path> inputs = results::merge_inputs(named);
    std::vector<std::filesystem::path> read = inputs;
    if (values.count("audit-key") != 0) {
      read.emplace_back(values["audit-key"].as<std::string>());
      merge.write.audit_key = read_key_file(values["audit-key"].as<std::string>(), "--audit-key");
    }
    check_command_outputs({{"--out", out}}, read, force);
    const results::MergeReport report = results::merge_study(inputs, out, merge);
    std::cout << "merged " << report.inputs << " file(s): " << report.strategies << " strategies x "
              << report.replications << " replications = " << report.runs << " runs -> " << out
              << "; audit manifest sha256 " << report.audit_manifest_sha256 << '\n';
  } catch (const results::ResultsFileError& error) {
    throw engine::InputError(error.what());
  } catch (const results::Hdf5Error& error) {
    throw engine::InputError("--out " + out + ": writing failed: " + error.reason());
  }
  return kExitOk;
}

int command_export(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim export options");
  // clang-format off
  options.add_options()
      ("help,h", "show this help")
      ("inputs", po::value<std::vector<std::string>>()->required(),
       "results files (run --out, merge --out, sweep points); positional")
      ("csv", po::value<std::string>()->required(), "the CSV file to write")
      ("force", po::bool_switch(), "replace an existing --csv file");
  // clang-format on
  po::positional_options_description positional;
  positional.add("inputs", -1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim export RESULTS.h5... --csv OUT.csv [--force]\n\n"
          "One long CSV for R, Excel and DuckDB, pooled across runs and files: one row per\n"
          "deployment, led by the run's identity (scenario, config_sha256, sweep_point,\n"
          "strategy, replication, seed), then every column of the deployments table with\n"
          "categories as labels and each time column also as an ISO-8601 UTC instant (_utc).",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const std::string csv = values["csv"].as<std::string>();
  const bool force = values["force"].as<bool>();
  std::vector<std::filesystem::path> inputs;
  for (const auto& input : values["inputs"].as<std::vector<std::string>>())
    inputs.emplace_back(input);
  check_command_outputs({{"--csv", csv}}, inputs, force);
  try {
    const results::ExportReport report =
        results::export_deployments_csv(inputs, results::OutputTarget{"--csv", csv}, force);
    std::cout << "wrote " << csv << ": " << report.rows << " deployments of " << report.runs
              << " runs from " << report.files << " file(s), " << report.columns << " columns\n";
  } catch (const results::ResultsFileError& error) {
    throw engine::InputError(error.what());
  } catch (const results::OutputError& error) {
    throw engine::InputError(error.what());
  } catch (const results::Hdf5Error& error) {
    throw engine::InputError("export: reading failed: " + error.reason());
  }
  return kExitOk;
}

}  // namespace genops::scenarios
