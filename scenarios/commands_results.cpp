#include "scenarios/commands_results.hpp"

#include <cstdint>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <boost/program_options.hpp>

#include "analysis/compare.hpp"
#include "analysis/report_html.hpp"
#include "engine/error.hpp"
#include "results/output_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/command_options.hpp"
#include "scenarios/results_output.hpp"

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
  options.add_options()("html", po::value<std::string>()->required(),
                        "the HTML file to write (self-contained: inline SVG, no scripts)")(
      "force", po::bool_switch(), "replace an existing --html file");
  po::positional_options_description positional;
  positional.add("results", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim report RESULTS.h5 --html REPORT.html [--baseline NAME]\n\n"
          "Writes one self-contained HTML page: cycle-time ECDF and histogram, outcome shares "
          "with CIs,\ncanary catch by stage, queue waits and utilisation over time, deployments "
          "per week,\nthe comparison table and the run's provenance.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
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

}  // namespace genops::scenarios
