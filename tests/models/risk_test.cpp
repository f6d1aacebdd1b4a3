#include "models/risk.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "models/calendar.hpp"

namespace genops::models {
namespace {

using engine::SimTime;

SimTime at(int day, int hour) {
  return SimTime::days(day) + SimTime::hours(hour);  // UTC calendar, day 0 a Monday
}

TEST(RiskFactors, TierRisk) {
  EXPECT_DOUBLE_EQ(tier_risk(Tier::Critical), 1.0);
  EXPECT_DOUBLE_EQ(tier_risk(Tier::High), 0.7);
  EXPECT_DOUBLE_EQ(tier_risk(Tier::Medium), 0.4);
  EXPECT_DOUBLE_EQ(tier_risk(Tier::Low), 0.1);
}

TEST(RiskFactors, ComplexityGrowsWithSizeSpreadAndFlags) {
  EXPECT_DOUBLE_EQ(complexity_risk(10, 1, false, false), 0.0);
  EXPECT_DOUBLE_EQ(complexity_risk(1, 1, false, false), 0.0);
  EXPECT_NEAR(complexity_risk(100, 1, false, false), 0.5 / 3.0, 1e-12);
  EXPECT_NEAR(complexity_risk(10000, 100, false, false), 0.7, 1e-12);
  EXPECT_NEAR(complexity_risk(10, 10, false, false), 0.1, 1e-12);
  EXPECT_NEAR(complexity_risk(10, 1, true, false), 0.3, 1e-12);
  EXPECT_NEAR(complexity_risk(10, 1, false, true), 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(complexity_risk(100000, 1000, true, true), 1.0);  // capped
  EXPECT_LT(complexity_risk(50, 2, false, false), complexity_risk(500, 2, false, false));
}

TEST(RiskFactors, TimingRiskOfLateHoursFridaysWeekendsHolidays) {
  const LocalCalendar calendar(0, 0, ReviewerConfig{}, {8}, {});
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(0, 10)), 0.0);  // Monday morning
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(0, 19)), 0.5);  // late
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(0, 7)), 0.5);   // early
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(4, 10)), 0.3);  // Friday
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(4, 14)), 0.7);  // Friday afternoon
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(5, 12)), 0.8);  // Saturday
  EXPECT_DOUBLE_EQ(timing_risk(calendar, at(8, 11)), 0.9);  // holiday (a Tuesday)
}

