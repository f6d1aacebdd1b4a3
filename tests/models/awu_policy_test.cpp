// intern_awu_policy: a policy name read back from a results file -> the static name an
// AwuRecord holds. Every name the governance policies produce interns; unknown names do not.
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "models/calendar.hpp"
#include "models/config.hpp"
#include "models/governance.hpp"
#include "models/records.hpp"

namespace genops::models {
namespace {

TEST(InternAwuPolicy, KnownNamesInternToStaticStorageWithTheSameText) {
  for (const char* name :
       {"", "ai_cost_budget", "automatic_rollback", "critical_service_human_review",
        "db_migration_review", "deploy_rate_limit", "error_budget_protection",
        "error_budget_reservation", "human-approval", "large_change_caution",
        "no_friday_deployments", "risk_ceiling"}) {
    // A heap copy, as a reader holds it: the result must not point into it.
    const std::string read_back(name);
    const char* interned = intern_awu_policy(read_back);
    ASSERT_NE(interned, nullptr) << "'" << name << "'";
    EXPECT_STREQ(interned, name);
    EXPECT_NE(static_cast<const void*>(interned), static_cast<const void*>(read_back.data()));
    EXPECT_EQ(intern_awu_policy(std::string(name)), interned) << "the same pointer every time";
  }
}

TEST(InternAwuPolicy, UnknownNamesGiveNull) {
  for (const char* name : {"AI_COST_BUDGET", "human_approval", "ai_cost_budget ", "risk",
                           "no_friday_deployments\n", "x_change_freeze_window"}) {
    EXPECT_EQ(intern_awu_policy(name), nullptr) << "'" << name << "'";
  }
}

TEST(InternAwuPolicy, EveryGovernancePolicyNameInterns) {
  const GenopsConfig config;
  const LocalCalendar calendar(0, 0, ReviewerConfig{}, {}, {});
  PolicyInput input;
  input.time = engine::SimTime::days(1) + engine::SimTime::hours(11);
  const GovernanceVerdict verdict = PolicySet(config).evaluate(input, calendar);
  ASSERT_EQ(verdict.results.size(), 5U);
  for (const PolicyResult& result : verdict.results) {
    const char* interned = intern_awu_policy(result.name);
    ASSERT_NE(interned, nullptr) << result.name;
    EXPECT_STREQ(interned, result.name);
  }
}

}  // namespace
}  // namespace genops::models
