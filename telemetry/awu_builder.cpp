#include "telemetry/awu_builder.hpp"

#include <array>
#include <cmath>

#include "engine/error.hpp"

namespace genops::telemetry {

namespace {

using namespace genops_attr;

constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::size_t kTypicalSpanAttributes = 20;
constexpr std::size_t kTypicalSpanEvents = 8;
constexpr std::size_t kTypicalEventAttributes = 8;

// Attributes whose value and presence the builder owns (the §7.1 required set).
constexpr std::array kManagedAttributes = {
    kSpecVersion,
    kTeam,
    kProject,
    kEnvironment,
    kOperationName,
    kOperationType,
    kAccountingReserved,
    kAccountingActual,
    kAccountingUnit,
    kPolicyResult,
    kPolicyReasonCode,
};

bool is_managed(std::string_view key) {
  for (const std::string_view managed : kManagedAttributes) {
    if (managed == key) {
      return true;
    }
  }
  return false;
}

void check_attribute(std::string_view key, const AttributeValue& value) {
  if (!key.starts_with(kGenopsNamespacePrefix)) {
    return;
  }
  const AttributeSpec* spec = find_defined_attribute(key);
  GENOPS_ASSERT(spec != nullptr,
                "attribute '" + std::string(key) + "' is not defined by GenOps v0.1 (D14)");
  GENOPS_ASSERT(
      has_declared_type(value, spec->type),
      "attribute '" + std::string(key) + "' must be " + std::string(to_string(spec->type)));
}

void require_text(std::string_view text, const char* what) {
  GENOPS_ASSERT(!text.empty(), std::string(what) + " must not be empty");
}

void require_amount(double amount, const char* what) {
  GENOPS_ASSERT(std::isfinite(amount) && amount >= 0.0,
                std::string(what) + " must be finite and non-negative");
}

}  // namespace

AwuBuilder::AwuBuilder(AwuIdentity identity, std::string_view operation_name,
                       std::string_view operation_type, const AwuAttribution& attribution,
                       std::int64_t start_unix_nano)
    : last_time_unix_nano_(start_unix_nano) {
  GENOPS_ASSERT(is_valid_trace_id(identity.trace_id),
                "AWU trace id is not W3C: " + identity.trace_id);
  GENOPS_ASSERT(is_valid_span_id(identity.span_id), "AWU span id is not W3C: " + identity.span_id);
  GENOPS_ASSERT(identity.parent_span_id.empty() || is_valid_span_id(identity.parent_span_id),
                "AWU parent span id is not W3C: " + identity.parent_span_id);
  require_text(operation_name, "genops.operation.name");
  require_text(operation_type, "genops.operation.type");
  require_text(attribution.team, "genops.team");
  require_text(attribution.project, "genops.project");
  require_text(attribution.environment, "genops.environment");
  span_.trace_id = std::move(identity.trace_id);
  span_.span_id = std::move(identity.span_id);
  span_.parent_span_id = std::move(identity.parent_span_id);
  span_.name = std::string(operation_name);
  span_.kind = SpanKind::Internal;
  span_.start_time_unix_nano = start_unix_nano;
  Attributes& attributes = span_.attributes;
  // Room for the largest AWU we build (required, accounting, tokens and sim.* attributes) and
  // a typical lifecycle, so the span does not regrow while it is built.
  attributes.reserve(kTypicalSpanAttributes);
  span_.events.reserve(kTypicalSpanEvents);
  attributes.set(kSpecVersion, std::string(kGenopsSpecVersion));
  attributes.set(kTeam, attribution.team);
  attributes.set(kProject, attribution.project);
  attributes.set(kEnvironment, attribution.environment);
  attributes.set(kOperationName, std::string(operation_name));
  attributes.set(kOperationType, std::string(operation_type));
}

AwuBuilder& AwuBuilder::sequence_events(std::uint64_t& next_sequence) {
  next_sequence_ = &next_sequence;
  return *this;
}

AwuBuilder& AwuBuilder::set_attribute(std::string_view key, AttributeValue value) {
  GENOPS_ASSERT(!is_managed(key),
                "attribute '" + std::string(key) + "' is managed by AwuBuilder's lifecycle calls");
  check_attribute(key, value);
  span_.attributes.set(key, std::move(value));
  return *this;
}

AwuBuilder& AwuBuilder::add_link(std::string trace_id, std::string span_id) {
  GENOPS_ASSERT(is_valid_trace_id(trace_id) && is_valid_span_id(span_id),
                "span link ids are not W3C");
  span_.links.push_back(SpanLink{std::move(trace_id), std::move(span_id), {}});
  return *this;
}

AwuBuilder& AwuBuilder::set_status(StatusCode status, std::string_view message) {
  span_.status = status;
  span_.status_message = std::string(message);
  return *this;
}

void AwuBuilder::check_time(std::int64_t time_unix_nano) {
  GENOPS_ASSERT(time_unix_nano >= last_time_unix_nano_,
                "AWU events must be recorded in time order (span " + span_.span_id + ")");
  last_time_unix_nano_ = time_unix_nano;
}

void AwuBuilder::stamp_sequence(SpanEvent& event) {
  if (next_sequence_ != nullptr) {
    event.attributes.set(sim_telemetry::kSequence, static_cast<std::int64_t>((*next_sequence_)++));
  }
}

SpanEvent& AwuBuilder::emit(std::string_view name, std::int64_t time_unix_nano) {
  check_time(time_unix_nano);
  SpanEvent& event = span_.events.emplace_back(SpanEvent{std::string(name), time_unix_nano, {}});
  event.attributes.reserve(kTypicalEventAttributes);
  return event;
}

AwuBuilder& AwuBuilder::reserve(std::int64_t time_unix_nano, double amount, std::string_view unit,
                                std::string_view budget_name, std::optional<double> remaining) {
  GENOPS_ASSERT(!reserved(), "an AWU carries one reservation (one accounting unit, D12)");
  GENOPS_ASSERT(!result_ || authorizes_execution(*result_),
                "a BLOCKED or RATE_LIMITED AWU cannot reserve afterwards");
  require_amount(amount, "genops.accounting.reserved");
  require_text(unit, "genops.accounting.unit");
  GENOPS_ASSERT(!remaining || std::isfinite(*remaining), "genops.budget.remaining must be finite");
  reserved_amount_ = amount;
  unit_ = std::string(unit);
  budget_name_ = std::string(budget_name);
  SpanEvent& event = emit(genops_event::kBudgetReservation, time_unix_nano);
  event.attributes.set(kAccountingReserved, amount);
  event.attributes.set(kAccountingUnit, unit_);
  if (!budget_name_.empty()) {
    event.attributes.set(kBudgetName, budget_name_);
  }
  if (remaining) {
    event.attributes.set(kBudgetRemaining, *remaining);
  }
  stamp_sequence(event);
  span_.attributes.set(kAccountingReserved, amount);
  span_.attributes.set(kAccountingUnit, unit_);
  if (!budget_name_.empty()) {
    span_.attributes.set(kBudgetName, budget_name_);
  }
  return *this;
}

AwuBuilder& AwuBuilder::decide(std::int64_t time_unix_nano, PolicyResult result,
                               std::optional<ReasonCode> reason_code, std::string_view policy_name,
                               std::string_view reason) {
  GENOPS_ASSERT(!decided(), "one decision per AWU in our profile (D3); a retry is a new AWU");
  GENOPS_ASSERT(reason_code.has_value() == (result != PolicyResult::Allowed),
                "genops.policy.reason_code must be present iff the result is not ALLOWED");
  result_ = result;
  SpanEvent& event = emit(genops_event::kPolicyEvaluated, time_unix_nano);
  event.attributes.set(kPolicyResult, std::string(to_string(result)));
  span_.attributes.set(kPolicyResult, std::string(to_string(result)));
  if (reason_code) {
    event.attributes.set(kPolicyReasonCode, reason_code->text());
    span_.attributes.set(kPolicyReasonCode, reason_code->text());
  }
  if (!policy_name.empty()) {
    event.attributes.set(kPolicyName, std::string(policy_name));
  }
  if (!reason.empty()) {
    event.attributes.set(kPolicyReason, std::string(reason));
  }
  event.attributes.set(kPolicyTimestamp, time_unix_nano / kNanosPerMilli);
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::reservation_failed(std::int64_t time_unix_nano, double requested_amount,
                                           StandardReasonCode code, std::string_view policy_name,
                                           std::string_view reason) {
  GENOPS_ASSERT(!reserved(), "a failed reservation follows no successful one");
  require_amount(requested_amount, "sim.accounting.requested");
  decide(time_unix_nano, PolicyResult::Blocked, ReasonCode(code), policy_name, reason);
  span_.events.back().attributes.set(sim_telemetry::kAccountingRequested, requested_amount);
  return *this;
}

AwuBuilder& AwuBuilder::start_execution(std::int64_t time_unix_nano) {
  GENOPS_ASSERT(result_ && authorizes_execution(*result_),
                "only an ALLOWED or WARNING AWU may execute (§4.1)");
  GENOPS_ASSERT(reserved(), "reservation before execution (§3.3 C1)");
  GENOPS_ASSERT(!execution_started_, "execution starts once");
  execution_started_ = true;
  SpanEvent& event = emit(sim_telemetry::kExecutionStart, time_unix_nano);
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::end_execution(std::int64_t time_unix_nano) {
  GENOPS_ASSERT(execution_started_ && !execution_ended_ && !reconciled_,
                "execution ends once, after it started and before reconciliation");
  execution_ended_ = true;
  SpanEvent& event = emit(sim_telemetry::kExecutionEnd, time_unix_nano);
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::reconcile(std::int64_t time_unix_nano, double actual, bool incomplete) {
  GENOPS_ASSERT(execution_started_, "only an executed AWU is reconciled (§7.2.1)");
  GENOPS_ASSERT(!reconciled_, "an AWU is reconciled once");
  GENOPS_ASSERT(execution_ended_ || incomplete,
                "reconciliation follows execution end unless flagged incomplete (§3.5)");
  require_amount(actual, "genops.accounting.actual");
  reconciled_ = true;
  SpanEvent& event = emit(genops_event::kBudgetReconciliation, time_unix_nano);
  event.attributes.set(kAccountingActual, actual);
  event.attributes.set(kAccountingReserved, *reserved_amount_);
  event.attributes.set(kAccountingUnit, unit_);
  event.attributes.set(kAccountingReconciliationDelta, actual - *reserved_amount_);
  if (!budget_name_.empty()) {
    event.attributes.set(kBudgetName, budget_name_);
  }
  if (incomplete) {
    event.attributes.set(sim_telemetry::kAccountingIncomplete, true);
    span_.attributes.set(sim_telemetry::kAccountingIncomplete, true);
  }
  stamp_sequence(event);
  span_.attributes.set(kAccountingActual, actual);
  return *this;
}

AwuBuilder& AwuBuilder::release(std::int64_t time_unix_nano) {
  GENOPS_ASSERT(reserved() && !execution_started_ && !released_,
                "only an unexecuted reservation is released, once");
  released_ = true;
  SpanEvent& event = emit(sim_telemetry::kBudgetRelease, time_unix_nano);
  event.attributes.set(sim_telemetry::kReleasedAmount, *reserved_amount_);
  event.attributes.set(kAccountingUnit, unit_);
  if (!budget_name_.empty()) {
    event.attributes.set(kBudgetName, budget_name_);
  }
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::cost_calculated(std::int64_t time_unix_nano, double total,
                                        std::string_view currency, std::string_view provider,
                                        std::string_view model) {
  require_amount(total, "genops.cost.total");
  require_text(currency, "genops.cost.currency");
  SpanEvent& event = emit(genops_event::kCostCalculated, time_unix_nano);
  event.attributes.set(kCostTotal, total);
  event.attributes.set(kCostCurrency, std::string(currency));
  if (!provider.empty()) {
    event.attributes.set(kCostProvider, std::string(provider));
  }
  if (!model.empty()) {
    event.attributes.set(kCostModel, std::string(model));
  }
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::evaluation_complete(std::int64_t time_unix_nano, std::string_view metric,
                                            double score, std::optional<double> threshold,
                                            std::optional<bool> passed) {
  require_text(metric, "genops.eval.metric");
  GENOPS_ASSERT(std::isfinite(score), "genops.eval.score must be finite");
  SpanEvent& event = emit(genops_event::kEvaluationComplete, time_unix_nano);
  event.attributes.set(kEvalMetric, std::string(metric));
  event.attributes.set(kEvalScore, score);
  if (threshold) {
    event.attributes.set(kEvalThreshold, *threshold);
  }
  if (passed) {
    event.attributes.set(kEvalPassed, *passed);
  }
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::budget_alert(std::int64_t time_unix_nano, std::string_view budget_name,
                                     double consumed, double allocated) {
  require_text(budget_name, "genops.budget.name");
  GENOPS_ASSERT(std::isfinite(consumed) && std::isfinite(allocated),
                "budget alert amounts must be finite");
  SpanEvent& event = emit(genops_event::kBudgetAlert, time_unix_nano);
  event.attributes.set(kBudgetName, std::string(budget_name));
  event.attributes.set(kBudgetConsumed, consumed);
  event.attributes.set(kBudgetAllocated, allocated);
  stamp_sequence(event);
  return *this;
}

AwuBuilder& AwuBuilder::set_sla(std::string_view tier, std::int64_t latency_target_ms,
                                std::int64_t actual_latency_ms) {
  require_text(tier, "genops.sla.tier");
  span_.attributes.set(kSlaTier, std::string(tier));
  span_.attributes.set(kSlaLatencyTargetMs, latency_target_ms);
  span_.attributes.set(kSlaActualLatencyMs, actual_latency_ms);
  span_.attributes.set(kSlaMet, actual_latency_ms <= latency_target_ms);
  return *this;
}

AwuBuilder& AwuBuilder::add_event(std::string_view name, std::int64_t time_unix_nano,
                                  Attributes attributes) {
  GENOPS_ASSERT(!name.starts_with(kGenopsNamespacePrefix),
                "GenOps events are emitted through their own AwuBuilder calls");
  for (const Attribute& attribute : attributes.items()) {
    check_attribute(attribute.key, attribute.value);
  }
  SpanEvent& event = emit(name, time_unix_nano);
  event.attributes = std::move(attributes);
  stamp_sequence(event);
  return *this;
}

Span AwuBuilder::finish(std::int64_t end_unix_nano) && {
  GENOPS_ASSERT(decided(), "every AWU records a decision (§7.2) before it ends");
  GENOPS_ASSERT(!execution_started_ || reconciled_,
                "an executed AWU is reconciled before it ends (§3.3 C3)");
  GENOPS_ASSERT(!reserved() || execution_started_ || released_,
                "a reservation that did not execute is released (D5)");
  check_time(end_unix_nano);
  span_.end_time_unix_nano = end_unix_nano;
  return std::move(span_);
}

}  // namespace genops::telemetry
