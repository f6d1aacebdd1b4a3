#include "analysis/statistics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "engine/random.hpp"

namespace genops::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// R's fisher.test treats tables whose probability is within this relative distance of the
// observed one as equally likely, so rounding in the probabilities cannot drop them.
constexpr double kFisherRelativeTolerance = 1e-7;
constexpr double kContinuityCorrection = 0.5;

[[noreturn]] void fail(const char* function, const std::string& message) {
  throw std::invalid_argument(std::string(function) + ": " + message);
}

void check_sample(const char* function, const char* name, std::span<const double> sample,
                  std::size_t minimum_size) {
  if (sample.size() < minimum_size) {
    fail(function, std::string(name) + " needs at least " + std::to_string(minimum_size) +
                       " values, got " + std::to_string(sample.size()));
  }
  for (const double value : sample) {
    if (!std::isfinite(value)) {
      fail(function, std::string(name) + " holds a non-finite value");
    }
  }
}

void check_confidence(const char* function, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    fail(function, "confidence must lie in (0, 1), got " + std::to_string(confidence));
  }
}

void check_probability(const char* function, double probability) {
  if (!(probability >= 0.0 && probability <= 1.0)) {
    fail(function, "probability must lie in [0, 1], got " + std::to_string(probability));
  }
}

// Two-sided upper critical value of the standard normal, e.g. 1.959964 for 0.95.
double normal_critical_value(double confidence) {
  const boost::math::normal_distribution<double> standard;
  return boost::math::quantile(boost::math::complement(standard, (1.0 - confidence) / 2.0));
}

double two_sided_normal_p(double z) {
  const boost::math::normal_distribution<double> standard;
  return std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(standard, std::fabs(z))));
}

double sum_of(std::span<const double> values) {
  return std::accumulate(values.begin(), values.end(), 0.0);
}

double variance_about(std::span<const double> sample, double center) {
  double sum_squares = 0;
  for (const double value : sample) {
    sum_squares += (value - center) * (value - center);
  }
  return sum_squares / static_cast<double>(sample.size() - 1);
}

// a + t (b − a), computed from the nearer end as numpy does, so t = 1 gives exactly b.
double lerp(double a, double b, double t) {
  const double difference = b - a;
  return t >= 0.5 ? b - difference * (1.0 - t) : a + difference * t;
}

// Type-7 quantile of already sorted values.
double sorted_quantile(std::span<const double> sorted, double probability) {
  const double position = static_cast<double>(sorted.size() - 1) * probability;
  const auto lower = static_cast<std::size_t>(std::floor(position));
  if (lower + 1 >= sorted.size()) {
    return sorted.back();
  }
  return lerp(sorted[lower], sorted[lower + 1], position - static_cast<double>(lower));
}

// Median of values in place (reorders them).
double median_in_place(std::vector<double>& values) {
  const std::size_t half = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half),
                   values.end());
  const double upper = values[half];
  if (values.size() % 2 == 1) {
    return upper;
  }
  // After nth_element the lower half holds the smaller values; its maximum is the lower middle.
  double lower = -std::numeric_limits<double>::infinity();
  for (std::size_t index = 0; index < half; ++index) {
    lower = std::max(lower, values[index]);
  }
  return (lower + upper) / 2.0;
}

std::vector<double> sorted_copy(std::span<const double> sample) {
  std::vector<double> copy(sample.begin(), sample.end());
  std::sort(copy.begin(), copy.end());
  return copy;
}

TTestResult t_result(double difference, double standard_error, double degrees_of_freedom,
                     double confidence) {
  if (standard_error == 0.0) {
    return {kNaN, kNaN, kNaN, difference, difference, difference};
  }
  const boost::math::students_t_distribution<double> distribution(degrees_of_freedom);
  const double t = difference / standard_error;
  const double p_value =
      std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(distribution, std::fabs(t))));
  const double critical =
      boost::math::quantile(boost::math::complement(distribution, (1.0 - confidence) / 2.0));
  return {t,
          degrees_of_freedom,
          p_value,
          difference,
          difference - critical * standard_error,
          difference + critical * standard_error};
}

