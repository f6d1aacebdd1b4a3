#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace genops::engine {

// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Identifies one random stream. Streams are derived by hashing this key, never by creation
// order, so a stream is the same whatever else the run does (common random numbers).
struct StreamKey {
  std::uint64_t master_seed = 0;
  std::uint32_t replication = 0;
  std::uint32_t partition = 0;
  std::uint64_t entity = 0;
  std::uint32_t purpose = 0;
};

constexpr std::uint64_t stream_seed(const StreamKey& key) {
  std::uint64_t h = splitmix64(key.master_seed);
  h = splitmix64(h ^ key.replication);
  h = splitmix64(h ^ (std::uint64_t{key.partition} << 32 | key.purpose));
  return splitmix64(h ^ key.entity);
}

// xoshiro256** 1.0 (Blackman & Vigna), seeded from one 64-bit value through SplitMix64. Small
// (32 bytes), fast, and exactly specified, so draws are identical on every platform.
class RngStream {
 public:
  using result_type = std::uint64_t;

  constexpr explicit RngStream(std::uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }
  constexpr explicit RngStream(const StreamKey& key) : RngStream(stream_seed(key)) {}
  // A stream with the given raw xoshiro256** state (not all zero), for known-answer tests.
  static constexpr RngStream from_state(const std::array<std::uint64_t, 4>& state) {
    RngStream stream(0);
    for (std::size_t i = 0; i < state.size(); ++i)
      stream.state_[i] = state[i];
    return stream;
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~std::uint64_t{0}; }

  constexpr result_type operator()() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4] = {};
};

// Variates computed from raw engine bits with our own code (inverse CDF where practical), never
// std::*_distribution, whose algorithms differ between standard libraries.

// Uniform on [0, 1) with 53 random bits.
inline double uniform01(RngStream& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}
// Uniform on (0, 1): never exactly 0, for logarithms and inverse CDFs.
inline double uniform_open01(RngStream& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}
inline double uniform(RngStream& rng, double low, double high) {
  return low + (high - low) * uniform01(rng);
}
// Uniform integer in [0, bound), Lemire's multiply-shift with rejection (unbiased).
std::uint64_t uniform_below(RngStream& rng, std::uint64_t bound);
inline bool bernoulli(RngStream& rng, double probability) {
  return uniform01(rng) < probability;
}
inline double exponential(RngStream& rng, double mean) {
  return -mean * std::log(uniform_open01(rng));
}
// Standard normal quantile (Wichura's AS241, relative error about 1e-16).
double normal_quantile(double p);
inline double standard_normal(RngStream& rng) {
  return normal_quantile(uniform_open01(rng));
}
inline double normal(RngStream& rng, double mean, double stddev) {
  return mean + stddev * standard_normal(rng);
}
// Lognormal given the median and the log-space standard deviation sigma.
inline double lognormal_median(RngStream& rng, double median, double sigma) {
  return median * std::exp(sigma * standard_normal(rng));
}
// Poisson by inversion (mean < 30) or the PTRS-free normal approximation with continuity
// correction (mean >= 30, where its error is below the simulation's noise).
std::uint64_t poisson(RngStream& rng, double mean);
// Binomial: inversion for small n*p, normal approximation when n*p*(1-p) >= 25.
std::uint64_t binomial(RngStream& rng, std::uint64_t trials, double probability);

}  // namespace genops::engine