TEST(RiskFactors, BlastRadiusIsTheSquareRootOfTheReachedShare) {
  EXPECT_DOUBLE_EQ(blast_radius_risk(0, 40), 0.0);
  EXPECT_DOUBLE_EQ(blast_radius_risk(39, 40), 1.0);
  EXPECT_NEAR(blast_radius_risk(10, 41), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(blast_radius_risk(0, 1), 0.0);
}

class RiskScorerTest : public ::testing::Test {
 protected:
  GenopsConfig config;
  RiskAssessment with(double score, double conservative) const {
    RiskAssessment a;
    a.score = score;
    a.conservative = conservative;
    a.uncertainty = conservative - score;
    a.level = RiskScorer(config).level(score);
    return a;
  }
};

TEST_F(RiskScorerTest, ScoreIsTheWeightedMeanOfTheFactors) {
  const RiskScorer scorer(config);
  RiskFactors all;
  all.service_tier = all.service_health = all.historical_failure_rate = all.blast_radius =
      all.change_complexity = all.timing = 1.0;
  EXPECT_NEAR(scorer.assess(all, 1.0).score, 1.0, 1e-12);
  EXPECT_NEAR(scorer.assess(RiskFactors{}, 1.0).score, 0.0, 1e-12);
  // Each factor alone contributes its weight (the default weights sum to 1).
  const RiskWeights& w = config.weights;
  const std::pair<double RiskFactors::*, double> factors[] = {
      {&RiskFactors::service_tier, w.service_tier},
      {&RiskFactors::service_health, w.service_health},
      {&RiskFactors::historical_failure_rate, w.historical_failure_rate},
      {&RiskFactors::blast_radius, w.blast_radius},
      {&RiskFactors::change_complexity, w.change_complexity},
      {&RiskFactors::timing, w.timing}};
  for (const auto& [field, weight] : factors) {
    RiskFactors f;
    f.*field = 1.0;
    EXPECT_NEAR(scorer.assess(f, 1.0).score, weight, 1e-12);
  }
  // Weights are renormalised: doubling them all changes nothing.
  GenopsConfig doubled = config;
  doubled.weights = {0.5, 0.3, 0.4, 0.3, 0.3, 0.2};
  RiskFactors mixed{1.0, 0.2, 0.5, 0.3, 0.6, 0.0};
  EXPECT_NEAR(RiskScorer(doubled).assess(mixed, 1.0).score, scorer.assess(mixed, 1.0).score, 1e-12);
}

TEST_F(RiskScorerTest, UncertaintyShrinksWithConfidence) {
  const RiskScorer scorer(config);
  const RiskFactors f{1.0, 0.0, 0.5, 0.0, 0.0, 0.0};  // score 0.35
  const RiskAssessment sure = scorer.assess(f, 1.0);
  const RiskAssessment unsure = scorer.assess(f, 0.0);
  EXPECT_NEAR(sure.score, 0.35, 1e-12);
  EXPECT_NEAR(sure.uncertainty, 0.0, 1e-12);
  EXPECT_NEAR(sure.conservative, 0.35, 1e-12);
  EXPECT_NEAR(unsure.uncertainty, config.uncertainty_scale, 1e-12);
  EXPECT_NEAR(unsure.conservative, 0.35 + config.uncertainty_scale, 1e-12);
  EXPECT_NEAR(scorer.assess(f, 0.5).uncertainty, 0.5 * config.uncertainty_scale, 1e-12);
  // Capped at 1.
  RiskFactors top;
  top.service_tier = top.service_health = top.historical_failure_rate = top.blast_radius =
      top.change_complexity = top.timing = 1.0;
  EXPECT_DOUBLE_EQ(scorer.assess(top, 0.0).conservative, 1.0);
}

TEST_F(RiskScorerTest, LevelsAtThresholds) {
  const RiskScorer scorer(config);
  EXPECT_EQ(scorer.level(0.0), RiskLevel::Low);
  EXPECT_EQ(scorer.level(0.4999), RiskLevel::Low);
  EXPECT_EQ(scorer.level(0.5), RiskLevel::Medium);
  EXPECT_EQ(scorer.level(0.6999), RiskLevel::Medium);
  EXPECT_EQ(scorer.level(0.7), RiskLevel::High);
  EXPECT_EQ(scorer.level(0.8999), RiskLevel::High);
  EXPECT_EQ(scorer.level(0.9), RiskLevel::Critical);
  EXPECT_EQ(scorer.level(1.0), RiskLevel::Critical);
  config.medium_threshold = 0.2;
  EXPECT_EQ(RiskScorer(config).level(0.25), RiskLevel::Medium);
}

TEST_F(RiskScorerTest, AutonomyCapsOfEachLevel) {
  const std::pair<AutonomyLevel, double> caps[] = {{AutonomyLevel::Shadow, 0.0},
                                                   {AutonomyLevel::Assisted, 0.3},
                                                   {AutonomyLevel::Governed, 0.6},
                                                   {AutonomyLevel::Learning, 0.8}};
  for (const auto& [level, cap] : caps) {
    config.autonomy = level;
    EXPECT_DOUBLE_EQ(RiskScorer(config).autonomy_cap(), cap) << autonomy_name(level);
  }
}

TEST_F(RiskScorerTest, DecisionsPerAutonomyLevel) {
  struct Row {
    double conservative;
    Decision shadow, assisted, governed, learning;
  };
  constexpr Decision kAuto = Decision::AutoProceed;
  constexpr Decision kHuman = Decision::HumanApproval;
  // The conservative score is compared with the cap (strictly above -> human) and with
  // human_review_threshold 0.7 (at or above -> human whatever the level).
  const Row rows[] = {
      {0.10, kHuman, kAuto, kAuto, kAuto},    {0.30, kHuman, kAuto, kAuto, kAuto},
      {0.31, kHuman, kHuman, kAuto, kAuto},   {0.60, kHuman, kHuman, kAuto, kAuto},
      {0.61, kHuman, kHuman, kHuman, kAuto},  {0.69, kHuman, kHuman, kHuman, kAuto},
      {0.70, kHuman, kHuman, kHuman, kHuman}, {0.85, kHuman, kHuman, kHuman, kHuman},
  };
  for (const Row& row : rows) {
    // Score below MEDIUM so no level effect; the conservative score carries the uncertainty.
    const RiskAssessment a = with(0.05, row.conservative);
    const std::pair<AutonomyLevel, Decision> expected[] = {{AutonomyLevel::Shadow, row.shadow},
                                                           {AutonomyLevel::Assisted, row.assisted},
                                                           {AutonomyLevel::Governed, row.governed},
                                                           {AutonomyLevel::Learning, row.learning}};
    for (const auto& [level, decision] : expected) {
      config.autonomy = level;
      EXPECT_EQ(RiskScorer(config).decide(a), decision)
          << autonomy_name(level) << " conservative " << row.conservative;
    }
  }
}

TEST_F(RiskScorerTest, CriticalLevelIsBlockedAtEveryAutonomyLevel) {
  for (AutonomyLevel level : {AutonomyLevel::Shadow, AutonomyLevel::Assisted,
                              AutonomyLevel::Governed, AutonomyLevel::Learning}) {
    config.autonomy = level;
    config.block_critical_risk = true;
    EXPECT_EQ(RiskScorer(config).decide(with(0.9, 0.9)), Decision::Block) << autonomy_name(level);
    EXPECT_EQ(RiskScorer(config).decide(with(0.95, 1.0)), Decision::Block);
    EXPECT_NE(RiskScorer(config).decide(with(0.89, 0.89)), Decision::Block);
    config.block_critical_risk = false;
    EXPECT_EQ(RiskScorer(config).decide(with(0.9, 0.9)), Decision::HumanApproval);
  }
}

// SHADOW observes only: a human decides every change, even one scored at zero risk.
TEST_F(RiskScorerTest, ShadowNeverProceedsAloneEvenAtZeroRisk) {
  config.autonomy = AutonomyLevel::Shadow;
  EXPECT_EQ(RiskScorer(config).decide(with(0.0, 0.0)), Decision::HumanApproval);
}

TEST(PolicyRisk, IsTheRenormalisedStaticPartOfTheScore) {
  const LocalCalendar calendar(0, 0, ReviewerConfig{}, {}, {});
  const RiskWeights w;
  const SimTime friday_afternoon = at(4, 15);
  const double expected =
      (w.service_tier * 1.0 + w.blast_radius * blast_radius_risk(9, 10) +
       w.change_complexity * complexity_risk(1000, 10, true, false) + w.timing * 0.7) /
      (w.service_tier + w.blast_radius + w.change_complexity + w.timing);
  EXPECT_NEAR(
      policy_risk(w, Tier::Critical, 9, 10, 1000, 10, true, false, calendar, friday_afternoon),
      expected, 1e-12);
  // Smallest possible: a LOW service, no dependents, tiny change, Monday morning.
  EXPECT_NEAR(policy_risk(w, Tier::Low, 0, 10, 5, 1, false, false, calendar, at(0, 10)),
              w.service_tier * 0.1 / 0.65, 1e-12);
}

}  // namespace
}  // namespace genops::models
