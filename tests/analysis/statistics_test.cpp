#include "analysis/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "engine/random.hpp"

// Reference values: unless a line says otherwise, each number below was printed by
//   /usr/bin/python3 tests/analysis/reference/statistics_reference.py
// (numpy 1.24.2, scipy 1.10.1, Debian 12) under the name quoted next to it. That script holds the
// exact scipy/numpy call for every name; the lognormal samples are
// tests/analysis/reference/lognormal_{first,second}.csv (n = 800 each, cycle times rounded to
// 0.1 minute, so they hold ties), written by the same script with --write-data.
namespace genops::analysis {
namespace {

constexpr double kClosedForm = 1e-9;  // relative tolerance where both sides use closed forms

void expect_relative(double actual, double expected, double tolerance) {
  EXPECT_NEAR(actual, expected, tolerance * std::fabs(expected)) << "expected " << expected;
}

std::vector<double> read_column(const std::string& name) {
  const std::string path = std::string(GENOPS_SOURCE_DIR) + "/tests/analysis/reference/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<double> values;
  double value = 0;
  while (in >> value) {
    values.push_back(value);
  }
  return values;
}

class LognormalSamples : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(first_.size(), 800U);
    ASSERT_EQ(second_.size(), 800U);
  }
  std::vector<double> first_ = read_column("lognormal_first.csv");
  std::vector<double> second_ = read_column("lognormal_second.csv");
};

// Synthetic cycle times for the big-sample checks (8000 per arm, as a real comparison).
std::vector<double> synthetic_cycle_times(std::uint64_t seed, double median_minutes,
                                          std::size_t count) {
  engine::RngStream rng(seed);
  std::vector<double> values(count);
  for (double& value : values) {
    value = std::round(engine::lognormal_median(rng, median_minutes, 0.8) * 10.0) / 10.0;
  }
  return values;
}

// ---- Descriptive ----------------------------------------------------------------------------

TEST_F(LognormalSamples, DescriptiveMatchNumpy) {
  expect_relative(mean(first_), 75.212000000000003, kClosedForm);  // descriptive.mean_first
  expect_relative(sample_variance(first_), 4551.0905191489364,
                  kClosedForm);                           // descriptive.variance_first
  EXPECT_DOUBLE_EQ(median(first_), 56.200000000000003);   // descriptive.median_first
  EXPECT_DOUBLE_EQ(median(second_), 23.300000000000001);  // descriptive.median_second
  // descriptive.quantile_first[p] (np.quantile, linear = type 7)
  EXPECT_DOUBLE_EQ(quantile(first_, 0.0), 4.0999999999999996);
  EXPECT_DOUBLE_EQ(quantile(first_, 0.1), 19.190000000000001);
  EXPECT_DOUBLE_EQ(quantile(first_, 0.25), 33.199999999999996);
  EXPECT_DOUBLE_EQ(quantile(first_, 0.9), 153.20999999999998);
  EXPECT_DOUBLE_EQ(quantile(first_, 0.975), 257.52249999999998);
  EXPECT_DOUBLE_EQ(quantile(first_, 1.0), 727.39999999999998);
}

