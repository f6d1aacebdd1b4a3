// The scenario loader and the command line on valid input.
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/ci_fleet.hpp"
#include "models/strategy.hpp"
#include "scenarios/cli.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

using Json = nlohmann::json;

const std::string kSource = GENOPS_SOURCE_DIR;
const std::string kQuick = kSource + "/scenarios/quick.toml";
const std::string kPaper = kSource + "/scenarios/paper.toml";

// The program's one strategy registry, as the CLI builds it.
models::StrategyRegistry builtin_strategies() {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  return registry;
}

std::pair<int, std::string> cli_stdout(const std::vector<std::string>& arguments) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = run_cli(arguments);
  ::testing::internal::GetCapturedStderr();
  return {code, ::testing::internal::GetCapturedStdout()};
}

TEST(ScenarioLoader, PaperScenarioIsTheStudy) {
  const models::StrategyRegistry strategies = builtin_strategies();
  const models::Scenario paper = load_scenario(kPaper, strategies);
  EXPECT_EQ(paper.name, "paper");
  EXPECT_EQ(paper.source, kPaper);
  EXPECT_EQ(paper.seed, 42U);
  EXPECT_EQ(paper.replications, 10);
  EXPECT_EQ(paper.duration_days, 243);
  EXPECT_EQ(paper.strategies, (std::vector<std::string>{"baseline", "genops"}));
  ASSERT_EQ(paper.organizations.size(), 3U);
  int services = 0;
  for (const auto& o : paper.organizations)
    services += o.services;
  EXPECT_EQ(services, 127);
  EXPECT_EQ(paper.organizations[0].name, "fintech");
  EXPECT_EQ(paper.organizations[0].utc_offset_hours, -5);
  EXPECT_EQ(paper.organizations[2].reviewers.count, 5);
  EXPECT_EQ(paper.warmup_days, 28);
  EXPECT_EQ(paper.genops.autonomy, models::AutonomyLevel::Governed);
  // Canary depth follows risk: one 20% stage below the threshold, the reference's five above.
  ASSERT_EQ(paper.genops.default_stages.size(), 2U);
  EXPECT_DOUBLE_EQ(paper.genops.default_stages[0].traffic_percent, 20.0);
  EXPECT_DOUBLE_EQ(paper.genops.default_stages[0].bake_minutes, 5.0);
  ASSERT_EQ(paper.genops.high_risk_stages.size(), 5U);
  EXPECT_DOUBLE_EQ(paper.genops.high_risk_stages[2].traffic_percent, 25.0);
  EXPECT_EQ(paper.genops.high_risk_stages[3].min_samples, 1000);
  EXPECT_DOUBLE_EQ(paper.genops.high_risk_stages[3].slo_relaxation, 1.2);
  EXPECT_DOUBLE_EQ(paper.genops.ai_review_strength, 0.75);
}

// quick.toml is paper.toml's world for one week: every key but these must be equal (holidays
// too: a file's holidays lie within its run, and paper.toml's fall after quick's fortnight; and
// the warm-up, which would be four times quick's week).
TEST(ScenarioLoader, QuickScenarioIsThePaperWorldForAWeek) {
  const models::StrategyRegistry strategies = builtin_strategies();
  const models::Scenario quick = load_scenario(kQuick, strategies);
  EXPECT_EQ(quick.duration_days, 7);
  EXPECT_EQ(quick.drain_days, 7);
  EXPECT_EQ(quick.replications, 2);
  Json q = Json::parse(scenario_to_json(quick));
  Json p = Json::parse(scenario_to_json(load_scenario(kPaper, strategies)));
  for (const char* key :
       {"name", "project", "duration_days", "drain_days", "replications", "warmup_days"}) {
    q.erase(key);
    p.erase(key);
  }
  for (Json* scenario : {&q, &p}) {
    for (Json& organization : (*scenario)["organizations"])
      organization.erase("holidays");
  }
  EXPECT_EQ(q, p) << "quick.toml drifted from paper.toml:\n" << Json::diff(p, q).dump(1);
}

