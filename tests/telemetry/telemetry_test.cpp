#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "telemetry/awu_builder.hpp"
#include "telemetry/genops_vocabulary.hpp"
#include "telemetry/otlp_json.hpp"
#include "telemetry/telemetry.hpp"

namespace genops::telemetry {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kEpoch = 1'752'156'000 * kSecond;  // 2025-07-10T14:00:00Z

AwuAttribution payments() {
  return AwuAttribution{"payments", "checkout-api", "production"};
}

AwuIdentity identity(std::uint64_t deployment, std::uint32_t step) {
  const TelemetryIdKey key{0, 42, 0, deployment};
  return AwuIdentity{derive_trace_id(key), derive_span_id(key, step), derive_span_id(key, 0)};
}

Span executed_rollout(std::uint64_t& sequence) {
  AwuBuilder builder(identity(123, 2), "deploy.rollout", "deployment", payments(), kEpoch);
  builder.sequence_events(sequence)
      .reserve(kEpoch + 1, 12.5, "error_budget_minutes", "slo/checkout-api", 187.5)
      .decide(kEpoch + 2, PolicyResult::Allowed, std::nullopt, "prod-deploy-gate")
      .start_execution(kEpoch + 3)
      .evaluation_complete(kEpoch + 10 * kSecond, "canary.error_rate_ratio", 0.8, 1.5, true)
      .end_execution(kEpoch + 20 * kSecond)
      .reconcile(kEpoch + 21 * kSecond, 3.0)
      .set_sla("standard", 3'600'000, 21'000)
      .set_attribute("deployment.id", std::string("dep-000123"));
  return std::move(builder).finish(kEpoch + 21 * kSecond);
}

TEST(GenopsVocabulary, DecisionStatesAreClosedAndCaseSensitive) {
  EXPECT_EQ(parse_policy_result("ALLOWED"), PolicyResult::Allowed);
  EXPECT_EQ(parse_policy_result("RATE_LIMITED"), PolicyResult::RateLimited);
  EXPECT_FALSE(parse_policy_result("allowed"));
  EXPECT_FALSE(parse_policy_result("PENDING"));
  EXPECT_EQ(to_string(PolicyResult::Warning), "WARNING");
  EXPECT_TRUE(authorizes_execution(PolicyResult::Warning));
  EXPECT_FALSE(authorizes_execution(PolicyResult::RateLimited));
}

TEST(GenopsVocabulary, NineStandardReasonCodesRoundTrip) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kStandardReasonCodeCount; ++i) {
    const auto code = static_cast<StandardReasonCode>(i);
    names.insert(to_string(code));
    EXPECT_EQ(parse_standard_reason_code(to_string(code)), code);
  }
  EXPECT_EQ(names.size(), 9u);
  EXPECT_TRUE(names.contains("ACCOUNTING_INVARIANT_VIOLATION"));
}

TEST(GenopsVocabulary, ExtensionCodesFollowTheRegex) {
  EXPECT_TRUE(is_valid_extension_code("x_change_freeze_window"));
  EXPECT_TRUE(is_valid_extension_code("x__"));
  EXPECT_TRUE(is_valid_extension_code("x_9"));
  EXPECT_FALSE(is_valid_extension_code("x_"));
  EXPECT_FALSE(is_valid_extension_code("x_Foo"));
  EXPECT_FALSE(is_valid_extension_code("X_foo"));
  EXPECT_FALSE(is_valid_extension_code("x-foo"));
  EXPECT_FALSE(is_valid_extension_code("x_foo bar"));
  EXPECT_THROW(ReasonCode::extension("x_Foo"), engine::InputError);
  EXPECT_THROW(ReasonCode::parse("CUSTOM_DENY"), engine::InputError);
  EXPECT_EQ(ReasonCode::parse("RATE_LIMITED").text(), "RATE_LIMITED");
  EXPECT_TRUE(ReasonCode::parse("x_human_approval_denied").is_extension());
}

