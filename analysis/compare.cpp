#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include <tbb/parallel_for.h>

#include "analysis/comparison_table.hpp"

namespace genops::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

RateEstimate rate_of(std::uint64_t count, std::uint64_t trials, double confidence) {
  RateEstimate estimate{count, trials, 0.0, Interval{0.0, 0.0}};
  if (trials > 0) {
    estimate.rate = static_cast<double>(count) / static_cast<double>(trials);
    estimate.ci = wilson_interval(count, trials, confidence);
  }
  return estimate;
}

RateComparison compare_rates(const RateEstimate& baseline, const RateEstimate& strategy,
                             double confidence) {
  RateComparison comparison;
  if (baseline.trials == 0 || strategy.trials == 0) {
    comparison.difference = kNaN;
    comparison.newcombe = Interval{kNaN, kNaN};
    comparison.chi_square = ChiSquareResult{kNaN, kNaN};
    comparison.fisher_p = kNaN;
    comparison.cohens_h = kNaN;
    return comparison;
  }
  comparison.defined = true;
  comparison.difference = strategy.rate - baseline.rate;
  comparison.newcombe = newcombe_difference_interval(strategy.count, strategy.trials,
                                                     baseline.count, baseline.trials, confidence);
  const Table2x2 table =
      table_from_counts(strategy.count, strategy.trials, baseline.count, baseline.trials);
  comparison.chi_square = pearson_chi_square(table);
  comparison.fisher_p = fisher_exact_p(table);
  comparison.cohens_h = cohens_h(baseline.rate, strategy.rate);
  return comparison;
}

// d = first − second per replication; NaN statistics when undefined (constant differences).
PairedTest paired_test(const std::vector<double>& first, const std::vector<double>& second,
                       double confidence) {
  PairedTest test;
  test.t = paired_t_test(first, second, confidence);
  try {
    test.wilcoxon = wilcoxon_signed_rank(first, second);
    test.wilcoxon_defined = true;
  } catch (const std::invalid_argument&) {
    test.wilcoxon = WilcoxonResult{.w_plus = kNaN,
                                   .w_minus = kNaN,
                                   .z = kNaN,
                                   .p_value = kNaN,
                                   .nonzero_count = 0,
                                   .exact = false};
  }
  test.t_p_holm = test.t.p_value;
  test.wilcoxon_p_holm = test.wilcoxon.p_value;
  return test;
}

// Holm over the finite p-values of one test family; NaN stays NaN.
void holm_in_place(const std::vector<double*>& adjusted, const std::vector<double>& raw) {
  std::vector<double> finite;
  std::vector<std::size_t> where;
  for (std::size_t index = 0; index < raw.size(); ++index) {
    if (std::isfinite(raw[index])) {
      finite.push_back(raw[index]);
      where.push_back(index);
    } else {
      *adjusted[index] = kNaN;
    }
  }
  const std::vector<double> holm = holm_adjust(finite);
  for (std::size_t index = 0; index < holm.size(); ++index) {
    *adjusted[where[index]] = holm[index];
  }
}

ArmSummary summarize_arm(const results::StudyRecords& study, std::size_t strategy,
                         double confidence, std::vector<double>& cycle_times) {
  ArmSummary arm;
  arm.strategy = study.provenance.strategies[strategy];
  arm.replications = study.provenance.replications;
  std::vector<models::DeploymentRecord> pooled;
  std::uint64_t violations = 0;
  for (std::uint32_t r = 0; r < study.provenance.replications; ++r) {
    const results::RunRecords& run = study.run(strategy, r);
    pooled.insert(pooled.end(), run.deployments.begin(), run.deployments.end());
    violations += run.violations.size();
    const models::StrategySummary replication =
        models::summarize(run.deployments, run.violations.size());
    arm.replication_medians.push_back(replication.median_cycle_time_min);
    arm.replication_success_rates.push_back(replication.success_rate);
  }
  arm.summary = models::summarize(pooled, violations);
  cycle_times.clear();
  cycle_times.reserve(pooled.size());
  for (const models::DeploymentRecord& record : pooled) {
    if (record.outcome != models::Outcome::InFlight)  // censored: no cycle time yet
      cycle_times.push_back(record.cycle_time_min);
  }
  if (!cycle_times.empty()) {
    arm.median_ci = median_confidence_interval(cycle_times, confidence);
  } else {
    arm.median_ci = MedianInterval{kNaN, kNaN, 0.0};
  }
  const models::StrategySummary& s = arm.summary;
  arm.success = rate_of(s.succeeded, s.deployments, confidence);
  arm.rollback = rate_of(s.rolled_back, s.deployments, confidence);
  arm.failure = rate_of(s.failed, s.deployments, confidence);
  arm.block = rate_of(s.blocked, s.deployments, confidence);
  arm.canary_catch = rate_of(s.caught_at[static_cast<std::size_t>(models::CatchPoint::Canary)],
                             s.issues, confidence);
  arm.in_flight = rate_of(s.in_flight, s.deployments, confidence);
  arm.deployment_success = rate_of(s.deployed - s.rolled_back - s.failed, s.deployed, confidence);
  return arm;
}

}  // namespace

