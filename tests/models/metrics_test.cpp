// The streaming summaries (issue 13): SummaryAccumulator fed a slice at a time, and pooled from
// runs' accumulators, gives exactly summarize() of the concatenated records; ResourceAccumulator
// exactly add_resource_use(). "Exactly" is bytewise: the same doubles, not close ones.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "models/metrics.hpp"

namespace genops::models {
namespace {

// A small deterministic generator (the test needs varied values, not a distribution).
struct Lcg {
  std::uint64_t state;
  std::uint64_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  }
  double uniform() { return static_cast<double>(next() % 1000003) / 1000003.0; }
  float uniform_float() { return static_cast<float>(uniform()); }
};

// Records with every field summarize() reads varied: outcomes (InFlight too), cycle times with
// ties, unanalysed (-1) and analysed scores with ties, defects, incidents, waits.
std::vector<DeploymentRecord> records(std::uint64_t seed, std::size_t n) {
  Lcg random{seed};
  std::vector<DeploymentRecord> out(n);
  for (auto& r : out) {
    r.outcome = static_cast<Outcome>(random.next() % 5);
    r.cycle_time_min = (random.next() % 7 == 0) ? 30.0 : 1.0 + 500.0 * random.uniform();
    r.deploy_start_min = (random.next() % 4 == 0) ? -1.0 : 10.0;
    r.latent_defect = random.next() % 3 == 0;
    r.defect_survived_ci = r.latent_defect && random.next() % 2 == 0;
    r.catch_point = static_cast<CatchPoint>(random.next() % kCatchPointCount);
    r.catch_points = static_cast<std::uint8_t>(random.next() % 16);
    r.false_rollback = random.next() % 11 == 0;
    r.incident = random.next() % 9 == 0;
    r.incident_minutes = 100.0 * random.uniform();
    r.error_budget_burned_min = 3.0F * random.uniform_float();
    r.rework_loops = static_cast<std::uint8_t>(random.next() % 3);
    r.human_approved = random.next() % 2 == 0;
    r.deferred_min = (random.next() % 5 == 0) ? 12.5 : 0.0;
    r.ci_wait_min = 20.0F * random.uniform_float();
    r.review_wait_min = 60.0F * random.uniform_float();
    r.risk_score = (random.next() % 4 == 0) ? -1.0F : static_cast<float>(random.next() % 50) / 50;
    r.retrieval_confidence = (random.next() % 4 == 0) ? -1.0F : random.uniform_float();
    r.similar_failure_share = static_cast<float>(random.next() % 10) / 10;
    r.neighbours_found = static_cast<std::uint8_t>(random.next() % 10);
    r.neighbours_relevant = static_cast<std::uint8_t>(random.next() % (r.neighbours_found + 1));
  }
  return out;
}

// Every field is 8 bytes wide: no padding, so equal bytes are equal values.
static_assert(sizeof(StrategySummary) % 8 == 0);
bool same(const StrategySummary& a, const StrategySummary& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(SummaryAccumulator, SlicesGiveExactlySummarize) {
  const auto all = records(1, 5000);
  const StrategySummary expected = summarize(all, 7);
  ASSERT_GT(expected.in_flight, 0U);
  ASSERT_GE(expected.risk_auc, 0.0);
  for (const std::size_t slice : {std::size_t{1}, std::size_t{37}, std::size_t{5000}}) {
    SummaryAccumulator accumulator;
    for (std::size_t first = 0; first < all.size(); first += slice)
      accumulator.add(std::span(all).subspan(first, std::min(slice, all.size() - first)));
    const StrategySummary streamed = accumulator.finish(7);
    EXPECT_TRUE(same(streamed, expected))
        << "slice " << slice << ": mean " << streamed.mean_cycle_time_min << " vs "
        << expected.mean_cycle_time_min << ", p90 " << streamed.p90_cycle_time_min << " vs "
        << expected.p90_cycle_time_min;
  }
}

// A pooled accumulator takes the sums in study order (add_sums) and the runs' kept values in any
// order (absorb_values): quantiles and AUCs do not depend on the order of their values.
TEST(SummaryAccumulator, PooledFromRunsGivesExactlySummarizeOfTheirConcatenation) {
  const auto first = records(2, 3000);
  const auto second = records(3, 2000);
  std::vector<DeploymentRecord> all(first);
  all.insert(all.end(), second.begin(), second.end());
  SummaryAccumulator pooled;
  SummaryAccumulator a;
  SummaryAccumulator b;
  a.add(first);
  pooled.add_sums(first);
  b.add(second);
  pooled.add_sums(second);
  EXPECT_TRUE(same(a.finish(1), summarize(first, 1)));
  EXPECT_TRUE(same(b.finish(2), summarize(second, 2)));
  EXPECT_GE(b.kept_bytes(), 8 * (2000 - b.finish(0).in_flight));
  pooled.absorb_values(std::move(b));  // the later run first
  pooled.absorb_values(std::move(a));
  EXPECT_EQ(a.kept_bytes(), 0U);
  EXPECT_TRUE(same(pooled.finish(3), summarize(all, 3)));
  // Not vacuous: the sums in another order give other doubles.
  SummaryAccumulator reordered;
  reordered.add(second);
  reordered.add(first);
  EXPECT_FALSE(same(reordered.finish(3), summarize(all, 3)));
}

TEST(SummaryAccumulator, EmptyIsSummarizeOfNothing) {
  SummaryAccumulator empty;
  EXPECT_TRUE(same(empty.finish(4), summarize({}, 4)));
}

TEST(ResourceAccumulator, SlicesGiveExactlyAddResourceUse) {
  Scenario scenario;
  scenario.organizations.resize(3);
  scenario.organizations[1].utc_offset_hours = -5;
  scenario.organizations[2].ci_runners = 7;
  Lcg random{4};
  std::vector<ResourceSample> samples(3 * 24 * 30);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i].organization = static_cast<std::uint16_t>(i % 3);
    samples[i].time_min = 60.0 * static_cast<double>(i / 3);
    samples[i].runners_busy = static_cast<std::uint16_t>(random.next() % 8);
    samples[i].reviewers_busy = static_cast<std::uint16_t>(random.next() % 5);
  }
  StrategySummary expected;
  add_resource_use(expected, samples, scenario);
  ASSERT_GT(expected.peak_runner_utilisation, 0.0);
  ResourceAccumulator accumulator(scenario);
  for (std::size_t first = 0; first < samples.size(); first += 100)
    accumulator.add(
        std::span(samples).subspan(first, std::min<std::size_t>(100, samples.size() - first)));
  StrategySummary streamed;
  accumulator.finish(streamed);
  EXPECT_TRUE(same(streamed, expected));
}

}  // namespace
}  // namespace genops::models