TEST(Descriptive, TextbookValuesAndInputUntouched) {
  std::vector<double> values = {4, 1, 3, 2};
  const std::vector<double> original = values;
  EXPECT_DOUBLE_EQ(median(values), 2.5);
  EXPECT_DOUBLE_EQ(quantile(values, 0.25), 1.75);  // type 7: 1 + 0.75 (2 − 1)
  EXPECT_DOUBLE_EQ(quantile(values, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(mean(values), 2.5);
  EXPECT_DOUBLE_EQ(sample_variance(values), 5.0 / 3.0);
  EXPECT_EQ(values, original);  // boost's median would have reordered them
  const std::vector<double> odd = {9, 7, 8};
  EXPECT_DOUBLE_EQ(median(odd), 8.0);
}

TEST_F(LognormalSamples, MedianOrderStatisticInterval) {
  const MedianInterval interval = median_confidence_interval(first_);
  EXPECT_DOUBLE_EQ(interval.low, 53.200000000000003);             // median_ci.first.low
  EXPECT_DOUBLE_EQ(interval.high, 59.399999999999999);            // median_ci.first.high
  expect_relative(interval.coverage, 0.95618934474131811, 1e-9);  // median_ci.first.coverage
}

TEST(MedianInterval, SmallSamplesByHand) {
  // n = 10: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so k = 2: [x(2), x(9)].
  const std::vector<double> ten = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  const MedianInterval interval = median_confidence_interval(ten);
  EXPECT_DOUBLE_EQ(interval.low, 2.0);
  EXPECT_DOUBLE_EQ(interval.high, 9.0);
  EXPECT_DOUBLE_EQ(interval.coverage, 1.0 - 22.0 / 1024.0);
  // n = 5 is too small for 95 %: [min, max] covers only 1 − 2/32.
  const std::vector<double> five = {3, 1, 4, 1.5, 9};
  const MedianInterval wide = median_confidence_interval(five);
  EXPECT_DOUBLE_EQ(wide.low, 1.0);
  EXPECT_DOUBLE_EQ(wide.high, 9.0);
  EXPECT_DOUBLE_EQ(wide.coverage, 0.9375);
}

// ---- Mann–Whitney, effect sizes, Hodges–Lehmann ------------------------------------------------

TEST_F(LognormalSamples, MannWhitneyMatchesScipy) {
  const MannWhitneyResult result = mann_whitney_u(first_, second_);
  EXPECT_DOUBLE_EQ(result.u1, 487849.0);  // mann_whitney.lognormal.u1
  EXPECT_DOUBLE_EQ(result.u2, 800.0 * 800.0 - 487849.0);
  expect_relative(result.p_value, 9.8620962718847355e-74, kClosedForm);  // ...lognormal.p
  expect_relative(result.z, 18.164488988077309, kClosedForm);            // ...lognormal.z
  expect_relative(result.a12, 0.76226406250000001, kClosedForm);         // ...lognormal.a12
  expect_relative(result.cliffs_delta, 2 * 0.76226406250000001 - 1, kClosedForm);
  // hodges_lehmann.lognormal: np.median(np.subtract.outer(first, second)), 640 000 differences
  EXPECT_DOUBLE_EQ(hodges_lehmann_shift(first_, second_), 28.399999999999999);
}

TEST(MannWhitney, SmallSampleWithTies) {
  const std::vector<double> x = {1, 2, 2, 3, 5, 7};
  const std::vector<double> y = {2, 3, 3, 4, 8, 9, 10};
  const MannWhitneyResult result = mann_whitney_u(x, y);
  EXPECT_DOUBLE_EQ(result.u1, 11.0);                                  // mann_whitney.small.u1
  expect_relative(result.p_value, 0.16996790760227598, kClosedForm);  // mann_whitney.small.p
  expect_relative(result.z, -1.3723069351415376, kClosedForm);        // mann_whitney.small.z
  expect_relative(result.a12, 0.26190476190476192, kClosedForm);      // mann_whitney.small.a12
  EXPECT_DOUBLE_EQ(hodges_lehmann_shift(x, y), -2.0);                 // hodges_lehmann.small
  // Swapping the samples mirrors the statistics and keeps p.
  const MannWhitneyResult swapped = mann_whitney_u(y, x);
  EXPECT_DOUBLE_EQ(swapped.u1, result.u2);
  EXPECT_DOUBLE_EQ(swapped.z, -result.z);
  EXPECT_DOUBLE_EQ(swapped.p_value, result.p_value);
  EXPECT_DOUBLE_EQ(swapped.cliffs_delta, -result.cliffs_delta);
}

TEST(MannWhitney, DegenerateAndSeparatedSamples) {
  const std::vector<double> same = {4, 4, 4};
  const MannWhitneyResult flat = mann_whitney_u(same, same);
  EXPECT_DOUBLE_EQ(flat.z, 0.0);
  EXPECT_DOUBLE_EQ(flat.p_value, 1.0);
  EXPECT_DOUBLE_EQ(flat.a12, 0.5);
  const std::vector<double> low = {1, 2, 3};
  const std::vector<double> high = {10, 11, 12, 13};
  const MannWhitneyResult apart = mann_whitney_u(high, low);
  EXPECT_DOUBLE_EQ(apart.u1, 12.0);
  EXPECT_DOUBLE_EQ(apart.a12, 1.0);
  EXPECT_DOUBLE_EQ(apart.cliffs_delta, 1.0);
}

TEST(HodgesLehmann, ExactShiftOnBigSamples) {
  // Integer-valued data shifted by exactly 5: every difference is exact, the median shift is 5.
  std::vector<double> first = synthetic_cycle_times(7, 50.0, 8000);
  for (double& value : first) {
    value = std::round(value);
  }
  std::vector<double> second = first;
  for (double& value : second) {
    value -= 5.0;
  }
  EXPECT_DOUBLE_EQ(hodges_lehmann_shift(first, second), 5.0);
  // Odd pair count (3 x 3): the single middle difference of {0, 1, 2, -1, 0, 1, -2, -1, 0} + 0.5.
  const std::vector<double> x = {1.5, 2.5, 3.5};
  const std::vector<double> y = {1, 2, 3};
  EXPECT_DOUBLE_EQ(hodges_lehmann_shift(x, y), 0.5);
}

// ---- t tests ------------------------------------------------------------------------------------

TEST_F(LognormalSamples, WelchMatchesScipy) {
  const TTestResult result = welch_t_test(first_, second_);
  expect_relative(result.t, 12.846527542831998, kClosedForm);                   // welch.lognormal.t
  expect_relative(result.degrees_of_freedom, 1507.6236081449938, kClosedForm);  // ...df
  expect_relative(result.p_value, 6.3919870910157392e-36, 1e-8);                // welch.lognormal.p
  expect_relative(result.ci_low, 32.907818362618222, kClosedForm);  // welch.lognormal.ci_low
  expect_relative(result.ci_high, 44.76818163738178, kClosedForm);  // welch.lognormal.ci_high
  expect_relative(result.mean_difference, mean(first_) - mean(second_), kClosedForm);
}

TEST(WelchT, SmallSamples) {
  const std::vector<double> x = {19.1, 21.3, 18.7, 25.2, 22.8, 20.4, 23.9};
  const std::vector<double> y = {15.2, 17.8, 16.1, 14.9, 19.3, 16.6, 15.8, 18.2, 17.0};
  const TTestResult result = welch_t_test(x, y);
  expect_relative(result.t, 4.6580837523093184, kClosedForm);                   // welch.small.t
  expect_relative(result.degrees_of_freedom, 9.2351449788040867, kClosedForm);  // welch.small.df
  expect_relative(result.p_value, 0.0011092944599783844, kClosedForm);          // welch.small.p
  expect_relative(result.ci_low, 2.5098963488453161, kClosedForm);   // welch.small.ci_low
  expect_relative(result.ci_high, 7.2139131749642118, kClosedForm);  // welch.small.ci_high
}

TEST(PairedT, CommonRandomNumberReplications) {
  const std::vector<double> baseline = {52.1, 48.3, 55.7, 50.2, 49.8, 53.4,
                                        51.1, 47.9, 54.6, 50.8, 52.9, 49.1};
  const std::vector<double> genops = {23.8, 22.1, 25.4, 24.0, 21.7, 23.3,
                                      22.9, 21.5, 26.0, 23.1, 24.4, 22.6};
  const TTestResult result = paired_t_test(baseline, genops, 0.90);
  expect_relative(result.t, 68.774232949182476, kClosedForm);  // paired.t
  EXPECT_DOUBLE_EQ(result.degrees_of_freedom, 11.0);
  expect_relative(result.p_value, 7.6250283885726955e-16, 1e-8);     // paired.p
  expect_relative(result.ci_low, 27.195801266524398, kClosedForm);   // paired.ci90_low
  expect_relative(result.ci_high, 28.654198733475603, kClosedForm);  // paired.ci90_high
}

TEST(TTests, ConstantDataGiveNaNNotAThrow) {
  const std::vector<double> constant = {3, 3, 3};
  const TTestResult welch = welch_t_test(constant, constant);
  EXPECT_TRUE(std::isnan(welch.t));
  EXPECT_TRUE(std::isnan(welch.p_value));
  EXPECT_DOUBLE_EQ(welch.ci_low, 0.0);
  const std::vector<double> shifted = {4, 4, 4};
  const TTestResult paired = paired_t_test(shifted, constant);
  EXPECT_TRUE(std::isnan(paired.p_value));
  EXPECT_DOUBLE_EQ(paired.mean_difference, 1.0);
}

// ---- Wilcoxon signed-rank ---------------------------------------------------------------------

TEST(Wilcoxon, ExactWithoutTies) {
  const std::vector<double> differences = {1.83, -0.52, 2.71, 0.94,  -1.26,
                                           3.05, 0.38,  1.47, -0.11, 2.2};
  const WilcoxonResult result = wilcoxon_signed_rank(differences);
  EXPECT_TRUE(result.exact);
  EXPECT_DOUBLE_EQ(result.w_plus, 46.0);          // wilcoxon.exact.w_plus
  EXPECT_DOUBLE_EQ(result.w_minus, 9.0);          // wilcoxon.exact.statistic_min (min(W+, W−))
  EXPECT_DOUBLE_EQ(result.p_value, 0.064453125);  // wilcoxon.exact.p (= 66/1024)
  EXPECT_EQ(result.nonzero_count, 10U);
  // Textbook: all five differences positive, W+ = 15, two-sided p = 2/32.
  const std::vector<double> positive = {0.5, 1.5, 2.5, 3.5, 4.5};
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(positive).p_value, 0.0625);
}

TEST(Wilcoxon, NormalApproximationWithTiesAndZeros) {
  const std::vector<double> differences = {3, -1, 0, 2, 2,  -2, 5, 1, 0, 4, -3, 2, 6, 1, -1,
                                           0, 3,  7, 2, -4, 1,  5, 3, 0, 2, -2, 4, 1, 8, 3};
  const WilcoxonResult wilcox = wilcoxon_signed_rank(differences, ZeroMethod::Wilcox);
  EXPECT_FALSE(wilcox.exact);
  EXPECT_EQ(wilcox.nonzero_count, 26U);
  EXPECT_DOUBLE_EQ(wilcox.w_plus, 288.0);                      // wilcoxon.ties.wilcox.w_plus
  EXPECT_DOUBLE_EQ(wilcox.w_minus, 63.0);                      // ...wilcox.w_minus
  expect_relative(wilcox.z, 2.8579706249564767, kClosedForm);  // ...wilcox.abs_z
  expect_relative(wilcox.p_value, 0.0042635985928919807, kClosedForm);  // ...wilcox.p
  const WilcoxonResult pratt = wilcoxon_signed_rank(differences, ZeroMethod::Pratt);
  EXPECT_DOUBLE_EQ(pratt.w_plus, 368.0);                               // wilcoxon.ties.pratt.w_plus
  EXPECT_DOUBLE_EQ(pratt.w_minus, 87.0);                               // ...pratt.w_minus
  expect_relative(pratt.z, 2.8930622018196801, kClosedForm);           // ...pratt.abs_z
  expect_relative(pratt.p_value, 0.0038150573549719188, kClosedForm);  // ...pratt.p
}

TEST_F(LognormalSamples, WilcoxonPairedOverloadAndLargeN) {
  const std::span<const double> first(first_.data(), 40);
  const std::span<const double> second(second_.data(), 40);
  const WilcoxonResult result = wilcoxon_signed_rank(first, second);
  EXPECT_FALSE(result.exact);                                  // n = 40 > kWilcoxonExactMaxN
  expect_relative(result.z, 3.6896361113457168, kClosedForm);  // wilcoxon.lognormal40.abs_z
  expect_relative(result.p_value, 0.00022457504944684814, kClosedForm);  // ...lognormal40.p
  std::vector<double> differences(40);
  for (std::size_t i = 0; i < 40; ++i) {
    differences[i] = first_[i] - second_[i];
  }
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(differences).p_value, result.p_value);
}