TEST(GenopsVocabulary, ReasonCodesAreClassifiedForTheChecker) {
  EXPECT_EQ(classify_reason_code("BUDGET_EXCEEDED"), ReasonCodeClass::Standard);
  EXPECT_EQ(classify_reason_code("x_canary_failed"), ReasonCodeClass::Extension);
  EXPECT_EQ(classify_reason_code("x_Canary"), ReasonCodeClass::MalformedExtension);
  EXPECT_EQ(classify_reason_code("X_canary"), ReasonCodeClass::MalformedExtension);
  EXPECT_EQ(classify_reason_code("x-canary"), ReasonCodeClass::MalformedExtension);
  EXPECT_EQ(classify_reason_code("x_"), ReasonCodeClass::MalformedExtension);
  EXPECT_EQ(classify_reason_code("CHANGE_FREEZE"), ReasonCodeClass::InventedCode);
  EXPECT_EQ(classify_reason_code("blocked because it is Friday"), ReasonCodeClass::FreeFormText);
  EXPECT_EQ(classify_reason_code(""), ReasonCodeClass::FreeFormText);
}

TEST(GenopsVocabulary, DefinedAttributesCarryTheirSpecTypes) {
  EXPECT_EQ(defined_attributes().size(), 39u);
  ASSERT_NE(find_defined_attribute("genops.policy.timestamp"), nullptr);
  EXPECT_EQ(find_defined_attribute("genops.policy.timestamp")->type, ValueType::Int64);
  EXPECT_EQ(find_defined_attribute("genops.sla.met")->type, ValueType::Boolean);
  EXPECT_EQ(find_defined_attribute("genops.accounting.incomplete"), nullptr);
  EXPECT_TRUE(is_defined_event("genops.budget.alert"));
  EXPECT_FALSE(is_defined_event("sim.execution.start"));
}

TEST(TelemetryIds, AreDeterministicValidAndDistinct) {
  const TelemetryIdKey key{7, 42, 1, 1000};
  EXPECT_EQ(derive_trace_id(key), derive_trace_id(key));
  EXPECT_TRUE(is_valid_trace_id(derive_trace_id(key)));
  EXPECT_TRUE(is_valid_span_id(derive_span_id(key, 3)));
  std::set<std::string> trace_ids;
  std::set<std::string> span_ids;
  for (std::uint64_t deployment = 0; deployment < 2000; ++deployment) {
    const TelemetryIdKey each{7, 42, 1, deployment};
    trace_ids.insert(derive_trace_id(each));
    for (std::uint32_t step = 0; step < 4; ++step) {
      span_ids.insert(derive_span_id(each, step));
    }
  }
  EXPECT_EQ(trace_ids.size(), 2000u);
  EXPECT_EQ(span_ids.size(), 8000u);
  EXPECT_NE(derive_trace_id(TelemetryIdKey{8, 42, 1, 1000}), derive_trace_id(key));
  EXPECT_NE(derive_trace_id(TelemetryIdKey{7, 42, 2, 1000}), derive_trace_id(key));
}

TEST(TelemetryIds, ValidationFollowsW3c) {
  EXPECT_TRUE(is_valid_trace_id("4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f"));
  EXPECT_FALSE(is_valid_trace_id("4F1C2D3E5A6B7C8D9E0F1A2B3C4D5E6F"));
  EXPECT_FALSE(is_valid_trace_id("00000000000000000000000000000000"));
  EXPECT_FALSE(is_valid_trace_id("4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6"));
  EXPECT_TRUE(is_valid_span_id("a1b2c3d4e5f60002"));
  EXPECT_FALSE(is_valid_span_id("a1b2c3d4e5f6000g"));
  EXPECT_FALSE(is_valid_span_id("0000000000000000"));
}

TEST(Attributes, KeepInsertionOrderAndReplaceInPlace) {
  Attributes attributes;
  attributes.set("b", std::string("one"));
  attributes.set("a", 2.0);
  attributes.set("b", std::int64_t{3});
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes.items()[0].key, "b");
  ASSERT_NE(attributes.find_int("b"), nullptr);
  EXPECT_EQ(*attributes.find_int("b"), 3);
  EXPECT_EQ(attributes.find_string("b"), nullptr);
  EXPECT_EQ(value_type_name(*attributes.find("a")), "doubleValue");
}

