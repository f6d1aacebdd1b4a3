#include "models/genops.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <utility>

#include "engine/error.hpp"
#include "models/pipeline.hpp"
#include "models/retrieval.hpp"

namespace genops::models {

namespace {

// Longest a canary stage waits for its minimum samples before judging what it has.
constexpr double kMaxStageBakeMinutes = 120.0;

// The agent's LLM call: it reserves its upper bound (prompt plus max_tokens), 15% above the
// expected tokens of one analysis, and then uses 70-100% of them as input and 7.5-15% as
// output (uniform draws), so the reconciled actual stays below the reservation.
constexpr double kTokenReservationMargin = 1.15;
constexpr double kInputTokensMinShare = 0.7;
constexpr double kOutputTokensShare = 0.15;
constexpr double kOutputTokensMinShare = 0.5;

struct GenopsState final : StrategyState {
  GenopsState(EmbeddingIndex retrieval_index, std::size_t changes, std::size_t services,
              int start_day)
      : index(std::move(retrieval_index)),
        embeddings(changes),
        propose_awu(changes, -1),
        rollout_awu(changes, -1),
        rollback_awu(changes, -1),
        last_rollout_sequence(changes, -1),
        next_sequence(changes, 0),
        ai_available(changes, 1),
        rollout_starts(services),
        first_day(start_day) {}
  // Past outcomes per (service, component), keyed service x 256 + component: finished changes
  // that touched it and those of them that had a problem (the row_problem definition).
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> component_record;
  EmbeddingIndex index;
  std::vector<Embedding> embeddings;
  std::vector<std::uint32_t> row_change;  // the change of each index row
  std::vector<std::uint8_t> row_problem;  // the row's deployment had a problem
  // Open AWUs per change (indexes into the pipeline's AWU records, -1: none).
  std::vector<std::int32_t> propose_awu;
  std::vector<std::int32_t> rollout_awu;
  std::vector<std::int32_t> rollback_awu;
  std::vector<std::int32_t> last_rollout_sequence;
  std::vector<std::uint16_t> next_sequence;
  std::vector<std::uint8_t> ai_available;  // the agent's proposal was allowed this attempt
  // AI spend (USD) per calendar month of the team, reservations included until reconciled.
  std::map<int, double> ai_spent;
  // Rollout start times (minutes) per service within the last hour (rate limit).
  std::vector<std::deque<double>> rollout_starts;
  double emergency_used = 0;
  int first_day;
};

GenopsState& state_of(Pipeline& p) {
  return *static_cast<GenopsState*>(p.strategy_state());
}

std::uint32_t component_key(const Change& c, std::int8_t component) {
  return static_cast<std::uint32_t>(c.service) * 256U + static_cast<std::uint8_t>(component);
}

// The touched components' own failure rate, smoothed towards the prior; the worse one counts.
double component_failure_rate(const GenopsState& st, const Change& c, const GenopsConfig& g) {
  double worst = 0;
  for (const std::int8_t component : c.components) {
    if (component < 0)
      continue;
    std::uint32_t changes = 0;
    std::uint32_t problems = 0;
    if (const auto found = st.component_record.find(component_key(c, component));
        found != st.component_record.end()) {
      changes = found->second.first;
      problems = found->second.second;
    }
    const double m = g.component_history_prior_strength;
    const double rate = changes + m > 0
                            ? (problems + m * g.history_prior_failure_rate) / (changes + m)
                            : g.history_prior_failure_rate;
    worst = std::max(worst, rate);
  }
  return worst;
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

// The AWU policy of a PolicySet rule that decided an AWU (every rule is one).
AwuPolicy awu_policy_of(const PolicyResult& rule) {
  const std::optional<AwuPolicy> policy = parse_awu_policy(rule.name);
  GENOPS_ASSERT(policy.has_value(), "every PolicySet rule name is an AwuPolicy");
  return *policy;
}

// The agent's call (agent.propose) is done when the analysis starts: reconcile the tokens it
// used against its reservation.
void reconcile_agent_call(Pipeline& p, std::uint32_t id, const GenopsConfig& g, GenopsState& st) {
  const std::int32_t index = st.propose_awu[id];
  if (index < 0) {
    return;
  }
  AwuRecord& a = p.awu_records()[static_cast<std::size_t>(index)];
  engine::RngStream draw = p.rng(id, Purpose::AiReview, 1);
  a.tokens_input = static_cast<std::uint32_t>(g.ai_tokens_per_analysis *
                                              engine::uniform(draw, kInputTokensMinShare, 1.0));
  a.tokens_output = static_cast<std::uint32_t>(kOutputTokensShare * g.ai_tokens_per_analysis *
                                               engine::uniform(draw, kOutputTokensMinShare, 1.0));
  const double actual = (a.tokens_input + a.tokens_output) * g.ai_usd_per_1k_tokens / 1000.0;
  const int month = month_index_of_day(st.first_day + p.organization().calendar.local_day(p.now()));
  st.ai_spent[month] += actual - a.reserved;
  a.exec_end_min = a.reconcile_min = a.end_min = p.now_min();
  a.actual = actual;
  st.propose_awu[id] = -1;
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
  const GenopsConfig& g = scenario_.genops;
  const std::size_t changes = pipeline.organization().changes.size();
  EmbeddingIndex index =
      g.retrieval_index == RetrievalIndexKind::Hnsw
          ? EmbeddingIndex(HnswParameters{.links = g.retrieval_hnsw_links,
                                          .ef_construction = g.retrieval_hnsw_ef_construction,
                                          .ef_search = g.retrieval_hnsw_ef_search},
                           pipeline.rng(0, Purpose::RetrievalIndex),
                           static_cast<std::size_t>(g.retrieval_hnsw_exact_below_rows))
          : EmbeddingIndex(changes / 2 + 16);
  return std::make_unique<GenopsState>(
      std::move(index), changes, pipeline.organization().services.size(),
      // day 0 of the simulation clock (before any warm-up)
      days_from_iso_date(scenario_.start_date) - scenario_.warmup_days);
}

void GenopsStrategy::on_ci_passed(Pipeline& p, std::uint32_t id) const {
  propose(p, id);
  p.start_timer(id, SimTime::from_minutes(scenario_.genops.analysis_minutes), kAnalysisDone);
}

std::int32_t GenopsStrategy::open_awu(Pipeline& p, std::uint32_t id, AwuKind kind, AwuBudget budget,
                                      std::int32_t linked_to) const {
  GenopsState& st = state_of(p);
  AwuRecord a;
  a.deployment = p.record(id).id;
  a.sequence = st.next_sequence[id]++;
  a.linked_to = linked_to;
  a.kind = kind;
  a.budget = budget;
  a.organization = p.record(id).organization;
  a.service = p.record(id).service;
  a.start_min = p.now_min();
  p.awu_records().push_back(a);
  return static_cast<std::int32_t>(p.awu_records().size() - 1);
}

void GenopsStrategy::propose(Pipeline& p, std::uint32_t id) const {
  // The agent's LLM call (agent.propose), accounted in USD against the team's monthly budget:
  // reserve the upper bound (prompt + max_tokens), decide, run, reconcile the tokens used.
  const GenopsConfig& g = scenario_.genops;
  GenopsState& st = state_of(p);
  const std::int32_t index = open_awu(p, id, AwuKind::AgentPropose, AwuBudget::AiCost, -1);
  AwuRecord& a = p.awu_records()[static_cast<std::size_t>(index)];
  const double now = p.now_min();
  const int month = month_index_of_day(st.first_day + p.organization().calendar.local_day(p.now()));
  double& spent = st.ai_spent[month];
  const double estimate =
      kTokenReservationMargin * g.ai_tokens_per_analysis * g.ai_usd_per_1k_tokens / 1000.0;
  const double remaining = g.ai_budget_usd_per_team_month - spent;
  a.decision_min = now;
  a.end_min = now;
  if (remaining <= 0.0 || remaining < estimate) {
    a.result = AwuResult::Blocked;
    a.reason = remaining <= 0.0 ? AwuReason::BudgetExceeded : AwuReason::BudgetReservationFailed;
    a.policy = AwuPolicy::AiCostBudget;
    a.requested = estimate;
    st.ai_available[id] = 0;  // the change goes on without the agent (human path)
    return;
  }
  spent += estimate;
  a.reserve_min = now;
  a.reserved = estimate;
  a.budget_remaining = remaining - estimate;
  a.result = AwuResult::Allowed;
  a.exec_start_min = now;
  st.propose_awu[id] = index;
  st.ai_available[id] = 1;
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
    case kStageHold:
      start_stage(p, id);
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
        start_rollback_awu(p, id);
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
  entry.time_min = p.now_min();
  entry.deployment = p.record(id).id;
  entry.actor = actor;
  entry.action = action;
  entry.decision = decision;
  entry.risk_score = p.record(id).risk_score;
  if (verdict != nullptr)
    entry.policies = policy_summary(*verdict);
  p.audit(id).append(std::move(entry));
}

GenopsStrategy::Context GenopsStrategy::retrieve(Pipeline& p, std::uint32_t id) const {
  // The top-k neighbours, and what they are worth against the ground truth: a neighbour is
  // relevant when it touched the component where this change's risk lives (same service); a
  // relevant failure is a precedent (weight 1 if its defect was of this change's class, else
  // 0.5). Precedents are what the AI reviewer can use; relevance is recorded for precision@k.
  const GenopsConfig& g = scenario_.genops;
  GenopsState& st = state_of(p);
  const Change& c = p.change(id);
  const RetrievalResult found =
      st.index.query(st.embeddings[id], g.retrieval_k, g.retrieval_min_similarity);
  Context out;
  out.neighbours = found.neighbours;
  out.failure_share = found.failure_share;
  out.confidence = found.confidence;
  int relevant = 0;
  double precedents = 0;
  for (const std::size_t row : found.rows) {
    const Change& n = p.change(st.row_change[row]);
    if (n.service != c.service ||
        (n.components[0] != c.risk_component && n.components[1] != c.risk_component))
      continue;
    ++relevant;
    if (st.row_problem[row] != 0)
      precedents += n.defect_class == c.defect_class ? 1.0 : 0.5;
  }
  // One relevant precedent already tells a reviewer where to look; more add less.
  out.precedents = 1.0 - std::exp(-precedents);
  DeploymentRecord& r = p.record(id);
  r.retrieval_confidence = static_cast<float>(found.neighbours > 0 ? found.confidence : 0.0);
  r.similar_failure_share =
      static_cast<float>(found.neighbours > 0 ? found.failure_share : g.history_prior_failure_rate);
  r.neighbours_found = static_cast<std::uint8_t>(std::min(found.neighbours, 255));
  r.neighbours_relevant = static_cast<std::uint8_t>(std::min(relevant, 255));
  return out;
}

bool GenopsStrategy::ai_review_sends_back(Pipeline& p, std::uint32_t id, double precedents) const {
  // The AI reads the diff as a human does (the defect's detectability, common random numbers)
  // and is helped by relevant precedents; it also sends some clean changes back.
  const GenopsConfig& g = scenario_.genops;
  engine::RngStream draw = p.rng(id, Purpose::AiReview);
  const double u = engine::uniform01(draw);
  if (!p.state(id).defect_present)
    return u < g.ai_review_false_positive;
  const double strength = g.ai_review_strength + g.ai_review_precedent_gain * precedents;
  return u < std::min(g.ai_review_max_catch,
                      review_catch_probability(strength, p.change(id), scenario_.defects));
}

void GenopsStrategy::analyse(Pipeline& p, std::uint32_t id) const {
  const Change& c = p.change(id);
  const Service& service = p.service_of(id);
  const Organization& org = p.organization();
  const GenopsConfig& g = scenario_.genops;
  DeploymentRecord& r = p.record(id);
  GenopsState& st = state_of(p);
  const bool ai = st.ai_available[id] != 0;
  reconcile_agent_call(p, id, g, st);

  // Pillar 1: retrieval over deployments finished before now.
  st.embeddings[id] = embed_change(c, service, static_cast<int>(org.services.size()), org.calendar);
  const Context context = pillars_.retrieval && ai ? retrieve(p, id) : Context{};
  const double failure_share =
      context.neighbours > 0 ? context.failure_share : g.history_prior_failure_rate;
  const double component_rate =
      pillars_.retrieval && ai ? component_failure_rate(st, c, g) : g.history_prior_failure_rate;

  // Pillar 2: risk score, autonomy decision, AI pre-deploy review.
  // Without the agent (its AI budget refused the call) a human decides.
  Decision decision = ai ? Decision::AutoProceed : Decision::HumanApproval;
  if (pillars_.risk && ai) {
    RiskFactors f;
    f.service_tier = tier_risk(service.tier);
    f.service_health = std::clamp(1.0 - p.budget_remaining_fraction(service.id), 0.0, 1.0);
    f.historical_failure_rate = std::min(1.0, ((1.0 - g.component_history_share) * failure_share +
                                               g.component_history_share * component_rate) /
                                                  g.history_failure_share_scale);
    f.blast_radius = blast_radius_risk(service.blast_radius, static_cast<int>(org.services.size()));
    f.change_complexity =
        complexity_risk(c.lines_changed, c.files_changed, c.migration, c.config_change);
    f.timing = timing_risk(org.calendar, p.now());
    const RiskAssessment a = scorer_.assess(f, context.confidence);
    r.risk_score = static_cast<float>(a.score);
    r.conservative_risk = static_cast<float>(a.conservative);
    r.risk_level = a.level;
    decision = scorer_.decide(a);
    p.state(id).high_risk_stages = a.conservative >= g.high_risk_stage_threshold;
    if (ai_review_sends_back(p, id, context.precedents)) {
      audit(p, id, Actor::AiAgent, "ai_review", "REWORK", nullptr);
      p.send_to_rework(id, p.state(id).defect_present ? CatchPoint::AiReview : CatchPoint::None);
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
  // The governed rollout decision (deploy.rollout): pre-execution starts now; an approval wait
  // happens inside it (docs/genops-spec-decisions.md, human approval).
  st.rollout_awu[id] = open_awu(p, id, AwuKind::DeployRollout,
                                c.hotfix ? AwuBudget::Emergency : AwuBudget::ErrorBudget,
                                st.last_rollout_sequence[id]);
  const GovernanceVerdict verdict = policies_.evaluate(policy_input(p, id), org.calendar);
  if (verdict.effect == PolicyEffect::Block || decision == Decision::Block) {
    r.decision = Decision::Block;
    audit(p, id, Actor::AiAgent, "policy_evaluation", "BLOCKED", &verdict);
    if (verdict.effect == PolicyEffect::Block) {
      const PolicyResult* deciding = verdict.deciding();
      close_rollout(p, id, AwuResult::Blocked,
                    std::string_view(deciding->name) == "error_budget_protection"
                        ? AwuReason::BudgetExceeded
                        : AwuReason::ChangeFreezeWindow,
                    awu_policy_of(*deciding));
    } else {
      close_rollout(p, id, AwuResult::Blocked, AwuReason::PolicyDenyContent,
                    AwuPolicy::RiskCeiling);
    }
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
    p.awu_records()[static_cast<std::size_t>(st.rollout_awu[id])].approval_requested_min =
        p.now_min();
    p.request_review(id);
    return;
  }
  audit(p, id, Actor::AiAgent, "policy_evaluation",
        verdict.effect == PolicyEffect::Warn ? "WARNING" : "ALLOWED", &verdict);
  rollout_gate(p, id);
}

void GenopsStrategy::on_review_done(Pipeline& p, std::uint32_t id) const {
  audit(p, id, Actor::Human, "human_approval", "APPROVED", nullptr);
  if (const std::int32_t index = state_of(p).rollout_awu[id]; index >= 0) {
    p.awu_records()[static_cast<std::size_t>(index)].approval_resolved_min = p.now_min();
  }
  rollout_gate(p, id);
}

void GenopsStrategy::close_rollout(Pipeline& p, std::uint32_t id, AwuResult result,
                                   AwuReason reason, AwuPolicy policy) const {
  // A rollout attempt that does not execute: its one decision, then it ends (a retry is a new
  // AWU linked to this one).
  GenopsState& st = state_of(p);
  const std::int32_t index = st.rollout_awu[id];
  if (index < 0)
    return;
  AwuRecord& a = p.awu_records()[static_cast<std::size_t>(index)];
  a.decision_min = a.end_min = p.now_min();
  a.result = result;
  a.reason = reason;
  a.policy = policy;
  st.last_rollout_sequence[id] = a.sequence;
  st.rollout_awu[id] = -1;
}

double GenopsStrategy::predicted_burn(Pipeline& p, std::uint32_t id) const {
  // P(bad change) x exposure the canary would allow before catching it x assumed severity.
  double exposure = 0;
  for (const auto& stage : stages_for(p, id)) {
    if (stage.traffic_percent < 100.0)
      exposure += stage.traffic_percent / 100.0 * stage.bake_minutes;
  }
  if (!pillars_.canary)
    exposure = scenario_.baseline.deploy_minutes;
  const double risk = std::max(0.05, static_cast<double>(p.record(id).conservative_risk));
  return std::max(0.001, risk * exposure * scenario_.genops.predicted_severity);
}

bool GenopsStrategy::reserve_rollout(Pipeline& p, std::uint32_t id) const {
  // Accounting for deploy.rollout: reserve the predicted burn from the service's error budget
  // (hotfixes: the organization's emergency budget). An unfulfillable reservation blocks.
  GenopsState& st = state_of(p);
  AwuRecord& a = p.awu_records()[static_cast<std::size_t>(st.rollout_awu[id])];
  const double estimate = predicted_burn(p, id);
  const double remaining = a.budget == AwuBudget::Emergency
                               ? scenario_.genops.emergency_budget_minutes - st.emergency_used
                               : p.budget_remaining_minutes(p.change(id).service);
  if (remaining <= 0.0 || remaining < estimate) {
    a.requested = estimate;
    close_rollout(p, id, AwuResult::Blocked,
                  remaining <= 0.0 ? AwuReason::BudgetExceeded : AwuReason::BudgetReservationFailed,
                  AwuPolicy::ErrorBudgetReservation);
    return false;
  }
  a.reserve_min = p.now_min();
  a.reserved = estimate;
  a.budget_remaining = remaining - estimate;
  return true;
}

void GenopsStrategy::rollout_gate(Pipeline& p, std::uint32_t id) const {
  GenopsState& st = state_of(p);
  if (pillars_.governance) {
    DeploymentRecord& r = p.record(id);
    const Change& c = p.change(id);
    if (st.rollout_awu[id] < 0) {
      // A retry after a deferral or a rate limit: a new AWU, linked to the previous attempt.
      st.rollout_awu[id] = open_awu(p, id, AwuKind::DeployRollout,
                                    c.hotfix ? AwuBudget::Emergency : AwuBudget::ErrorBudget,
                                    st.last_rollout_sequence[id]);
    }
    // Policies are evaluated again at the moment the rollout would start.
    const GovernanceVerdict verdict =
        policies_.evaluate(policy_input(p, id), p.organization().calendar);
    if (verdict.effect == PolicyEffect::Block) {
      r.decision = Decision::Block;
      audit(p, id, Actor::System, "rollout_gate", "BLOCKED", &verdict);
      const PolicyResult* deciding = verdict.deciding();
      close_rollout(p, id, AwuResult::Blocked,
                    std::string_view(deciding->name) == "error_budget_protection"
                        ? AwuReason::BudgetExceeded
                        : AwuReason::ChangeFreezeWindow,
                    awu_policy_of(*deciding));
      p.block(id);
      return;
    }
    if (verdict.effect == PolicyEffect::Defer) {
      r.deferred_min += static_cast<float>((verdict.defer_until - p.now()).to_minutes());
      audit(p, id, Actor::System, "rollout_gate", "DEFERRED", &verdict);
      close_rollout(p, id, AwuResult::Blocked, AwuReason::ChangeFreezeWindow,
                    AwuPolicy::NoFridayDeployments);
      p.start_timer(id, verdict.defer_until - p.now(), kDeferWake);
      return;
    }
    // Rate limit per service: the attempt is refused and retried when a slot frees up.
    auto& starts = st.rollout_starts[static_cast<std::size_t>(c.service)];
    const double now = p.now_min();
    while (!starts.empty() && starts.front() <= now - 60.0)
      starts.pop_front();
    if (!c.hotfix &&
        static_cast<int>(starts.size()) >= scenario_.genops.max_deploys_per_service_per_hour) {
      const SimTime wait =
          SimTime::from_minutes(starts.front() + 60.0 - now) + SimTime::milliseconds(1);
      r.deferred_min += static_cast<float>(wait.to_minutes());
      audit(p, id, Actor::System, "rollout_gate", "RATE_LIMITED", &verdict);
      close_rollout(p, id, AwuResult::RateLimited, AwuReason::RateLimited,
                    AwuPolicy::DeployRateLimit);
      p.start_timer(id, wait, kDeferWake);
      return;
    }
    if (verdict.effect == PolicyEffect::RequireApproval && !r.human_approved) {
      r.decision = Decision::HumanApproval;
      audit(p, id, Actor::System, "rollout_gate", "APPROVAL_REQUIRED", &verdict);
      p.awu_records()[static_cast<std::size_t>(st.rollout_awu[id])].approval_requested_min = now;
      p.request_review(id);
      return;
    }
    if (!reserve_rollout(p, id)) {
      r.decision = Decision::Block;
      audit(p, id, Actor::System, "rollout_gate", "BLOCKED", &verdict);
      p.block(id);
      return;
    }
    AwuRecord& a = p.awu_records()[static_cast<std::size_t>(st.rollout_awu[id])];
    a.decision_min = a.exec_start_min = now;
    if (verdict.effect == PolicyEffect::Warn) {
      const PolicyResult* deciding = verdict.deciding();
      a.result = AwuResult::Warning;
      a.reason = std::string_view(deciding->name) == "large_change_caution"
                     ? AwuReason::LargeChange
                     : AwuReason::ErrorBudgetLow;
      a.policy = awu_policy_of(*deciding);
    } else {
      a.result = AwuResult::Allowed;
      a.policy = r.human_approved ? AwuPolicy::HumanApproval : AwuPolicy::None;
    }
    starts.push_back(now);
    audit(p, id, Actor::System, "rollout_gate",
          verdict.effect == PolicyEffect::Warn ? "WARNING" : "ALLOWED", &verdict);
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

// Every traffic shift is a deploy: before a canary's later stage, governance re-checks the
// no-deploy window and the service's error budget (which may have run out during the bake, by
// another change's incident) and holds the canary at its current traffic until the window opens
// or, for the budget, re-checks after kBudgetRecheckMinutes. Hotfixes are exempt, as at the
// rollout gate; the first stage was just checked by the gate.
bool GenopsStrategy::hold_canary(Pipeline& p, std::uint32_t id) const {
  // Re-check an exhausted budget hourly (burns leave the 28-day window one by one).
  constexpr double kBudgetRecheckMinutes = 60.0;
  if (!pillars_.governance || p.change(id).hotfix || p.state(id).stage == 0)
    return false;
  const LocalCalendar& calendar = p.organization().calendar;
  const int cutoff = scenario_.genops.friday_cutoff_hour;
  SimTime wait;
  if (calendar.in_no_deploy_window(p.now(), cutoff)) {
    wait = calendar.next_deploy_allowed(p.now(), cutoff) - p.now();
  } else if (p.budget_remaining_fraction(p.change(id).service) <= 0.0) {
    wait = SimTime::from_minutes(kBudgetRecheckMinutes);
  } else {
    return false;
  }
  p.record(id).deferred_min += static_cast<float>(wait.to_minutes());
  audit(p, id, Actor::System, "canary_hold", "DEFERRED", nullptr);
  p.start_timer(id, wait, kStageHold);
  return true;
}

void GenopsStrategy::start_stage(Pipeline& p, std::uint32_t id) const {
  if (hold_canary(p, id))
    return;
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
  rec.start_min = p.now_min();
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
    start_rollback_awu(p, id);
    p.roll_back(id, CatchPoint::Canary, SimTime::from_minutes(scenario_.genops.rollback_minutes));
    return;
  }
  p.record(id).canary_stage_reached = static_cast<std::uint8_t>(s.stage + 1);
  ++s.stage;
  start_stage(p, id);
}

void GenopsStrategy::on_rework(Pipeline& p, std::uint32_t id) const {
  // A reviewer who sends the change back denies the approval the rollout was waiting for.
  close_rollout(p, id, AwuResult::Blocked, AwuReason::HumanApprovalDenied,
                AwuPolicy::HumanApproval);
}

void GenopsStrategy::start_rollback_awu(Pipeline& p, std::uint32_t id) const {
  // The rollout's execution ends here; a deploy.rollback AWU, linked to it, reverts. Rollbacks
  // are never refused: they reserve from the emergency budget.
  GenopsState& st = state_of(p);
  const double now = p.now_min();
  std::int32_t rollout_sequence = -1;
  if (const std::int32_t index = st.rollout_awu[id]; index >= 0) {
    AwuRecord& rollout = p.awu_records()[static_cast<std::size_t>(index)];
    rollout.exec_end_min = now;
    rollout_sequence = rollout.sequence;
  }
  if (!pillars_.governance)
    return;
  const std::int32_t index =
      open_awu(p, id, AwuKind::DeployRollback, AwuBudget::Emergency, rollout_sequence);
  AwuRecord& a = p.awu_records()[static_cast<std::size_t>(index)];
  const double estimate =
      std::max(0.001, p.state(id).exposure_fraction * scenario_.genops.rollback_minutes *
                          scenario_.genops.predicted_severity);
  a.reserve_min = a.decision_min = a.exec_start_min = now;
  a.reserved = estimate;
  a.budget_remaining = scenario_.genops.emergency_budget_minutes - st.emergency_used - estimate;
  a.result = AwuResult::Allowed;
  a.policy = AwuPolicy::AutomaticRollback;
  st.rollback_awu[id] = index;
}

void GenopsStrategy::on_finished(Pipeline& p, std::uint32_t id) const {
  const DeploymentRecord& r = p.record(id);
  GenopsState& gs = state_of(p);
  const double now = p.now_min();
  // Reconcile what executed with the burn the simulation attributes to it (ground truth).
  if (const std::int32_t index = gs.rollback_awu[id]; index >= 0) {
    AwuRecord& a = p.awu_records()[static_cast<std::size_t>(index)];
    const double severity = p.visible_defect(id)
                                ? std::min(1.0, p.change(id).error_rate_effect /
                                                    scenario_.incidents.full_outage_error_rate)
                                : 0.0;
    a.exec_end_min = a.reconcile_min = a.end_min = now;
    a.actual = p.state(id).exposure_fraction * (now - a.exec_start_min) * severity;
    gs.emergency_used += a.actual;
    gs.rollback_awu[id] = -1;
  }
  if (const std::int32_t index = gs.rollout_awu[id]; index >= 0) {
    AwuRecord& a = p.awu_records()[static_cast<std::size_t>(index)];
    if (a.exec_end_min < 0)
      a.exec_end_min = now;
    a.reconcile_min = a.end_min = now;
    a.actual = r.error_budget_burned_min;
    if (a.budget == AwuBudget::Emergency)
      gs.emergency_used += a.actual;
    gs.rollout_awu[id] = -1;
  }
  if (!pillars_.retrieval || r.outcome == Outcome::Blocked)
    return;
  const bool problem =
      r.ci_failures > 0 || r.outcome == Outcome::RolledBack || r.outcome == Outcome::Failed ||
      (r.catch_point != CatchPoint::None && r.catch_point != CatchPoint::NotDeployed);
  GenopsState& st = state_of(p);
  for (const std::int8_t component : p.change(id).components) {
    if (component < 0)
      continue;
    auto& [changes, problems] = st.component_record[component_key(p.change(id), component)];
    ++changes;
    problems += problem ? 1U : 0U;
  }
  st.index.add(st.embeddings[id], problem);
  st.row_change.push_back(id);
  st.row_problem.push_back(problem ? 1 : 0);
}

}  // namespace genops::models