// ---- 2x2 tables
// ----------------------------------------------------------------------------------

TEST(TwoByTwo, DesignDocSuccessRates) {
  // docs/statistics.md §4: success 890/1000 against 968/1000.
  const Table2x2 table = table_from_counts(890, 1000, 968, 1000);
  EXPECT_EQ(table.b, 110U);
  EXPECT_EQ(table.d, 32U);
  const ChiSquareResult chi = pearson_chi_square(table);
  expect_relative(chi.statistic, 46.119559120059428, kClosedForm);    // chi_square.doc.statistic
  expect_relative(chi.p_value, 1.1125222568108203e-11, kClosedForm);  // chi_square.doc.p
  expect_relative(chi.statistic, 46.119559, 1e-8);                    // design doc, 8 digits
  // fisher.doc.p; scipy sums hypergeometric pmfs, we multiply probability ratios: 1e-9.
  expect_relative(fisher_exact_p(table), 6.3204350285976634e-12, 1e-9);
}

TEST(TwoByTwo, FisherTeaTasting) {
  // Fisher (1935): [[3, 1], [1, 3]], two-sided p = 34/70 = 0.4857142857.
  const Table2x2 tea{3, 1, 1, 3};
  EXPECT_NEAR(fisher_exact_p(tea), 34.0 / 70.0, 1e-14);
  expect_relative(fisher_exact_p(tea), 0.48571428571428565, 1e-12);  // fisher.tea.p
  const ChiSquareResult chi = pearson_chi_square(tea);
  EXPECT_DOUBLE_EQ(chi.statistic, 2.0);                            // chi_square.tea.statistic
  expect_relative(chi.p_value, 0.15729920705028105, kClosedForm);  // chi_square.tea.p
}

