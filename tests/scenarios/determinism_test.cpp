// The whole study is a pure function of the scenario and the seed: identical at 1 and 2 threads
// and on a second run, record by record, audit hash by audit hash, engine digest by digest.
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "models/strategy.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";

#define EXPECT_SAME_FIELD(a, b, field) EXPECT_EQ((a).field, (b).field) << #field << " at " << where

void expect_same_record(const models::DeploymentRecord& a, const models::DeploymentRecord& b,
                        const std::string& where) {
  EXPECT_SAME_FIELD(a, b, id);
  EXPECT_SAME_FIELD(a, b, organization);
  EXPECT_SAME_FIELD(a, b, service);
  EXPECT_SAME_FIELD(a, b, tier);
  EXPECT_SAME_FIELD(a, b, arrival_min);
  EXPECT_SAME_FIELD(a, b, ci_start_min);
  EXPECT_SAME_FIELD(a, b, deploy_start_min);
  EXPECT_SAME_FIELD(a, b, end_min);
  EXPECT_SAME_FIELD(a, b, cycle_time_min);
  EXPECT_SAME_FIELD(a, b, outcome);
  EXPECT_SAME_FIELD(a, b, catch_point);
  EXPECT_SAME_FIELD(a, b, hotfix);
  EXPECT_SAME_FIELD(a, b, migration);
  EXPECT_SAME_FIELD(a, b, config_change);
  EXPECT_SAME_FIELD(a, b, lines_changed);
  EXPECT_SAME_FIELD(a, b, files_changed);
  EXPECT_SAME_FIELD(a, b, latent_defect);
  EXPECT_SAME_FIELD(a, b, defect_survived_ci);
  EXPECT_SAME_FIELD(a, b, risk_score);
  EXPECT_SAME_FIELD(a, b, conservative_risk);
  EXPECT_SAME_FIELD(a, b, retrieval_confidence);
  EXPECT_SAME_FIELD(a, b, similar_failure_share);
  EXPECT_SAME_FIELD(a, b, risk_level);
  EXPECT_SAME_FIELD(a, b, decision);
  EXPECT_SAME_FIELD(a, b, human_approved);
  EXPECT_SAME_FIELD(a, b, canary_stages_total);
  EXPECT_SAME_FIELD(a, b, canary_stage_reached);
  EXPECT_SAME_FIELD(a, b, rework_loops);
  EXPECT_SAME_FIELD(a, b, ci_failures);
  EXPECT_SAME_FIELD(a, b, false_rollback);
  EXPECT_SAME_FIELD(a, b, incident);
  EXPECT_SAME_FIELD(a, b, incident_minutes);
  EXPECT_SAME_FIELD(a, b, error_budget_burned_min);
  EXPECT_SAME_FIELD(a, b, ci_wait_min);
  EXPECT_SAME_FIELD(a, b, review_wait_min);
  EXPECT_SAME_FIELD(a, b, deferred_min);
  EXPECT_SAME_FIELD(a, b, policy_slip);
}

void expect_same_stage(const models::CanaryStageRecord& a, const models::CanaryStageRecord& b,
                       const std::string& where) {
  EXPECT_SAME_FIELD(a, b, deployment);
  EXPECT_SAME_FIELD(a, b, stage);
  EXPECT_SAME_FIELD(a, b, traffic_percent);
  EXPECT_SAME_FIELD(a, b, start_min);
  EXPECT_SAME_FIELD(a, b, bake_min);
  EXPECT_SAME_FIELD(a, b, requests);
  EXPECT_SAME_FIELD(a, b, errors);
  EXPECT_SAME_FIELD(a, b, observed_error_rate);
  EXPECT_SAME_FIELD(a, b, observed_p50_ms);
  EXPECT_SAME_FIELD(a, b, observed_p99_ms);
  EXPECT_SAME_FIELD(a, b, promoted);
}

void expect_same_audit(const models::AuditRecord& a, const models::AuditRecord& b,
                       const std::string& where) {
  EXPECT_SAME_FIELD(a, b, sequence);
  EXPECT_SAME_FIELD(a, b, time_min);
  EXPECT_SAME_FIELD(a, b, deployment);
  EXPECT_SAME_FIELD(a, b, actor);
  EXPECT_SAME_FIELD(a, b, action);
  EXPECT_SAME_FIELD(a, b, decision);
  EXPECT_SAME_FIELD(a, b, risk_score);
  EXPECT_SAME_FIELD(a, b, policies);
  EXPECT_SAME_FIELD(a, b, previous_hash);
  EXPECT_SAME_FIELD(a, b, hash);
}

