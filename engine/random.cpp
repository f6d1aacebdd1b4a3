#include "engine/random.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"

namespace genops::engine {

std::uint64_t uniform_below(RngStream& rng, std::uint64_t bound) {
  GENOPS_ASSERT(bound > 0, "uniform_below needs a positive bound");
  __extension__ using Wide = unsigned __int128;
  Wide product = static_cast<Wide>(rng()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<Wide>(rng()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

double normal_quantile(double p) {
  GENOPS_ASSERT(p > 0.0 && p < 1.0, "normal_quantile needs p in (0, 1)");
  // Wichura, M. J. (1988) Algorithm AS 241, Applied Statistics 37(3), 477-484 (PPND16).
  // The coefficients keep the published layout.
  // clang-format off
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q *
           (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
                 67265.770927008700853) * r + 45921.953931549871457) * r +
               13731.693765509461125) * r + 1971.5909503065514427) * r +
             133.14166789178437745) * r + 3.387132872796366608) /
           (((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
                 39307.89580009271061) * r + 21213.794301586595867) * r +
               5394.1960214247511077) * r + 687.1870074920579083) * r +
             42.313330701600911252) * r + 1.0);
  }
  double r = q < 0 ? p : 1.0 - p;
  r = std::sqrt(-std::log(r));
  double value = 0;
  if (r <= 5.0) {
    r -= 1.6;
    value = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r +
                  0.24178072517745061177) * r + 1.27045825245236838258) * r +
                3.64784832476320460504) * r + 5.7694972214606914055) * r +
              4.6303378461565452959) * r + 1.42343711074968357734) /
            (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
                  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
                0.68976733498510000455) * r + 1.6763848301838038494) * r +
              2.05319162663775882187) * r + 1.0);
  } else {
    r -= 5.0;
    value = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
                  0.0012426609473880784386) * r + 0.026532189526576123093) * r +
                0.29656057182850489123) * r + 1.7848265399172913358) * r +
              5.4637849111641143699) * r + 6.6579046435011037772) /
            (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
                  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
                0.0148753612908506148525) * r + 0.13692988092273580531) * r +
              0.59983220655588793769) * r + 1.0);
  }
  // clang-format on
  return q < 0 ? -value : value;
}

std::uint64_t poisson(RngStream& rng, double mean) {
  GENOPS_ASSERT(mean >= 0.0, "poisson needs a non-negative mean");
  if (mean == 0.0)
    return 0;
  if (mean < 30.0) {
    // Inversion by sequential search of the CDF.
    const double u = uniform01(rng);
    double term = std::exp(-mean);
    double cumulative = term;
    std::uint64_t k = 0;
    while (u >= cumulative && k < 1000) {
      ++k;
      term *= mean / static_cast<double>(k);
      cumulative += term;
    }
    return k;
  }
  const double draw = std::floor(mean + std::sqrt(mean) * standard_normal(rng) + 0.5);
  return draw < 0 ? 0 : static_cast<std::uint64_t>(draw);
}

std::uint64_t binomial(RngStream& rng, std::uint64_t trials, double probability) {
  GENOPS_ASSERT(probability >= 0.0 && probability <= 1.0, "binomial needs p in [0, 1]");
  if (trials == 0 || probability == 0.0)
    return 0;
  if (probability == 1.0)
    return trials;
  const auto n = static_cast<double>(trials);
  const double variance = n * probability * (1.0 - probability);
  if (variance >= 25.0) {
    const double draw =
        std::floor(n * probability + std::sqrt(variance) * standard_normal(rng) + 0.5);
    return static_cast<std::uint64_t>(std::clamp(draw, 0.0, n));
  }
  // Inversion on the smaller tail probability, walking the pmf recurrence.
  const bool flip = probability > 0.5;
  const double p = flip ? 1.0 - probability : probability;
  const double ratio = p / (1.0 - p);
  const double u = uniform01(rng);
  double term = std::pow(1.0 - p, n);
  double cumulative = term;
  std::uint64_t k = 0;
  while (u >= cumulative && k < trials) {
    term *= ratio * (n - static_cast<double>(k)) / static_cast<double>(k + 1);
    cumulative += term;
    ++k;
  }
  return flip ? trials - k : k;
}

}  // namespace genops::engine
