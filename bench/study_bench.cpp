// End-to-end: one replication of baseline and genops on the whole study (scenarios/paper.toml),
// on one thread. Counters: events_per_second, deployments_per_second.
#include <benchmark/benchmark.h>

#include <sstream>
#include <string>
#include <vector>

#include "models/calendar.hpp"
#include "models/strategy.hpp"
#include "results/awu_export.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "telemetry/otlp_json.hpp"

namespace {

using genops::scenarios::run_once;

void BM_StudyReplication(benchmark::State& state) {
  genops::models::StrategyRegistry registry;
  genops::models::register_builtin_strategies(registry);
  const auto scenario = genops::scenarios::load_scenario(
      std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml", registry);
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

// One replication of genops, with (arg 1) or without (arg 0) GenOps telemetry: every AWU
// serialised to OTLP/JSON lines in memory (no disk) by write_awus_otlp, the fast path that
// writes the bytes of export_awus + OtlpJsonLinesWriter.
void BM_GenopsTelemetry(benchmark::State& state) {
  const bool telemetry = state.range(0) != 0;
  genops::models::StrategyRegistry registry;
  genops::models::register_builtin_strategies(registry);
  const auto scenario = genops::scenarios::load_scenario(
      std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml", registry);
  const auto genops = registry.create("genops", scenario);
  std::uint64_t spans = 0;
  std::uint64_t bytes = 0;
  std::string text;  // reused: in-memory output, as write_study_telemetry buffers it
  for (auto _ : state) {
    const auto result = run_once(scenario, *genops, 0);
    if (!telemetry)
      continue;
    for (std::size_t o = 0; o < result.organizations.size(); ++o) {
      const auto& output = result.organizations[o];
      genops::results::AwuExportContext context;
      context.team = scenario.organizations[o].team;
      context.project = scenario.project;
      context.environment = scenario.environment;
      context.organization = scenario.organizations[o].name;
      context.service_names = output.service_names;
      context.start_day = genops::models::days_from_iso_date(scenario.start_date);
      context.utc_offset_hours = scenario.organizations[o].utc_offset_hours;
      text.clear();
      spans += genops::results::write_awus_otlp(text, output.awus, output.stages, context,
                                                genops::results::telemetry_resource(context));
      bytes += text.size();
      benchmark::DoNotOptimize(text.data());
    }
  }
  state.counters["spans_per_second"] =
      benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsRate);
  state.counters["bytes_per_span"] =
      spans > 0 ? static_cast<double>(bytes) / static_cast<double>(spans) : 0.0;
}
BENCHMARK(BM_GenopsTelemetry)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The export alone, on the AWUs of one genops replication of the study: the reference path
// (arg 0: export_awus + OtlpJsonLinesWriter) against the fast serialiser (arg 1).
void BM_AwuExport(benchmark::State& state) {
  const bool fast = state.range(0) != 0;
  genops::models::StrategyRegistry registry;
  genops::models::register_builtin_strategies(registry);
  const auto scenario = genops::scenarios::load_scenario(
      std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml", registry);
  const auto genops = registry.create("genops", scenario);
  const auto result = run_once(scenario, *genops, 0);
  std::vector<genops::results::AwuExportContext> contexts(result.organizations.size());
  for (std::size_t o = 0; o < contexts.size(); ++o) {
    auto& context = contexts[o];
    context.team = scenario.organizations[o].team;
    context.project = scenario.project;
    context.environment = scenario.environment;
    context.organization = scenario.organizations[o].name;
    context.service_names = result.organizations[o].service_names;
    context.start_day = genops::models::days_from_iso_date(scenario.start_date);
    context.utc_offset_hours = scenario.organizations[o].utc_offset_hours;
  }
  std::uint64_t spans = 0;
  std::uint64_t bytes = 0;
  std::string text;
  for (auto _ : state) {
    for (std::size_t o = 0; o < contexts.size(); ++o) {
      const auto& output = result.organizations[o];
      const auto resource = genops::results::telemetry_resource(contexts[o]);
      text.clear();
      if (fast) {
        spans += genops::results::write_awus_otlp(text, output.awus, output.stages, contexts[o],
                                                  resource);
      } else {
        const auto exported = genops::results::export_awus(output.awus, output.stages, contexts[o]);
        std::ostringstream stream;
        genops::telemetry::OtlpJsonLinesWriter writer(stream, resource,
                                                      genops::results::telemetry_scope());
        for (const auto& span : exported)
          writer.write(span);
        text = std::move(stream).str();
        spans += exported.size();
      }
      bytes += text.size();
      benchmark::DoNotOptimize(text.data());
    }
  }
  state.counters["spans_per_second"] =
      benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_AwuExport)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