// Maps doubles to unsigned integers in the same order (negative values flip all bits).
std::uint64_t order_key(double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
  return (bits & kSignBit) != 0 ? ~bits : bits | kSignBit;
}

double from_order_key(std::uint64_t key) {
  constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
  return std::bit_cast<double>((key & kSignBit) != 0 ? key & ~kSignBit : ~key);
}

// The rank-th smallest (1-based) of the computed differences x_i − y_j, x and y sorted.
// fl(x_i − y_j) rises with x_i and falls with y_j (rounding is monotone), so the pairs with
// fl(x_i − y_j) <= v are counted by two pointers in O(n1 + n2); the answer is the smallest
// double v whose count reaches rank, found by bisection over the 64-bit order keys.
double kth_pairwise_difference(const std::vector<double>& x, const std::vector<double>& y,
                               std::uint64_t rank) {
  const auto count_at_most = [&](double bound) {
    std::uint64_t count = 0;
    std::size_t first_small = 0;  // first j with x_i − y_j <= bound
    for (const double xi : x) {
      while (first_small < y.size() && xi - y[first_small] > bound) {
        ++first_small;
      }
      count += y.size() - first_small;
    }
    return count;
  };
  std::uint64_t low = order_key(x.front() - y.back());
  std::uint64_t high = order_key(x.back() - y.front());
  while (low < high) {
    const std::uint64_t middle = low + (high - low) / 2;
    if (count_at_most(from_order_key(middle)) >= rank) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return from_order_key(low) + 0.0;  // + 0.0 turns a -0.0 into 0.0
}

struct SignedRanks {
  double w_plus = 0;
  double w_minus = 0;
  double tie_term = 0;  // sum over groups of tied nonzero |d| of t (t^2 − 1)
  bool ties = false;
};

// Average ranks of |d| over all given differences; rank sums of the positive and negative
// ones. Zero differences take part in the ranking but add to neither sum.
SignedRanks signed_ranks(std::span<const double> differences) {
  std::vector<std::size_t> order(differences.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
    return std::fabs(differences[left]) < std::fabs(differences[right]);
  });
  SignedRanks result;
  std::size_t start = 0;
  while (start < order.size()) {
    std::size_t end = start + 1;
    const double magnitude = std::fabs(differences[order[start]]);
    while (end < order.size() && std::fabs(differences[order[end]]) == magnitude) {
      ++end;
    }
    const double average_rank = static_cast<double>(start + 1 + end) / 2.0;
    const auto tied = static_cast<double>(end - start);
    if (magnitude != 0.0 && tied > 1) {
      result.tie_term += tied * (tied * tied - 1.0);
      result.ties = true;
    }
    for (std::size_t k = start; k < end; ++k) {
      const double value = differences[order[k]];
      if (value > 0) {
        result.w_plus += average_rank;
      } else if (value < 0) {
        result.w_minus += average_rank;
      }
    }
    start = end;
  }
  return result;
}

// Exact two-sided p of the signed-rank statistic without ties or zeros (scipy's "exact"): the
// number of sign patterns for each rank sum, by dynamic programming over the ranks.
double wilcoxon_exact_p(std::size_t count, double w_plus) {
  const std::size_t maximum = count * (count + 1) / 2;
  std::vector<double> patterns(maximum + 1, 0.0);
  patterns[0] = 1.0;
  for (std::size_t rank = 1; rank <= count; ++rank) {
    for (std::size_t sum = maximum; sum >= rank; --sum) {
      patterns[sum] += patterns[sum - rank];
    }
  }
  const auto observed = static_cast<std::size_t>(w_plus);
  if (observed == maximum / 2) {
    return 1.0;
  }
  const double total = std::ldexp(1.0, static_cast<int>(count));
  const double lower = std::accumulate(
      patterns.begin(), patterns.begin() + static_cast<std::ptrdiff_t>(observed) + 1, 0.0);
  const double upper = std::accumulate(patterns.begin() + static_cast<std::ptrdiff_t>(observed),
                                       patterns.end(), 0.0);
  return std::min(1.0, 2.0 * std::min(lower, upper) / total);
}

