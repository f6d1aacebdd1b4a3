#include "analysis/awu_export.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "analysis/awu_builder.hpp"
#include "analysis/genops_vocabulary.hpp"
#include "engine/random.hpp"
#include "models/calendar.hpp"

namespace genops::analysis {

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
  using models::AwuBudget;
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
    std::string budget_name;
    switch (a.budget) {
      case AwuBudget::AiCost: {
        const double local_minutes = a.start_min + 60.0 * context.utc_offset_hours;
        const int day = context.start_day + static_cast<int>(std::floor(local_minutes / 1440.0));
        budget_name =
            "llm/" + context.team + "/" + models::month_name(models::month_index_of_day(day));
        break;
      }
      case AwuBudget::ErrorBudget:
        budget_name = "slo/" + context.service_names.at(a.service) + "/availability";
        break;
      case AwuBudget::Emergency:
        budget_name = "emergency/" + context.organization;
        break;
    }
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
                                   a.policy);
      } else {
        builder.decide(at(a.decision_min), to_policy_result(a.result), reason, a.policy);
      }
      spans.push_back(std::move(builder).finish(at(a.end_min)));
      continue;
    }
    builder.reserve(at(a.reserve_min), a.reserved, unit, budget_name, a.budget_remaining);
    builder.decide(at(a.decision_min), to_policy_result(a.result), reason, a.policy);
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
      builder.cost_calculated(at(a.reconcile_min), a.actual, "USD", "simulated", "genops-agent");
    }
    spans.push_back(std::move(builder).finish(at(std::max(a.end_min, a.reconcile_min))));
  }
  return spans;
}

}  // namespace genops::analysis
