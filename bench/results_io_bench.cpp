// results_io_bench: writing and reading a paper-sized study through results/results_io.
//   BM_WriteStudyDeployments/<replications>/<gzip>  only the deployments tables (plus the one-row
//                                            summaries): 2 strategies x replications runs of
//                                            the real paper scenario's records (~15k per run)
//   BM_WriteStudyFull/<replications>/<gzip>  every table (canary stages, audit, resources, ...)
//   BM_WriteDeploymentTable/<rows>/<gzip>    one run with a `rows`-row deployments table
//   BM_ReadStudy/<replications>              read_study of the full file (all tables)
// Records come from one real replication of scenarios/paper.toml per strategy, simulated once
// outside the timed loop and written `replications` times (the writer does not care).
// gzip 1 = the layout's default (gzip level 1 + shuffle), 0 = raw chunks.
// Counter: deployment_rows_per_second (deployment rows per wall second).

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "models/strategy.hpp"
#include "results/results_io.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

const scenarios::StudyResult& paper_study() {
  static const scenarios::StudyResult study = [] {
    models::StrategyRegistry registry;
    models::register_builtin_strategies(registry);
    models::Scenario scenario = scenarios::load_scenario(
        std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml", registry);
    scenario.replications = 1;
    return scenarios::run_study(scenario, registry, {0, {}});
  }();
  return study;
}

fs::path bench_file(const std::string& name) {
  return fs::temp_directory_path() /
         ("genops_results_io_bench_" + std::to_string(::getpid()) + "_" + name + ".h5");
}

StudyProvenance provenance_of(const scenarios::StudyResult& study, std::uint32_t replications) {
  StudyProvenance provenance;
  provenance.scenario = study.scenario.name;
  provenance.config_json = scenarios::scenario_to_json(study.scenario);
  provenance.start_date = study.scenario.start_date;
  provenance.master_seed = study.scenario.seed;
  provenance.replications = replications;
  provenance.strategies = study.scenario.strategies;
  for (const auto& organization : study.scenario.organizations) {
    provenance.organizations.push_back({organization.name,
                                        static_cast<std::uint16_t>(organization.services),
                                        static_cast<std::uint16_t>(organization.ci_runners),
                                        static_cast<std::uint16_t>(organization.reviewers.count)});
  }
  return provenance;
}

// Views of the study's runs, each repeated as replications 0..replications-1.
std::vector<RunView> views_of(const scenarios::StudyResult& study, std::uint32_t replications,
                              bool full, std::uint64_t& deployment_rows) {
  std::vector<RunView> views;
  deployment_rows = 0;
  for (const scenarios::RunResult& run : study.runs) {
    for (std::uint32_t r = 0; r < replications; ++r) {
      RunView view;
      view.strategy = run.strategy;
      view.replication = r;
      view.seed = run.seed;
      for (const auto& output : run.organizations) {
        OrganizationRecords records;
        records.deployments = output.deployments;
        if (full) {
          records.stages = output.stages;
          records.audit = output.audit;
          records.samples = output.samples;
        }
        view.organizations.push_back(records);
        deployment_rows += output.deployments.size();
      }
      if (full) {
        view.violations = run.violations;
      }
      view.summary = scenarios::replication_summary(run);
      views.push_back(std::move(view));
    }
  }
  return views;
}

void write_benchmark(benchmark::State& state, bool full) {
  const auto replications = static_cast<std::uint32_t>(state.range(0));
  const WriteOptions options{static_cast<unsigned>(state.range(1)), state.range(1) > 0};
  const scenarios::StudyResult& study = paper_study();
  std::uint64_t rows = 0;
  const std::vector<RunView> views = views_of(study, replications, full, rows);
  const StudyProvenance provenance = provenance_of(study, replications);
  const fs::path path = bench_file(full ? "full" : "deployments");
  for (auto _ : state) {
    write_study(path, provenance, views, options);
  }
  state.counters["deployment_rows_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * rows), benchmark::Counter::kIsRate);
  state.counters["deployment_rows"] = static_cast<double>(rows);
  state.counters["file_MiB"] = static_cast<double>(fs::file_size(path)) / (1024.0 * 1024.0);
  fs::remove(path);
}

void BM_WriteStudyDeployments(benchmark::State& state) {
  write_benchmark(state, false);
}
BENCHMARK(BM_WriteStudyDeployments)
    ->ArgsProduct({{10}, {1, 0}})
    ->ArgNames({"replications", "gzip"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_WriteStudyFull(benchmark::State& state) {
  write_benchmark(state, true);
}
BENCHMARK(BM_WriteStudyFull)
    ->ArgsProduct({{10}, {1, 0}})
    ->ArgNames({"replications", "gzip"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One run whose deployments table holds `rows` rows (the paper's records tiled): the streaming
// throughput of the deployments table once per-run costs (creating ~110 datasets) are amortised.
void BM_WriteDeploymentTable(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const WriteOptions options{static_cast<unsigned>(state.range(1)), state.range(1) > 0};
  const scenarios::StudyResult& study = paper_study();
  const std::vector<models::DeploymentRecord> source = study.runs.front().deployments();
  std::vector<models::DeploymentRecord> records;
  records.reserve(rows);
  for (std::size_t row = 0; row < rows; ++row) {
    records.push_back(source[row % source.size()]);
    records.back().id = row;
  }
  StudyProvenance provenance = provenance_of(study, 1);
  provenance.strategies = {study.runs.front().strategy};
  RunView view;
  view.strategy = study.runs.front().strategy;
  view.organizations.resize(provenance.organizations.size());
  view.organizations.front().deployments = records;
  view.summary = scenarios::replication_summary(study.runs.front());
  const std::vector<RunView> views = {view};
  const fs::path path = bench_file("table");
  for (auto _ : state) {
    write_study(path, provenance, views, options);
  }
  state.counters["deployment_rows_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * rows), benchmark::Counter::kIsRate);
  state.counters["file_MiB"] = static_cast<double>(fs::file_size(path)) / (1024.0 * 1024.0);
  fs::remove(path);
}
BENCHMARK(BM_WriteDeploymentTable)
    ->ArgsProduct({{1 << 20}, {1, 0}})
    ->ArgNames({"rows", "gzip"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ReadStudy(benchmark::State& state) {
  const auto replications = static_cast<std::uint32_t>(state.range(0));
  const scenarios::StudyResult& study = paper_study();
  std::uint64_t rows = 0;
  const fs::path path = bench_file("read");
  write_study(path, provenance_of(study, replications), views_of(study, replications, true, rows));
  for (auto _ : state) {
    benchmark::DoNotOptimize(read_study(path).runs.data());
  }
  state.counters["deployment_rows_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * rows), benchmark::Counter::kIsRate);
  fs::remove(path);
}
BENCHMARK(BM_ReadStudy)
    ->Arg(10)
    ->ArgName("replications")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace genops::results

BENCHMARK_MAIN();