TEST(TwoByTwo, SmallAndLargeTables) {
  const Table2x2 small{12, 5, 3, 10};
  expect_relative(pearson_chi_square(small).statistic, 6.6515837104072393,
                  kClosedForm);  // chi_square.small.statistic
  expect_relative(pearson_chi_square(small).p_value, 0.0099067730113637491,
                  kClosedForm);                                       // chi_square.small.p
  expect_relative(fisher_exact_p(small), 0.02532768703367614, 1e-9);  // fisher.small.p
  const Table2x2 large{7800, 200, 7950, 50};
  expect_relative(pearson_chi_square(large).statistic, 91.428571428571431,
                  kClosedForm);  // chi_square.large.statistic
  expect_relative(pearson_chi_square(large).p_value, 1.1569386897550028e-21,
                  kClosedForm);                                          // chi_square.large.p
  expect_relative(fisher_exact_p(large), 9.6998983875450381e-23, 1e-8);  // fisher.large.p
}

TEST(TwoByTwo, ZeroMarginHasOnlyOneTable) {
  const Table2x2 no_failures{10, 0, 12, 0};
  const ChiSquareResult chi = pearson_chi_square(no_failures);
  EXPECT_DOUBLE_EQ(chi.statistic, 0.0);
  EXPECT_DOUBLE_EQ(chi.p_value, 1.0);
  EXPECT_DOUBLE_EQ(fisher_exact_p(no_failures), 1.0);  // scipy: fisher_exact(...).pvalue == 1.0
}