TEST(ScenarioLoader, SmallDataScenariosLoad) {
  const models::StrategyRegistry strategies = builtin_strategies();
  const models::Scenario minimal =
      load_scenario(kSource + "/tests/data/scenarios/minimal.toml", strategies);
  ASSERT_EQ(minimal.organizations.size(), 1U);
  EXPECT_EQ(minimal.organizations[0].services, 6);
  EXPECT_EQ(minimal.organizations[0].ci_runners, models::OrganizationConfig{}.ci_runners);
  EXPECT_EQ(minimal.strategies, models::Scenario{}.strategies);

  const models::Scenario zones =
      load_scenario(kSource + "/tests/data/scenarios/two_zones.toml", strategies);
  ASSERT_EQ(zones.organizations.size(), 2U);
  const auto& west = zones.organizations[0];
  EXPECT_EQ(west.utc_offset_hours, -8);
  EXPECT_EQ(west.reviewers.working_days,
            (std::array<bool, 7>{true, true, true, true, false, false, false}));
  EXPECT_EQ(west.reviewers.work_start_hour, 10);
  ASSERT_EQ(west.freeze_windows.size(), 1U);
  EXPECT_EQ(west.freeze_windows[0].first_day, 1);
  EXPECT_EQ(west.freeze_windows[0].last_day, 2);
  EXPECT_EQ(west.holidays, std::vector<int>{3});
  EXPECT_EQ(zones.organizations[1].reviewers.count, models::ReviewerConfig{}.count);
  EXPECT_EQ(zones.genops.autonomy, models::AutonomyLevel::Learning);
  EXPECT_TRUE(zones.genops.friday_block);
  ASSERT_EQ(zones.genops.default_stages.size(), 2U);
  EXPECT_EQ(zones.genops.default_stages[0].min_samples, 100);
  EXPECT_DOUBLE_EQ(zones.genops.default_stages[1].slo_relaxation, 1.0);  // default
}

TEST(ScenarioLoader, OverridesSetTopLevelAndOrganizationKeys) {
  const models::StrategyRegistry strategies = builtin_strategies();
  models::Scenario s = load_scenario(kPaper, strategies);
  apply_override(s, "genops.retrieval_k=20", strategies);
  apply_override(s, "organizations.*.ci_runners=6", strategies);
  apply_override(s, "organizations.1.reviewers.count=7", strategies);
  apply_override(s, "genops.autonomy=LEARNING", strategies);  // a bare word is a string
  apply_override(s, "strategies=[\"genops\", \"genops-no-rag\"]", strategies);
  apply_override(s, "organizations.0.tier_shares=[0.25, 0.25, 0.25, 0.25]", strategies);
  EXPECT_EQ(s.genops.retrieval_k, 20);
  for (const auto& o : s.organizations) {
    EXPECT_EQ(o.ci_runners, 6);
  }
  EXPECT_EQ(s.organizations[0].reviewers.count, 6);
  EXPECT_EQ(s.organizations[1].reviewers.count, 7);
  EXPECT_EQ(s.genops.autonomy, models::AutonomyLevel::Learning);
  EXPECT_EQ(s.strategies, (std::vector<std::string>{"genops", "genops-no-rag"}));
  EXPECT_DOUBLE_EQ(s.organizations[0].tier_shares[3], 0.25);
  EXPECT_THROW(apply_override(s, "genops.retrieval_k=0", strategies), ScenarioError);
  EXPECT_THROW(apply_override(s, "genops.retrieval_k", strategies), ScenarioError);
}

// Whole-scenario limits (the memory budget) are checked once every --set and sweep factor is
// applied: scenarios/internet.toml declares a budget its full run does not fit, and a shorter
// run of it must be accepted. Before, the file's own estimate refused it at load time.
TEST(ScenarioLoader, MemoryBudgetIsCheckedAfterEveryOverride) {
  const models::StrategyRegistry strategies = builtin_strategies();
  const std::string internet = kSource + "/scenarios/internet.toml";
  // `run` batches organizations: the full internet run fits its 4 GiB in batches, not at once.
  const models::Scenario full = load_scenario(internet, strategies);
  EXPECT_GE(full.organizations.size(), 300U);
  const int batch = organizations_per_batch(full);
  EXPECT_GE(batch, 2);
  EXPECT_LT(batch, static_cast<int>(full.organizations.size()));
  const double gib = 1024.0 * 1024.0 * 1024.0;
  EXPECT_LE(estimated_memory_bytes(full, batch), 4 * gib);
  EXPECT_GT(estimated_memory_bytes(full, batch + 1), 4 * gib);
  EXPECT_GT(estimated_memory_bytes(full), 4 * gib);
  // `run`'s default batches close on estimated deployments: they fit the budget, hold more
  // organizations than a count sized for the largest ones, and a limit 10% higher would not fit.
  const double per_batch = deployments_per_batch(full);
  EXPECT_LE(estimated_memory_bytes(full, 0, per_batch), 4 * gib);
  EXPECT_GT(estimated_memory_bytes(full, 0, per_batch * 1.1), 4 * gib);
  const auto groups = models::coupled_groups(full);
  const auto by_deployments =
      plan_batches(groups, 0, estimated_organization_deployments(full), per_batch);
  EXPECT_LT(by_deployments.size() * 3, plan_batches(groups, batch).size() * 2);
  models::Scenario s = load_scenario(internet, strategies, Validation::Deferred);
  apply_override(s, "max_memory_gib=0.5", strategies, Validation::Deferred);
  EXPECT_THROW(validate_scenario(s, strategies), ScenarioError);
  apply_override(s, "duration_days=1", strategies, Validation::Deferred);
  EXPECT_NO_THROW(validate_scenario(s, strategies));
  EXPECT_EQ(organizations_per_batch(s), static_cast<int>(s.organizations.size()));
  // Order does not matter: an intermediate state over budget is fine, the final one is checked.
  models::Scenario paper = load_scenario(kPaper, strategies, Validation::Deferred);
  apply_override(paper, "max_memory_gib=0.07", strategies, Validation::Deferred);
  EXPECT_THROW(validate_scenario(paper, strategies), ScenarioError);
  apply_override(paper, "replications=1", strategies, Validation::Deferred);
  apply_override(paper, "duration_days=3", strategies, Validation::Deferred);
  EXPECT_NO_THROW(validate_scenario(paper, strategies));
  // Complete (the default) still checks at once.
  EXPECT_THROW(apply_override(paper, "duration_days=200", strategies), ScenarioError);
  // The command line: validate refuses an over-budget file with exit 2, accepts internet.toml.
  EXPECT_EQ(cli_stdout({"validate", internet, "--set", "max_memory_gib=0.5"}).first, 2);
  EXPECT_EQ(cli_stdout({"validate", internet}).first, 0);
  EXPECT_EQ(cli_stdout({"validate", kPaper, "--set", "max_memory_gib=0.07", "--set",
                        "replications=1", "--set", "duration_days=3"})
                .first,
            0);
}

