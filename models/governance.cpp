#include "models/governance.hpp"

#include <bit>
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

namespace {

constexpr std::string_view kRecordDomain = "genops-audit-v2";
constexpr std::string_view kGenesisDomain = "genops-audit-v2/genesis";

void append_u64(std::string& out, std::uint64_t value) {
  // Little-endian bytes, appended at once (a push_back per byte was ~2% of a study run).
  char bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  out.append(bytes, sizeof bytes);
}

void append_text(std::string& out, std::string_view text) {
  append_u64(out, text.size());
  out.append(text);
}

const EVP_MD* sha256() {
  // Fetched once: EVP_sha256() per call looks the implementation up every time.
  static EVP_MD* const digest = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (digest == nullptr)
    throw std::runtime_error("EVP_MD_fetch(SHA256) failed");
  return digest;
}

}  // namespace

void append_audit_encoding(std::string& out, const AuditRecord& r) {
  out.append(kRecordDomain);
  append_u64(out, r.sequence);
  append_u64(out, std::bit_cast<std::uint64_t>(r.time_min));
  append_u64(out, r.deployment);
  out.push_back(static_cast<char>(r.actor));
  const auto risk = std::bit_cast<std::uint32_t>(r.risk_score);
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<char>((risk >> shift) & 0xff));
  }
  append_text(out, r.action);
  append_text(out, r.decision);
  append_text(out, r.policies);
}

struct AuditHasher::Context {
  EVP_MD_CTX* digest = EVP_MD_CTX_new();
  std::string buffer;
  ~Context() { EVP_MD_CTX_free(digest); }
};

AuditHasher::AuditHasher() : context_(std::make_unique<Context>()) {
  if (context_->digest == nullptr)
    throw std::runtime_error("EVP_MD_CTX_new failed");
}
AuditHasher::~AuditHasher() = default;
AuditHasher::AuditHasher(AuditHasher&&) noexcept = default;
AuditHasher& AuditHasher::operator=(AuditHasher&&) noexcept = default;

Sha256 AuditHasher::hash(const Sha256& previous, const AuditRecord& record) {
  std::string& buffer = context_->buffer;
  buffer.clear();
  append_audit_encoding(buffer, record);
  buffer.append(reinterpret_cast<const char*>(previous.data()), previous.size());
  Sha256 out{};
  unsigned int length = 0;
  const bool ok = EVP_DigestInit_ex2(context_->digest, sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(context_->digest, buffer.data(), buffer.size()) == 1 &&
                  EVP_DigestFinal_ex(context_->digest, out.data(), &length) == 1;
  if (!ok || length != out.size())
    throw std::runtime_error("SHA-256 digest failed");
  return out;
}

Sha256 audit_hash(const Sha256& previous, const AuditRecord& record) {
  AuditHasher hasher;
  return hasher.hash(previous, record);
}

Sha256 audit_genesis(std::string_view strategy, std::uint64_t master_seed,
                     std::uint32_t replication, std::uint32_t organization) {
  std::string text;
  append_text(text, kGenesisDomain);
  append_text(text, strategy);
  append_u64(text, master_seed);
  append_u64(text, replication);
  append_u64(text, organization);
  Sha256 out{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &length, sha256(), nullptr) != 1 ||
      length != out.size())
    throw std::runtime_error("SHA-256 digest failed");
  return out;
}

const AuditRecord& AuditTrail::append(AuditRecord record) {
  record.sequence = records_.size();
  record.previous_hash = last_;
  record.hash = hasher_.hash(last_, record);
  last_ = record.hash;
  records_.push_back(std::move(record));
  return records_.back();
}

std::optional<std::size_t> first_broken_link(const std::vector<AuditRecord>& records,
                                             const Sha256& genesis) {
  AuditHasher hasher;
  Sha256 previous = genesis;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const AuditRecord& r = records[i];
    if (r.sequence != i || r.previous_hash != previous || hasher.hash(previous, r) != r.hash) {
      return i;
    }
    previous = r.hash;
  }
  return std::nullopt;
}

}  // namespace genops::models