TEST(AwuBuilder, ExecutedAwuHasRequiredAttributesAndEventsInOrder) {
  std::uint64_t sequence = 100;
  const Span span = executed_rollout(sequence);
  const Attributes& attributes = span.attributes;
  EXPECT_EQ(*attributes.find_string("genops.spec.version"), "0.1.0");
  EXPECT_EQ(*attributes.find_string("genops.team"), "payments");
  EXPECT_EQ(*attributes.find_string("genops.operation.type"), "deployment");
  EXPECT_EQ(*attributes.find_string("genops.policy.result"), "ALLOWED");
  EXPECT_FALSE(attributes.contains("genops.policy.reason_code"));
  EXPECT_EQ(*attributes.find_double("genops.accounting.reserved"), 12.5);
  EXPECT_EQ(*attributes.find_double("genops.accounting.actual"), 3.0);
  EXPECT_EQ(*attributes.find_string("genops.accounting.unit"), "error_budget_minutes");
  EXPECT_EQ(*attributes.find_bool("genops.sla.met"), true);

  std::vector<std::string> names;
  for (const SpanEvent& event : span.events) {
    names.push_back(event.name);
  }
  const std::vector<std::string> expected = {
      "genops.budget.reservation",  "genops.policy.evaluated", "sim.execution.start",
      "genops.evaluation.complete", "sim.execution.end",       "genops.budget.reconciliation"};
  EXPECT_EQ(names, expected);
  const SpanEvent& reconciliation = span.events.back();
  EXPECT_EQ(*reconciliation.attributes.find_double("genops.accounting.reconciliation_delta"), -9.5);
  EXPECT_EQ(*span.events.front().attributes.find_double("genops.budget.remaining"), 187.5);
  EXPECT_EQ(*span.events.front().attributes.find_int("sim.seq"), 100);
  EXPECT_EQ(*reconciliation.attributes.find_int("sim.seq"), 105);
  EXPECT_EQ(sequence, 106u);
  EXPECT_EQ(*span.events[1].attributes.find_int("genops.policy.timestamp"),
            (kEpoch + 2) / 1'000'000);
}

TEST(AwuBuilder, BlockedAwuCarriesReasonCodeAndNoAccounting) {
  AwuBuilder builder(identity(124, 2), "deploy.rollout", "deployment", payments(), kEpoch);
  builder.decide(kEpoch + 5, PolicyResult::Blocked, ReasonCode::extension("x_change_freeze_window"),
                 "change-freeze/no-friday", "production rollouts are frozen on Fridays");
  const Span span = std::move(builder).finish(kEpoch + 5);
  EXPECT_EQ(*span.attributes.find_string("genops.policy.reason_code"), "x_change_freeze_window");
  EXPECT_FALSE(span.attributes.contains("genops.accounting.reserved"));
  ASSERT_EQ(span.events.size(), 1u);
  EXPECT_EQ(*span.events[0].attributes.find_string("genops.policy.reason"),
            "production rollouts are frozen on Fridays");
}

TEST(AwuBuilder, FailedReservationIsBlockedWithoutReservationEvent) {
  AwuBuilder builder(identity(125, 1), "agent.propose", "inference", payments(), kEpoch);
  builder.reservation_failed(kEpoch, 4096.0, StandardReasonCode::BudgetReservationFailed);
  const Span span = std::move(builder).finish(kEpoch);
  ASSERT_EQ(span.events.size(), 1u);
  EXPECT_EQ(span.events[0].name, "genops.policy.evaluated");
  EXPECT_EQ(*span.events[0].attributes.find_double("sim.accounting.requested"), 4096.0);
  EXPECT_EQ(*span.attributes.find_string("genops.policy.result"), "BLOCKED");
}

TEST(AwuBuilder, ReservedButBlockedAwuIsReleased) {
  AwuBuilder builder(identity(126, 2), "deploy.rollout", "deployment", payments(), kEpoch);
  builder.reserve(kEpoch, 5.0, "error_budget_minutes")
      .decide(kEpoch + 1, PolicyResult::Blocked,
              ReasonCode(StandardReasonCode::ProviderErrorUpstream))
      .release(kEpoch + 1);
  const Span span = std::move(builder).finish(kEpoch + 1);
  ASSERT_EQ(span.events.size(), 3u);
  EXPECT_EQ(span.events[2].name, "sim.budget.release");
  EXPECT_FALSE(span.attributes.contains("genops.accounting.actual"));
}

