// Golden properties of quick.toml: the independent safety checker finds no violation in any
// genops run and some in every baseline run; every ablation is registered and runs; the genops
// audit trail verifies.
#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "models/governance.hpp"
#include "models/safety_checker.hpp"
#include "models/strategy.hpp"
#include "models/world.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";
const std::set<std::string> kPolicies = {"no_friday_deployments", "critical_service_human_review",
                                         "db_migration_review", "error_budget_protection"};

class QuickGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    models::register_builtin_strategies(registry_);
    scenario_ = load_scenario(kQuick, registry_);
  }
  RunResult run(const std::string& strategy, int replication) const {
    return run_once(scenario_, *registry_.create(strategy, scenario_), replication);
  }
  models::Organization world(int organization, int replication) const {
    return models::build_organization(
        scenario_, organization,
        models::RunKey{scenario_.seed, static_cast<std::uint32_t>(replication)});
  }
  models::StrategyRegistry registry_;
  models::Scenario scenario_;
};

TEST_F(QuickGolden, GenopsHasNoSafetyViolationsAndBaselineHasSome) {
  for (int r = 0; r < scenario_.replications; ++r) {
    const RunResult genops = run("genops", r);
    const RunResult baseline = run("baseline", r);
    EXPECT_TRUE(genops.violations.empty())
        << "replication " << r << ": " << genops.violations.size() << " violations, first "
        << genops.violations.front().policy;
    EXPECT_GT(baseline.violations.size(), 0U) << "replication " << r;
    for (const auto& v : baseline.violations) {
      EXPECT_EQ(kPolicies.count(v.policy), 1U) << v.policy;
    }
  }
}

// The checker recomputes the policies from the records; on baseline it must find exactly the
// deployments whose people slipped (the strategy's own diagnostic flag, which it never reads).
TEST_F(QuickGolden, CheckerFindsExactlyTheBaselineSlipsThatShipped) {
  for (int r = 0; r < scenario_.replications; ++r) {
    const RunResult baseline = run("baseline", r);
    std::set<std::uint64_t> flagged;
    for (const auto& v : baseline.violations)
      flagged.insert(v.deployment);
    std::set<std::uint64_t> slipped;
    for (const auto& d : baseline.deployments()) {
      if (d.policy_slip && d.deploy_start_min >= 0)
        slipped.insert(d.id);
    }
    EXPECT_EQ(flagged, slipped) << "replication " << r;
  }
}

TEST_F(QuickGolden, CheckerReadsTheRecordsNotTheStrategysFlags) {
  const RunResult genops = run("genops", 0);
  const models::Organization org = world(0, 0);
  std::vector<models::DeploymentRecord> records = genops.organizations[0].deployments;
  const std::vector<models::TrafficShift>& shifts = genops.organizations[0].shifts;
  ASSERT_TRUE(models::check_safety(scenario_, org, records, shifts).empty());

  // A diagnostic flag alone is not a violation.
  for (auto& d : records)
    d.policy_slip = true;
  EXPECT_TRUE(models::check_safety(scenario_, org, records, shifts).empty());

  // Moving one traffic shift of a deployed change into Saturday is (once, whatever the stage).
  const auto deployed = std::find_if(records.begin(), records.end(), [](const auto& d) {
    return d.deploy_start_min >= 0 && !d.hotfix;
  });
  ASSERT_NE(deployed, records.end());
  const engine::SimTime saturday_noon =
      org.calendar.from_local(engine::SimTime::days(5) + engine::SimTime::hours(12));
  auto moved = shifts;
  int moved_shifts = 0;
  for (auto& shift : moved) {
    if (shift.deployment == deployed->id) {
      shift.time_min = saturday_noon.to_minutes();
      ++moved_shifts;
    }
  }
  ASSERT_GE(moved_shifts, 1);
  const auto violations = models::check_safety(scenario_, org, records, moved);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_EQ(violations[0].deployment, deployed->id);
  EXPECT_EQ(violations[0].policy, "no_friday_deployments");

  // Removing a human approval the policies required is.
  auto unapproved = records;
  int removed = 0;
  for (auto& d : unapproved) {
    const auto tier = static_cast<models::Tier>(d.tier);
    if (d.deploy_start_min >= 0 && d.migration &&
        (tier == models::Tier::Critical || tier == models::Tier::High)) {
      ASSERT_TRUE(d.human_approved) << "genops shipped an unreviewed migration";
      d.human_approved = false;
      ++removed;
    }
  }
  if (removed > 0) {
    const auto found = models::check_safety(scenario_, org, unapproved, shifts);
    EXPECT_EQ(std::count_if(found.begin(), found.end(),
                            [](const auto& v) { return v.policy == "db_migration_review"; }),
              removed);
  }
}

