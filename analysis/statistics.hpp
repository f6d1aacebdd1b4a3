#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

// Statistics for comparing strategies (docs/statistics.md), on Boost.Math
// distributions. Every function takes its data by span and never modifies it, returns plain
// values, and throws std::invalid_argument on degenerate input (empty samples, n < 2 where a
// variance is needed, probabilities or confidence levels outside their range, NaN data).
//
// Sign conventions: for two samples every difference is first − second (means, medians, the
// Hodges–Lehmann shift, Newcombe's interval, paired differences), except Cohen's h, which follows
// the design doc: h = 2 asin √p_second − 2 asin √p_first.
namespace genops::analysis {

// A confidence interval [low, high].
struct Interval {
  double low = 0;
  double high = 0;
};

// ---- Descriptive statistics -------------------------------------------------------------------

double mean(std::span<const double> sample);
// Unbiased sample variance (denominator n − 1); needs n >= 2.
double sample_variance(std::span<const double> sample);
// Works on a copy: the input is never reordered (unlike boost::math::statistics::median).
double median(std::span<const double> sample);
// Sample quantile, Hyndman & Fan type 7 (numpy's and R's default); probability in [0, 1].
double quantile(std::span<const double> sample, double probability);

// Distribution-free CI for the median from order statistics (binomial(n, 1/2) quantiles):
// [x_(k), x_(n−k+1)] with the largest k whose coverage 1 − 2 P(B <= k − 1) is >= confidence.
// When n is too small for any such k, the interval is [min, max] and `coverage` tells how much
// it really covers (1 − 2^(1−n)).
struct MedianInterval {
  double low = 0;
  double high = 0;
  double coverage = 0;
};
MedianInterval median_confidence_interval(std::span<const double> sample, double confidence = 0.95);

// ---- Two independent samples -------------------------------------------------------------------

// Mann–Whitney U, normal approximation with tie correction and continuity correction (as scipy's
// mannwhitneyu(method="asymptotic", use_continuity=True)). u1 counts pairs with first > second
// (ties count one half), u2 = n1 n2 − u1. z is signed (> 0 when first tends to be larger) and
// corrected by 0.5 towards zero. a12 = u1 / (n1 n2) (Vargha–Delaney Â12, P(X > Y) + P(X = Y)/2),
// cliffs_delta = 2 a12 − 1. When every value is equal z = 0 and p = 1.
struct MannWhitneyResult {
  double u1 = 0;
  double u2 = 0;
  double z = 0;
  double p_value = 1;
  double a12 = 0.5;
  double cliffs_delta = 0;
};
MannWhitneyResult mann_whitney_u(std::span<const double> first, std::span<const double> second);

// Hodges–Lehmann shift: the median of all n1 n2 differences first_i − second_j, found exactly
// without forming them (bisection on the bit pattern of the answer, O((n1 + n2) log) time).
double hodges_lehmann_shift(std::span<const double> first, std::span<const double> second);

// Result of a t test. mean_difference is mean(first) − mean(second) (or mean of the paired
// differences), [ci_low, ci_high] its two-sided CI at the requested confidence. When the
// standard error is 0 (constant data) t, degrees_of_freedom and p_value are NaN and the CI is the
// point [mean_difference, mean_difference], as scipy gives NaN.
struct TTestResult {
  double t = 0;
  double degrees_of_freedom = 0;
  double p_value = 1;
  double mean_difference = 0;
  double ci_low = 0;
  double ci_high = 0;
};
// Welch's unequal-variance t test, Welch–Satterthwaite df; both samples need n >= 2.
TTestResult welch_t_test(std::span<const double> first, std::span<const double> second,
                         double confidence = 0.95);
// Paired t test on d_i = first_i − second_i (equal lengths, n >= 2), df = n − 1.
TTestResult paired_t_test(std::span<const double> first, std::span<const double> second,
                          double confidence = 0.95);

// ---- Paired samples: Wilcoxon signed-rank -------------------------------------------------------

// How zero differences are treated. Wilcox drops them before ranking (R's wilcox.test, scipy's
// default); Pratt ranks them with the others and then drops their ranks (Pratt 1959), with
// Cureton's adjustment of the normal approximation (as scipy's zero_method="pratt").
enum class ZeroMethod { Wilcox, Pratt };

// w_plus / w_minus: rank sums of the positive / negative differences. Exact two-sided p
// (scipy's method="exact") when n <= kWilcoxonExactMaxN, no difference is zero and no |d| ties;
// otherwise the normal approximation with tie correction and continuity correction (scipy's
// method="approx", correction=True). z is signed (> 0 when w_plus is the larger), 0 when exact.
struct WilcoxonResult {
  double w_plus = 0;
  double w_minus = 0;
  double z = 0;
  double p_value = 1;
  std::size_t nonzero_count = 0;
  bool exact = false;
};
inline constexpr std::size_t kWilcoxonExactMaxN = 25;
// On the differences themselves; throws if all are zero.
WilcoxonResult wilcoxon_signed_rank(std::span<const double> differences,
                                    ZeroMethod zero_method = ZeroMethod::Wilcox);
// On d_i = first_i − second_i (equal lengths).
WilcoxonResult wilcoxon_signed_rank(std::span<const double> first, std::span<const double> second,
                                    ZeroMethod zero_method = ZeroMethod::Wilcox);

// ---- Proportions and 2x2 tables
// ------------------------------------------------------------------

// A 2x2 contingency table [[a, b], [c, d]]: rows are the two groups, columns the two outcomes
// (e.g. a = successes and b = failures of group 1).
struct Table2x2 {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
  std::uint64_t d = 0;
};
// Rows (successes, trials − successes) per group; throws if successes > trials.
Table2x2 table_from_counts(std::uint64_t successes_first, std::uint64_t trials_first,
                           std::uint64_t successes_second, std::uint64_t trials_second);

// Pearson chi-square with 1 df and no Yates correction (scipy chi2_contingency(correction=
// False)). With a zero row or column total only one table has these margins: statistic 0, p 1
// (as Fisher's test gives). Throws on an empty table.
struct ChiSquareResult {
  double statistic = 0;
  double p_value = 1;
};
ChiSquareResult pearson_chi_square(const Table2x2& table);
// Fisher's exact test, two-sided: the total probability of the tables with the observed margins
// that are no more likely than the observed one (relative tolerance 1e-7, as R and scipy).
// Throws on an empty table.
double fisher_exact_p(const Table2x2& table);

// Wilson score interval for successes / trials (trials > 0).
Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double confidence = 0.95);
// Newcombe's hybrid score interval (method 10 of Newcombe 1998) for p_first − p_second of two
// independent proportions, built from the two Wilson intervals.
Interval newcombe_difference_interval(std::uint64_t successes_first, std::uint64_t trials_first,
                                      std::uint64_t successes_second, std::uint64_t trials_second,
                                      double confidence = 0.95);
