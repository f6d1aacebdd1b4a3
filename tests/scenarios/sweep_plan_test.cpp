// Parameter studies: the [sweep] table's factors (lists, ranges, log ranges, grid and zip),
// iteration variables, filters, common random numbers across points, and the bad-sweep corpus
// (tests/data/scenarios/bad_sweep, the header format of tests/data/scenarios/bad).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "models/strategy.hpp"
#include "scenarios/cli.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep_plan.hpp"
#include "scenarios/task_shard.hpp"

namespace genops::scenarios {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GENOPS_SOURCE_DIR) / "tests/data/scenarios/bad_sweep";

constexpr const char* kWorld = R"(name = "sweep-r${runners}-${region}"
seed = 5
replications = 1
duration_days = 3
drain_days = 3

[[organizations]]
name = "solo"
services = 6
)";

const models::StrategyRegistry& strategies() {
  static const models::StrategyRegistry registry = [] {
    models::StrategyRegistry r;
    models::register_builtin_strategies(r);
    return r;
  }();
  return registry;
}

// One file per test and name: ctest runs the tests as parallel processes, so a name shared by
// two tests would let one read the other's half-written file.
std::string write_scenario(const std::string& name, const std::string& sweep) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path path = fs::temp_directory_path() / ("genops_sweep_" + test + "_" + name + ".toml");
  std::ofstream(path) << kWorld << sweep;
  return path.string();
}

const std::string kGrid = R"(
[sweep]
replications = 2
[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
from = 2
to = 8
step = 3
[[sweep.factors]]
name = "region"
values = ["eu", "us"]
[[sweep.factors]]
name = "rate"
key = "organizations.*.deploys_per_service_per_day"
from = 0.1
to = 10.0
points = 3
scale = "log"
)";

// DIR/sweep.json (`sweep status DIR`) gives back the plan's points, labels and hashes.
TEST(SweepPlan, JsonRoundTripKeepsPointsLabelsAndHashes) {
  const SweepPlan plan = load_sweep_plan(write_scenario("json", kGrid), strategies());
  const SweepPlan back = sweep_plan_from_json(sweep_plan_json(plan, {}), "sweep.json");
  ASSERT_EQ(back.points.size(), plan.points.size());
  ASSERT_EQ(back.factors.size(), plan.factors.size());
  EXPECT_EQ(back.strategies, plan.strategies);
  EXPECT_EQ(back.replications, plan.replications);
  EXPECT_EQ(back.seed, plan.seed);
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    EXPECT_EQ(back.points[p].config_sha256, plan.points[p].config_sha256);
    EXPECT_EQ(back.point_label(p), plan.point_label(p));
    EXPECT_EQ(back.points[p].overrides, plan.points[p].overrides);
  }
  EXPECT_THROW(sweep_plan_from_json("{\"schema\": \"other\"}", "x.json"), engine::InputError);
  EXPECT_THROW(sweep_plan_from_json("not json", "x.json"), engine::InputError);
}

