#pragma once

#include "engine/sim_time.hpp"
#include "models/config.hpp"
#include "models/records.hpp"

namespace genops::models {

struct Change;
struct Service;
class LocalCalendar;

// The six risk factors, each in [0, 1].
struct RiskFactors {
  double service_tier = 0;
  double service_health = 0;  // 1 - remaining error budget fraction
  double historical_failure_rate = 0;
  double blast_radius = 0;
  double change_complexity = 0;
  double timing = 0;
};

struct RiskAssessment {
  double score = 0;
  double uncertainty = 0;
  double conservative = 0;  // score + uncertainty, capped at 1
  RiskLevel level = RiskLevel::Low;
};

double tier_risk(Tier tier);  // 1.0, 0.7, 0.4, 0.1
double complexity_risk(int lines, int files, bool migration, bool config_change);
double timing_risk(const LocalCalendar& calendar, engine::SimTime t);
double blast_radius_risk(int transitive_dependents, int service_count);

// Pillar 2: weighted risk score, levels, and the autonomy decision.
class RiskScorer {
 public:
  explicit RiskScorer(const GenopsConfig& config) : config_(config) {}
  RiskAssessment assess(const RiskFactors& factors, double confidence) const;
  RiskLevel level(double score) const;
  // AutoProceed, HumanApproval or Block, from the level, the conservative score and the
  // autonomy level's cap (SHADOW never acts alone).
  Decision decide(const RiskAssessment& assessment) const;
  double autonomy_cap() const;

 private:
  const GenopsConfig& config_;
};

// The policy rubric: the static part of the risk score (tier, blast radius, complexity,
// timing), renormalised to [0, 1]. Anyone can recompute it from a deployment record, so the
// policies and the independent safety checker use it (not the AI's retrieval-dependent score).
double policy_risk(const RiskWeights& weights, Tier tier, int blast_radius, int service_count,
                   int lines, int files, bool migration, bool config_change,
                   const LocalCalendar& calendar, engine::SimTime t);

}  // namespace genops::models
