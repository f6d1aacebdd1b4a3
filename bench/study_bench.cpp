// End-to-end: one replication of baseline and genops on the whole study (scenarios/paper.toml),
// on one thread. Counters: events_per_second, deployments_per_second.
#include <benchmark/benchmark.h>

#include <string>

#include "models/strategy.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

using genops::scenarios::run_once;

void BM_StudyReplication(benchmark::State& state) {
  const auto scenario =
      genops::scenarios::load_scenario(std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml");
  genops::models::StrategyRegistry registry;
  genops::models::register_builtin_strategies(registry);
  const auto baseline = registry.create("baseline", scenario);
  const auto genops = registry.create("genops", scenario);
  std::uint64_t events = 0;
  std::uint64_t deployments = 0;
  int replication = 0;
  for (auto _ : state) {
    // run_once uses the calling thread's arena: one thread unless the caller made one.
    for (const auto* strategy : {baseline.get(), genops.get()}) {
      const auto result = run_once(scenario, *strategy, replication);
      events += result.engine.events;
      for (const auto& o : result.organizations)
        deployments += o.deployments.size();
    }
    ++replication;
  }
  state.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["deployments_per_second"] =
      benchmark::Counter(static_cast<double>(deployments), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StudyReplication)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
