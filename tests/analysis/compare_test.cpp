#include "analysis/compare.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/random.hpp"
#include "scenarios/cli.hpp"

namespace genops::analysis {
namespace {

namespace fs = std::filesystem;

fs::path test_directory() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path directory = fs::path(GENOPS_BINARY_DIR) / "test-tmp" / "analysis_compare" /
                       (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

// Deployments of one run: lognormal cycle times around `median`, outcomes with the given
// success probability, a fixed share of issues of which `canary_share` is caught by a canary.
std::vector<models::DeploymentRecord> deployments(std::uint64_t seed, std::size_t count,
                                                  double median, double success,
                                                  double canary_share) {
  engine::RngStream rng(engine::StreamKey{.master_seed = seed, .purpose = 11});
  std::vector<models::DeploymentRecord> records(count);
  for (std::size_t i = 0; i < count; ++i) {
    models::DeploymentRecord& r = records[i];
    r.id = i;
    r.cycle_time_min = engine::lognormal_median(rng, median, 0.6);
    if (engine::bernoulli(rng, success)) {
      r.outcome = models::Outcome::Succeeded;
    } else {
      const double u = engine::uniform01(rng);
      r.outcome = u < 0.6 ? models::Outcome::RolledBack
                          : (u < 0.9 ? models::Outcome::Failed : models::Outcome::Blocked);
    }
    r.defect_survived_ci = i % 5 == 0;
    if (r.defect_survived_ci) {
      r.catch_point = engine::bernoulli(rng, canary_share) ? models::CatchPoint::Canary
                                                           : models::CatchPoint::Escaped;
    }
  }
  return records;
}

struct Arm {
  std::string name;
  double median;
  double success;
  double canary_share;
};

// An in-memory study: every strategy's replication r uses seed 100 + r (common random numbers).
results::StudyRecords study_of(const std::vector<Arm>& arms, std::uint32_t replications,
                               std::size_t per_run) {
  results::StudyRecords study;
  study.path = "in-memory.h5";
  study.provenance.scenario = "unit";
  study.provenance.master_seed = 7;
  study.provenance.replications = replications;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    study.provenance.strategies.push_back(arms[a].name);
    for (std::uint32_t r = 0; r < replications; ++r) {
      results::RunRecords run;
      run.strategy = arms[a].name;
      run.replication = r;
      run.seed = 100 + r;
      run.deployments = deployments(1000 * a + r, per_run + 7 * r, arms[a].median, arms[a].success,
                                    arms[a].canary_share);
      if (a == 0) {
        run.violations = {{1, "no_friday_deployments"}, {2, "db_migration_review"}};
      }
      study.runs.push_back(std::move(run));
    }
  }
  return study;
}

std::vector<double> pooled_cycles(const results::StudyRecords& study, std::size_t strategy) {
  std::vector<double> cycles;
  for (std::uint32_t r = 0; r < study.provenance.replications; ++r) {
    for (const auto& record : study.run(strategy, r).deployments) {
      cycles.push_back(record.cycle_time_min);
    }
  }
  return cycles;
}

std::uint64_t pooled_count(const results::StudyRecords& study, std::size_t strategy,
                           models::Outcome outcome) {
  std::uint64_t count = 0;
  for (std::uint32_t r = 0; r < study.provenance.replications; ++r) {
    for (const auto& record : study.run(strategy, r).deployments) {
      count += record.outcome == outcome ? 1 : 0;
    }
  }
  return count;
}

TEST(Compare, EqualsTheStatisticsFunctionsOnKnownInputs) {
  const results::StudyRecords study = study_of(
      {{"baseline", 50.0, 0.89, 0.0}, {"genops", 24.0, 0.97, 0.3}, {"slow", 49.0, 0.90, 0.1}}, 6,
      300);
  CompareOptions options;
  options.bootstrap_resamples = 400;
  options.bootstrap_seed = 99;
  const ComparisonReport report = compare_strategies(study, options);
  ASSERT_EQ(report.arms.size(), 3U);
  ASSERT_EQ(report.comparisons.size(), 2U);
  EXPECT_EQ(report.arms[0].strategy, "baseline");
  EXPECT_EQ(report.comparisons[0].strategy, "genops");

  const std::vector<double> base = pooled_cycles(study, 0);
  const std::vector<double> genops = pooled_cycles(study, 1);
  const ArmSummary& arm0 = report.arms[0];
  EXPECT_EQ(arm0.summary.deployments, base.size());
  EXPECT_DOUBLE_EQ(arm0.summary.median_cycle_time_min, median(base));
  const MedianInterval ci = median_confidence_interval(base, 0.95);
  EXPECT_EQ(arm0.median_ci.low, ci.low);
  EXPECT_EQ(arm0.median_ci.high, ci.high);
  EXPECT_EQ(arm0.summary.safety_violations, 12U);  // 2 per replication

  const std::uint64_t succeeded0 = pooled_count(study, 0, models::Outcome::Succeeded);
  const std::uint64_t succeeded1 = pooled_count(study, 1, models::Outcome::Succeeded);
  EXPECT_EQ(arm0.success.count, succeeded0);
  const Interval wilson = wilson_interval(succeeded0, base.size());
  EXPECT_EQ(arm0.success.ci.low, wilson.low);
  EXPECT_EQ(arm0.success.ci.high, wilson.high);
  const std::uint64_t rolled1 = pooled_count(study, 1, models::Outcome::RolledBack);
  EXPECT_EQ(report.arms[1].rollback.count, rolled1);

  const PooledComparison& pooled = report.comparisons[0].pooled;
  BootstrapOptions bootstrap;
  bootstrap.resamples = 400;
  bootstrap.seed = 99;
  const MedianDifferenceBootstrap expected_bootstrap =
      bootstrap_median_difference(base, genops, bootstrap);
  EXPECT_EQ(pooled.median.difference, expected_bootstrap.difference);
  EXPECT_EQ(pooled.median.difference_low, expected_bootstrap.difference_low);
  EXPECT_EQ(pooled.median.difference_high, expected_bootstrap.difference_high);
  EXPECT_EQ(pooled.median.relative_reduction, expected_bootstrap.relative_reduction);
  EXPECT_GT(pooled.median.difference, 15.0);  // baseline − genops: genops is faster

  const MannWhitneyResult mw = mann_whitney_u(base, genops);
  EXPECT_EQ(pooled.mann_whitney.u1, mw.u1);
  EXPECT_EQ(pooled.mann_whitney.p_value, mw.p_value);
  EXPECT_EQ(pooled.mann_whitney.a12, mw.a12);
  EXPECT_GT(pooled.mann_whitney.a12, 0.5);

  const Interval newcombe =
      newcombe_difference_interval(succeeded1, genops.size(), succeeded0, base.size());
  EXPECT_EQ(pooled.success.newcombe.low, newcombe.low);
  EXPECT_EQ(pooled.success.newcombe.high, newcombe.high);
  const double p0 = static_cast<double>(succeeded0) / static_cast<double>(base.size());
  const double p1 = static_cast<double>(succeeded1) / static_cast<double>(genops.size());
  EXPECT_DOUBLE_EQ(pooled.success.difference, p1 - p0);
  const Table2x2 table = table_from_counts(succeeded1, genops.size(), succeeded0, base.size());
  EXPECT_EQ(pooled.success.chi_square.statistic, pearson_chi_square(table).statistic);
  EXPECT_EQ(pooled.success.fisher_p, fisher_exact_p(table));
  EXPECT_DOUBLE_EQ(pooled.success.cohens_h, cohens_h(p0, p1));
  EXPECT_GT(pooled.canary_catch.difference, 0.0);

  // Replication level: paired over replications, per-replication medians and success rates.
  std::vector<double> medians0;
  std::vector<double> medians1;
  std::vector<double> success0;
  std::vector<double> success1;
  for (std::uint32_t r = 0; r < 6; ++r) {
    const models::StrategySummary s0 = models::summarize(study.run(0, r).deployments, 0);
    const models::StrategySummary s1 = models::summarize(study.run(1, r).deployments, 0);
    medians0.push_back(s0.median_cycle_time_min);
    medians1.push_back(s1.median_cycle_time_min);
    success0.push_back(s0.success_rate);
    success1.push_back(s1.success_rate);
  }
  EXPECT_EQ(report.arms[0].replication_medians, medians0);
  const PairedComparison& paired = report.comparisons[0].paired;
  EXPECT_TRUE(paired.defined);
  EXPECT_TRUE(paired.common_seeds);
  const TTestResult t = paired_t_test(medians0, medians1);
  EXPECT_EQ(paired.median.t.t, t.t);
  EXPECT_EQ(paired.median.t.p_value, t.p_value);
  EXPECT_EQ(paired.median.t.ci_low, t.ci_low);
  const WilcoxonResult w = wilcoxon_signed_rank(medians0, medians1);
  EXPECT_EQ(paired.median.wilcoxon.p_value, w.p_value);
  const TTestResult ts = paired_t_test(success1, success0);
  EXPECT_EQ(paired.success.t.mean_difference, ts.mean_difference);
  EXPECT_EQ(paired.success.t.p_value, ts.p_value);

  // Holm across the two compared strategies, per test.
  const std::vector<double> mw_p = {report.comparisons[0].pooled.mann_whitney.p_value,
                                    report.comparisons[1].pooled.mann_whitney.p_value};
  const std::vector<double> mw_holm = holm_adjust(mw_p);
  EXPECT_EQ(report.comparisons[0].pooled.mann_whitney_p_holm, mw_holm[0]);
  EXPECT_EQ(report.comparisons[1].pooled.mann_whitney_p_holm, mw_holm[1]);
  const std::vector<double> t_p = {report.comparisons[0].paired.median.t.p_value,
                                   report.comparisons[1].paired.median.t.p_value};
  EXPECT_EQ(report.comparisons[1].paired.median.t_p_holm, holm_adjust(t_p)[1]);
}

TEST(Compare, IsDeterministicAndHonoursTheBaselineOption) {
  const results::StudyRecords study =
      study_of({{"baseline", 50.0, 0.89, 0.0}, {"genops", 24.0, 0.97, 0.3}}, 3, 200);
  CompareOptions options;
  options.bootstrap_resamples = 200;
  EXPECT_EQ(render_json(compare_strategies(study, options)),
            render_json(compare_strategies(study, options)));
  options.baseline = "genops";
  const ComparisonReport flipped = compare_strategies(study, options);
  EXPECT_EQ(flipped.arms[0].strategy, "genops");
  EXPECT_LT(flipped.comparisons[0].pooled.median.difference, 0.0);
  options.baseline = "gen-ops";
  EXPECT_THROW(compare_strategies(study, options), std::invalid_argument);
}

TEST(Compare, OneReplicationLeavesThePairedTestsUndefined) {
  const results::StudyRecords study =
      study_of({{"baseline", 50.0, 0.89, 0.0}, {"genops", 24.0, 0.97, 0.3}}, 1, 200);
  CompareOptions options;
  options.bootstrap_resamples = 50;
  const ComparisonReport report = compare_strategies(study, options);
  EXPECT_FALSE(report.comparisons[0].paired.defined);
  EXPECT_TRUE(std::isnan(report.comparisons[0].paired.median.t.p_value));
  EXPECT_NE(render_text(report).find("paired tests need at least 2 replications"),
            std::string::npos);
  const auto json = nlohmann::json::parse(render_json(report));
  EXPECT_TRUE(json["comparisons"][0]["replication_level"]["median_cycle_time"]["t_p"].is_null());
}

TEST(Compare, RendersEveryFormatWithBothLevelsLabelled) {
  const results::StudyRecords study =
      study_of({{"baseline", 50.0, 0.89, 0.0}, {"gen_ops", 24.0, 0.97, 0.3}}, 4, 200);
  CompareOptions options;
  options.bootstrap_resamples = 100;
  const ComparisonReport report = compare_strategies(study, options);
  const std::string text = render_text(report);
  EXPECT_NE(text.find("DEPLOYMENT LEVEL"), std::string::npos);
  EXPECT_NE(text.find("REPLICATION LEVEL"), std::string::npos);
  EXPECT_NE(text.find("common random numbers"), std::string::npos);
  EXPECT_NE(text.find("Mann-Whitney"), std::string::npos);
  const std::string markdown = render_markdown(report);
  EXPECT_NE(markdown.find("| Metric | baseline | gen\\_ops |"), std::string::npos);
  EXPECT_NE(markdown.find("replication level (paired"), std::string::npos);
  const std::string latex = render_latex(report);
  EXPECT_NE(latex.find("\\begin{tabular}"), std::string::npos);
  EXPECT_NE(latex.find("gen\\_ops"), std::string::npos);
  EXPECT_EQ(latex.find("gen_ops"), std::string::npos);  // every underscore escaped
  const auto json = nlohmann::json::parse(render_json(report));
  EXPECT_EQ(json["arms"][1]["strategy"], "gen_ops");
  EXPECT_EQ(json["comparisons"][0]["deployment_level"]["mann_whitney"]["p"].get<double>(),
            report.comparisons[0].pooled.mann_whitney.p_value);
  EXPECT_EQ(format_p_value(0.0), "< 1e-300");
  EXPECT_EQ(format_p_value(std::nan("")), "n/a");
  EXPECT_EQ(format_p_value(0.012345), "0.0123");
}

// ---- The command line: bad input is one line and exit code 2 ----------------------------------

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

CliResult run(const std::vector<std::string>& arguments) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = scenarios::run_cli(arguments);
  CliResult result{code, ::testing::internal::GetCapturedStdout(),
                   ::testing::internal::GetCapturedStderr()};
  return result;
}

void expect_bad_input(const std::vector<std::string>& arguments, const std::string& fragment) {
  SCOPED_TRACE(arguments.back());
  const CliResult result = run(arguments);
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find(fragment), std::string::npos) << result.err;
  ASSERT_FALSE(result.err.empty());
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "not one line: " << result.err;
  EXPECT_EQ(result.err.find("HDF5-DIAG"), std::string::npos) << result.err;
}

