// stats_bench: the comparison statistics on deployment-level sample sizes (8000 per arm).
//   BM_MannWhitney             tie-corrected Mann-Whitney U (one sort of 16 000 values)
//   BM_HodgesLehmann           exact median of the 64 M pairwise differences
//   BM_BootstrapMedianDiff     percentile bootstrap of the median difference, 2000 resamples on
//                              oneTBB's workers (timed by wall clock: the CPU time of the
//                              benchmark's own thread would leave the workers out)
//   BM_FisherExact             Fisher's exact test on a 16 000-deployment 2x2 table
// Each reports `samples_per_second` (observations processed per wall second).

#include <cmath>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/statistics.hpp"
#include "engine/random.hpp"

namespace genops::analysis {
namespace {

constexpr std::size_t kArmSize = 8000;

// Lognormal cycle times in minutes rounded to 0.1, so the samples hold ties like real data.
std::vector<double> cycle_times(std::uint64_t seed, double median_minutes) {
  engine::RngStream rng(seed);
  std::vector<double> values(kArmSize);
  for (double& value : values) {
    value = std::round(engine::lognormal_median(rng, median_minutes, 0.8) * 10.0) / 10.0;
  }
  return values;
}

void set_rate(benchmark::State& state, double samples_per_iteration) {
  state.counters["samples_per_second"] = benchmark::Counter(
      samples_per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_MannWhitney(benchmark::State& state) {
  const std::vector<double> baseline = cycle_times(1, 52.8);
  const std::vector<double> genops = cycle_times(2, 23.4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mann_whitney_u(baseline, genops));
  }
  set_rate(state, 2.0 * kArmSize);
}
BENCHMARK(BM_MannWhitney)->Unit(benchmark::kMillisecond);

void BM_HodgesLehmann(benchmark::State& state) {
  const std::vector<double> baseline = cycle_times(1, 52.8);
  const std::vector<double> genops = cycle_times(2, 23.4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(hodges_lehmann_shift(baseline, genops));
  }
  set_rate(state, 2.0 * kArmSize);
}
BENCHMARK(BM_HodgesLehmann)->Unit(benchmark::kMillisecond);

void BM_BootstrapMedianDiff(benchmark::State& state) {
  const std::vector<double> baseline = cycle_times(1, 52.8);
  const std::vector<double> genops = cycle_times(2, 23.4);
  const BootstrapOptions options{static_cast<std::size_t>(state.range(0)), 0.95, 7};
  for (auto _ : state) {
    benchmark::DoNotOptimize(bootstrap_median_difference(baseline, genops, options));
  }
  set_rate(state, 2.0 * kArmSize * static_cast<double>(options.resamples));
}
BENCHMARK(BM_BootstrapMedianDiff)->Arg(2000)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_FisherExact(benchmark::State& state) {
  const Table2x2 table = table_from_counts(7120, 8000, 7744, 8000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(fisher_exact_p(table));
  }
  set_rate(state, 2.0 * kArmSize);
}
BENCHMARK(BM_FisherExact)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace genops::analysis

BENCHMARK_MAIN();
