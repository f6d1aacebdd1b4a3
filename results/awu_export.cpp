#include "results/awu_export.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "engine/error.hpp"
#include "engine/random.hpp"
#include "models/calendar.hpp"
#include "telemetry/awu_builder.hpp"
#include "telemetry/genops_vocabulary.hpp"
#include "telemetry/otlp_json.hpp"

namespace genops::results {

// The span model, vocabulary and JSON writers of telemetry/ that the AWU export builds on.
using telemetry::append_json_double;
using telemetry::append_json_string;
using telemetry::Attributes;
using telemetry::AwuAttribution;
using telemetry::AwuBuilder;
using telemetry::AwuIdentity;
using telemetry::InstrumentationScope;
using telemetry::kComplianceLevelResourceKey;
using telemetry::kFullComplianceDeclaration;
using telemetry::kGenopsSpecVersion;
using telemetry::kOtlpRequestSuffix;
using telemetry::otlp_request_prefix;
using telemetry::PolicyResult;
using telemetry::ReasonCode;
using telemetry::Span;
using telemetry::SpanKind;
using telemetry::StandardReasonCode;
using telemetry::StatusCode;
using telemetry::TelemetryIdDeriver;
using telemetry::TelemetryIdKey;
using telemetry::to_string;
namespace genops_attr = telemetry::genops_attr;
namespace genops_event = telemetry::genops_event;
namespace sim_telemetry = telemetry::sim_telemetry;

namespace {

constexpr std::int64_t kNanosPerMinute = 60'000'000'000LL;

PolicyResult to_policy_result(models::AwuResult result) {
  switch (result) {
    case models::AwuResult::Allowed:
      return PolicyResult::Allowed;
    case models::AwuResult::Blocked:
      return PolicyResult::Blocked;
    case models::AwuResult::Warning:
      return PolicyResult::Warning;
    case models::AwuResult::RateLimited:
      return PolicyResult::RateLimited;
  }
  return PolicyResult::Blocked;
}

StandardReasonCode to_standard(models::AwuReason reason) {
  return reason == models::AwuReason::BudgetExceeded ? StandardReasonCode::BudgetExceeded
                                                     : StandardReasonCode::BudgetReservationFailed;
}

// The day (since 1970-01-01) of an AI cost AWU in the organization's local time: the monthly
// budget period it is charged to.
int budget_day(const models::AwuRecord& a, const AwuExportContext& context) {
  const double local_minutes = a.start_min + 60.0 * context.utc_offset_hours;
  return context.start_day + static_cast<int>(std::floor(local_minutes / 1440.0));
}

std::string budget_name_of(const models::AwuRecord& a, const AwuExportContext& context) {
  switch (a.budget) {
    case models::AwuBudget::AiCost:
      return "llm/" + context.team + "/" +
             models::month_name(models::month_index_of_day(budget_day(a, context)));
    case models::AwuBudget::ErrorBudget:
      return "slo/" + context.service_names.at(a.service) + "/availability";
    case models::AwuBudget::Emergency:
      return "emergency/" + context.organization;
  }
  return {};
}

}  // namespace

std::int64_t unix_nanos(int start_day, double minutes) {
  return static_cast<std::int64_t>(start_day) * 1440LL * kNanosPerMinute +
         static_cast<std::int64_t>(std::llround(minutes * static_cast<double>(kNanosPerMinute)));
}

std::uint64_t run_nonce_of(const std::string& strategy) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (char c : strategy)
    h = engine::splitmix64(h ^ static_cast<unsigned char>(c));
  return h;
}

Attributes telemetry_resource(const AwuExportContext& context) {
  Attributes resource;
  resource.set("service.name", std::string("genops-sim"));
  resource.set("sim.organization", context.organization);
  resource.set(std::string(kComplianceLevelResourceKey), std::string(kFullComplianceDeclaration));
  return resource;
}

InstrumentationScope telemetry_scope() {
  return {"genops-sim", "0.1.0"};
}