void expect_same_sample(const models::ResourceSample& a, const models::ResourceSample& b,
                        const std::string& where) {
  EXPECT_SAME_FIELD(a, b, time_min);
  EXPECT_SAME_FIELD(a, b, organization);
  EXPECT_SAME_FIELD(a, b, runners_busy);
  EXPECT_SAME_FIELD(a, b, ci_queue);
  EXPECT_SAME_FIELD(a, b, reviewers_busy);
  EXPECT_SAME_FIELD(a, b, review_queue);
}

// Stops at the first differing run: one difference is enough to read, thousands are noise.
void expect_same_study(const StudyResult& a, const StudyResult& b) {
  ASSERT_EQ(a.runs.size(), b.runs.size());
  EXPECT_EQ(a.events, b.events);
  for (std::size_t r = 0; r < a.runs.size(); ++r) {
    const RunResult& x = a.runs[r];
    const RunResult& y = b.runs[r];
    const std::string run = x.strategy + " replication " + std::to_string(x.replication);
    SCOPED_TRACE(run);
    EXPECT_EQ(x.strategy, y.strategy);
    EXPECT_EQ(x.replication, y.replication);
    EXPECT_EQ(x.seed, y.seed);
    EXPECT_EQ(x.engine.events, y.engine.events);
    EXPECT_EQ(x.engine.digest, y.engine.digest);
    ASSERT_EQ(x.organizations.size(), y.organizations.size());
    for (std::size_t o = 0; o < x.organizations.size(); ++o) {
      const models::PipelineOutput& p = x.organizations[o];
      const models::PipelineOutput& q = y.organizations[o];
      const std::string org = run + " organization " + std::to_string(o);
      EXPECT_EQ(p.unfinished, q.unfinished);
      ASSERT_EQ(p.deployments.size(), q.deployments.size()) << org;
      for (std::size_t i = 0; i < p.deployments.size(); ++i)
        expect_same_record(p.deployments[i], q.deployments[i],
                           org + " record " + std::to_string(i));
      ASSERT_EQ(p.stages.size(), q.stages.size()) << org;
      for (std::size_t i = 0; i < p.stages.size(); ++i)
        expect_same_stage(p.stages[i], q.stages[i], org + " stage " + std::to_string(i));
      ASSERT_EQ(p.audit.size(), q.audit.size()) << org;
      for (std::size_t i = 0; i < p.audit.size(); ++i)
        expect_same_audit(p.audit[i], q.audit[i], org + " audit " + std::to_string(i));
      ASSERT_EQ(p.samples.size(), q.samples.size()) << org;
      for (std::size_t i = 0; i < p.samples.size(); ++i)
        expect_same_sample(p.samples[i], q.samples[i], org + " sample " + std::to_string(i));
    }
    ASSERT_EQ(x.violations.size(), y.violations.size());
    for (std::size_t i = 0; i < x.violations.size(); ++i) {
      EXPECT_EQ(x.violations[i].deployment, y.violations[i].deployment);
      EXPECT_EQ(x.violations[i].policy, y.violations[i].policy);
    }
    if (::testing::Test::HasFailure())
      return;
  }
}

class StudyDeterminism : public ::testing::Test {
 protected:
  void SetUp() override {
    models::register_builtin_strategies(registry_);
    scenario_ = load_scenario(kQuick, registry_);
  }
  StudyResult run(int threads) const {
    StudyOptions options;
    options.threads = threads;
    return run_study(scenario_, registry_, options);
  }
  models::StrategyRegistry registry_;
  models::Scenario scenario_;
};

TEST_F(StudyDeterminism, OneAndTwoThreadsGiveIdenticalResults) {
  const StudyResult one = run(1);
  const StudyResult two = run(2);
  ASSERT_EQ(one.runs.size(), 4U);  // baseline and genops, 2 replications each
  EXPECT_EQ(one.threads, 1);
  EXPECT_EQ(two.threads, 2);
  for (const RunResult& r : one.runs) {
    EXPECT_FALSE(r.deployments().empty());
    if (r.strategy == "genops") {
      EXPECT_FALSE(r.organizations[0].audit.empty());
      EXPECT_FALSE(r.organizations[0].stages.empty());
    }
  }
  expect_same_study(one, two);
}

TEST_F(StudyDeterminism, TwoRunsGiveIdenticalResults) {
  expect_same_study(run(2), run(2));
}

TEST_F(StudyDeterminism, RunOnceIsTheSameAsTheStudysSlot) {
  const StudyResult study = run(2);
  const auto genops = registry_.create("genops", scenario_);
  const RunResult alone = run_once(scenario_, *genops, 1);
  StudyResult single;
  single.runs = {alone};
  StudyResult slot;
  slot.runs = {study.run(1, 1)};
  ASSERT_EQ(study.run(1, 1).strategy, "genops");
  ASSERT_EQ(study.run(1, 1).replication, 1);
  single.events = slot.events = 0;
  expect_same_study(single, slot);
}

