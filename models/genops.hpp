#pragma once

#include "models/canary.hpp"
#include "models/config.hpp"
#include "models/governance.hpp"
#include "models/risk.hpp"
#include "models/strategy.hpp"

namespace genops::models {

// Which of the four pillars are on; ablations switch one off.
struct GenopsPillars {
  bool retrieval = true;
  bool risk = true;
  bool canary = true;
  bool governance = true;
};

// The GenOps pipeline: (1) context retrieval over finished deployments, (2) risk scoring with
// autonomy levels and an AI pre-deploy review, (3) staged canary rollout with automatic
// rollback, (4) governance: policies evaluated before every rollout (never bypassed), human
// approval through the reviewer pool, hash-chained audit trail.
class GenopsStrategy final : public Strategy {
 public:
  GenopsStrategy(const Scenario& scenario, GenopsPillars pillars);
  std::string_view name() const override { return name_; }
  bool has_ai_actor() const override { return true; }
  const GenopsPillars& pillars() const { return pillars_; }
  std::unique_ptr<StrategyState> make_state(const Pipeline& pipeline) const override;
  void on_ci_passed(Pipeline& pipeline, std::uint32_t change) const override;
  void on_review_done(Pipeline& pipeline, std::uint32_t change) const override;
  void on_timer(Pipeline& pipeline, std::uint32_t change, std::uint32_t tag) const override;
  void on_rework(Pipeline& pipeline, std::uint32_t change) const override;
  void on_finished(Pipeline& pipeline, std::uint32_t change) const override;

 private:
  enum Tag : std::uint32_t {
    kAnalysisDone = 1,
    kDeferWake = 2,
    kStageDone = 3,
    kRolloutDone = 4,
    kVerificationDone = 5,
    kStageHold = 6,  // a held canary re-checks its next shift
  };
  // What retrieval gave one change.
  struct Context {
    int neighbours = 0;
    double failure_share = 0;
    double confidence = 0;
    double precedents = 0;  // 1 - exp(-class-weighted relevant failures among the neighbours)
  };
  Context retrieve(Pipeline& pipeline, std::uint32_t change) const;
  bool ai_review_sends_back(Pipeline& pipeline, std::uint32_t change, double precedents) const;
  void analyse(Pipeline& pipeline, std::uint32_t change) const;
  void rollout_gate(Pipeline& pipeline, std::uint32_t change) const;
  void start_stage(Pipeline& pipeline, std::uint32_t change) const;
  void stage_done(Pipeline& pipeline, std::uint32_t change) const;
  bool hold_canary(Pipeline& pipeline, std::uint32_t change) const;
  PolicyInput policy_input(Pipeline& pipeline, std::uint32_t change) const;
  void audit(Pipeline& pipeline, std::uint32_t change, Actor actor, const char* action,
             const std::string& decision, const GovernanceVerdict* verdict) const;
  // GenOps telemetry: AWU records (docs/genops-spec-decisions.md).
  void propose(Pipeline& pipeline, std::uint32_t change) const;
  std::int32_t open_awu(Pipeline& pipeline, std::uint32_t change, AwuKind kind, AwuBudget budget,
                        std::int32_t linked_to) const;
  void close_rollout(Pipeline& pipeline, std::uint32_t change, AwuResult result, AwuReason reason,
                     AwuPolicy policy) const;
  bool reserve_rollout(Pipeline& pipeline, std::uint32_t change) const;
  double predicted_burn(Pipeline& pipeline, std::uint32_t change) const;
  void start_rollback_awu(Pipeline& pipeline, std::uint32_t change) const;
  const std::vector<CanaryStage>& stages_for(Pipeline& pipeline, std::uint32_t change) const;

  const Scenario& scenario_;
  GenopsPillars pillars_;
  std::string name_;
  RiskScorer scorer_;
  CanaryJudge judge_;
  PolicySet policies_;
  std::vector<CanaryStage> default_stages_;
  std::vector<CanaryStage> high_risk_stages_;
};

}  // namespace genops::models
