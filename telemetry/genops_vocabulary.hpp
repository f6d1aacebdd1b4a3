#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "telemetry/telemetry.hpp"

// The identifiers of the GenOps Governance Specification v0.1 (attribute names, event names,
// decision states, reason codes), verbatim. Closed sets are enums; extension reason codes are
// validated against `^x_[a-z0-9_]+$` (§5.5).
namespace genops::telemetry {

inline constexpr std::string_view kGenopsSpecVersion = "0.1.0";
inline constexpr std::string_view kGenopsNamespacePrefix = "genops.";
// The compliance declarations of §9.2 (U+2014 em dash), and where we put ours (§3 of our notes).
inline constexpr std::string_view kFullComplianceDeclaration = "GenOps v0.1 \u2014 full";
inline constexpr std::string_view kPartialComplianceDeclaration = "GenOps v0.1 \u2014 partial";
inline constexpr std::string_view kComplianceLevelResourceKey = "sim.genops.compliance_level";

namespace genops_attr {
inline constexpr std::string_view kTeam = "genops.team";
inline constexpr std::string_view kProject = "genops.project";
inline constexpr std::string_view kEnvironment = "genops.environment";
inline constexpr std::string_view kOperationName = "genops.operation.name";
inline constexpr std::string_view kOperationType = "genops.operation.type";
inline constexpr std::string_view kAccountingReserved = "genops.accounting.reserved";
inline constexpr std::string_view kAccountingActual = "genops.accounting.actual";
inline constexpr std::string_view kAccountingUnit = "genops.accounting.unit";
inline constexpr std::string_view kAccountingReconciliationDelta =
    "genops.accounting.reconciliation_delta";
inline constexpr std::string_view kPolicyResult = "genops.policy.result";
inline constexpr std::string_view kPolicyReasonCode = "genops.policy.reason_code";
inline constexpr std::string_view kPolicyName = "genops.policy.name";
inline constexpr std::string_view kPolicyReason = "genops.policy.reason";
inline constexpr std::string_view kPolicyTimestamp = "genops.policy.timestamp";
inline constexpr std::string_view kSpecVersion = "genops.spec.version";
inline constexpr std::string_view kBudgetName = "genops.budget.name";
inline constexpr std::string_view kBudgetAllocated = "genops.budget.allocated";
inline constexpr std::string_view kBudgetConsumed = "genops.budget.consumed";
inline constexpr std::string_view kBudgetRemaining = "genops.budget.remaining";
inline constexpr std::string_view kBudgetPeriod = "genops.budget.period";
inline constexpr std::string_view kCostTotal = "genops.cost.total";
inline constexpr std::string_view kCostCurrency = "genops.cost.currency";
inline constexpr std::string_view kCostProvider = "genops.cost.provider";
inline constexpr std::string_view kCostModel = "genops.cost.model";
inline constexpr std::string_view kTokensInput = "genops.tokens.input";
inline constexpr std::string_view kTokensOutput = "genops.tokens.output";
inline constexpr std::string_view kTokensTotal = "genops.tokens.total";
inline constexpr std::string_view kEvalMetric = "genops.eval.metric";
inline constexpr std::string_view kEvalScore = "genops.eval.score";
inline constexpr std::string_view kEvalThreshold = "genops.eval.threshold";
inline constexpr std::string_view kEvalPassed = "genops.eval.passed";
inline constexpr std::string_view kSlaTier = "genops.sla.tier";
inline constexpr std::string_view kSlaLatencyTargetMs = "genops.sla.latency_target_ms";
inline constexpr std::string_view kSlaActualLatencyMs = "genops.sla.actual_latency_ms";
inline constexpr std::string_view kSlaMet = "genops.sla.met";
inline constexpr std::string_view kCustomerId = "genops.customer_id";
inline constexpr std::string_view kFeature = "genops.feature";
inline constexpr std::string_view kSessionId = "genops.session_id";
inline constexpr std::string_view kCostCenter = "genops.cost_center";
}  // namespace genops_attr

namespace genops_event {
inline constexpr std::string_view kPolicyEvaluated = "genops.policy.evaluated";
inline constexpr std::string_view kBudgetReservation = "genops.budget.reservation";
inline constexpr std::string_view kBudgetReconciliation = "genops.budget.reconciliation";
inline constexpr std::string_view kCostCalculated = "genops.cost.calculated";
inline constexpr std::string_view kBudgetAlert = "genops.budget.alert";
inline constexpr std::string_view kEvaluationComplete = "genops.evaluation.complete";
}  // namespace genops_event

// Our implementation telemetry outside the GenOps namespace (§11.4), see
// docs/genops-spec-decisions.md.
namespace sim_telemetry {
inline constexpr std::string_view kExecutionStart = "sim.execution.start";
inline constexpr std::string_view kExecutionEnd = "sim.execution.end";
inline constexpr std::string_view kBudgetRelease = "sim.budget.release";
inline constexpr std::string_view kApprovalRequested = "sim.approval.requested";
inline constexpr std::string_view kApprovalResolved = "sim.approval.resolved";
inline constexpr std::string_view kSequence = "sim.seq";
inline constexpr std::string_view kAccountingIncomplete = "sim.accounting.incomplete";
inline constexpr std::string_view kAccountingRequested = "sim.accounting.requested";
inline constexpr std::string_view kReleasedAmount = "sim.budget.released";
}  // namespace sim_telemetry

// The value type the spec declares for an attribute.
enum class ValueType : std::uint8_t { String, Double, Int64, Boolean };
std::string_view to_string(ValueType type);
// The value holds the OTLP type the spec declares (string, double, int64, boolean).
bool has_declared_type(const AttributeValue& value, ValueType type);

struct AttributeSpec {
  std::string_view key;
  ValueType type;
};
// Every attribute the spec defines (§7.1, §7.3, §6.3), with its type.
std::span<const AttributeSpec> defined_attributes();
const AttributeSpec* find_defined_attribute(std::string_view key);
// Every event the spec defines (§7.2, §8.4).
bool is_defined_event(std::string_view name);

// Decision states (§4.1): a closed set, uppercase, case-sensitive.
enum class PolicyResult : std::uint8_t { Allowed, Blocked, Warning, RateLimited };
std::string_view to_string(PolicyResult result);
std::optional<PolicyResult> parse_policy_result(std::string_view text);
// ALLOWED and WARNING authorize execution; BLOCKED and RATE_LIMITED do not.
constexpr bool authorizes_execution(PolicyResult result) {
  return result == PolicyResult::Allowed || result == PolicyResult::Warning;
}

// The reason_code taxonomy (§5.2), in the spec's order.
enum class StandardReasonCode : std::uint8_t {
  BudgetExceeded,
  BudgetReservationFailed,
  PolicyDenyModel,
  PolicyDenyRegion,
  PolicyDenyContent,
  RateLimited,
  SlaLatencyViolation,
  ProviderErrorUpstream,
  AccountingInvariantViolation
};
inline constexpr std::size_t kStandardReasonCodeCount = 9;
std::string_view to_string(StandardReasonCode code);
std::optional<StandardReasonCode> parse_standard_reason_code(std::string_view text);

// `^x_[a-z0-9_]+$` (§5.5).
bool is_valid_extension_code(std::string_view text);

// How a reason_code string relates to the taxonomy, for the checker (R30-R32).
enum class ReasonCodeClass : std::uint8_t {
  Standard,            // one of the nine codes
  Extension,           // a valid x_ extension code
  MalformedExtension,  // looks like an extension (x_/X_/x-) but breaks the regex (R31)
  InventedCode,        // an identifier-like code the spec does not define (R32)
  FreeFormText         // anything else: spaces, punctuation, empty (R30)
};
ReasonCodeClass classify_reason_code(std::string_view text);

// A valid reason_code: a standard code or an extension code. Always holds a valid value.
class ReasonCode {
 public:
  explicit ReasonCode(StandardReasonCode code) : text_(to_string(code)) {}
  // Throws engine::InputError naming the code when it does not match `^x_[a-z0-9_]+$`.
  static ReasonCode extension(std::string_view code);
  // A standard or extension code; throws engine::InputError on anything else.
  static ReasonCode parse(std::string_view code);

  const std::string& text() const { return text_; }
  bool is_extension() const { return text_.starts_with("x_"); }
  bool operator==(const ReasonCode&) const = default;

 private:
  explicit ReasonCode(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace genops::telemetry