// The memory model (scenarios/README.md "Memory"): beyond the organizations in flight, each
// deployment of a run costs only the 40 bytes kept for exact quantiles.
TEST(ScenarioLoader, MemoryEstimateIsPerOrganizationInFlightPlusKeptValues) {
  const models::StrategyRegistry strategies = builtin_strategies();
  models::Scenario s = load_scenario(kQuick, strategies);
  const double deployments = estimated_deployments(s);
  const double one = estimated_memory_bytes(s, 1);
  const double all = estimated_memory_bytes(s);
  EXPECT_GT(all, one);
  // Adding replications adds only the kept bytes.
  s.replications += 1;
  EXPECT_DOUBLE_EQ(estimated_memory_bytes(s), all + 40 * deployments);
  EXPECT_EQ(organizations_per_batch(s), static_cast<int>(s.organizations.size()));
}

// The loader checks names against the registry it is given, not one of its own: a name the
// caller's registry lacks is refused with file, line and key; one only it has is accepted.
TEST(ScenarioLoader, StrategyNamesAreCheckedAgainstTheCallersRegistry) {
  models::StrategyRegistry only_baseline;
  only_baseline.add("baseline", "the only one", [](const models::Scenario&) {
    return builtin_strategies().create("baseline", models::Scenario{});
  });
  try {
    load_scenario(kQuick, only_baseline);  // strategies = ["baseline", "genops"] at line 11
    FAIL() << "quick.toml loaded against a registry without genops";
  } catch (const ScenarioError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("quick.toml:11:"), std::string::npos) << message;
    EXPECT_NE(message.find("key 'strategies'"), std::string::npos) << message;
    EXPECT_NE(message.find("unknown strategy 'genops'"), std::string::npos) << message;
    EXPECT_NE(message.find("(baseline)"), std::string::npos) << message;
  }
  models::StrategyRegistry extended = builtin_strategies();
  extended.add("custom", "a caller's own", [](const models::Scenario& scenario) {
    return builtin_strategies().create("genops", scenario);
  });
  models::Scenario s = load_scenario(kQuick, extended);
  apply_override(s, "strategies=[\"baseline\", \"custom\"]", extended);
  EXPECT_EQ(s.strategies, (std::vector<std::string>{"baseline", "custom"}));
  EXPECT_THROW(apply_override(s, "strategies=[\"custom\"]", builtin_strategies()), ScenarioError);
  EXPECT_THROW(validate_scenario(s, builtin_strategies()), ScenarioError);
}

TEST(ScenarioLoader, KeyTableDocumentsEveryKeyOnce) {
  const auto keys = scenario_keys();
  EXPECT_GT(keys.size(), 80U);
  std::set<std::string> names;
  for (const auto& k : keys) {
    EXPECT_TRUE(names.insert(k.key).second) << "duplicate key " << k.key;
    EXPECT_FALSE(k.type.empty()) << k.key;
    EXPECT_FALSE(k.description.empty()) << k.key;
    EXPECT_FALSE(k.default_value.empty()) << k.key;
  }
  for (const char* expected :
       {"seed", "duration_days", "organizations.*.reviewers.count", "genops.retrieval_k",
        "genops.default_stages", "baseline.verification_bake_minutes", "defects.test_detection"}) {
    EXPECT_EQ(names.count(expected), 1U) << expected;
  }
}