// The comparison is not vacuous: another seed or replication changes the digests.
TEST_F(StudyDeterminism, SeedsAndReplicationsChangeTheResults) {
  const StudyResult study = run(2);
  EXPECT_NE(study.run(0, 0).engine.digest, study.run(0, 1).engine.digest);
  EXPECT_NE(study.run(0, 0).engine.digest, study.run(1, 0).engine.digest);
  models::Scenario other = scenario_;
  other.seed = 43;
  const auto baseline = registry_.create("baseline", other);
  EXPECT_NE(run_once(other, *baseline, 0).engine.digest, study.run(0, 0).engine.digest);
}

// Organizations coupled through a shared CI fleet run under conservative windows: the study is
// still identical at 1 and 2 threads, including the fleet's queue figures and the messages.
TEST(SharedFleetDeterminism, OneAndTwoThreadsGiveIdenticalResults) {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  const models::Scenario scenario = load_scenario(
      std::string(GENOPS_SOURCE_DIR) + "/tests/data/scenarios/shared_fleet.toml", registry);
  ASSERT_FALSE(scenario.ci_fleets.empty());
  StudyOptions options;
  options.threads = 1;
  const StudyResult one = run_study(scenario, registry, options);
  options.threads = 2;
  const StudyResult two = run_study(scenario, registry, options);
  expect_same_study(one, two);
  for (std::size_t r = 0; r < one.runs.size(); ++r) {
    const RunResult& x = one.runs[r];
    const RunResult& y = two.runs[r];
    EXPECT_GT(x.engine.messages, 0U);
    EXPECT_EQ(x.engine.messages, y.engine.messages);
    EXPECT_EQ(x.engine.windows, y.engine.windows);
    ASSERT_EQ(x.fleets.size(), 1U);
    ASSERT_EQ(y.fleets.size(), 1U);
    EXPECT_GT(x.fleets[0].started, 0U);
    EXPECT_EQ(x.fleets[0].requests, y.fleets[0].requests);
    EXPECT_EQ(x.fleets[0].wait_seconds_sum, y.fleets[0].wait_seconds_sum);
    EXPECT_EQ(x.fleets[0].wait_bins, y.fleets[0].wait_bins);
    EXPECT_EQ(x.fleets[0].busy_runner_seconds, y.fleets[0].busy_runner_seconds);
  }
  const StudySummaries a = summarize_study(one);
  const StudySummaries b = summarize_study(two);
  for (std::size_t s = 0; s < a.pooled.size(); ++s) {
    EXPECT_EQ(a.pooled[s].median_cycle_time_min, b.pooled[s].median_cycle_time_min);
    EXPECT_EQ(a.pooled[s].mean_ci_wait_min, b.pooled[s].mean_ci_wait_min);
    EXPECT_EQ(a.pooled[s].success_rate, b.pooled[s].success_rate);
  }
}

// stream_study() hands every batch to its sink; this one keeps copies to compare them.
class CollectingSink : public RunSink {
 public:
  void begin_run(const RunResult& run) override {
    runs.push_back(run);
    begun.push_back(run.strategy + "/" + std::to_string(run.replication));
  }
  void organizations(const RunResult&, std::span<const models::PipelineOutput> batch) override {
    batches.push_back(batch.size());
    runs.back().organizations.insert(runs.back().organizations.end(), batch.begin(), batch.end());
  }
  void end_run(const RunResult& run, const models::StrategySummary& summary) override {
    runs.back().engine = run.engine;
    runs.back().violations = run.violations;
    summaries.push_back(summary);
  }
  std::vector<RunResult> runs;
  std::vector<std::string> begun;
  std::vector<std::size_t> batches;
  std::vector<models::StrategySummary> summaries;
};

// Every field of a summary is 8 bytes wide (counts, rates, arrays of counts): no padding, so
// equal bytes mean bit-identical values.
static_assert(sizeof(models::StrategySummary) % 8 == 0);
void expect_same_summary(const models::StrategySummary& a, const models::StrategySummary& b,
                         const std::string& where) {
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0)
      << where << ": deployments " << a.deployments << "/" << b.deployments << ", median "
      << a.median_cycle_time_min << "/" << b.median_cycle_time_min << ", mean "
      << a.mean_cycle_time_min << "/" << b.mean_cycle_time_min << ", risk AUC " << a.risk_auc << "/"
      << b.risk_auc;
}

