#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "telemetry/awu_builder.hpp"
#include "telemetry/conformance.hpp"
#include "telemetry/otlp_json.hpp"

namespace genops::telemetry {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GENOPS_SOURCE_DIR) / "tests" / "data" / "conformance";

// One line of tests/data/conformance/manifest.txt.
struct CorpusCase {
  std::string file;
  std::string level;  // full | partial | none
  std::set<std::string> failing;
  std::string replay;
};

void PrintTo(const CorpusCase& each, std::ostream* out) {
  *out << each.file << (each.replay.empty() ? "" : " replay=" + each.replay);
}

std::vector<CorpusCase> read_manifest() {
  std::vector<CorpusCase> cases;
  std::ifstream in(kCorpus / "manifest.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::istringstream fields(line);
    CorpusCase each;
    fields >> each.file >> each.level;
    std::string token;
    while (fields >> token) {
      if (token.starts_with("replay=")) {
        each.replay = token.substr(7);
      } else {
        each.failing.insert(token);
      }
    }
    cases.push_back(std::move(each));
  }
  return cases;
}

std::string case_name(const testing::TestParamInfo<CorpusCase>& info) {
  std::string name = info.param.file.substr(0, info.param.file.find('.'));
  if (!info.param.replay.empty()) {
    name += "_with_replay";
  }
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

std::string join(const std::set<std::string>& ids) {
  std::string text;
  for (const std::string& id : ids) {
    text += id + " ";
  }
  return text;
}

class ConformanceCorpus : public testing::TestWithParam<CorpusCase> {};

// Each broken file must fail exactly the requirements the manifest names, with findings that
// point into the file; each valid file must pass at the stated level.
TEST_P(ConformanceCorpus, FailsExactlyTheExpectedRequirements) {
  const CorpusCase& expected = GetParam();
  ConformanceOptions options;
  if (!expected.replay.empty()) {
    options.replay_files.push_back((kCorpus / expected.replay).string());
  }
  const std::string path = (kCorpus / expected.file).string();
  const ConformanceReport report = check_conformance({path}, options);
  const std::vector<std::string> failing = report.failing(true);
  const std::set<std::string> actual(failing.begin(), failing.end());
  std::ostringstream text;
  print_report(report, text, false);
  EXPECT_EQ(join(actual), join(expected.failing)) << text.str();
  EXPECT_EQ(std::string(to_string(report.level)),
            expected.level == "full"      ? std::string(to_string(ComplianceLevel::Full))
            : expected.level == "partial" ? std::string(to_string(ComplianceLevel::Partial))
                                          : std::string(to_string(ComplianceLevel::None)))
      << text.str();
  EXPECT_EQ(report.fully_compliant(), expected.level == "full");
  EXPECT_GT(report.awus, 0u);
  for (const std::string& id : expected.failing) {
    const RequirementResult& result = report.requirement(id);
    if (id == "R12") {
      continue;  // derived from R14 and R18, which carry the findings
    }
    ASSERT_FALSE(result.findings.empty()) << id;
    const Finding& first = result.findings.front();
    EXPECT_NE(first.location.find(".jsonl"), std::string::npos) << id << ": " << first.location;
    EXPECT_FALSE(first.message.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, ConformanceCorpus, testing::ValuesIn(read_manifest()), case_name);

TEST(ConformanceCorpusManifest, ListsEveryFileAndCoversTheChecklist) {
  std::set<std::string> listed;
  std::set<std::string> failing_ids;
  for (const CorpusCase& each : read_manifest()) {
    listed.insert(each.file);
    failing_ids.insert(each.failing.begin(), each.failing.end());
  }
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() == ".jsonl") {
      EXPECT_TRUE(listed.contains(entry.path().filename().string())) << entry.path();
    }
  }
  // Every requirement that telemetry can show has a file that breaks it.
  for (const char* id :
       {"R1",  "R2",  "R3",  "R4",  "R5",  "R6",  "R7",  "R8",  "R9",  "R10", "R11", "R12",
        "R13", "R14", "R15", "R16", "R17", "R18", "R20", "R21", "R22", "R23", "R24", "R25",
        "R26", "R27", "R28", "R29", "R30", "R31", "R32", "R34", "R35", "R36", "R37", "R38",
        "R39", "R40", "R41", "R42", "R43", "R44", "R45", "R46", "R48", "R50"}) {
    EXPECT_TRUE(failing_ids.contains(id)) << id << " has no broken file";
  }
}

TEST(ConformanceCorpusManifest, BrokenFileReportNamesLineAndIds) {
  const ConformanceReport report =
      check_conformance({(kCorpus / "R26_reason_code_on_allowed.jsonl").string()});
  const RequirementResult& r26 = report.requirement("R26");
  ASSERT_EQ(r26.status, RequirementStatus::Fail);
  ASSERT_EQ(r26.violations, 2u);  // the span and its decision event
  EXPECT_TRUE(r26.findings[0].location.ends_with("R26_reason_code_on_allowed.jsonl:2"));
  EXPECT_EQ(r26.findings[0].span_id, "a1b2c3d4e5f60003");
  EXPECT_EQ(r26.findings[0].subject, "genops.policy.reason_code");
  EXPECT_EQ(report.requirement("R9").status, RequirementStatus::Pass);
  EXPECT_EQ(report.requirement("R49").status, RequirementStatus::NotApplicable);
  EXPECT_EQ(report.requirement("R21").status, RequirementStatus::NotApplicable);
}

// ---------------------------------------------------------------------------------------------
// Telemetry produced by our own builder and writer.

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kEpoch = 1'752'156'000 * kSecond;

// Writes `deployments` deployment requests of a synthetic governed run (a root span and 2-3
// AWUs each, every lifecycle class) and returns the number of spans.
std::size_t write_run(std::ostream& out, std::uint64_t deployments, std::uint64_t seed,
                      std::uint64_t mutate_deployment = ~std::uint64_t{0}) {
  Attributes resource;
  resource.set("service.name", std::string("govsim-governor"));
  resource.set(kComplianceLevelResourceKey, std::string(kFullComplianceDeclaration));
  OtlpJsonLinesWriter writer(out, resource, InstrumentationScope{"govsim.governance", "0.1.0"});
  std::uint64_t sequence = 0;
  std::size_t spans = 0;
  const AwuAttribution who{"payments", "checkout-api", "production"};
  for (std::uint64_t deployment = 0; deployment < deployments; ++deployment) {
    const TelemetryIdKey key{0, seed, 0, deployment};
    const std::string trace = derive_trace_id(key);
    const std::string root_id = derive_span_id(key, 0);
    const std::int64_t t0 = kEpoch + static_cast<std::int64_t>(deployment) * 600 * kSecond;
    std::vector<Span> line;
    Span root;
    root.trace_id = trace;
    root.span_id = root_id;
    root.name = "deployment.request";
    root.start_time_unix_nano = t0;
    root.end_time_unix_nano = t0 + 500 * kSecond;
    root.attributes.set("deployment.id", "dep-" + std::to_string(deployment));
    line.push_back(root);

    AwuBuilder propose(AwuIdentity{trace, derive_span_id(key, 1), root_id}, "agent.propose",
                       "inference", who, t0);
    propose.sequence_events(sequence);
    const double tokens = deployment == mutate_deployment ? 5000.0 : 4000.0;
    if (deployment % 7 == 3) {
      propose.reservation_failed(t0 + 1, tokens, StandardReasonCode::BudgetReservationFailed);
      line.push_back(std::move(propose).finish(t0 + 1));
      writer.write(line);
      spans += line.size();
      continue;
    }
    propose.reserve(t0 + 1, tokens, "tokens", "llm/payments/monthly", 1e6)
        .decide(t0 + 2, PolicyResult::Allowed)
        .start_execution(t0 + 3)
        .end_execution(t0 + 20 * kSecond)
        .reconcile(t0 + 20 * kSecond, 3500.0)
        .cost_calculated(t0 + 20 * kSecond, 0.035, "USD", "anthropic");
    line.push_back(std::move(propose).finish(t0 + 20 * kSecond));

    const std::int64_t t1 = t0 + 30 * kSecond;
    AwuBuilder rollout(AwuIdentity{trace, derive_span_id(key, 2), root_id}, "deploy.rollout",
                       "deployment", who, t1);
    rollout.sequence_events(sequence);
    switch (deployment % 4) {
      case 0:
        rollout.decide(t1, PolicyResult::Blocked, ReasonCode::extension("x_change_freeze_window"));
        break;
      case 1:
        rollout.decide(t1, PolicyResult::RateLimited, ReasonCode(StandardReasonCode::RateLimited));
        break;
      case 2:
        rollout.reserve(t1, 5.0, "error_budget_minutes", "slo/checkout", 100.0)
            .decide(t1 + 1, PolicyResult::Blocked,
                    ReasonCode(StandardReasonCode::ProviderErrorUpstream))
            .release(t1 + 2);
        break;
      default:
        rollout.reserve(t1, 12.5, "error_budget_minutes", "slo/checkout", 87.5)
            .decide(t1 + 1, PolicyResult::Allowed, std::nullopt, "prod-gate")
            .start_execution(t1 + 2)
            .evaluation_complete(t1 + 100 * kSecond, "canary.error_rate_ratio", 0.8, 1.5, true)
            .end_execution(t1 + 300 * kSecond)
            .reconcile(t1 + 300 * kSecond, 3.0)
            .set_sla("standard", 3'600'000, 300'000);
    }
    line.push_back(std::move(rollout).finish(t1 + 300 * kSecond));
    writer.write(line);
    spans += line.size();
  }
  return spans;
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() /
         ("genops_conformance_" + std::to_string(::getpid()) + "_" + name + ".jsonl");
}

TEST(ConformanceOfOurRuns, BuilderTelemetryIsFullyCompliantAndDeterministic) {
  const fs::path first = temp_file("first");
  const fs::path second = temp_file("second");
  const fs::path changed = temp_file("changed");
  {
    std::ofstream a(first), b(second), c(changed);
    write_run(a, 40, 42);
    write_run(b, 40, 42);
    write_run(c, 40, 42, 18);
  }
  ConformanceOptions options;
  options.replay_files = {second.string()};
  const ConformanceReport report = check_conformance({first.string()}, options);
  std::ostringstream text;
  print_report(report, text, false);
  EXPECT_TRUE(report.fully_compliant()) << text.str();
  EXPECT_TRUE(report.failing(true).empty()) << text.str();
  EXPECT_EQ(report.requirement("R21").status, RequirementStatus::Pass);
  EXPECT_EQ(report.requirement("R23").status, RequirementStatus::Pass);
  EXPECT_EQ(report.requirement("R40").status, RequirementStatus::Pass);
  EXPECT_EQ(report.declared_levels, std::vector<std::string>{"GenOps v0.1 \u2014 full"});

  options.replay_files = {changed.string()};
  const ConformanceReport replayed = check_conformance({first.string()}, options);
  // A broken invariant leaves partial evidence, which contradicts the declared full level.
  EXPECT_EQ(replayed.failing(true), (std::vector<std::string>{"R21", "R45"}));
  ASSERT_EQ(replayed.requirement("R21").violations, 1u);
  EXPECT_NE(replayed.requirement("R21").findings[0].message.find("reserved differently"),
            std::string::npos);

  options.determinism_match = DeterminismMatch::ByOrder;
  EXPECT_EQ(check_conformance({first.string()}, options).requirement("R21").violations, 1u);
  fs::remove(first);
  fs::remove(second);
  fs::remove(changed);
}

TEST(ConformanceReportOutput, JsonReportIsMachineReadable) {
  const ConformanceReport report =
      check_conformance({(kCorpus / "R31_malformed_extension_code.jsonl").string()});
  std::ostringstream out;
  print_report(report, out, true);
  const nlohmann::json json = nlohmann::json::parse(out.str());
  EXPECT_EQ(json["fully_compliant"], false);
  EXPECT_EQ(json["compliance_level"], "no GenOps v0.1 compliance");
  ASSERT_EQ(json["requirements"].size(), 50u);
  const auto& r31 = json["requirements"][30];
  EXPECT_EQ(r31["id"], "R31");
  EXPECT_EQ(r31["status"], "FAIL");
  EXPECT_EQ(r31["findings"][0]["subject"], "genops.policy.reason_code");
  EXPECT_EQ(json["requirements"][32]["status"], "NOT APPLICABLE");

  std::ostringstream text;
  print_report(report, text, false);
  EXPECT_NE(text.str().find("R31  MUST   FAIL"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("Compliance: no GenOps v0.1 compliance"), std::string::npos);
}

TEST(ConformanceInput, UnreadableInputThrowsWithFileAndLine) {
  const fs::path broken = temp_file("broken");
  {
    std::ofstream out(broken);
    write_run(out, 2, 1);
    out << "{\"resourceSpans\":[{\"scopeSpans\":[}\n";
  }
  try {
    check_conformance({broken.string()});
    FAIL() << "expected ConformanceInputError";
  } catch (const ConformanceInputError& error) {
    EXPECT_NE(std::string(error.what()).find(broken.filename().string() + ":3:"), std::string::npos)
        << error.what();
  }
  fs::remove(broken);
  EXPECT_THROW(check_conformance({"/nonexistent/telemetry.jsonl"}), ConformanceInputError);
  EXPECT_THROW(check_conformance(std::vector<std::string>{}), ConformanceInputError);
}

TEST(ConformanceInput, TelemetryWithoutAwusClaimsNothing) {
  const fs::path empty = temp_file("empty");
  { std::ofstream out(empty); }
  const ConformanceReport report = check_conformance({empty.string()});
  EXPECT_FALSE(report.fully_compliant());
  EXPECT_EQ(report.level, ComplianceLevel::None);
  EXPECT_TRUE(report.failing(true).empty());
  ASSERT_FALSE(report.missing.empty());
  EXPECT_NE(report.missing[0].find("no AWU"), std::string::npos);
  fs::remove(empty);
}

// Writes and checks a large run; GENOPS_CONFORMANCE_SCALE_DEPLOYMENTS sets the size (default
// 10,000 deployments, about 27,000 spans; 37,000 deployments give about 100,000 spans).
TEST(ConformanceScale, LargeRunIsCheckedQuickly) {
  std::uint64_t deployments = 10'000;
  if (const char* size = std::getenv("GENOPS_CONFORMANCE_SCALE_DEPLOYMENTS")) {
    deployments = std::strtoull(size, nullptr, 10);
  }
  const fs::path path = temp_file("scale");
  const auto start = std::chrono::steady_clock::now();
  std::size_t spans = 0;
  {
    std::ofstream out(path);
    spans = write_run(out, deployments, 7);
  }
  const auto written = std::chrono::steady_clock::now();
  const ConformanceReport report = check_conformance({path.string()});
  const auto checked = std::chrono::steady_clock::now();
  const double write_seconds = std::chrono::duration<double>(written - start).count();
  const double check_seconds = std::chrono::duration<double>(checked - written).count();
  std::cout << "[ scale    ] " << spans << " spans, " << report.awus << " AWUs, "
            << fs::file_size(path) / 1'000'000 << " MB: write " << write_seconds << " s, check "
            << check_seconds << " s\n";
  EXPECT_TRUE(report.fully_compliant());
  EXPECT_EQ(report.spans, spans);
  fs::remove(path);
}

}  // namespace
}  // namespace genops::telemetry
