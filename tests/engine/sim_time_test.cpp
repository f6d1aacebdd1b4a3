#include "engine/sim_time.hpp"

#include <gtest/gtest.h>

namespace genops::engine {
namespace {

TEST(SimTime, UnitHelpersAgree) {
  EXPECT_EQ(SimTime::minutes(1).ticks(), 60'000);
  EXPECT_EQ(SimTime::hours(2), SimTime::minutes(120));
  EXPECT_EQ(SimTime::days(1), SimTime::hours(24));
  EXPECT_EQ(SimTime::from_minutes(1.5).ticks(), 90'000);
  EXPECT_EQ(SimTime::from_minutes(-0.0001).ticks(), -6);
  EXPECT_DOUBLE_EQ(SimTime::seconds(90).to_minutes(), 1.5);
}

TEST(SimTime, ArithmeticAndOrder) {
  SimTime t = SimTime::seconds(10);
  t += SimTime::milliseconds(5);
  EXPECT_EQ(t.ticks(), 10'005);
  EXPECT_LT(SimTime::zero(), t);
  EXPECT_EQ(t - SimTime::seconds(10), SimTime::milliseconds(5));
}

}  // namespace
}  // namespace genops::engine