// ---- Proportions
// ----------------------------------------------------------------------------------

TEST(Proportions, WilsonInterval) {
  const Interval doc = wilson_interval(968, 1000);
  expect_relative(doc.low, 0.95517526191623137, kClosedForm);   // wilson.968/1000.low
  expect_relative(doc.high, 0.97724289214128912, kClosedForm);  // wilson.968/1000.high
  EXPECT_NEAR(doc.low, 0.955175, 5e-7);                         // design doc §3.4
  EXPECT_NEAR(doc.high, 0.977243, 5e-7);
  const Interval none = wilson_interval(0, 10);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  expect_relative(none.high, 0.2775327998628892, kClosedForm);  // wilson.0/10.high
  const Interval all = wilson_interval(10, 10);
  expect_relative(all.low, 0.72246720013711074, kClosedForm);  // wilson.10/10.low
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  // Newcombe (1998a, single proportion) examples: 81/263 -> 0.2553 to 0.3662,
  // 15/148 -> 0.0624 to 0.1605.
  expect_relative(wilson_interval(81, 263).low, 0.25528851987827422, kClosedForm);
  expect_relative(wilson_interval(81, 263).high, 0.36620957698280004, kClosedForm);
  expect_relative(wilson_interval(15, 148).low, 0.062386399530736297, kClosedForm);
  expect_relative(wilson_interval(15, 148).high, 0.16048724172330803, kClosedForm);
  const Interval wide = wilson_interval(968, 1000, 0.99);
  expect_relative(wide.low, 0.95029743199037597, kClosedForm);   // wilson.968/1000.99.low
  expect_relative(wide.high, 0.97953323766003508, kClosedForm);  // wilson.968/1000.99.high
}

