#include "models/governance.hpp"

#include <cstdio>
#include <stdexcept>

#include <openssl/evp.h>

#include "models/calendar.hpp"

namespace genops::models {

const char* policy_effect_name(PolicyEffect effect) {
  switch (effect) {
    case PolicyEffect::Allow:
      return "ALLOW";
    case PolicyEffect::Warn:
      return "WARN";
    case PolicyEffect::RequireApproval:
      return "REQUIRE_APPROVAL";
    case PolicyEffect::Defer:
      return "DEFER";
    case PolicyEffect::Block:
      return "BLOCK";
  }
  return "?";
}

const PolicyResult* GovernanceVerdict::deciding() const {
  for (const auto& r : results) {
    if (r.effect == effect)
      return &r;
  }
  return nullptr;
}

GovernanceVerdict PolicySet::evaluate(const PolicyInput& in, const LocalCalendar& calendar) const {
  GovernanceVerdict v;
  const double risk = std::max(in.policy_risk, in.ai_risk);
  v.results.push_back({"critical_service_human_review",
                       in.tier == Tier::Critical && risk > kCriticalServiceRiskThreshold
                           ? PolicyEffect::RequireApproval
                           : PolicyEffect::Allow,
                       "critical service with risk > 0.5"});
  const bool window =
      !in.hotfix && calendar.in_no_deploy_window(in.time, config_.friday_cutoff_hour);
  v.results.push_back({"no_friday_deployments",
                       window ? (config_.friday_block ? PolicyEffect::Block : PolicyEffect::Defer)
                              : PolicyEffect::Allow,
                       "no deploys Friday after cutoff, weekends or freeze windows"});
  PolicyEffect budget = PolicyEffect::Allow;
  if (!in.hotfix && in.budget_remaining_fraction <= 0.0) {
    budget = PolicyEffect::Block;
  } else if (in.budget_remaining_fraction < config_.budget_warning_fraction) {
    budget = PolicyEffect::Warn;
  }
  v.results.push_back({"error_budget_protection", budget, "error budget exhausted"});
  v.results.push_back({"db_migration_review",
                       in.migration && (in.tier == Tier::Critical || in.tier == Tier::High)
                           ? PolicyEffect::RequireApproval
                           : PolicyEffect::Allow,
                       "database migration on a critical or high tier service"});
  v.results.push_back({"large_change_caution",
                       in.lines_changed > 1000 ? PolicyEffect::Warn : PolicyEffect::Allow,
                       "more than 1000 lines changed"});
  for (const auto& r : v.results) {
    if (static_cast<int>(r.effect) > static_cast<int>(v.effect))
      v.effect = r.effect;
  }
  if (v.effect == PolicyEffect::Defer) {
    v.defer_until = calendar.next_deploy_allowed(in.time, config_.friday_cutoff_hour);
  }
  return v;
}

std::string to_hex(const Sha256& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 15];
  }
  return out;
}

std::string canonical_audit_text(const AuditRecord& r) {
  // %a prints doubles exactly (hexadecimal significand), so any edit changes the hash.
  char numbers[192];
  std::snprintf(numbers, sizeof numbers, "%llu|%a|%llu|%d|%a|",
                static_cast<unsigned long long>(r.sequence), r.time_min,
                static_cast<unsigned long long>(r.deployment), static_cast<int>(r.actor),
                static_cast<double>(r.risk_score));
  return std::string(numbers) + r.action + "|" + r.decision + "|" + r.policies;
}

Sha256 audit_hash(const Sha256& previous, const AuditRecord& record) {
  const std::string text = canonical_audit_text(record);
  Sha256 out{};
  unsigned int length = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr)
    throw std::runtime_error("EVP_MD_CTX_new failed");
  const bool ok = EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(context, previous.data(), previous.size()) == 1 &&
                  EVP_DigestUpdate(context, text.data(), text.size()) == 1 &&
                  EVP_DigestFinal_ex(context, out.data(), &length) == 1;
  EVP_MD_CTX_free(context);
  if (!ok || length != out.size())
    throw std::runtime_error("SHA-256 digest failed");
  return out;
}

const AuditRecord& AuditTrail::append(AuditRecord record) {
  record.sequence = records_.size();
  record.previous_hash = last_;
  record.hash = audit_hash(last_, record);
  last_ = record.hash;
  records_.push_back(std::move(record));
  return records_.back();
}

std::optional<std::size_t> first_broken_link(const std::vector<AuditRecord>& records) {
  Sha256 previous{};
  for (std::size_t i = 0; i < records.size(); ++i) {
    const AuditRecord& r = records[i];
    if (r.sequence != i || r.previous_hash != previous || audit_hash(previous, r) != r.hash) {
      return i;
    }
    previous = r.hash;
  }
  return std::nullopt;
}

}  // namespace genops::models