// Task I of N takes items I, I+N, ...: every item exactly once over the tasks.
TEST(TaskShard, DealsItemsRoundRobinAndCoversEachOnce) {
  const std::vector<std::size_t> items = {3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(shard(items, TaskShard{1, 3, "test"}), (std::vector<std::size_t>{4, 7}));
  std::vector<std::size_t> all;
  for (std::size_t task = 0; task < 3; ++task) {
    const auto part = shard(items, TaskShard{task, 3, "test"});
    all.insert(all.end(), part.begin(), part.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, items);
  EXPECT_EQ(shard(items, TaskShard{}), items);
}

TEST(SweepPlan, FullGridWithTheFirstFactorOutermost) {
  const SweepPlan plan = load_sweep_plan(write_scenario("grid", kGrid), strategies());
  ASSERT_EQ(plan.factors.size(), 3U);
  EXPECT_EQ(plan.factors[0].labels, (std::vector<std::string>{"2", "5", "8"}));
  EXPECT_EQ(plan.factors[1].labels, (std::vector<std::string>{"eu", "us"}));
  EXPECT_EQ(plan.factors[2].values, (std::vector<std::string>{"0.1", "1.0", "10.0"}));
  ASSERT_EQ(plan.points.size(), 3U * 2U * 3U);
  EXPECT_EQ(plan.replications, 2);
  EXPECT_EQ(plan.run_count(), 18U * 2U * 2U);
  EXPECT_EQ(plan.points[0].levels, (std::vector<std::size_t>{0, 0, 0}));
  EXPECT_EQ(plan.points[1].levels, (std::vector<std::size_t>{0, 0, 1}));
  EXPECT_EQ(plan.points[6].levels, (std::vector<std::size_t>{1, 0, 0}));
  const SweepPoint& last = plan.points.back();
  EXPECT_EQ(last.scenario.organizations[0].ci_runners, 8);
  EXPECT_DOUBLE_EQ(last.scenario.organizations[0].deploys_per_service_per_day, 10.0);
  EXPECT_NEAR(plan.points[1].scenario.organizations[0].deploys_per_service_per_day, 1.0, 1e-12);
  // Iteration variables in strings, also for factors without a key.
  EXPECT_EQ(last.scenario.name, "sweep-r8-us");
  EXPECT_EQ(plan.points[0].scenario.name, "sweep-r2-eu");
  EXPECT_EQ(last.overrides,
            (std::vector<std::string>{"organizations.*.ci_runners=8",
                                      "organizations.*.deploys_per_service_per_day=10.0"}));
  // Every point has its own configuration hash.
  std::vector<std::string> hashes;
  for (const auto& point : plan.points)
    hashes.push_back(point.config_sha256);
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(std::unique(hashes.begin(), hashes.end()), hashes.end());
}

TEST(SweepPlan, TheShippedCapacityStudyLabelsItsStageListsByBakeTime) {
  const SweepPlan plan =
      load_sweep_plan(std::string(GENOPS_SOURCE_DIR) + "/scenarios/capacity.toml", strategies());
  ASSERT_EQ(plan.points.size(), 27U);
  EXPECT_EQ(plan.run_count(), 270U);
  ASSERT_EQ(plan.factors[2].name, "bake");
  EXPECT_EQ(plan.factors[2].labels, (std::vector<std::string>{"1.5", "5.0", "15.0"}));
  EXPECT_EQ(factor_value_json(plan.factors[2], 2), "15.0");
  const SweepPoint& point = plan.points[5];  // reviewers=2 runners=3 bake=15
  EXPECT_EQ(plan.point_label(5), "reviewers=2 runners=3 bake=15.0");
  EXPECT_EQ(point.scenario.name, "capacity-r2-c3-b15.0");
  for (const auto& organization : point.scenario.organizations) {
    EXPECT_EQ(organization.reviewers.count, 2);
    EXPECT_EQ(organization.ci_runners, 3);
  }
  ASSERT_FALSE(point.scenario.genops.default_stages.empty());
  EXPECT_DOUBLE_EQ(point.scenario.genops.default_stages.front().bake_minutes, 15.0);
}

TEST(SweepPlan, RunNumbersArePointMajorThenStrategyThenReplication) {
  const SweepPlan plan = load_sweep_plan(write_scenario("grid", kGrid), strategies());
  const SweepRun run = plan.run(4 * 2 * 2 + 1 * 2 + 1);
  EXPECT_EQ(run.point, 4U);
  EXPECT_EQ(run.strategy, 1U);
  EXPECT_EQ(run.replication, 1);
  EXPECT_EQ(plan.run_id(run), "p0004-genops-r1");
}

TEST(SweepPlan, ZippedFactorsAdvanceTogether) {
  const SweepPlan plan = load_sweep_plan(write_scenario("zip", R"(
[sweep]
mode = "zip"
[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
values = [1, 2, 4]
[[sweep.factors]]
name = "region"
values = ["a", "b", "c"]
)"),
                                         strategies());
  ASSERT_EQ(plan.points.size(), 3U);
  EXPECT_EQ(plan.points[2].scenario.organizations[0].ci_runners, 4);
  EXPECT_EQ(plan.points[2].scenario.name, "sweep-r4-c");
  EXPECT_EQ(plan.point_label(1), "runners=2 region=b");
}

TEST(SweepPlan, CommandLineOverridesApplyToEveryPointAndFactorsWin) {
  SweepOverrides overrides;
  overrides.assignments = {"seed=9", "replications=3", "organizations.*.ci_runners=50",
                           "organizations.*.services=7"};
  const SweepPlan plan = load_sweep_plan(write_scenario("grid", kGrid), strategies(), overrides);
  EXPECT_EQ(plan.seed, 9U);
  EXPECT_EQ(plan.replications, 3);
  for (const auto& point : plan.points) {
    EXPECT_EQ(point.scenario.organizations[0].services, 7);
    EXPECT_NE(point.scenario.organizations[0].ci_runners, 50);
  }
}

// The memory budget is checked per point after its factors: a budget only the shorter points fit
// refuses the plan naming the point, and a factor that shrinks an over-budget file is accepted.
TEST(SweepPlan, MemoryBudgetIsCheckedAfterEveryFactor) {
  const std::string factor = R"(
[sweep]
[[sweep.factors]]
name = "days"
key = "duration_days"
values = [1, 3000]
[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
values = [2]
[[sweep.factors]]
name = "region"
values = ["eu"]
)";
  SweepOverrides tight;
  // 0.07 GiB: above the estimate's fixed 64 MiB (the writer's buffers, HDF5's caches), below
  // it plus a 3000-day point's records.
  tight.assignments = {"max_memory_gib=0.07"};
  try {
    load_sweep_plan(write_scenario("budget", factor), strategies(), tight);
    ADD_FAILURE() << "a 3000-day point fits 0.07 GiB";
  } catch (const engine::InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("max_memory_gib"), std::string::npos) << message;
    EXPECT_NE(message.find("(sweep point 1)"), std::string::npos) << message;
  }
  // --set makes every point 3000 days (over budget); the factor then shrinks each to fit.
  SweepOverrides shrunk;
  shrunk.assignments = {"max_memory_gib=0.07", "duration_days=3000"};
  const std::string shrink = R"(
[sweep]
[[sweep.factors]]
name = "days"
key = "duration_days"
values = [1, 2]
[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
values = [2]
[[sweep.factors]]
name = "region"
values = ["eu"]
)";
  EXPECT_EQ(load_sweep_plan(write_scenario("shrink", shrink), strategies(), shrunk).points.size(),
            2U);
}

TEST(SweepPlan, FiltersSelectRunsLikeOmnetppRunFilters) {
  const SweepPlan plan = load_sweep_plan(write_scenario("grid", kGrid), strategies());
  EXPECT_EQ(select_runs(plan, {}).size(), plan.run_count());
  const auto some = select_runs(plan, {"0..2,10,70.."});
  ASSERT_EQ(some.size(), 3U + 1U + 2U);
  EXPECT_EQ(some[3].number, 10U);
  EXPECT_EQ(some.back().number, 71U);
  const auto genops_us = select_runs(plan, {"strategy=genops", "region=us", "replication=1"});
  ASSERT_EQ(genops_us.size(), 9U);
  for (const auto& run : genops_us) {
    EXPECT_EQ(plan.strategies[run.strategy], "genops");
    EXPECT_EQ(plan.factors[1].labels[plan.points[run.point].levels[1]], "us");
    EXPECT_EQ(run.replication, 1);
  }
  EXPECT_EQ(select_runs(plan, {"runners=2,8", "point=0..8"}).size(), 6U * 4U);
  EXPECT_EQ(select_points(plan, {"runners=5"}), (std::vector<std::size_t>{6, 7, 8, 9, 10, 11}));
  EXPECT_THROW(select_points(plan, {"strategy=genops"}), engine::InputError);
  EXPECT_THROW(select_runs(plan, {"runners=3"}), engine::InputError);
  EXPECT_THROW(select_runs(plan, {"colour=red"}), engine::InputError);
  EXPECT_THROW(select_runs(plan, {"1...x"}), engine::InputError);
}

TEST(SweepPlan, AFileWithoutASweepIsOnePointAndRunIgnoresTheSweepTable) {
  const std::string path = write_scenario("grid", kGrid);
  EXPECT_EQ(load_sweep_plan(std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml", strategies())
                .points.size(),
            1U);
  ::testing::internal::CaptureStdout();
  const int code = run_cli({"validate", path});
  ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
}

// Common random numbers across points: replication r of every point replays the same arriving
// changes (a factor that does not touch traffic changes outcomes, not the changes).
TEST(SweepPlan, EveryPointReplaysTheSameChangesPerReplication) {
  const SweepPlan plan = load_sweep_plan(
      write_scenario("crn", R"(
[sweep]
[[sweep.factors]]
name = "runners"
key = "organizations.*.ci_runners"
values = [1, 6]
[[sweep.factors]]
name = "region"
values = ["eu"]
)"),
      strategies(), SweepOverrides{{"organizations.*.deploys_per_service_per_day=8"}});
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  std::vector<std::vector<models::DeploymentRecord>> records;
  for (const auto& point : plan.points) {
    const auto strategy = registry.create("baseline", point.scenario);
    records.push_back(run_once(point.scenario, *strategy, 0).deployments());
  }
  ASSERT_GT(records[0].size(), 10U);
  ASSERT_EQ(records[0].size(), records[1].size());
  bool cycle_times_differ = false;
  for (std::size_t i = 0; i < records[0].size(); ++i) {
    EXPECT_EQ(records[0][i].id, records[1][i].id);
    EXPECT_EQ(records[0][i].arrival_min, records[1][i].arrival_min);
    EXPECT_EQ(records[0][i].latent_defect, records[1][i].latent_defect);
    EXPECT_EQ(records[0][i].service, records[1][i].service);
    cycle_times_differ =
        cycle_times_differ || records[0][i].cycle_time_min != records[1][i].cycle_time_min;
  }
  EXPECT_TRUE(cycle_times_differ) << "one CI runner vs six made no difference";
}

// ---- The bad-sweep corpus ----------------------------------------------------------------------

struct BadSweep {
  fs::path path;
  std::map<std::string, std::string> header;
};

void PrintTo(const BadSweep& each, std::ostream* out) {
  *out << each.path.filename().string();
}

std::vector<BadSweep> corpus() {
  std::vector<BadSweep> out;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    BadSweep c{entry.path(), {}};
    std::ifstream in(entry.path());
    std::string text;
    while (std::getline(in, text) && text.rfind("# ", 0) == 0) {
      const std::size_t colon = text.find(": ");
      if (colon != std::string::npos)
        c.header[text.substr(2, colon - 2)] = text.substr(colon + 2);
    }
    out.push_back(c);
  }
  std::sort(out.begin(), out.end(),
            [](const BadSweep& a, const BadSweep& b) { return a.path < b.path; });
  return out;
}

class BadSweepFile : public ::testing::TestWithParam<BadSweep> {};

TEST_P(BadSweepFile, IsOneLineNamingFileLineKeyAndExpectationWithExitTwo) {
  const BadSweep& c = GetParam();
  const std::string file = c.path.filename().string();
  ASSERT_FALSE(c.header.at("expect").empty());
  for (const char* sub : {"plan", "run"}) {
    std::vector<std::string> arguments = {"sweep", sub, c.path.string()};
    if (std::string(sub) == "run") {
      arguments.push_back("--out");
      arguments.push_back((fs::temp_directory_path() / "genops_bad_sweep_out").string());
    }
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int code = run_cli(arguments);
    ::testing::internal::GetCapturedStdout();
    const std::string printed = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 2) << printed;
    EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 1) << printed;
    EXPECT_NE(printed.find(c.header.at("expect")), std::string::npos) << printed;
    EXPECT_NE(printed.find("key '" + c.header.at("key") + "'"), std::string::npos) << printed;
    const std::string line = c.header.at("line");
    const std::string where = line == "-" ? file + ":" : file + ":" + line + ":";
    EXPECT_NE(printed.find(where), std::string::npos) << "expected " << where << " in " << printed;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadSweepFile, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<BadSweep>& param_info) {
                           return param_info.param.path.stem().string();
                         });

TEST(BadSweepCorpus, HasOneFilePerErrorKind) {
  EXPECT_GE(corpus().size(), 9U);
}

}  // namespace
}  // namespace genops::scenarios
