#pragma once

// The paper's comparison table: every strategy of a study against a baseline, at two levels.
//  - Deployment level: every deployment of every replication pooled per strategy. Deployments
//    of one replication share runners, reviewers and services, so these p-values overstate
//    the evidence; they are reported for fidelity with the paper.
//  - Replication level: one summary per (strategy, replication); replication r of every
//    strategy replays the same traffic and latent defects (common random numbers), so the
//    analysis is paired across replications (paired t, Wilcoxon signed-rank). This is the
//    headline inference.
// Holm's correction runs across the compared strategies, separately for each test.
// Sign conventions: cycle-time differences are baseline − strategy (positive = faster than the
// baseline); rate differences are strategy − baseline (positive = higher rate than the
// baseline); Cohen's h = 2 asin √p_strategy − 2 asin √p_baseline.

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/statistics.hpp"
#include "models/metrics.hpp"
#include "results/results_io.hpp"

namespace genops::analysis {

struct CompareOptions {
  std::string baseline = "baseline";
  double confidence = 0.95;
  // Percentile bootstrap of the pooled median difference: each resample redraws every pooled
  // deployment of both arms (no subsampling), so the cost is resamples x deployments.
  std::size_t bootstrap_resamples = 1000;
  std::uint64_t bootstrap_seed = 20240304;
};

// count / trials with its Wilson interval (rate 0 and [0, 0] when trials is 0).
struct RateEstimate {
  std::uint64_t count = 0;
  std::uint64_t trials = 0;
  double rate = 0;
  Interval ci;
};

// One strategy, deployment level (pooled over replications).
struct ArmSummary {
  std::string strategy;
  std::uint32_t replications = 0;
  models::StrategySummary summary;  // summarize() of the pooled records
  MedianInterval median_ci;
  RateEstimate success;
  RateEstimate rollback;
  RateEstimate failure;
  RateEstimate block;
  RateEstimate canary_catch;  // issues stopped by a canary stage / issues
  RateEstimate in_flight;     // changes without a final outcome at the horizon / arrivals
  // Deployment-attempt success: deployed changes that succeeded / finished changes that reached
  // production (1 - DORA change failure rate); success above is per change (final outcome).
  RateEstimate deployment_success;
  // Per-replication values, in replication order (the replication-level inputs).
  std::vector<double> replication_medians;
  std::vector<double> replication_success_rates;
};

// strategy − baseline for one rate.
struct RateComparison {
  double difference = 0;
  Interval newcombe;  // NaN bounds when either arm has no trials
  ChiSquareResult chi_square;
  double fisher_p = 1;
  double cohens_h = 0;
  bool defined = false;  // both arms have trials
};

struct PooledComparison {
  MedianDifferenceBootstrap median;  // baseline − strategy, relative to the baseline median
  MannWhitneyResult mann_whitney;    // first = baseline: a12 = P(baseline cycle > strategy cycle)
  double mann_whitney_p_holm = 1;
  RateComparison success;
  double success_fisher_p_holm = 1;
  double success_chi_square_p_holm = 1;
  RateComparison rollback;
  RateComparison failure;
  RateComparison block;
  RateComparison canary_catch;
};

// Replication level, paired by replication index. `defined` is false with fewer than two
// pairs; a test whose differences are all zero (or constant) has NaN statistics and p-values.
struct PairedTest {
  TTestResult t;
  WilcoxonResult wilcoxon;
  bool wilcoxon_defined = false;
  double t_p_holm = 1;
  double wilcoxon_p_holm = 1;
};

struct PairedComparison {
  std::size_t pairs = 0;
  bool defined = false;
  bool common_seeds = true;  // every pair ran with the same seed (common random numbers)
  PairedTest median;         // d_r = baseline median_r − strategy median_r
  PairedTest success;        // d_r = strategy success_r − baseline success_r
};

struct StrategyComparison {
  std::string strategy;
  PooledComparison pooled;
  PairedComparison paired;
};

struct ComparisonReport {
  std::string source;  // the results file
  std::string scenario;
  std::uint64_t master_seed = 0;
  std::uint32_t replications = 0;
  CompareOptions options;
  std::vector<ArmSummary> arms;                 // the baseline first, then file order
  std::vector<StrategyComparison> comparisons;  // one per non-baseline strategy, arms order
};

// The comparison of every strategy against options.baseline. std::invalid_argument when the
// baseline is not a strategy of the study.
ComparisonReport compare_strategies(const results::StudyRecords& study,
                                    const CompareOptions& options);

// Renderings of the same report.
std::string render_text(const ComparisonReport& report);
// A count with thousands separated by commas ("158,004"), as the tables and the report print.
std::string grouped_count(std::uint64_t value);
std::string render_markdown(const ComparisonReport& report);
std::string render_latex(const ComparisonReport& report);
std::string render_json(const ComparisonReport& report);  // NaN as null

// p-value as text: "< 1e-300" when it underflows to 0, "n/a" for NaN, else 3 significant digits.
std::string format_p_value(double p);

}  // namespace genops::analysis
