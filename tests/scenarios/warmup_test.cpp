// warmup_days (issue 10, item 8): the world runs before start_date, then nothing from the warm-up
// enters any record or statistic. Fixed seeds on scenarios/quick.toml (7 measured days).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/calendar.hpp"
#include "models/strategy.hpp"
#include "models/world.hpp"
#include "results/results_io.hpp"
#include "scenarios/cli.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/quick_fixture.hpp"

namespace genops::scenarios {
namespace {

namespace fs = std::filesystem;
using engine::SimTime;

const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";
constexpr int kWarmup = 14;

class Warmup : public QuickScenarioTest {
 protected:
  models::Scenario quick(int warmup_days, std::initializer_list<const char*> overrides = {}) const {
    std::vector<std::string> assignments{"warmup_days=" + std::to_string(warmup_days)};
    assignments.insert(assignments.end(), overrides.begin(), overrides.end());
    return quick_with(assignments);
  }
};

// Nothing in any output table is dated before start_date, and warm-up changes are counted.
TEST_F(Warmup, NoRecordBeforeStartDate) {
  const models::Scenario scenario = quick(kWarmup);
  for (const char* strategy : {"baseline", "genops"}) {
    const RunResult result = run(scenario, strategy);
    std::uint64_t warm = 0;
    std::size_t stages = 0;
    std::size_t awus = 0;
    std::size_t audit = 0;
    for (const models::PipelineOutput& out : result.organizations) {
      warm += out.warmup_arrivals;
      for (const auto& d : out.deployments) {
        ASSERT_GE(d.arrival_min, 0.0) << strategy << " " << d.id;
        ASSERT_GE(d.end_min, d.arrival_min);
      }
      for (const auto& s : out.shifts)
        ASSERT_GE(s.time_min, 0.0) << strategy;
      for (const auto& s : out.stages)
        ASSERT_GE(s.start_min, 0.0) << strategy;
      for (const auto& a : out.awus)
        ASSERT_GE(a.start_min, 0.0) << strategy;
      for (const auto& a : out.audit)
        ASSERT_GE(a.time_min, 0.0) << strategy;
      for (const auto& s : out.samples)
        ASSERT_GE(s.time_min, 0.0) << strategy;
      for (const auto& b : out.warmup_burns)
        ASSERT_LT(b.arrival_min, 0.0) << strategy;
      ASSERT_FALSE(out.samples.empty());
      EXPECT_EQ(out.samples.front().time_min, 0.0) << "the first sample is at start_date";
      stages += out.stages.size();
      awus += out.awus.size();
      audit += out.audit.size();
    }
    EXPECT_GT(warm, 100U) << strategy << ": two weeks of warm-up traffic";
    if (std::string(strategy) == "genops") {
      EXPECT_GT(stages, 0U);
      EXPECT_GT(awus, 0U);
      EXPECT_GT(audit, 0U);
    }
  }
}

// The warm-up changes are exactly the generated arrivals before start_date; the measured window
// keeps the rest. The measured window's arrival count is what the arrival process gives for 7
// days with or without a warm-up before them (a Poisson count: within 4 standard deviations).
TEST_F(Warmup, ExcludesExactlyTheWarmupArrivals) {
  const models::Scenario warm = quick(kWarmup);
  const models::Scenario cold = quick(0);
  const RunResult result = run(warm, "baseline");
  const RunResult reference = run(cold, "baseline");
  std::uint64_t measured = 0;
  std::uint64_t measured_cold = 0;
  for (std::size_t o = 0; o < result.organizations.size(); ++o) {
    const models::Organization world =
        models::build_organization(warm, static_cast<int>(o), models::RunKey{warm.seed, 0});
    const auto before = static_cast<std::uint64_t>(
        std::count_if(world.changes.begin(), world.changes.end(),
                      [](const models::Change& c) { return c.arrival < SimTime::days(kWarmup); }));
    const models::PipelineOutput& out = result.organizations[o];
    EXPECT_EQ(out.warmup_arrivals, before) << "organization " << o;
    EXPECT_EQ(out.deployments.size() + before, world.changes.size()) << "organization " << o;
    // Arrivals reach the last measured day (the arrival window is warm-up + duration).
    ASSERT_FALSE(out.deployments.empty());
    EXPECT_GT(out.deployments.back().arrival_min, (warm.duration_days - 1) * 1440.0);
    EXPECT_LT(out.deployments.back().arrival_min, warm.duration_days * 1440.0);
    measured += out.deployments.size();
    measured_cold += reference.organizations[o].deployments.size();
  }
  const double spread = 4.0 * std::sqrt(static_cast<double>(measured_cold));
  EXPECT_NEAR(static_cast<double>(measured), static_cast<double>(measured_cold), spread);
  // Two weeks of warm-up carry about twice the measured week's arrivals.
  std::uint64_t warm_total = 0;
  for (const auto& out : result.organizations)
    warm_total += out.warmup_arrivals;
  EXPECT_NEAR(static_cast<double>(warm_total), 2.0 * static_cast<double>(measured_cold),
              4.0 * spread);
}

// The calendar stays on its dates: the simulation clock's day kWarmup is start_date's weekday,
// and a freeze day given relative to start_date falls kWarmup days later on the clock.
TEST_F(Warmup, CalendarKeepsItsDates) {
  const models::Scenario warm = quick(kWarmup, {"organizations.*.freeze_windows=[[2, 3]]"});
  const models::Organization world =
      models::build_organization(warm, 0, models::RunKey{warm.seed, 0});
  const int offset = warm.organizations[0].utc_offset_hours;
  const SimTime noon = SimTime::hours(12 - offset);  // local noon
  EXPECT_EQ(world.calendar.weekday(SimTime::days(kWarmup) + noon),
            models::iso_weekday(warm.start_date));
  EXPECT_EQ(world.calendar.weekday(noon),
            ((models::iso_weekday(warm.start_date) - kWarmup) % 7 + 7) % 7);
  EXPECT_FALSE(world.calendar.in_freeze_window(SimTime::days(2) + noon));
  EXPECT_TRUE(world.calendar.in_freeze_window(SimTime::days(kWarmup + 2) + noon));
  EXPECT_TRUE(world.calendar.in_freeze_window(SimTime::days(kWarmup + 3) + noon));
  EXPECT_FALSE(world.calendar.in_freeze_window(SimTime::days(kWarmup + 4) + noon));
  // No measured non-hotfix shift of the sound strategies lands in the freeze (day 2-3 local).
  const RunResult result = run(warm, "genops");
  EXPECT_TRUE(result.violations.empty());
}

// The mechanism: with a warm-up the retrieval index holds history when the measured window
// opens, so the first measured days' retrieval confidence and neighbours are higher.
TEST_F(Warmup, EarlyRetrievalConfidenceRisesWithWarmup) {
  const auto early = [&](int warmup_days) {
    const RunResult result = run(quick(warmup_days), "genops");
    double confidence = 0;
    double found = 0;
    int n = 0;
    for (const auto& out : result.organizations) {
      for (const auto& d : out.deployments) {
        if (d.arrival_min < 2 * 1440.0 && d.retrieval_confidence >= 0) {
          confidence += d.retrieval_confidence;
          found += d.neighbours_found;
          ++n;
        }
      }
    }
    EXPECT_GT(n, 50) << "warm-up " << warmup_days;
    return std::pair{confidence / n, found / n};
  };
  const auto [cold_confidence, cold_found] = early(0);
  const auto [warm_confidence, warm_found] = early(kWarmup);
  std::cout << "first two measured days: retrieval confidence " << cold_confidence << " -> "
            << warm_confidence << ", neighbours found " << cold_found << " -> " << warm_found
            << " (warm-up 0 -> " << kWarmup << " days)\n";
  EXPECT_GT(warm_confidence, cold_confidence + 0.05);
  EXPECT_GT(warm_found, cold_found + 1.0);
}

// A results file of a warmed-up study verifies (the kept chain is the measured changes' own) and
// states how many warm-up arrivals it left out.
TEST_F(Warmup, ResultsFileAuditVerifies) {
  const fs::path dir = fs::path(GENOPS_BINARY_DIR) / "warmup_test" / std::to_string(::getpid());
  fs::create_directories(dir);
  const fs::path file = dir / "warm.h5";
  fs::remove(file);
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_cli({"run", kQuick, "--set", "warmup_days=" + std::to_string(kWarmup),
                     "--replications", "1", "--quiet", "--out", file.string()}),
            0);
  ::testing::internal::GetCapturedStdout();
  const results::StudyRecords study = results::read_study(file);
  const models::Scenario scenario = quick(kWarmup);
  std::uint64_t expected = 0;  // the world's arrivals before start_date, replication 0
  for (std::size_t o = 0; o < scenario.organizations.size(); ++o) {
    const models::Organization world =
        models::build_organization(scenario, static_cast<int>(o), models::RunKey{scenario.seed, 0});
    expected += static_cast<std::uint64_t>(
        std::count_if(world.changes.begin(), world.changes.end(),
                      [](const models::Change& c) { return c.arrival < SimTime::days(kWarmup); }));
  }
  ASSERT_FALSE(study.runs.empty());
  for (const auto& run : study.runs) {
    EXPECT_EQ(run.warmup_arrivals, expected) << run.strategy;  // the run's attribute
    for (const auto& d : run.deployments)
      ASSERT_GE(d.arrival_min, 0.0);
  }
  ::testing::internal::CaptureStdout();
  const int code = run_cli({"audit", "verify", file.string()});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0) << out;
}

// Bad input: warmup_days is a day count in [0, 365] like drain_days; anything else is refused
// with the key named, and `validate` exits 2.
TEST_F(Warmup, OutOfRangeIsRefused) {
  for (const char* bad : {"warmup_days=-1", "warmup_days=366", "warmup_days=1.5"}) {
    models::Scenario scenario = load_scenario(kQuick, registry_);
    try {
      apply_override(scenario, bad, registry_);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ScenarioError& error) {
      EXPECT_NE(std::string(error.what()).find("warmup_days"), std::string::npos) << error.what();
    }
  }
  ::testing::internal::CaptureStderr();
  const int code = run_cli({"validate", kQuick, "--set", "warmup_days=366"});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2) << err;
  EXPECT_NE(err.find("warmup_days"), std::string::npos) << err;
}

}  // namespace
}  // namespace genops::scenarios