TEST(Batches, NeverSplitACoupledGroup) {
  const std::vector<std::vector<int>> groups = {{0}, {1, 2, 3}, {4}, {5, 6}};
  EXPECT_EQ(plan_batches(groups, 0), (std::vector<std::vector<int>>{{0, 1, 2, 3, 4, 5, 6}}));
  EXPECT_EQ(plan_batches(groups, 1), (std::vector<std::vector<int>>{{0}, {1, 2, 3}, {4}, {5, 6}}));
  EXPECT_EQ(plan_batches(groups, 4), (std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6}}));
  EXPECT_EQ(plan_batches(groups, 3), (std::vector<std::vector<int>>{{0}, {1, 2, 3}, {4, 5, 6}}));
  // Interleaved groups (a fleet of organizations 0 and 2): a batch closes only on a contiguous
  // range, so organizations still reach the sink in ascending order.
  const std::vector<std::vector<int>> interleaved = {{0, 2}, {1}, {3}};
  EXPECT_EQ(plan_batches(interleaved, 1), (std::vector<std::vector<int>>{{0, 1, 2}, {3}}));
  EXPECT_EQ(plan_batches(interleaved, 0), (std::vector<std::vector<int>>{{0, 1, 2, 3}}));
}

// Batches closed on estimated deployments: small groups share a batch, a group larger than the
// limit is a batch of its own (never split), and a count limit still applies alongside.
TEST(Batches, CloseOnEstimatedDeployments) {
  const std::vector<std::vector<int>> groups = {{0}, {1, 2, 3}, {4}, {5, 6}};
  const std::vector<double> deployments = {10, 5, 5, 5, 40, 20, 20};
  using Batches = std::vector<std::vector<int>>;
  EXPECT_EQ(plan_batches(groups, 0, deployments, 25), (Batches{{0, 1, 2, 3}, {4}, {5, 6}}));
  EXPECT_EQ(plan_batches(groups, 0, deployments, 24), (Batches{{0}, {1, 2, 3}, {4}, {5, 6}}));
  EXPECT_EQ(plan_batches(groups, 0, deployments, 1000), (Batches{{0, 1, 2, 3, 4, 5, 6}}));
  EXPECT_EQ(plan_batches(groups, 3, deployments, 1000), (Batches{{0}, {1, 2, 3}, {4, 5, 6}}));
  EXPECT_EQ(plan_batches(groups, 0, deployments, 1), (Batches{{0}, {1, 2, 3}, {4}, {5, 6}}));
  EXPECT_THROW(plan_batches(groups, 0, {1.0, 2.0}, 10), std::logic_error);
}

// Records, violations, engine events and digests, and every summary (per run and pooled) are
// bit-identical to the whole study held in memory, whatever the batch size and thread count.
TEST_F(StudyDeterminism, BatchedStreamingIsIdenticalToOneStudyInMemory) {
  const StudyResult reference = run(2);
  const StudySummaries expected = summarize_study(reference);
  const int organizations = static_cast<int>(scenario_.organizations.size());
  ASSERT_GE(organizations, 3);
  for (int batch = 0; batch <= organizations; ++batch) {
    for (const int threads : {1, 2}) {
      SCOPED_TRACE("batch " + std::to_string(batch) + ", threads " + std::to_string(threads));
      CollectingSink sink;
      StudyOptions options;
      options.threads = threads;
      const StreamedStudy streamed =
          stream_study(scenario_, registry_, options, StreamOptions{batch}, sink);
      const std::size_t expected_batches =
          reference.runs.size() *
          (batch == 0 ? 1 : static_cast<std::size_t>((organizations + batch - 1) / batch));
      EXPECT_EQ(sink.batches.size(), expected_batches);
      EXPECT_EQ(sink.begun,
                (std::vector<std::string>{"baseline/0", "baseline/1", "genops/0", "genops/1"}));
      StudyResult collected;
      collected.runs = sink.runs;
      collected.events = streamed.study.events;
      expect_same_study(reference, collected);
      ASSERT_EQ(streamed.summaries.runs.size(), expected.runs.size());
      for (std::size_t r = 0; r < expected.runs.size(); ++r) {
        expect_same_summary(expected.runs[r], streamed.summaries.runs[r],
                            "run " + std::to_string(r));
        expect_same_summary(expected.runs[r], sink.summaries[r], "sink run " + std::to_string(r));
      }
      ASSERT_EQ(streamed.summaries.pooled.size(), expected.pooled.size());
      for (std::size_t s = 0; s < expected.pooled.size(); ++s)
        expect_same_summary(expected.pooled[s], streamed.summaries.pooled[s],
                            "pooled " + std::to_string(s));
      for (const RunResult& r : streamed.study.runs)
        EXPECT_TRUE(r.organizations.empty()) << "the streamed study holds no records";
      if (::testing::Test::HasFailure())
        return;
    }
  }
}

}  // namespace
}  // namespace genops::scenarios
