// Moment checks of the variates (label: statistical). Fixed seeds make every check
// deterministic; the bounds are 5 standard errors of the estimator, so a correct sampler
// would fail one of them with a probability below 1e-6 for a fresh seed, and a sampler with a
// wrong mean or variance of a few percent fails them.

#include <cmath>
#include <cstdint>
#include <functional>

#include <gtest/gtest.h>

#include "engine/random.hpp"

namespace genops::engine {
namespace {

constexpr int kSamples = 200'000;
constexpr double kStandardErrors = 5.0;

struct Moments {
  double mean = 0;
  double variance = 0;
};

Moments sample(std::uint64_t seed, const std::function<double(RngStream&)>& draw) {
  RngStream stream(StreamKey{.master_seed = seed, .purpose = 77});
  // Welford's update: numerically stable single pass.
  double mean = 0;
  double m2 = 0;
  for (int i = 1; i <= kSamples; ++i) {
    const double x = draw(stream);
    const double delta = x - mean;
    mean += delta / i;
    m2 += delta * (x - mean);
  }
  return Moments{mean, m2 / (kSamples - 1)};
}

// Checks the sample mean and variance against the true mean, variance and fourth central
// moment: SE(mean) = sqrt(var / n), SE(variance) ~= sqrt((mu4 - var^2) / n).
void expect_moments(const Moments& m, double mean, double variance, double mu4) {
  const double n = kSamples;
  EXPECT_NEAR(m.mean, mean, kStandardErrors * std::sqrt(variance / n));
  EXPECT_NEAR(m.variance, variance, kStandardErrors * std::sqrt((mu4 - variance * variance) / n));
}

TEST(VariateMoments, Exponential) {
  for (const double mean : {0.5, 2.0, 1000.0}) {
    // Exponential: variance mean^2, fourth central moment 9 mean^4.
    const Moments m = sample(1, [mean](RngStream& rng) { return exponential(rng, mean); });
    expect_moments(m, mean, mean * mean, 9 * std::pow(mean, 4));
  }
}

TEST(VariateMoments, PoissonByInversionAndByNormalApproximation) {
  for (const double mean : {0.3, 4.5, 29.0, 100.0}) {
    const Moments m =
        sample(2, [mean](RngStream& rng) { return static_cast<double>(poisson(rng, mean)); });
    // Poisson: variance = mean, fourth central moment mean (1 + 3 mean). The normal
    // approximation (mean >= 30) rounds, adding 1/12 to the variance: far inside the bound.
    expect_moments(m, mean, mean, mean * (1 + 3 * mean));
  }
  RngStream stream(StreamKey{.master_seed = 2});
  EXPECT_EQ(poisson(stream, 0.0), 0U);
}

TEST(VariateMoments, BinomialInversionFlippedAndNormal) {
  struct Case {
    std::uint64_t trials;
    double probability;
  };
  for (const Case c : {Case{20, 0.3}, Case{30, 0.8}, Case{1000, 0.4}, Case{5, 0.5}}) {
    const Moments m = sample(3, [c](RngStream& rng) {
      return static_cast<double>(binomial(rng, c.trials, c.probability));
    });
    const double n = static_cast<double>(c.trials);
    const double p = c.probability;
    const double variance = n * p * (1 - p);
    // Binomial fourth central moment: n p q (1 + 3 (n - 2) p q).
    expect_moments(m, n * p, variance, variance * (1 + 3 * (n - 2) * p * (1 - p)));
  }
  RngStream stream(StreamKey{.master_seed = 3});
  EXPECT_EQ(binomial(stream, 0, 0.5), 0U);
  EXPECT_EQ(binomial(stream, 10, 0.0), 0U);
  EXPECT_EQ(binomial(stream, 10, 1.0), 10U);
  for (int i = 0; i < 1000; ++i)
    EXPECT_LE(binomial(stream, 10, 0.9), 10U);
}

TEST(VariateMoments, StandardNormalAndUniform) {
  // Standard normal: mean 0, variance 1, fourth central moment 3.
  expect_moments(sample(4, [](RngStream& rng) { return standard_normal(rng); }), 0.0, 1.0, 3.0);
  // Uniform [0, 1): variance 1/12, fourth central moment 1/80.
  expect_moments(sample(5, [](RngStream& rng) { return uniform01(rng); }), 0.5, 1.0 / 12, 1.0 / 80);
  // uniform_below(10): discrete uniform, variance (k^2 - 1) / 12, mu4 = (k^2-1)(3k^2-7)/240.
  expect_moments(
      sample(6, [](RngStream& rng) { return static_cast<double>(uniform_below(rng, 10)); }), 4.5,
      99.0 / 12, 99.0 * 293.0 / 240);
}

}  // namespace
}  // namespace genops::engine