// A small but complete results file (two strategies, two replications).
fs::path write_small_file(const fs::path& directory) {
  const results::StudyRecords study =
      study_of({{"baseline", 50.0, 0.89, 0.0}, {"genops", 24.0, 0.97, 0.3}}, 2, 120);
  results::StudyProvenance provenance = study.provenance;
  provenance.config_json = "{}";
  provenance.start_date = "2024-03-04";
  provenance.organizations = {{"org", 10, 2, 1}};
  std::vector<results::RunView> views;
  for (const results::RunRecords& run : study.runs) {
    results::RunView view;
    view.strategy = run.strategy;
    view.replication = run.replication;
    view.seed = run.seed;
    view.organizations = {results::OrganizationRecords{run.deployments, {}, {}, {}}};
    view.violations = run.violations;
    view.summary = models::summarize(run.deployments, run.violations.size());
    views.push_back(std::move(view));
  }
  const fs::path path = directory / "small.h5";
  results::write_study(path, provenance, views);
  return path;
}

TEST(CompareCli, PrintsTheTableInEveryFormat) {
  const fs::path path = write_small_file(test_directory());
  CliResult result = run({"compare", path.string(), "--resamples", "100"});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_NE(result.out.find("genops vs baseline (deployment level)"), std::string::npos);
  result = run({"compare", path.string(), "--json", "--resamples", "100"});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["baseline"], "baseline");
  result = run({"compare", path.string(), "--format", "markdown", "--resamples", "100"});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out.rfind("**unit**", 0), 0U) << result.out;
  result = run({"compare", "--help"});
  EXPECT_EQ(result.code, 0);
  EXPECT_NE(result.out.find("--baseline"), std::string::npos);
}