TEST(AwuBuilderDeathTest, RejectsLifecycleViolations) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        AwuBuilder builder(identity(1, 1), "op", "inference", payments(), kEpoch);
        builder.decide(kEpoch, PolicyResult::Allowed, ReasonCode(StandardReasonCode::RateLimited));
      },
      "reason_code must be present iff");
  EXPECT_DEATH(
      {
        AwuBuilder builder(identity(1, 1), "op", "inference", payments(), kEpoch);
        builder.decide(kEpoch, PolicyResult::Allowed).start_execution(kEpoch);
      },
      "reservation before execution");
  EXPECT_DEATH(
      {
        AwuBuilder builder(identity(1, 1), "op", "inference", payments(), kEpoch);
        builder.set_attribute("genops.accounting.incomplete", true);
      },
      "not defined by GenOps");
  EXPECT_DEATH(
      {
        AwuBuilder builder(identity(1, 1), "op", "inference", payments(), kEpoch);
        builder.reserve(kEpoch, 1.0, "tokens")
            .decide(kEpoch, PolicyResult::Allowed)
            .start_execution(kEpoch);
        static_cast<void>(std::move(builder).finish(kEpoch + 1));
      },
      "reconciled before it ends");
}

TEST(OtlpJsonWriter, WritesOtlpJsonEncodingRules) {
  std::uint64_t sequence = 0;
  TelemetryRecord record;
  record.resource.set("service.name", std::string("govsim-governor"));
  record.scope = InstrumentationScope{"govsim.governance", "0.3.0"};
  record.spans.push_back(executed_rollout(sequence));
  const std::string line = to_otlp_json_line(record);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const nlohmann::json json = nlohmann::json::parse(line);
  const auto& span = json["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(json["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"], "govsim.governance");
  EXPECT_TRUE(span["startTimeUnixNano"].is_string());
  EXPECT_EQ(span["startTimeUnixNano"], std::to_string(kEpoch));
  EXPECT_EQ(span["traceId"].get<std::string>().size(), 32u);
  EXPECT_EQ(span["kind"], 1);
  bool saw_int = false;
  for (const auto& attribute : span["attributes"]) {
    if (attribute["key"] == "genops.sla.latency_target_ms") {
      EXPECT_EQ(attribute["value"]["intValue"], "3600000");
      saw_int = true;
    }
    if (attribute["key"] == "genops.accounting.actual") {
      EXPECT_TRUE(attribute["value"]["doubleValue"].is_number_float());
    }
  }
  EXPECT_TRUE(saw_int);
  EXPECT_NE(line.find("{\"key\":\"genops.accounting.actual\",\"value\":{\"doubleValue\":3.0}}"),
            std::string::npos);
}

TEST(OtlpJson, RoundTripsSpansExactly) {
  std::uint64_t sequence = 0;
  Attributes resource;
  resource.set("service.name", std::string("svc \"quoted\"\n\u00e9"));
  resource.set(kComplianceLevelResourceKey, std::string(kFullComplianceDeclaration));
  const InstrumentationScope scope{"govsim.governance", "0.1.0"};
  Span odd = executed_rollout(sequence);
  odd.span_id = derive_span_id(TelemetryIdKey{1, 1, 1, 1}, 9);
  odd.attributes.set("sim.nan", std::numeric_limits<double>::quiet_NaN());
  odd.attributes.set("sim.big", std::int64_t{-9'223'372'036'854'775'807LL});
  odd.attributes.set("sim.tiny", 1e-300);
  odd.attributes.set("sim.empty", AttributeValue{});
  odd.links.push_back(SpanLink{odd.trace_id, odd.parent_span_id, {}});
  odd.status = StatusCode::Error;
  odd.status_message = "rolled back";

  std::ostringstream out;
  OtlpJsonLinesWriter writer(out, resource, scope);
  const Span first = executed_rollout(sequence);
  writer.write(first);
  writer.write(std::vector<Span>{odd, first});
  EXPECT_EQ(writer.lines_written(), 2u);

  std::istringstream in(out.str());
  TelemetryDataset dataset;
  read_otlp_json_lines(in, "memory.jsonl", dataset);
  EXPECT_TRUE(dataset.format_issues.empty());
  ASSERT_EQ(dataset.spans.size(), 3u);
  ASSERT_EQ(dataset.resources.size(), 1u);
  EXPECT_EQ(dataset.resources[0].attributes, resource);
  EXPECT_EQ(dataset.resources[0].scope, scope);
  EXPECT_EQ(dataset.spans[0].span, first);
  EXPECT_EQ(dataset.spans[2].span, first);
  EXPECT_EQ(dataset.spans[1].location.line, 2u);
  EXPECT_EQ(dataset.describe(dataset.spans[1].location), "memory.jsonl:2");
  const Span& read_odd = dataset.spans[1].span;
  EXPECT_TRUE(std::isnan(*read_odd.attributes.find_double("sim.nan")));
  Span odd_without_nan = odd;
  Span read_without_nan = read_odd;
  odd_without_nan.attributes.set("sim.nan", 0.0);
  read_without_nan.attributes.set("sim.nan", 0.0);
  EXPECT_EQ(read_without_nan, odd_without_nan);
}

TEST(OtlpJsonReader, ToleratesSeveralRecordsPerLineAndForeignShapes) {
  const std::string span_a =
      R"({"traceId":"4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f","spanId":"a1b2c3d4e5f60002","name":"a",)"
      R"("startTimeUnixNano":1,"endTimeUnixNano":"2","attributes":[{"key":"n","value":{"intValue":5}},)"
      R"({"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}}]})";
  const std::string request =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + span_a + "," + span_a + "]}]}]}";
  const std::string text = "\n" + request + " " + request + "\n[" + request + "," + request +
                           "]\n" + R"({"resourceLogs":[]})" + "\n";
  std::istringstream in(text);
  TelemetryDataset dataset;
  read_otlp_json_lines(in, "foreign.jsonl", dataset);
  EXPECT_EQ(dataset.spans.size(), 8u);
  EXPECT_EQ(dataset.records, 5u);
  EXPECT_EQ(dataset.skipped_records, 1u);
  EXPECT_TRUE(dataset.format_issues.empty());
  EXPECT_EQ(dataset.spans[4].location.line, 3u);
  EXPECT_EQ(*dataset.spans[0].span.attributes.find_int("n"), 5);
  EXPECT_EQ(dataset.spans[0].span.start_time_unix_nano, 1);
  EXPECT_TRUE(std::holds_alternative<OpaqueValue>(*dataset.spans[0].span.attributes.find("arr")));
}

