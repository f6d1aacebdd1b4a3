// AwuPolicy: the deciding policy of an AWU. Names round-trip through parse_awu_policy (how a
// results file's /lookup/awu_policies is read back); unknown names do not parse; every
// governance rule that can decide an AWU is a policy.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "models/calendar.hpp"
#include "models/config.hpp"
#include "models/governance.hpp"
#include "models/records.hpp"

namespace genops::models {
namespace {

TEST(AwuPolicy, EveryPolicyHasADistinctNameThatParsesBack) {
  std::set<std::string> names;
  for (int code = 0; code < kAwuPolicyCount; ++code) {
    const auto policy = static_cast<AwuPolicy>(code);
    const std::string name = awu_policy_name(policy);
    EXPECT_TRUE(names.insert(name).second) << "'" << name << "' twice";
    EXPECT_EQ(parse_awu_policy(name), policy) << "'" << name << "'";
  }
  EXPECT_STREQ(awu_policy_name(AwuPolicy::None), "");
  EXPECT_STREQ(awu_policy_name(AwuPolicy::HumanApproval), "human-approval");
  EXPECT_STREQ(awu_policy_name(AwuPolicy::RiskCeiling), "risk_ceiling");
}

TEST(AwuPolicy, UnknownNamesDoNotParse) {
  for (const char* name : {"AI_COST_BUDGET", "human_approval", "ai_cost_budget ", "risk",
                           "no_friday_deployments\n", "x_change_freeze_window"}) {
    EXPECT_FALSE(parse_awu_policy(name).has_value()) << "'" << name << "'";
  }
}

TEST(AwuPolicy, EveryGovernanceRuleIsAPolicy) {
  const GenopsConfig config;
  const LocalCalendar calendar(0, 0, ReviewerConfig{}, {}, {});
  PolicyInput input;
  input.time = engine::SimTime::days(1) + engine::SimTime::hours(11);
  const GovernanceVerdict verdict = PolicySet(config).evaluate(input, calendar);
  ASSERT_EQ(verdict.results.size(), 5U);
  for (const PolicyResult& result : verdict.results) {
    const std::optional<AwuPolicy> policy = parse_awu_policy(result.name);
    ASSERT_TRUE(policy.has_value()) << result.name;
    EXPECT_STREQ(awu_policy_name(*policy), result.name);
  }
}

}  // namespace
}  // namespace genops::models
