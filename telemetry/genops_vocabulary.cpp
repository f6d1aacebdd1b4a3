#include "telemetry/genops_vocabulary.hpp"

#include <array>
#include <variant>

#include "engine/error.hpp"

namespace genops::telemetry {

bool has_declared_type(const AttributeValue& value, ValueType type) {
  switch (type) {
    case ValueType::String:
      return std::holds_alternative<std::string>(value);
    case ValueType::Double:
      return std::holds_alternative<double>(value);
    case ValueType::Int64:
      return std::holds_alternative<std::int64_t>(value);
    case ValueType::Boolean:
      return std::holds_alternative<bool>(value);
  }
  return false;
}

namespace {

using namespace genops_attr;

constexpr std::array kDefinedAttributes = {
    AttributeSpec{kTeam, ValueType::String},
    AttributeSpec{kProject, ValueType::String},
    AttributeSpec{kEnvironment, ValueType::String},
    AttributeSpec{kOperationName, ValueType::String},
    AttributeSpec{kOperationType, ValueType::String},
    AttributeSpec{kAccountingReserved, ValueType::Double},
    AttributeSpec{kAccountingActual, ValueType::Double},
    AttributeSpec{kAccountingUnit, ValueType::String},
    AttributeSpec{kAccountingReconciliationDelta, ValueType::Double},
    AttributeSpec{kPolicyResult, ValueType::String},
    AttributeSpec{kPolicyReasonCode, ValueType::String},
    AttributeSpec{kPolicyName, ValueType::String},
    AttributeSpec{kPolicyReason, ValueType::String},
    AttributeSpec{kPolicyTimestamp, ValueType::Int64},
    AttributeSpec{kSpecVersion, ValueType::String},
    AttributeSpec{kBudgetName, ValueType::String},
    AttributeSpec{kBudgetAllocated, ValueType::Double},
    AttributeSpec{kBudgetConsumed, ValueType::Double},
    AttributeSpec{kBudgetRemaining, ValueType::Double},
    AttributeSpec{kBudgetPeriod, ValueType::String},
    AttributeSpec{kCostTotal, ValueType::Double},
    AttributeSpec{kCostCurrency, ValueType::String},
    AttributeSpec{kCostProvider, ValueType::String},
    AttributeSpec{kCostModel, ValueType::String},
    AttributeSpec{kTokensInput, ValueType::Int64},
    AttributeSpec{kTokensOutput, ValueType::Int64},
    AttributeSpec{kTokensTotal, ValueType::Int64},
    AttributeSpec{kEvalMetric, ValueType::String},
    AttributeSpec{kEvalScore, ValueType::Double},
    AttributeSpec{kEvalThreshold, ValueType::Double},
    AttributeSpec{kEvalPassed, ValueType::Boolean},
    AttributeSpec{kSlaTier, ValueType::String},
    AttributeSpec{kSlaLatencyTargetMs, ValueType::Int64},
    AttributeSpec{kSlaActualLatencyMs, ValueType::Int64},
    AttributeSpec{kSlaMet, ValueType::Boolean},
    AttributeSpec{kCustomerId, ValueType::String},
    AttributeSpec{kFeature, ValueType::String},
    AttributeSpec{kSessionId, ValueType::String},
    AttributeSpec{kCostCenter, ValueType::String},
};

constexpr std::array kDefinedEvents = {
    genops_event::kPolicyEvaluated,      genops_event::kBudgetReservation,
    genops_event::kBudgetReconciliation, genops_event::kCostCalculated,
    genops_event::kBudgetAlert,          genops_event::kEvaluationComplete,
};

constexpr std::array<std::string_view, 4> kPolicyResultNames = {"ALLOWED", "BLOCKED", "WARNING",
                                                                "RATE_LIMITED"};

constexpr std::array<std::string_view, kStandardReasonCodeCount> kReasonCodeNames = {
    "BUDGET_EXCEEDED",       "BUDGET_RESERVATION_FAILED", "POLICY_DENY_MODEL",
    "POLICY_DENY_REGION",    "POLICY_DENY_CONTENT",       "RATE_LIMITED",
    "SLA_LATENCY_VIOLATION", "PROVIDER_ERROR_UPSTREAM",   "ACCOUNTING_INVARIANT_VIOLATION",
};

bool is_extension_body_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_identifier_char(char c) {
  return is_extension_body_char(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
}

}  // namespace

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::String:
      return "string";
    case ValueType::Double:
      return "double";
    case ValueType::Int64:
      return "int64";
    case ValueType::Boolean:
      return "boolean";
  }
  GENOPS_ASSERT(false, "unknown ValueType");
}

