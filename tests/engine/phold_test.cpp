#include "engine/phold.hpp"

#include <cstdint>

#include <gtest/gtest.h>

#include "engine/error.hpp"

namespace genops::engine {
namespace {

TEST(Phold, RemoteShareIsAsConfigured) {
  PholdConfig phold;
  phold.remote_percent = 25;
  phold.horizon = SimTime::seconds(200);
  const PholdResult result = run_phold(phold, 2);
  const double share =
      static_cast<double>(result.stats.messages) / static_cast<double>(result.stats.events);
  EXPECT_NEAR(share, 0.25, 0.01);
}

TEST(Phold, EveryLpHandlesEventsAndCountsAddUp) {
  PholdConfig phold;
  phold.lps = 100;
  phold.partitions = 3;
  phold.remote_percent = 10;
  phold.horizon = SimTime::seconds(2000);
  Simulation simulation = make_phold_simulation(phold);
  const RunStats stats = simulation.run(1);
  std::uint64_t total = 0;
  std::uint32_t lps = 0;
  for (PartitionId p = 0; p < 3; ++p) {
    const auto& model = dynamic_cast<const PholdModel&>(simulation.partition(p).model());
    EXPECT_EQ(model.event_counts().size(), phold_lp_range(phold, p).count);
    for (const std::uint64_t count : model.event_counts()) {
      EXPECT_GT(count, 0U);
      total += count;
    }
    lps += static_cast<std::uint32_t>(model.event_counts().size());
  }
  EXPECT_EQ(lps, 100U);
  EXPECT_EQ(total, stats.events);
}

TEST(Phold, BadConfigurationsAreInputErrors) {
  PholdConfig phold;
  phold.partitions = 0;
  EXPECT_THROW(validate(phold), InputError);
  phold = PholdConfig{};
  phold.lps = 1;
  EXPECT_THROW(validate(phold), InputError);
  phold = PholdConfig{};
  phold.remote_percent = 101;
  EXPECT_THROW(validate(phold), InputError);
  phold = PholdConfig{};
  phold.lookahead = SimTime::zero();
  EXPECT_THROW(validate(phold), InputError);
  EXPECT_NO_THROW(validate(PholdConfig{}));
}

}  // namespace
}  // namespace genops::engine