TEST(Proportions, NewcombeMatchesPublishedTable) {
  // Newcombe (1998), Stat Med 17:873-890, Table II, method 10 (4 decimals), and the script's
  // newcombe.<s1>/<n1>-<s2>/<n2>.{low,high} for full precision.
  struct Case {
    std::uint64_t s1, n1, s2, n2;
    double low, high;
  };
  const Case cases[] = {
      {56, 70, 48, 80, 0.052431472402364981, 0.33387265403690602},  // paper 0.0524, 0.3339
      {9, 10, 3, 10, 0.17052272393450302, 0.8090179735354881},      // paper 0.1705, 0.8090
      {6, 7, 2, 7, 0.058227927482312203, 0.80624963752422774},      // paper 0.0582, 0.8062
      {5, 56, 0, 29, -0.03813714790353688, 0.19256001385511162},    // paper -0.0381, 0.1926
      {0, 10, 0, 20, -0.16112515805281938, 0.2775327998628892},     // paper -0.1611, 0.2775
      {0, 10, 0, 10, -0.2775327998628892, 0.2775327998628892},      // paper -0.2775, 0.2775
      {10, 10, 0, 20, 0.67908603714191473, 1.0},                    // paper 0.6791, 1.0000
      {10, 10, 0, 10, 0.60750935043052423, 1.0},                    // paper 0.6075, 1.0000
      {890, 1000, 968, 1000, -0.10085762326562697, -0.055963149255135264},
  };
  for (const Case& c : cases) {
    const Interval interval = newcombe_difference_interval(c.s1, c.n1, c.s2, c.n2);
    expect_relative(interval.low, c.low, kClosedForm);
    expect_relative(interval.high, c.high, kClosedForm);
  }
}

TEST(Proportions, CohensH) {
  expect_relative(cohens_h(0.89, 0.968), 0.31642350997570468, kClosedForm);  // cohens_h.doc
  EXPECT_NEAR(cohens_h(0.89, 0.968), 0.316424, 5e-7);                        // design doc §3.4
  EXPECT_DOUBLE_EQ(cohens_h(0.968, 0.89), -cohens_h(0.89, 0.968));
  EXPECT_DOUBLE_EQ(cohens_h(0.3, 0.3), 0.0);
  EXPECT_NEAR(cohens_h(0.0, 1.0), std::numbers::pi, 1e-15);  // 2 asin 1 − 2 asin 0
}

// ---- Bootstrap
// ------------------------------------------------------------------------------------