// Resample i draws from its own stream keyed by (seed, i) (docs/statistics.md §5): the same
// numbers whichever thread computes it, so the intervals are identical at any thread count.
constexpr std::uint32_t kBootstrapPurpose = 0xB0075;
// Resamples per task: enough work (each redraws every observation) to amortise the counts.
constexpr std::size_t kResamplesPerTask = 8;

engine::RngStream resample_stream(std::uint64_t seed, std::size_t resample) {
  engine::StreamKey key;
  key.master_seed = seed;
  key.entity = resample;
  key.purpose = kBootstrapPurpose;
  return engine::RngStream(key);
}

double resampled_median(const std::vector<double>& sorted, std::vector<std::uint32_t>& counts,
                        engine::RngStream& rng) {
  // The median of a resample depends only on how often each sorted position was drawn, so we
  // count draws (a 32 KB array for n = 8000, in L1) and walk the counts: O(n), no sorting.
  const std::size_t size = sorted.size();
  std::fill(counts.begin(), counts.end(), 0U);
  for (std::size_t draw = 0; draw < size; ++draw) {
    ++counts[engine::uniform_below(rng, size)];
  }
  const std::size_t upper_position = size / 2;
  const std::size_t lower_position = size % 2 == 1 ? upper_position : upper_position - 1;
  std::size_t seen = 0;
  std::size_t index = 0;
  while (seen + counts[index] <= lower_position) {
    seen += counts[index];
    ++index;
  }
  const double lower = sorted[index];
  while (seen + counts[index] <= upper_position) {
    seen += counts[index];
    ++index;
  }
  return (lower + sorted[index]) / 2.0;
}

}  // namespace

double mean(std::span<const double> sample) {
  check_sample("mean", "sample", sample, 1);
  return sum_of(sample) / static_cast<double>(sample.size());
}

double sample_variance(std::span<const double> sample) {
  check_sample("sample_variance", "sample", sample, 2);
  return variance_about(sample, mean(sample));
}

double median(std::span<const double> sample) {
  check_sample("median", "sample", sample, 1);
  std::vector<double> copy(sample.begin(), sample.end());
  return median_in_place(copy);
}

double quantile(std::span<const double> sample, double probability) {
  check_sample("quantile", "sample", sample, 1);
  check_probability("quantile", probability);
  std::vector<double> copy(sample.begin(), sample.end());
  const double position = static_cast<double>(copy.size() - 1) * probability;
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const auto lower_it = copy.begin() + static_cast<std::ptrdiff_t>(lower);
  std::nth_element(copy.begin(), lower_it, copy.end());
  if (lower + 1 >= copy.size()) {
    return *lower_it;
  }
  double next = copy[lower + 1];
  for (std::size_t index = lower + 2; index < copy.size(); ++index) {
    next = std::min(next, copy[index]);
  }
  return lerp(*lower_it, next, position - static_cast<double>(lower));
}

MedianInterval median_confidence_interval(std::span<const double> sample, double confidence) {
  check_sample("median_confidence_interval", "sample", sample, 1);
  check_confidence("median_confidence_interval", confidence);
  const std::vector<double> sorted = sorted_copy(sample);
  const std::size_t size = sorted.size();
  const boost::math::binomial_distribution<double> binomial(static_cast<double>(size), 0.5);
  const double alpha = 1.0 - confidence;
  const auto tail = [&](std::size_t k) {  // P(B <= k − 1) for k >= 1
    return boost::math::cdf(binomial, static_cast<double>(k - 1));
  };
  if (2.0 * tail(1) > alpha) {
    return {sorted.front(), sorted.back(), 1.0 - 2.0 * tail(1)};
  }
  // Largest k in [1, (n + 1) / 2] with 2 P(B <= k − 1) <= alpha; the tail rises with k.
  std::size_t good = 1;
  std::size_t bad = (size + 1) / 2 + 1;
  while (bad - good > 1) {
    const std::size_t middle = good + (bad - good) / 2;
    if (2.0 * tail(middle) <= alpha) {
      good = middle;
    } else {
      bad = middle;
    }
  }
  return {sorted[good - 1], sorted[size - good], 1.0 - 2.0 * tail(good)};
}

