#include "telemetry/conformance.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "telemetry/genops_vocabulary.hpp"

namespace genops::telemetry {

namespace {

using namespace genops_attr;

// The §9.1 criteria a requirement belongs to, which decide the compliance level.
enum class Criterion {
  General,             // OTLP representation and namespaces: needed for any claim
  RequiredAttributes,  // §9.1(1)
  Invariant,           // §9.1(2): may be missing for "partial"
  Events,              // §9.1(3): may be missing for "partial"
  States,              // §9.1(4)
  Codes,               // §9.1(5)
  Identity,            // §9.1(6)
  Attribution,         // §9.1(7)
  Meaningful,          // §9.1(8)
  Declaration,         // §9.2, §9.3, §11.4: checked against the level the others give
  Advisory             // SHOULD, or not observable in telemetry
};

struct RequirementInfo {
  const char* section;
  RequirementLevel level;
  Criterion criterion;
  const char* summary;
};

constexpr RequirementLevel M = RequirementLevel::Must;
constexpr RequirementLevel S = RequirementLevel::Should;

// R1..R50 of docs/genops-v0.1-checklist.md, in order.
constexpr std::array<RequirementInfo, 50> kRequirements = {{
    {"1.3", M, Criterion::General, "telemetry is standard OpenTelemetry (OTLP/JSON shape)"},
    {"7", M, Criterion::General, "GenOps concepts use genops.* names, no alternative namespace"},
    {"11", M, Criterion::General, "spec attributes keep their declared types (no redefinition)"},
    {"11.4", M, Criterion::General, "no undefined keys or events inside the genops.* namespace"},
    {"2.1", M, Criterion::General, "every AWU is a well-formed span (name, start <= end)"},
    {"2.1, 4.4", M, Criterion::Attribution, "every GenOps event belongs to an AWU"},
    {"2.2", M, Criterion::Identity, "AWU identity (trace_id, span_id) is valid W3C"},
    {"2.2", M, Criterion::Identity, "AWU identifiers are never reused"},
    {"2.3", M, Criterion::RequiredAttributes,
     "genops.team, genops.project, genops.environment (string) on every AWU"},
    {"2.3", M, Criterion::Attribution, "attribution never changes during an AWU's life"},
    {"2.4", M, Criterion::Invariant, "decision and reservation precede execution"},
    {"2.4", M, Criterion::Events, "executed AWUs emit pre-, execution- and post-phase telemetry"},
    {"3.2", M, Criterion::RequiredAttributes, "a reserved AWU declares one accounting unit"},
    {"3.3 C1", M, Criterion::Invariant, "an executed AWU recorded genops.budget.reservation"},
    {"3.3 C2", M, Criterion::Invariant, "the actual recorded equals the reconciled actual"},
    {"3.3 C3", M, Criterion::Invariant,
     "one reconciliation after execution, consistent with the reservation"},
    {"3.5", M, Criterion::Invariant, "an unfulfillable reservation is BLOCKED and never executes"},
    {"3.5", M, Criterion::Invariant, "a started execution is never left unreconciled"},
    {"3.5", S, Criterion::Advisory, "an incomplete reconciliation carries the best data"},
    {"3.5", S, Criterion::Advisory, "an incomplete reconciliation is flagged"},
    {"3.5", M, Criterion::Invariant, "same inputs give the same AWUs, decisions, reservations"},
    {"4.1", M, Criterion::States, "genops.policy.result is one of the four states"},
    {"4.1", M, Criterion::States, "a BLOCKED AWU does not proceed"},
    {"4.2", M, Criterion::RequiredAttributes, "every decision carries genops.policy.result"},
    {"4.2, 5.3", M, Criterion::Codes, "a non-ALLOWED decision carries exactly one reason_code"},
    {"5.3, 8.1", M, Criterion::Codes, "an ALLOWED decision carries no reason_code"},
    {"4.3", M, Criterion::States, "a recorded decision is never modified"},
    {"4.3", M, Criterion::States, "a changed outcome is a new decision event"},
    {"4.3", S, Criterion::Advisory, "retries are distinct AWUs (one decision per AWU)"},
    {"5.4", M, Criterion::Codes, "reason_code is never free-form text"},
    {"5.5", M, Criterion::Codes, "extension codes match ^x_[a-z0-9_]+$"},
    {"5.5", M, Criterion::Codes, "no invented unprefixed reason codes"},
    {"5.6", S, Criterion::Advisory, "consumers tolerate unknown codes"},
    {"6.3", M, Criterion::General, "SLA attributes come as a complete, consistent set"},
    {"7.1", M, Criterion::RequiredAttributes,
     "genops.operation.name and genops.operation.type (string) on every AWU"},
    {"7.1", M, Criterion::RequiredAttributes, "genops.spec.version on every AWU"},
    {"7.1", M, Criterion::RequiredAttributes, "a reserved AWU carries genops.accounting.reserved"},
    {"7.1", M, Criterion::RequiredAttributes, "an executed AWU carries genops.accounting.actual"},
    {"7.2", M, Criterion::Events, "every AWU emits genops.policy.evaluated"},
    {"7.2.1", M, Criterion::Events, "a reserved, unexecuted AWU emitted its reservation event"},
    {"7.2.1", M, Criterion::Events, "an unexecuted AWU emits no reconciliation"},
    {"8.1-8.3", M, Criterion::Events, "required events carry their attributes, typed"},
    {"8.4", M, Criterion::Events, "optional events carry their required attributes, typed"},
    {"9.1(8)", M, Criterion::Meaningful, "no null, empty or placeholder values"},
    {"9.2", M, Criterion::Declaration, "a partial runtime declares 'GenOps v0.1 \u2014 partial'"},
    {"9.3", M, Criterion::Declaration, "a non-compliant runtime claims no compliance"},
    {"9.4", M, Criterion::General, "compliance is verifiable from telemetry alone"},
    {"11.1, 11.3", M, Criterion::RequiredAttributes,
     "genops.spec.version is SemVer and names v0.1.0"},
    {"11.3", M, Criterion::Advisory, "a version-range claim is backed by identical rules"},
    {"11.4", M, Criterion::Declaration, "a compliance declaration is well-formed and implemented"},
}};

// Requirement numbers, so call sites read like the checklist.
enum Req : std::size_t {
  R1 = 1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  R11,
  R12,
  R13,
  R14,
  R15,
  R16,
  R17,
  R18,
  R19,
  R20,
  R21,
  R22,
  R23,
  R24,
  R25,
  R26,
  R27,
  R28,
  R29,
  R30,
  R31,
  R32,
  R33,
  R34,
  R35,
  R36,
  R37,
  R38,
  R39,
  R40,
  R41,
  R42,
  R43,
  R44,
  R45,
  R46,
  R47,
  R48,
  R49,
  R50
};

// Values §9.1(8) calls placeholders (D9), compared case-insensitively after trimming.
constexpr std::array<std::string_view, 11> kPlaceholders = {
    "unknown", "none", "null", "nil", "n/a", "tbd", "todo", "placeholder", "-", "?", "undefined"};

constexpr std::array kAttributionKeys = {kTeam, kProject, kEnvironment};

bool is_placeholder(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return true;
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  const std::string_view trimmed = text.substr(first, last - first + 1);
  std::string lower(trimmed);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kPlaceholders.begin(), kPlaceholders.end(), lower) != kPlaceholders.end();
}

bool is_semver(std::string_view text) {
  int parts = 0;
  std::size_t digits = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.') {
      if (digits == 0 || (digits > 1 && text[i - digits] == '0')) {
        return false;
      }
      ++parts;
      digits = 0;
    } else if (text[i] >= '0' && text[i] <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return parts == 3;
}

bool nearly_equal(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

bool is_incomplete_flag(const Attributes& attributes) {
  for (const Attribute& attribute : attributes.items()) {
    const bool* flag = std::get_if<bool>(&attribute.value);
    if (flag != nullptr && *flag &&
        (attribute.key.ends_with("accounting.incomplete") ||
         attribute.key.ends_with("reconciliation.incomplete"))) {
      return true;
    }
  }
  return false;
}

// The suffixes of spec keys and event names with at least two components ("policy.result"),
// which another namespace must not reuse (R2).
std::vector<std::string_view> concept_suffixes() {
  std::vector<std::string_view> suffixes;
  for (const AttributeSpec& spec : defined_attributes()) {
    const std::string_view rest = spec.key.substr(kGenopsNamespacePrefix.size());
    // OpenTelemetry semantic conventions define `<area>.operation.name/type` (gen_ai.*, db.*,
    // messaging.*) for their own concepts: those are not GenOps restated.
    if (rest.find('.') != std::string_view::npos && !rest.starts_with("operation.")) {
      suffixes.push_back(rest);
    }
  }
  for (const std::string_view name :
       {genops_event::kPolicyEvaluated, genops_event::kBudgetReservation,
        genops_event::kBudgetReconciliation, genops_event::kCostCalculated,
        genops_event::kBudgetAlert, genops_event::kEvaluationComplete}) {
    suffixes.push_back(name.substr(kGenopsNamespacePrefix.size()));
  }
  return suffixes;
}

// One decision as the AWU records it.
struct DecisionFacts {
  std::string result;
  std::string reason_code;
  bool has_reason_code = false;
  bool operator==(const DecisionFacts&) const = default;
};

// What a determinism comparison (R21) looks at for one AWU.
struct AwuFingerprint {
  std::string trace_id;
  std::string span_id;
  std::string location;
  std::string operation_name;
  std::vector<DecisionFacts> decisions;
  std::vector<std::string> reservations;  // "amount unit budget remaining"
};

class Checker {
 public:
  Checker(const TelemetryDataset& run, const ConformanceOptions& options)
      : run_(run), options_(options), suffixes_(concept_suffixes()) {}

  ConformanceReport run(const TelemetryDataset* replay) {
    for (const FormatIssue& issue : run_.format_issues) {
      fail(R1, run_.describe(issue.location), {}, {}, {}, issue.message);
    }
    touch(R1, run_.records > 0);
    check_spans();
    check_identity();
    if (replay != nullptr) {
      check_determinism(*replay);
    }
    return build_report(replay);
  }

 private:
  struct State {
    std::size_t violations = 0;
    std::vector<Finding> findings;
    bool applicable = false;
    std::string note;
  };

  void touch(std::size_t req, bool applies = true) { state_[req - 1].applicable |= applies; }

  void fail(std::size_t req, std::string location, std::string trace_id, std::string span_id,
            std::string subject, std::string message) {
    State& state = state_[req - 1];
    state.applicable = true;
    ++state.violations;
    if (state.findings.size() < options_.max_findings) {
      state.findings.push_back(Finding{std::move(location), std::move(trace_id), std::move(span_id),
                                       std::move(subject), std::move(message)});
    }
  }

  void fail(std::size_t req, const LoadedSpan& span, std::string_view subject,
            std::string message) {
    fail(req, run_.describe(span.location), span.span.trace_id, span.span.span_id,
         std::string(subject), std::move(message));
  }

  // ------------------------------------------------------------------------------------------
  // Attribute helpers. `where` names the owner in messages ("span", "event genops.x").

  // A required string: missing -> presence_req, wrong type -> type_req, empty or placeholder
  // -> R44. Returns the value when it is a string.
  const std::string* required_string(const LoadedSpan& span, const Attributes& attributes,
                                     std::string_view key, std::size_t presence_req,
                                     std::size_t type_req, const std::string& where) {
    touch(presence_req);
    touch(R44);
    const AttributeValue* value = attributes.find(key);
    if (value == nullptr) {
      fail(presence_req, span, key, where + " lacks required " + std::string(key));
      return nullptr;
    }
    if (std::holds_alternative<std::monostate>(*value)) {
      fail(R44, span, key, where + " has a null " + std::string(key));
      return nullptr;
    }
    const auto* text = std::get_if<std::string>(value);
    if (text == nullptr) {
      fail(type_req, span, key,
           where + ": " + std::string(key) + " must be a stringValue, found " +
               std::string(value_type_name(*value)));
      return nullptr;
    }
    if (is_placeholder(*text)) {
      fail(R44, span, key,
           where + ": " + std::string(key) + " is empty or a placeholder ('" + *text + "')");
    }
    return text;
  }

  // A required amount: missing -> presence_req, wrong type -> type_req; NaN, infinite or
  // negative -> R44.
  const double* required_amount(const LoadedSpan& span, const Attributes& attributes,
                                std::string_view key, std::size_t presence_req,
                                std::size_t type_req, const std::string& where) {
    touch(presence_req);
    const AttributeValue* value = attributes.find(key);
    if (value == nullptr) {
      fail(presence_req, span, key, where + " lacks required " + std::string(key));
      return nullptr;
    }
    if (std::holds_alternative<std::monostate>(*value)) {
      fail(R44, span, key, where + " has a null " + std::string(key));
      return nullptr;
    }
    const auto* number = std::get_if<double>(value);
    if (number == nullptr) {
      fail(type_req, span, key,
           where + ": " + std::string(key) + " must be a doubleValue, found " +
               std::string(value_type_name(*value)));
      return nullptr;
    }
    if (!std::isfinite(*number) || *number < 0.0) {
      fail(R44, span, key,
           where + ": " + std::string(key) + " = " + format_double(*number) +
               " is not a meaningful amount");
    }
    return number;
  }

  // Type of every defined genops.* attribute not owned by a more specific requirement (R3),
  // undefined genops.* keys (R4) and spec concepts under another namespace (R2).
  void check_namespace(const LoadedSpan& span, const Attributes& attributes,
                       std::span<const std::string_view> owned, const std::string& where) {
    for (const Attribute& attribute : attributes.items()) {
      const std::string& key = attribute.key;
      if (key.starts_with(kGenopsNamespacePrefix)) {
        touch(R4);
        const AttributeSpec* spec = find_defined_attribute(key);
        if (spec == nullptr) {
          fail(R4, span, key, where + ": " + key + " is not defined by GenOps v0.1");
          continue;
        }
        if (std::find(owned.begin(), owned.end(), key) != owned.end()) {
          continue;
        }
        touch(R3);
        if (std::holds_alternative<std::monostate>(attribute.value)) {
          fail(R44, span, key, where + " has a null " + key);
        } else if (!has_declared_type(attribute.value, spec->type)) {
          fail(R3, span, key,
               where + ": " + key + " is declared " + std::string(to_string(spec->type)) +
                   ", found " + std::string(value_type_name(attribute.value)));
        }
        continue;
      }
      touch(R2);
      if (const auto suffix = concept_suffix(key)) {
        fail(R2, span, key,
             where + ": " + key + " restates genops." + std::string(*suffix) +
                 " under another namespace");
      }
    }
  }

  std::optional<std::string_view> concept_suffix(std::string_view key) const {
    for (std::size_t dot = key.find('.'); dot != std::string_view::npos;
         dot = key.find('.', dot + 1)) {
      const std::string_view rest = key.substr(dot + 1);
      if (std::find(suffixes_.begin(), suffixes_.end(), rest) != suffixes_.end()) {
        return rest;
      }
    }
    return std::nullopt;
  }

  // genops.policy.result and .reason_code on a span or an evaluated event (R22-R26, R30-R32).
  // `type_req` receives type errors (the span's required attribute, or R42 on events).
  DecisionFacts check_decision(const LoadedSpan& span, const Attributes& attributes,
                               std::size_t type_req, const std::string& where) {
    DecisionFacts facts;
    const std::string* result =
        required_string(span, attributes, kPolicyResult, R24, type_req, where);
    touch(R22);
    std::optional<PolicyResult> parsed;
    if (result != nullptr) {
      facts.result = *result;
      parsed = parse_policy_result(*result);
      if (!parsed) {
        fail(R22, span, kPolicyResult,
             where + ": genops.policy.result '" + *result + "' is not one of ALLOWED, BLOCKED, " +
                 "WARNING, RATE_LIMITED");
      }
    }
    const AttributeValue* code = attributes.find(kPolicyReasonCode);
    facts.has_reason_code = code != nullptr;
    if (parsed == PolicyResult::Allowed) {
      touch(R26);
      if (code != nullptr) {
        fail(R26, span, kPolicyReasonCode,
             where + ": genops.policy.reason_code is set on an ALLOWED decision");
      }
      return facts;
    }
    if (!parsed) {
      return facts;
    }
    touch(R25);
    if (code == nullptr) {
      fail(R25, span, kPolicyReasonCode,
           where + ": a " + *result + " decision lacks genops.policy.reason_code");
      return facts;
    }
    const auto* text = std::get_if<std::string>(code);
    if (text == nullptr) {
      fail(std::holds_alternative<OpaqueValue>(*code) ? R25 : type_req, span, kPolicyReasonCode,
           where + ": genops.policy.reason_code must be a single stringValue, found " +
               std::string(value_type_name(*code)));
      return facts;
    }
    facts.reason_code = *text;
    touch(R30);
    touch(R31);
    touch(R32);
    switch (classify_reason_code(*text)) {
      case ReasonCodeClass::Standard:
      case ReasonCodeClass::Extension:
        break;
      case ReasonCodeClass::MalformedExtension:
        fail(R31, span, kPolicyReasonCode,
             where + ": extension code '" + *text + "' does not match ^x_[a-z0-9_]+$");
        break;
      case ReasonCodeClass::InventedCode:
        fail(R32, span, kPolicyReasonCode,
             where + ": '" + *text + "' is neither a v0.1 code nor an x_ extension");
        break;
      case ReasonCodeClass::FreeFormText:
        fail(R30, span, kPolicyReasonCode,
             where + ": reason_code is free-form text: '" + *text + "'");
        break;
    }
    return facts;
  }

  // ------------------------------------------------------------------------------------------

  void check_spans() {
    for (std::size_t index = 0; index < run_.spans.size(); ++index) {
      const LoadedSpan& loaded = run_.spans[index];
      const Span& span = loaded.span;
      const bool awu =
          std::any_of(span.attributes.items().begin(), span.attributes.items().end(),
                      [](const Attribute& a) { return a.key.starts_with(kGenopsNamespacePrefix); });
      if (!awu) {
        for (const SpanEvent& event : span.events) {
          if (event.name.starts_with(kGenopsNamespacePrefix)) {
            fail(R6, loaded, event.name,
                 "event " + event.name + " is on span '" + span.name +
                     "', which is not an AWU (no genops.* attributes)");
          }
        }
        continue;
      }
      awu_indices_.push_back(index);
      check_awu(loaded);
    }
    touch(R6, !awu_indices_.empty());
  }

  // One AWU span, checked along the spec's compliance criteria. The parts run in this order
  // (the order findings are reported in): the span's shape and identity, its required
  // attributes, its events, whether it executed, its decisions, its accounting attributes and,
  // when it executed, the accounting invariant.
  void check_awu(const LoadedSpan& loaded) {
    const std::string where = "AWU '" + loaded.span.name + "'";
    check_span_shape(loaded);
    const DecisionFacts span_decision = check_required_attributes(loaded, where);
    const AwuEvents events = collect_events(loaded);
    const AwuExecution execution = judge_execution(loaded, events);
    check_decisions(loaded, events, span_decision);
    const SpanEvent* reservation = check_accounting_attributes(loaded, events, execution, where);
    if (!execution.executed) {
      touch(R41);
      return;
    }
    check_invariant(loaded, events, execution, reservation, where);
  }

  // An AWU's events in emission order, sorted by kind.
  struct AwuEvents {
    std::vector<std::size_t> rank;  // event index -> position in emission order
    std::vector<std::size_t> decisions;
    std::vector<DecisionFacts> decision_facts;  // of `decisions`
    std::vector<std::size_t> reservations;
    std::vector<std::size_t> reconciliations;
    std::optional<std::size_t> execution_start;
    std::optional<std::size_t> execution_end;
    bool released = false;
  };

  // Whether an AWU executed, and under which decision.
  struct AwuExecution {
    std::optional<std::size_t> effective;  // index into AwuEvents::decisions
    std::optional<PolicyResult> effective_result;
    bool executed = false;
  };

  // R5, R7: a well-formed span with a valid identity.
  void check_span_shape(const LoadedSpan& loaded) {
    const Span& span = loaded.span;
    touch(R5);
    if (span.name.empty()) {
      fail(R5, loaded, "name", "the AWU span has no name");
    }
    if (span.start_time_unix_nano <= 0 || span.end_time_unix_nano <= 0) {
      fail(R5, loaded, "startTimeUnixNano", "the AWU span lacks its start or end time");
    } else if (span.end_time_unix_nano < span.start_time_unix_nano) {
      fail(R5, loaded, "endTimeUnixNano", "the AWU span ends before it starts");
    }
    touch(R7);
    if (!is_valid_trace_id(span.trace_id)) {
      fail(R7, loaded, "traceId",
           "trace id '" + span.trace_id + "' is not 32 lowercase hex digits, non-zero");
    }
    if (!is_valid_span_id(span.span_id)) {
      fail(R7, loaded, "spanId",
           "span id '" + span.span_id + "' is not 16 lowercase hex digits, non-zero");
    }
    if (!span.parent_span_id.empty() && !is_valid_span_id(span.parent_span_id)) {
      fail(R7, loaded, "parentSpanId", "parent span id '" + span.parent_span_id + "' is invalid");
    }
  }

  // R9, R10, R35, R36, R48: attribution, operation and version; then the span's decision, its
  // namespace and SLA attributes. Returns the span's decision.
  DecisionFacts check_required_attributes(const LoadedSpan& loaded, const std::string& where) {
    const Attributes& attributes = loaded.span.attributes;
    // Required span attributes. Attribution is immutable within one record; copies on events
    // and later records of the same AWU are compared below and in check_identity.
    touch(R10);
    for (const std::string_view key : kAttributionKeys) {
      required_string(loaded, attributes, key, R9, R9, where);
    }
    required_string(loaded, attributes, kOperationName, R35, R35, where);
    required_string(loaded, attributes, kOperationType, R35, R35, where);
    if (const std::string* version =
            required_string(loaded, attributes, kSpecVersion, R36, R36, where)) {
      touch(R48);
      if (!is_semver(*version)) {
        fail(R48, loaded, kSpecVersion,
             "genops.spec.version '" + *version + "' is not MAJOR.MINOR.PATCH");
      } else if (*version != kGenopsSpecVersion) {
        fail(R48, loaded, kSpecVersion,
             "genops.spec.version '" + *version + "': this checker implements v0.1.0 only");
      }
    }
    const DecisionFacts span_decision = check_decision(loaded, attributes, R22, where);
    static constexpr std::array kSpanOwned = {
        kTeam,           kProject,      kEnvironment,        kOperationName,      kOperationType,
        kSpecVersion,    kPolicyResult, kPolicyReasonCode,   kAccountingReserved, kAccountingActual,
        kAccountingUnit, kSlaTier,      kSlaLatencyTargetMs, kSlaActualLatencyMs, kSlaMet};
    check_namespace(loaded, attributes, kSpanOwned, where);
    check_sla(loaded);
    return span_decision;
  }

  // The AWU's events, each checked for its required attributes (R17, R42, R43).
  AwuEvents collect_events(const LoadedSpan& loaded) {
    const Span& span = loaded.span;
    AwuEvents events;
    const std::vector<std::size_t> order = event_order(span);
    auto& [rank, decisions, decision_facts, reservations, reconciliations, execution_start,
           execution_end, released] = events;
    rank.resize(span.events.size());
    for (std::size_t position = 0; position < order.size(); ++position) {
      rank[order[position]] = position;
    }
    for (const std::size_t event_index : order) {
      const SpanEvent& event = span.events[event_index];
      const std::string event_where = "event " + event.name;
      check_event_common(loaded, event, event_where);
      if (event.name == genops_event::kPolicyEvaluated) {
        decisions.push_back(event_index);
        decision_facts.push_back(check_decision(loaded, event.attributes, R42, event_where));
        check_failed_reservation(loaded, event, decision_facts.back());
      } else if (event.name == genops_event::kBudgetReservation) {
        reservations.push_back(event_index);
        required_amount(loaded, event.attributes, kAccountingReserved, R42, R42, event_where);
        required_string(loaded, event.attributes, kAccountingUnit, R42, R42, event_where);
        if (const double* remaining = event.attributes.find_double(kBudgetRemaining)) {
          touch(R17);
          if (*remaining < 0.0) {
            fail(R17, loaded, kBudgetRemaining,
                 "the reservation left genops.budget.remaining = " + format_double(*remaining) +
                     ": it did not fit the budget, yet it was recorded");
          }
        }
      } else if (event.name == genops_event::kBudgetReconciliation) {
        reconciliations.push_back(event_index);
        required_amount(loaded, event.attributes, kAccountingActual, R42, R42, event_where);
        required_amount(loaded, event.attributes, kAccountingReserved, R42, R42, event_where);
        required_string(loaded, event.attributes, kAccountingUnit, R42, R42, event_where);
      } else if (event.name == genops_event::kCostCalculated) {
        required_amount(loaded, event.attributes, kCostTotal, R43, R43, event_where);
        required_string(loaded, event.attributes, kCostCurrency, R43, R43, event_where);
      } else if (event.name == genops_event::kBudgetAlert) {
        required_string(loaded, event.attributes, kBudgetName, R43, R43, event_where);
        required_number(loaded, event.attributes, kBudgetConsumed, R43, event_where);
        required_number(loaded, event.attributes, kBudgetAllocated, R43, event_where);
      } else if (event.name == genops_event::kEvaluationComplete) {
        required_string(loaded, event.attributes, kEvalMetric, R43, R43, event_where);
        required_number(loaded, event.attributes, kEvalScore, R43, event_where);
      } else if (event.name == sim_telemetry::kExecutionStart && !execution_start) {
        execution_start = event_index;
      } else if (event.name == sim_telemetry::kExecutionEnd && !execution_end) {
        execution_end = event_index;
      } else if (event.name == sim_telemetry::kBudgetRelease) {
        released = true;
      }
    }
    return events;
  }

  // R23, R28, R41: the effective decision and the evidence of execution.
  AwuExecution judge_execution(const LoadedSpan& loaded, const AwuEvents& events) {
    const auto& [rank, decisions, decision_facts, reservations, reconciliations, execution_start,
                 execution_end, released] = events;
    // The effective decision: the last one before execution starts (or the last one).
    std::optional<std::size_t> effective;
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      if (!execution_start || rank[decisions[i]] < rank[*execution_start]) {
        effective = i;
      }
    }
    std::optional<PolicyResult> effective_result;
    if (effective) {
      effective_result = parse_policy_result(decision_facts[*effective].result);
    }
    const bool authorized = effective_result && authorizes_execution(*effective_result);

    // Execution evidence: our marker, or (runtimes without markers) a reconciliation.
    bool executed = execution_start.has_value();
    touch(R23, effective_result == PolicyResult::Blocked);
    touch(R28, effective_result == PolicyResult::RateLimited);
    if (execution_start) {
      if (effective_result == PolicyResult::Blocked) {
        fail(R23, loaded, sim_telemetry::kExecutionStart, "a BLOCKED AWU started execution");
      } else if (effective_result == PolicyResult::RateLimited) {
        fail(R28, loaded, sim_telemetry::kExecutionStart,
             "the AWU executed after a RATE_LIMITED decision without a new decision event");
      }
    } else if (!reconciliations.empty()) {
      touch(R41);
      if (!authorized || released) {
        fail(R41, loaded, genops_event::kBudgetReconciliation,
             released ? "a released (unexecuted) reservation was reconciled"
                      : "an AWU that did not execute (" +
                            (effective ? decision_facts[*effective].result : "no decision") +
                            ") emits genops.budget.reconciliation");
      } else {
        executed = true;
      }
    }
    if (execution_start && !reconciliations.empty() && released) {
      fail(R41, loaded, sim_telemetry::kBudgetRelease,
           "an executed AWU also released its reservation");
    }
    return AwuExecution{effective, effective_result, executed};
  }

  // R39, R29, R27: one decision per AWU, and the span repeats the last one.
  void check_decisions(const LoadedSpan& loaded, const AwuEvents& events,
                       const DecisionFacts& span_decision) {
    const std::vector<std::size_t>& decisions = events.decisions;
    // R39, R29: decisions.
    touch(R39);
    if (decisions.empty()) {
      fail(R39, loaded, genops_event::kPolicyEvaluated, "the AWU has no genops.policy.evaluated");
    }
    touch(R29, !decisions.empty());
    if (decisions.size() > 1) {
      fail(R29, loaded, genops_event::kPolicyEvaluated,
           std::to_string(decisions.size()) + " decisions on one AWU");
    }
    // R27: the span's decision is the last recorded one.
    if (!decisions.empty() && !span_decision.result.empty()) {
      touch(R27);
      const DecisionFacts& last = events.decision_facts.back();
      if (!last.result.empty() &&
          (last.result != span_decision.result || last.reason_code != span_decision.reason_code)) {
        fail(R27, loaded, kPolicyResult,
             "the span says " + span_decision.result + " " + span_decision.reason_code +
                 " but the last genops.policy.evaluated says " + last.result + " " +
                 last.reason_code);
      }
    }
  }

  // R13, R37, R40: the accounting attributes on the span against the reservation event.
  // Returns the reservation event, if any.
  const SpanEvent* check_accounting_attributes(const LoadedSpan& loaded, const AwuEvents& events,
                                               const AwuExecution& execution,
                                               const std::string& where) {
    const Span& span = loaded.span;
    const Attributes& attributes = span.attributes;
    const bool reached_reservation =
        !events.reservations.empty() || attributes.contains(kAccountingReserved);
    const std::string* span_unit = nullptr;
    const double* span_reserved = nullptr;
    if (reached_reservation) {
      span_unit = required_string(loaded, attributes, kAccountingUnit, R13, R13, where);
      span_reserved = required_amount(loaded, attributes, kAccountingReserved, R37, R37, where);
    } else if (attributes.contains(kAccountingUnit)) {
      span_unit = required_string(loaded, attributes, kAccountingUnit, R13, R13, where);
    }
    const std::vector<std::size_t>& reservations = events.reservations;
    const SpanEvent* reservation = reservations.empty() ? nullptr : &span.events[reservations[0]];
    if (reservation != nullptr) {
      touch(R13);
      const std::string* unit = reservation->attributes.find_string(kAccountingUnit);
      if (span_unit != nullptr && unit != nullptr && *unit != *span_unit) {
        fail(R13, loaded, kAccountingUnit,
             "the span's unit '" + *span_unit + "' differs from the reservation's '" + *unit + "'");
      }
      if (reservations.size() > 1) {
        fail(R13, loaded, genops_event::kBudgetReservation,
             std::to_string(reservations.size()) +
                 " reservations on one AWU (one accounting unit per AWU)");
      }
      const double* amount = reservation->attributes.find_double(kAccountingReserved);
      if (span_reserved != nullptr && amount != nullptr && !nearly_equal(*span_reserved, *amount)) {
        fail(R37, loaded, kAccountingReserved,
             "the span's genops.accounting.reserved " + format_double(*span_reserved) +
                 " differs from the reservation event's " + format_double(*amount));
      }
    }
    const bool executed = execution.executed;
    if (!executed && reservation == nullptr && attributes.contains(kAccountingReserved)) {
      touch(R40);
      fail(R40, loaded, genops_event::kBudgetReservation,
           "the AWU reached reservation (genops.accounting.reserved) but never emitted "
           "genops.budget.reservation");
    } else if (!executed && reservation != nullptr) {
      touch(R40);
    }
    return reservation;
  }

  // The accounting invariant of an executed AWU (R11, R14-R16, R18-R20, R38).
  void check_invariant(const LoadedSpan& loaded, const AwuEvents& events,
                       const AwuExecution& execution, const SpanEvent* reservation,
                       const std::string& where) {
    const Span& span = loaded.span;
    const Attributes& attributes = span.attributes;
    const auto& [rank, decisions, decision_facts, reservations, reconciliations, execution_start,
                 execution_end, released] = events;
    const std::optional<std::size_t>& effective = execution.effective;
    touch(R11);
    touch(R14);
    touch(R16);
    touch(R18);
    touch(R38);
    touch(R15);
    const double* span_actual =
        required_amount(loaded, attributes, kAccountingActual, R38, R38, where);
    if (reservation == nullptr) {
      fail(R14, loaded, genops_event::kBudgetReservation,
           "the AWU executed without a genops.budget.reservation");
    }
    // Pre-execution phase before execution starts (or, without a marker, before
    // reconciliation).
    // (An index, not an optional: GCC 12 misreads the optional as maybe-uninitialised.)
    const bool has_boundary = execution_start.has_value() || !reconciliations.empty();
    const std::size_t boundary = execution_start.has_value() ? execution_start.value()
                                 : reconciliations.empty()   ? 0
                                                             : reconciliations[0];
    const std::string boundary_name = execution_start
                                          ? std::string(sim_telemetry::kExecutionStart)
                                          : std::string(genops_event::kBudgetReconciliation);
    if (has_boundary) {
      if (effective && rank[decisions[*effective]] > rank[boundary]) {
        fail(R11, loaded, genops_event::kPolicyEvaluated,
             "genops.policy.evaluated comes after " + boundary_name);
      }
      if (!effective && !decisions.empty()) {
        fail(R11, loaded, genops_event::kPolicyEvaluated, "no decision precedes " + boundary_name);
      }
      if (reservation != nullptr && rank[reservations[0]] > rank[boundary]) {
        fail(R11, loaded, genops_event::kBudgetReservation,
             "genops.budget.reservation comes after " + boundary_name);
      }
    }
    if (reconciliations.empty()) {
      fail(R18, loaded, genops_event::kBudgetReconciliation,
           "execution started but the accounting record was never reconciled");
      return;
    }
    if (reconciliations.size() > 1) {
      fail(R16, loaded, genops_event::kBudgetReconciliation,
           std::to_string(reconciliations.size()) + " reconciliations on one AWU");
    }
    const SpanEvent& reconciliation = span.events[reconciliations[0]];
    const bool incomplete =
        is_incomplete_flag(reconciliation.attributes) || is_incomplete_flag(attributes);
    if (execution_end && rank[reconciliations[0]] < rank[*execution_end]) {
      fail(R16, loaded, genops_event::kBudgetReconciliation,
           "genops.budget.reconciliation comes before sim.execution.end");
    }
    if (reservation != nullptr && rank[reconciliations[0]] < rank[reservations[0]]) {
      fail(R16, loaded, genops_event::kBudgetReconciliation,
           "genops.budget.reconciliation comes before the reservation");
    }
    const double* reconciled_actual = reconciliation.attributes.find_double(kAccountingActual);
    const double* reconciled_reserved = reconciliation.attributes.find_double(kAccountingReserved);
    const std::string* reconciled_unit = reconciliation.attributes.find_string(kAccountingUnit);
    if (reservation != nullptr) {
      const double* reserved = reservation->attributes.find_double(kAccountingReserved);
      const std::string* unit = reservation->attributes.find_string(kAccountingUnit);
      if (reserved != nullptr && reconciled_reserved != nullptr &&
          !nearly_equal(*reserved, *reconciled_reserved)) {
        fail(R16, loaded, kAccountingReserved,
             "reconciliation compares against reserved " + format_double(*reconciled_reserved) +
                 " but the reservation was " + format_double(*reserved));
      }
      if (unit != nullptr && reconciled_unit != nullptr && *unit != *reconciled_unit) {
        fail(R16, loaded, kAccountingUnit,
             "reconciliation unit '" + *reconciled_unit + "' differs from the reservation's '" +
                 *unit + "'");
      }
    }
    if (const double* delta =
            reconciliation.attributes.find_double(kAccountingReconciliationDelta)) {
      if (reconciled_actual != nullptr && reconciled_reserved != nullptr &&
          !nearly_equal(*delta, *reconciled_actual - *reconciled_reserved)) {
        fail(R16, loaded, kAccountingReconciliationDelta,
             "reconciliation_delta " + format_double(*delta) + " is not actual - reserved = " +
                 format_double(*reconciled_actual - *reconciled_reserved));
      }
    }
    if (span_actual != nullptr && reconciled_actual != nullptr &&
        !nearly_equal(*span_actual, *reconciled_actual)) {
      fail(R15, loaded, kAccountingActual,
           "the span's genops.accounting.actual " + format_double(*span_actual) +
               " differs from the reconciled actual " + format_double(*reconciled_actual));
    }
    // §3.5 SHOULDs: an execution cut short (started, never ended) is reconciled as incomplete.
    if (execution_start && !execution_end) {
      touch(R20);
      if (!incomplete) {
        fail(R20, loaded, genops_event::kBudgetReconciliation,
             "execution never ended but the reconciliation is not flagged incomplete");
      }
    }
    if (incomplete) {
      touch(R19);
      if (reconciled_actual == nullptr) {
        fail(R19, loaded, kAccountingActual,
             "the incomplete reconciliation carries no best-effort actual");
      }
    }
  }

  // A numeric required attribute that the spec types as double.
  void required_number(const LoadedSpan& span, const Attributes& attributes, std::string_view key,
                       std::size_t req, const std::string& where) {
    touch(req);
    const AttributeValue* value = attributes.find(key);
    if (value == nullptr) {
      fail(req, span, key, where + " lacks required " + std::string(key));
    } else if (const auto* number = std::get_if<double>(value)) {
      if (!std::isfinite(*number)) {
        fail(R44, span, key, where + ": " + std::string(key) + " is not finite");
      }
    } else {
      fail(req, span, key,
           where + ": " + std::string(key) + " must be a doubleValue, found " +
               std::string(value_type_name(*value)));
    }
  }

  void check_event_common(const LoadedSpan& span, const SpanEvent& event,
                          const std::string& where) {
    if (event.name.starts_with(kGenopsNamespacePrefix)) {
      touch(R4);
      if (!is_defined_event(event.name)) {
        fail(R4, span, event.name, "event " + event.name + " is not defined by GenOps v0.1");
      }
    } else if (const auto suffix = concept_suffix(event.name)) {
      fail(R2, span, event.name,
           "event " + event.name + " restates genops." + std::string(*suffix) +
               " under another namespace");
    }
    // Copies of the attribution on an event must agree with the AWU (R10).
    for (const std::string_view key : kAttributionKeys) {
      const AttributeValue* copy = event.attributes.find(key);
      const AttributeValue* original = span.span.attributes.find(key);
      if (copy != nullptr && original != nullptr) {
        touch(R10);
        if (*copy != *original) {
          fail(R10, span, key, where + " carries a different " + std::string(key));
        }
      }
    }
    static constexpr std::array kEventOwned = {
        kPolicyResult,   kPolicyReasonCode, kAccountingReserved, kAccountingActual,
        kAccountingUnit, kCostTotal,        kCostCurrency,       kBudgetName,
        kBudgetConsumed, kBudgetAllocated,  kEvalMetric,         kEvalScore,
        kTeam,           kProject,          kEnvironment};
    // Event-level required attributes are typed by R42/R43, so only the rest is checked here;
    // genops.budget.name is required (string) only on budget.alert but optional elsewhere.
    std::vector<std::string_view> owned(kEventOwned.begin(), kEventOwned.end());
    if (event.name != genops_event::kBudgetAlert) {
      owned.erase(std::find(owned.begin(), owned.end(), kBudgetName));
    }
    check_namespace(span, event.attributes, owned, where);
  }

  void check_failed_reservation(const LoadedSpan& span, const SpanEvent& event,
                                const DecisionFacts& facts) {
    const bool failed_reservation = facts.reason_code == "BUDGET_RESERVATION_FAILED" ||
                                    event.attributes.contains(sim_telemetry::kAccountingRequested);
    if (!failed_reservation) {
      return;
    }
    touch(R17);
    if (facts.result != "BLOCKED") {
      fail(R17, span, kPolicyResult,
           "a reservation that could not be fulfilled gives " + facts.result + ", not BLOCKED");
    }
  }

  void check_sla(const LoadedSpan& span) {
    static constexpr std::array kSlaKeys = {kSlaTier, kSlaLatencyTargetMs, kSlaActualLatencyMs,
                                            kSlaMet};
    const Attributes& attributes = span.span.attributes;
    const bool any = std::any_of(kSlaKeys.begin(), kSlaKeys.end(),
                                 [&](std::string_view key) { return attributes.contains(key); });
    if (!any) {
      return;
    }
    touch(R34);
    for (const std::string_view key : kSlaKeys) {
      const AttributeValue* value = attributes.find(key);
      if (value == nullptr) {
        fail(R34, span, key, "SLA enforcement is active but " + std::string(key) + " is missing");
      } else if (!has_declared_type(*value, find_defined_attribute(key)->type)) {
        fail(R34, span, key,
             std::string(key) + " must be " +
                 std::string(to_string(find_defined_attribute(key)->type)) + ", found " +
                 std::string(value_type_name(*value)));
      }
    }
    const std::int64_t* target = attributes.find_int(kSlaLatencyTargetMs);
    const std::int64_t* actual = attributes.find_int(kSlaActualLatencyMs);
    const bool* met = attributes.find_bool(kSlaMet);
    if (target != nullptr && actual != nullptr && met != nullptr && *met != (*actual <= *target)) {
      fail(R34, span, kSlaMet,
           "genops.sla.met is " + std::string(*met ? "true" : "false") + " but actual " +
               std::to_string(*actual) + " ms vs target " + std::to_string(*target) + " ms");
    }
    if (const std::string* tier = attributes.find_string(kSlaTier); tier && is_placeholder(*tier)) {
      fail(R44, span, kSlaTier, "genops.sla.tier is empty or a placeholder");
    }
  }

  static std::vector<std::size_t> event_order(const Span& span) {
    std::vector<std::size_t> order(span.events.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const bool sequenced = std::all_of(span.events.begin(), span.events.end(), [](const auto& e) {
      return e.attributes.find_int(sim_telemetry::kSequence) != nullptr;
    });
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const SpanEvent& left = span.events[a];
      const SpanEvent& right = span.events[b];
      if (left.time_unix_nano != right.time_unix_nano) {
        return left.time_unix_nano < right.time_unix_nano;
      }
      if (sequenced) {
        return *left.attributes.find_int(sim_telemetry::kSequence) <
               *right.attributes.find_int(sim_telemetry::kSequence);
      }
      return a < b;
    });
    return order;
  }