TEST_F(LognormalSamples, BootstrapMatchesIndependentReimplementation) {
  // The script re-implements stream_seed (SplitMix64), RngStream (xoshiro256**), uniform_below
  // (Lemire) and resamples by index with np.median, resample i from the stream keyed by (seed,
  // i); seed 12345, 200 resamples, 90 % percentile CI (bootstrap.*).
  const BootstrapOptions options{200, 0.90, 12345};
  const MedianDifferenceBootstrap result = bootstrap_median_difference(first_, second_, options);
  expect_relative(result.difference, 32.900000000000006, 1e-12);
  expect_relative(result.difference_low, 30.500000000000007, 1e-12);
  expect_relative(result.difference_high, 35.914999999999999, 1e-12);
  expect_relative(result.relative_reduction, 0.5854092526690392, 1e-12);
  expect_relative(result.relative_low, 0.56246894760614274, 1e-12);
  expect_relative(result.relative_high, 0.61351923049437596, 1e-12);
}

// Resamples run on oneTBB's workers, each from its own keyed stream: the intervals are
// bit-identical with 1, 2 and 4 worker threads (and so with any chunking or order).
TEST(Bootstrap, IdenticalAtAnyThreadCount) {
  const std::vector<double> baseline = synthetic_cycle_times(3, 52.8, 4000);
  const std::vector<double> genops = synthetic_cycle_times(4, 23.4, 3000);
  const BootstrapOptions options{1001, 0.95, 20240304};
  std::vector<MedianDifferenceBootstrap> results;
  for (const int threads : {1, 2, 4}) {
    const tbb::global_control workers(tbb::global_control::max_allowed_parallelism,
                                      static_cast<std::size_t>(threads));
    tbb::task_arena arena(threads);
    arena.execute(
        [&] { results.push_back(bootstrap_median_difference(baseline, genops, options)); });
  }
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i].difference_low, results[0].difference_low) << i;
    EXPECT_EQ(results[i].difference_high, results[0].difference_high) << i;
    EXPECT_EQ(results[i].relative_low, results[0].relative_low) << i;
    EXPECT_EQ(results[i].relative_high, results[0].relative_high) << i;
  }
  EXPECT_LT(results[0].difference_low, results[0].difference_high);
}

TEST(Bootstrap, SeededDeterministicOnBigSamples) {
  const std::vector<double> baseline = synthetic_cycle_times(1, 52.8, 8000);
  const std::vector<double> genops = synthetic_cycle_times(2, 23.4, 8000);
  const BootstrapOptions options{2000, 0.95, 99};
  const MedianDifferenceBootstrap once = bootstrap_median_difference(baseline, genops, options);
  const MedianDifferenceBootstrap again = bootstrap_median_difference(baseline, genops, options);
  EXPECT_EQ(once.difference_low, again.difference_low);
  EXPECT_EQ(once.difference_high, again.difference_high);
  EXPECT_LT(once.difference_low, once.difference);
  EXPECT_GT(once.difference_high, once.difference);
  // Sampling-theory check (documented bound): the median's standard error for a lognormal with
  // sigma 0.8 is about 1.2533 m sigma / sqrt(n); the 95 % CI half-width should be near
  // 1.96 sqrt(se1^2 + se2^2) = 1.23 minutes. Accept a factor of 1.5 either way.
  const double half_width = (once.difference_high - once.difference_low) / 2.0;
  const double expected = 1.96 * 1.2533 * 0.8 / std::sqrt(8000.0) * std::hypot(52.8, 23.4);
  EXPECT_GT(half_width, expected / 1.5);
  EXPECT_LT(half_width, expected * 1.5);
  const MedianDifferenceBootstrap other =
      bootstrap_median_difference(baseline, genops, {2000, 0.95, 100});
  EXPECT_NE(other.difference_low, once.difference_low);
}

// ---- Holm
// ----------------------------------------------------------------------------------------