TEST_F(QuickGolden, GenopsAuditTrailVerifiesAndNamesEveryDeployment) {
  const RunResult genops = run("genops", 1);
  for (std::uint32_t o = 0; o < genops.organizations.size(); ++o) {
    const auto& org = genops.organizations[o];
    ASSERT_FALSE(org.audit.empty());
    // The chain starts at the genesis of its run and organization.
    const models::Sha256 genesis = models::audit_genesis("genops", scenario_.seed, 1, o);
    EXPECT_EQ(models::first_broken_link(org.audit, genesis), std::nullopt);
    EXPECT_EQ(
        models::first_broken_link(org.audit, models::audit_genesis("genops", scenario_.seed, 0, o)),
        0U);
    std::set<std::uint64_t> audited;
    for (const auto& a : org.audit)
      audited.insert(a.deployment);
    for (const auto& d : org.deployments) {
      // Every change that reached governance (deployed or blocked) has an audit entry.
      if (d.deploy_start_min >= 0 || d.outcome == models::Outcome::Blocked) {
        EXPECT_EQ(audited.count(d.id), 1U) << d.id;
      }
    }
    // Tampering one entry of a real trail is detected at that entry.
    auto tampered = org.audit;
    const std::size_t at = tampered.size() / 2;
    tampered[at].decision = tampered[at].decision == "ALLOWED" ? "BLOCKED" : "ALLOWED";
    EXPECT_EQ(models::first_broken_link(tampered, genesis), at);
  }
}

