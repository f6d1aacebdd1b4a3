#include "results/results_io.hpp"

#include <gtest/gtest.h>

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/random.hpp"
#include "models/governance.hpp"
#include "models/strategy.hpp"
#include "results/awu_export.hpp"
#include "results/awu_from_results.hpp"
#include "results/hdf5_file.hpp"
#include "scenarios/results_output.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/telemetry_output.hpp"
#include "telemetry/otlp_json.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

fs::path test_directory() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path directory = fs::path(GENOPS_BINARY_DIR) / "test-tmp" / "results_io" /
                       (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

#define EXPECT_FIELD(field) EXPECT_EQ(actual.field, expected.field) << #field << " row " << row

void expect_same(const models::DeploymentRecord& actual, const models::DeploymentRecord& expected,
                 std::size_t row) {
  EXPECT_FIELD(id);
  EXPECT_FIELD(organization);
  EXPECT_FIELD(service);
  EXPECT_FIELD(tier);
  EXPECT_FIELD(arrival_min);
  EXPECT_FIELD(ci_start_min);
  EXPECT_FIELD(deploy_start_min);
  EXPECT_FIELD(end_min);
  EXPECT_FIELD(cycle_time_min);
  EXPECT_FIELD(outcome);
  EXPECT_FIELD(catch_point);
  EXPECT_FIELD(catch_points);
  EXPECT_FIELD(in_flight_stage);
  EXPECT_FIELD(hotfix);
  EXPECT_FIELD(migration);
  EXPECT_FIELD(config_change);
  EXPECT_FIELD(lines_changed);
  EXPECT_FIELD(files_changed);
  EXPECT_FIELD(latent_defect);
  EXPECT_FIELD(defect_survived_ci);
  EXPECT_FIELD(risk_score);
  EXPECT_FIELD(conservative_risk);
  EXPECT_FIELD(retrieval_confidence);
  EXPECT_FIELD(similar_failure_share);
  EXPECT_FIELD(risk_level);
  EXPECT_FIELD(decision);
  EXPECT_FIELD(human_approved);
  EXPECT_FIELD(canary_stages_total);
  EXPECT_FIELD(canary_stage_reached);
  EXPECT_FIELD(rework_loops);
  EXPECT_FIELD(ci_failures);
  EXPECT_FIELD(false_rollback);
  EXPECT_FIELD(incident);
  EXPECT_FIELD(incident_minutes);
  EXPECT_FIELD(error_budget_burned_min);
  EXPECT_FIELD(ci_wait_min);
  EXPECT_FIELD(review_wait_min);
  EXPECT_FIELD(deferred_min);
  EXPECT_FIELD(policy_slip);
}

void expect_same(const models::CanaryStageRecord& actual, const models::CanaryStageRecord& expected,
                 std::size_t row) {
  EXPECT_FIELD(deployment);
  EXPECT_FIELD(stage);
  EXPECT_FIELD(traffic_percent);
  EXPECT_FIELD(start_min);
  EXPECT_FIELD(bake_min);
  EXPECT_FIELD(requests);
  EXPECT_FIELD(errors);
  EXPECT_FIELD(observed_error_rate);
  EXPECT_FIELD(observed_p50_ms);
  EXPECT_FIELD(observed_p99_ms);
  EXPECT_FIELD(promoted);
}

void expect_same(const models::AuditRecord& actual, const models::AuditRecord& expected,
                 std::size_t row) {
  EXPECT_FIELD(sequence);
  EXPECT_FIELD(time_min);
  EXPECT_FIELD(deployment);
  EXPECT_FIELD(actor);
  EXPECT_FIELD(action);
  EXPECT_FIELD(decision);
  EXPECT_FIELD(risk_score);
  EXPECT_FIELD(policies);
  EXPECT_FIELD(previous_hash);
  EXPECT_FIELD(hash);
}

void expect_same(const models::ResourceSample& actual, const models::ResourceSample& expected,
                 std::size_t row) {
  EXPECT_FIELD(time_min);
  EXPECT_FIELD(organization);
  EXPECT_FIELD(runners_busy);
  EXPECT_FIELD(ci_queue);
  EXPECT_FIELD(reviewers_busy);
  EXPECT_FIELD(review_queue);
}

void expect_same(const models::AwuRecord& actual, const models::AwuRecord& expected,
                 std::size_t row) {
  EXPECT_FIELD(deployment);
  EXPECT_FIELD(sequence);
  EXPECT_FIELD(linked_to);
  EXPECT_FIELD(kind);
  EXPECT_FIELD(result);
  EXPECT_FIELD(reason);
  EXPECT_FIELD(budget);
  EXPECT_FIELD(organization);
  EXPECT_FIELD(service);
  EXPECT_FIELD(policy);
  EXPECT_FIELD(start_min);
  EXPECT_FIELD(decision_min);
  EXPECT_FIELD(reserve_min);
  EXPECT_FIELD(reserved);
  EXPECT_FIELD(budget_remaining);
  EXPECT_FIELD(requested);
  EXPECT_FIELD(exec_start_min);
  EXPECT_FIELD(exec_end_min);
  EXPECT_FIELD(reconcile_min);
  EXPECT_FIELD(actual);
  EXPECT_FIELD(end_min);
  EXPECT_FIELD(approval_requested_min);
  EXPECT_FIELD(approval_resolved_min);
  EXPECT_FIELD(tokens_input);
  EXPECT_FIELD(tokens_output);
}

void expect_same(const models::StrategySummary& actual, const models::StrategySummary& expected,
                 std::size_t row) {
  EXPECT_FIELD(deployments);
  EXPECT_FIELD(succeeded);
  EXPECT_FIELD(rolled_back);
  EXPECT_FIELD(failed);
  EXPECT_FIELD(blocked);
  EXPECT_FIELD(success_rate);
  EXPECT_FIELD(rollback_rate);
  EXPECT_FIELD(failure_rate);
  EXPECT_FIELD(block_rate);
  EXPECT_FIELD(median_cycle_time_min);
  EXPECT_FIELD(p90_cycle_time_min);
  EXPECT_FIELD(mean_cycle_time_min);
  EXPECT_FIELD(safety_violations);
  EXPECT_FIELD(issues);
  EXPECT_FIELD(caught_at);
  EXPECT_FIELD(canary_catch_rate);
  EXPECT_FIELD(false_rollbacks);
  EXPECT_FIELD(incidents);
  EXPECT_FIELD(change_failure_rate);
  EXPECT_FIELD(mean_time_to_restore_min);
  EXPECT_FIELD(error_budget_burned_min);
  EXPECT_FIELD(mean_rework_loops);
  EXPECT_FIELD(mean_ci_wait_min);
  EXPECT_FIELD(mean_review_wait_min);
  EXPECT_FIELD(human_approval_share);
  EXPECT_FIELD(deferred_share);
}

#undef EXPECT_FIELD

// Concatenates one kind of record over organizations, as the file stores them.
template <typename Record>
std::vector<Record> concatenated(const std::vector<std::vector<Record>>& parts) {
  std::vector<Record> all;
  for (const auto& part : parts) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

template <typename Record>
void expect_same_rows(const std::vector<Record>& actual, const std::vector<Record>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t row = 0; row < actual.size(); ++row) {
    expect_same(actual[row], expected[row], row);
  }
}

// Hand-made records: every enum code, -1 sentinels, extreme integers, non-ASCII-free strings.
struct SyntheticRun {
  std::vector<std::vector<models::DeploymentRecord>> deployments;
  std::vector<std::vector<models::CanaryStageRecord>> stages;
  std::vector<std::vector<models::AuditRecord>> audit;
  std::vector<std::vector<models::ResourceSample>> samples;
  std::vector<std::vector<models::AwuRecord>> awus;
  std::vector<std::vector<std::string>> service_names;
  std::vector<models::SafetyViolation> violations;
  models::StrategySummary summary;
};

// Row i of organization o's deployments: every enum code, -1 sentinels, extreme integers.
models::DeploymentRecord synthetic_deployment(std::size_t o, std::size_t i,
                                              engine::RngStream& rng) {
  models::DeploymentRecord d;
  d.id = (std::uint64_t{o} << 32) | i;
  d.organization = static_cast<std::uint8_t>(o);
  d.service = static_cast<std::uint16_t>(i % 40);
  d.tier = static_cast<std::uint8_t>(i % 4);
  d.arrival_min = engine::uniform01(rng) * 1e5;
  d.ci_start_min = d.arrival_min + 0.125;
  d.deploy_start_min = i % 5 == 0 ? -1.0 : d.arrival_min + 7.3;
  d.end_min = d.arrival_min + 100.0 / 3.0;
  d.cycle_time_min = d.end_min - d.arrival_min;
  d.outcome = static_cast<models::Outcome>(i % models::kOutcomeCount);
  d.catch_point = static_cast<models::CatchPoint>(i % models::kCatchPointCount);
  d.catch_points = static_cast<std::uint8_t>(i % 128);  // every 7-bit mask
  d.in_flight_stage = d.outcome == models::Outcome::InFlight
                          ? static_cast<models::PipelineStage>(i % models::kPipelineStageCount)
                          : models::PipelineStage::None;
  d.hotfix = i % 2 == 0;
  d.migration = i % 3 == 0;
  d.config_change = i % 7 == 0;
  d.lines_changed = i == 1 ? 4'000'000'000U : static_cast<std::uint32_t>(i * 13);
  d.files_changed = static_cast<std::uint16_t>(i % 65535);
  d.latent_defect = i % 4 == 1;
  d.defect_survived_ci = i % 8 == 1;
  d.risk_score = i % 3 == 0 ? -1.0F : static_cast<float>(engine::uniform01(rng));
  d.conservative_risk = static_cast<float>(engine::uniform01(rng));
  d.retrieval_confidence = -1.0F;
  d.similar_failure_share = 0.1F;
  d.risk_level = static_cast<models::RiskLevel>(i % 4);
  d.decision = static_cast<models::Decision>((i / 2) % 4);
  d.human_approved = i % 5 == 2;
  d.canary_stages_total = 5;
  d.canary_stage_reached = static_cast<std::uint8_t>(i % 6);
  d.rework_loops = static_cast<std::uint8_t>(i % 3);
  d.ci_failures = 255;
  d.false_rollback = i % 9 == 0;
  d.incident = i % 11 == 0;
  d.incident_minutes = d.incident ? 42.5 : 0.0;
  d.error_budget_burned_min = 1.5F;
  d.ci_wait_min = 0.25F;
  d.review_wait_min = static_cast<float>(i);
  d.deferred_min = 0;
  d.policy_slip = i % 13 == 0;
  return d;
}

// AWU i of organization o: every enum code and policy, -1 sentinels, extreme integers.
models::AwuRecord synthetic_awu(std::size_t o, std::size_t i, engine::RngStream& rng) {
  models::AwuRecord a;
  a.deployment = (std::uint64_t{o} << 32) | (i / 3);
  a.sequence = i == 5 ? std::uint16_t{65535} : static_cast<std::uint16_t>(i % 3);
  a.linked_to = i % 3 == 0 ? -1 : static_cast<std::int32_t>(i % 3) - 1;
  a.kind = static_cast<models::AwuKind>(i % models::kAwuKindCount);
  a.result = static_cast<models::AwuResult>(i % 4);
  a.reason = static_cast<models::AwuReason>(i % models::kAwuReasonCount);
  a.budget = static_cast<models::AwuBudget>((i / 2) % 3);
  a.organization = static_cast<std::uint8_t>(o);
  a.service = static_cast<std::uint16_t>(i % 40);
  a.policy = static_cast<models::AwuPolicy>((i + o) % models::kAwuPolicyCount);
  a.start_min = engine::uniform01(rng) * 1e5;
  a.decision_min = i % 4 == 0 ? -1.0 : a.start_min + 0.1;
  a.reserve_min = a.start_min + 1.0 / 3.0;
  a.reserved = i % 2 == 0 ? -1.0 : 0.0123456789;
  a.budget_remaining = -1e-300;
  a.requested = 1e300;
  a.exec_start_min = a.start_min + 2;
  a.exec_end_min = a.start_min + 3;
  a.reconcile_min = a.start_min + 4;
  a.actual = engine::uniform01(rng);
  a.end_min = a.start_min + 5;
  a.approval_requested_min = i % 5 == 0 ? a.start_min + 0.5 : -1.0;
  a.approval_resolved_min = i % 5 == 0 ? a.start_min + 0.75 : -1.0;
  a.tokens_input = i == 2 ? 4'000'000'000U : static_cast<std::uint32_t>(i * 1000);
  a.tokens_output = static_cast<std::uint32_t>(i * 7);
  return a;
}

SyntheticRun synthetic_run(std::uint64_t seed, std::size_t organizations, std::size_t rows) {
  engine::RngStream rng(engine::StreamKey{.master_seed = seed, .purpose = 3});
  SyntheticRun run;
  for (std::size_t o = 0; o < organizations; ++o) {
    std::vector<models::DeploymentRecord> deployments;
    std::vector<models::CanaryStageRecord> stages;
    std::vector<models::AuditRecord> audit;
    std::vector<models::ResourceSample> samples;
    std::vector<models::AwuRecord> awus;
    std::vector<std::string> service_names;
    for (std::size_t i = 0; i < rows; ++i) {
      const models::DeploymentRecord d = synthetic_deployment(o, i, rng);
      deployments.push_back(d);
      for (std::uint8_t stage = 0; stage < 2; ++stage) {
        models::CanaryStageRecord s;
        s.deployment = d.id;
        s.stage = stage;
        s.traffic_percent = stage == 0 ? 1.0F : 5.0F;
        s.start_min = d.arrival_min + stage;
        s.bake_min = 1.5;
        s.requests = 1'000'000'000'000ULL + i;
        s.errors = i;
        s.observed_error_rate = 0.001F;
        s.observed_p50_ms = 12.5F;
        s.observed_p99_ms = 250.0F;
        s.promoted = stage == 0;
        stages.push_back(s);
      }
      models::AuditRecord a;
      a.sequence = i;
      a.time_min = d.arrival_min;
      a.deployment = d.id;
      a.actor = static_cast<models::Actor>(i % 3);
      a.action = i % 2 == 0 ? "risk_assessment" : "policy_evaluation";
      a.decision = i % 3 == 0 ? "ALLOWED" : "BLOCKED";
      a.policies = "no_friday_deployments=" + std::string(i % 2 == 0 ? "pass" : "fail");
      a.risk_score = d.risk_score;
      a.previous_hash = audit.empty() ? models::Sha256{} : audit.back().hash;
      a.hash = models::audit_hash(a.previous_hash, a);
      audit.push_back(a);
    }
    for (int hour = 0; hour < 50; ++hour) {
      samples.push_back(models::ResourceSample{
          hour * 60.0, static_cast<std::uint8_t>(o), static_cast<std::uint16_t>(hour % 4),
          static_cast<std::uint16_t>(hour), static_cast<std::uint16_t>(hour % 3), 65535});
    }
    run.deployments.push_back(std::move(deployments));
    run.stages.push_back(std::move(stages));
    run.audit.push_back(std::move(audit));
    // AWUs: every enum code and policy, -1 sentinels, extreme integers; none for organization 1
    // of odd seeds (an organization may have no AWUs).
    const std::size_t awu_rows = o == 1 && seed % 2 == 1 ? 0 : rows + 17;
    for (std::size_t i = 0; i < awu_rows; ++i) {
      awus.push_back(synthetic_awu(o, i, rng));
    }
    for (int service = 0; service < 40; ++service) {
      service_names.push_back("org" + std::to_string(o) + "-svc-" +
                              std::to_string((service * 7 + static_cast<int>(seed)) % 40));
    }
    run.samples.push_back(std::move(samples));
    run.awus.push_back(std::move(awus));
    run.service_names.push_back(std::move(service_names));
  }
  run.violations = {{5, "no_friday_deployments"}, {(1ULL << 32) | 3, "db_migration_review"}};
  const auto all = concatenated(run.deployments);
  run.summary = models::summarize(all, run.violations.size());
  return run;
}

RunView view_of(const SyntheticRun& run, const std::string& strategy, std::uint32_t replication) {
  RunView view;
  view.strategy = strategy;
  view.replication = replication;
  view.seed = 0xFEDCBA9876543210ULL;
  view.events = 123'456'789;
  view.wall_seconds = 0.75;
  for (std::size_t o = 0; o < run.deployments.size(); ++o) {
    view.organizations.push_back(OrganizationRecords{run.deployments[o], run.stages[o],
                                                     run.audit[o], run.samples[o], run.awus[o],
                                                     run.service_names[o]});
  }
  view.violations = run.violations;
  view.summary = run.summary;
  return view;
}

StudyProvenance synthetic_provenance() {
  StudyProvenance provenance;
  provenance.scenario = "synthetic";
  provenance.config_json = R"({"name":"synthetic"})";
  provenance.command_line = "results_io_test";
  provenance.start_date = "2024-03-04";
  provenance.duration_days = 7;
  provenance.master_seed = 0xFEDCBA9876543210ULL;
  provenance.replications = 2;
  provenance.threads = 2;
  provenance.wall_time_s = 1.5;
  provenance.events_processed = 99;
  provenance.strategies = {"baseline", "genops"};
  provenance.organizations = {{"fin tech", 40, 4, 3}, {"retail", 40, 5, 2}};
  return provenance;
}

TEST(ResultsIo, RoundTripsHandMadeRecordsExactly) {
  const fs::path path = test_directory() / "synthetic.h5";
  const StudyProvenance provenance = synthetic_provenance();
  std::vector<SyntheticRun> runs;
  std::vector<RunView> views;
  for (std::uint32_t s = 0; s < 2; ++s) {
    for (std::uint32_t r = 0; r < 2; ++r) {
      runs.push_back(synthetic_run(10 * s + r, 2, 300 + 50 * r));
    }
  }
  for (std::uint32_t s = 0; s < 2; ++s) {
    for (std::uint32_t r = 0; r < 2; ++r) {
      views.push_back(view_of(runs[s * 2 + r], provenance.strategies[s], r));
    }
  }
  write_study(path, provenance, views);
  ASSERT_TRUE(fs::exists(path));
  EXPECT_TRUE(std::none_of(fs::directory_iterator(path.parent_path()), fs::directory_iterator(),
                           [&](const auto& entry) { return is_partial_of(entry.path(), path); }));

  const StudyRecords study = read_study(path);
  EXPECT_EQ(study.provenance.scenario, "synthetic");
  EXPECT_EQ(study.provenance.master_seed, 0xFEDCBA9876543210ULL);
  EXPECT_EQ(study.provenance.replications, 2U);
  EXPECT_EQ(study.provenance.strategies, provenance.strategies);
  ASSERT_EQ(study.provenance.organizations.size(), 2U);
  EXPECT_EQ(study.provenance.organizations[0].name, "fin_tech");  // one word for flag_meanings
  EXPECT_EQ(study.provenance.organizations[1].ci_runners, 5);
  EXPECT_EQ(study.provenance.organizations[1].reviewers, 2);
  EXPECT_EQ(study.attribute("status"), "complete");
  EXPECT_EQ(study.attribute("master_seed"), "18364758544493064720");
  EXPECT_EQ(study.attribute("config_sha256").size(), 64U);
  EXPECT_EQ(study.attribute("hdf5_version"), build_info().hdf5_version);
  EXPECT_FALSE(study.attribute("git_sha").empty());
  EXPECT_EQ(study.strategy_index("genops"), 1U);
  ASSERT_EQ(study.runs.size(), 4U);
  for (std::size_t slot = 0; slot < 4; ++slot) {
    SCOPED_TRACE("run " + std::to_string(slot));
    const RunRecords& run = study.runs[slot];
    const SyntheticRun& expected = runs[slot];
    EXPECT_EQ(run.strategy, provenance.strategies[slot / 2]);
    EXPECT_EQ(run.replication, slot % 2);
    EXPECT_EQ(run.seed, 0xFEDCBA9876543210ULL);
    EXPECT_EQ(run.events, 123'456'789U);
    EXPECT_EQ(run.wall_seconds, 0.75);
    // Every fifth row is InFlight (outcome code 4 of 5): the attribute counts those rows.
    const auto in_flight = std::count_if(
        run.deployments.begin(), run.deployments.end(),
        [](const models::DeploymentRecord& d) { return d.outcome == models::Outcome::InFlight; });
    EXPECT_GT(in_flight, 0);
    EXPECT_EQ(run.unfinished, static_cast<std::uint64_t>(in_flight));
    expect_same_rows(run.deployments, concatenated(expected.deployments));
    expect_same_rows(run.stages, concatenated(expected.stages));
    expect_same_rows(run.audit, concatenated(expected.audit));
    expect_same_rows(run.samples, concatenated(expected.samples));
    expect_same_rows(run.awus, concatenated(expected.awus));
    EXPECT_EQ(run.service_names, expected.service_names);
    ASSERT_EQ(run.violations.size(), 2U);
    EXPECT_EQ(run.violations[1].deployment, (1ULL << 32) | 3);
    EXPECT_EQ(run.violations[1].policy, "db_migration_review");
    expect_same(run.summary, expected.summary, 0);
    ASSERT_EQ(run.audit_organization.size(), run.audit.size());
    EXPECT_EQ(run.audit_organization.front(), 0);
    EXPECT_EQ(run.audit_organization.back(), 1);
  }
}

TEST(ResultsIo, OptionalTablesCanBeSkipped) {
  const fs::path path = test_directory() / "skip.h5";
  StudyProvenance provenance = synthetic_provenance();
  provenance.strategies = {"genops"};
  provenance.replications = 1;
  const SyntheticRun run = synthetic_run(1, 2, 20);
  const std::vector<RunView> views = {view_of(run, "genops", 0)};
  write_study(path, provenance, views);
  const StudyRecords study = read_study(
      path, ReadOptions{.canary_stages = false, .audit = false, .resources = false, .awu = false});
  ASSERT_EQ(study.runs.size(), 1U);
  EXPECT_EQ(study.runs[0].deployments.size(), 40U);
  EXPECT_TRUE(study.runs[0].stages.empty());
  EXPECT_TRUE(study.runs[0].audit.empty());
  EXPECT_TRUE(study.runs[0].samples.empty());
  EXPECT_TRUE(study.runs[0].awus.empty());
  EXPECT_TRUE(study.runs[0].service_names.empty());
  EXPECT_FALSE(study.read.awu);
  EXPECT_THROW(awus_to_otlp_lines(study), ResultsFileError);  // the export needs the tables
  const StudyRecords with_awus = read_study(
      path, ReadOptions{.canary_stages = false, .audit = false, .resources = false, .awu = true});
  EXPECT_EQ(with_awus.runs[0].awus.size(), 37U);  // 20 + 17 of organization 0, none of 1
  EXPECT_EQ(study.runs[0].violations.size(), 2U);
}

TEST(ResultsIo, UnfinishedWriterLeavesNothingAndAKilledOneIsNamed) {
  const fs::path path = test_directory() / "crashed.h5";
  fs::path partial;
  {
    StudyProvenance provenance = synthetic_provenance();
    StudyResultsWriter writer(path, provenance);
    const SyntheticRun run = synthetic_run(1, 2, 10);
    writer.write_run(view_of(run, "baseline", 0));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(std::none_of(fs::directory_iterator(path.parent_path()), fs::directory_iterator(),
                           [&](const auto& entry) { return is_partial_of(entry.path(), path); }));
  // SIGKILL is the one way to leave a partial behind: the reader names it.
  std::ofstream(path.string() + ".4242-0123456789ab.partial") << "half";
  try {
    read_study(path);
    FAIL() << "no ResultsFileError";
  } catch (const ResultsFileError& error) {
    EXPECT_NE(std::string(error.what()).find("its run did not finish"), std::string::npos)
        << error.what();
  }
}

TEST(ResultsIo, HashHexRoundTripsAndRejectsGarbage) {
  models::Sha256 hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<std::uint8_t>(i * 37 + 5);
  }
  const std::string hex = hash_to_hex(hash);
  EXPECT_EQ(hex, models::to_hex(hash));
  EXPECT_EQ(hash_from_hex(hex), hash);
  EXPECT_THROW(hash_from_hex("abc"), ResultsFileError);
  EXPECT_THROW(hash_from_hex(std::string(63, '0') + "g"), ResultsFileError);
}

// A real (small) study through the runner and write_study_results, read back unchanged.
TEST(ResultsIo, RoundTripsARealStudy) {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  models::Scenario scenario =
      scenarios::load_scenario(std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml", registry);
  scenarios::apply_override(scenario, "duration_days=10", registry);
  scenarios::apply_override(scenario, "drain_days=5", registry);
  scenario.replications = 2;
  const scenarios::StudyResult study = scenarios::run_study(scenario, registry, {2, {}});
  const fs::path path = test_directory() / "real.h5";
  scenarios::write_study_results(path.string(), study, "genops-sim run paper.toml", true, "");

  const StudyRecords records = read_study(path);
  EXPECT_EQ(records.provenance.config_json, scenarios::scenario_to_json(scenario));
  EXPECT_EQ(records.attribute("command_line"), "genops-sim run paper.toml");
  EXPECT_EQ(records.provenance.events_processed, study.events);
  ASSERT_EQ(records.runs.size(), study.runs.size());
  for (std::size_t slot = 0; slot < study.runs.size(); ++slot) {
    const scenarios::RunResult& expected = study.runs[slot];
    const RunRecords& run = records.runs[slot];
    SCOPED_TRACE(expected.strategy + " rep " + std::to_string(expected.replication));
    EXPECT_EQ(run.strategy, expected.strategy);
    EXPECT_EQ(run.seed, expected.seed);
    EXPECT_EQ(run.events, expected.engine.events);
    std::vector<std::vector<models::CanaryStageRecord>> stages;
    std::vector<std::vector<models::AuditRecord>> audit;
    std::vector<std::vector<models::ResourceSample>> samples;
    for (const auto& output : expected.organizations) {
      stages.push_back(output.stages);
      audit.push_back(output.audit);
      samples.push_back(output.samples);
    }
    ASSERT_GT(run.deployments.size(), 100U);
    expect_same_rows(run.deployments, expected.deployments());
    expect_same_rows(run.stages, concatenated(stages));
    expect_same_rows(run.audit, concatenated(audit));
    expect_same_rows(run.samples, concatenated(samples));
    ASSERT_EQ(run.violations.size(), expected.violations.size());
    for (std::size_t i = 0; i < run.violations.size(); ++i) {
      EXPECT_EQ(run.violations[i].deployment, expected.violations[i].deployment);
      EXPECT_EQ(run.violations[i].policy, expected.violations[i].policy);
    }
    expect_same(run.summary, scenarios::replication_summary(expected), 0);
    // Each organization's hash chain still verifies after the trip through the file.
    for (std::uint16_t o = 0; o < expected.organizations.size(); ++o) {
      std::vector<models::AuditRecord> chain;
      for (std::size_t row = 0; row < run.audit.size(); ++row) {
        if (run.audit_organization[row] == o) {
          chain.push_back(run.audit[row]);
        }
      }
      EXPECT_EQ(chain.size(), expected.organizations[o].audit.size());
      EXPECT_FALSE(
          models::first_broken_link(
              chain, models::audit_genesis(expected.strategy, scenario.seed, run.replication, o))
              .has_value());
    }
  }
  EXPECT_GT(records.run(1, 0).audit.size(), 0U);  // genops keeps an audit trail
}

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The issue's /awu table: a real genops study (quick.toml) written with run --out's writer and
// --telemetry's serialiser, read back: every AWU field and service name equal, and the OTLP/JSON
// lines rebuilt from the file alone byte-identical to the telemetry of the in-memory run.
class AwuTable : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    models::StrategyRegistry registry;
    models::register_builtin_strategies(registry);
    models::Scenario scenario = scenarios::load_scenario(
        std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml", registry);
    scenario.strategies = {"baseline", "genops", "genops-no-governance"};
    study_ =
        std::make_unique<scenarios::StudyResult>(scenarios::run_study(scenario, registry, {2, {}}));
    // One folder per process: CTest runs each discovered test of this suite in its own process.
    directory_ = fs::path(GENOPS_BINARY_DIR) / "test-tmp" / "results_io" / "AwuTable" /
                 std::to_string(::getpid());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    scenarios::write_study_results(results_path().string(), *study_, "results_io_test", true, "");
    telemetry_spans_ = scenarios::write_study_telemetry(telemetry_path().string(), *study_, true);
    records_ = std::make_unique<StudyRecords>(read_study(results_path()));
  }
  static void TearDownTestSuite() {
    records_.reset();
    study_.reset();
    fs::remove_all(directory_);
  }
  static fs::path results_path() { return directory_ / "quick.h5"; }
  static fs::path telemetry_path() { return directory_ / "quick.jsonl"; }

  static std::unique_ptr<scenarios::StudyResult> study_;
  static std::unique_ptr<StudyRecords> records_;
  static fs::path directory_;
  static std::size_t telemetry_spans_;
};

std::unique_ptr<scenarios::StudyResult> AwuTable::study_;
std::unique_ptr<StudyRecords> AwuTable::records_;
fs::path AwuTable::directory_;
std::size_t AwuTable::telemetry_spans_ = 0;

TEST_F(AwuTable, EveryFieldAndServiceNameRoundTrips) {
  ASSERT_EQ(records_->runs.size(), study_->runs.size());
  std::size_t genops_awus = 0;
  for (std::size_t slot = 0; slot < study_->runs.size(); ++slot) {
    const scenarios::RunResult& expected = study_->runs[slot];
    const RunRecords& run = records_->runs[slot];
    SCOPED_TRACE(expected.strategy + " rep " + std::to_string(expected.replication));
    std::vector<std::vector<models::AwuRecord>> awus;
    std::vector<std::vector<std::string>> service_names;
    for (const auto& output : expected.organizations) {
      awus.push_back(output.awus);
      service_names.push_back(output.service_names);
    }
    expect_same_rows(run.awus, concatenated(awus));
    EXPECT_EQ(run.service_names, service_names);
    ASSERT_EQ(run.service_names.size(), 3U);
    EXPECT_EQ(run.service_names[0].size(), 42U);  // fintech's services, quick.toml
    if (expected.strategy == "baseline") {
      EXPECT_TRUE(run.awus.empty()) << "the baseline has no AI actor";
    } else if (expected.strategy == "genops") {
      genops_awus += run.awus.size();
    }
  }
  EXPECT_GT(genops_awus, 1000U);
}

TEST_F(AwuTable, EmptyTablesKeepTheColumnLayout) {
  const ResultsReader reader(results_path());
  const ColumnTableReader genops = reader.table("/runs/genops/rep0/awu");
  const ColumnTableReader baseline = reader.table("/runs/baseline/rep0/awu");
  EXPECT_GT(genops.rows(), 0U);
  EXPECT_EQ(baseline.rows(), 0U);
  EXPECT_EQ(baseline.column_names(), genops.column_names());
  EXPECT_EQ(genops.column_names().size(), 25U);  // every AwuRecord field
  for (const std::string& column : genops.column_names()) {
    EXPECT_FALSE(genops.units(column).empty()) << column;
  }
  const auto reasons = genops.categories("reason");
  ASSERT_EQ(reasons.size(), static_cast<std::size_t>(models::kAwuReasonCount));
  EXPECT_EQ(reasons[0].label, "none");
  EXPECT_EQ(reasons[5].label, "x_change_freeze_window");
  EXPECT_EQ(genops.categories("kind")[1].label, "deploy.rollout");
  EXPECT_EQ(genops.categories("result")[3].label, "RATE_LIMITED");
  EXPECT_EQ(genops.categories("budget")[2].label, "emergency");
  EXPECT_EQ(genops.column("policy").read_string_attribute("lookup"), "/lookup/awu_policies");
  EXPECT_EQ(reader.table("/runs/baseline/rep1/services").rows(), 127U);
}

TEST_F(AwuTable, OtlpLinesFromTheFileEqualTheRunsTelemetry) {
  const std::string expected = file_text(telemetry_path());
  ASSERT_GT(telemetry_spans_, 1000U);
  const std::string lines = awus_to_otlp_lines(*records_);
  EXPECT_EQ(static_cast<std::size_t>(std::count(lines.begin(), lines.end(), '\n')),
            telemetry_spans_);
  ASSERT_EQ(lines.size(), expected.size());
  EXPECT_TRUE(lines == expected) << "the OTLP/JSON lines differ";
  std::ostringstream streamed;
  EXPECT_EQ(write_study_awus_otlp(streamed, *records_), telemetry_spans_);
  EXPECT_TRUE(streamed.str() == expected);
  std::string run_by_run = "kept\n";
  std::size_t spans = 0;
  for (std::size_t run = 0; run < records_->runs.size(); ++run) {
    spans += append_run_awus_otlp(run_by_run, *records_, run);
  }
  EXPECT_EQ(spans, telemetry_spans_);
  EXPECT_TRUE(run_by_run == "kept\n" + expected);
}

// The reference path (export_awus + telemetry::OtlpJsonLinesWriter) over one organization's
// read-back records and the context built from the file, against write_awus_otlp of the in-memory
// run.
TEST_F(AwuTable, ReferenceExportOfReadBackRecordsEqualsTheInMemoryExport) {
  const std::size_t slot = records_->strategy_index("genops") * records_->provenance.replications;
  const RunRecords& run = records_->runs[slot];
  const scenarios::RunResult& expected_run = study_->runs[slot];
  for (std::size_t o = 0; o < expected_run.organizations.size(); ++o) {
    SCOPED_TRACE("organization " + std::to_string(o));
    const models::PipelineOutput& output = expected_run.organizations[o];
    const models::OrganizationConfig& config = study_->scenario.organizations[o];
    const AwuExportContext context = awu_export_context(*records_, slot, o);
    EXPECT_EQ(context.team, config.team);
    EXPECT_EQ(context.project, study_->scenario.project);
    EXPECT_EQ(context.environment, study_->scenario.environment);
    EXPECT_EQ(context.organization, config.name);
    EXPECT_EQ(context.utc_offset_hours, config.utc_offset_hours);
    EXPECT_EQ(context.service_names, output.service_names);
    EXPECT_EQ(context.seed, expected_run.seed);
    std::vector<models::AwuRecord> awus;
    std::copy_if(run.awus.begin(), run.awus.end(), std::back_inserter(awus),
                 [o](const models::AwuRecord& awu) { return awu.organization == o; });
    std::vector<models::CanaryStageRecord> stages;
    std::copy_if(
        run.stages.begin(), run.stages.end(), std::back_inserter(stages),
        [o](const models::CanaryStageRecord& stage) { return stage.deployment >> 32 == o; });
    const telemetry::Attributes resource = awu_run_resource(context, run);
    std::ostringstream reference;
    telemetry::OtlpJsonLinesWriter writer(reference, resource, telemetry_scope());
    for (const telemetry::Span& span : export_awus(awus, stages, context)) {
      writer.write(span);
    }
    std::string in_memory;
    write_awus_otlp(in_memory, output.awus, output.stages, context, resource);
    ASSERT_FALSE(in_memory.empty());
    EXPECT_TRUE(reference.str() == in_memory) << "organization " << o;
  }
}

TEST_F(AwuTable, DamagedAwuTablesAreRejectedWithOneLine) {
  const auto copy_with = [&](const std::string& name, const auto& damage) {
    const fs::path path = directory_ / (name + ".h5");
    fs::copy_file(results_path(), path, fs::copy_options::overwrite_existing);
    damage(path);
    return path;
  };
  const auto expect_rejected = [](const fs::path& path, const std::string& fragment) {
    try {
      read_study(path);
      ADD_FAILURE() << "no ResultsFileError for " << path;
    } catch (const ResultsFileError& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  const auto unlink = [](const fs::path& path, const char* object) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, object, H5P_DEFAULT), 0);
    H5Fclose(file);
  };
  expect_rejected(
      copy_with("no_awu", [&](const fs::path& p) { unlink(p, "/runs/genops/rep1/awu"); }),
      "/runs/genops/rep1/awu");
  expect_rejected(copy_with("no_policy_column",
                            [&](const fs::path& p) { unlink(p, "/runs/genops/rep0/awu/policy"); }),
                  "policy");
  // A policy name no strategy assigns.
  const fs::path unknown = copy_with("unknown_policy", [&](const fs::path& p) {
    std::vector<std::string> labels;
    {
      const File file = File::open(p);
      labels = file.open_group("lookup/awu_policies").open_dataset("label").read_strings();
    }
    ASSERT_FALSE(labels.empty());
    labels.back() = "bogus_policy";
    unlink(p, "/lookup/awu_policies/label");
    File file = File::open(p, FileMode::ReadWrite);
    file.open_group("lookup/awu_policies").write_string_dataset("label", labels);
  });
  expect_rejected(unknown, "unknown policy 'bogus_policy'");
  // Still readable without the AWU tables.
  EXPECT_EQ(read_study(unknown, ReadOptions{.awu = false}).runs.size(), records_->runs.size());
}

