#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "telemetry/genops_vocabulary.hpp"
#include "telemetry/telemetry.hpp"

namespace genops::telemetry {

// Who an AWU is attributed to (§2.3). All three are required, non-empty and immutable.
struct AwuAttribution {
  std::string team;
  std::string project;
  std::string environment;
};

// The span identity of an AWU (§2.2); `parent_span_id` empty for none. Use derive_trace_id and
// derive_span_id (telemetry.hpp) for deterministic ids.
struct AwuIdentity {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
};

// Builds one GenOps v0.1 AI Workload Unit as an OTLP span, enforcing the lifecycle of the
// Deterministic Accounting Invariant in our strict profile (docs/genops-spec-decisions.md):
//
//   [reserve] -> decide -> (authorized: start_execution -> end_execution -> reconcile)
//                          (not authorized after a reservation: release)
//
// Exactly one decision per AWU (a retry is a new AWU, linked with add_link). Times are Unix
// epoch nanoseconds of simulated time and must not decrease from call to call. Misuse is a
// bug in the caller and fails a GENOPS_ASSERT; the finished span passes the conformance checker.
class AwuBuilder {
 public:
  // Sets genops.spec.version, the attribution and genops.operation.name/type on the span.
  AwuBuilder(AwuIdentity identity, std::string_view operation_name, std::string_view operation_type,
             const AwuAttribution& attribution, std::int64_t start_unix_nano);

  // Numbers every event with `sim.seq` taken from `next_sequence` (post-incremented); the
  // counter is owned by the caller (one per partition) and must outlive the builder.
  AwuBuilder& sequence_events(std::uint64_t& next_sequence);
  // Any other attribute: a defined optional genops.* attribute with its declared type, or a
  // non-GenOps one. The attributes the builder manages may not be set here.
  AwuBuilder& set_attribute(std::string_view key, AttributeValue value);
  AwuBuilder& add_link(std::string trace_id, std::string span_id);
  AwuBuilder& set_status(StatusCode status, std::string_view message = {});

  // Records the reservation (§3.3 C1): emits genops.budget.reservation and sets
  // genops.accounting.reserved/unit (and genops.budget.name when given). `remaining` is the
  // budget left after this reservation. Amount finite and >= 0, unit non-empty.
  AwuBuilder& reserve(std::int64_t time_unix_nano, double amount, std::string_view unit,
                      std::string_view budget_name = {},
                      std::optional<double> remaining = std::nullopt);
  // Records the one enforcement decision: emits genops.policy.evaluated and sets
  // genops.policy.result (+ reason_code, present iff the result is not ALLOWED).
  AwuBuilder& decide(std::int64_t time_unix_nano, PolicyResult result,
                     std::optional<ReasonCode> reason_code = std::nullopt,
                     std::string_view policy_name = {}, std::string_view reason = {});
  // A reservation that could not be fulfilled (§3.5): BLOCKED with `code` (normally
  // BUDGET_RESERVATION_FAILED or BUDGET_EXCEEDED), no reservation event, and the requested
  // amount in sim.accounting.requested on the decision event.
  AwuBuilder& reservation_failed(std::int64_t time_unix_nano, double requested_amount,
                                 StandardReasonCode code, std::string_view policy_name = {},
                                 std::string_view reason = {});
  // Execution markers sim.execution.start / sim.execution.end (the spec has none, D1).
  AwuBuilder& start_execution(std::int64_t time_unix_nano);
  AwuBuilder& end_execution(std::int64_t time_unix_nano);
  // Reconciliation (§3.3 C3): emits genops.budget.reconciliation with actual, reserved, unit,
  // reconciliation_delta and budget name, and sets genops.accounting.actual. `incomplete` marks
  // the best-data-available case of §3.5 (sim.accounting.incomplete=true, D7); only then may
  // it come before end_execution.
  AwuBuilder& reconcile(std::int64_t time_unix_nano, double actual, bool incomplete = false);
  // Returns a reservation of an AWU that did not execute (sim.budget.release, D5).
  AwuBuilder& release(std::int64_t time_unix_nano);

  // Optional events (§8.4) with their required attributes; empty strings are left out.
  AwuBuilder& cost_calculated(std::int64_t time_unix_nano, double total, std::string_view currency,
                              std::string_view provider = {}, std::string_view model = {});
  AwuBuilder& evaluation_complete(std::int64_t time_unix_nano, std::string_view metric,
                                  double score, std::optional<double> threshold = std::nullopt,
                                  std::optional<bool> passed = std::nullopt);
  AwuBuilder& budget_alert(std::int64_t time_unix_nano, std::string_view budget_name,
                           double consumed, double allocated);
  // All four SLA attributes (§6.3); genops.sla.met = actual <= target.
  AwuBuilder& set_sla(std::string_view tier, std::int64_t latency_target_ms,
                      std::int64_t actual_latency_ms);
  // Any other non-GenOps span event (e.g. sim.approval.requested).
  AwuBuilder& add_event(std::string_view name, std::int64_t time_unix_nano,
                        Attributes attributes = {});

  // Completes the span; asserts the lifecycle is closed (decided; executed AWUs reconciled;
  // reserved-but-not-executed AWUs released).
  Span finish(std::int64_t end_unix_nano) &&;

  bool decided() const { return result_.has_value(); }
  bool reserved() const { return reserved_amount_.has_value(); }
  bool executing() const { return execution_started_; }

 private:
  SpanEvent& emit(std::string_view name, std::int64_t time_unix_nano);
  void check_time(std::int64_t time_unix_nano);
  void stamp_sequence(SpanEvent& event);

  Span span_;
  std::uint64_t* next_sequence_ = nullptr;
  std::int64_t last_time_unix_nano_ = 0;
  std::optional<PolicyResult> result_;
  std::optional<double> reserved_amount_;
  std::string unit_;
  std::string budget_name_;
  bool execution_started_ = false;
  bool execution_ended_ = false;
  bool reconciled_ = false;
  bool released_ = false;
};

}  // namespace genops::telemetry