TEST(OtlpJsonReader, ReportsShapeProblemsAsIssues) {
  const std::string text =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f",)"
      R"("spanId":"a1b2c3d4e5f60002","name":"a","attributes":[)"
      R"({"key":"i","value":{"intValue":"12.5"}},{"key":"s","value":{"stringValue":7}},)"
      R"({"key":"s","value":{"fooValue":1}}]}]}]}]})"
      "\n{\"hello\":1}\n";
  std::istringstream in(text);
  TelemetryDataset dataset;
  read_otlp_json_lines(in, "bad.jsonl", dataset);
  ASSERT_EQ(dataset.format_issues.size(), 5u);
  EXPECT_NE(dataset.format_issues[0].message.find("not an int64"), std::string::npos);
  EXPECT_NE(dataset.format_issues[3].message.find("duplicate attribute key 's'"),
            std::string::npos);
  EXPECT_EQ(dataset.format_issues[4].location.line, 2u);
}

TEST(OtlpJsonReader, MalformedJsonNamesFileAndLine) {
  std::istringstream in("{\"resourceSpans\":[]}\n{\"resourceSpans\":[}\n");
  TelemetryDataset dataset;
  try {
    read_otlp_json_lines(in, "broken.jsonl", dataset);
    FAIL() << "expected OtlpJsonError";
  } catch (const OtlpJsonError& error) {
    EXPECT_EQ(error.line(), 2u);
    EXPECT_EQ(error.file(), "broken.jsonl");
    EXPECT_EQ(std::string(error.what()).rfind("broken.jsonl:2: column", 0), 0u) << error.what();
  }
  EXPECT_THROW(read_otlp_json_lines_file("/nonexistent/telemetry.jsonl", dataset), OtlpJsonError);
}

}  // namespace
}  // namespace genops::telemetry