std::vector<Span> export_awus(const std::vector<models::AwuRecord>& awus,
                              const std::vector<models::CanaryStageRecord>& stages,
                              const AwuExportContext& context) {
  using models::AwuKind;
  // Canary analyses by deployment, for the evaluation events of rollouts.
  std::unordered_map<std::uint64_t, std::vector<const models::CanaryStageRecord*>> by_deployment;
  for (const auto& stage : stages)
    by_deployment[stage.deployment].push_back(&stage);

  const AwuAttribution attribution{context.team, context.project, context.environment};
  std::vector<Span> spans;
  spans.reserve(awus.size());
  std::uint64_t sequence = 0;
  TelemetryIdDeriver ids;
  const auto span_id = [&](const TelemetryIdKey& key, std::uint32_t step) {
    const auto hex = ids.span_id(key, step);
    return std::string(hex.data(), hex.size());
  };
  const auto at = [&](double minutes) { return unix_nanos(context.start_day, minutes); };
  for (const models::AwuRecord& a : awus) {
    if (a.decision_min < 0)
      continue;  // still undecided at the horizon (its change is excluded)
    const TelemetryIdKey key{context.run_nonce, context.seed, context.replication, a.deployment};
    const auto trace_hex = ids.trace_id(key);
    const std::string trace(trace_hex.data(), trace_hex.size());
    AwuBuilder builder(AwuIdentity{trace, span_id(key, 1U + a.sequence), ""},
                       models::awu_operation_name(a.kind), models::awu_operation_type(a.kind),
                       attribution, at(a.start_min));
    builder.sequence_events(sequence);
    builder.set_attribute("deployment.id", static_cast<std::int64_t>(a.deployment));
    builder.set_attribute("sim.service", context.service_names.at(a.service));
    if (a.linked_to >= 0) {
      builder.add_link(trace, span_id(key, 1U + static_cast<std::uint32_t>(a.linked_to)));
    }
    const std::string budget_name = budget_name_of(a, context);
    if (a.approval_requested_min >= 0) {
      builder.add_event("sim.approval.requested", at(a.approval_requested_min));
      if (a.approval_resolved_min >= 0)
        builder.add_event("sim.approval.resolved", at(a.approval_resolved_min));
    }
    const std::string unit = models::awu_unit(a.budget);
    std::optional<ReasonCode> reason;
    if (a.reason != models::AwuReason::None)
      reason = ReasonCode::parse(models::awu_reason_code(a.reason));
    if (a.reserved < 0) {
      if (a.requested >= 0) {
        builder.reservation_failed(at(a.decision_min), a.requested, to_standard(a.reason),
                                   models::awu_policy_name(a.policy));
      } else {
        builder.decide(at(a.decision_min), to_policy_result(a.result), reason,
                       models::awu_policy_name(a.policy));
      }
      spans.push_back(std::move(builder).finish(at(a.end_min)));
      continue;
    }
    builder.reserve(at(a.reserve_min), a.reserved, unit, budget_name, a.budget_remaining);
    builder.decide(at(a.decision_min), to_policy_result(a.result), reason,
                   models::awu_policy_name(a.policy));
    if (a.exec_start_min < 0) {
      builder.release(at(a.end_min));
      spans.push_back(std::move(builder).finish(at(a.end_min)));
      continue;
    }
    builder.start_execution(at(a.exec_start_min));
    const double exec_end = a.exec_end_min >= 0 ? a.exec_end_min : a.end_min;
    if (a.kind == AwuKind::DeployRollout) {
      if (const auto it = by_deployment.find(a.deployment); it != by_deployment.end()) {
        for (const auto* stage : it->second) {
          if (stage->start_min < a.exec_start_min || stage->start_min > exec_end)
            continue;
          builder.evaluation_complete(
              at(stage->start_min + stage->bake_min < exec_end ? stage->start_min + stage->bake_min
                                                               : exec_end),
              "canary.error_rate", stage->observed_error_rate, std::nullopt, stage->promoted);
        }
      }
    }
    builder.end_execution(at(exec_end));
    if (a.reconcile_min >= 0) {
      builder.reconcile(at(a.reconcile_min), a.actual);
    } else {
      // Executed but not reconciled by the horizon: best data available, flagged (spec 3.5).
      builder.reconcile(at(exec_end), std::max(0.0, a.actual), /*incomplete=*/true);
    }
    if (a.kind == AwuKind::AgentPropose) {
      builder.set_attribute("genops.tokens.input", static_cast<std::int64_t>(a.tokens_input));
      builder.set_attribute("genops.tokens.output", static_cast<std::int64_t>(a.tokens_output));
      builder.set_attribute("genops.tokens.total", static_cast<std::int64_t>(a.tokens_input) +
                                                       static_cast<std::int64_t>(a.tokens_output));
      // Unreconciled by the horizon: the cost is the best data available at the execution end.
      builder.cost_calculated(at(a.reconcile_min >= 0 ? a.reconcile_min : exec_end),
                              std::max(0.0, a.actual), "USD", "simulated", "genops-agent");
    }
    spans.push_back(std::move(builder).finish(at(std::max(a.end_min, a.reconcile_min))));
  }
  return spans;
}

