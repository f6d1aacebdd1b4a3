// hdf5_bench: writing and reading results tables.
//   BM_WriteDeploymentTable/<rows>/<gzip>/<threads>
//                                          a 20-column deployment-like table (mixed u8..f64,
//                                          realistic value distributions) pushed row by row
//                                          through ColumnTableWriter, then finished and closed;
//                                          gzip 1 = the default (gzip level 1 + shuffle), 0 = raw;
//                                          threads = oneTBB arena size for chunk compression.
//   BM_ReadColumnAsDouble/<rows>           reads one f32 column back as double.
// Counters: rows_per_second (table rows per wall second) and bytes_per_second (raw column bytes).

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <tbb/task_arena.h>

#include "engine/random.hpp"
#include "results/column_table.hpp"
#include "results/hdf5_file.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

// Column-wise synthetic deployments, generated once outside the timed loop.
struct Deployments {
  std::vector<std::uint64_t> deployment_id;
  std::vector<std::uint8_t> organization;
  std::vector<std::uint16_t> service;
  std::vector<double> arrival_time_s;
  std::vector<double> start_time_s;
  std::vector<double> end_time_s;
  std::vector<float> cycle_time_min;
  std::vector<float> queue_wait_min;
  std::vector<std::uint8_t> outcome;
  std::vector<float> risk_score;
  std::vector<std::uint8_t> risk_level;
  std::vector<std::uint8_t> decision;
  std::vector<std::uint8_t> canary_stage_reached;
  std::vector<std::uint8_t> approvals_waited;
  std::vector<std::uint8_t> rework_loops;
  std::vector<std::uint8_t> incident;
  std::vector<float> error_budget_burned;
  std::vector<std::uint32_t> change_lines;
  std::vector<std::uint32_t> tests_run;
  std::vector<float> review_min;

  static constexpr std::size_t kColumns = 20;
  static constexpr std::size_t kRowBytes =
      8 + 1 + 2 + 3 * 8 + 4 + 4 + 1 + 4 + 6 * 1 + 4 + 4 + 4 + 4;
};

Deployments generate(std::size_t rows) {
  engine::RngStream rng(engine::StreamKey{.master_seed = 2024, .purpose = 7});
  Deployments data;
  double clock_s = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    clock_s += engine::exponential(rng, 60.0);
    const double wait_s = engine::exponential(rng, 300.0);
    const double cycle_min = engine::lognormal_median(rng, 45.0, 0.8);
    const double risk = engine::uniform01(rng);
    data.deployment_id.push_back(row);
    data.organization.push_back(static_cast<std::uint8_t>(engine::uniform_below(rng, 5)));
    data.service.push_back(static_cast<std::uint16_t>(engine::uniform_below(rng, 300)));
    data.arrival_time_s.push_back(clock_s);
    data.start_time_s.push_back(clock_s + wait_s);
    data.end_time_s.push_back(clock_s + wait_s + cycle_min * 60.0);
    data.cycle_time_min.push_back(static_cast<float>(cycle_min));
    data.queue_wait_min.push_back(static_cast<float>(wait_s / 60.0));
    data.outcome.push_back(engine::bernoulli(rng, 0.9)
                               ? 0
                               : static_cast<std::uint8_t>(1 + engine::uniform_below(rng, 2)));
    data.risk_score.push_back(static_cast<float>(risk));
    data.risk_level.push_back(static_cast<std::uint8_t>(risk * 4));
    data.decision.push_back(static_cast<std::uint8_t>(engine::uniform_below(rng, 3)));
    data.canary_stage_reached.push_back(static_cast<std::uint8_t>(engine::uniform_below(rng, 5)));
    data.approvals_waited.push_back(static_cast<std::uint8_t>(engine::poisson(rng, 0.5)));
    data.rework_loops.push_back(static_cast<std::uint8_t>(engine::poisson(rng, 0.2)));
    data.incident.push_back(engine::bernoulli(rng, 0.02) ? 1 : 0);
    data.error_budget_burned.push_back(static_cast<float>(engine::exponential(rng, 0.01)));
    data.change_lines.push_back(static_cast<std::uint32_t>(engine::lognormal_median(rng, 80, 1.2)));
    data.tests_run.push_back(static_cast<std::uint32_t>(200 + engine::uniform_below(rng, 2000)));
    data.review_min.push_back(static_cast<float>(engine::exponential(rng, 20.0)));
  }
  return data;
}

fs::path bench_file(const std::string& name) {
  return fs::temp_directory_path() /
         ("genops_hdf5_bench_" + std::to_string(::getpid()) + "_" + name + ".h5");
}

