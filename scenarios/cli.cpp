#include "scenarios/cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <sstream>

#include <tbb/info.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/strategy.hpp"
#include "scenarios/command_options.hpp"
#include "scenarios/commands_audit.hpp"
#include "scenarios/commands_conformance.hpp"
#include "scenarios/commands_results.hpp"
#include "scenarios/commands_sweep.hpp"
#include "scenarios/report_table.hpp"
#include "scenarios/results_output.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/step_timer.hpp"
#include "scenarios/task_shard.hpp"
#include "scenarios/telemetry_output.hpp"

namespace genops::scenarios {

namespace {

namespace po = boost::program_options;

struct Command {
  std::string summary;
  std::function<int(const std::vector<std::string>&)> run;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty())
      out.push_back(item);
  }
  return out;
}

// Progress of `run` on stderr with one ETA over the whole command. Streamed (the default): one
// step per run simulated and written. Held in memory (--telemetry), in wall-time units: a run
// simulated costs 1/threads (runs simulate in parallel), a run written by --out kWriteShare
// more (one at a time), so the ETA covers the HDF5 write too. auto: a bar on a terminal, else
// one line per 10%; json: one JSON line per step; none.
class Progress {
 public:
  // Writing one run costs about 0.6 of simulating it on one core: an assumption measured on
  // paper.toml (`run --replications 2 --threads 2 --json --out`: simulate 1.94 s wall for 4
  // runs on 2 threads, i.e. 0.97 CPU-s per run; write_results 2.31 s, 0.58 s per run). Only
  // the ETA's weighting uses it.
  static constexpr double kWriteShare = 0.6;

  Progress(const std::string& mode, bool quiet) {
    if (mode != "auto" && mode != "json" && mode != "none")
      throw engine::InputError("--progress: expected auto, json or none, got '" + mode + "'");
    mode_ = quiet ? "none" : mode;
    bar_ = mode_ == "auto" && isatty(STDERR_FILENO) != 0;
  }
  void start(int runs, int threads, bool writes) {
    runs_ = runs;
    simulate_unit_ = 1.0 / std::max(1, std::min(threads, runs));
    total_ = runs * (simulate_unit_ + (writes ? kWriteShare : 0.0));
  }
  // `run` with bounded memory: runs go one at a time, each simulated and written before the
  // next, so a finished run ("run" phase) is one equal share.
  void start_streamed(int runs) {
    runs_ = runs;
    simulate_unit_ = 1.0;
    total_ = runs;
  }
  void run_done(int done) { report("run", done, done); }
  void simulated(int done) { report("simulate", done, done * simulate_unit_); }
  void written(int done) { report("write", done, runs_ * simulate_unit_ + kWriteShare * done); }
  void finish() {
    if (bar_ && shown_)
      std::fprintf(stderr, "\n");
  }

 private:
  void report(const char* phase, int done, double units) {
    if (mode_ == "none" || total_ <= 0)
      return;
    const double fraction = std::clamp(units / total_, 0.0, 1.0);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
    if (mode_ == "json") {
      std::fprintf(stderr,
                   "{\"phase\":\"%s\",\"done_runs\":%d,\"total_runs\":%d,\"fraction\":%.4f,"
                   "\"elapsed_s\":%.2f,\"eta_s\":%.2f}\n",
                   phase, done, runs_, fraction, elapsed, eta);
      return;
    }
    if (bar_) {
      constexpr int kWidth = 30;
      const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
      std::fprintf(stderr, "\r  [%s%s] %3.0f%%  %s %d/%d runs  ETA %.0f s   ",
                   std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(),
                   100 * fraction, phase, done, runs_, eta);
      shown_ = true;
      return;
    }
    const int decile = static_cast<int>(fraction * 10 + 1e-9);
    if (decile > last_decile_) {
      last_decile_ = decile;
      std::fprintf(stderr, "  %d%%  %s %d/%d runs  %.0f s elapsed, ETA %.0f s\n", decile * 10,
                   phase, done, runs_, elapsed, eta);
    }
  }

