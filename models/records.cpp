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
