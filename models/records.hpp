#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace genops::models {

// Final outcome of a deployment (docs/MODEL.md). Codes are stable: they are written to HDF5.
// InFlight: the change had no final outcome when the run ended (censored at the horizon); its
// record says where it was (`in_flight_stage`). Every arrival has a record with an outcome.
enum class Outcome : std::uint8_t {
  Succeeded = 0,
  RolledBack = 1,
  Failed = 2,
  Blocked = 3,
  InFlight = 4
};
inline constexpr int kOutcomeCount = 5;
const char* outcome_name(Outcome outcome);

// Where a change is in the pipeline (kept current by Pipeline; recorded for changes InFlight at
// the horizon, None for finished ones).
enum class PipelineStage : std::uint8_t {
  None = 0,         // finished (or not arrived)
  CiQueue = 1,      // waiting for a CI runner
  Ci = 2,           // a CI run in progress
  Rework = 3,       // back with its author
  Review = 4,       // waiting for or under human review
  PreDeploy = 5,    // CI passed; the strategy's gates, AI review, deferral or a timer hold it
  Production = 6,   // serving production traffic (canary stages, rollout, verification)
  RollingBack = 7,  // a rollback in progress
  Incident = 8,     // reached everyone with a defect; the incident is not restored yet
};
inline constexpr int kPipelineStageCount = 9;
const char* pipeline_stage_name(PipelineStage stage);

// Where a latent defect that survived CI was stopped (the canary-catch split).
enum class CatchPoint : std::uint8_t {
  None = 0,          // no defect survived CI
  HumanReview = 1,   // reviewer caught it before deploy -> rework
  AiReview = 2,      // AI pre-deploy review caught it -> rework
  Canary = 3,        // a canary stage rolled it back before 100%
  Verification = 4,  // noticed during post-deploy verification -> rollback
  Escaped = 5,       // reached everyone and became an incident
  NotDeployed = 6,   // the change was blocked with the defect still latent
};
inline constexpr int kCatchPointCount = 7;
const char* catch_point_name(CatchPoint point);
// Bit of a catch point in DeploymentRecord::catch_points (every point the change met).
constexpr std::uint8_t catch_point_bit(CatchPoint point) {
  return static_cast<std::uint8_t>(1U << static_cast<unsigned>(point));
}

enum class RiskLevel : std::uint8_t { Low = 0, Medium = 1, High = 2, Critical = 3 };
const char* risk_level_name(RiskLevel level);

// The governance / automation decision taken for the final attempt.
enum class Decision : std::uint8_t {
  None = 0,           // baseline: people decide
  AutoProceed = 1,    // AI proceeds on its own
  HumanApproval = 2,  // a human approved it
  Block = 3,          // refused
};
const char* decision_name(Decision decision);

// A deployment's id, the one place its encoding lives: organization << 32 | change index within
// the organization. The same change has the same id under every strategy (results pair by it).
constexpr std::uint64_t deployment_id(std::uint32_t organization, std::uint32_t change_index) {
  return (std::uint64_t{organization} << 32) | change_index;
}
constexpr std::uint32_t organization_of(std::uint64_t deployment_id) {
  return static_cast<std::uint32_t>(deployment_id >> 32);
}
constexpr std::uint32_t change_index_of(std::uint64_t deployment_id) {
  return static_cast<std::uint32_t>(deployment_id & 0xffffffffU);
}

// One change's whole journey, arrival to final outcome. Times in minutes since 00:00 UTC of the
// scenario's start_date (a warm-up runs before it and leaves no record).
struct DeploymentRecord {
  std::uint64_t id = 0;  // deployment_id(organization, change index)
  std::uint16_t organization = 0;
  std::uint16_t service = 0;
  std::uint8_t tier = 0;
  double arrival_min = 0;
  double ci_start_min = 0;       // first CI start
  double deploy_start_min = -1;  // first production exposure (-1: never deployed)
  double end_min = 0;
  double cycle_time_min = 0;
  Outcome outcome = Outcome::Succeeded;
  CatchPoint catch_point = CatchPoint::None;  // the first point that stopped a defect
  std::uint8_t catch_points = 0;              // every catch point met, as catch_point_bit() bits
  PipelineStage in_flight_stage = PipelineStage::None;  // where an InFlight change was
  bool hotfix = false;
  bool migration = false;
  bool config_change = false;
  std::uint32_t lines_changed = 0;
  std::uint16_t files_changed = 0;
  bool latent_defect = false;       // at arrival
  bool defect_survived_ci = false;  // an "issue" in the catch-rate sense
  float risk_score = -1;            // AI risk score (-1: not computed)
  float conservative_risk = -1;
  float retrieval_confidence = -1;
  float similar_failure_share = -1;
  std::uint8_t neighbours_found = 0;     // retrieved neighbours above the similarity floor
  std::uint8_t neighbours_relevant = 0;  // of them, touched the component the risk lives in
  RiskLevel risk_level = RiskLevel::Low;
  Decision decision = Decision::None;
  bool human_approved = false;  // a human approved the deploy
  std::uint8_t canary_stages_total = 0;
  std::uint8_t canary_stage_reached = 0;  // stages passed
  std::uint8_t rework_loops = 0;
  std::uint8_t ci_failures = 0;
  bool false_rollback = false;  // rolled back although no defect was present
  bool incident = false;
  double incident_minutes = 0;
  float error_budget_burned_min = 0;
  float ci_wait_min = 0;
  float review_wait_min = 0;
  float deferred_min = 0;
  bool policy_slip = false;  // the strategy knowingly shipped against a policy (diagnostic)
};