TEST_F(QuickGolden, AblationsAreRegisteredAndRunnable) {
  const RunResult genops = run("genops", 0);
  const std::size_t deployments = genops.deployments().size();
  for (const char* name :
       {"genops-no-rag", "genops-no-risk", "genops-no-canary", "genops-no-governance"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(registry_.contains(name));
    const RunResult run_result = run(name, 0);
    EXPECT_EQ(run_result.strategy, name);
    EXPECT_EQ(run_result.deployments().size(), deployments);
    for (const auto& org : run_result.organizations) {
      EXPECT_EQ(org.unfinished, 0U);
    }
  }
}

// Each ablation visibly lacks its pillar in the records.
TEST_F(QuickGolden, AblationsLackTheirPillar) {
  const auto records = [&](const char* name) { return run(name, 0).deployments(); };
  const auto genops = records("genops");
  EXPECT_TRUE(std::any_of(genops.begin(), genops.end(),
                          [](const auto& d) { return d.retrieval_confidence > 0; }));
  for (const auto& d : records("genops-no-rag")) {
    EXPECT_EQ(d.retrieval_confidence, -1.0F);
  }
  for (const auto& d : records("genops-no-risk")) {
    EXPECT_EQ(d.risk_score, -1.0F);
    EXPECT_NE(d.catch_point, models::CatchPoint::AiReview);
  }
  const RunResult no_canary = run("genops-no-canary", 0);
  for (const auto& org : no_canary.organizations) {
    EXPECT_TRUE(org.stages.empty());
  }
  for (const auto& d : no_canary.deployments()) {
    EXPECT_NE(d.catch_point, models::CatchPoint::Canary);
  }
  const RunResult no_governance = run("genops-no-governance", 0);
  for (const auto& org : no_governance.organizations) {
    EXPECT_TRUE(org.audit.empty());
  }
  for (const auto& d : no_governance.deployments()) {
    EXPECT_NE(d.outcome, models::Outcome::Blocked);
  }
  // Without governance nothing stops a Friday-evening or weekend rollout.
  EXPECT_GT(no_governance.violations.size(), 0U);
}

// Retrieval only sees deployments that finished before the query: every change analysed before
// the first deployment of its organization finished found no neighbour (confidence 0, the
// prior failure rate), and later ones do find neighbours (model v2: a neighbour must look like
// the same code area, similarity >= 0.8, so after quick's one week about a third do).
TEST_F(QuickGolden, RetrievalSeesOnlyDeploymentsFinishedBeforeNow) {
  const RunResult genops = run("genops", 0);
  for (const auto& org : genops.organizations) {
    ASSERT_FALSE(org.deployments.empty());
    double first_finish = org.deployments.front().end_min;
    for (const auto& d : org.deployments)
      first_finish = std::min(first_finish, d.end_min);
    int early = 0;
    int with_neighbours = 0;
    for (const auto& d : org.deployments) {
      // The (last) analysis happens before the rollout starts.
      if (d.deploy_start_min >= 0 && d.deploy_start_min < first_finish) {
        ++early;
        EXPECT_EQ(d.retrieval_confidence, 0.0F) << d.id;
        EXPECT_FLOAT_EQ(d.similar_failure_share,
                        static_cast<float>(scenario_.genops.history_prior_failure_rate))
            << d.id;
      }
      with_neighbours += d.retrieval_confidence > 0 ? 1 : 0;
    }
    EXPECT_GT(early, 0);
    EXPECT_GT(with_neighbours, static_cast<int>(org.deployments.size()) / 5);
  }
}

// Autonomy levels through the whole pipeline: SHADOW sends every deployed change to a human;
// higher levels let the AI proceed alone more often; no level weakens the policies.
TEST_F(QuickGolden, AutonomyLevelsOrderHumanApprovals) {
  const std::pair<const char*, models::AutonomyLevel> levels[] = {
      {"SHADOW", models::AutonomyLevel::Shadow},
      {"ASSISTED", models::AutonomyLevel::Assisted},
      {"GOVERNED", models::AutonomyLevel::Governed},
      {"LEARNING", models::AutonomyLevel::Learning}};
  double previous_share = 2.0;
  for (const auto& [name, level] : levels) {
    SCOPED_TRACE(name);
    models::Scenario scenario = scenario_;
    apply_override(scenario, std::string("genops.autonomy=") + name, registry_);
    ASSERT_EQ(scenario.genops.autonomy, level);
    const RunResult run_result = run_once(scenario, *registry_.create("genops", scenario), 0);
    EXPECT_TRUE(run_result.violations.empty());
    int deployed = 0;
    int approved = 0;
    for (const auto& d : run_result.deployments()) {
      if (d.deploy_start_min < 0)
        continue;
      ++deployed;
      approved += d.human_approved ? 1 : 0;
      if (level == models::AutonomyLevel::Shadow) {
        EXPECT_TRUE(d.human_approved) << d.id;
        EXPECT_EQ(d.decision, models::Decision::HumanApproval) << d.id;
      }
    }
    ASSERT_GT(deployed, 100);
    const double share = static_cast<double>(approved) / deployed;
    EXPECT_LE(share, previous_share);
    previous_share = share;
  }
  // LEARNING: the AI proceeds alone for most changes (paper's human_review_threshold 0.55 and the
  // approval policies still send ~20% to people).
  EXPECT_LT(previous_share, 0.3);
}

// A small two-zone scenario with every strategy, friday_block = true and custom stages: all
// changes finish, governed strategies never violate a policy, blocks come with an audit entry.
TEST(SmallScenario, EveryStrategyFinishesEveryChange) {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  const models::Scenario scenario = load_scenario(
      std::string(GENOPS_SOURCE_DIR) + "/tests/data/scenarios/two_zones.toml", registry);
  std::size_t changes = 0;
  for (const auto& name : registry.names()) {
    SCOPED_TRACE(name);
    const RunResult run_result = run_once(scenario, *registry.create(name, scenario), 1);
    for (const auto& org : run_result.organizations)
      EXPECT_EQ(org.unfinished, 0U);
    const auto records = run_result.deployments();
    if (changes == 0)
      changes = records.size();
    EXPECT_EQ(records.size(), changes);
    if (name != "baseline" && name != "genops-no-governance") {
      EXPECT_TRUE(run_result.violations.empty());
      for (const auto& d : records) {
        if (d.outcome == models::Outcome::Blocked) {
          EXPECT_EQ(d.decision, models::Decision::Block) << d.id;
        }
      }
    }
  }
  EXPECT_GT(changes, 50U);
}

}  // namespace
}  // namespace genops::scenarios