// The run's 'unfinished' attribute must equal its in_flight deployment rows (issue 10: a reader
// never trusts one count without the other).
TEST_F(AwuTable, InFlightAttributeDisagreeingWithTheRowsIsRejected) {
  const fs::path path = directory_ / "in_flight_mismatch.h5";
  fs::copy_file(results_path(), path, fs::copy_options::overwrite_existing);
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Adelete_by_name(file, "/runs/genops/rep0", "unfinished", H5P_DEFAULT), 0);
    H5Fclose(file);
    File writable = File::open(path, FileMode::ReadWrite);
    writable.open_group("runs/genops/rep0").write_attribute("unfinished", std::uint64_t{3});
  }
  try {
    read_study(path);
    ADD_FAILURE() << "no ResultsFileError for " << path;
  } catch (const ResultsFileError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("has 0 in_flight deployment rows but its 'unfinished' attribute says 3"),
              std::string::npos)
        << error.what();
  }
}

TEST(AwuFromResults, ConfigWithoutTheContextKeysIsRejected) {
  StudyRecords study;
  study.path = "x.h5";
  study.provenance.config_json = R"({"name":"synthetic","environment":"production"})";
  study.provenance.start_date = "2024-03-04";
  study.provenance.organizations = {{"retail", 1, 1, 1}};
  RunRecords run;
  run.strategy = "genops";
  run.service_names = {{"retail-svc-0"}};
  study.runs.push_back(run);
  try {
    awu_export_context(study, 0, 0);
    FAIL() << "no ResultsFileError";
  } catch (const ResultsFileError& error) {
    EXPECT_NE(std::string(error.what()).find("config_json has no key 'project'"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace genops::results