// One production traffic shift: from `time_min` the change serves `traffic_fraction` of its
// service's requests (each canary stage, each all-at-once rollout; Pipeline::expose records
// them in time order). The safety checker judges every one.
struct TrafficShift {
  std::uint64_t deployment = 0;
  double time_min = 0;
  double traffic_fraction = 0;
};

struct CanaryStageRecord {
  std::uint64_t deployment = 0;
  std::uint8_t stage = 0;
  float traffic_percent = 0;
  double start_min = 0;
  double bake_min = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  float observed_error_rate = 0;
  float observed_p50_ms = 0;
  float observed_p99_ms = 0;
  bool promoted = false;
};

enum class Actor : std::uint8_t { AiAgent = 0, Human = 1, System = 2 };
const char* actor_name(Actor actor);

// One hash-chained audit entry. hash = SHA-256(previous_hash || canonical(entry)).
struct AuditRecord {
  std::uint64_t sequence = 0;
  double time_min = 0;
  std::uint64_t deployment = 0;
  Actor actor = Actor::System;
  std::string action;    // e.g. "risk_assessment", "policy_evaluation", "rollback"
  std::string decision;  // ALLOWED / BLOCKED / WARNING / APPROVED / DEFERRED / ...
  float risk_score = -1;
  std::string policies;  // "name=result;..." of every policy evaluated
  std::array<std::uint8_t, 32> previous_hash{};
  std::array<std::uint8_t, 32> hash{};
};

// GenOps v0.1 AI Workload Units (docs/genops-spec-decisions.md): what the genops strategy governs.
enum class AwuKind : std::uint8_t { AgentPropose = 0, DeployRollout = 1, DeployRollback = 2 };
inline constexpr int kAwuKindCount = 3;
const char* awu_operation_name(AwuKind kind);  // agent.propose, deploy.rollout, deploy.rollback
const char* awu_operation_type(AwuKind kind);  // inference, deployment, rollback
// The spec's closed decision states.
enum class AwuResult : std::uint8_t { Allowed = 0, Blocked = 1, Warning = 2, RateLimited = 3 };
const char* awu_result_name(AwuResult result);
// Reason codes we use: the spec's own, then our x_ extension codes.
enum class AwuReason : std::uint8_t {
  None = 0,
  BudgetExceeded = 1,
  BudgetReservationFailed = 2,
  PolicyDenyContent = 3,
  RateLimited = 4,
  ChangeFreezeWindow = 5,   // x_change_freeze_window
  ErrorBudgetLow = 6,       // x_error_budget_low
  LargeChange = 7,          // x_large_change_caution
  HumanApprovalDenied = 8,  // x_human_approval_denied (the reviewer sent it back)
};
inline constexpr int kAwuReasonCount = 9;
const char* awu_reason_code(AwuReason reason);  // "" for None
enum class AwuBudget : std::uint8_t {
  AiCost = 0,       // llm/<team>/<month>, USD
  ErrorBudget = 1,  // slo/<service>/availability, error_budget_minutes
  Emergency = 2,    // emergency/<organization>, error_budget_minutes (hotfixes, rollbacks)
};
const char* awu_unit(AwuBudget budget);
// The policy that decided an AWU (genops.policy.name): every name the genops strategies and
// PolicySet (models/governance.cpp) can assign. Codes are stable within a build; results files
// store the names (/lookup/awu_policies), not these codes.
enum class AwuPolicy : std::uint8_t {
  None = 0,  // no policy decided it ("")
  AiCostBudget,
  AutomaticRollback,
  CriticalServiceHumanReview,
  DbMigrationReview,
  DeployRateLimit,
  ErrorBudgetProtection,
  ErrorBudgetReservation,
  HumanApproval,
  LargeChangeCaution,
  NoFridayDeployments,
  RiskCeiling,
};
inline constexpr int kAwuPolicyCount = 12;
const char* awu_policy_name(AwuPolicy policy);  // "" for None
// The policy of a name (a PolicySet rule's, or one read back from a file); nullopt for a name no
// strategy assigns.
std::optional<AwuPolicy> parse_awu_policy(std::string_view name);

// One AWU's lifecycle in simulated minutes (-1: the phase was not reached).
struct AwuRecord {
  std::uint64_t deployment = 0;
  std::uint16_t sequence = 0;   // per deployment, in creation order (the span step)
  std::int32_t linked_to = -1;  // sequence of the AWU this one retries or responds to
  AwuKind kind = AwuKind::AgentPropose;
  AwuResult result = AwuResult::Allowed;
  AwuReason reason = AwuReason::None;
  AwuBudget budget = AwuBudget::AiCost;
  std::uint16_t organization = 0;
  std::uint16_t service = 0;
  AwuPolicy policy = AwuPolicy::None;  // the deciding policy
  double start_min = 0;
  double decision_min = -1;
  double reserve_min = -1;
  double reserved = -1;
  double budget_remaining = -1;  // after the reservation
  double requested = -1;         // a reservation that could not be fulfilled
  double exec_start_min = -1;
  double exec_end_min = -1;
  double reconcile_min = -1;
  double actual = -1;
  double end_min = 0;
  double approval_requested_min = -1;
  double approval_resolved_min = -1;
  std::uint32_t tokens_input = 0;
  std::uint32_t tokens_output = 0;
};

// A utilisation sample of the shared resources (one per hour of simulated time).
struct ResourceSample {
  double time_min = 0;
  std::uint16_t organization = 0;
  std::uint16_t runners_busy = 0;
  std::uint16_t ci_queue = 0;
  std::uint16_t reviewers_busy = 0;
  std::uint16_t review_queue = 0;
};

}  // namespace genops::models