namespace {

using namespace genops_attr;

constexpr std::string_view kAttributeTail = "}}";
constexpr std::string_view kEventTail = "]}";
// An upper estimate of one line's size (3.8 KB on paper.toml), to reserve the output once.
constexpr std::size_t kTypicalLineBytes = 4096;

// `{"key":<key>,"value":{"<type>":`: an attribute up to its value.
std::string attribute_head(std::string_view key, std::string_view type) {
  std::string head = "{\"key\":";
  append_json_string(head, key);
  head.append(",\"value\":{\"").append(type).append("\":");
  return head;
}

std::string string_attribute(std::string_view key, std::string_view value) {
  std::string text = attribute_head(key, "stringValue");
  append_json_string(text, value);
  text.append(kAttributeTail);
  return text;
}

std::string json_string(std::string_view text) {
  std::string literal;
  append_json_string(literal, text);
  return literal;
}

// `,"name":<name>,"attributes":[`: an event from its time to its first attribute.
std::string event_head(std::string_view name) {
  std::string head = ",\"name\":";
  append_json_string(head, name);
  head.append(",\"attributes\":[");
  return head;
}

// Two decimal digits per entry: "00" .. "99".
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    pairs[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// `value` (< 10^Digits) as exactly `Digits` decimal digits, zero-padded, at `out`.
template <int Digits>
void put_fixed_digits(char* out, std::uint32_t value) {
  int position = Digits;
  while (position >= 2) {
    position -= 2;
    std::memcpy(out + position, &kDigitPairs[2 * (value % 100)], 2);
    value /= 100;
  }
  if (position == 1) {
    out[0] = static_cast<char>('0' + value);
  }
}

// append_json_int64_string, faster: digits go straight into the string's storage (digits
// stored byte by byte into a stack buffer, then copied with wide loads, stall on store
// forwarding), and the 19 digits every Unix-nano time since 2001 has are three independent
// short digit chains instead of one long one.
void append_quoted_int64(std::string& out, std::int64_t value) {
  constexpr std::size_t kMaxQuotedInt64 = 22;
  constexpr std::int64_t kNineteenDigits = 1'000'000'000'000'000'000;  // and int64 < 10^19
  const std::size_t at = out.size();
  out.resize(at + kMaxQuotedInt64);
  char* text = out.data() + at;
  text[0] = '"';
  if (value < kNineteenDigits) {
    char* end = std::to_chars(text + 1, text + kMaxQuotedInt64 - 1, value).ptr;
    *end = '"';
    out.resize(static_cast<std::size_t>(end + 1 - out.data()));
    return;
  }
  const auto digits = static_cast<std::uint64_t>(value);
  const auto high = static_cast<std::uint32_t>(digits / 10'000'000'000ULL);  // 9 digits
  const std::uint64_t rest = digits % 10'000'000'000ULL;
  const auto middle = static_cast<std::uint32_t>(rest / 100'000);  // 5 digits
  const auto low = static_cast<std::uint32_t>(rest % 100'000);     // 5 digits
  put_fixed_digits<9>(text + 1, high);
  put_fixed_digits<5>(text + 10, middle);
  put_fixed_digits<5>(text + 15, low);
  text[20] = '"';
  out.resize(at + 21);
}

// append_json_double memoised by bit pattern: AWU amounts repeat (zero, the agent's fixed
// reservation, a span's reserved and actual amounts written two or three times), and a lookup
// costs less than shortest round-trip formatting.
class DoubleTexts {
 public:
  void append(std::string& out, double value) {
    const auto bits = std::bit_cast<std::uint64_t>(value);
    Entry& entry = entries_[(bits * 0x9e3779b97f4a7c15ULL) >> (64 - kIndexBits)];
    if (!entry.valid || entry.bits != bits) {
      scratch_.clear();
      append_json_double(scratch_, value);
      GENOPS_ASSERT(scratch_.size() <= entry.text.size(), "double text longer than expected");
      std::memcpy(entry.text.data(), scratch_.data(), scratch_.size());
      entry.size = static_cast<std::uint8_t>(scratch_.size());
      entry.bits = bits;
      entry.valid = true;
    }
    out.append(entry.text.data(), entry.size);
  }

 private:
  static constexpr int kIndexBits = 8;
  struct Entry {
    std::uint64_t bits = 0;
    bool valid = false;
    std::uint8_t size = 0;
    std::array<char, 30> text{};  // the longest double text is 24 characters
  };
  std::array<Entry, std::size_t{1} << kIndexBits> entries_{};
  std::string scratch_;
};

// Every fragment of a span line that does not depend on the record, built once per export.
struct LineFragments {
  std::string line_head;                                      // request prefix and `{"traceId":`
  std::array<std::string, models::kAwuKindCount> name;        // `,"name":..,"kind":..,"start..":`
  std::array<std::string, models::kAwuKindCount> attributes;  // `,"attributes":[` .. deployment.id
  std::vector<std::string> service;                           // `,` + sim.service attribute
  std::vector<std::string> slo_budget;                        // "slo/<service>/availability"
  std::string emergency_budget;
  std::array<std::string, 3> unit;    // `,` + genops.accounting.unit, by AwuBudget
  std::array<std::string, 4> result;  // `,` + genops.policy.result
  std::array<std::string, models::kAwuReasonCount> reason;  // `,` + genops.policy.reason_code
  std::array<std::string, 2> standard_reason;               // BUDGET_EXCEEDED, .._FAILED
  std::string reserved = "," + attribute_head(kAccountingReserved, "doubleValue");
  std::string actual = "," + attribute_head(kAccountingActual, "doubleValue");
  std::string budget_name = "," + attribute_head(kBudgetName, "stringValue");
  std::string budget_remaining = "," + attribute_head(kBudgetRemaining, "doubleValue");
  std::string incomplete =
      "," + attribute_head(sim_telemetry::kAccountingIncomplete, "boolValue") + "true}}";
  std::string tokens_input = "," + attribute_head(kTokensInput, "intValue");
  std::string tokens_output = "," + attribute_head(kTokensOutput, "intValue");
  std::string tokens_total = "," + attribute_head(kTokensTotal, "intValue");
  std::string events = "],\"events\":[";
  std::string event_time = "{\"timeUnixNano\":";
  std::string approval_requested = event_head(sim_telemetry::kApprovalRequested);
  std::string approval_resolved = event_head(sim_telemetry::kApprovalResolved);
  std::string policy_evaluated = event_head(genops_event::kPolicyEvaluated);
  std::string reservation = event_head(genops_event::kBudgetReservation);
  std::string release = event_head(sim_telemetry::kBudgetRelease);
  std::string execution_start = event_head(sim_telemetry::kExecutionStart);
  std::string execution_end = event_head(sim_telemetry::kExecutionEnd);
  std::string evaluation = event_head(genops_event::kEvaluationComplete);
  std::string reconciliation = event_head(genops_event::kBudgetReconciliation);
  std::string cost = event_head(genops_event::kCostCalculated);
  std::string sequence = attribute_head(sim_telemetry::kSequence, "intValue");
  std::string policy_name = "," + attribute_head(kPolicyName, "stringValue");
  std::string policy_timestamp = "," + attribute_head(kPolicyTimestamp, "intValue");
  std::string requested = "," + attribute_head(sim_telemetry::kAccountingRequested, "doubleValue");
  std::string released = attribute_head(sim_telemetry::kReleasedAmount, "doubleValue");
  std::string event_reserved = attribute_head(kAccountingReserved, "doubleValue");
  std::string event_actual = attribute_head(kAccountingActual, "doubleValue");
  std::string delta = "," + attribute_head(kAccountingReconciliationDelta, "doubleValue");
  std::string eval_metric = string_attribute(kEvalMetric, "canary.error_rate");
  std::string eval_score = "," + attribute_head(kEvalScore, "doubleValue");
  std::string eval_passed = "," + attribute_head(kEvalPassed, "boolValue");
  std::string cost_total = attribute_head(kCostTotal, "doubleValue");
  std::string cost_rest = "," + string_attribute(kCostCurrency, "USD") + "," +
                          string_attribute(kCostProvider, "simulated") + "," +
                          string_attribute(kCostModel, "genops-agent");
  std::string link_head = "],\"links\":[{\"traceId\":";
  std::string link_span = ",\"spanId\":";
  std::string link_tail = ",\"attributes\":[]}]";
  std::string span_tail;  // status, the span's brace and the request suffix

  LineFragments(const AwuExportContext& context, const Attributes& resource) {
    line_head = otlp_request_prefix(resource, telemetry_scope()) + "{\"traceId\":";
    const std::string kind = std::to_string(static_cast<int>(SpanKind::Internal));
    const std::string constant = string_attribute(kSpecVersion, kGenopsSpecVersion) + "," +
                                 string_attribute(kTeam, context.team) + "," +
                                 string_attribute(kProject, context.project) + "," +
                                 string_attribute(kEnvironment, context.environment);
    for (int k = 0; k < models::kAwuKindCount; ++k) {
      const auto awu_kind = static_cast<models::AwuKind>(k);
      const std::string_view operation = models::awu_operation_name(awu_kind);
      name[k] =
          ",\"name\":" + json_string(operation) + ",\"kind\":" + kind + ",\"startTimeUnixNano\":";
      attributes[k] = ",\"attributes\":[" + constant + "," +
                      string_attribute(kOperationName, operation) + "," +
                      string_attribute(kOperationType, models::awu_operation_type(awu_kind)) + "," +
                      attribute_head("deployment.id", "intValue");
    }
    for (const std::string& service_name : context.service_names) {
      service.push_back("," + string_attribute("sim.service", service_name));
      slo_budget.push_back(json_string("slo/" + service_name + "/availability"));
    }
    emergency_budget = json_string("emergency/" + context.organization);
    for (int b = 0; b < static_cast<int>(unit.size()); ++b) {
      unit[b] = "," + string_attribute(kAccountingUnit,
                                       models::awu_unit(static_cast<models::AwuBudget>(b)));
    }
    for (int r = 0; r < 4; ++r) {
      result[r] =
          "," + string_attribute(kPolicyResult,
                                 to_string(to_policy_result(static_cast<models::AwuResult>(r))));
    }
    for (int r = 1; r < models::kAwuReasonCount; ++r) {
      const ReasonCode code =
          ReasonCode::parse(models::awu_reason_code(static_cast<models::AwuReason>(r)));
      reason[r] = "," + string_attribute(kPolicyReasonCode, code.text());
    }
    standard_reason[0] =
        "," + string_attribute(kPolicyReasonCode, to_string(StandardReasonCode::BudgetExceeded));
    standard_reason[1] =
        "," +
        string_attribute(kPolicyReasonCode, to_string(StandardReasonCode::BudgetReservationFailed));
    span_tail = ",\"status\":{\"code\":" + std::to_string(static_cast<int>(StatusCode::Unset)) +
                "}}" + std::string(kOtlpRequestSuffix);
  }
};

// Writes the lines of one export: the same walk as export_awus and AwuBuilder, with the same
// attribute and event order, straight into the output.
class AwuLineSerialiser {
 public:
  AwuLineSerialiser(std::string& out, const std::vector<models::CanaryStageRecord>& stages,
                    const AwuExportContext& context, const Attributes& resource)
      : out_(out), stages_(stages), context_(context), fragments_(context, resource) {
    // Stage indices by deployment, stable, so each rollout finds its analyses in record order.
    stage_order_.resize(stages.size());
    std::iota(stage_order_.begin(), stage_order_.end(), std::uint32_t{0});
    std::stable_sort(stage_order_.begin(), stage_order_.end(),
                     [&](std::uint32_t left, std::uint32_t right) {
                       return stages[left].deployment < stages[right].deployment;
                     });
  }

  void write(const models::AwuRecord& a);

 private:
  std::int64_t at(double minutes) const { return unix_nanos(context_.start_day, minutes); }

  void append_id(std::string_view hex) {
    out_.push_back('"');
    out_.append(hex);
    out_.push_back('"');
  }
  void double_value(const std::string& head, double value) {
    out_.append(head);
    doubles_.append(out_, value);
    out_.append(kAttributeTail);
  }
  void int_value(const std::string& head, std::int64_t value) {
    out_.append(head);
    append_quoted_int64(out_, value);
    out_.append(kAttributeTail);
  }
  void text_value(const std::string& head, std::string_view literal) {
    out_.append(head);
    out_.append(literal);
    out_.append(kAttributeTail);
  }

  // `{"timeUnixNano":"..",name,"attributes":[`, after a comma unless it is the span's first.
  void begin_event(const std::string& head, std::int64_t time_unix_nano) {
    if (time_unix_nano < last_time_) {
      throw AwuTimeOrderError("AWU " + std::to_string(awu_->deployment) + "/" +
                              std::to_string(awu_->sequence) + ": an event at " +
                              std::to_string(time_unix_nano) + " ns follows one at " +
                              std::to_string(last_time_) + " ns (times must not decrease)");
    }
    last_time_ = time_unix_nano;
    if (!first_event_) {
      out_.push_back(',');
    }
    first_event_ = false;
    out_.append(fragments_.event_time);
    append_quoted_int64(out_, time_unix_nano);
    out_.append(head);
  }
  // The sim.seq stamp, `,`-separated unless it is the event's only attribute.
  void sequence(bool first) {
    if (!first) {
      out_.push_back(',');
    }
    int_value(fragments_.sequence, static_cast<std::int64_t>(sequence_++));
  }
  void end_event() { out_.append(kEventTail); }

  // What one AWU's line is made of, derived once from its record.
  struct Line {
    TelemetryIdKey key{};
    std::int64_t start = 0;
    std::int64_t end = 0;
    bool reserved = false;
    bool executed = false;
    bool failed_reservation = false;
    bool incomplete = false;  // executed, never reconciled (cut short at the horizon)
    bool tokens = false;      // an executed agent call: token counts and a cost event
    double exec_end = 0;      // minutes
    double actual = 0;
    const std::string* budget = nullptr;
    const std::string* reason = nullptr;
    const std::string* result = nullptr;
    const std::string* unit = nullptr;
  };
  Line line_of(const models::AwuRecord& a);
  void write_span_attributes(const models::AwuRecord& a, const Line& line, std::string_view trace);
  void write_events(const models::AwuRecord& a, const Line& line);
  void write_execution_events(const models::AwuRecord& a, const Line& line);
  void write_canary_evaluations(const models::AwuRecord& a, double exec_end);
  void policy_event(const std::string& result, const std::string& reason, const char* policy,
                    std::int64_t time);
  const std::string& budget_name(const models::AwuRecord& a);
  std::string_view span_id(const TelemetryIdKey& key, std::uint32_t step);

  std::string& out_;
  const std::vector<models::CanaryStageRecord>& stages_;
  const AwuExportContext& context_;
  LineFragments fragments_;
  DoubleTexts doubles_;
  std::vector<std::uint32_t> stage_order_;
  TelemetryIdDeriver ids_;
  // The trace of the deployment last written and the span ids derived for it, by step: a
  // deployment's AWUs are usually consecutive and link to one another.
  std::uint64_t cached_deployment_ = 0;
  bool have_trace_ = false;
  std::array<char, 32> trace_{};
  std::vector<std::pair<std::uint32_t, std::array<char, 16>>> span_ids_;
  int ai_budget_day_ = 0;
  bool have_ai_budget_ = false;
  std::string ai_budget_;
  std::uint64_t sequence_ = 0;
  std::int64_t last_time_ = 0;
  bool first_event_ = true;
  const models::AwuRecord* awu_ = nullptr;  // the record being written, for messages
};

std::string_view AwuLineSerialiser::span_id(const TelemetryIdKey& key, std::uint32_t step) {
  for (const auto& [cached_step, hex] : span_ids_) {
    if (cached_step == step) {
      return {hex.data(), hex.size()};
    }
  }
  span_ids_.emplace_back(step, ids_.span_id(key, step));
  return {span_ids_.back().second.data(), span_ids_.back().second.size()};
}

const std::string& AwuLineSerialiser::budget_name(const models::AwuRecord& a) {
  switch (a.budget) {
    case models::AwuBudget::AiCost: {
      const int day = budget_day(a, context_);
      if (!have_ai_budget_ || day != ai_budget_day_) {
        ai_budget_ = json_string(budget_name_of(a, context_));
        ai_budget_day_ = day;
        have_ai_budget_ = true;
      }
      return ai_budget_;
    }
    case models::AwuBudget::ErrorBudget:
      return fragments_.slo_budget.at(a.service);
    case models::AwuBudget::Emergency:
      return fragments_.emergency_budget;
  }
  return fragments_.emergency_budget;
}

void AwuLineSerialiser::policy_event(const std::string& result, const std::string& reason,
                                     const char* policy, std::int64_t time) {
  begin_event(fragments_.policy_evaluated, time);
  // The result fragment starts with a comma; the event's first attribute must not.
  out_.append(result, 1);
  out_.append(reason);
  if (policy[0] != '\0') {
    out_.append(fragments_.policy_name);
    append_json_string(out_, policy);
    out_.append(kAttributeTail);
  }
  int_value(fragments_.policy_timestamp, time / 1'000'000);
}

AwuLineSerialiser::Line AwuLineSerialiser::line_of(const models::AwuRecord& a) {
  Line line;
  line.key = TelemetryIdKey{context_.run_nonce, context_.seed, context_.replication, a.deployment};
  line.start = at(a.start_min);
  line.reserved = a.reserved >= 0;
  line.executed = line.reserved && a.exec_start_min >= 0;
  line.end = at(line.executed ? std::max(a.end_min, a.reconcile_min) : a.end_min);
  line.budget = &budget_name(a);
  line.failed_reservation = !line.reserved && a.requested >= 0;
  line.reason =
      line.failed_reservation
          ? &fragments_.standard_reason[a.reason == models::AwuReason::BudgetExceeded ? 0 : 1]
          : &fragments_.reason[static_cast<std::size_t>(a.reason)];
  line.exec_end = a.exec_end_min >= 0 ? a.exec_end_min : a.end_min;
  line.incomplete = line.executed && a.reconcile_min < 0;
  line.actual = line.incomplete ? std::max(0.0, a.actual) : a.actual;
  line.tokens = line.executed && a.kind == models::AwuKind::AgentPropose;
  line.unit = &fragments_.unit.at(static_cast<std::size_t>(a.budget));
  // A failed reservation is BLOCKED whatever the record says (AwuBuilder::reservation_failed).
  line.result = &fragments_.result.at(line.failed_reservation
                                          ? static_cast<std::size_t>(models::AwuResult::Blocked)
                                          : static_cast<std::size_t>(a.result));
  return line;
}

void AwuLineSerialiser::write(const models::AwuRecord& a) {
  awu_ = &a;
  if (a.decision_min < 0) {
    return;  // still undecided at the horizon (its change is excluded), as in export_awus
  }
  const Line line = line_of(a);
  if (!have_trace_ || cached_deployment_ != a.deployment) {
    trace_ = ids_.trace_id(line.key);
    cached_deployment_ = a.deployment;
    have_trace_ = true;
    span_ids_.clear();
  }
  const std::string_view trace(trace_.data(), trace_.size());
  write_span_attributes(a, line, trace);
  write_events(a, line);
  if (line.end < last_time_) {
    throw AwuTimeOrderError("AWU " + std::to_string(a.deployment) + "/" +
                            std::to_string(a.sequence) + " ends before its last event");
  }
  if (a.linked_to >= 0) {
    out_.append(fragments_.link_head);
    append_id(trace);
    out_.append(fragments_.link_span);
    append_id(span_id(line.key, 1U + static_cast<std::uint32_t>(a.linked_to)));
    out_.append(fragments_.link_tail);
  } else {
    out_.push_back(']');
  }
  out_.append(fragments_.span_tail);
}

// Span head and span attributes, in AwuBuilder's order.
void AwuLineSerialiser::write_span_attributes(const models::AwuRecord& a, const Line& line,
                                              std::string_view trace) {
  const auto kind = static_cast<std::size_t>(a.kind);
  out_.append(fragments_.line_head);
  append_id(trace);
  out_.append(",\"spanId\":");
  append_id(span_id(line.key, 1U + a.sequence));
  out_.append(fragments_.name[kind]);
  append_quoted_int64(out_, line.start);
  out_.append(",\"endTimeUnixNano\":");
  append_quoted_int64(out_, line.end);
  out_.append(fragments_.attributes[kind]);
  append_quoted_int64(out_, static_cast<std::int64_t>(a.deployment));
  out_.append(kAttributeTail);
  out_.append(fragments_.service.at(a.service));
  if (line.reserved) {
    double_value(fragments_.reserved, a.reserved);
    out_.append(*line.unit);
    text_value(fragments_.budget_name, *line.budget);
  }
  out_.append(*line.result);
  out_.append(*line.reason);
  if (line.executed) {
    if (line.incomplete) {
      out_.append(fragments_.incomplete);
    }
    double_value(fragments_.actual, line.actual);
  }
  if (line.tokens) {
    int_value(fragments_.tokens_input, static_cast<std::int64_t>(a.tokens_input));
    int_value(fragments_.tokens_output, static_cast<std::int64_t>(a.tokens_output));
    int_value(fragments_.tokens_total, static_cast<std::int64_t>(a.tokens_input) +
                                           static_cast<std::int64_t>(a.tokens_output));
  }
}

// Events, in lifecycle order: approval, decision and reservation (or release), then for an
// executed AWU its execution, canary analyses and reconciliation.
void AwuLineSerialiser::write_events(const models::AwuRecord& a, const Line& line) {
  out_.append(fragments_.events);
  first_event_ = true;
  last_time_ = line.start;
  if (a.approval_requested_min >= 0) {
    begin_event(fragments_.approval_requested, at(a.approval_requested_min));
    sequence(true);
    end_event();
    if (a.approval_resolved_min >= 0) {
      begin_event(fragments_.approval_resolved, at(a.approval_resolved_min));
      sequence(true);
      end_event();
    }
  }
  const char* policy = models::awu_policy_name(a.policy);
  if (!line.reserved) {
    policy_event(*line.result, *line.reason, policy, at(a.decision_min));
    sequence(false);
    if (line.failed_reservation) {
      double_value(fragments_.requested, a.requested);
    }
    end_event();
    return;
  }
  begin_event(fragments_.reservation, at(a.reserve_min));
  double_value(fragments_.event_reserved, a.reserved);
  out_.append(*line.unit);
  text_value(fragments_.budget_name, *line.budget);
  double_value(fragments_.budget_remaining, a.budget_remaining);
  sequence(false);
  end_event();
  policy_event(*line.result, *line.reason, policy, at(a.decision_min));
  sequence(false);
  end_event();
  if (!line.executed) {
    begin_event(fragments_.release, at(a.end_min));
    double_value(fragments_.released, a.reserved);
    out_.append(*line.unit);
    text_value(fragments_.budget_name, *line.budget);
    sequence(false);
    end_event();
    return;
  }
  write_execution_events(a, line);
}

void AwuLineSerialiser::write_execution_events(const models::AwuRecord& a, const Line& line) {
  begin_event(fragments_.execution_start, at(a.exec_start_min));
  sequence(true);
  end_event();
  if (a.kind == models::AwuKind::DeployRollout) {
    write_canary_evaluations(a, line.exec_end);
  }
  begin_event(fragments_.execution_end, at(line.exec_end));
  sequence(true);
  end_event();
  const double reconciled_min = line.incomplete ? line.exec_end : a.reconcile_min;
  begin_event(fragments_.reconciliation, at(reconciled_min));
  double_value(fragments_.event_actual, line.actual);
  double_value(fragments_.reserved, a.reserved);
  out_.append(*line.unit);
  double_value(fragments_.delta, line.actual - a.reserved);
  text_value(fragments_.budget_name, *line.budget);
  if (line.incomplete) {
    out_.append(fragments_.incomplete);
  }
  sequence(false);
  end_event();
  if (line.tokens) {
    begin_event(fragments_.cost, at(reconciled_min));
    double_value(fragments_.cost_total, line.actual);
    out_.append(fragments_.cost_rest);
    sequence(false);
    end_event();
  }
}

// The canary stage analyses during a rollout's execution, in record order.
void AwuLineSerialiser::write_canary_evaluations(const models::AwuRecord& a, double exec_end) {
  const auto first = std::lower_bound(
      stage_order_.begin(), stage_order_.end(), a.deployment,
      [&](std::uint32_t index, std::uint64_t id) { return stages_[index].deployment < id; });
  for (auto it = first; it != stage_order_.end() && stages_[*it].deployment == a.deployment; ++it) {
    const models::CanaryStageRecord& stage = stages_[*it];
    if (stage.start_min < a.exec_start_min || stage.start_min > exec_end) {
      continue;
    }
    const double judged =
        stage.start_min + stage.bake_min < exec_end ? stage.start_min + stage.bake_min : exec_end;
    begin_event(fragments_.evaluation, at(judged));
    out_.append(fragments_.eval_metric);
    double_value(fragments_.eval_score, stage.observed_error_rate);
    out_.append(fragments_.eval_passed);
    out_.append(stage.promoted ? "true" : "false");
    out_.append(kAttributeTail);
    sequence(false);
    end_event();
  }
}

}  // namespace

std::size_t write_awus_otlp(std::string& out, const std::vector<models::AwuRecord>& awus,
                            const std::vector<models::CanaryStageRecord>& stages,
                            const AwuExportContext& context, const Attributes& resource) {
  out.reserve(out.size() + awus.size() * kTypicalLineBytes);
  AwuLineSerialiser serialiser(out, stages, context, resource);
  std::size_t spans = 0;
  for (const models::AwuRecord& a : awus) {
    if (a.decision_min >= 0) {
      serialiser.write(a);
      ++spans;
    }
  }
  return spans;
}

}  // namespace genops::results