  std::string mode_;
  bool bar_ = false;
  bool shown_ = false;
  int runs_ = 0;
  double simulate_unit_ = 1;
  double total_ = 0;
  int last_decile_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// The scenario key's range, [0, 2^63): digits only, so "-1" cannot wrap to 2^64 - 1.
std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t seed = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, seed);
  if (text.empty() || error != std::errc() || stop != end ||
      seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw engine::InputError("--seed: expected an integer in [0, 9223372036854775807], got '" +
                             text + "'");
  }
  return seed;
}

// The program's one strategy registry: the loader checks names against it, the runner builds
// the strategies from it.
models::StrategyRegistry builtin_strategy_registry() {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  return registry;
}

models::Scenario load_with_overrides(const std::string& path, const po::variables_map& values,
                                     const models::StrategyRegistry& strategies) {
  // Whole-scenario limits after the last --set: a file too big to run whole can be shrunk.
  models::Scenario scenario = load_scenario(path, strategies, Validation::Deferred);
  for (const auto& assignment : scenario_assignments(values))
    apply_override(scenario, assignment, strategies, Validation::Deferred);
  validate_scenario(scenario, strategies);
  return scenario;
}

}  // namespace

std::vector<std::string> scenario_assignments(const po::variables_map& values) {
  std::vector<std::string> out;
  if (values.count("set") != 0)
    out = values["set"].as<std::vector<std::string>>();
  if (values.count("seed") != 0)
    out.push_back("seed=" + std::to_string(parse_seed(values["seed"].as<std::string>())));
  if (values.count("replications") != 0) {
    const int r = values["replications"].as<int>();
    if (r < 1 || r > 10000)
      throw engine::InputError("--replications: expected 1..10000, got " + std::to_string(r));
    out.push_back("replications=" + std::to_string(r));
  }
  if (values.count("strategies") != 0) {
    // Through the loader's own key, so names are checked like the file's.
    std::string names;
    for (const auto& name : split_list(values["strategies"].as<std::string>())) {
      names += (names.empty() ? "\"" : ", \"") + name + "\"";
    }
    out.push_back("strategies=[" + names + "]");
  }
  return out;
}

void add_scenario_options(po::options_description& options) {
  options.add_options()("scenario", po::value<std::string>()->required(),
                        "scenario file (TOML); also the first positional argument")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key, KEY=VALUE in TOML syntax (repeatable), e.g. --set "
      "genops.retrieval_k=20 "
      "or --set organizations.*.ci_runners=6")("seed", po::value<std::string>(),
                                               "master seed (overrides the scenario's)")(
      "replications", po::value<int>(), "replications per strategy (overrides the scenario's)")(
      "strategies", po::value<std::string>(),
      "comma-separated strategy names (overrides the scenario's)");
}

