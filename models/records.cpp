#include "models/records.hpp"

namespace genops::models {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Succeeded:
      return "succeeded";
    case Outcome::RolledBack:
      return "rolled_back";
    case Outcome::Failed:
      return "failed";
    case Outcome::Blocked:
      return "blocked";
    case Outcome::InFlight:
      return "in_flight";
  }
  return "?";
}

const char* pipeline_stage_name(PipelineStage stage) {
  switch (stage) {
    case PipelineStage::None:
      return "none";
    case PipelineStage::CiQueue:
      return "ci_queue";
    case PipelineStage::Ci:
      return "ci";
    case PipelineStage::Rework:
      return "rework";
    case PipelineStage::Review:
      return "review";
    case PipelineStage::PreDeploy:
      return "pre_deploy";
    case PipelineStage::Production:
      return "production";
    case PipelineStage::RollingBack:
      return "rolling_back";
    case PipelineStage::Incident:
      return "incident";
  }
  return "?";
}

const char* catch_point_name(CatchPoint point) {
  switch (point) {
    case CatchPoint::None:
      return "none";
    case CatchPoint::HumanReview:
      return "human_review";
    case CatchPoint::AiReview:
      return "ai_review";
    case CatchPoint::Canary:
      return "canary";
    case CatchPoint::Verification:
      return "verification";
    case CatchPoint::Escaped:
      return "escaped";
    case CatchPoint::NotDeployed:
      return "not_deployed";
  }
  return "?";
}

const char* risk_level_name(RiskLevel level) {
  switch (level) {
    case RiskLevel::Low:
      return "LOW";
    case RiskLevel::Medium:
      return "MEDIUM";
    case RiskLevel::High:
      return "HIGH";
    case RiskLevel::Critical:
      return "CRITICAL";
  }
  return "?";
}

const char* decision_name(Decision decision) {
  switch (decision) {
    case Decision::None:
      return "none";
    case Decision::AutoProceed:
      return "auto_proceed";
    case Decision::HumanApproval:
      return "human_approval";
    case Decision::Block:
      return "block";
  }
  return "?";
}

const char* awu_operation_name(AwuKind kind) {
  switch (kind) {
    case AwuKind::AgentPropose:
      return "agent.propose";
    case AwuKind::DeployRollout:
      return "deploy.rollout";
    case AwuKind::DeployRollback:
      return "deploy.rollback";
  }
  return "?";
}

const char* awu_operation_type(AwuKind kind) {
  switch (kind) {
    case AwuKind::AgentPropose:
      return "inference";
    case AwuKind::DeployRollout:
      return "deployment";
    case AwuKind::DeployRollback:
      return "rollback";
  }
  return "?";
}

const char* awu_result_name(AwuResult result) {
  switch (result) {
    case AwuResult::Allowed:
      return "ALLOWED";
    case AwuResult::Blocked:
      return "BLOCKED";
    case AwuResult::Warning:
      return "WARNING";
    case AwuResult::RateLimited:
      return "RATE_LIMITED";
  }
  return "?";
}

const char* awu_reason_code(AwuReason reason) {
  switch (reason) {
    case AwuReason::None:
      return "";
    case AwuReason::BudgetExceeded:
      return "BUDGET_EXCEEDED";
    case AwuReason::BudgetReservationFailed:
      return "BUDGET_RESERVATION_FAILED";
    case AwuReason::PolicyDenyContent:
      return "POLICY_DENY_CONTENT";
    case AwuReason::RateLimited:
      return "RATE_LIMITED";
    case AwuReason::ChangeFreezeWindow:
      return "x_change_freeze_window";
    case AwuReason::ErrorBudgetLow:
      return "x_error_budget_low";
    case AwuReason::LargeChange:
      return "x_large_change_caution";
    case AwuReason::HumanApprovalDenied:
      return "x_human_approval_denied";
  }
  return "";
}

const char* awu_unit(AwuBudget budget) {
  return budget == AwuBudget::AiCost ? "USD" : "error_budget_minutes";
}

const char* awu_policy_name(AwuPolicy policy) {
  switch (policy) {
    case AwuPolicy::None:
      return "";
    case AwuPolicy::AiCostBudget:
      return "ai_cost_budget";
    case AwuPolicy::AutomaticRollback:
      return "automatic_rollback";
    case AwuPolicy::CriticalServiceHumanReview:
      return "critical_service_human_review";
    case AwuPolicy::DbMigrationReview:
      return "db_migration_review";
    case AwuPolicy::DeployRateLimit:
      return "deploy_rate_limit";
    case AwuPolicy::ErrorBudgetProtection:
      return "error_budget_protection";
    case AwuPolicy::ErrorBudgetReservation:
      return "error_budget_reservation";
    case AwuPolicy::HumanApproval:
      return "human-approval";
    case AwuPolicy::LargeChangeCaution:
      return "large_change_caution";
    case AwuPolicy::NoFridayDeployments:
      return "no_friday_deployments";
    case AwuPolicy::RiskCeiling:
      return "risk_ceiling";
  }
  return "";
}

std::optional<AwuPolicy> parse_awu_policy(std::string_view name) {
  for (int code = 0; code < kAwuPolicyCount; ++code) {
    const auto policy = static_cast<AwuPolicy>(code);
    if (name == awu_policy_name(policy)) {
      return policy;
    }
  }
  return std::nullopt;
}

const char* actor_name(Actor actor) {
  switch (actor) {
    case Actor::AiAgent:
      return "ai_agent";
    case Actor::Human:
      return "human";
    case Actor::System:
      return "system";
  }
  return "?";
}

}  // namespace genops::models
