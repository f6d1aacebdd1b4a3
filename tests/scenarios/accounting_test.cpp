// Nothing silently dropped (issue 10): every arrival is a record with an outcome, a change still
// in flight at the horizon is InFlight with its stage, and the counts add up. Fixed seeds on
// scenarios/quick.toml; the horizon is cut short (drain_days) so that changes are in flight.
#include <algorithm>
#include <bit>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "models/metrics.hpp"
#include "models/strategy.hpp"
#include "scenarios/report_table.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/quick_fixture.hpp"

namespace genops::scenarios {
namespace {

class Accounting : public QuickScenarioTest {
 protected:
  models::Scenario quick(std::initializer_list<const char*> overrides) const {
    return quick_with(std::vector<std::string>(overrides.begin(), overrides.end()));
  }
};

std::uint64_t count_in_flight(const std::vector<models::DeploymentRecord>& records) {
  return static_cast<std::uint64_t>(std::count_if(
      records.begin(), records.end(),
      [](const models::DeploymentRecord& d) { return d.outcome == models::Outcome::InFlight; }));
}

// The face-validity identity: in flight = arrivals - finished, per organization and in the
// summary, with the arrivals counted from the generated world, not from the records.
TEST_F(Accounting, InFlightEqualsArrivalsMinusFinished) {
  const models::Scenario scenario = quick({"drain_days=0"});
  for (const char* strategy : {"baseline", "genops"}) {
    SCOPED_TRACE(strategy);
    const RunResult result = run(scenario, strategy);
    std::uint64_t arrivals = 0;
    std::uint64_t finished = 0;
    for (std::size_t o = 0; o < result.organizations.size(); ++o) {
      const models::PipelineOutput& output = result.organizations[o];
      const models::Organization world = models::build_organization(
          scenario, static_cast<int>(o), models::RunKey{scenario.seed, 0});
      ASSERT_EQ(output.deployments.size(), world.changes.size());
      for (std::size_t i = 0; i < output.deployments.size(); ++i) {
        const models::DeploymentRecord& d = output.deployments[i];
        EXPECT_EQ(d.id, models::deployment_id(static_cast<std::uint32_t>(o),
                                              static_cast<std::uint32_t>(i)));
        if (d.outcome == models::Outcome::InFlight) {
          EXPECT_NE(d.in_flight_stage, models::PipelineStage::None) << d.id;
          EXPECT_GE(d.end_min, d.arrival_min);
        } else {
          EXPECT_EQ(d.in_flight_stage, models::PipelineStage::None) << d.id;
          ++finished;
        }
      }
      EXPECT_EQ(output.unfinished, count_in_flight(output.deployments));
      arrivals += world.changes.size();
    }
    const models::StrategySummary summary = replication_summary(result);
    EXPECT_EQ(summary.deployments, arrivals);
    EXPECT_GT(summary.in_flight, 0U) << "drain_days=0 must leave changes in flight";
    EXPECT_EQ(summary.in_flight, arrivals - finished);
    EXPECT_EQ(summary.succeeded + summary.rolled_back + summary.failed + summary.blocked +
                  summary.in_flight,
              arrivals);
    EXPECT_DOUBLE_EQ(summary.success_rate,
                     static_cast<double>(summary.succeeded) / static_cast<double>(arrivals));
  }
}

// With the default drain every quick change finishes: no InFlight rows, no warning.
TEST_F(Accounting, QuickDrainsCompletely) {
  const models::Scenario scenario = quick({});
  const RunResult result = run(scenario, "genops");
  EXPECT_EQ(count_in_flight(result.deployments()), 0U);
}

// Slow reviews (60 min, two reviewers per organization) leave a large share of baseline changes
// in flight: they count as not succeeded (change-level success falls), deployment success does
// not move much, and `run` warns.
TEST_F(Accounting, SlowReviewsShowInFlightAndWarn) {
  const models::Scenario scenario = quick({"organizations.*.reviewers.review_median_minutes=60",
                                           "organizations.*.reviewers.count=2", "drain_days=1",
                                           "strategies=[\"baseline\"]", "replications=1"});
  StudyOptions options;
  options.threads = 1;
  const StudyResult study = run_study(scenario, registry_, options);
  const StudySummaries summaries = summarize_study(study);
  const models::StrategySummary& x = summaries.pooled.front();
  EXPECT_GT(x.in_flight_rate, kInFlightWarningShare);
  EXPECT_GT(x.deployment_success_rate, x.success_rate);
  std::ostringstream warnings;
  warn_in_flight(study, summaries, warnings);
  EXPECT_NE(warnings.str().find("baseline: " + std::to_string(x.in_flight) + " of " +
                                std::to_string(x.deployments) + " changes"),
            std::string::npos)
      << warnings.str();
  // The same study with the normal drain: no warning.
  const models::Scenario drained = quick({"strategies=[\"baseline\"]", "replications=1"});
  const StudyResult normal = run_study(drained, registry_, options);
  std::ostringstream none;
  warn_in_flight(normal, summarize_study(normal), none);
  EXPECT_EQ(none.str(), "");
}

// Rework that never removes a defect loops forever: those changes used to vanish from every
// statistic; now they are InFlight at the horizon (in rework, CI or its queue).
TEST_F(Accounting, NeverFixedDefectsStayInFlight) {
  const models::Scenario scenario = quick({"defects.fix_probability=0", "drain_days=1"});
  const RunResult result = run(scenario, "genops");
  const auto records = result.deployments();
  std::uint64_t looping = 0;
  for (const models::DeploymentRecord& d : records) {
    if (d.outcome != models::Outcome::InFlight)
      continue;
    ++looping;
    EXPECT_TRUE(d.latent_defect) << d.id;
  }
  EXPECT_GT(looping, 0U);
  EXPECT_EQ(replication_summary(result).in_flight, looping);
}

// Every catch point a defect met is recorded, the first one also as catch_point.
TEST_F(Accounting, CatchPointsIncludeTheFirst) {
  // Rework that often leaves the defect in makes changes meet several points.
  const models::Scenario scenario = quick({"defects.fix_probability=0.3"});
  const RunResult result = run(scenario, "baseline");
  std::uint64_t several = 0;
  for (const models::DeploymentRecord& d : result.deployments()) {
    if (d.catch_point != models::CatchPoint::None) {
      EXPECT_NE(d.catch_points & models::catch_point_bit(d.catch_point), 0) << d.id;
    } else {
      EXPECT_EQ(d.catch_points, 0) << d.id;
    }
    several += std::popcount(d.catch_points) > 1 ? 1U : 0U;
  }
  const models::StrategySummary summary = replication_summary(result);
  for (int p = 0; p < models::kCatchPointCount; ++p)
    EXPECT_GE(summary.met_at[static_cast<std::size_t>(p)],
              summary.caught_at[static_cast<std::size_t>(p)]);
  // A human review catch sends the change back; the reworked change can meet a later point.
  EXPECT_GT(several, 0U);
}

}  // namespace
}  // namespace genops::scenarios