void write_table(const fs::path& path, const Deployments& data, unsigned gzip_level) {
  File file = File::create(path);
  ColumnTableWriter table(file, "deployments", "deployment", kDefaultChunkRows, gzip_level,
                          gzip_level > 0);
  auto deployment_id = table.add_column<std::uint64_t>("deployment_id", "1");
  auto organization = table.add_column<std::uint8_t>("organization", "1");
  auto service = table.add_column<std::uint16_t>("service", "1");
  auto arrival = table.add_column<double>("arrival_time_s", "s");
  auto start = table.add_column<double>("start_time_s", "s");
  auto end = table.add_column<double>("end_time_s", "s");
  auto cycle = table.add_column<float>("cycle_time_min", "min", "deployment cycle time");
  auto wait = table.add_column<float>("queue_wait_min", "min");
  auto outcome =
      table.add_categorical_column<std::uint8_t>("outcome", {"success", "failed", "rolled_back"});
  auto risk = table.add_column<float>("risk_score", "1");
  auto level = table.add_categorical_column<std::uint8_t>("risk_level",
                                                          {"low", "medium", "high", "critical"});
  auto decision =
      table.add_categorical_column<std::uint8_t>("decision", {"approve", "review", "block"});
  auto stage = table.add_column<std::uint8_t>("canary_stage_reached", "1");
  auto approvals = table.add_column<std::uint8_t>("approvals_waited", "1");
  auto rework = table.add_column<std::uint8_t>("rework_loops", "1");
  auto incident = table.add_column<std::uint8_t>("incident", "1");
  auto budget = table.add_column<float>("error_budget_burned", "1");
  auto lines = table.add_column<std::uint32_t>("change_lines", "1");
  auto tests = table.add_column<std::uint32_t>("tests_run", "1");
  auto review = table.add_column<float>("review_min", "min");
  const std::size_t rows = data.deployment_id.size();
  for (std::size_t row = 0; row < rows; ++row) {
    deployment_id.push(data.deployment_id[row]);
    organization.push(data.organization[row]);
    service.push(data.service[row]);
    arrival.push(data.arrival_time_s[row]);
    start.push(data.start_time_s[row]);
    end.push(data.end_time_s[row]);
    cycle.push(data.cycle_time_min[row]);
    wait.push(data.queue_wait_min[row]);
    outcome.push(data.outcome[row]);
    risk.push(data.risk_score[row]);
    level.push(data.risk_level[row]);
    decision.push(data.decision[row]);
    stage.push(data.canary_stage_reached[row]);
    approvals.push(data.approvals_waited[row]);
    rework.push(data.rework_loops[row]);
    incident.push(data.incident[row]);
    budget.push(data.error_budget_burned[row]);
    lines.push(data.change_lines[row]);
    tests.push(data.tests_run[row]);
    review.push(data.review_min[row]);
  }
  table.finish();
  file.close();
}

void BM_WriteDeploymentTable(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto gzip_level = static_cast<unsigned>(state.range(1));
  tbb::task_arena arena(static_cast<int>(state.range(2)));
  const Deployments data = generate(rows);  // outside the timed loop
  const fs::path path = bench_file("write");
  for (auto _ : state) {
    arena.execute([&] { write_table(path, data, gzip_level); });
  }
  const auto total_rows = static_cast<double>(state.iterations() * rows);
  state.counters["rows_per_second"] = benchmark::Counter(total_rows, benchmark::Counter::kIsRate);
  state.counters["bytes_per_second"] =
      benchmark::Counter(total_rows * Deployments::kRowBytes, benchmark::Counter::kIsRate,
                         benchmark::Counter::kIs1024);
  state.counters["file_MiB"] = static_cast<double>(fs::file_size(path)) / (1024.0 * 1024.0);
  fs::remove(path);
}
BENCHMARK(BM_WriteDeploymentTable)
    ->ArgsProduct({{1 << 20}, {1, 0}, {1, 2}})
    ->ArgNames({"rows", "gzip", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ReadColumnAsDouble(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const fs::path path = bench_file("read");
  write_table(path, generate(rows), 1);
  const File file = File::open(path);
  const ColumnTableReader table(file, "deployments");
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.read_as_double("cycle_time_min").data());
  }
  state.counters["rows_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * rows), benchmark::Counter::kIsRate);
  fs::remove(path);
}
BENCHMARK(BM_ReadColumnAsDouble)
    ->Arg(1 << 20)
    ->ArgName("rows")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace genops::results

BENCHMARK_MAIN();