MannWhitneyResult mann_whitney_u(std::span<const double> first, std::span<const double> second) {
  check_sample("mann_whitney_u", "first sample", first, 1);
  check_sample("mann_whitney_u", "second sample", second, 1);
  const auto n1 = static_cast<double>(first.size());
  const auto n2 = static_cast<double>(second.size());
  // Pool (value, from_first) and sort once: average ranks, the first sample's rank sum and the
  // tie term sum(t^3 − t) in one pass.
  std::vector<std::pair<double, bool>> pooled;
  pooled.reserve(first.size() + second.size());
  for (const double value : first) {
    pooled.emplace_back(value, true);
  }
  for (const double value : second) {
    pooled.emplace_back(value, false);
  }
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& left, const auto& right) { return left.first < right.first; });
  double rank_sum_first = 0;
  double tie_term = 0;
  std::size_t start = 0;
  while (start < pooled.size()) {
    std::size_t end = start + 1;
    std::size_t from_first = pooled[start].second ? 1 : 0;
    while (end < pooled.size() && pooled[end].first == pooled[start].first) {
      from_first += pooled[end].second ? 1 : 0;
      ++end;
    }
    const auto tied = static_cast<double>(end - start);
    tie_term += tied * tied * tied - tied;
    rank_sum_first += static_cast<double>(from_first) * static_cast<double>(start + 1 + end) / 2.0;
    start = end;
  }
  MannWhitneyResult result;
  result.u1 = rank_sum_first - n1 * (n1 + 1.0) / 2.0;
  result.u2 = n1 * n2 - result.u1;
  result.a12 = result.u1 / (n1 * n2);
  result.cliffs_delta = 2.0 * result.a12 - 1.0;
  const double total = n1 + n2;
  const double variance = n1 * n2 / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
  const double centered = result.u1 - n1 * n2 / 2.0;
  if (!(variance > 0.0) || std::fabs(centered) <= kContinuityCorrection) {
    result.z = 0.0;
    result.p_value = 1.0;
    return result;
  }
  result.z = (centered - std::copysign(kContinuityCorrection, centered)) / std::sqrt(variance);
  result.p_value = two_sided_normal_p(result.z);
  return result;
}

double hodges_lehmann_shift(std::span<const double> first, std::span<const double> second) {
  check_sample("hodges_lehmann_shift", "first sample", first, 1);
  check_sample("hodges_lehmann_shift", "second sample", second, 1);
  const std::vector<double> x = sorted_copy(first);
  const std::vector<double> y = sorted_copy(second);
  const std::uint64_t pairs = std::uint64_t{x.size()} * y.size();
  const double upper = kth_pairwise_difference(x, y, pairs / 2 + 1);
  if (pairs % 2 == 1) {
    return upper;
  }
  return (kth_pairwise_difference(x, y, pairs / 2) + upper) / 2.0;
}

TTestResult welch_t_test(std::span<const double> first, std::span<const double> second,
                         double confidence) {
  check_sample("welch_t_test", "first sample", first, 2);
  check_sample("welch_t_test", "second sample", second, 2);
  check_confidence("welch_t_test", confidence);
  const auto n1 = static_cast<double>(first.size());
  const auto n2 = static_cast<double>(second.size());
  const double mean1 = mean(first);
  const double mean2 = mean(second);
  const double share1 = variance_about(first, mean1) / n1;
  const double share2 = variance_about(second, mean2) / n2;
  const double squared_error = share1 + share2;
  const double degrees_of_freedom =
      squared_error * squared_error / (share1 * share1 / (n1 - 1.0) + share2 * share2 / (n2 - 1.0));
  return t_result(mean1 - mean2, std::sqrt(squared_error), degrees_of_freedom, confidence);
}

