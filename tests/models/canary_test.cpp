#include "models/canary.hpp"

#include <gtest/gtest.h>

#include "engine/random.hpp"
#include "models/world.hpp"

namespace genops::models {
namespace {

constexpr double kZ95 = 1.959963984540054;  // two-sided 95% normal quantile
constexpr double kMaxBakeMinutes = 120.0;

// Published 95% Wilson score intervals (Newcombe 1998, Table I; Wallis 2013), lower bounds.
TEST(WilsonLowerBound, KnownValues) {
  EXPECT_NEAR(wilson_lower_bound(5, 10, kZ95), 0.2366, 5e-5);
  EXPECT_NEAR(wilson_lower_bound(1, 10, kZ95), 0.0179, 5e-5);
  EXPECT_NEAR(wilson_lower_bound(10, 10, kZ95), 0.7225, 5e-5);
  EXPECT_NEAR(wilson_lower_bound(81, 263, kZ95), 0.2553, 5e-5);
  EXPECT_NEAR(wilson_lower_bound(15, 148, kZ95), 0.0624, 5e-5);
  EXPECT_DOUBLE_EQ(wilson_lower_bound(0, 10, kZ95), 0.0);
  EXPECT_DOUBLE_EQ(wilson_lower_bound(0, 0, kZ95), 0.0);
  // Tighter with more trials at the same proportion, looser with a larger z.
  EXPECT_GT(wilson_lower_bound(500, 1000, kZ95), wilson_lower_bound(5, 10, kZ95));
  EXPECT_LT(wilson_lower_bound(5, 10, 2.5), wilson_lower_bound(5, 10, kZ95));
}

Service canary_service() {
  Service s;
  s.request_rate_per_minute = 3000;
  s.base_error_rate = 0.001;
  s.latency_p50_ms = 40;
  s.latency_p99_ms = 160;
  return s;
}

Change defect(double error_rate_effect) {
  Change c;
  c.has_defect = true;
  c.error_rate_effect = error_rate_effect;
  c.latency_effect = 0.0;
  return c;
}

double breach_share(const CanaryJudge& judge, const Service& service, const Change& change,
                    bool defect_present, const CanaryStage& stage, int trials,
                    std::uint32_t purpose) {
  int breaches = 0;
  for (int i = 0; i < trials; ++i) {
    engine::RngStream rng(engine::StreamKey{99, 0, 0, static_cast<std::uint64_t>(i), purpose});
    breaches += judge.observe(service, change, defect_present, stage, rng).breach ? 1 : 0;
  }
  return static_cast<double>(breaches) / trials;
}

TEST(CanaryJudge, BakeStretchesUntilMinimumSamplesAndIsCapped) {
  const SloConfig slo;
  const CanaryJudge judge(slo, kMaxBakeMinutes);
  Service service = canary_service();
  // 1% of 3000/min = 30/min: 50 samples need 1.67 min > the 1.5 min bake.
  EXPECT_NEAR(judge.bake_minutes(service, {1, 1.5, 50, 1.0}), 50.0 / 30.0, 1e-12);
  EXPECT_DOUBLE_EQ(judge.bake_minutes(service, {25, 1.5, 500, 1.1}), 1.5);
  EXPECT_DOUBLE_EQ(judge.bake_minutes(service, {25, 1.5, 0, 1.1}), 1.5);
  service.request_rate_per_minute = 0.01;
  EXPECT_DOUBLE_EQ(judge.bake_minutes(service, {1, 1.5, 50, 1.0}), kMaxBakeMinutes);
}

TEST(CanaryJudge, ObservationCountsRequestsAndErrors) {
  const SloConfig slo;
  const CanaryJudge judge(slo, kMaxBakeMinutes);
  const Service service = canary_service();
  const CanaryStage stage{25, 2.0, 500, 1.1};
  // 3000/min x 25% x 2 min = 1500 expected requests; a 5% defect on top of 0.1% base errors.
  double requests = 0;
  double errors = 0;
  constexpr int kTrials = 400;
  for (int i = 0; i < kTrials; ++i) {
    engine::RngStream rng(engine::StreamKey{5, 0, 0, static_cast<std::uint64_t>(i), 1});
    const StageObservation o = judge.observe(service, defect(0.05), true, stage, rng);
    EXPECT_DOUBLE_EQ(o.bake_minutes, 2.0);
    EXPECT_LE(o.errors, o.requests);
    EXPECT_NEAR(o.error_rate, static_cast<double>(o.errors) / static_cast<double>(o.requests),
                1e-12);
    requests += static_cast<double>(o.requests);
    errors += static_cast<double>(o.errors);
  }
  EXPECT_NEAR(requests / kTrials, 1500.0, 10.0);  // sd of the mean ~ 1.9
  EXPECT_NEAR(errors / requests, 0.051, 0.002);
}

// Detection power grows with the canary's traffic: the same defect (true error rate 2%,
// threshold 1%) is rarely called at 1% of traffic (about 50 requests) and nearly always at 25%.
TEST(CanaryJudge, DetectionPowerGrowsWithTrafficFraction) {
  const SloConfig slo;
  const CanaryJudge judge(slo, kMaxBakeMinutes);
  const Service service = canary_service();
  const Change change = defect(0.019);
  constexpr int kTrials = 2000;
  const double at_1 = breach_share(judge, service, change, true, {1, 1.5, 50, 1.0}, kTrials, 2);
  const double at_5 = breach_share(judge, service, change, true, {5, 1.5, 100, 1.0}, kTrials, 3);
  const double at_25 = breach_share(judge, service, change, true, {25, 1.5, 500, 1.1}, kTrials, 4);
  EXPECT_LT(at_1, at_5);
  EXPECT_LT(at_5, at_25);
  EXPECT_LT(at_1, 0.30);
  EXPECT_GT(at_25, 0.90);
  // A latent defect that is not present (fixed, or delayed) is judged like a clean change.
  const double absent =
      breach_share(judge, service, change, false, {25, 1.5, 500, 1.1}, kTrials, 4);
  EXPECT_LT(absent, 0.01);
}

TEST(CanaryJudge, CleanServiceRarelyBreaches) {
  const SloConfig slo;
  const CanaryJudge judge(slo, kMaxBakeMinutes);
  const Service service = canary_service();
  const Change clean;
  constexpr int kTrials = 4000;
  for (const CanaryStage& stage : default_canary_stages()) {
    if (stage.traffic_percent >= 100)
      continue;
    // Bound: P(>= 2 errors in 50 requests at 0.1%) is about 0.12%, far below 1%.
    EXPECT_LT(breach_share(judge, service, clean, false, stage, kTrials, 6), 0.01)
        << stage.traffic_percent << "%";
  }
}

TEST(CanaryJudge, LatencyDefectBreachesTheLatencySlo) {
  const SloConfig slo;
  const CanaryJudge judge(slo, kMaxBakeMinutes);
  const Service service = canary_service();
  Change slow;
  slow.has_defect = true;
  slow.latency_effect = 3.0;  // p50 40 ms -> 160 ms, p99 160 ms -> 640 ms
  EXPECT_GT(breach_share(judge, service, slow, true, {25, 1.5, 500, 1.1}, 500, 7), 0.99);
}

TEST(CheckStageList, AcceptsTheDefaultsAndRejectsEachInconsistency) {
  EXPECT_EQ(check_stage_list(default_canary_stages()), "");
  EXPECT_EQ(check_stage_list(default_high_risk_stages()), "");
  EXPECT_EQ(check_stage_list({{100, 0, 0, 1.0}}), "");

  EXPECT_EQ(check_stage_list({}), "a list of 1 to 16 stages");
  EXPECT_EQ(check_stage_list(std::vector<CanaryStage>(17, CanaryStage{})),
            "a list of 1 to 16 stages");
  EXPECT_EQ(check_stage_list({{5, 1, 10, 1.0}, {1, 1, 10, 1.0}, {100, 0, 0, 1.0}}),
            "stage 2: traffic_percent strictly increasing within (0, 100]");
  EXPECT_EQ(check_stage_list({{5, 1, 10, 1.0}, {5, 1, 10, 1.0}, {100, 0, 0, 1.0}}),
            "stage 2: traffic_percent strictly increasing within (0, 100]");
  EXPECT_EQ(check_stage_list({{0, 1, 10, 1.0}, {100, 0, 0, 1.0}}),
            "stage 1: traffic_percent strictly increasing within (0, 100]");
  EXPECT_EQ(check_stage_list({{5, 1, 10, 1.0}, {120, 0, 0, 1.0}}),
            "stage 2: traffic_percent strictly increasing within (0, 100]");
  EXPECT_EQ(check_stage_list({{5, 1, 10, 1.0}, {50, 1, 10, 1.0}}),
            "the last stage at traffic_percent = 100");
  EXPECT_EQ(check_stage_list({{5, -1, 10, 1.0}, {100, 0, 0, 1.0}}), "stage 1: bake_minutes >= 0");
  EXPECT_EQ(check_stage_list({{5, 1, -10, 1.0}, {100, 0, 0, 1.0}}), "stage 1: min_samples >= 0");
  EXPECT_EQ(check_stage_list({{5, 1, 10, 1.0}, {100, 0, 0, 0.9}}), "stage 2: slo_relaxation >= 1");
}

}  // namespace
}  // namespace genops::models
