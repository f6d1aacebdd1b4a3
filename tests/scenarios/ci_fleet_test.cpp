// Shared CI fleets (models/ci_fleet.hpp): the group structure, the loader's keys, that the
// fleet's capacity binds, and an exact equivalence: a fleet too large to queue makes every CI
// attempt wait exactly the dispatch latency, where private runners of that size wait zero.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/ci_fleet.hpp"
#include "models/strategy.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

const std::string kShared =
    std::string(GENOPS_SOURCE_DIR) + "/tests/data/scenarios/shared_fleet.toml";
const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";

class CiFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    models::register_builtin_strategies(registry_);
    shared_ = load_scenario(kShared, registry_);
  }
  RunResult run(const models::Scenario& scenario, const std::string& strategy) const {
    const auto created = registry_.create(strategy, scenario);
    return run_once(scenario, *created, 0);
  }
  models::Scenario with(models::Scenario scenario, const std::vector<std::string>& sets) const {
    for (const auto& set : sets)
      apply_override(scenario, set, registry_);
    return scenario;
  }
  // Mean CI wait (minutes) of the records of the organizations that use a fleet.
  static double mean_fleet_user_ci_wait(const models::Scenario& scenario, const RunResult& run) {
    double sum = 0;
    double count = 0;
    for (std::size_t o = 0; o < run.organizations.size(); ++o) {
      if (scenario.organizations[o].ci_fleet.empty())
        continue;
      for (const auto& r : run.organizations[o].deployments) {
        sum += r.ci_wait_min;
        count += 1;
      }
    }
    return count == 0 ? 0 : sum / count;
  }
  models::StrategyRegistry registry_;
  models::Scenario shared_;
};

