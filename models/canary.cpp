#include "models/canary.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "models/world.hpp"

namespace genops::models {

namespace {

// Sampling noise of the canary's observed latency percentiles: the relative standard error of a
// percentile estimate falls as 1 / sqrt(samples); these are its values at kNoiseReferenceSamples
// requests, heavier for p99 (a tail percentile rests on fewer samples).
constexpr double kNoiseReferenceSamples = 50.0;
constexpr double kP50RelativeNoise = 0.15;
constexpr double kP99RelativeNoise = 0.35;

}  // namespace

double wilson_lower_bound(std::uint64_t successes, std::uint64_t trials, double z) {
  if (trials == 0)
    return 0.0;
  const auto n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double centre = p + z2 / (2 * n);
  const double margin = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return std::max(0.0, (centre - margin) / (1 + z2 / n));
}

double CanaryJudge::bake_minutes(const Service& service, const CanaryStage& stage) const {
  const double per_minute = service.request_rate_per_minute * stage.traffic_percent / 100.0;
  double bake = stage.bake_minutes;
  if (per_minute > 0 && stage.min_samples > 0) {
    bake = std::max(bake, stage.min_samples / per_minute);
  }
  return std::min(bake, max_bake_minutes_);
}

StageObservation CanaryJudge::observe(const Service& service, const Change& change,
                                      bool defect_present, const CanaryStage& stage,
                                      engine::RngStream& rng) const {
  StageObservation o;
  o.bake_minutes = bake_minutes(service, stage);
  const double expected =
      service.request_rate_per_minute * stage.traffic_percent / 100.0 * o.bake_minutes;
  o.requests = engine::poisson(rng, expected);
  const double true_error_rate =
      std::min(1.0, service.base_error_rate + (defect_present ? change.error_rate_effect : 0.0));
  o.errors = engine::binomial(rng, o.requests, true_error_rate);
  o.error_rate =
      o.requests > 0 ? static_cast<double>(o.errors) / static_cast<double>(o.requests) : 0.0;

  const double latency_factor = 1.0 + (defect_present ? change.latency_effect : 0.0);
  // Relative standard error of a percentile estimate ~ c / sqrt(n); heavier for p99.
  const double n = std::max<double>(1.0, static_cast<double>(o.requests));
  const double p50_noise = kP50RelativeNoise / std::sqrt(n / kNoiseReferenceSamples);
  const double p99_noise = kP99RelativeNoise / std::sqrt(n / kNoiseReferenceSamples);
  o.p50_ms =
      service.latency_p50_ms * latency_factor * std::exp(p50_noise * engine::standard_normal(rng));
  o.p99_ms =
      service.latency_p99_ms * latency_factor * std::exp(p99_noise * engine::standard_normal(rng));

  const double z = engine::normal_quantile(slo_.breach_confidence);
  const double relax = stage.slo_relaxation;
  const bool error_breach =
      wilson_lower_bound(o.errors, o.requests, z) > slo_.error_rate_threshold * relax ||
      wilson_lower_bound(o.errors, o.requests, z) > (1.0 - slo_.success_rate_threshold) * relax;
  const bool p50_breach =
      o.p50_ms * std::exp(-z * p50_noise) > slo_.latency_p50_threshold_ms * relax;
  const bool p99_breach =
      o.p99_ms * std::exp(-z * p99_noise) > slo_.latency_p99_threshold_ms * relax;
  o.breach = o.requests > 0 && (error_breach || p50_breach || p99_breach);
  return o;
}

std::string check_stage_list(const std::vector<CanaryStage>& stages) {
  if (stages.empty() || stages.size() > 16)
    return "a list of 1 to 16 stages";
  double previous = 0;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const CanaryStage& s = stages[i];
    const std::string where = "stage " + std::to_string(i + 1) + ": ";
    if (!(s.traffic_percent > previous) || s.traffic_percent > 100.0) {
      return where + "traffic_percent strictly increasing within (0, 100]";
    }
    if (s.bake_minutes < 0)
      return where + "bake_minutes >= 0";
    if (s.min_samples < 0)
      return where + "min_samples >= 0";
    if (s.slo_relaxation < 1.0)
      return where + "slo_relaxation >= 1";
    previous = s.traffic_percent;
  }
  if (stages.back().traffic_percent != 100.0)
    return "the last stage at traffic_percent = 100";
  return "";
}

}  // namespace genops::models