std::span<const AttributeSpec> defined_attributes() {
  return kDefinedAttributes;
}

const AttributeSpec* find_defined_attribute(std::string_view key) {
  for (const AttributeSpec& spec : kDefinedAttributes) {
    if (spec.key == key) {
      return &spec;
    }
  }
  return nullptr;
}

bool is_defined_event(std::string_view name) {
  for (const std::string_view defined : kDefinedEvents) {
    if (defined == name) {
      return true;
    }
  }
  return false;
}

std::string_view to_string(PolicyResult result) {
  return kPolicyResultNames[static_cast<std::size_t>(result)];
}

std::optional<PolicyResult> parse_policy_result(std::string_view text) {
  for (std::size_t i = 0; i < kPolicyResultNames.size(); ++i) {
    if (kPolicyResultNames[i] == text) {
      return static_cast<PolicyResult>(i);
    }
  }
  return std::nullopt;
}

std::string_view to_string(StandardReasonCode code) {
  return kReasonCodeNames[static_cast<std::size_t>(code)];
}

std::optional<StandardReasonCode> parse_standard_reason_code(std::string_view text) {
  for (std::size_t i = 0; i < kReasonCodeNames.size(); ++i) {
    if (kReasonCodeNames[i] == text) {
      return static_cast<StandardReasonCode>(i);
    }
  }
  return std::nullopt;
}

bool is_valid_extension_code(std::string_view text) {
  if (text.size() < 3 || !text.starts_with("x_")) {
    return false;
  }
  for (const char c : text.substr(2)) {
    if (!is_extension_body_char(c)) {
      return false;
    }
  }
  return true;
}

ReasonCodeClass classify_reason_code(std::string_view text) {
  if (parse_standard_reason_code(text)) {
    return ReasonCodeClass::Standard;
  }
  if (is_valid_extension_code(text)) {
    return ReasonCodeClass::Extension;
  }
  if (text.empty()) {
    return ReasonCodeClass::FreeFormText;
  }
  bool identifier = true;
  for (const char c : text) {
    identifier = identifier && is_identifier_char(c);
  }
  if (!identifier) {
    return ReasonCodeClass::FreeFormText;
  }
  const bool extension_like =
      text.size() >= 2 && (text[0] == 'x' || text[0] == 'X') && (text[1] == '_' || text[1] == '-');
  return extension_like ? ReasonCodeClass::MalformedExtension : ReasonCodeClass::InventedCode;
}

ReasonCode ReasonCode::extension(std::string_view code) {
  if (!is_valid_extension_code(code)) {
    throw engine::InputError("invalid GenOps extension reason_code '" + std::string(code) +
                             "': must match ^x_[a-z0-9_]+$");
  }
  return ReasonCode(std::string(code));
}

ReasonCode ReasonCode::parse(std::string_view code) {
  if (const auto standard = parse_standard_reason_code(code)) {
    return ReasonCode(*standard);
  }
  if (!is_valid_extension_code(code)) {
    throw engine::InputError("invalid GenOps reason_code '" + std::string(code) +
                             "': not one of the nine v0.1 codes and not ^x_[a-z0-9_]+$");
  }
  return ReasonCode(std::string(code));
}

}  // namespace genops::telemetry
