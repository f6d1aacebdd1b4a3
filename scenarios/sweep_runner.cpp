#include "scenarios/sweep_runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <thread>

#include <malloc.h>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "engine/error.hpp"
#include "results/output_file.hpp"
#include "results/results_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/results_output.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep_table.hpp"

namespace genops::scenarios {

namespace {

using Clock = std::chrono::steady_clock;

// What a run costs, up to a constant: its expected arrivals (services x rate x days).
double expected_deployments(const models::Scenario& scenario) {
  double total = 0;
  for (const auto& organization : scenario.organizations) {
    total += organization.services * organization.deploys_per_service_per_day;
  }
  return std::max(1.0, total * scenario.duration_days);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One run travelling through the pipeline: made in plan order, simulated in parallel, written
// in plan order.
struct Job {
  std::size_t position = 0;  // index into options.points
  std::size_t point = 0;
  std::size_t run_number = 0;
  std::size_t strategy = 0;
  int replication = 0;
  bool last_of_point = false;
  std::optional<RunResult> result;
  std::string error;
};

// The point file being written by the (serial) output stage.
struct OpenPoint {
  std::size_t position = 0;
  std::unique_ptr<results::StudyResultsWriter> writer;
  Clock::time_point started;
  std::uint64_t events = 0;
  bool failed = false;
  std::vector<double> sums;  // per strategy x metric, over the replications written
};

std::string factors_json(const SweepPlan& plan, std::size_t point) {
  std::string out = "{";
  for (std::size_t f = 0; f < plan.factors.size(); ++f) {
    // Factor names are identifiers, so they need no escaping.
    out += (f == 0 ? "\"" : ",\"") + plan.factors[f].name +
           "\":" + factor_value_json(plan.factors[f], plan.points[point].levels[f]);
  }
  return out + "}";
}

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : "\n") + item;
  return out;
}

// DIR/sweep.json. A directory holding another plan is refused without --force (its files
// belong to another study); the same plan is left as it is.
void write_plan_file(const SweepPlan& plan, const SweepRunOptions& options) {
  const std::filesystem::path path = sweep_plan_file(options.out_dir);
  const std::string text = sweep_plan_json(plan, {}) + "\n";
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    std::ifstream in(path, std::ios::binary);
    const std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (old == text)
      return;
    if (!options.force)
      throw engine::InputError("--out " + options.out_dir.string() +
                               ": sweep.json holds another plan (another scenario, --set or "
                               "filterless change); add --force to re-run stale points there");
  }
  try {
    results::OutputFile out(results::OutputTarget{"--out", path}, true);
    out.write(text);
    out.commit();
  } catch (const results::OutputError& failure) {
    throw engine::InputError(failure.what());
  }
}

void write_failure(const std::filesystem::path& path, const std::string& message) {
  std::ofstream out(path, std::ios::trunc);
  out << message << '\n';
}

}  // namespace

std::filesystem::path sweep_plan_file(const std::filesystem::path& dir) {
  return dir / "sweep.json";
}

std::filesystem::path sweep_point_file(const std::filesystem::path& dir, std::size_t point) {
  char name[32];
  std::snprintf(name, sizeof(name), "point-%04zu.h5", point);
  return dir / name;
}

std::filesystem::path sweep_failure_file(const std::filesystem::path& dir, std::size_t point) {
  char name[32];
  std::snprintf(name, sizeof(name), "point-%04zu.failed", point);
  return dir / name;
}

const char* point_state_name(PointState state) {
  switch (state) {
    case PointState::Done:
      return "done";
    case PointState::Stale:
      return "stale";
    case PointState::Damaged:
      return "damaged";
    case PointState::Failed:
      return "failed";
    case PointState::Partial:
      return "partial";
    case PointState::Missing:
      return "missing";
  }
  return "missing";
}

PointState sweep_point_state(const SweepPlan& plan, std::size_t point,
                             const std::filesystem::path& dir, std::string* detail) {
  const std::filesystem::path file = sweep_point_file(dir, point);
  std::error_code error;
  if (std::filesystem::is_regular_file(file, error)) {
    try {
      const results::ResultsReader reader(file);
      const std::string hash = reader.file().read_string_attribute("config_sha256");
      if (hash == plan.points[point].config_sha256)
        return PointState::Done;
      if (detail != nullptr)
        *detail =
            "config_sha256 " + hash + " is not this point's " + plan.points[point].config_sha256;
      return PointState::Stale;
    } catch (const std::exception& failure) {
      if (detail != nullptr)
        *detail = failure.what();
      return PointState::Damaged;
    }
  }
  const std::filesystem::path failed = sweep_failure_file(dir, point);
  if (std::filesystem::exists(failed, error)) {
    if (detail != nullptr) {
      std::ifstream in(failed);
      std::getline(in, *detail);
    }
    return PointState::Failed;
  }
  // Partials are uniquely named (`<file>.<pid>-<random>.partial`): any one left by a killed run.
  for (std::filesystem::directory_iterator entry(dir, error), end; !error && entry != end;
       entry.increment(error)) {
    if (results::is_partial_of(entry->path(), file))
      return PointState::Partial;
  }
  return PointState::Missing;
}

