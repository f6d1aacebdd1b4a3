#include "models/governance.hpp"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/calendar.hpp"

namespace genops::models {
namespace {

using engine::SimTime;

// UTC calendar whose day 0 is a Monday; days 16..17 (Wednesday, Thursday) are a freeze.
LocalCalendar test_calendar() {
  return LocalCalendar(0, 0, ReviewerConfig{}, {}, {{16, 17}});
}

SimTime at(int day, int hour, int minute = 0) {
  return SimTime::days(day) + SimTime::hours(hour) + SimTime::minutes(minute);
}

constexpr PolicyEffect kAllow = PolicyEffect::Allow;
constexpr PolicyEffect kWarn = PolicyEffect::Warn;
constexpr PolicyEffect kApprove = PolicyEffect::RequireApproval;
constexpr PolicyEffect kDefer = PolicyEffect::Defer;
constexpr PolicyEffect kBlock = PolicyEffect::Block;

// The five policies, in evaluation order.
constexpr std::array<const char*, 5> kPolicies = {
    "critical_service_human_review", "no_friday_deployments", "error_budget_protection",
    "db_migration_review", "large_change_caution"};

struct PolicyCase {
  const char* name;
  PolicyInput input;
  std::array<PolicyEffect, 5> expected;  // per policy, in kPolicies order
};

PolicyInput quiet() {
  PolicyInput in;
  in.tier = Tier::Medium;
  in.lines_changed = 100;
  in.policy_risk = 0.3;
  in.ai_risk = -1;
  in.budget_remaining_fraction = 0.8;
  in.time = at(1, 11);  // Tuesday 11:00
  return in;
}

PolicyInput with(void (*edit)(PolicyInput&)) {
  PolicyInput in = quiet();
  edit(in);
  return in;
}

std::vector<PolicyCase> policy_cases() {
  return {
      {"nothing_fires", quiet(), {kAllow, kAllow, kAllow, kAllow, kAllow}},
      // critical_service_human_review: CRITICAL and max(policy risk, AI risk) > 0.5.
      {"critical_high_policy_risk",
       with([](PolicyInput& in) {
         in.tier = Tier::Critical;
         in.policy_risk = 0.51;
       }),
       {kApprove, kAllow, kAllow, kAllow, kAllow}},
      {"critical_high_ai_risk",
       with([](PolicyInput& in) {
         in.tier = Tier::Critical;
         in.ai_risk = 0.8;
       }),
       {kApprove, kAllow, kAllow, kAllow, kAllow}},
      {"critical_risk_exactly_half",
       with([](PolicyInput& in) {
         in.tier = Tier::Critical;
         in.policy_risk = 0.5;
       }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      {"high_tier_high_risk",
       with([](PolicyInput& in) {
         in.tier = Tier::High;
         in.policy_risk = 0.9;
       }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      // no_friday_deployments: Friday from 16:00, weekends, freeze days; never hotfixes.
      {"friday_1559",
       with([](PolicyInput& in) { in.time = at(4, 15, 59); }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      {"friday_1600",
       with([](PolicyInput& in) { in.time = at(4, 16); }),
       {kAllow, kDefer, kAllow, kAllow, kAllow}},
      {"sunday",
       with([](PolicyInput& in) { in.time = at(6, 10); }),
       {kAllow, kDefer, kAllow, kAllow, kAllow}},
      {"freeze_day",
       with([](PolicyInput& in) { in.time = at(16, 10); }),
       {kAllow, kDefer, kAllow, kAllow, kAllow}},
      {"friday_hotfix",
       with([](PolicyInput& in) {
         in.time = at(4, 17);
         in.hotfix = true;
       }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      // error_budget_protection: exhausted -> block non-hotfixes; below 10% -> warn.
      {"budget_exhausted",
       with([](PolicyInput& in) { in.budget_remaining_fraction = 0.0; }),
       {kAllow, kAllow, kBlock, kAllow, kAllow}},
      {"budget_overdrawn",
       with([](PolicyInput& in) { in.budget_remaining_fraction = -0.4; }),
       {kAllow, kAllow, kBlock, kAllow, kAllow}},
      {"budget_exhausted_hotfix",
       with([](PolicyInput& in) {
         in.budget_remaining_fraction = 0.0;
         in.hotfix = true;
       }),
       {kAllow, kAllow, kWarn, kAllow, kAllow}},
      {"budget_low",
       with([](PolicyInput& in) { in.budget_remaining_fraction = 0.05; }),
       {kAllow, kAllow, kWarn, kAllow, kAllow}},
      {"budget_at_warning_line",
       with([](PolicyInput& in) { in.budget_remaining_fraction = 0.1; }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      // db_migration_review: a migration on a CRITICAL or HIGH service.
      {"migration_high",
       with([](PolicyInput& in) {
         in.migration = true;
         in.tier = Tier::High;
       }),
       {kAllow, kAllow, kAllow, kApprove, kAllow}},
      {"migration_critical_low_risk",
       with([](PolicyInput& in) {
         in.migration = true;
         in.tier = Tier::Critical;
       }),
       {kAllow, kAllow, kAllow, kApprove, kAllow}},
      {"migration_medium",
       with([](PolicyInput& in) {
         in.migration = true;
         in.tier = Tier::Medium;
       }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      // large_change_caution: more than 1000 lines.
      {"lines_1000",
       with([](PolicyInput& in) { in.lines_changed = 1000; }),
       {kAllow, kAllow, kAllow, kAllow, kAllow}},
      {"lines_1001",
       with([](PolicyInput& in) { in.lines_changed = 1001; }),
       {kAllow, kAllow, kAllow, kAllow, kWarn}},
      // Several at once: each fires independently; the verdict is the strongest.
      {"everything",
       with([](PolicyInput& in) {
         in.tier = Tier::Critical;
         in.policy_risk = 0.9;
         in.time = at(5, 9);
         in.budget_remaining_fraction = 0.0;
         in.migration = true;
         in.lines_changed = 5000;
       }),
       {kApprove, kDefer, kBlock, kApprove, kWarn}},
  };
}

// Test names stay readable and stable (the default would print the bytes of the case).
void PrintTo(const PolicyCase& each, std::ostream* out) {
  *out << each.name;
}

class PolicyTable : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyTable, EachPolicyFiresExactlyWhenItShould) {
  const PolicyCase& c = GetParam();
  const GenopsConfig config;  // friday_block = false: defer
  const LocalCalendar calendar = test_calendar();
  const GovernanceVerdict verdict = PolicySet(config).evaluate(c.input, calendar);
  ASSERT_EQ(verdict.results.size(), kPolicies.size());
  PolicyEffect strongest = kAllow;
  for (std::size_t i = 0; i < kPolicies.size(); ++i) {
    EXPECT_STREQ(verdict.results[i].name, kPolicies[i]);
    EXPECT_EQ(verdict.results[i].effect, c.expected[i])
        << kPolicies[i] << ": got " << policy_effect_name(verdict.results[i].effect)
        << ", expected " << policy_effect_name(c.expected[i]);
    if (static_cast<int>(c.expected[i]) > static_cast<int>(strongest))
      strongest = c.expected[i];
  }
  EXPECT_EQ(verdict.effect, strongest);
  ASSERT_NE(verdict.deciding(), nullptr);
  EXPECT_EQ(verdict.deciding()->effect, strongest);
  if (verdict.effect == kDefer) {
    EXPECT_EQ(verdict.defer_until, calendar.next_deploy_allowed(c.input.time, 16));
    EXPECT_GT(verdict.defer_until, c.input.time);
    EXPECT_FALSE(calendar.in_no_deploy_window(verdict.defer_until, 16));
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, PolicyTable, ::testing::ValuesIn(policy_cases()),
                         [](const ::testing::TestParamInfo<PolicyCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(PolicySet, DeferredChangesWaitUntilMondayOrTheEndOfTheFreeze) {
  const GenopsConfig config;
  const LocalCalendar calendar = test_calendar();
  PolicyInput in = quiet();
  in.time = at(4, 16, 30);
  EXPECT_EQ(PolicySet(config).evaluate(in, calendar).defer_until, at(7, 0));
  in.time = at(16, 8);
  EXPECT_EQ(PolicySet(config).evaluate(in, calendar).defer_until, at(18, 0));
}

TEST(PolicySet, FridayBlockConfigurationBlocksInsteadOfDeferring) {
  GenopsConfig config;
  config.friday_block = true;
  PolicyInput in = quiet();
  in.time = at(4, 16);
  const GovernanceVerdict verdict = PolicySet(config).evaluate(in, test_calendar());
  EXPECT_EQ(verdict.results[1].effect, kBlock);
  EXPECT_EQ(verdict.effect, kBlock);
  // The cutoff hour is configurable.
  config.friday_block = false;
  config.friday_cutoff_hour = 18;
  in.time = at(4, 17);
  EXPECT_EQ(PolicySet(config).evaluate(in, test_calendar()).effect, kAllow);
}

// --- Audit trail ---------------------------------------------------------------------------

std::vector<AuditRecord> sample_trail(int n) {
  AuditTrail trail;
  for (int i = 0; i < n; ++i) {
    AuditRecord r;
    r.time_min = 10.0 * i + 0.25;
    r.deployment = 1000 + static_cast<std::uint64_t>(i / 3);
    r.actor = static_cast<Actor>(i % 3);
    r.action = i % 2 == 0 ? "policy_evaluation" : "rollout_gate";
    r.decision = i % 4 == 0 ? "APPROVAL_REQUIRED" : "ALLOWED";
    r.risk_score = 0.125F * static_cast<float>(i % 8);
    r.policies = "critical_service_human_review=ALLOW;no_friday_deployments=ALLOW";
    const AuditRecord& stored = trail.append(r);
    EXPECT_EQ(stored.sequence, static_cast<std::uint64_t>(i));
  }
  return trail.records();
}

TEST(AuditTrail, HashesKnownAnswer) {
  // Reference (Python, independent of this code): with p = struct.pack and
  // lp(s) = p('<Q', len(s)) + s, hashlib.sha256(b'genops-audit-v2' + p('<Q', 0) + p('<d', 12.5) +
  // p('<Q', 7) + bytes([0]) + p('<f', 0.25) + lp(b'policy_evaluation') + lp(b'ALLOWED') +
  // lp(b'db_migration_review=ALLOW') + bytes(32)).hexdigest()
  AuditRecord r;
  r.sequence = 0;
  r.time_min = 12.5;
  r.deployment = 7;
  r.actor = Actor::AiAgent;
  r.action = "policy_evaluation";
  r.decision = "ALLOWED";
  r.risk_score = 0.25F;
  r.policies = "db_migration_review=ALLOW";
  EXPECT_EQ(to_hex(audit_hash(Sha256{}, r)),
            "c1c218e82fe2c104275c097e7b1899c4a6b53f4a82e0badb6a472ce749e96e8c");
  // hashlib.sha256(lp(b'genops-audit-v2/genesis') + lp(b'genops') + p('<QQQ', 42, 1, 2))
  EXPECT_EQ(to_hex(audit_genesis("genops", 42, 1, 2)),
            "d0736e3eb03f8d29b0ea2c2d18129dcdb13eff779ae2f801ffbcfc14639388e2");
}

TEST(AuditTrail, FieldsCannotBeShiftedBetweenTextFields) {
  // With '|'-joined text, action "a|b" + decision "c" hashed like action "a" + decision "b|c".
  AuditRecord left;
  left.action = "a|b";
  left.decision = "c";
  AuditRecord right;
  right.action = "a";
  right.decision = "b|c";
  EXPECT_NE(audit_hash(Sha256{}, left), audit_hash(Sha256{}, right));
}

TEST(AuditTrail, AChainVerifiesOnlyFromItsOwnGenesis) {
  const Sha256 genesis = audit_genesis("genops", 42, 0, 1);
  AuditTrail trail(genesis);
  AuditRecord r;
  r.action = "policy_evaluation";
  trail.append(r);
  trail.append(r);
  EXPECT_EQ(first_broken_link(trail.records(), genesis), std::nullopt);
  EXPECT_EQ(first_broken_link(trail.records(), audit_genesis("genops", 42, 1, 1)), 0U);
  EXPECT_EQ(first_broken_link(trail.records(), audit_genesis("genops", 42, 0, 0)), 0U);
  EXPECT_EQ(first_broken_link(trail.records(), audit_genesis("baseline", 42, 0, 1)), 0U);
  EXPECT_EQ(trail.head(), trail.records().back().hash);
}

TEST(AuditTrail, AppendedChainVerifies) {
  const auto records = sample_trail(50);
  ASSERT_EQ(records.size(), 50U);
  EXPECT_EQ(first_broken_link(records), std::nullopt);
  EXPECT_EQ(first_broken_link({}), std::nullopt);
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i].previous_hash, records[i - 1].hash);
    EXPECT_EQ(records[i].hash, audit_hash(records[i - 1].hash, records[i]));
  }
  EXPECT_EQ(records[0].previous_hash, Sha256{});
}

TEST(AuditTrail, TamperingWithAnyFieldIsDetectedAtThatRecord) {
  const auto original = sample_trail(20);
  constexpr std::size_t kAt = 11;
  const std::vector<std::pair<const char*, void (*)(AuditRecord&)>> edits = {
      {"time", [](AuditRecord& r) { r.time_min += 0.001; }},
      {"deployment", [](AuditRecord& r) { r.deployment += 1; }},
      {"actor", [](AuditRecord& r) { r.actor = Actor::Human; }},
      {"action", [](AuditRecord& r) { r.action = "rollback"; }},
      {"decision", [](AuditRecord& r) { r.decision = "BLOCKED"; }},
      {"risk", [](AuditRecord& r) { r.risk_score += 0.01F; }},
      {"policies", [](AuditRecord& r) { r.policies += ";large_change_caution=WARN"; }},
      {"sequence", [](AuditRecord& r) { r.sequence += 1; }},
      {"hash", [](AuditRecord& r) { r.hash[5] ^= 1; }},
      {"previous_hash", [](AuditRecord& r) { r.previous_hash[0] ^= 0x80; }},
  };
  for (const auto& [field, edit] : edits) {
    auto records = original;
    edit(records[kAt]);
    EXPECT_EQ(first_broken_link(records), kAt) << field;
  }
  // Rewriting a record and recomputing its own hash still breaks the next link.
  auto rewritten = original;
  rewritten[kAt].decision = "APPROVED";
  rewritten[kAt].hash = audit_hash(rewritten[kAt].previous_hash, rewritten[kAt]);
  EXPECT_EQ(first_broken_link(rewritten), kAt + 1);
  // Tampering with the first and the last record.
  auto first = original;
  first.front().action = "x";
  EXPECT_EQ(first_broken_link(first), 0U);
  auto last = original;
  last.back().action = "x";
  EXPECT_EQ(first_broken_link(last), original.size() - 1);
}

// The encoding hashes the raw bits of time_min and risk_score, so an edit of one ulp is found.
TEST(AuditTrail, TamperingBelowTheSixthDecimalIsDetected) {
  const auto original = sample_trail(5);
  auto risk = original;
  risk[2].risk_score = std::nextafter(risk[2].risk_score, 1.0F);
  EXPECT_EQ(first_broken_link(risk), 2U);
  auto time = original;
  time[3].time_min += 3e-8;
  EXPECT_EQ(first_broken_link(time), 3U);
}

TEST(AuditTrail, DeletionInsertionAndReorderingAreDetected) {
  const auto original = sample_trail(20);
  auto deleted = original;
  deleted.erase(deleted.begin() + 7);
  EXPECT_EQ(first_broken_link(deleted), 7U);

  auto truncated_front = original;
  truncated_front.erase(truncated_front.begin());
  EXPECT_EQ(first_broken_link(truncated_front), 0U);

  auto inserted = original;
  inserted.insert(inserted.begin() + 9, original[4]);
  EXPECT_EQ(first_broken_link(inserted), 9U);

  auto duplicated = original;
  duplicated.insert(duplicated.begin() + 13, original[12]);
  EXPECT_EQ(first_broken_link(duplicated), 13U);

  auto reordered = original;
  std::swap(reordered[3], reordered[4]);
  EXPECT_EQ(first_broken_link(reordered), 3U);

  // Dropping the tail is not a broken link (the chain is a prefix); a consumer compares the
  // last hash with the published head.
  auto tail_dropped = original;
  tail_dropped.pop_back();
  EXPECT_EQ(first_broken_link(tail_dropped), std::nullopt);
}

}  // namespace
}  // namespace genops::models