TTestResult paired_t_test(std::span<const double> first, std::span<const double> second,
                          double confidence) {
  check_sample("paired_t_test", "first sample", first, 2);
  check_sample("paired_t_test", "second sample", second, 2);
  check_confidence("paired_t_test", confidence);
  if (first.size() != second.size()) {
    fail("paired_t_test", "samples differ in length (" + std::to_string(first.size()) + " vs " +
                              std::to_string(second.size()) + ")");
  }
  std::vector<double> differences(first.size());
  std::transform(first.begin(), first.end(), second.begin(), differences.begin(), std::minus<>());
  const auto count = static_cast<double>(differences.size());
  const double mean_difference = mean(differences);
  const double standard_error = std::sqrt(variance_about(differences, mean_difference) / count);
  return t_result(mean_difference, standard_error, count - 1.0, confidence);
}

WilcoxonResult wilcoxon_signed_rank(std::span<const double> differences, ZeroMethod zero_method) {
  check_sample("wilcoxon_signed_rank", "differences", differences, 1);
  const auto zeros =
      static_cast<std::size_t>(std::count(differences.begin(), differences.end(), 0.0));
  if (zeros == differences.size()) {
    fail("wilcoxon_signed_rank", "every difference is zero");
  }
  std::vector<double> ranked;
  if (zero_method == ZeroMethod::Wilcox) {
    std::copy_if(differences.begin(), differences.end(), std::back_inserter(ranked),
                 [](double value) { return value != 0.0; });
  } else {
    ranked.assign(differences.begin(), differences.end());
  }
  const SignedRanks ranks = signed_ranks(ranked);
  WilcoxonResult result;
  result.w_plus = ranks.w_plus;
  result.w_minus = ranks.w_minus;
  result.nonzero_count = differences.size() - zeros;
  if (zeros == 0 && !ranks.ties && ranked.size() <= kWilcoxonExactMaxN) {
    result.exact = true;
    result.p_value = wilcoxon_exact_p(ranked.size(), ranks.w_plus);
    return result;
  }
  const auto count = static_cast<double>(ranked.size());
  double expected = count * (count + 1.0) / 4.0;
  double variance_times_24 = count * (count + 1.0) * (2.0 * count + 1.0);
  if (zero_method == ZeroMethod::Pratt) {
    // Cureton (1967): remove the zeros' share of the null mean and variance.
    const auto zero_count = static_cast<double>(zeros);
    expected -= zero_count * (zero_count + 1.0) / 4.0;
    variance_times_24 -= zero_count * (zero_count + 1.0) * (2.0 * zero_count + 1.0);
  }
  variance_times_24 -= 0.5 * ranks.tie_term;
  const double standard_error = std::sqrt(variance_times_24 / 24.0);
  const double centered = ranks.w_plus - expected;
  result.z = centered == 0.0
                 ? 0.0
                 : (centered - std::copysign(kContinuityCorrection, centered)) / standard_error;
  result.p_value = two_sided_normal_p(result.z);
  return result;
}

WilcoxonResult wilcoxon_signed_rank(std::span<const double> first, std::span<const double> second,
                                    ZeroMethod zero_method) {
  if (first.size() != second.size()) {
    fail("wilcoxon_signed_rank", "samples differ in length (" + std::to_string(first.size()) +
                                     " vs " + std::to_string(second.size()) + ")");
  }
  std::vector<double> differences(first.size());
  std::transform(first.begin(), first.end(), second.begin(), differences.begin(), std::minus<>());
  return wilcoxon_signed_rank(differences, zero_method);
}

Table2x2 table_from_counts(std::uint64_t successes_first, std::uint64_t trials_first,
                           std::uint64_t successes_second, std::uint64_t trials_second) {
  if (successes_first > trials_first || successes_second > trials_second) {
    fail("table_from_counts", "successes exceed trials");
  }
  return {successes_first, trials_first - successes_first, successes_second,
          trials_second - successes_second};
}