// Cohen's h = 2 asin √p_second − 2 asin √p_first: positive when the second proportion is larger.
double cohens_h(double p_first, double p_second);

// ---- Bootstrap
// -------------------------------------------------------------------------------------

struct BootstrapOptions {
  std::size_t resamples = 2000;
  double confidence = 0.95;
  // Resample i draws from the engine::RngStream keyed by (seed, i); the same seed gives the same
  // CI at any thread count (resamples run in parallel on oneTBB's workers).
  std::uint64_t seed = 0;
};
// Percentile bootstrap of two independent samples, each resampled with replacement on its own.
// difference = median(first) − median(second); relative_reduction = difference / median(first)
// (the share by which second undercuts first). The CI bounds are type-7 quantiles of the
// resampled statistics. relative_* bounds are NaN when a resampled median(first) is 0.
struct MedianDifferenceBootstrap {
  double difference = 0;
  double difference_low = 0;
  double difference_high = 0;
  double relative_reduction = 0;
  double relative_low = 0;
  double relative_high = 0;
};
MedianDifferenceBootstrap bootstrap_median_difference(std::span<const double> first,
                                                      std::span<const double> second,
                                                      const BootstrapOptions& options = {});

// ---- Multiplicity
// ----------------------------------------------------------------------------------

// Holm–Bonferroni adjusted p-values, in the input order: monotone in the sorted order, capped
// at 1 (as R's p.adjust(method = "holm")).
std::vector<double> holm_adjust(std::span<const double> p_values);

}  // namespace genops::analysis
