// The fast AWU serialiser (write_awus_otlp) against the reference path (export_awus +
// telemetry::OtlpJsonLinesWriter): byte-identical output on real genops runs and on hand-made
// records covering every lifecycle branch, and full v0.1 conformance of what it writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/calendar.hpp"
#include "models/strategy.hpp"
#include "results/awu_export.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "telemetry/conformance.hpp"
#include "telemetry/otlp_json.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

std::string reference_lines(const std::vector<models::AwuRecord>& awus,
                            const std::vector<models::CanaryStageRecord>& stages,
                            const AwuExportContext& context,
                            const telemetry::Attributes& resource) {
  const std::vector<telemetry::Span> spans = export_awus(awus, stages, context);
  std::ostringstream text;
  telemetry::OtlpJsonLinesWriter writer(text, resource, telemetry_scope());
  for (const telemetry::Span& span : spans) {
    writer.write(span);
  }
  return std::move(text).str();
}

// Where two outputs first differ, with some context (the outputs are megabytes long).
std::string first_difference(const std::string& actual, const std::string& expected) {
  const auto [a, e] = std::mismatch(actual.begin(), actual.end(), expected.begin(), expected.end());
  const auto offset = static_cast<std::size_t>(a - actual.begin());
  const std::size_t from = offset > 80 ? offset - 80 : 0;
  return "sizes " + std::to_string(actual.size()) + " vs " + std::to_string(expected.size()) +
         "; first difference at byte " + std::to_string(offset) + "\n  fast:      ..." +
         actual.substr(from, 160) + "\n  reference: ..." + expected.substr(from, 160);
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Resource as write_study_telemetry builds it.
telemetry::Attributes run_resource(const AwuExportContext& context, const std::string& strategy,
                                   std::int64_t replication) {
  telemetry::Attributes resource = telemetry_resource(context);
  resource.set("sim.strategy", strategy);
  resource.set("sim.replication", replication);
  return resource;
}

TEST(AwuExport, FastPathMatchesReferenceOnRealRunsAndIsFullyCompliant) {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  models::Scenario scenario =
      scenarios::load_scenario(std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml", registry);
  const fs::path file = fs::temp_directory_path() / "genops_awu_export_test.jsonl";
  std::string all_fast;
  std::size_t total_spans = 0;
  for (const std::uint64_t seed : {42ULL, 7ULL, 20240304ULL}) {
    scenario.seed = seed;
    const auto strategy = registry.create("genops", scenario);
    for (int replication = 0; replication < 2; ++replication) {
      const scenarios::RunResult run = scenarios::run_once(scenario, *strategy, replication);
      for (std::size_t o = 0; o < run.organizations.size(); ++o) {
        const models::PipelineOutput& output = run.organizations[o];
        AwuExportContext context;
        context.team = scenario.organizations[o].team;
        context.project = scenario.project;
        context.environment = scenario.environment;
        context.organization = scenario.organizations[o].name;
        context.service_names = output.service_names;
        context.start_day = models::days_from_iso_date(scenario.start_date);
        context.utc_offset_hours = scenario.organizations[o].utc_offset_hours;
        context.run_nonce = run_nonce_of("genops");
        context.seed = run.seed;
        context.replication = static_cast<std::uint32_t>(replication);
        const telemetry::Attributes resource = run_resource(context, "genops", replication);
        const std::string expected = reference_lines(output.awus, output.stages, context, resource);
        std::string fast = "previous content\n";
        const std::size_t spans =
            write_awus_otlp(fast, output.awus, output.stages, context, resource);
        ASSERT_TRUE(fast.starts_with("previous content\n"));
        fast.erase(0, std::string_view("previous content\n").size());
        ASSERT_FALSE(expected.empty()) << "seed " << seed << " organization " << o;
        EXPECT_EQ(spans, line_count(expected));
        ASSERT_TRUE(fast == expected)
            << "seed " << seed << " replication " << replication << " organization " << o << ": "
            << first_difference(fast, expected);
        total_spans += spans;
        all_fast += fast;
      }
    }
  }
  EXPECT_GT(total_spans, 1000U);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << all_fast;
  }
  // Three seeds share run nonce and replications but not ids (the seed is part of the key).
  const telemetry::ConformanceReport report = telemetry::check_conformance({file.string()});
  fs::remove(file);
  EXPECT_EQ(report.spans, total_spans);
  EXPECT_TRUE(report.fully_compliant()) << testing::PrintToString(report.failing(true));
}

TEST(TelemetryIdDeriver, DerivesTheIdsOfDeriveTraceAndSpanId) {
  telemetry::TelemetryIdDeriver ids;
  for (std::uint64_t deployment : {0ULL, 1ULL, (2ULL << 32) | 77U, ~0ULL}) {
    for (std::uint32_t replication : {0U, 9U}) {
      const telemetry::TelemetryIdKey key{run_nonce_of("genops"), 42, replication, deployment};
      const auto trace = ids.trace_id(key);
      EXPECT_EQ(std::string(trace.data(), trace.size()), telemetry::derive_trace_id(key));
      for (std::uint32_t step : {0U, 1U, 2U, 65535U}) {
        const auto span = ids.span_id(key, step);
        EXPECT_EQ(std::string(span.data(), span.size()), telemetry::derive_span_id(key, step));
      }
    }
  }
}

// A context whose strings need JSON escaping, and records covering every branch of the AWU
// lifecycle in export_awus.
class HandMadeAwus : public testing::Test {
 protected:
  HandMadeAwus() {
    context_.team = "team \"alpha\"";
    context_.project = "proj\\ect";
    context_.environment = "prod\tuction";
    context_.organization = "org \u2014 one\n";
    context_.service_names = {"checkout", "pay\"ments", "search\x01"};
    context_.start_day = models::days_from_iso_date("2024-03-04");
    context_.utc_offset_hours = -5;
    context_.run_nonce = run_nonce_of("genops");
    context_.seed = 11;
    context_.replication = 3;
  }

  models::AwuRecord base(std::uint64_t deployment, std::uint16_t sequence, models::AwuKind kind,
                         models::AwuBudget budget, double start) const {
    models::AwuRecord a;
    a.deployment = deployment;
    a.sequence = sequence;
    a.kind = kind;
    a.budget = budget;
    a.service = static_cast<std::uint16_t>(deployment % context_.service_names.size());
    a.start_min = start;
    a.end_min = start + 1;
    return a;
  }

  // reserve -> decide -> execute -> reconcile, times from `start`.
  models::AwuRecord executed(std::uint64_t deployment, std::uint16_t sequence, models::AwuKind kind,
                             models::AwuBudget budget, double start) const {
    models::AwuRecord a = base(deployment, sequence, kind, budget, start);
    a.reserve_min = start + 0.5;
    a.reserved = 12.5;
    a.budget_remaining = 87.5;
    a.decision_min = start + 1;
    a.policy = models::AwuPolicy::ErrorBudgetProtection;
    a.exec_start_min = start + 2;
    a.exec_end_min = start + 30;
    a.reconcile_min = start + 31;
    a.actual = 3.0;
    a.end_min = start + 31;
    return a;
  }

  std::vector<models::AwuRecord> records() const {
    using models::AwuBudget;
    using models::AwuKind;
    using models::AwuReason;
    using models::AwuResult;
    std::vector<models::AwuRecord> awus;
    // Agent proposal at 23:00 local on March 31st (04:00 UTC on April 1st): the March budget.
    models::AwuRecord propose =
        executed(1, 0, AwuKind::AgentPropose, AwuBudget::AiCost, 27.0 * 1440 + 28 * 60);
    propose.policy = models::AwuPolicy::None;
    propose.reserved = 0.04;
    propose.actual = 0.0312;
    propose.tokens_input = 1800;
    propose.tokens_output = 420;
    awus.push_back(propose);
    // Another deployment's proposal in between: the trace cache must switch and come back.
    models::AwuRecord other = executed(2, 0, AwuKind::AgentPropose, AwuBudget::AiCost, 100);
    other.tokens_input = 10;
    other.tokens_output = 1;
    other.actual = 0.0;
    awus.push_back(other);
    // Rollout of deployment 1 (links to its proposal): approval requested and resolved,
    // WARNING with an extension code, canary analyses inside and outside the execution.
    models::AwuRecord rollout =
        executed(1, 1, AwuKind::DeployRollout, AwuBudget::ErrorBudget, propose.end_min + 1);
    rollout.linked_to = 0;
    rollout.approval_requested_min = rollout.start_min + 0.1;
    rollout.approval_resolved_min = rollout.start_min + 0.4;
    rollout.result = AwuResult::Warning;
    rollout.reason = AwuReason::LargeChange;
    rollout.policy = models::AwuPolicy::LargeChangeCaution;
    rollout.actual = 17.25;  // more than reserved: a positive reconciliation delta
    awus.push_back(rollout);
    // Rollback of deployment 1 on the emergency budget, linked to the rollout; execution end
    // not recorded (falls back to end_min).
    models::AwuRecord rollback =
        executed(1, 2, AwuKind::DeployRollback, AwuBudget::Emergency, rollout.end_min + 1);
    rollback.linked_to = 1;
    rollback.exec_end_min = -1;
    rollback.end_min = rollback.exec_start_min + 5;
    rollback.reconcile_min = rollback.end_min;
    awus.push_back(rollback);
    // Failed reservations: BUDGET_EXCEEDED and BUDGET_RESERVATION_FAILED.
    models::AwuRecord exceeded = base(3, 0, AwuKind::AgentPropose, AwuBudget::AiCost, 200);
    exceeded.decision_min = 200.5;
    exceeded.requested = 0.05;
    exceeded.result = AwuResult::Blocked;
    exceeded.reason = AwuReason::BudgetExceeded;
    exceeded.policy = models::AwuPolicy::AiCostBudget;
    awus.push_back(exceeded);
    models::AwuRecord unreserved = exceeded;
    unreserved.deployment = 4;
    unreserved.reason = AwuReason::BudgetReservationFailed;
    unreserved.requested = 0.0;
    awus.push_back(unreserved);
    // Blocked before any reservation (change freeze), with an approval still pending.
    models::AwuRecord frozen = base(5, 0, AwuKind::DeployRollout, AwuBudget::ErrorBudget, 300);
    frozen.approval_requested_min = 300.2;
    frozen.decision_min = 300.9;
    frozen.result = AwuResult::Blocked;
    frozen.reason = AwuReason::ChangeFreezeWindow;
    frozen.policy = models::AwuPolicy::NoFridayDeployments;
    awus.push_back(frozen);
    // Rate limited, retried later as a new AWU linked to it.
    models::AwuRecord limited = base(6, 0, AwuKind::DeployRollout, AwuBudget::ErrorBudget, 400);
    limited.decision_min = 400;
    limited.result = AwuResult::RateLimited;
    limited.reason = AwuReason::RateLimited;
    limited.policy = models::AwuPolicy::DeployRateLimit;
    limited.end_min = 400;
    awus.push_back(limited);
    models::AwuRecord retry = executed(6, 1, AwuKind::DeployRollout, AwuBudget::ErrorBudget, 460);
    retry.linked_to = 0;
    awus.push_back(retry);
    // Reserved, then blocked: the reservation is released.
    models::AwuRecord released = base(7, 0, AwuKind::DeployRollout, AwuBudget::ErrorBudget, 500);
    released.reserve_min = 500;
    released.reserved = 40;
    released.budget_remaining = -3.5;
    released.decision_min = 500.25;
    released.result = AwuResult::Blocked;
    released.reason = AwuReason::ErrorBudgetLow;
    released.policy = models::AwuPolicy::ErrorBudgetProtection;
    released.end_min = 502;
    awus.push_back(released);
    // Executed but not reconciled at the horizon (incomplete), actual unknown.
    models::AwuRecord open = executed(8, 0, AwuKind::DeployRollout, AwuBudget::ErrorBudget, 600);
    open.reconcile_min = -1;
    open.actual = -1;
    open.exec_end_min = -1;
    open.end_min = 700;
    awus.push_back(open);
    // An agent proposal still executing at the horizon: cost and reconciliation at its end.
    models::AwuRecord thinking = executed(10, 0, AwuKind::AgentPropose, AwuBudget::AiCost, 650);
    thinking.reconcile_min = -1;
    thinking.actual = -1;
    thinking.exec_end_min = -1;
    thinking.end_min = thinking.exec_start_min + 1;
    awus.push_back(thinking);
    // Undecided at the horizon: not exported.
    models::AwuRecord undecided = base(9, 0, AwuKind::DeployRollout, AwuBudget::ErrorBudget, 800);
    undecided.approval_requested_min = 801;
    awus.push_back(undecided);
    return awus;
  }

  std::vector<models::CanaryStageRecord> stages(const std::vector<models::AwuRecord>& awus) const {
    const models::AwuRecord& rollout = awus[2];
    const models::AwuRecord& open = awus[10];
    std::vector<models::CanaryStageRecord> result;
    const auto stage = [&](std::uint64_t deployment, std::uint8_t index, double start, double bake,
                           float rate, bool promoted) {
      models::CanaryStageRecord s;
      s.deployment = deployment;
      s.stage = index;
      s.start_min = start;
      s.bake_min = bake;
      s.observed_error_rate = rate;
      s.promoted = promoted;
      result.push_back(s);
    };
    stage(1, 0, rollout.exec_start_min - 1, 5, 0.5F, true);  // before execution: skipped
    stage(8, 0, open.exec_start_min + 1, 10, 0.0F, true);    // the incomplete rollout
    stage(1, 1, rollout.exec_start_min, 10, 0.001F, true);
    stage(1, 2, rollout.exec_start_min + 10, 30, 0.0421F, false);  // bake past the end: clipped
    stage(1, 3, rollout.exec_end_min + 1, 5, 0.0F, true);          // after execution: skipped
    return result;
  }

  AwuExportContext context_;
};

TEST_F(HandMadeAwus, FastPathMatchesReferenceOnEveryBranch) {
  const std::vector<models::AwuRecord> awus = records();
  const std::vector<models::CanaryStageRecord> canary = stages(awus);
  const telemetry::Attributes resource = run_resource(context_, "gen\"ops", 3);
  const std::string expected = reference_lines(awus, canary, context_, resource);
  std::string fast;
  const std::size_t spans = write_awus_otlp(fast, awus, canary, context_, resource);
  EXPECT_EQ(spans, awus.size() - 1);
  EXPECT_EQ(line_count(expected), awus.size() - 1);
  EXPECT_TRUE(fast == expected) << first_difference(fast, expected);
  // The records do reach every branch.
  for (const char* fragment :
       {"sim.accounting.requested", "BUDGET_EXCEEDED", "BUDGET_RESERVATION_FAILED",
        "x_change_freeze_window", "RATE_LIMITED", "sim.budget.release", "x_error_budget_low",
        "sim.accounting.incomplete", "deploy.rollback", "genops.cost.calculated",
        "genops.tokens.total", "sim.approval.requested", "sim.approval.resolved", "\"links\"",
        "genops.evaluation.complete", "\"WARNING\"", "llm/team \\\"alpha\\\"/2024-03",
        "emergency/org \u2014 one\\n", "slo/search\\u0001/availability"}) {
    EXPECT_NE(expected.find(fragment), std::string::npos) << fragment;
  }
}

TEST_F(HandMadeAwus, EachRecordAloneMatchesReference) {
  // Alone, every record starts a fresh sequence, trace cache and budget cache.
  const std::vector<models::AwuRecord> awus = records();
  const std::vector<models::CanaryStageRecord> canary = stages(awus);
  const telemetry::Attributes resource = telemetry_resource(context_);
  for (std::size_t i = 0; i < awus.size(); ++i) {
    const std::vector<models::AwuRecord> one{awus[i]};
    std::string fast;
    write_awus_otlp(fast, one, canary, context_, resource);
    const std::string expected = reference_lines(one, canary, context_, resource);
    EXPECT_TRUE(fast == expected) << "record " << i << ": " << first_difference(fast, expected);
  }
}

TEST_F(HandMadeAwus, EmptyInputWritesNothing) {
  std::string fast;
  EXPECT_EQ(write_awus_otlp(fast, {}, {}, context_, telemetry_resource(context_)), 0U);
  EXPECT_TRUE(fast.empty());
}

}  // namespace
}  // namespace genops::results
