#pragma once

#include <cstdint>
#include <vector>

#include "engine/random.hpp"
#include "models/config.hpp"

namespace genops::models {

struct Change;
struct Service;

struct StageObservation {
  double bake_minutes = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double error_rate = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  bool breach = false;
};

// Pillar 3: one canary stage's observation and verdict. The canary serves
// request_rate x fraction x bake requests (the bake is stretched until min_samples arrive);
// errors are binomial on the base error rate plus the latent defect's effect; latency
// percentiles are the service's, shifted by the defect, with sampling noise shrinking with
// the request count. A breach needs the one-sided score bound at `breach_confidence` to exceed
// the relaxed threshold, so detection power grows with traffic and noise can still roll back
// a good change.
class CanaryJudge {
 public:
  CanaryJudge(const SloConfig& slo, double max_bake_minutes)
      : slo_(slo), max_bake_minutes_(max_bake_minutes) {}
  StageObservation observe(const Service& service, const Change& change, bool defect_present,
                           const CanaryStage& stage, engine::RngStream& rng) const;
  // Effective bake time: the configured bake, stretched until min_samples requests arrive.
  double bake_minutes(const Service& service, const CanaryStage& stage) const;

 private:
  const SloConfig& slo_;
  double max_bake_minutes_;
};

// Lower bound of the Wilson score interval for `successes` of `trials` at one-sided normal
// quantile z.
double wilson_lower_bound(std::uint64_t successes, std::uint64_t trials, double z);

// Validates a stage list: 1..16 stages, strictly increasing traffic in (0, 100], the last at
// 100, bakes >= 0, min_samples >= 0, relaxation >= 1. Returns an error text or "".
std::string check_stage_list(const std::vector<CanaryStage>& stages);

}  // namespace genops::models
