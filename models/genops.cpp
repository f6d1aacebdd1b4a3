#include "models/genops.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "models/pipeline.hpp"
#include "models/retrieval.hpp"

namespace genops::models {

namespace {

// Longest a canary stage waits for its minimum samples before judging what it has.
constexpr double kMaxStageBakeMinutes = 120.0;

struct GenopsState final : StrategyState {
  explicit GenopsState(std::size_t changes) : index(changes / 2 + 16), embeddings(changes) {}
  EmbeddingIndex index;
  std::vector<Embedding> embeddings;
};

GenopsState& state_of(Pipeline& p) {
  return *static_cast<GenopsState*>(p.strategy_state());
}

std::string make_name(const GenopsPillars& pillars) {
  if (!pillars.retrieval)
    return "genops-no-rag";
  if (!pillars.risk)
    return "genops-no-risk";
  if (!pillars.canary)
    return "genops-no-canary";
  if (!pillars.governance)
    return "genops-no-governance";
  return "genops";
}

std::string policy_summary(const GovernanceVerdict& verdict) {
  std::string out;
  for (const auto& r : verdict.results) {
    if (!out.empty())
      out += ';';
    out += r.name;
    out += '=';
    out += policy_effect_name(r.effect);
  }
  return out;
}

}  // namespace

GenopsStrategy::GenopsStrategy(const Scenario& scenario, GenopsPillars pillars)
    : scenario_(scenario),
      pillars_(pillars),
      name_(make_name(pillars)),
      scorer_(scenario.genops),
      judge_(scenario.genops.slo, kMaxStageBakeMinutes),
      policies_(scenario.genops),
      default_stages_(scenario.genops.default_stages.empty() ? default_canary_stages()
                                                             : scenario.genops.default_stages),
      high_risk_stages_(scenario.genops.high_risk_stages.empty()
                            ? default_high_risk_stages()
                            : scenario.genops.high_risk_stages) {}

std::unique_ptr<StrategyState> GenopsStrategy::make_state(const Pipeline& pipeline) const {
  return std::make_unique<GenopsState>(pipeline.organization().changes.size());
}

void GenopsStrategy::on_ci_passed(Pipeline& p, std::uint32_t id) const {
  p.start_timer(id, SimTime::from_minutes(scenario_.genops.analysis_minutes), kAnalysisDone);
}

void GenopsStrategy::on_timer(Pipeline& p, std::uint32_t id, std::uint32_t tag) const {
  switch (tag) {
    case kAnalysisDone:
      analyse(p, id);
      return;
    case kDeferWake:
      rollout_gate(p, id);
      return;
    case kStageDone:
      stage_done(p, id);
      return;
    case kRolloutDone:
      p.complete_rollout(id);
      return;
    case kVerificationDone: {
      // No canary: an automated SLO check on full traffic after the deploy.
      const CanaryStage full{100.0,
                             default_stages_.size() > 1
                                 ? default_stages_[default_stages_.size() - 2].bake_minutes
                                 : 5.0,
                             1000, 1.0};
      engine::RngStream draw = p.rng(id, Purpose::Canary, 0);
      const StageObservation o =
          judge_.observe(p.service_of(id), p.change(id), p.visible_defect(id), full, draw);
      if (o.breach) {
        audit(p, id, Actor::System, "rollback", "ROLLED_BACK", nullptr);
        p.roll_back(id, CatchPoint::Verification,
                    SimTime::from_minutes(scenario_.genops.rollback_minutes));
      } else {
        p.complete_rollout(id);
      }
      return;
    }
    default:
      GENOPS_ASSERT(false, "unknown genops timer");
  }
}

PolicyInput GenopsStrategy::policy_input(Pipeline& p, std::uint32_t id) const {
  const Change& c = p.change(id);
  const Service& service = p.service_of(id);
  const Organization& org = p.organization();
  PolicyInput in;
  in.tier = service.tier;
  in.hotfix = c.hotfix;
  in.migration = c.migration;
  in.lines_changed = c.lines_changed;
  in.policy_risk =
      policy_risk(scenario_.genops.weights, service.tier, service.blast_radius,
                  static_cast<int>(org.services.size()), c.lines_changed, c.files_changed,
                  c.migration, c.config_change, org.calendar, c.arrival);
  in.ai_risk = p.record(id).conservative_risk;
  in.budget_remaining_fraction = p.budget_remaining_fraction(c.service);
  in.time = p.now();
  return in;
}

void GenopsStrategy::audit(Pipeline& p, std::uint32_t id, Actor actor, const char* action,
                           const std::string& decision, const GovernanceVerdict* verdict) const {
  if (!pillars_.governance)
    return;  // the audit trail belongs to the governance pillar
  AuditRecord entry;
  entry.time_min = p.now().to_minutes();
  entry.deployment = p.record(id).id;
  entry.actor = actor;
  entry.action = action;
  entry.decision = decision;
  entry.risk_score = p.record(id).risk_score;
  if (verdict != nullptr)
    entry.policies = policy_summary(*verdict);
  p.audit().append(std::move(entry));
}

void GenopsStrategy::analyse(Pipeline& p, std::uint32_t id) const {
  const Change& c = p.change(id);
  const Service& service = p.service_of(id);
  const Organization& org = p.organization();
  const GenopsConfig& g = scenario_.genops;
  DeploymentRecord& r = p.record(id);
  GenopsState& st = state_of(p);

  // Pillar 1: retrieval over deployments finished before now.
  st.embeddings[id] = embed_change(c, service, static_cast<int>(org.services.size()), org.calendar);
  double failure_share = g.history_prior_failure_rate;
  double confidence = 0.0;
  if (pillars_.retrieval) {
    const RetrievalResult found =
        st.index.query(st.embeddings[id], g.retrieval_k, g.retrieval_min_similarity);
    if (found.neighbours > 0) {
      failure_share = found.failure_share;
      confidence = found.confidence;
    }
    r.retrieval_confidence = static_cast<float>(confidence);
    r.similar_failure_share = static_cast<float>(failure_share);
  }

  // Pillar 2: risk score, autonomy decision, AI pre-deploy review.
  Decision decision = Decision::AutoProceed;
  if (pillars_.risk) {
    RiskFactors f;
    f.service_tier = tier_risk(service.tier);
    f.service_health = std::clamp(1.0 - p.budget_remaining_fraction(service.id), 0.0, 1.0);
    f.historical_failure_rate = failure_share;
    f.blast_radius = blast_radius_risk(service.blast_radius, static_cast<int>(org.services.size()));
    f.change_complexity =
        complexity_risk(c.lines_changed, c.files_changed, c.migration, c.config_change);
    f.timing = timing_risk(org.calendar, p.now());
    const RiskAssessment a = scorer_.assess(f, confidence);
    r.risk_score = static_cast<float>(a.score);
    r.conservative_risk = static_cast<float>(a.conservative);
    r.risk_level = a.level;
    decision = scorer_.decide(a);
    p.state(id).high_risk_stages = a.conservative >= g.high_risk_stage_threshold;

    engine::RngStream draw = p.rng(id, Purpose::AiReview);
    const double u = engine::uniform01(draw);
    if (p.state(id).defect_present) {
      const double catch_probability = std::min(
          g.ai_review_max_catch, g.ai_review_base_catch +
                                     g.ai_review_retrieval_gain * failure_share * confidence +
                                     g.ai_review_risk_gain * a.score);
      if (u < catch_probability) {
        audit(p, id, Actor::AiAgent, "ai_review", "REWORK", nullptr);
        p.send_to_rework(id, CatchPoint::AiReview);
        return;
      }
    } else if (u < g.ai_review_false_positive) {
      audit(p, id, Actor::AiAgent, "ai_review", "REWORK", nullptr);
      p.send_to_rework(id, CatchPoint::None);
      return;
    }
  }
  r.decision = decision;

  // Pillar 4: governance decides; without it the AI's decision is only advice.
  if (!pillars_.governance) {
    r.decision = Decision::AutoProceed;
    rollout_gate(p, id);
    return;
  }
  const GovernanceVerdict verdict = policies_.evaluate(policy_input(p, id), org.calendar);
  if (verdict.effect == PolicyEffect::Block || decision == Decision::Block) {
    r.decision = Decision::Block;
    audit(p, id, Actor::AiAgent, "policy_evaluation", "BLOCKED", &verdict);
    p.block(id);
    return;
  }
  const bool approval =
      decision == Decision::HumanApproval ||
      std::any_of(verdict.results.begin(), verdict.results.end(),
                  [](const PolicyResult& x) { return x.effect == PolicyEffect::RequireApproval; });
  if (approval) {
    r.decision = Decision::HumanApproval;
    audit(p, id, Actor::AiAgent, "policy_evaluation", "APPROVAL_REQUIRED", &verdict);
    p.request_review(id);
    return;
  }
  audit(p, id, Actor::AiAgent, "policy_evaluation",
        verdict.effect == PolicyEffect::Warn ? "WARNING" : "ALLOWED", &verdict);
  rollout_gate(p, id);
}

void GenopsStrategy::on_review_done(Pipeline& p, std::uint32_t id) const {
  audit(p, id, Actor::Human, "human_approval", "APPROVED", nullptr);
  rollout_gate(p, id);
}

void GenopsStrategy::rollout_gate(Pipeline& p, std::uint32_t id) const {
  if (pillars_.governance) {
    // Policies are evaluated again at the moment the rollout would start.
    const GovernanceVerdict verdict =
        policies_.evaluate(policy_input(p, id), p.organization().calendar);
    DeploymentRecord& r = p.record(id);
    if (verdict.effect == PolicyEffect::Block) {
      r.decision = Decision::Block;
      audit(p, id, Actor::System, "rollout_gate", "BLOCKED", &verdict);
      p.block(id);
      return;
    }
    if (verdict.effect == PolicyEffect::Defer) {
      r.deferred_min += static_cast<float>((verdict.defer_until - p.now()).to_minutes());
      audit(p, id, Actor::System, "rollout_gate", "DEFERRED", &verdict);
      p.start_timer(id, verdict.defer_until - p.now(), kDeferWake);
      return;
    }
    if (verdict.effect == PolicyEffect::RequireApproval && !r.human_approved) {
      r.decision = Decision::HumanApproval;
      audit(p, id, Actor::System, "rollout_gate", "APPROVAL_REQUIRED", &verdict);
      p.request_review(id);
      return;
    }
    audit(p, id, Actor::System, "rollout_gate", "ALLOWED", &verdict);
  }
  if (!pillars_.canary) {
    p.expose(id, 1.0);
    p.start_timer(id, SimTime::from_minutes(scenario_.baseline.deploy_minutes), kVerificationDone);
    return;
  }
  p.state(id).stage = 0;
  p.record(id).canary_stages_total = static_cast<std::uint8_t>(stages_for(p, id).size());
  start_stage(p, id);
}

const std::vector<CanaryStage>& GenopsStrategy::stages_for(Pipeline& p, std::uint32_t id) const {
  return p.state(id).high_risk_stages ? high_risk_stages_ : default_stages_;
}

void GenopsStrategy::start_stage(Pipeline& p, std::uint32_t id) const {
  const auto& stages = stages_for(p, id);
  ChangeState& s = p.state(id);
  const CanaryStage& stage = stages[s.stage];
  p.expose(id, stage.traffic_percent / 100.0);
  if (s.stage + 1U == stages.size()) {
    // The final shift to 100%: the change now serves everyone.
    p.start_timer(id, SimTime::from_minutes(scenario_.genops.full_rollout_minutes), kRolloutDone);
    return;
  }
  engine::RngStream draw = p.rng(id, Purpose::Canary, s.stage);
  const StageObservation o =
      judge_.observe(p.service_of(id), p.change(id), p.visible_defect(id), stage, draw);
  CanaryStageRecord rec;
  rec.deployment = p.record(id).id;
  rec.stage = s.stage;
  rec.traffic_percent = static_cast<float>(stage.traffic_percent);
  rec.start_min = p.now().to_minutes();
  rec.bake_min = o.bake_minutes;
  rec.requests = o.requests;
  rec.errors = o.errors;
  rec.observed_error_rate = static_cast<float>(o.error_rate);
  rec.observed_p50_ms = static_cast<float>(o.p50_ms);
  rec.observed_p99_ms = static_cast<float>(o.p99_ms);
  rec.promoted = !o.breach;
  p.stage_records().push_back(rec);
  s.stage_breach = o.breach;
  p.start_timer(id, SimTime::from_minutes(scenario_.genops.stage_step_minutes + o.bake_minutes),
                kStageDone);
}

void GenopsStrategy::stage_done(Pipeline& p, std::uint32_t id) const {
  ChangeState& s = p.state(id);
  if (s.stage_breach) {
    audit(p, id, Actor::System, "canary_rollback", "ROLLED_BACK", nullptr);
    p.roll_back(id, CatchPoint::Canary, SimTime::from_minutes(scenario_.genops.rollback_minutes));
    return;
  }
  p.record(id).canary_stage_reached = static_cast<std::uint8_t>(s.stage + 1);
  ++s.stage;
  start_stage(p, id);
}

void GenopsStrategy::on_finished(Pipeline& p, std::uint32_t id) const {
  const DeploymentRecord& r = p.record(id);
  if (!pillars_.retrieval || r.outcome == Outcome::Blocked)
    return;
  const bool problem =
      r.ci_failures > 0 || r.outcome == Outcome::RolledBack || r.outcome == Outcome::Failed ||
      (r.catch_point != CatchPoint::None && r.catch_point != CatchPoint::NotDeployed);
  GenopsState& st = state_of(p);
  st.index.add(st.embeddings[id], problem);
}

}  // namespace genops::models