  // R8, R10, R27 across records that share one AWU identity.
  void check_identity() {
    touch(R8, !awu_indices_.empty());
    std::unordered_map<std::string, std::size_t> first_seen;
    first_seen.reserve(awu_indices_.size());
    for (const std::size_t index : awu_indices_) {
      const LoadedSpan& loaded = run_.spans[index];
      const Span& span = loaded.span;
      auto [it, inserted] = first_seen.emplace(span.trace_id + "/" + span.span_id, index);
      if (inserted) {
        continue;
      }
      const Span& first = run_.spans[it->second].span;
      if (first == span) {
        continue;  // a duplicate delivery of the same record
      }
      const std::string earlier =
          " (first seen at " + run_.describe(run_.spans[it->second].location) + ")";
      for (const std::string_view key : kAttributionKeys) {
        const AttributeValue* before = first.attributes.find(key);
        const AttributeValue* after = span.attributes.find(key);
        if (before != nullptr && after != nullptr && *before != *after) {
          touch(R10);
          fail(R10, loaded, key, std::string(key) + " changed for the same AWU" + earlier);
        }
      }
      if (first.name != span.name || first.start_time_unix_nano != span.start_time_unix_nano ||
          first.attributes.find(kOperationName) == nullptr ||
          span.attributes.find(kOperationName) == nullptr ||
          *first.attributes.find(kOperationName) != *span.attributes.find(kOperationName)) {
        fail(R8, loaded, "spanId", "AWU identity reused by a different unit of work" + earlier);
        continue;
      }
      const AttributeValue* result_before = first.attributes.find(kPolicyResult);
      const AttributeValue* result_after = span.attributes.find(kPolicyResult);
      const AttributeValue* code_before = first.attributes.find(kPolicyReasonCode);
      const AttributeValue* code_after = span.attributes.find(kPolicyReasonCode);
      const auto differs = [](const AttributeValue* a, const AttributeValue* b) {
        return (a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b);
      };
      if (result_before != nullptr &&
          (differs(result_before, result_after) || differs(code_before, code_after))) {
        fail(R27, loaded, kPolicyResult, "the AWU's recorded decision was modified" + earlier);
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  static std::vector<AwuFingerprint> fingerprints(const TelemetryDataset& data) {
    std::vector<AwuFingerprint> result;
    for (const LoadedSpan& loaded : data.spans) {
      const Span& span = loaded.span;
      const bool awu =
          std::any_of(span.attributes.items().begin(), span.attributes.items().end(),
                      [](const Attribute& a) { return a.key.starts_with(kGenopsNamespacePrefix); });
      if (!awu) {
        continue;
      }
      AwuFingerprint print;
      print.trace_id = span.trace_id;
      print.span_id = span.span_id;
      print.location = data.describe(loaded.location);
      if (const std::string* name = span.attributes.find_string(kOperationName)) {
        print.operation_name = *name;
      }
      for (const std::size_t index : event_order(span)) {
        const SpanEvent& event = span.events[index];
        if (event.name == genops_event::kPolicyEvaluated) {
          DecisionFacts facts;
          if (const std::string* text = event.attributes.find_string(kPolicyResult)) {
            facts.result = *text;
          }
          if (const std::string* text = event.attributes.find_string(kPolicyReasonCode)) {
            facts.reason_code = *text;
            facts.has_reason_code = true;
          }
          print.decisions.push_back(facts);
        } else if (event.name == genops_event::kBudgetReservation) {
          std::string text;
          for (const std::string_view key :
               {kAccountingReserved, kAccountingUnit, kBudgetName, kBudgetRemaining}) {
            const AttributeValue* value = event.attributes.find(key);
            text += std::string(key) + "=";
            if (value == nullptr) {
              text += "-";
            } else if (const auto* number = std::get_if<double>(value)) {
              text += format_double(*number);
            } else if (const auto* string = std::get_if<std::string>(value)) {
              text += *string;
            } else {
              text += value_type_name(*value);
            }
            text += " ";
          }
          print.reservations.push_back(text);
        }
      }
      result.push_back(std::move(print));
    }
    return result;
  }

  void check_determinism(const TelemetryDataset& replay) {
    touch(R21);
    const std::vector<AwuFingerprint> first = fingerprints(run_);
    const std::vector<AwuFingerprint> second = fingerprints(replay);
    const auto report = [&](const AwuFingerprint& print, std::string_view subject,
                            std::string what) {
      fail(R21, print.location, print.trace_id, print.span_id, std::string(subject),
           std::move(what));
    };
    const auto compare = [&](const AwuFingerprint& a, const AwuFingerprint& b) {
      if (a.operation_name != b.operation_name) {
        report(a, kOperationName,
               "replay has operation '" + b.operation_name + "' at " + b.location);
      } else if (a.decisions != b.decisions) {
        const std::string theirs =
            b.decisions.empty() ? "none"
                                : b.decisions.back().result + " " + b.decisions.back().reason_code;
        report(a, genops_event::kPolicyEvaluated,
               "the replay decided differently (" + theirs + ") at " + b.location);
      } else if (a.reservations != b.reservations) {
        report(
            a, genops_event::kBudgetReservation,
            "the replay reserved differently at " + b.location + ": " +
                (b.reservations.empty() ? std::string("no reservation") : b.reservations.front()));
      }
    };
    if (options_.determinism_match == DeterminismMatch::ByOrder) {
      const std::size_t common = std::min(first.size(), second.size());
      for (std::size_t i = 0; i < common; ++i) {
        compare(first[i], second[i]);
      }
      if (first.size() != second.size()) {
        fail(R21, replay.files.empty() ? "" : replay.files.front(), {}, {}, {},
             "the runs have " + std::to_string(first.size()) + " and " +
                 std::to_string(second.size()) + " AWUs");
      }
      return;
    }
    std::unordered_map<std::string, std::size_t> by_id;
    for (std::size_t i = 0; i < second.size(); ++i) {
      by_id.emplace(second[i].trace_id + "/" + second[i].span_id, i);
    }
    std::unordered_map<std::string, bool> matched;
    for (const AwuFingerprint& print : first) {
      const auto found = by_id.find(print.trace_id + "/" + print.span_id);
      if (found == by_id.end()) {
        report(print, "spanId", "the AWU is missing from the replay");
        continue;
      }
      matched[found->first] = true;
      compare(print, second[found->second]);
    }
    for (const AwuFingerprint& print : second) {
      if (!matched.contains(print.trace_id + "/" + print.span_id)) {
        report(print, "spanId", "the replay has an AWU the first run lacks");
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  ConformanceReport build_report(const TelemetryDataset* replay) {
    ConformanceReport report;
    report.files = run_.files;
    if (replay != nullptr) {
      report.replay_files = replay->files;
    }
    report.records = run_.records;
    report.skipped_records = run_.skipped_records;
    report.spans = run_.spans.size();
    report.awus = awu_indices_.size();

    state_[R12 - 1].applicable = state_[R14 - 1].applicable;
    if (state_[R14 - 1].violations + state_[R18 - 1].violations > 0) {
      state_[R12 - 1].violations = 1;
      state_[R12 - 1].note = "derived: an executed AWU lacks a phase (see R14, R18)";
    } else {
      state_[R12 - 1].note =
          "derived from R14 (pre-execution) and R18 (post-execution); decisions: R39";
    }
    if (replay == nullptr) {
      state_[R21 - 1].note =
          "needs a second run of the same input (ConformanceOptions::replay_files)";
    }
    state_[R33 - 1].note =
        "applies to consumers; this checker reads unknown codes and reports "
        "them under R30-R32";
    state_[R49 - 1].note = "a version-range claim is not visible in telemetry";
    if (!awu_indices_.empty()) {
      touch(R47);
      state_[R47 - 1].note = "every result above was computed from the telemetry alone";
    }

    // The level the evidence supports, before looking at what the telemetry claims.
    bool general_ok = true;
    bool core_ok = true;
    bool invariant_ok = true;
    bool events_ok = true;
    for (std::size_t i = 0; i < kRequirements.size(); ++i) {
      const RequirementInfo& info = kRequirements[i];
      if (info.level != RequirementLevel::Must || state_[i].violations == 0) {
        continue;
      }
      const std::string id = "R" + std::to_string(i + 1);
      switch (info.criterion) {
        case Criterion::General:
          general_ok = false;
          report.missing.push_back(id + " (" + info.summary + ")");
          break;
        case Criterion::Invariant:
          invariant_ok = false;
          report.missing.push_back(id + " (accounting invariant: " + info.summary + ")");
          break;
        case Criterion::Events:
          events_ok = false;
          report.missing.push_back(id + " (required events: " + info.summary + ")");
          break;
        case Criterion::Declaration:
        case Criterion::Advisory:
          break;
        default:
          core_ok = false;
          report.missing.push_back(id + " (" + info.summary + ")");
      }
    }
    ComplianceLevel evidence = ComplianceLevel::None;
    if (awu_indices_.empty()) {
      report.missing.push_back("no AWU in the telemetry: nothing to verify");
    } else if (general_ok && core_ok) {
      evidence = invariant_ok && events_ok ? ComplianceLevel::Full : ComplianceLevel::Partial;
    }
    check_declarations(report, evidence);
    report.level = evidence;
    for (const std::size_t req : {R45, R46, R50}) {
      if (state_[req - 1].violations > 0) {
        report.level = ComplianceLevel::None;
        report.missing.push_back("R" + std::to_string(req) + " (" + kRequirements[req - 1].summary +
                                 ")");
      }
    }

    for (std::size_t i = 0; i < kRequirements.size(); ++i) {
      const RequirementInfo& info = kRequirements[i];
      State& state = state_[i];
      RequirementResult result;
      result.id = "R" + std::to_string(i + 1);
      result.section = info.section;
      result.level = info.level;
      result.summary = info.summary;
      result.violations = state.violations;
      result.findings = std::move(state.findings);
      result.note = std::move(state.note);
      result.status = state.violations > 0 ? RequirementStatus::Fail
                      : state.applicable   ? RequirementStatus::Pass
                                           : RequirementStatus::NotApplicable;
      report.requirements.push_back(std::move(result));
    }
    return report;
  }

  // §9.2, §9.3, §11.4: what the telemetry claims versus what it shows.
  void check_declarations(ConformanceReport& report, ComplianceLevel evidence) {
    std::vector<std::uint32_t> used;
    for (const std::size_t index : awu_indices_) {
      used.push_back(run_.spans[index].resource);
    }
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    for (const std::uint32_t resource : used) {
      for (const Attribute& attribute : run_.resources[resource].attributes.items()) {
        const std::string* text = std::get_if<std::string>(&attribute.value);
        if (text != nullptr && text->starts_with("GenOps v") &&
            std::find(report.declared_levels.begin(), report.declared_levels.end(), *text) ==
                report.declared_levels.end()) {
          report.declared_levels.push_back(*text);
        }
      }
    }
    const std::string location = run_.files.empty() ? std::string() : run_.files.front();
    bool claims_full = false;
    bool claims_partial = false;
    for (const std::string& declared : report.declared_levels) {
      touch(R50);
      if (declared == kFullComplianceDeclaration) {
        claims_full = true;
      } else if (declared == kPartialComplianceDeclaration) {
        claims_partial = true;
      } else {
        fail(R50, location, {}, {}, "resource",
             "declaration '" + declared + "' is not exactly '" +
                 std::string(kFullComplianceDeclaration) + "' or '" +
                 std::string(kPartialComplianceDeclaration) + "'");
      }
    }
    if (claims_full && claims_partial) {
      fail(R50, location, {}, {}, "resource", "the telemetry declares both full and partial");
    }
    touch(R45, evidence == ComplianceLevel::Partial || claims_full || claims_partial);
    if (claims_full && evidence == ComplianceLevel::Partial) {
      fail(R45, location, {}, {}, "resource",
           "declares full compliance but the telemetry shows " + std::string(to_string(evidence)));
    } else if (evidence == ComplianceLevel::Partial && !claims_partial) {
      fail(R45, location, {}, {}, "resource",
           "partially compliant telemetry must declare '" +
               std::string(kPartialComplianceDeclaration) + "'");
    }
    touch(R46, !report.declared_levels.empty());
    if (!report.declared_levels.empty() && evidence == ComplianceLevel::None) {
      fail(R46, location, {}, {}, "resource",
           "claims '" + report.declared_levels.front() + "' but meets neither §9.1 nor §9.2");
    }
  }

  const TelemetryDataset& run_;
  const ConformanceOptions& options_;
  std::vector<std::string_view> suffixes_;
  std::array<State, kRequirements.size()> state_{};
  std::vector<std::size_t> awu_indices_;
};

TelemetryDataset load(const std::vector<std::string>& files) {
  TelemetryDataset dataset;
  for (const std::string& file : files) {
    try {
      read_otlp_json_lines_file(file, dataset);
    } catch (const OtlpJsonError& error) {
      throw ConformanceInputError(error.what());
    }
  }
  return dataset;
}

const char* status_text(RequirementStatus status) {
  switch (status) {
    case RequirementStatus::Pass:
      return "PASS";
    case RequirementStatus::Fail:
      return "FAIL";
    case RequirementStatus::NotApplicable:
      return "NOT APPLICABLE";
  }
  return "?";
}

}  // namespace

std::string_view to_string(RequirementStatus status) {
  return status_text(status);
}

std::string_view to_string(ComplianceLevel level) {
  switch (level) {
    case ComplianceLevel::Full:
      return kFullComplianceDeclaration;
    case ComplianceLevel::Partial:
      return kPartialComplianceDeclaration;
    case ComplianceLevel::None:
      return "no GenOps v0.1 compliance";
  }
  return "?";
}

const RequirementResult& ConformanceReport::requirement(std::string_view id) const {
  const auto found =
      std::find_if(requirements.begin(), requirements.end(),
                   [id](const RequirementResult& result) { return result.id == id; });
  GENOPS_ASSERT(found != requirements.end(), "unknown requirement id " + std::string(id));
  return *found;
}

std::vector<std::string> ConformanceReport::failing(bool include_should) const {
  std::vector<std::string> ids;
  for (const RequirementResult& result : requirements) {
    if (result.status == RequirementStatus::Fail &&
        (include_should || result.level == RequirementLevel::Must)) {
      ids.push_back(result.id);
    }
  }
  return ids;
}

ConformanceReport check_conformance(const std::vector<std::string>& files,
                                    const ConformanceOptions& options) {
  if (files.empty()) {
    throw ConformanceInputError("conformance: no telemetry file given");
  }
  const TelemetryDataset run = load(files);
  if (options.replay_files.empty()) {
    return check_conformance(run, nullptr, options);
  }
  const TelemetryDataset replay = load(options.replay_files);
  return check_conformance(run, &replay, options);
}

ConformanceReport check_conformance(const TelemetryDataset& run, const TelemetryDataset* replay,
                                    const ConformanceOptions& options) {
  Checker checker(run, options);
  return checker.run(replay);
}

void print_report(const ConformanceReport& report, std::ostream& out, bool json) {
  if (json) {
    nlohmann::ordered_json document;
    document["spec_version"] = kGenopsSpecVersion;
    document["files"] = report.files;
    document["replay_files"] = report.replay_files;
    document["records"] = report.records;
    document["skipped_records"] = report.skipped_records;
    document["spans"] = report.spans;
    document["awus"] = report.awus;
    document["compliance_level"] = to_string(report.level);
    document["fully_compliant"] = report.fully_compliant();
    document["missing"] = report.missing;
    document["declared_levels"] = report.declared_levels;
    nlohmann::ordered_json requirements = nlohmann::ordered_json::array();
    for (const RequirementResult& result : report.requirements) {
      nlohmann::ordered_json entry;
      entry["id"] = result.id;
      entry["section"] = result.section;
      entry["level"] = result.level == RequirementLevel::Must ? "MUST" : "SHOULD";
      entry["summary"] = result.summary;
      entry["status"] = to_string(result.status);
      entry["violations"] = result.violations;
      if (!result.note.empty()) {
        entry["note"] = result.note;
      }
      nlohmann::ordered_json findings = nlohmann::ordered_json::array();
      for (const Finding& finding : result.findings) {
        findings.push_back({{"location", finding.location},
                            {"trace_id", finding.trace_id},
                            {"span_id", finding.span_id},
                            {"subject", finding.subject},
                            {"message", finding.message}});
      }
      entry["findings"] = std::move(findings);
      requirements.push_back(std::move(entry));
    }
    document["requirements"] = std::move(requirements);
    out << document.dump(2) << '\n';
    return;
  }
  out << "GenOps v" << kGenopsSpecVersion << " conformance of";
  for (const std::string& file : report.files) {
    out << ' ' << file;
  }
  out << "\n  " << report.records << " records, " << report.spans << " spans, " << report.awus
      << " AWUs";
  if (report.skipped_records > 0) {
    out << " (" << report.skipped_records << " log/metric records not checked)";
  }
  out << '\n';
  for (const RequirementResult& result : report.requirements) {
    out << "  " << result.id << (result.id.size() < 3 ? "  " : " ") << ' '
        << (result.level == RequirementLevel::Must ? "MUST  " : "SHOULD") << ' '
        << to_string(result.status);
    out << std::string(16 - to_string(result.status).size(), ' ') << result.summary;
    if (result.violations > 0) {
      out << " [" << result.violations << " violation" << (result.violations == 1 ? "" : "s")
          << "]";
    }
    out << '\n';
    if (!result.note.empty() && result.status != RequirementStatus::Pass) {
      out << "        note: " << result.note << '\n';
    }
    for (const Finding& finding : result.findings) {
      out << "        " << finding.location;
      if (!finding.trace_id.empty()) {
        out << " trace=" << finding.trace_id << " span=" << finding.span_id;
      }
      if (!finding.subject.empty()) {
        out << " [" << finding.subject << "]";
      }
      out << ": " << finding.message << '\n';
    }
  }
  out << "Compliance: " << to_string(report.level) << '\n';
  if (!report.missing.empty()) {
    out << "  missing:\n";
    for (const std::string& reason : report.missing) {
      out << "    - " << reason << '\n';
    }
  }
}

}  // namespace genops::telemetry