namespace {

// `run`'s options; false when --help was given (and printed).
bool parse_run_options(const std::vector<std::string>& arguments, po::variables_map& values) {
  po::options_description options("genops-sim run options");
  options.add_options()("help,h", "show this help");
  add_scenario_options(options);
  // clang-format off
  options.add_options()
      ("threads", po::value<int>()->default_value(0),
       "worker threads (0: all cores); results do not depend on it")
      ("json", po::bool_switch(), "print a machine-readable JSON summary on stdout instead of the table")
      ("out", po::value<std::string>(),
       "write every deployment, canary stage, audit entry, AWU and summary to this HDF5 file")
      ("telemetry", po::value<std::string>(),
       "write GenOps v0.1 telemetry (OTLP/JSON lines, one AWU span per line) to this file")
      ("force", po::bool_switch(), "replace existing --out / --telemetry files")
      ("audit-key", po::value<std::string>(),
       "file holding an HMAC key: --out also stores the audit manifest's HMAC-SHA-256")
      ("batch-organizations", po::value<int>()->default_value(0),
       "organizations simulated together before their records are written and freed (0: "
       "batches of as many estimated deployments as max_memory_gib allows); results do not "
       "depend on it. With --telemetry the whole study is held in memory")
      ("quiet", po::bool_switch(), "no progress on stderr")
      ("progress", po::value<std::string>()->default_value("auto"),
       "auto (a bar on a terminal, else one line per 10%), json (one JSON line per run "
       "simulated or written, on stderr) or none; one ETA over simulation and --out");
  // clang-format on
  add_task_options(options, "replications (task I runs I, I+N, ...; needs --out)");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  return parse_command_options(
      "Usage: genops-sim run SCENARIO.toml [options]\n\n"
      "Replays the scenario's traffic through each strategy (same changes, same latent "
      "defects: common\n"
      "random numbers) for every replication, in parallel, and prints the study table.\n"
      "With --task-index I --task-count N (or a Slurm array / Kubernetes Indexed Job / mpirun\n"
      "task, when --out is given) it runs replications I, I+N, ... into --out, where {task}\n"
      "becomes I (without it, study.h5 becomes study.task-I-of-N.h5); `genops-sim merge`\n"
      "joins the tasks' files into the study's. Inside such a job, --task-index 0\n"
      "--task-count 1 runs the whole study.",
      options, positional, arguments, values);
}

// What `run` writes, checked before the study runs, not after it.
struct RunOutputs {
  bool force = false;
  std::string audit_key;  // the --audit-key file's bytes, empty without it
};

RunOutputs check_run_outputs(const po::variables_map& values, const std::string& out) {
  RunOutputs run_outputs;
  run_outputs.force = values["force"].as<bool>();
  std::vector<results::OutputTarget> outputs;
  if (values.count("out") != 0)  // an empty name too: output safety refuses it
    outputs.push_back({"--out", out});
  if (values.count("telemetry") != 0)
    outputs.push_back({"--telemetry", values["telemetry"].as<std::string>()});
  std::vector<std::filesystem::path> inputs = {values["scenario"].as<std::string>()};
  if (values.count("audit-key") != 0) {
    if (values.count("out") == 0)
      throw engine::InputError("--audit-key: needs --out (the key signs the results file)");
    inputs.emplace_back(values["audit-key"].as<std::string>());
    run_outputs.audit_key = read_key_file(values["audit-key"].as<std::string>(), "--audit-key");
  }
  check_command_outputs(outputs, inputs, run_outputs.force);
  return run_outputs;
}

StudyOptions study_options_of(const po::variables_map& values, Progress& progress) {
  const int threads = values["threads"].as<int>();
  if (threads < 0)
    throw engine::InputError("--threads: expected 0 or more, got " + std::to_string(threads));
  StudyOptions options;
  options.threads = threads;
  options.progress = [&progress](int done, int) { progress.simulated(done); };
  return options;
}

// This process's share of the replications: the whole study, or one task of it. Tasks from the
// environment (array jobs, mpirun) apply only with --out: a run without a file to merge is a
// whole study.
TaskShard run_task(const po::variables_map& values, const models::Scenario& scenario,
                   std::vector<int>& replications) {
  const bool explicit_task = values.count("task-index") != 0 || values.count("task-count") != 0;
  if (!explicit_task && values.count("out") == 0)
    return {};
  const TaskShard task = task_shard(values);
  if (task.count > 1 && values.count("out") == 0)
    throw engine::InputError(task.source +
                             ": a task of a study writes its replications to a file for "
                             "`genops-sim merge`; expected --out");
  if (task.count > 1 && values.count("telemetry") != 0)
    throw engine::InputError("--telemetry: expected no telemetry file from a task of a study (" +
                             task.source + "); write it from a whole run");
  if (task.count > static_cast<std::size_t>(scenario.replications))
    throw engine::InputError(task.source + ": task count " + std::to_string(task.count) +
                             " is above the study's " + std::to_string(scenario.replications) +
                             " replications; expected at most one task per replication");
  std::vector<std::size_t> all(static_cast<std::size_t>(scenario.replications));
  for (std::size_t r = 0; r < all.size(); ++r)
    all[r] = r;
  if (task.count > 1) {
    for (const std::size_t r : shard(all, task))
      replications.push_back(static_cast<int>(r));
  }
  return task;
}

// A task's file: {task} in --out becomes the index; else study.h5 becomes study.task-I-of-N.h5.
std::string task_out_path(const std::string& out, const TaskShard& task) {
  if (out.empty() || task.count <= 1)
    return out;
  const std::string index = std::to_string(task.index);
  if (const auto at = out.find("{task}"); at != std::string::npos)
    return out.substr(0, at) + index + out.substr(at + 6);
  std::filesystem::path path(out);
  const std::string extension = path.extension().string();
  path.replace_filename(path.stem().string() + ".task-" + index + "-of-" +
                        std::to_string(task.count) + extension);
  return path.string();
}

// What a task prints instead of the study table (a task has some replications only).
void print_task_summary(const StudyResult& study, const std::string& out, bool json) {
  std::string replications;
  for (const int r : study.replications)
    replications += (replications.empty() ? "" : ",") + std::to_string(r);
  if (json) {
    const nlohmann::ordered_json summary = {{"schema", "genops-sim-run-task"},
                                            {"schema_version", 1},
                                            {"task_index", study.task_index},
                                            {"task_count", study.task_count},
                                            {"replications", study.replications},
                                            {"runs", study.runs.size()},
                                            {"events", study.events},
                                            {"wall_seconds", study.wall_seconds},
                                            {"file", out}};
    std::cout << summary.dump(2) << '\n';
    return;
  }
  std::cout << "task " << study.task_index << " of " << study.task_count << ": replications "
            << replications << " of " << study.scenario.replications << " x "
            << study.scenario.strategies.size() << " strategies (" << study.runs.size() << " runs, "
            << study.events << " events) -> " << out
            << "\nthe study table comes from the merged file: genops-sim merge DIR --out "
               "study.h5, then genops-sim compare study.h5\n";
}

std::string command_line_of(const std::vector<std::string>& arguments) {
  std::string command_line = "genops-sim run";
  for (const auto& a : arguments)
    command_line += " " + a;
  return command_line;
}

}  // namespace

