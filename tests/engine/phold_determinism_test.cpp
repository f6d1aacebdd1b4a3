// PHOLD gives bit-identical results at 1 and 2 threads and on repeated runs (label:
// determinism). This test stays forever: it is the engine's determinism guarantee.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/phold.hpp"

namespace genops::engine {
namespace {

struct Case {
  double remote_percent;
  std::uint32_t partitions;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return "remote" + std::to_string(static_cast<int>(info.param.remote_percent)) + "_partitions" +
         std::to_string(info.param.partitions);
}

class PholdDeterminism : public ::testing::TestWithParam<Case> {
 protected:
  static PholdConfig config() {
    PholdConfig config;
    config.lps = 1024;
    config.partitions = GetParam().partitions;
    config.events_per_lp = 2;
    config.remote_percent = GetParam().remote_percent;
    config.horizon = SimTime::seconds(100);  // about 100k events
    config.seed = 20240601;
    return config;
  }
};

TEST_P(PholdDeterminism, IdenticalAtOneAndTwoThreadsAndOnTwoRuns) {
  const PholdConfig phold = config();
  const PholdResult reference = run_phold(phold, 1);
  EXPECT_GT(reference.stats.events, 50'000U);
  const bool coupled = phold.remote_percent > 0;
  EXPECT_EQ(reference.stats.windows > 0, coupled);
  EXPECT_EQ(reference.stats.messages > 0, coupled);
  for (const int threads : {1, 2, 2}) {
    const PholdResult again = run_phold(phold, threads);
    EXPECT_EQ(again.stats.events, reference.stats.events) << threads;
    EXPECT_EQ(again.stats.digest, reference.stats.digest) << threads;
    EXPECT_EQ(again.state_digest, reference.state_digest) << threads;
    EXPECT_EQ(again.stats.windows, reference.stats.windows) << threads;
    EXPECT_EQ(again.stats.messages, reference.stats.messages) << threads;
  }
}

// The digests are sensitive: another seed gives other results (so equal digests above mean
// something).
TEST_P(PholdDeterminism, AnotherSeedChangesTheDigests) {
  PholdConfig phold = config();
  const PholdResult first = run_phold(phold, 2);
  phold.seed += 1;
  const PholdResult second = run_phold(phold, 2);
  EXPECT_NE(first.stats.digest, second.stats.digest);
  EXPECT_NE(first.state_digest, second.state_digest);
}

INSTANTIATE_TEST_SUITE_P(Phold, PholdDeterminism,
                         ::testing::Values(Case{0, 2}, Case{0, 4}, Case{10, 2}, Case{25, 2},
                                           Case{25, 4}),
                         case_name);

}  // namespace
}  // namespace genops::engine