ComparisonReport compare_strategies(const results::StudyRecords& study,
                                    const CompareOptions& options) {
  const std::size_t baseline = study.strategy_index(options.baseline);
  if (baseline == std::string::npos) {
    std::string valid;
    for (const std::string& name : study.provenance.strategies) {
      valid += (valid.empty() ? "" : ", ") + name;
    }
    throw std::invalid_argument("unknown baseline '" + options.baseline +
                                "'; strategies in the file: " + valid);
  }
  ComparisonReport report;
  report.source = study.path.string();
  report.scenario = study.provenance.scenario;
  report.master_seed = study.provenance.master_seed;
  report.replications = study.provenance.replications;
  report.options = options;

  std::vector<std::size_t> order = {baseline};
  for (std::size_t s = 0; s < study.provenance.strategies.size(); ++s) {
    if (s != baseline) {
      order.push_back(s);
    }
  }
  // Arms one after the other (each pools its records), then the comparisons in parallel: each
  // is independent and seeded, so the result does not depend on the thread count.
  std::vector<std::vector<double>> cycles(order.size());
  for (std::size_t position = 0; position < order.size(); ++position) {
    report.arms.push_back(
        summarize_arm(study, order[position], options.confidence, cycles[position]));
  }
  report.comparisons.resize(order.size() - 1);
  tbb::parallel_for(std::size_t{1}, order.size(), [&](std::size_t position) {
    const ArmSummary& base = report.arms.front();
    const ArmSummary& arm = report.arms[position];
    const std::vector<double>& baseline_cycles = cycles.front();
    StrategyComparison& comparison = report.comparisons[position - 1];
    comparison.strategy = arm.strategy;
    PooledComparison& pooled = comparison.pooled;
    if (!baseline_cycles.empty() && !cycles[position].empty()) {
      BootstrapOptions bootstrap;
      bootstrap.resamples = options.bootstrap_resamples;
      bootstrap.confidence = options.confidence;
      bootstrap.seed = options.bootstrap_seed;
      pooled.median = bootstrap_median_difference(baseline_cycles, cycles[position], bootstrap);
      pooled.mann_whitney = mann_whitney_u(baseline_cycles, cycles[position]);
    } else {
      pooled.median = MedianDifferenceBootstrap{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
      pooled.mann_whitney = MannWhitneyResult{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
    }
    pooled.success = compare_rates(base.success, arm.success, options.confidence);
    pooled.rollback = compare_rates(base.rollback, arm.rollback, options.confidence);
    pooled.failure = compare_rates(base.failure, arm.failure, options.confidence);
    pooled.block = compare_rates(base.block, arm.block, options.confidence);
    pooled.canary_catch = compare_rates(base.canary_catch, arm.canary_catch, options.confidence);

    PairedComparison& paired = comparison.paired;
    paired.pairs = study.provenance.replications;
    for (std::uint32_t r = 0; r < study.provenance.replications; ++r) {
      paired.common_seeds =
          paired.common_seeds && study.run(baseline, r).seed == study.run(order[position], r).seed;
    }
    paired.defined = paired.pairs >= 2;
    if (paired.defined) {
      paired.median =
          paired_test(base.replication_medians, arm.replication_medians, options.confidence);
      paired.success = paired_test(arm.replication_success_rates, base.replication_success_rates,
                                   options.confidence);
    } else {
      const TTestResult undefined_t{.t = kNaN,
                                    .degrees_of_freedom = kNaN,
                                    .p_value = kNaN,
                                    .mean_difference = kNaN,
                                    .ci_low = kNaN,
                                    .ci_high = kNaN};
      const WilcoxonResult undefined_w{.w_plus = kNaN,
                                       .w_minus = kNaN,
                                       .z = kNaN,
                                       .p_value = kNaN,
                                       .nonzero_count = 0,
                                       .exact = false};
      paired.median = PairedTest{.t = undefined_t,
                                 .wilcoxon = undefined_w,
                                 .wilcoxon_defined = false,
                                 .t_p_holm = kNaN,
                                 .wilcoxon_p_holm = kNaN};
      paired.success = paired.median;
    }
  });

  // Holm across the compared strategies, one family per test.
  const auto family = [&](auto raw_of, auto adjusted_of) {
    std::vector<double> raw;
    std::vector<double*> adjusted;
    for (StrategyComparison& comparison : report.comparisons) {
      raw.push_back(raw_of(comparison));
      adjusted.push_back(&adjusted_of(comparison));
    }
    holm_in_place(adjusted, raw);
  };
  family([](const StrategyComparison& c) { return c.pooled.mann_whitney.p_value; },
         [](StrategyComparison& c) -> double& { return c.pooled.mann_whitney_p_holm; });
  family([](const StrategyComparison& c) { return c.pooled.success.fisher_p; },
         [](StrategyComparison& c) -> double& { return c.pooled.success_fisher_p_holm; });
  family([](const StrategyComparison& c) { return c.pooled.success.chi_square.p_value; },
         [](StrategyComparison& c) -> double& { return c.pooled.success_chi_square_p_holm; });
  family([](const StrategyComparison& c) { return c.paired.median.t.p_value; },
         [](StrategyComparison& c) -> double& { return c.paired.median.t_p_holm; });
  family([](const StrategyComparison& c) { return c.paired.median.wilcoxon.p_value; },
         [](StrategyComparison& c) -> double& { return c.paired.median.wilcoxon_p_holm; });
  family([](const StrategyComparison& c) { return c.paired.success.t.p_value; },
         [](StrategyComparison& c) -> double& { return c.paired.success.t_p_holm; });
  family([](const StrategyComparison& c) { return c.paired.success.wilcoxon.p_value; },
         [](StrategyComparison& c) -> double& { return c.paired.success.wilcoxon_p_holm; });
  return report;
}

// ---- Rendering ---------------------------------------------------------------------------------

std::string grouped_count(std::uint64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t index = 0; index < digits.size(); ++index) {
    if (index > 0 && (digits.size() - index) % 3 == 0) {
      out.push_back(',');
    }
    out.push_back(digits[index]);
  }
  return out;
}

namespace {

std::string format(const char* pattern, double value) {
  if (!std::isfinite(value)) {
    return "n/a";
  }
  char text[64];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

std::string minutes(double value) {
  return format("%.1f", value);
}
std::string percent(double rate) {
  return format("%.2f", 100.0 * rate);
}
std::string signed_points(double rate) {
  return format("%+.2f", 100.0 * rate);
}
std::string number(double value, const char* pattern = "%.3f") {
  return format(pattern, value);
}

std::string count(std::uint64_t value) {
  return grouped_count(value);
}

std::string interval(const Interval& ci, std::string (*as)(double)) {
  return "[" + as(ci.low) + ", " + as(ci.high) + "]";
}
std::string interval(double low, double high, std::string (*as)(double)) {
  return interval(Interval{low, high}, as);
}

std::string confidence_label(double confidence) {
  return format("%.0f", 100.0 * confidence) + "%";
}

std::string mean_sd(const std::vector<double>& values, std::string (*as)(double)) {
  if (values.empty()) {
    return "n/a";
  }
  const double average = mean(values);
  const double sd = values.size() >= 2 ? std::sqrt(sample_variance(values)) : kNaN;
  return as(average) + " ± " + as(sd);
}

// "p = 0.0312", "p < 1e-300" or "p n/a".
std::string p_is(double p) {
  const std::string text = format_p_value(p);
  return text.front() == '<' || text == "n/a" ? "p " + text : "p = " + text;
}

std::string p_with_holm(double p, double holm) {
  return p_is(p) + " (Holm " + format_p_value(holm) + ")";
}

// A text table: label column plus one column per arm.
class TextTable {
 public:
  explicit TextTable(std::size_t label_width, std::size_t cell_width)
      : label_width_(label_width), cell_width_(cell_width) {}
  void row(const std::string& label, const std::vector<std::string>& cells) {
    std::string line = label;
    line.resize(std::max(label_width_, label.size() + 1), ' ');
    for (const std::string& cell : cells) {
      std::string padded = cell;
      // Pad by display width: '±' is two bytes in UTF-8 but one column.
      const std::size_t extra = static_cast<std::size_t>(
          std::count_if(cell.begin(), cell.end(), [](char c) { return (c & 0xC0) == 0x80; }));
      const std::size_t width = cell_width_ + extra;
      if (padded.size() < width) {
        padded.insert(0, width - padded.size(), ' ');
      }
      line += "  " + padded;
    }
    out_ << line << '\n';
  }
  std::string str() const { return out_.str(); }

 private:
  std::size_t label_width_;
  std::size_t cell_width_;
  std::ostringstream out_;
};

// A cell of the arm table as plain text (text, Markdown and LaTeX print the same cells).
std::string plain_cell(const TableCell& cell) {
  using Kind = TableCell::Kind;
  switch (cell.kind) {
    case Kind::kCount:
      return count(cell.count);
    case Kind::kCountRatio:
      return count(cell.count) + " / " + count(cell.trials);
    case Kind::kMinutes:
      return minutes(cell.value);
    case Kind::kMinutesPair:
      return minutes(cell.value) + " / " + minutes(cell.second);
    case Kind::kMinutesWithCi:
      return minutes(cell.value) + " " + interval(cell.low, cell.high, minutes);
    case Kind::kRateWithCi:
      return cell.trials == 0 ? "n/a (0 trials)"
                              : percent(cell.value) + "% " + interval(cell.low, cell.high, percent);
    case Kind::kMinutesMeanSd:
      return mean_sd(cell.samples, minutes);
    case Kind::kRateMeanSd:
      return mean_sd(cell.samples, percent);
  }
  return "";
}

// A renderer's choice of arm-table rows: which, in which order, under which label.
struct RowChoice {
  const char* label;
  ArmRow row;
};

std::vector<std::string> plain_cells(const ArmTable& table, ArmRow row) {
  std::vector<std::string> cells;
  for (const TableCell& cell : table.row(row).cells) {
    cells.push_back(plain_cell(cell));
  }
  return cells;
}

constexpr RowChoice kTextArmRows[] = {
    {"Deployments", ArmRow::kDeployments},
    {"In flight at horizon % [Wilson CI]", ArmRow::kInFlight},
    {"Median cycle time (min) [CI]", ArmRow::kMedianCycleTime},
    {"p90 / mean cycle time (min)", ArmRow::kP90AndMeanCycleTime},
    {"Success rate % [Wilson CI]", ArmRow::kSuccessRate},
    {"Rollback rate % [Wilson CI]", ArmRow::kRollbackRate},
    {"Failure rate % [Wilson CI]", ArmRow::kFailureRate},
    {"Block rate % [Wilson CI]", ArmRow::kBlockRate},
    {"Deployment success % [Wilson CI]", ArmRow::kDeploymentSuccess},
    {"Safety violations", ArmRow::kSafetyViolations},
    {"Canary catch rate % [Wilson CI]", ArmRow::kCanaryCatchRate},
    {"  (caught by canary / issues)", ArmRow::kCanaryCatchCounts}};
constexpr RowChoice kTextReplicationRows[] = {
    {"Median cycle time (min), mean ± sd", ArmRow::kReplicationMedianCycleTime},
    {"Success rate %, mean ± sd", ArmRow::kReplicationSuccessRate}};
constexpr RowChoice kMarkdownArmRows[] = {
    {"Deployments", ArmRow::kDeployments},
    {"In flight at horizon, % [Wilson CI]", ArmRow::kInFlight},
    {"Median cycle time, min [CI]", ArmRow::kMedianCycleTime},
    {"p90 cycle time, min", ArmRow::kP90CycleTime},
    {"Success rate, % [Wilson CI]", ArmRow::kSuccessRate},
    {"Rollback rate, % [Wilson CI]", ArmRow::kRollbackRate},
    {"Failure rate, % [Wilson CI]", ArmRow::kFailureRate},
    {"Block rate, % [Wilson CI]", ArmRow::kBlockRate},
    {"Deployment success, % [Wilson CI]", ArmRow::kDeploymentSuccess},
    {"Safety violations", ArmRow::kSafetyViolations},
    {"Canary catch rate, % [Wilson CI]", ArmRow::kCanaryCatchRate}};
constexpr RowChoice kLatexArmRows[] = {{"Deployments", ArmRow::kDeployments},
                                       {"In flight at horizon (\\%)", ArmRow::kInFlight},
                                       {"Median cycle time (min)", ArmRow::kMedianCycleTime},
                                       {"Success rate (\\%)", ArmRow::kSuccessRate},
                                       {"Rollback rate (\\%)", ArmRow::kRollbackRate},
                                       {"Failure rate (\\%)", ArmRow::kFailureRate},
                                       {"Block rate (\\%)", ArmRow::kBlockRate},
                                       {"Deployment success (\\%)", ArmRow::kDeploymentSuccess},
                                       {"Safety violations", ArmRow::kSafetyViolations},
                                       {"Canary catch rate (\\%)", ArmRow::kCanaryCatchRate}};

std::string bootstrap_label(const CompareOptions& options) {
  return "percentile bootstrap, " + std::to_string(options.bootstrap_resamples) +
         " resamples of all pooled deployments, seed " + std::to_string(options.bootstrap_seed);
}

std::string wilcoxon_text(const PairedTest& test) {
  if (!test.wilcoxon_defined) {
    return "Wilcoxon signed-rank n/a (all differences zero)";
  }
  return "Wilcoxon signed-rank W+ = " + number(test.wilcoxon.w_plus, "%.1f") + ", " +
         p_with_holm(test.wilcoxon.p_value, test.wilcoxon_p_holm) +
         (test.wilcoxon.exact ? " exact" : " normal approx.");
}

}  // namespace

std::string format_p_value(double p) {
  if (std::isnan(p)) {
    return "n/a";
  }
  if (p <= 0.0) {
    return "< 1e-300";
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", p);
  return text;
}

std::string render_text(const ComparisonReport& report) {
  std::ostringstream out;
  const std::string level = confidence_label(report.options.confidence);
  out << "genops-sim compare: " << report.source << "\n";
  out << "scenario '" << report.scenario << "', master seed " << report.master_seed << ", "
      << report.replications << " replication(s) per strategy, baseline '"
      << report.options.baseline << "', " << level << " confidence intervals\n\n";

  out << "DEPLOYMENT LEVEL: every deployment of every replication pooled per strategy.\n"
         "Deployments of one replication share runners, reviewers and services, so these\n"
         "p-values overstate the evidence; the replication level below is the headline test.\n\n";
  constexpr std::size_t kLabel = 34;
  constexpr std::size_t kCell = 24;
  const ArmTable table = build_arm_table(report);
  TextTable arms(kLabel, kCell);
  arms.row("", table.columns);
  for (const RowChoice& choice : kTextArmRows) {
    arms.row(choice.label, plain_cells(table, choice.row));
  }
  out << arms.str();

  for (const StrategyComparison& c : report.comparisons) {
    const PooledComparison& p = c.pooled;
    const std::string& b = report.options.baseline;
    out << "\n" << c.strategy << " vs " << b << " (deployment level)\n";
    out << "  Median cycle time, " << b << " - " << c.strategy << ": "
        << minutes(p.median.difference) << " min "
        << interval(p.median.difference_low, p.median.difference_high, minutes)
        << "; relative reduction " << percent(p.median.relative_reduction) << "% "
        << interval(p.median.relative_low, p.median.relative_high, percent) << "\n"
        << "    (" << bootstrap_label(report.options) << ")\n";
    out << "  Mann-Whitney U: z = " << number(p.mann_whitney.z, "%.2f") << ", "
        << p_with_holm(p.mann_whitney.p_value, p.mann_whitney_p_holm)
        << "; A12 = " << number(p.mann_whitney.a12) << " (P(" << b
        << " slower)), Cliff's delta = " << number(p.mann_whitney.cliffs_delta) << "\n";
    out << "  Success rate, " << c.strategy << " - " << b << ": "
        << signed_points(p.success.difference) << " pp "
        << interval(p.success.newcombe, signed_points) << " (Newcombe)\n";
    out << "    chi-square(1) = " << number(p.success.chi_square.statistic, "%.2f") << ", "
        << p_with_holm(p.success.chi_square.p_value, p.success_chi_square_p_holm)
        << "; Fisher exact " << p_with_holm(p.success.fisher_p, p.success_fisher_p_holm)
        << "; Cohen's h = " << number(p.success.cohens_h) << "\n";
    const auto rate_line = [&](const char* name, const RateComparison& r) {
      out << "  " << name << ", " << c.strategy << " - " << b << ": " << signed_points(r.difference)
          << " pp " << interval(r.newcombe, signed_points) << "; Fisher " << p_is(r.fisher_p)
          << "; Cohen's h = " << number(r.cohens_h) << "\n";
    };
    rate_line("Rollback rate", p.rollback);
    rate_line("Failure rate", p.failure);
    rate_line("Block rate", p.block);
    rate_line("Canary catch rate", p.canary_catch);
  }

  out << "\nREPLICATION LEVEL: one value per (strategy, replication). Replication r of every\n"
         "strategy replays the same traffic and latent defects (common random numbers), so the\n"
         "differences are paired across replications.\n\n";
  TextTable replications(kLabel, kCell);
  replications.row("", table.columns);
  for (const RowChoice& choice : kTextReplicationRows) {
    replications.row(choice.label, plain_cells(table, choice.row));
  }
  out << replications.str();
  for (const StrategyComparison& c : report.comparisons) {
    const PairedComparison& p = c.paired;
    const std::string& b = report.options.baseline;
    out << "\n"
        << c.strategy << " vs " << b << " (replication level, " << p.pairs << " pairs"
        << (p.common_seeds ? ", common random numbers" : ", WARNING: seeds differ, not paired")
        << ")\n";
    if (!p.defined) {
      out << "  n/a: paired tests need at least 2 replications\n";
      continue;
    }
    out << "  Median cycle time, d = " << b << " - " << c.strategy << ": mean "
        << minutes(p.median.t.mean_difference) << " min "
        << interval(p.median.t.ci_low, p.median.t.ci_high, minutes) << " (t CI)\n"
        << "    paired t(" << number(p.median.t.degrees_of_freedom, "%.0f")
        << ") = " << number(p.median.t.t, "%.2f") << ", "
        << p_with_holm(p.median.t.p_value, p.median.t_p_holm) << "; " << wilcoxon_text(p.median)
        << "\n";
    out << "  Success rate, d = " << c.strategy << " - " << b << ": mean "
        << signed_points(p.success.t.mean_difference) << " pp "
        << interval(p.success.t.ci_low, p.success.t.ci_high, signed_points) << " (t CI)\n"
        << "    paired t(" << number(p.success.t.degrees_of_freedom, "%.0f")
        << ") = " << number(p.success.t.t, "%.2f") << ", "
        << p_with_holm(p.success.t.p_value, p.success.t_p_holm) << "; " << wilcoxon_text(p.success)
        << "\n";
  }
  if (report.comparisons.size() > 1) {
    out << "\nHolm: adjusted across the " << report.comparisons.size()
        << " compared strategies, separately for each test.\n";
  }
  return out.str();
}

namespace {

std::string markdown_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|' || c == '_' || c == '*') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_markdown(const ComparisonReport& report) {
  std::ostringstream out;
  const std::string level = confidence_label(report.options.confidence);
  const std::string b = markdown_escape(report.options.baseline);
  out << "**" << markdown_escape(report.scenario) << "**: master seed " << report.master_seed
      << ", " << report.replications << " replication(s) per strategy, baseline `"
      << report.options.baseline << "`, " << level << " confidence intervals.\n\n";
  out << "### Deployment level (pooled over replications)\n\n| Metric |";
  for (const ArmSummary& arm : report.arms) {
    out << ' ' << markdown_escape(arm.strategy) << " |";
  }
  out << "\n|---|";
  for (std::size_t i = 0; i < report.arms.size(); ++i) {
    out << "---:|";
  }
  out << '\n';
  const ArmTable table = build_arm_table(report);
  for (const RowChoice& choice : kMarkdownArmRows) {
    out << "| " << choice.label << " |";
    for (const std::string& cell : plain_cells(table, choice.row)) {
      out << ' ' << cell << " |";
    }
    out << '\n';
  }

  if (!report.comparisons.empty()) {
    out << "\n### Against `" << report.options.baseline
        << "`, deployment level\n\n"
           "| Strategy | Δ median, min [CI] | Reduction, % [CI] | Mann–Whitney p (Holm) | Â12 | "
           "Δ success, pp [Newcombe] | χ² p | Fisher p (Holm) | Cohen's h | Δ rollback, pp | "
           "Δ failure, pp | Δ block, pp | Δ canary catch, pp |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const StrategyComparison& c : report.comparisons) {
      const PooledComparison& p = c.pooled;
      out << "| " << markdown_escape(c.strategy) << " | " << minutes(p.median.difference) << ' '
          << interval(p.median.difference_low, p.median.difference_high, minutes) << " | "
          << percent(p.median.relative_reduction) << ' '
          << interval(p.median.relative_low, p.median.relative_high, percent) << " | "
          << format_p_value(p.mann_whitney.p_value) << " (" << format_p_value(p.mann_whitney_p_holm)
          << ") | " << number(p.mann_whitney.a12) << " | " << signed_points(p.success.difference)
          << ' ' << interval(p.success.newcombe, signed_points) << " | "
          << format_p_value(p.success.chi_square.p_value) << " | "
          << format_p_value(p.success.fisher_p) << " (" << format_p_value(p.success_fisher_p_holm)
          << ") | " << number(p.success.cohens_h) << " | " << signed_points(p.rollback.difference)
          << " | " << signed_points(p.failure.difference) << " | "
          << signed_points(p.block.difference) << " | " << signed_points(p.canary_catch.difference)
          << " |\n";
    }
    out << "\nΔ median = " << b << " − strategy (" << bootstrap_label(report.options)
        << "); Δ rates = strategy − " << b << "; Â12 = P(" << b << " cycle time > strategy's).\n";
    out << "\n### Against `" << report.options.baseline
        << "`, replication level (paired by replication, common random numbers)\n\n"
           "| Strategy | Pairs | Δ median, min [t CI] | paired t p (Holm) | Wilcoxon p (Holm) | "
           "Δ success, pp [t CI] | paired t p (Holm) | Wilcoxon p (Holm) |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const StrategyComparison& c : report.comparisons) {
      const PairedComparison& p = c.paired;
      out << "| " << markdown_escape(c.strategy) << " | " << p.pairs << " | "
          << minutes(p.median.t.mean_difference) << ' '
          << interval(p.median.t.ci_low, p.median.t.ci_high, minutes) << " | "
          << format_p_value(p.median.t.p_value) << " (" << format_p_value(p.median.t_p_holm)
          << ") | " << format_p_value(p.median.wilcoxon.p_value) << " ("
          << format_p_value(p.median.wilcoxon_p_holm) << ") | "
          << signed_points(p.success.t.mean_difference) << ' '
          << interval(p.success.t.ci_low, p.success.t.ci_high, signed_points) << " | "
          << format_p_value(p.success.t.p_value) << " (" << format_p_value(p.success.t_p_holm)
          << ") | " << format_p_value(p.success.wilcoxon.p_value) << " ("
          << format_p_value(p.success.wilcoxon_p_holm) << ") |\n";
    }
  }
  return out.str();
}

namespace {

std::string latex_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '_':
      case '%':
      case '&':
      case '#':
      case '$':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string latex_p(double p) {
  if (std::isnan(p)) {
    return "n/a";
  }
  if (p <= 0.0) {
    return "$<10^{-300}$";
  }
  return format_p_value(p);
}

std::string latex_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '%') {
      out += "\\%";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_latex(const ComparisonReport& report) {
  std::ostringstream out;
  const std::string b = latex_escape(report.options.baseline);
  out << "% genops-sim compare " << latex_escape(report.source)
      << " (needs \\usepackage{booktabs})\n";
  out << "\\begin{table}[t]\n\\centering\n\\caption{" << latex_escape(report.scenario)
      << ": deployment level, pooled over " << report.replications << " replications ("
      << latex_cell(confidence_label(report.options.confidence)) << " CIs).}\n\\begin{tabular}{l";
  for (std::size_t i = 0; i < report.arms.size(); ++i) {
    out << 'r';
  }
  out << "}\n\\toprule\nMetric";
  for (const ArmSummary& arm : report.arms) {
    out << " & " << latex_escape(arm.strategy);
  }
  out << " \\\\\n\\midrule\n";
  const ArmTable table = build_arm_table(report);
  for (const RowChoice& choice : kLatexArmRows) {
    out << choice.label;
    for (const std::string& cell : plain_cells(table, choice.row)) {
      out << " & " << latex_cell(cell);
    }
    out << " \\\\\n";
  }
  out << "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
  if (report.comparisons.empty()) {
    return out.str();
  }
  out << "\n\\begin{table}[t]\n\\centering\n\\caption{Against " << b
      << ": deployment level (pooled) and replication level (paired by replication, common "
         "random numbers). $\\Delta$ median $=$ "
      << b << " $-$ strategy; $\\Delta$ success $=$ strategy $-$ " << b
      << ". Holm-adjusted p-values in parentheses.}\n"
         "\\begin{tabular}{lrrrrrrr}\n\\toprule\n"
         "Strategy & $\\Delta$ median (min) & Reduction (\\%) & Mann--Whitney p & $\\hat{A}_{12}$ "
         "& "
         "$\\Delta$ success (pp) & Fisher p & Cohen's $h$ \\\\\n\\midrule\n";
  for (const StrategyComparison& c : report.comparisons) {
    const PooledComparison& p = c.pooled;
    out << latex_escape(c.strategy) << " & " << minutes(p.median.difference) << ' '
        << interval(p.median.difference_low, p.median.difference_high, minutes) << " & "
        << percent(p.median.relative_reduction) << " & " << latex_p(p.mann_whitney.p_value) << " ("
        << latex_p(p.mann_whitney_p_holm) << ") & " << number(p.mann_whitney.a12) << " & "
        << signed_points(p.success.difference) << ' ' << interval(p.success.newcombe, signed_points)
        << " & " << latex_p(p.success.fisher_p) << " (" << latex_p(p.success_fisher_p_holm)
        << ") & " << number(p.success.cohens_h) << " \\\\\n";
  }
  out << "\\midrule\n"
         "Replication level & $\\Delta$ median (min) & paired $t$ p & Wilcoxon p & & "
         "$\\Delta$ success (pp) & paired $t$ p & Wilcoxon p \\\\\n\\midrule\n";
  for (const StrategyComparison& c : report.comparisons) {
    const PairedComparison& p = c.paired;
    out << latex_escape(c.strategy) << " (" << p.pairs << " pairs) & "
        << minutes(p.median.t.mean_difference) << ' '
        << interval(p.median.t.ci_low, p.median.t.ci_high, minutes) << " & "
        << latex_p(p.median.t.p_value) << " (" << latex_p(p.median.t_p_holm) << ") & "
        << latex_p(p.median.wilcoxon.p_value) << " (" << latex_p(p.median.wilcoxon_p_holm)
        << ") & & " << signed_points(p.success.t.mean_difference) << ' '
        << interval(p.success.t.ci_low, p.success.t.ci_high, signed_points) << " & "
        << latex_p(p.success.t.p_value) << " (" << latex_p(p.success.t_p_holm) << ") & "
        << latex_p(p.success.wilcoxon.p_value) << " (" << latex_p(p.success.wilcoxon_p_holm)
        << ") \\\\\n";
  }
  out << "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
  return out.str();
}

namespace {

using nlohmann::ordered_json;

ordered_json interval_json(double low, double high) {
  return ordered_json::array({low, high});
}

ordered_json rate_json(const RateEstimate& rate) {
  return {{"count", rate.count},
          {"trials", rate.trials},
          {"rate", rate.rate},
          {"ci", interval_json(rate.ci.low, rate.ci.high)}};
}

ordered_json rate_comparison_json(const RateComparison& rate) {
  return {{"difference", rate.difference},
          {"newcombe_ci", interval_json(rate.newcombe.low, rate.newcombe.high)},
          {"chi_square", rate.chi_square.statistic},
          {"chi_square_p", rate.chi_square.p_value},
          {"fisher_p", rate.fisher_p},
          {"cohens_h", rate.cohens_h}};
}

ordered_json paired_json(const PairedTest& test) {
  return {{"mean_difference", test.t.mean_difference},
          {"t_ci", interval_json(test.t.ci_low, test.t.ci_high)},
          {"t", test.t.t},
          {"df", test.t.degrees_of_freedom},
          {"t_p", test.t.p_value},
          {"t_p_holm", test.t_p_holm},
          {"wilcoxon_w_plus", test.wilcoxon.w_plus},
          {"wilcoxon_p", test.wilcoxon.p_value},
          {"wilcoxon_p_holm", test.wilcoxon_p_holm},
          {"wilcoxon_exact", test.wilcoxon.exact}};
}

}  // namespace

std::string render_json(const ComparisonReport& report) {
  ordered_json root;
  root["source"] = report.source;
  root["scenario"] = report.scenario;
  root["master_seed"] = report.master_seed;
  root["replications"] = report.replications;
  root["baseline"] = report.options.baseline;
  root["confidence"] = report.options.confidence;
  root["bootstrap"] = {{"method", "percentile, all pooled deployments resampled"},
                       {"resamples", report.options.bootstrap_resamples},
                       {"seed", report.options.bootstrap_seed}};
  root["conventions"] = {{"cycle_time_difference", "baseline - strategy"},
                         {"rate_difference", "strategy - baseline"},
                         {"a12", "P(baseline cycle time > strategy cycle time)"},
                         {"cohens_h", "2 asin sqrt(p_strategy) - 2 asin sqrt(p_baseline)"},
                         {"holm", "across the compared strategies, per test"}};
  ordered_json arms = ordered_json::array();
  for (const ArmSummary& arm : report.arms) {
    const models::StrategySummary& s = arm.summary;
    arms.push_back({{"strategy", arm.strategy},
                    {"deployment_level",
                     {{"deployments", s.deployments},
                      {"in_flight", rate_json(arm.in_flight)},
                      {"deployed", s.deployed},
                      {"deployment_success", rate_json(arm.deployment_success)},
                      {"median_cycle_time_min", s.median_cycle_time_min},
                      {"median_ci", interval_json(arm.median_ci.low, arm.median_ci.high)},
                      {"median_ci_coverage", arm.median_ci.coverage},
                      {"p90_cycle_time_min", s.p90_cycle_time_min},
                      {"mean_cycle_time_min", s.mean_cycle_time_min},
                      {"success", rate_json(arm.success)},
                      {"rollback", rate_json(arm.rollback)},
                      {"failure", rate_json(arm.failure)},
                      {"block", rate_json(arm.block)},
                      {"safety_violations", s.safety_violations},
                      {"canary_catch", rate_json(arm.canary_catch)}}},
                    {"replication_level",
                     {{"median_cycle_time_min", arm.replication_medians},
                      {"success_rate", arm.replication_success_rates}}}});
  }
  root["arms"] = arms;
  ordered_json comparisons = ordered_json::array();
  for (const StrategyComparison& c : report.comparisons) {
    const PooledComparison& p = c.pooled;
    comparisons.push_back(
        {{"strategy", c.strategy},
         {"deployment_level",
          {{"median_difference_min", p.median.difference},
           {"median_difference_ci",
            interval_json(p.median.difference_low, p.median.difference_high)},
           {"relative_reduction", p.median.relative_reduction},
           {"relative_reduction_ci", interval_json(p.median.relative_low, p.median.relative_high)},
           {"mann_whitney",
            {{"u1", p.mann_whitney.u1},
             {"z", p.mann_whitney.z},
             {"p", p.mann_whitney.p_value},
             {"p_holm", p.mann_whitney_p_holm},
             {"a12", p.mann_whitney.a12},
             {"cliffs_delta", p.mann_whitney.cliffs_delta}}},
           {"success", rate_comparison_json(p.success)},
           {"success_fisher_p_holm", p.success_fisher_p_holm},
           {"success_chi_square_p_holm", p.success_chi_square_p_holm},
           {"rollback", rate_comparison_json(p.rollback)},
           {"failure", rate_comparison_json(p.failure)},
           {"block", rate_comparison_json(p.block)},
           {"canary_catch", rate_comparison_json(p.canary_catch)}}},
         {"replication_level",
          {{"pairs", c.paired.pairs},
           {"defined", c.paired.defined},
           {"common_seeds", c.paired.common_seeds},
           {"median_cycle_time", paired_json(c.paired.median)},
           {"success_rate", paired_json(c.paired.success)}}}});
  }
  root["comparisons"] = comparisons;
  return root.dump(2);
}

}  // namespace genops::analysis