// A whole run, top-down: one named, timed call per step. The step times go into the results
// file's provenance (steps before it is written) and into `--json`.
int command_run(const std::vector<std::string>& arguments) {
  po::variables_map values;
  if (!parse_run_options(arguments, values))
    return kExitOk;
  StepTimer steps;
  const models::StrategyRegistry registry =
      steps.time("register_strategies", [] { return builtin_strategy_registry(); });
  const models::Scenario scenario = steps.time("load_scenario", [&] {
    return load_with_overrides(values["scenario"].as<std::string>(), values, registry);
  });
  std::vector<int> replications;
  const TaskShard task = run_task(values, scenario, replications);
  const std::string out =
      task_out_path(values.count("out") != 0 ? values["out"].as<std::string>() : "", task);
  const RunOutputs outputs = check_run_outputs(values, out);
  Progress progress(values["progress"].as<std::string>(), values["quiet"].as<bool>());
  const int runs =
      static_cast<int>(scenario.strategies.size() *
                       (replications.empty() ? static_cast<std::size_t>(scenario.replications)
                                             : replications.size()));
  const int threads = values["threads"].as<int>() > 0
                          ? values["threads"].as<int>()
                          : std::max(1, tbb::info::default_concurrency());
  const std::string command_line = command_line_of(arguments);
  StudyResult study;
  StudySummaries summaries;
  std::string digest;
  const auto task_of = [&](StudyResult& simulated) {
    simulated.task_index = static_cast<std::uint32_t>(task.index);
    simulated.task_count = static_cast<std::uint32_t>(task.count);
  };
  const int batch_organizations = values["batch-organizations"].as<int>();
  if (batch_organizations < 0) {
    throw engine::InputError(
        "--batch-organizations: expected 0 (as many as max_memory_gib allows) or more, got " +
        std::to_string(batch_organizations));
  }
  if (values.count("telemetry") == 0) {
    // Bounded memory: organizations in batches, written (with --out) and freed as they finish.
    StreamOptions stream;
    // By default batches close on estimated deployments (what max_memory_gib allows), so a
    // batch of small organizations runs many coupled groups side by side.
    stream.batch_organizations = batch_organizations;
    stream.batch_deployments = batch_organizations > 0 ? 0 : deployments_per_batch(scenario);
    std::unique_ptr<RunSink> sink = std::make_unique<DiscardSink>();
    ResultsSink* results = nullptr;
    if (values.count("out") != 0) {
      auto file = std::make_unique<ResultsSink>(
          out, scenario, threads, command_line, outputs.force, outputs.audit_key,
          static_cast<std::uint32_t>(task.index), static_cast<std::uint32_t>(task.count));
      results = file.get();
      sink = std::move(file);
    }
    progress.start_streamed(runs);
    StreamedStudy streamed = steps.time("simulate", [&] {
      StudyOptions options = study_options_of(values, progress);
      options.progress = [&progress](int done, int) { progress.run_done(done); };
      options.replications = replications;
      return stream_study(scenario, registry, options, stream, *sink);
    });
    study = std::move(streamed.study);
    summaries = std::move(streamed.summaries);
    task_of(study);
    if (results != nullptr) {
      digest = steps.time("write_results", [&] { return results->finish(study, steps.times()); });
    }
  } else {
    // The telemetry exporter reads whole runs: the study is held in memory.
    progress.start(runs, threads, values.count("out") != 0);
    study = steps.time("simulate", [&] {
      StudyOptions options = study_options_of(values, progress);
      options.replications = replications;
      return run_study(scenario, registry, options);
    });
    task_of(study);
    summaries = steps.time("summarize", [&] { return summarize_study(study); });
    if (values.count("out") != 0) {
      digest = steps.time("write_results", [&] {
        return write_study_results(out, study, summaries, command_line, steps.times(),
                                   outputs.force, outputs.audit_key,
                                   [&progress](int written) { progress.written(written); });
      });
    }
  }
  warn_in_flight(study, summaries, std::cerr);
  if (values.count("out") != 0) {
    // On stderr (stdout stays the table or the JSON summary); also in the file and in
    // `audit verify`'s output.
    if (!values["quiet"].as<bool>() && task.count > 1)
      std::cerr << "genops-sim run: task " << task.index << " of " << task.count << " (from "
                << task.source << ") wrote " << out
                << "; join the tasks' files with genops-sim merge\n";
    else if (!values["quiet"].as<bool>())
      std::cerr << "genops-sim run: wrote " << out << "; audit manifest sha256 " << digest
                << " (keep it: genops-sim audit verify FILE --expect DIGEST)\n";
  }
  progress.finish();
  if (task.count > 1) {
    // The study table needs every replication: a task prints what it ran.
    print_task_summary(study, out, values["json"].as<bool>());
    return kExitOk;
  }
  if (values.count("telemetry") != 0) {
    steps.time("write_telemetry", [&] {
      write_study_telemetry(values["telemetry"].as<std::string>(), study, outputs.force);
    });
  }
  if (values["json"].as<bool>()) {
    std::cout << run_json(study_json(study, summaries, steps.times()), study.scenario,
                          scenario_assignments(values))
              << '\n';
  } else {
    print_study_table(study, summaries, std::cout);
  }
  return kExitOk;
}

