#include "models/baseline.hpp"

#include <cmath>

#include "models/pipeline.hpp"
#include "models/risk.hpp"

namespace genops::models {

namespace {
// Fixed order of the slip draws in a change's PolicySlip stream.
enum SlipDraw : std::uint32_t {
  kReviewSkip = 0,
  kMigrationSkip = 1,
  kFreezeSlip = 2,
  kBudgetSlip = 3
};

bool slip(Pipeline& p, std::uint32_t id, SlipDraw which, double probability) {
  engine::RngStream draw = p.rng(id, Purpose::PolicySlip, which);
  return engine::bernoulli(draw, probability);
}
}  // namespace

void BaselineStrategy::on_ci_passed(Pipeline& p, std::uint32_t id) const {
  const Change& c = p.change(id);
  const Service& service = p.service_of(id);
  const Organization& org = p.organization();
  const double risk =
      policy_risk(scenario_.genops.weights, service.tier, service.blast_radius,
                  static_cast<int>(org.services.size()), c.lines_changed, c.files_changed,
                  c.migration, c.config_change, org.calendar, c.arrival);
  const BaselineConfig& b = scenario_.baseline;
  const bool critical_high_risk =
      service.tier == Tier::Critical && risk > kCriticalServiceRiskThreshold;
  const bool migration_review =
      c.migration && (service.tier == Tier::Critical || service.tier == Tier::High);
  if ((critical_high_risk && slip(p, id, kReviewSkip, b.review_skip_probability)) ||
      (migration_review && slip(p, id, kMigrationSkip, b.migration_review_skip_probability))) {
    p.record(id).policy_slip = true;
    deploy_gate(p, id);
    return;
  }
  p.request_review(id);
}

void BaselineStrategy::on_review_done(Pipeline& p, std::uint32_t id) const {
  deploy_gate(p, id);
}

void BaselineStrategy::deploy_gate(Pipeline& p, std::uint32_t id) const {
  const Change& c = p.change(id);
  const Organization& org = p.organization();
  const BaselineConfig& b = scenario_.baseline;
  DeploymentRecord& r = p.record(id);
  const int cutoff = scenario_.genops.friday_cutoff_hour;
  if (!c.hotfix && org.calendar.in_no_deploy_window(p.now(), cutoff)) {
    if (slip(p, id, kFreezeSlip, b.freeze_slip_probability)) {
      r.policy_slip = true;
    } else {
      const SimTime until = org.calendar.next_deploy_allowed(p.now(), cutoff);
      r.deferred_min += static_cast<float>((until - p.now()).to_minutes());
      p.start_timer(id, until - p.now(), kDeferWake);
      return;
    }
  }
  if (!c.hotfix && p.budget_remaining_fraction(c.service) <= 0.0) {
    if (!slip(p, id, kBudgetSlip, b.budget_slip_probability)) {
      p.block(id);
      return;
    }
    r.policy_slip = true;
  }
  p.expose(id, 1.0);
  p.start_timer(id, SimTime::from_minutes(b.deploy_minutes + b.verification_bake_minutes),
                kVerificationDone);
}

void BaselineStrategy::on_timer(Pipeline& p, std::uint32_t id, std::uint32_t tag) const {
  if (tag == kDeferWake) {
    deploy_gate(p, id);
    return;
  }
  // Verification: a person notices a defect with a probability growing with its effect.
  const BaselineConfig& b = scenario_.baseline;
  if (p.visible_defect(id)) {
    engine::RngStream draw = p.rng(id, Purpose::Verification);
    const double notice =
        1.0 - std::exp(-p.change(id).error_rate_effect / b.notice_error_rate_scale);
    if (engine::bernoulli(draw, notice)) {
      p.roll_back(id, CatchPoint::Verification, SimTime::from_minutes(b.rollback_minutes));
      return;
    }
  }
  p.complete_rollout(id);
}

}  // namespace genops::models