ChiSquareResult pearson_chi_square(const Table2x2& table) {
  const auto a = static_cast<double>(table.a);
  const auto b = static_cast<double>(table.b);
  const auto c = static_cast<double>(table.c);
  const auto d = static_cast<double>(table.d);
  const double total = a + b + c + d;
  if (total == 0.0) {
    fail("pearson_chi_square", "the table is empty");
  }
  const double margins = (a + b) * (c + d) * (a + c) * (b + d);
  if (margins == 0.0) {
    return {0.0, 1.0};
  }
  const double cross = a * d - b * c;
  const double statistic = total * cross * (cross / margins);
  const boost::math::chi_squared_distribution<double> distribution(1.0);
  return {statistic, boost::math::cdf(boost::math::complement(distribution, statistic))};
}

double fisher_exact_p(const Table2x2& table) {
  const std::uint64_t row1 = table.a + table.b;
  const std::uint64_t row2 = table.c + table.d;
  const std::uint64_t column1 = table.a + table.c;
  const std::uint64_t total = row1 + row2;
  if (total == 0) {
    fail("fisher_exact_p", "the table is empty");
  }
  // The top-left cell x is hypergeometric given the margins, on [low, high].
  const std::uint64_t low = column1 > row2 ? column1 - row2 : 0;
  const std::uint64_t high = std::min(row1, column1);
  if (low == high) {
    return 1.0;
  }
  // Probabilities relative to the mode, from the ratio of consecutive probabilities: no
  // factorials, so nothing overflows, and the products are more accurate than differences of
  // log-gamma values near 1e4. Tables below 1e-308 of the mode underflow to 0, harmlessly.
  const auto mode_estimate =
      static_cast<std::uint64_t>(static_cast<double>(column1 + 1) * static_cast<double>(row1 + 1) /
                                 static_cast<double>(total + 2));
  const std::uint64_t mode = std::clamp(mode_estimate, low, high);
  std::vector<double> weight(high - low + 1, 0.0);
  const auto at = [&](std::uint64_t x) -> double& { return weight[x - low]; };
  at(mode) = 1.0;
  for (std::uint64_t x = mode; x < high; ++x) {
    at(x + 1) = at(x) * (static_cast<double>(row1 - x) * static_cast<double>(column1 - x)) /
                (static_cast<double>(x + 1) * static_cast<double>(row2 + x + 1 - column1));
  }
  for (std::uint64_t x = mode; x > low; --x) {
    at(x - 1) = at(x) * (static_cast<double>(x) * static_cast<double>(row2 + x - column1)) /
                (static_cast<double>(row1 - x + 1) * static_cast<double>(column1 - x + 1));
  }
  const double observed = at(table.a) * (1.0 + kFisherRelativeTolerance);
  double as_extreme = 0;
  double all = 0;
  for (const double value : weight) {
    all += value;
    if (value <= observed) {
      as_extreme += value;
    }
  }
  return std::min(1.0, as_extreme / all);
}

Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double confidence) {
  if (trials == 0) {
    fail("wilson_interval", "trials must be positive");
  }
  if (successes > trials) {
    fail("wilson_interval", "successes exceed trials");
  }
  check_confidence("wilson_interval", confidence);
  const double z = normal_critical_value(confidence);
  const auto n = static_cast<double>(trials);
  const double proportion = static_cast<double>(successes) / n;
  const double z_squared_over_n = z * z / n;
  const double denominator = 1.0 + z_squared_over_n;
  const double center = (proportion + z_squared_over_n / 2.0) / denominator;
  const double half_width =
      z * std::sqrt(proportion * (1.0 - proportion) / n + z_squared_over_n / (4.0 * n)) /
      denominator;
  return {successes == 0 ? 0.0 : std::max(0.0, center - half_width),
          successes == trials ? 1.0 : std::min(1.0, center + half_width)};
}