int command_validate(const std::vector<std::string>& arguments) {
  po::options_description options("genops-sim validate options");
  options.add_options()("help,h", "show this help");
  add_scenario_options(options);
  options.add_options()("keys", po::bool_switch(),
                        "print the reference of every scenario key (Markdown) and exit");
  options.add_options()("json", po::bool_switch(), "print the fully resolved scenario as JSON");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map values;
  bool keys = false;
  for (const auto& a : arguments)
    keys = keys || a == "--keys";
  if (keys) {
    std::cout << "| key | type | unit | range | default | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto& k : scenario_keys()) {
      std::cout << "| `" << k.key << "` | " << k.type << " | " << k.unit << " | " << k.range
                << " | `" << k.default_value << "` | " << k.description << " |\n";
    }
    return kExitOk;
  }
  if (!parse_command_options(
          "Usage: genops-sim validate SCENARIO.toml [--set KEY=VALUE ...] [--json]\n\n"
          "Checks a scenario (keys, types, ranges, stage lists, strategy names) without running "
          "it.",
          options, positional, arguments, values)) {
    return kExitOk;
  }
  const models::StrategyRegistry registry = builtin_strategy_registry();
  const models::Scenario scenario =
      load_with_overrides(values["scenario"].as<std::string>(), values, registry);
  if (values["json"].as<bool>()) {
    std::cout << scenario_to_json(scenario) << '\n';
    return kExitOk;
  }
  std::int64_t services = 0;
  for (const auto& o : scenario.organizations)
    services += o.services;
  std::cout << scenario.source << ": ok (" << scenario.organizations.size() << " organizations, "
            << services << " services, ";
  if (!scenario.ci_fleets.empty()) {
    std::cout << scenario.ci_fleets.size() << " shared CI fleet(s), lookahead "
              << models::fleet_lookahead(scenario).to_seconds() << " s, ";
  }
  std::cout << scenario.duration_days << " days";
  if (scenario.warmup_days > 0)
    std::cout << " after a " << scenario.warmup_days << "-day warm-up";
  std::cout << ", strategies";
  for (const auto& s : scenario.strategies)
    std::cout << ' ' << s;
  const double batch = deployments_per_batch(scenario);
  std::printf(
      "; about %.0f deployments per run, %.2f GiB estimated for %d replication(s) with batches "
      "of up to %.0f deployments)\n",
      estimated_deployments(scenario),
      estimated_memory_bytes(scenario, 0, batch) / (1024.0 * 1024.0 * 1024.0),
      scenario.replications, batch);
  return kExitOk;
}