TEST_F(CiFleetTest, OrganizationsSharingAFleetFormOneGroup) {
  const auto groups = models::coupled_groups(shared_);
  ASSERT_EQ(groups.size(), 2U);
  EXPECT_EQ(groups[0], (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(groups[1], (std::vector<int>{1}));
  EXPECT_EQ(models::fleets_of_group(shared_, groups[0]), (std::vector<int>{0}));
  EXPECT_TRUE(models::fleets_of_group(shared_, groups[1]).empty());
  EXPECT_EQ(models::fleet_lookahead(shared_), engine::SimTime::seconds(20));

  const models::Scenario quick = load_scenario(kQuick, registry_);
  const auto independent = models::coupled_groups(quick);
  ASSERT_EQ(independent.size(), quick.organizations.size());
  for (std::size_t g = 0; g < independent.size(); ++g)
    EXPECT_EQ(independent[g], (std::vector<int>{static_cast<int>(g)}));
  EXPECT_EQ(models::fleet_lookahead(quick), engine::SimTime::zero());
}

TEST_F(CiFleetTest, KeysReadSetAndWritten) {
  ASSERT_EQ(shared_.ci_fleets.size(), 1U);
  EXPECT_EQ(shared_.ci_fleets[0].name, "hosted");
  EXPECT_EQ(shared_.ci_fleets[0].runners, 2);
  EXPECT_EQ(shared_.ci_fleets[0].dispatch_latency_seconds, 20.0);
  EXPECT_EQ(shared_.organizations[3].ci_runners, 0);
  EXPECT_EQ(shared_.organizations[1].ci_fleet, "");

  const models::Scenario set =
      with(shared_, {"ci_fleets.0.runners=7", "ci_fleets.*.dispatch_latency_seconds=2.5"});
  EXPECT_EQ(set.ci_fleets[0].runners, 7);
  EXPECT_EQ(set.ci_fleets[0].dispatch_latency_seconds, 2.5);
  EXPECT_EQ(models::fleet_lookahead(set), engine::SimTime::milliseconds(2500));

  models::Scenario moved = shared_;
  EXPECT_THROW(apply_override(moved, "organizations.1.ci_fleet=nowhere", registry_), ScenarioError);
  EXPECT_THROW(apply_override(moved, "ci_fleets.3.runners=2", registry_), ScenarioError);
  EXPECT_THROW(apply_override(moved, "ci_fleets.0.dispatch_latency_seconds=0.5", registry_),
               ScenarioError);

  const auto json = nlohmann::json::parse(scenario_to_json(shared_));
  ASSERT_TRUE(json.contains("ci_fleets"));
  EXPECT_EQ(json["ci_fleets"][0]["name"], "hosted");
  EXPECT_EQ(json["organizations"][0]["ci_fleet"], "hosted");
  EXPECT_FALSE(json["organizations"][1].contains("ci_fleet"));
  // Scenarios without fleets keep the config_json they had (and so their config hash).
  const auto quick = nlohmann::json::parse(scenario_to_json(load_scenario(kQuick, registry_)));
  EXPECT_FALSE(quick.contains("ci_fleets"));
  EXPECT_FALSE(quick["organizations"][0].contains("ci_fleet"));
}

TEST_F(CiFleetTest, TheRunIsCoupledAndTheFleetReportsItsQueue) {
  const RunResult result = run(shared_, "baseline");
  EXPECT_GT(result.engine.windows, 0U);
  EXPECT_GT(result.engine.messages, 0U);
  ASSERT_EQ(result.fleets.size(), 1U);
  const models::CiFleetStats& fleet = result.fleets[0];
  EXPECT_EQ(fleet.name, "hosted");
  EXPECT_EQ(fleet.organizations, (std::vector<int>{0, 2, 3}));
  EXPECT_GT(fleet.requests, 100U);
  EXPECT_EQ(fleet.requests, fleet.started + fleet.queued_at_end);
  // Every request, start and completion is one message (some of the last may be in flight).
  EXPECT_LE(result.engine.messages, 3 * fleet.requests);
  EXPECT_GE(result.engine.messages, fleet.requests + 2 * (fleet.started - 2));
  EXPECT_GT(fleet.mean_wait_seconds(), 0.0);
  EXPECT_GE(fleet.wait_quantile_seconds(0.95), fleet.wait_quantile_seconds(0.5));
  EXPECT_LE(fleet.wait_quantile_seconds(0.95), fleet.wait_seconds_max);
  EXPECT_GT(fleet.peak_hour_utilisation(), 0.0);
  EXPECT_LE(fleet.peak_hour_utilisation(), 1.0 + 1e-12);
  // The organization without private runners ran every CI job on the fleet.
  for (const auto& sample : result.organizations[3].samples)
    EXPECT_EQ(sample.runners_busy, 0);
}

// Fewer runners in the fleet: longer queues at the fleet and longer CI waits in the records.
TEST_F(CiFleetTest, FleetCapacityBinds) {
  double previous_fleet_wait = -1;
  double previous_record_wait = -1;
  for (const char* runners : {"12", "3", "1"}) {
    const models::Scenario s =
        with(shared_, {std::string("ci_fleets.0.runners=") + runners,
                       "organizations.0.ci_runners=0", "organizations.2.ci_runners=0"});
    const RunResult result = run(s, "baseline");
    const double fleet_wait = result.fleets[0].mean_wait_seconds();
    const double record_wait = mean_fleet_user_ci_wait(s, result);
    EXPECT_GT(fleet_wait, previous_fleet_wait) << runners << " runners";
    EXPECT_GT(record_wait, previous_record_wait) << runners << " runners";
    previous_fleet_wait = fleet_wait;
    previous_record_wait = record_wait;
  }
}

// A fleet of 1,000 runners never queues: each CI attempt of a change waits exactly the dispatch
// latency (the request's trip), and private runners of the same size wait zero. Attempts are
// 1 + rework loops for every finished change (a rework always returns to CI).
TEST_F(CiFleetTest, AnUnboundedFleetAddsExactlyTheLatencyPerAttempt) {
  const models::Scenario fleet =
      with(shared_, {"ci_fleets.0.runners=1000", "ci_fleets.0.dispatch_latency_seconds=30",
                     "organizations.0.ci_runners=0", "organizations.2.ci_runners=0",
                     "organizations.1.ci_runners=1000"});
  const models::Scenario private_runners = with(fleet, {"organizations.*.ci_runners=1000"});
  for (const char* strategy : {"baseline", "genops"}) {
    SCOPED_TRACE(strategy);
    const RunResult hosted = run(fleet, strategy);
    const RunResult own = run(private_runners, strategy);
    EXPECT_EQ(hosted.fleets[0].wait_seconds_max, 0.0);
    EXPECT_EQ(own.fleets[0].requests, 0U);
    std::size_t checked = 0;
    for (const int o : {0, 2, 3}) {
      for (const auto& r : hosted.organizations[static_cast<std::size_t>(o)].deployments) {
        if (r.outcome == models::Outcome::InFlight)
          continue;
        EXPECT_FLOAT_EQ(r.ci_wait_min, 0.5F * static_cast<float>(1 + r.rework_loops)) << r.id;
        ++checked;
      }
      for (const auto& r : own.organizations[static_cast<std::size_t>(o)].deployments)
        EXPECT_EQ(r.ci_wait_min, 0.0F) << r.id;
    }
    EXPECT_GT(checked, 50U);
    // The organization that never used the fleet is unaffected by it (same streams, no coupling).
    ASSERT_EQ(hosted.organizations[1].deployments.size(), own.organizations[1].deployments.size());
    for (std::size_t i = 0; i < own.organizations[1].deployments.size(); ++i) {
      EXPECT_EQ(hosted.organizations[1].deployments[i].end_min,
                own.organizations[1].deployments[i].end_min);
    }
  }
}

// The fleet model alone, driven by hand: FIFO in delivery order, starts on free runners, every
// message to an organization takes the latency, and the wait and utilisation figures are exact.
class RecordingContext final : public engine::Context {
 public:
  struct Sent {
    engine::PartitionId target;
    engine::SimTime delay;
    engine::EventData data;
  };
  engine::SimTime now() const override { return now_; }
  engine::PartitionId partition() const override { return 99; }
  void schedule(engine::SimTime delay, const engine::EventData& data) override {
    scheduled.push_back({99, delay, data});
  }
  void schedule_at(engine::SimTime time, const engine::EventData& data) override {
    scheduled.push_back({99, time - now_, data});
  }
  void send(engine::PartitionId target, engine::SimTime delay,
            const engine::EventData& data) override {
    sent.push_back({target, delay, data});
  }
  engine::RngStream rng(std::uint64_t, std::uint32_t) const override {
    return engine::RngStream(1);
  }
  engine::SimTime now_;
  std::vector<Sent> scheduled;
  std::vector<Sent> sent;
};

engine::Event request(engine::SimTime at, engine::PartitionId organization, std::uint32_t job,
                      engine::SimTime duration) {
  return engine::Event{
      at, 0,
      engine::EventData{models::fleet_message::kRequest, organization,
                        (std::uint64_t{job} << 32) | static_cast<std::uint64_t>(duration.ticks())}};
}

TEST(CiFleetModel, ServesFifoOnFreeRunnersAndAnswersAfterTheLatency) {
  using engine::SimTime;
  models::Scenario scenario;
  scenario.duration_days = 1;  // 2025-01-06, a Monday
  scenario.ci_fleets.push_back(models::CiFleetConfig{"hosted", 2, 10.0});
  models::CiFleet fleet(scenario, 0, {5, 6});
  RecordingContext context;
  fleet.start(context);
  // Four requests at t = 0 in delivery order A (org 5), B (org 6), C (org 5), D (org 6); two
  // runners.
  fleet.handle(context, request(SimTime::zero(), 5, 1, SimTime::seconds(60)));
  fleet.handle(context, request(SimTime::zero(), 6, 2, SimTime::seconds(30)));
  fleet.handle(context, request(SimTime::zero(), 5, 3, SimTime::seconds(10)));
  fleet.handle(context, request(SimTime::zero(), 6, 4, SimTime::seconds(5)));
  ASSERT_EQ(context.sent.size(), 2U);  // A and B started, C and D queued
  EXPECT_EQ(context.sent[0].target, 5U);
  EXPECT_EQ(context.sent[0].data.type, models::fleet_message::kStarted);
  EXPECT_EQ(context.sent[0].data.target, 1U);
  EXPECT_EQ(context.sent[0].delay, SimTime::seconds(10));
  EXPECT_EQ(context.sent[1].target, 6U);
  EXPECT_EQ(context.sent[1].data.target, 2U);
  ASSERT_EQ(context.scheduled.size(), 2U);
  EXPECT_EQ(context.scheduled[0].delay, SimTime::seconds(60));
  EXPECT_EQ(context.scheduled[1].delay, SimTime::seconds(30));
  // B's runner frees at 30 s: B's "done" goes to org 6, C (first in) starts after 30 s.
  context.now_ = SimTime::seconds(30);
  fleet.handle(context, engine::Event{context.now_, 0, context.scheduled[1].data});
  ASSERT_EQ(context.sent.size(), 4U);
  EXPECT_EQ(context.sent[2].target, 6U);
  EXPECT_EQ(context.sent[2].data.type, models::fleet_message::kDone);
  EXPECT_EQ(context.sent[2].data.target, 2U);
  EXPECT_EQ(context.sent[3].target, 5U);
  EXPECT_EQ(context.sent[3].data.type, models::fleet_message::kStarted);
  EXPECT_EQ(context.sent[3].data.target, 3U);
  EXPECT_EQ(context.sent[3].data.argument,
            static_cast<std::uint64_t>(SimTime::seconds(30).ticks()));
  ASSERT_EQ(context.scheduled.size(), 3U);
  EXPECT_EQ(context.scheduled[2].delay, SimTime::seconds(10));
  // C done at 40 s: D starts after 40 s.
  context.now_ = SimTime::seconds(40);
  fleet.handle(context, engine::Event{context.now_, 0, context.scheduled[2].data});
  ASSERT_EQ(context.sent.size(), 6U);
  EXPECT_EQ(context.sent[5].target, 6U);
  EXPECT_EQ(context.sent[5].data.target, 4U);
  ASSERT_EQ(context.scheduled.size(), 4U);
  context.now_ = SimTime::seconds(45);
  fleet.handle(context, engine::Event{context.now_, 0, context.scheduled[3].data});
  context.now_ = SimTime::seconds(60);
  fleet.handle(context, engine::Event{context.now_, 0, context.scheduled[0].data});
  EXPECT_EQ(context.sent.size(), 8U);
  context.now_ = SimTime::hours(1);
  fleet.finish(context);
  const models::CiFleetStats& stats = fleet.stats();
  EXPECT_EQ(stats.requests, 4U);
  EXPECT_EQ(stats.started, 4U);
  EXPECT_EQ(stats.queued_at_end, 0U);
  EXPECT_DOUBLE_EQ(stats.mean_wait_seconds(), (0.0 + 0.0 + 30.0 + 40.0) / 4.0);
  EXPECT_DOUBLE_EQ(stats.wait_seconds_max, 40.0);
  EXPECT_DOUBLE_EQ(stats.wait_quantile_seconds(0.5), 0.0);
  EXPECT_DOUBLE_EQ(stats.wait_quantile_seconds(0.75), 30.0);
  EXPECT_DOUBLE_EQ(stats.wait_quantile_seconds(0.95), 40.0);
  // 60 + 30 + 10 + 5 busy runner-seconds in UTC hour 0 of a Monday, out of 2 x 3,600.
  EXPECT_DOUBLE_EQ(stats.busy_runner_seconds[0], 105.0);
  EXPECT_DOUBLE_EQ(stats.observed_seconds[0], 3600.0);
  EXPECT_DOUBLE_EQ(stats.peak_hour_utilisation(), 105.0 / 7200.0);
}

}  // namespace
}  // namespace genops::scenarios