Interval newcombe_difference_interval(std::uint64_t successes_first, std::uint64_t trials_first,
                                      std::uint64_t successes_second, std::uint64_t trials_second,
                                      double confidence) {
  const Interval first = wilson_interval(successes_first, trials_first, confidence);
  const Interval second = wilson_interval(successes_second, trials_second, confidence);
  const double p1 = static_cast<double>(successes_first) / static_cast<double>(trials_first);
  const double p2 = static_cast<double>(successes_second) / static_cast<double>(trials_second);
  const double difference = p1 - p2;
  return {difference - std::hypot(p1 - first.low, second.high - p2),
          difference + std::hypot(first.high - p1, p2 - second.low)};
}

double cohens_h(double p_first, double p_second) {
  check_probability("cohens_h", p_first);
  check_probability("cohens_h", p_second);
  return 2.0 * std::asin(std::sqrt(p_second)) - 2.0 * std::asin(std::sqrt(p_first));
}

MedianDifferenceBootstrap bootstrap_median_difference(std::span<const double> first,
                                                      std::span<const double> second,
                                                      const BootstrapOptions& options) {
  check_sample("bootstrap_median_difference", "first sample", first, 1);
  check_sample("bootstrap_median_difference", "second sample", second, 1);
  check_confidence("bootstrap_median_difference", options.confidence);
  if (options.resamples < 2) {
    fail("bootstrap_median_difference", "needs at least 2 resamples");
  }
  const std::vector<double> sorted_first = sorted_copy(first);
  const std::vector<double> sorted_second = sorted_copy(second);
  std::vector<double> medians_first(options.resamples);
  std::vector<double> medians_second(options.resamples);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, options.resamples, kResamplesPerTask),
      [&](const tbb::blocked_range<std::size_t>& range) {
        std::vector<std::uint32_t> counts_first(sorted_first.size());
        std::vector<std::uint32_t> counts_second(sorted_second.size());
        for (std::size_t resample = range.begin(); resample != range.end(); ++resample) {
          engine::RngStream rng = resample_stream(options.seed, resample);
          medians_first[resample] = resampled_median(sorted_first, counts_first, rng);
          medians_second[resample] = resampled_median(sorted_second, counts_second, rng);
        }
      });
  std::vector<double> differences(options.resamples);
  std::vector<double> relatives(options.resamples);
  bool relative_defined = true;
  for (std::size_t resample = 0; resample < options.resamples; ++resample) {
    differences[resample] = medians_first[resample] - medians_second[resample];
    if (medians_first[resample] == 0.0) {
      relative_defined = false;
    } else {
      relatives[resample] = differences[resample] / medians_first[resample];
    }
  }
  std::sort(differences.begin(), differences.end());
  const double alpha = 1.0 - options.confidence;
  MedianDifferenceBootstrap result;
  const double median_first = sorted_quantile(sorted_first, 0.5);
  result.difference = median_first - sorted_quantile(sorted_second, 0.5);
  result.difference_low = sorted_quantile(differences, alpha / 2.0);
  result.difference_high = sorted_quantile(differences, 1.0 - alpha / 2.0);
  result.relative_reduction = median_first != 0.0 ? result.difference / median_first : kNaN;
  if (relative_defined) {
    std::sort(relatives.begin(), relatives.end());
    result.relative_low = sorted_quantile(relatives, alpha / 2.0);
    result.relative_high = sorted_quantile(relatives, 1.0 - alpha / 2.0);
  } else {
    result.relative_low = kNaN;
    result.relative_high = kNaN;
  }
  return result;
}

std::vector<double> holm_adjust(std::span<const double> p_values) {
  for (const double p : p_values) {
    check_probability("holm_adjust", p);
  }
  const std::size_t count = p_values.size();
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
    return p_values[left] < p_values[right];
  });
  std::vector<double> adjusted(count);
  double running = 0;
  for (std::size_t position = 0; position < count; ++position) {
    const double scaled = static_cast<double>(count - position) * p_values[order[position]];
    running = std::max(running, std::min(1.0, scaled));
    adjusted[order[position]] = running;
  }
  return adjusted;
}

}  // namespace genops::analysis