TEST(ScenarioLoader, ResolvedJsonRoundTripsThroughTheLoader) {
  const models::StrategyRegistry strategies = builtin_strategies();
  const models::Scenario quick = load_scenario(kQuick, strategies);
  const Json json = Json::parse(scenario_to_json(quick));
  EXPECT_EQ(json["seed"], 42);
  EXPECT_EQ(json["organizations"][1]["name"], "retail");
  EXPECT_EQ(json["organizations"][0]["reviewers"]["count"], 6);
  EXPECT_EQ(json["genops"]["autonomy"], "GOVERNED");
  EXPECT_EQ(json["genops"]["default_stages"].size(), 2U);
  EXPECT_EQ(json["genops"]["high_risk_stages"].size(), 5U);
  EXPECT_EQ(json["assumptions"]["ai_review_strength"], 0.75);
}

TEST(CommandLine, ValidateReportsTheWorldAndHonoursSet) {
  const auto [code, out] = cli_stdout({"validate", kPaper});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("ok (3 organizations, 127 services, 243 days"), std::string::npos) << out;

  const auto [json_code, json_text] =
      cli_stdout({"validate", kQuick, "--json", "--set", "genops.retrieval_k=25", "--set",
                  "organizations.*.ci_runners=9", "--set", "organizations.2.services=11"});
  ASSERT_EQ(json_code, 0);
  const Json resolved = Json::parse(json_text);
  EXPECT_EQ(resolved["genops"]["retrieval_k"], 25);
  for (const auto& o : resolved["organizations"]) {
    EXPECT_EQ(o["ci_runners"], 9);
  }
  EXPECT_EQ(resolved["organizations"][2]["services"], 11);
  EXPECT_EQ(resolved["organizations"][0]["services"], 42);
}

TEST(CommandLine, RunPrintsTheJsonSummaryWithOverrides) {
  const auto [code, out] =
      cli_stdout({"run", kQuick, "--json", "--quiet", "--replications", "1", "--seed", "9",
                  "--threads", "2", "--strategies", "baseline,genops", "--set", "duration_days=2"});
  ASSERT_EQ(code, 0);
  const Json summary = Json::parse(out);
  EXPECT_EQ(summary["seed"], 9);
  EXPECT_EQ(summary["replications"], 1);
  EXPECT_EQ(summary["scenario"], "quick");
  ASSERT_TRUE(summary["strategies"].contains("baseline"));
  ASSERT_TRUE(summary["strategies"].contains("genops"));
  const auto& genops = summary["strategies"]["genops"];
  for (const char* field :
       {"deployments", "succeeded", "rolled_back", "failed", "blocked", "success_rate",
        "rollback_rate", "failure_rate", "block_rate", "median_cycle_time_min",
        "p90_cycle_time_min", "safety_violations", "canary_catch_rate"}) {
    EXPECT_TRUE(genops.contains(field)) << field;
  }
  EXPECT_GT(genops["deployments"].get<int>(), 0);
  // Two days of traffic instead of seven.
  EXPECT_LT(genops["deployments"].get<int>(), 250);
  EXPECT_EQ(genops["deployments"], summary["strategies"]["baseline"]["deployments"]);
  // Every rate states its denominator; the counts add up (issue 10).
  for (const char* field : {"in_flight", "in_flight_rate", "deployed", "deployment_success_rate",
                            "mean_ci_wait_min", "mean_review_wait_min", "met_at", "accounting"}) {
    EXPECT_TRUE(genops.contains(field)) << field;
  }
  const auto& accounting = genops["accounting"];
  EXPECT_EQ(accounting["arrivals"], genops["deployments"]);
  EXPECT_EQ(accounting["in_flight"], genops["in_flight"]);
  EXPECT_EQ(accounting["finished"].get<int>() + accounting["in_flight"].get<int>(),
            accounting["arrivals"].get<int>());
  EXPECT_EQ(accounting["denominators"]["success_rate"], "arrivals");
  EXPECT_EQ(accounting["denominators"]["median_cycle_time_min"], "finished");
  EXPECT_EQ(accounting["denominators"]["change_failure_rate"], "deployed");
  for (const auto& [rate, denominator] : accounting["denominators"].items()) {
    EXPECT_TRUE(genops.contains(rate)) << rate;
    EXPECT_TRUE(accounting.contains(denominator.get<std::string>()) ||
                genops.contains(denominator.get<std::string>()))
        << rate << " divides by " << denominator;
  }
  for (const char* field : {"events", "wall_seconds", "events_per_second", "threads"}) {
    EXPECT_TRUE(summary["engine"].contains(field)) << field;
  }
}

}  // namespace
}  // namespace genops::scenarios