namespace {

// The writer of a point's file: `run --out`'s provenance plus the point's identity.
std::unique_ptr<results::StudyResultsWriter> open_point_file(const SweepPlan& plan,
                                                             std::size_t index,
                                                             const SweepRunOptions& options,
                                                             int threads) {
  const SweepPoint& point = plan.points[index];
  results::StudyProvenance provenance =
      results_provenance(point.scenario, threads, options.command_line);
  provenance.attributes = {{"sweep_source", plan.source},
                           {"sweep_point", std::to_string(point.index)},
                           {"sweep_factors", factors_json(plan, point.index)},
                           {"sweep_overrides", join_lines(point.overrides)}};
  results::WriteOptions write;
  write.output = results::OutputOptions{"--out", options.force};
  return std::make_unique<results::StudyResultsWriter>(
      sweep_point_file(options.out_dir, point.index), provenance, write);
}

// Resume: points already done are reported and not run again; stale or damaged files are
// replaced only with --force (else the point fails here). Returns the positions to run.
std::vector<std::size_t> points_to_run(const SweepPlan& plan, const SweepRunOptions& options,
                                       SweepRunReport& report) {
  std::vector<std::size_t> to_run;  // positions into options.points
  for (std::size_t position = 0; position < options.points.size(); ++position) {
    PointOutcome outcome;
    outcome.point = options.points[position];
    std::string detail;
    const PointState state = sweep_point_state(plan, outcome.point, options.out_dir, &detail);
    if (state == PointState::Done) {
      outcome.state = PointState::Done;
      outcome.skipped = true;
    } else if ((state == PointState::Stale || state == PointState::Damaged) && !options.force) {
      outcome.state = PointState::Failed;
      outcome.error = sweep_point_file(options.out_dir, outcome.point).string() + " is " +
                      point_state_name(state) + " (" + detail +
                      "); not replaced: add --force to run the point again";
      ++report.points_failed;
      if (options.log)
        options.log("point " + std::to_string(outcome.point) + " (" +
                    plan.point_label(outcome.point) + "): " + outcome.error);
    } else {
      to_run.push_back(position);
    }
    report.points.push_back(outcome);
  }
  return to_run;
}

}  // namespace