TEST(CompareCli, BadInputIsOneLineAndExitCodeTwo) {
  const fs::path directory = test_directory();
  const fs::path good = write_small_file(directory);

  expect_bad_input({"compare", (directory / "missing.h5").string()}, "not found");

  const fs::path text = directory / "notes.h5";
  std::ofstream(text) << "deployment,cycle_time_min\n1,2\n";
  expect_bad_input({"compare", text.string()}, "is not an HDF5 file");

  const fs::path partial = directory / "crashed.h5.partial";
  fs::copy_file(good, partial);
  expect_bad_input({"compare", partial.string()}, "unfinished '.partial' file");

  const fs::path other = directory / "other.h5";
  {
    results::ResultsWriter writer(other, "some-other-tool", 3);
    writer.finalize();
  }
  expect_bad_input({"compare", other.string()}, "has schema 'some-other-tool'");

  const fs::path newer = directory / "newer.h5";
  {
    results::ResultsWriter writer(newer, results::kResultsSchemaName,
                                  results::kResultsSchemaVersion + 1);
    writer.finalize();
  }
  expect_bad_input({"compare", newer.string()}, "version 3");

  const fs::path truncated = directory / "truncated.h5";
  fs::copy_file(good, truncated);
  fs::resize_file(truncated, fs::file_size(good) / 2);
  expect_bad_input({"compare", truncated.string()}, "results file");

  const fs::path missing_group = directory / "missing_group.h5";
  fs::copy_file(good, missing_group);
  {
    const hid_t file = H5Fopen(missing_group.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, "/runs/genops/rep1", H5P_DEFAULT), 0);
    H5Fclose(file);
  }
  expect_bad_input({"compare", missing_group.string()},
                   "has 1 run group(s) in '/runs/genops'; expected replications=2");

  const fs::path missing_column = directory / "missing_column.h5";
  fs::copy_file(good, missing_column);
  {
    const hid_t file = H5Fopen(missing_column.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, "/runs/baseline/rep0/deployments/outcome", H5P_DEFAULT), 0);
    H5Fclose(file);
  }
  expect_bad_input({"compare", missing_column.string()}, "has no column 'outcome'");

  expect_bad_input({"compare", good.string(), "--baseline", "gen-ops"},
                   "'gen-ops' is not a strategy");
  expect_bad_input({"compare", good.string(), "--format", "html"}, "--format");
  expect_bad_input({"compare", good.string(), "--resamples", "1"}, "--resamples");
  expect_bad_input({"compare"}, "results");
  expect_bad_input({"report", good.string()}, "html");
}

}  // namespace
}  // namespace genops::analysis
