#include "models/risk.hpp"

#include <algorithm>
#include <cmath>

#include "models/calendar.hpp"

namespace genops::models {

double tier_risk(Tier tier) {
  switch (tier) {
    case Tier::Critical:
      return 1.0;
    case Tier::High:
      return 0.7;
    case Tier::Medium:
      return 0.4;
    case Tier::Low:
      return 0.1;
  }
  return 0.4;
}

double complexity_risk(int lines, int files, bool migration, bool config_change) {
  // Lines: 0 at 10 lines, 1 at 10,000 (log scale); files: 0 at 1, 1 at 100.
  const double size = std::clamp((std::log10(std::max(1, lines)) - 1.0) / 3.0, 0.0, 1.0);
  const double spread = std::clamp(std::log10(std::max(1, files)) / 2.0, 0.0, 1.0);
  double risk = 0.5 * size + 0.2 * spread + (migration ? 0.3 : 0.0) + (config_change ? 0.1 : 0.0);
  return std::min(1.0, risk);
}

double timing_risk(const LocalCalendar& calendar, engine::SimTime t) {
  const int hour = calendar.hour(t);
  const int weekday = calendar.weekday(t);
  double risk = 0.0;
  if (hour >= 18 || hour < 8)
    risk = std::max(risk, 0.5);
  if (weekday == 4)
    risk = std::max(risk, hour >= 14 ? 0.7 : 0.3);
  if (weekday >= 5)
    risk = std::max(risk, 0.8);
  if (calendar.is_holiday(t))
    risk = std::max(risk, 0.9);
  return risk;
}

double blast_radius_risk(int transitive_dependents, int service_count) {
  if (service_count <= 1)
    return 0.0;
  // Square root: the first few dependents matter most.
  return std::sqrt(static_cast<double>(transitive_dependents) / (service_count - 1));
}

RiskAssessment RiskScorer::assess(const RiskFactors& f, double confidence) const {
  const RiskWeights& w = config_.weights;
  const double total = w.service_tier + w.service_health + w.historical_failure_rate +
                       w.blast_radius + w.change_complexity + w.timing;
  RiskAssessment a;
  a.score =
      (w.service_tier * f.service_tier + w.service_health * f.service_health +
       w.historical_failure_rate * f.historical_failure_rate + w.blast_radius * f.blast_radius +
       w.change_complexity * f.change_complexity + w.timing * f.timing) /
      total;
  a.uncertainty = config_.uncertainty_scale * (1.0 - std::clamp(confidence, 0.0, 1.0));
  a.conservative = std::min(1.0, a.score + a.uncertainty);
  a.level = level(a.score);
  return a;
}

RiskLevel RiskScorer::level(double score) const {
  if (score >= config_.critical_threshold)
    return RiskLevel::Critical;
  if (score >= config_.high_threshold)
    return RiskLevel::High;
  if (score >= config_.medium_threshold)
    return RiskLevel::Medium;
  return RiskLevel::Low;
}

double RiskScorer::autonomy_cap() const {
  switch (config_.autonomy) {
    case AutonomyLevel::Shadow:
      return 0.0;  // observes only: every change goes to a human
    case AutonomyLevel::Assisted:
      return 0.3;
    case AutonomyLevel::Governed:
      return 0.6;
    case AutonomyLevel::Learning:
      return 0.8;
  }
  return 0.6;
}

Decision RiskScorer::decide(const RiskAssessment& a) const {
  if (a.level == RiskLevel::Critical && config_.block_critical_risk) {
    return Decision::Block;
  }
  // SHADOW observes only: a human decides every change, whatever the score.
  if (config_.autonomy == AutonomyLevel::Shadow)
    return Decision::HumanApproval;
  if (a.conservative >= config_.human_review_threshold || a.conservative > autonomy_cap()) {
    return Decision::HumanApproval;
  }
  return Decision::AutoProceed;
}

double policy_risk(const RiskWeights& w, Tier tier, int blast_radius, int service_count, int lines,
                   int files, bool migration, bool config_change, const LocalCalendar& calendar,
                   engine::SimTime t) {
  const double total = w.service_tier + w.blast_radius + w.change_complexity + w.timing;
  return (w.service_tier * tier_risk(tier) +
          w.blast_radius * blast_radius_risk(blast_radius, service_count) +
          w.change_complexity * complexity_risk(lines, files, migration, config_change) +
          w.timing * timing_risk(calendar, t)) /
         total;
}

}  // namespace genops::models