SweepRunReport run_sweep(const SweepPlan& plan, const models::StrategyRegistry& registry,
                         const SweepRunOptions& options) {
  const auto started = Clock::now();
  SweepRunReport report;
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    throw engine::InputError("--out " + options.out_dir.string() +
                             ": cannot create the directory: " + error.message());
  }
  write_plan_file(plan, options);
  const std::vector<std::size_t> to_run = points_to_run(plan, options, report);
  // Strategies are built per point: their configuration comes from the point's scenario.
  std::vector<std::vector<std::unique_ptr<models::Strategy>>> strategies(options.points.size());
  for (const std::size_t position : to_run) {
    const models::Scenario& scenario = plan.points[options.points[position]].scenario;
    for (const auto& name : scenario.strategies)
      strategies[position].push_back(registry.create(name, scenario));
  }
  const std::size_t per_point = plan.runs_per_point();
  const std::size_t total_runs = to_run.size() * per_point;
  double total_cost = 0;
  for (const std::size_t position : to_run)
    total_cost += expected_deployments(plan.points[options.points[position]].scenario) *
                  static_cast<double>(per_point);
  double done_cost = 0;
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  // Set by the output stage when a point fails, read by the other stages to skip its runs.
  std::vector<std::atomic<bool>> point_failed(options.points.size());
  std::size_t next = 0;  // the next run, counted over to_run x per_point
  std::size_t written = 0;
  OpenPoint open;
  const auto finish_failed = [&](OpenPoint& point, const std::string& message) {
    const std::size_t index = options.points[point.position];
    point.writer.reset();  // the unfinished writer removes its own partial
    write_failure(sweep_failure_file(options.out_dir, index), message);
    point.failed = true;
    point_failed[point.position].store(true);
    PointOutcome& outcome = report.points[point.position];
    outcome.state = PointState::Failed;
    outcome.error = message;
    outcome.wall_seconds = seconds_since(point.started);
    ++report.points_failed;
    if (options.log)
      options.log("point " + std::to_string(index) + " (" + plan.point_label(index) +
                  "): failed: " + message);
  };
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        // One token per thread: at most `threads` runs exist at once (simulating, or done and
        // waiting for an earlier run to be written), which bounds memory by the threads.
        static_cast<std::size_t>(threads),
        tbb::make_filter<void, std::shared_ptr<Job>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& control) -> std::shared_ptr<Job> {
              if (next == total_runs) {
                control.stop();
                return nullptr;
              }
              auto job = std::make_shared<Job>();
              job->position = to_run[next / per_point];
              job->point = options.points[job->position];
              job->run_number = job->point * per_point + next % per_point;
              const SweepRun run = plan.run(job->run_number);
              job->strategy = run.strategy;
              job->replication = run.replication;
              job->last_of_point = next % per_point == per_point - 1;
              ++next;
              return job;
            }) &
            tbb::make_filter<std::shared_ptr<Job>, std::shared_ptr<Job>>(
                tbb::filter_mode::parallel,
                [&](std::shared_ptr<Job> job) {
                  if (point_failed[job->position].load())
                    return job;
                  try {
                    job->result =
                        run_once(plan.points[job->point].scenario,
                                 *strategies[job->position][job->strategy], job->replication);
                  } catch (const std::exception& failure) {
                    job->error =
                        "run " + plan.run_id(plan.run(job->run_number)) + ": " + failure.what();
                  }
                  return job;
                }) &
            tbb::make_filter<std::shared_ptr<Job>, void>(
                tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Job> job) {
                  if (!open.writer && !open.failed) {
                    // The first run of a point opens its file.
                    open = OpenPoint{};
                    open.position = job->position;
                    open.started = Clock::now();
                    try {
                      open.writer = open_point_file(plan, job->point, options, threads);
                    } catch (const std::exception& failure) {
                      finish_failed(open, failure.what());
                    }
                  }
                  if (!open.failed) {
                    if (!job->error.empty()) {
                      finish_failed(open, job->error);
                    } else {
                      try {
                        open.events += job->result->engine.events;
                        const models::StrategySummary summary = replication_summary(*job->result);
                        open.writer->write_run(results_view(*job->result, summary));
                        const std::size_t metrics = sweep_metrics().size();
                        open.sums.resize(plan.strategies.size() * metrics, 0.0);
                        for (std::size_t m = 0; m < metrics; ++m)
                          open.sums[job->strategy * metrics + m] += sweep_metric_value(summary, m);
                      } catch (const std::exception& failure) {
                        finish_failed(open, failure.what());
                      }
                    }
                  }
                  job->result.reset();  // the run leaves memory here
                  // ...and the process: glibc keeps a freed run's pages in the arena of the
                  // worker that built it, where the next run (on another worker) cannot reuse
                  // them; returning them bounds RSS by the runs in flight.
                  malloc_trim(0);
                  ++report.runs_executed;
                  done_cost += expected_deployments(plan.points[job->point].scenario);
                  if (options.progress)
                    options.progress(++written, total_runs, done_cost / total_cost);
                  if (!job->last_of_point)
                    return;
                  if (!open.failed) {
                    try {
                      open.writer->record_totals(seconds_since(open.started), open.events);
                      open.writer->finalize();
                      open.writer.reset();
                      const std::size_t index = options.points[open.position];
                      std::filesystem::remove(sweep_failure_file(options.out_dir, index), error);
                      PointOutcome& outcome = report.points[open.position];
                      outcome.state = PointState::Done;
                      outcome.wall_seconds = seconds_since(open.started);
                      for (const double sum : open.sums)
                        outcome.means.push_back(sum / plan.replications);
                      if (options.log) {
                        char seconds[32];
                        std::snprintf(seconds, sizeof(seconds), "%.1f", outcome.wall_seconds);
                        options.log("point " + std::to_string(index) + " (" +
                                    plan.point_label(index) + "): done in " + seconds + " s -> " +
                                    sweep_point_file(options.out_dir, index).string());
                      }
                    } catch (const std::exception& failure) {
                      finish_failed(open, failure.what());
                    }
                  }
                  open = OpenPoint{};
                }));
  });
  report.wall_seconds = seconds_since(started);
  return report;
}

}  // namespace genops::scenarios
