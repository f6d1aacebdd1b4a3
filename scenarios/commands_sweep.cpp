// `genops-sim sweep plan|run|status`, `--version` and the provenance of `run --json`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/strategy.hpp"
#include "results/results_io.hpp"
#include "scenarios/command_options.hpp"
#include "scenarios/commands_sweep.hpp"
#include "scenarios/report_table.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/sweep_mpi.hpp"
#include "scenarios/sweep_plan.hpp"
#include "scenarios/sweep_runner.hpp"
#include "scenarios/sweep_table.hpp"
#include "scenarios/task_shard.hpp"

namespace genops::scenarios {

namespace {

namespace po = boost::program_options;
using Json = nlohmann::ordered_json;

constexpr int kSchemaVersion = 1;

Json build_json() {
  const results::BuildInfo build = results::build_info();
  return {{"engine_version", build.engine_version},
          {"git_commit", build.git_sha},
          {"build_type", build.build_type},
          {"compiler", build.compiler}};
}

std::string command_line_of(const std::string& command, const std::vector<std::string>& args) {
  std::string out = "genops-sim " + command;
  for (const auto& a : args)
    out += " " + a;
  return out;
}

void add_sweep_options(po::options_description& options) {
  options.add_options()("help,h", "show this help");
  add_scenario_options(options);
  options.add_options()(
      "filter", po::value<std::vector<std::string>>()->composing(),
      "select runs (repeatable, all must match): run numbers 0..4,7,10.. or NAME=VALUES with "
      "NAME point, strategy, replication, run (indices) or a factor (values)");
}

// The program's one strategy registry, for the plan's name checks and the runs alike.
models::StrategyRegistry builtin_registry() {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  return registry;
}

SweepPlan plan_of(const po::variables_map& values, const models::StrategyRegistry& strategies) {
  SweepOverrides overrides;
  overrides.assignments = scenario_assignments(values);
  return load_sweep_plan(values["scenario"].as<std::string>(), strategies, overrides);
}

std::vector<std::string> filters_of(const po::variables_map& values) {
  if (values.count("filter") == 0)
    return {};
  return values["filter"].as<std::vector<std::string>>();
}

int sweep_plan(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim sweep plan options");
  add_sweep_options(options);
  options.add_options()("json", po::bool_switch(), "print the plan as JSON");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim sweep plan SCENARIO.toml [--filter F ...] [--json]\n\n"
          "Lists the runs of the file's [sweep] table: run number, id, point, factor values,\n"
          "strategy and replication, and their count.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const SweepPlan plan = plan_of(values, builtin_registry());
  const std::vector<SweepRun> runs = select_runs(plan, filters_of(values));
  if (values["json"].as<bool>()) {
    std::cout << sweep_plan_json(plan, runs) << '\n';
    return kExitOk;
  }
  std::cout << plan.source << ": " << plan.factors.size() << " factors ("
            << (plan.zipped ? "zipped" : "grid") << "), " << plan.points.size() << " points x "
            << plan.strategies.size() << " strategies x " << plan.replications
            << " replications = " << plan.run_count() << " runs; seed " << plan.seed
            << " at every point (common random numbers)\n";
  std::printf("%6s  %-28s %6s  %-24s %-22s %s\n", "run", "id", "point", "factors", "strategy",
              "replication");
  for (const SweepRun& run : runs) {
    std::printf("%6zu  %-28s %6zu  %-24s %-22s %d\n", run.number, plan.run_id(run).c_str(),
                run.point, plan.point_label(run.point).c_str(),
                plan.strategies[run.strategy].c_str(), run.replication);
  }
  std::cout << runs.size() << " of " << plan.run_count() << " runs selected\n";
  return kExitOk;
}

void add_output_options(po::options_description& options, bool out_required = true) {
  auto* out = po::value<std::string>();
  if (out_required)
    out->required();
  // clang-format off
  options.add_options()
      ("out", out, "the study directory (one file per point)")
      ("json", po::bool_switch(), "print a JSON summary of the points on stdout");
  // clang-format on
  add_task_options(options, "selected points");
}

Json point_json(const SweepPlan& plan, std::size_t point) {
  Json factors = Json::object();
  for (std::size_t f = 0; f < plan.factors.size(); ++f)
    factors[plan.factors[f].name] =
        Json::parse(factor_value_json(plan.factors[f], plan.points[point].levels[f]));
  return {{"point", point},
          {"factors", factors},
          {"overrides", plan.points[point].overrides},
          {"config_sha256", plan.points[point].config_sha256}};
}

// The stderr log and progress of `sweep run` (--quiet, --progress); true when a bar is drawn.
bool set_sweep_progress(const po::variables_map& values, SweepRunOptions& run_options) {
  const bool quiet = values["quiet"].as<bool>();
  const bool tty = isatty(STDERR_FILENO) != 0;
  const std::string progress_mode = values["progress"].as<std::string>();
  if (progress_mode != "auto" && progress_mode != "json" && progress_mode != "none")
    throw engine::InputError("--progress: expected auto, json or none, got '" + progress_mode +
                             "'");
  const bool bar = !quiet && progress_mode == "auto" && tty;
  if (!quiet) {
    run_options.log = [bar](const std::string& line) {
      std::fprintf(stderr, "%s%s\n", bar ? "\r\033[K" : "", line.c_str());
    };
  }
  if (!quiet && progress_mode == "json") {
    run_options.progress = [started = std::chrono::steady_clock::now()](
                               std::size_t done, std::size_t total, double fraction) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const Json line = {{"done_runs", done},
                         {"total_runs", total},
                         {"fraction", fraction},
                         {"elapsed_s", elapsed},
                         {"eta_s", fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0}};
      std::fprintf(stderr, "%s\n", line.dump().c_str());
    };
  } else if (!quiet && progress_mode == "auto") {
    // On a terminal a bar with ETA; elsewhere one line per 10% of the (cost-weighted) work.
    run_options.progress = [bar, last_decile = 0, started = std::chrono::steady_clock::now()](
                               std::size_t done, std::size_t total, double fraction) mutable {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
      if (bar) {
        constexpr int kWidth = 30;
        const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
        std::fprintf(stderr, "\r  [%s%s] %3.0f%%  %zu/%zu runs  ETA %.0f s",
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(),
                     100 * fraction, done, total, eta);
        return;
      }
      const int decile = static_cast<int>(fraction * 10 + 1e-9);
      if (decile > last_decile) {
        last_decile = decile;
        std::fprintf(stderr, "  %d%%  %zu/%zu runs  %.0f s elapsed, ETA %.0f s\n", decile * 10,
                     done, total, elapsed, eta);
      }
    };
  }
  return bar;
}

// `sweep run --json`'s points: state, file, error, the means per strategy and metric (gathered
// by rank 0 under --mpi) and the rank that ran each.
Json points_json(const SweepPlan& plan, const SweepRunReport& report,
                 const std::filesystem::path& out_dir, bool mpi,
                 const std::vector<int>& point_rank) {
  Json points = Json::array();
  for (const auto& p : report.points) {
    Json entry = point_json(plan, p.point);
    entry["status"] = p.skipped ? "skipped" : point_state_name(p.state);
    entry["file"] = sweep_point_file(out_dir, p.point).string();
    if (!p.error.empty())
      entry["error"] = p.error;
    if (!p.means.empty()) {
      Json means = Json::object();
      const std::vector<std::string>& metrics = sweep_metrics();
      for (std::size_t s = 0; s < plan.strategies.size(); ++s) {
        Json of_strategy = Json::object();
        for (std::size_t m = 0; m < metrics.size(); ++m)
          of_strategy[metrics[m]] = p.means[s * metrics.size() + m];
        means[plan.strategies[s]] = of_strategy;
      }
      entry["means"] = means;
    }
    if (mpi)
      entry["rank"] = point_rank[points.size()];
    points.push_back(entry);
  }
  return points;
}

int sweep_run(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim sweep run options");
  add_sweep_options(options);
  add_output_options(options);
  // clang-format off
  options.add_options()
      ("threads", po::value<int>()->default_value(0),
       "worker threads (0: all cores); results do not depend on it")
      ("quiet", po::bool_switch(), "no progress or per-point lines on stderr")
      ("progress", po::value<std::string>()->default_value("auto"),
       "auto (a bar on a terminal, else one line per 10%), json (one JSON line per run on "
       "stderr) or none; the ETA is weighted by run cost")
      ("mpi", po::bool_switch(),
       "under mpirun: rank 0 hands out points to the other ranks as they become free")
      ("force", po::bool_switch(),
       "run again points whose file is stale (another config hash) or damaged, replacing it");
  // clang-format on
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim sweep run SCENARIO.toml --out DIR [--filter F ...] "
          "[--task-index I --task-count N]\n\n"
          "Runs every point of the file's [sweep] table into DIR/point-NNNN.h5 (the layout of\n"
          "`run --out`). Runs stream: each is written when it finishes and leaves memory.\n"
          "Rerunning resumes: a point whose complete file has the point's config hash is\n"
          "skipped; a stale or damaged file is replaced only with --force. A failing point is\n"
          "logged (DIR/point-NNNN.failed) and the rest goes on; the exit code is then 1.\n"
          "--filter takes point-level filters only. DIR/sweep.json keeps the plan.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const int threads = values["threads"].as<int>();
  if (threads < 0)
    throw engine::InputError("--threads: expected 0 or more, got " + std::to_string(threads));
  const models::StrategyRegistry registry = builtin_registry();
  const SweepPlan plan = plan_of(values, registry);
  const bool mpi = values["mpi"].as<bool>();
  if (mpi && (values.count("task-index") != 0 || values.count("task-count") != 0))
    throw engine::InputError(
        "--mpi: expected no --task-index/--task-count (ranks share out points)");
  if (mpi && !sweep_mpi_available())
    run_sweep_mpi(plan, models::StrategyRegistry{}, {});  // throws the message naming the fix
  const TaskShard task = mpi ? TaskShard{} : task_shard(values);
  SweepRunOptions run_options;
  run_options.out_dir = values["out"].as<std::string>();
  run_options.threads = threads;
  run_options.points = shard(select_points(plan, filters_of(values)), task);
  run_options.command_line = command_line_of("sweep run", arguments);
  run_options.force = values["force"].as<bool>();
  const bool bar = set_sweep_progress(values, run_options);
  std::vector<int> point_rank;
  int ranks = 1;
  SweepRunReport report;
  if (mpi) {
    MpiSweepReport distributed = run_sweep_mpi(plan, registry, run_options);
    if (!distributed.root)
      return kExitOk;  // rank 0 reports for the study
    report = std::move(distributed.report);
    point_rank = std::move(distributed.point_rank);
    ranks = distributed.ranks;
  } else {
    report = run_sweep(plan, registry, run_options);
  }
  if (bar)
    std::fprintf(stderr, "\n");
  std::size_t skipped = 0;
  for (const auto& p : report.points)
    skipped += p.skipped ? 1 : 0;
  if (values["json"].as<bool>()) {
    const Json points = points_json(plan, report, run_options.out_dir, mpi, point_rank);
    const Json out = {{"schema", "genops-sim-sweep-run"},
                      {"schema_version", kSchemaVersion},
                      {"build", build_json()},
                      {"task_index", task.index},
                      {"task_count", task.count},
                      {"mpi_ranks", mpi ? Json(ranks) : Json(nullptr)},
                      {"runs_executed", report.runs_executed},
                      {"points_skipped", skipped},
                      {"points_failed", report.points_failed},
                      {"wall_seconds", report.wall_seconds},
                      {"points", points}};
    std::cout << out.dump(2) << '\n';
  } else {
    if (mpi)
      std::printf("MPI: %d ranks (rank 0 hands out points); ", ranks);
    std::printf(
        "%zu points (task %zu of %zu): %zu run now, %zu already done, %zu failed; %zu "
        "runs in %.1f s -> %s\n",
        report.points.size(), task.index, task.count,
        report.points.size() - skipped - report.points_failed, skipped, report.points_failed,
        report.runs_executed, report.wall_seconds, run_options.out_dir.string().c_str());
  }
  return report.points_failed == 0 ? kExitOk : kExitFailed;
}

// `sweep status`'s plan: the scenario file's, or DIR/sweep.json when given a directory alone.
SweepPlan status_plan(const po::variables_map& values) {
  const std::filesystem::path first = values["scenario"].as<std::string>();
  std::error_code error;
  if (values.count("out") != 0 || !std::filesystem::is_directory(first, error)) {
    if (values.count("out") == 0)
      throw engine::InputError("--out: expected the study directory (or give DIR alone)");
    return plan_of(values, builtin_registry());
  }
  if (!scenario_assignments(values).empty())
    throw engine::InputError(
        "sweep status DIR: expected no --set/--seed/--replications/--strategies (the plan "
        "comes from DIR/sweep.json)");
  const std::filesystem::path file = sweep_plan_file(first);
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw engine::InputError(file.string() +
                             ": cannot read the plan (written by `sweep run`); give the "
                             "scenario file and --out DIR instead");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return sweep_plan_from_json(text, file.string());
}

int sweep_status(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim sweep status options");
  add_sweep_options(options);
  add_output_options(options, false);
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim sweep status SCENARIO.toml --out DIR [--filter F ...] [--json]\n"
          "       genops-sim sweep status DIR   (the plan from DIR/sweep.json)\n\n"
          "Says which points of the study in DIR are done, missing, partial (running or\n"
          "interrupted), failed, stale (another configuration) or damaged. Exit 0 when every\n"
          "selected point is done, 1 otherwise.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const SweepPlan plan = status_plan(values);
  const std::filesystem::path dir = values.count("out") != 0 ? values["out"].as<std::string>()
                                                             : values["scenario"].as<std::string>();
  const std::vector<std::size_t> points =
      shard(select_points(plan, filters_of(values)), task_shard(values));
  std::map<std::string, std::size_t> counts;
  Json entries = Json::array();
  const bool json = values["json"].as<bool>();
  for (const std::size_t point : points) {
    std::string detail;
    const PointState state = sweep_point_state(plan, point, dir, &detail);
    ++counts[point_state_name(state)];
    if (json) {
      Json entry = point_json(plan, point);
      entry["status"] = point_state_name(state);
      if (!detail.empty())
        entry["detail"] = detail;
      entries.push_back(entry);
    } else {
      std::printf("%6zu  %-8s %s%s%s\n", point, point_state_name(state),
                  plan.point_label(point).c_str(), detail.empty() ? "" : ": ", detail.c_str());
    }
  }
  const std::size_t done = counts["done"];
  if (json) {
    const Json out = {{"schema", "genops-sim-sweep-status"},
                      {"schema_version", kSchemaVersion},
                      {"points", entries},
                      {"counts", counts},
                      {"complete", done == points.size()}};
    std::cout << out.dump(2) << '\n';
  } else {
    std::cout << done << " of " << points.size() << " points done";
    for (const auto& [name, n] : counts) {
      if (name != "done" && n > 0)
        std::cout << ", " << n << ' ' << name;
    }
    std::cout << '\n';
  }
  return done == points.size() ? kExitOk : kExitFailed;
}

int sweep_table(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim sweep table options");
  // clang-format off
  options.add_options()
      ("help,h", "show this help")
      ("dir", po::value<std::string>()->required(), "the study directory (sweep run --out)")
      ("format", po::value<std::string>()->default_value("text"), "text, csv, json or markdown")
      ("metrics", po::value<std::string>(),
       "comma-separated metrics (default: all), e.g. median_cycle_time_min,success_rate")
      ("confidence", po::value<double>()->default_value(0.95), "CI level, in (0, 1)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map values;
  if (!parse_command_options(
          "Usage: genops-sim sweep table DIR [--format text|csv|json|markdown] [--metrics "
          "a,b]\n\n"
          "One tidy long table of the study in DIR: point x factor values x strategy x metric,\n"
          "with the mean over replications and its Student-t confidence interval.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const double confidence = values["confidence"].as<double>();
  if (!(confidence > 0 && confidence < 1))
    throw engine::InputError("--confidence: expected a value in (0, 1), got " +
                             std::to_string(confidence));
  std::vector<std::string> metrics;
  if (values.count("metrics") != 0) {
    std::stringstream in(values["metrics"].as<std::string>());
    std::string item;
    while (std::getline(in, item, ','))
      metrics.push_back(item);
  }
  const SweepTable table = read_sweep_table(values["dir"].as<std::string>(), metrics, confidence);
  std::cout << format_sweep_table(table, values["format"].as<std::string>());
  return kExitOk;
}

}  // namespace

std::string version_text() {
  const results::BuildInfo build = results::build_info();
  return "genops-sim " + build.engine_version + " (git " + build.git_sha + ", " + build.build_type +
         ", " + build.compiler + (sweep_mpi_available() ? ", MPI" : ", no MPI") + ")";
}

std::string run_json(const std::string& study_json, const models::Scenario& scenario,
                     const std::vector<std::string>& overrides) {
  Json out = Json::parse(study_json);
  const std::string config = scenario_to_json(scenario);
  Json provenance = build_json();
  provenance["scenario_file"] = scenario.source;
  provenance["overrides"] = overrides;
  provenance["config_sha256"] = results::sha256_hex(config);
  provenance["point"] = nullptr;  // `run` is not part of a sweep
  provenance["factors"] = Json::object();
  Json framed = {{"schema", "genops-sim-run"}, {"schema_version", kSchemaVersion}};
  framed.update(out);
  framed["provenance"] = provenance;
  return framed.dump(2);
}

int command_sweep(const std::vector<std::string>& arguments) {
  const std::string usage =
      "Usage: genops-sim sweep plan|run|status SCENARIO.toml [options], sweep table DIR\n"
      "       (genops-sim sweep SUBCOMMAND --help)\n\n"
      "Parameter studies from the scenario file's [sweep] table (scenarios/README.md):\n"
      "  plan    list the runs (point, factor values, strategy, replication, run id)\n"
      "  run     run the points into --out DIR, one results file per point, resumable\n"
      "  status  which points of DIR are done, missing, partial, failed or stale\n"
      "  table   mean and CI over replications per point x strategy x metric (text, CSV, JSON,\n"
      "          Markdown)";
  if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h") {
    std::cout << usage << '\n';
    return arguments.empty() ? 2 : kExitOk;
  }
  const std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
  if (arguments[0] == "plan")
    return sweep_plan(rest);
  if (arguments[0] == "run")
    return sweep_run(rest);
  if (arguments[0] == "status")
    return sweep_status(rest);
  if (arguments[0] == "table")
    return sweep_table(rest);
  throw engine::InputError("sweep: unknown subcommand '" + arguments[0] +
                           "'; expected plan, run or status");
}

}  // namespace genops::scenarios