TEST(Holm, AdjustedPValues) {
  // By hand: sorted 0.005 x 6 = 0.03, 0.01 x 5 = 0.05, 0.03 x 4 = 0.12, 0.04 x 3 = 0.12,
  // 0.04 x 2 = 0.08 -> 0.12 (monotone), 0.5 x 1 = 0.5; also holm[i] in the script.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005, 0.5, 0.04};
  const std::vector<double> adjusted = holm_adjust(p);
  const std::vector<double> expected = {0.05, 0.12, 0.12, 0.03, 0.5, 0.12};
  ASSERT_EQ(adjusted.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(adjusted[i], expected[i], 1e-15) << i;
  }
  const std::vector<double> capped = holm_adjust(std::vector<double>{0.4, 0.9});
  EXPECT_DOUBLE_EQ(capped[0], 0.8);
  EXPECT_DOUBLE_EQ(capped[1], 0.9);
  EXPECT_DOUBLE_EQ(holm_adjust(std::vector<double>{0.6, 0.7})[0], 1.0);
  EXPECT_TRUE(holm_adjust(std::vector<double>{}).empty());
}

// ---- Bad input
// -------------------------------------------------------------------------------------

TEST(BadInput, ThrowsInvalidArgument) {
  const std::vector<double> empty;
  const std::vector<double> one = {1.0};
  const std::vector<double> two = {1.0, 2.0};
  const std::vector<double> three = {1.0, 2.0, 3.0};
  const std::vector<double> with_nan = {1.0, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_THROW(mean(empty), std::invalid_argument);
  EXPECT_THROW(median(empty), std::invalid_argument);
  EXPECT_THROW(median(with_nan), std::invalid_argument);
  EXPECT_THROW(sample_variance(one), std::invalid_argument);
  EXPECT_THROW(quantile(two, 1.5), std::invalid_argument);
  EXPECT_THROW(quantile(two, -0.1), std::invalid_argument);
  EXPECT_THROW(median_confidence_interval(two, 1.0), std::invalid_argument);
  EXPECT_THROW(mann_whitney_u(empty, two), std::invalid_argument);
  EXPECT_THROW(hodges_lehmann_shift(two, empty), std::invalid_argument);
  EXPECT_THROW(welch_t_test(one, two), std::invalid_argument);
  EXPECT_THROW(welch_t_test(two, two, 0.0), std::invalid_argument);
  EXPECT_THROW(paired_t_test(two, three), std::invalid_argument);
  EXPECT_THROW(paired_t_test(one, one), std::invalid_argument);
  EXPECT_THROW(wilcoxon_signed_rank(two, three), std::invalid_argument);
  EXPECT_THROW(wilcoxon_signed_rank(std::vector<double>{0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(wilcoxon_signed_rank(empty), std::invalid_argument);
  EXPECT_THROW(table_from_counts(11, 10, 1, 10), std::invalid_argument);
  EXPECT_THROW(pearson_chi_square(Table2x2{}), std::invalid_argument);
  EXPECT_THROW(fisher_exact_p(Table2x2{}), std::invalid_argument);
  EXPECT_THROW(wilson_interval(1, 0), std::invalid_argument);
  EXPECT_THROW(wilson_interval(5, 4), std::invalid_argument);
  EXPECT_THROW(wilson_interval(1, 4, 1.2), std::invalid_argument);
  EXPECT_THROW(newcombe_difference_interval(1, 4, 1, 0), std::invalid_argument);
  EXPECT_THROW(cohens_h(-0.1, 0.5), std::invalid_argument);
  EXPECT_THROW(cohens_h(0.5, 1.01), std::invalid_argument);
  EXPECT_THROW(bootstrap_median_difference(empty, two), std::invalid_argument);
  EXPECT_THROW(bootstrap_median_difference(two, two, {1, 0.95, 0}), std::invalid_argument);
  EXPECT_THROW(holm_adjust(std::vector<double>{0.5, 1.5}), std::invalid_argument);
  EXPECT_THROW(holm_adjust(with_nan), std::invalid_argument);
}

}  // namespace
}  // namespace genops::analysis