namespace {

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"run", {"run a scenario through its strategies and print the study table", command_run}},
      {"validate",
       {"check a scenario file without running it (--keys: key reference)", command_validate}},
      {"compare",
       {"the paper's comparison table from a results file (CIs, p-values, effect sizes)",
        command_compare}},
      {"report", {"a self-contained HTML report with plots from a results file", command_report}},
      {"export",
       {"a long CSV of every deployment (R, Excel, DuckDB) from results files", command_export}},
      {"merge",
       {"join the results files of a study's tasks (run --task-index) into one file",
        command_merge}},
      {"audit",
       {"audit verify results.h5: recompute every audit trail's hash chain", command_audit}},
      {"sweep",
       {"parameter studies from a [sweep] table: sweep plan|run|status SCENARIO.toml, sweep table "
        "DIR",
        command_sweep}},
      {"conformance",
       {"check GenOps v0.1 telemetry (OTLP/JSON lines) from any runtime against the spec",
        command_conformance}},
  };
  return table;
}

void print_usage() {
  std::cout << "Usage: genops-sim COMMAND [options]   (genops-sim COMMAND --help for details)\n\n"
               "genops-sim replays months of deployment traffic through CI/CD pipeline strategies\n"
               "(baseline vs GenOps and its ablations) with a parallel discrete-event "
               "engine.\n\nCommands:\n";
  for (const auto& [name, command] : commands()) {
    std::printf("  %-12s %s\n", name.c_str(), command.summary.c_str());
  }
  std::cout << "\nExit codes: 0 ok, 1 run or check failed, 2 bad input.\n";
}

}  // namespace

int run_cli(const std::vector<std::string>& arguments) {
  if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h" ||
      arguments[0] == "help") {
    print_usage();
    return arguments.empty() ? kExitBadInput : kExitOk;
  }
  if (arguments[0] == "--version" || arguments[0] == "version") {
    std::cout << version_text() << '\n';
    return kExitOk;
  }
  const auto it = commands().find(arguments[0]);
  if (it == commands().end()) {
    std::string valid;
    for (const auto& [name, command] : commands())
      valid += (valid.empty() ? "" : ", ") + name;
    std::cerr << "genops-sim: unknown command '" << arguments[0] << "'; valid: " << valid << '\n';
    return kExitBadInput;
  }
  try {
    return it->second.run(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
  } catch (const engine::InputError& error) {
    std::cerr << "genops-sim " << arguments[0]
              << ": error: " << engine::printable_text(error.what()) << '\n';
    return kExitBadInput;
  } catch (const po::error& error) {
    std::cerr << "genops-sim " << arguments[0]
              << ": error: " << engine::printable_text(error.what()) << " (see --help)\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "genops-sim " << arguments[0]
              << ": run failed: out of memory (see max_memory_gib in scenarios/README.md)\n";
    return kExitFailed;
  } catch (const std::exception& error) {
    std::cerr << "genops-sim " << arguments[0]
              << ": run failed: " << engine::printable_text(error.what()) << '\n';
    return kExitFailed;
  }
}

}  // namespace genops::scenarios
