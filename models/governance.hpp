#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sim_time.hpp"
#include "models/config.hpp"
#include "models/records.hpp"

namespace genops::models {

// The critical_service_human_review policy (docs/MODEL.md): a CRITICAL service's change with a
// risk above this needs a human. Part of the policy's definition, so genops' governance, the
// baseline's reviewers and the independent safety checker all judge by the same line.
inline constexpr double kCriticalServiceRiskThreshold = 0.5;

class LocalCalendar;

enum class PolicyEffect : std::uint8_t { Allow, Warn, RequireApproval, Defer, Block };
const char* policy_effect_name(PolicyEffect effect);

// What the policies look at, all of it recomputable from a deployment record and the world.
struct PolicyInput {
  Tier tier = Tier::Medium;
  bool hotfix = false;
  bool migration = false;
  int lines_changed = 0;
  double policy_risk = 0;  // the static rubric (risk.hpp policy_risk)
  double ai_risk = -1;     // the AI's conservative score, when computed
  double budget_remaining_fraction = 1;
  engine::SimTime time;  // when the deploy would start
};

struct PolicyResult {
  const char* name = "";
  PolicyEffect effect = PolicyEffect::Allow;
  std::string reason;
};

struct GovernanceVerdict {
  std::vector<PolicyResult> results;          // every policy, in evaluation order
  PolicyEffect effect = PolicyEffect::Allow;  // the strongest effect
  engine::SimTime defer_until;                // when effect == Defer
  const PolicyResult* deciding() const;       // the first result with the strongest effect
};

// Pillar 4 policies: critical_service_human_review, no_friday_deployments,
// error_budget_protection, db_migration_review, large_change_caution. Evaluated before every
// rollout; never bypassed by the genops strategy.
class PolicySet {
 public:
  PolicySet(const GenopsConfig& config) : config_(config) {}
  GovernanceVerdict evaluate(const PolicyInput& input, const LocalCalendar& calendar) const;

 private:
  const GenopsConfig& config_;
};

using Sha256 = std::array<std::uint8_t, 32>;
std::string to_hex(const Sha256& hash);

// Audit trail hash format (version 2). hash = SHA-256 of
//   "genops-audit-v2" || u64 sequence || f64 time_min || u64 deployment || u8 actor
//   || f32 risk_score || lp(action) || lp(decision) || lp(policies) || previous_hash
// with integers and IEEE-754 numbers little-endian and lp(s) = u64 length || bytes: every field,
// unambiguous (no separator a value could contain), exact (raw bits of the numbers). A chain's
// first previous_hash is its genesis, which binds it to its run and organization.
inline constexpr std::uint32_t kAuditHashVersion = 2;

// The bytes hashed for `record` (everything above but previous_hash), appended to `out`.
void append_audit_encoding(std::string& out, const AuditRecord& record);

// Genesis of the chain of `organization` in (strategy, master seed, replication): SHA-256 of
// "genops-audit-v2/genesis" || lp(strategy) || u64 master_seed || u64 replication ||
// u64 organization. A chain moved to another run, replication or organization fails.
Sha256 audit_genesis(std::string_view strategy, std::uint64_t master_seed,
                     std::uint32_t replication, std::uint32_t organization);

// SHA-256 of audit records with one reused OpenSSL digest context and encoding buffer
// (the digest is fetched once per process). Not thread-safe: one per trail or per thread.
class AuditHasher {
 public:
  AuditHasher();
  ~AuditHasher();
  AuditHasher(AuditHasher&&) noexcept;
  AuditHasher& operator=(AuditHasher&&) noexcept;
  AuditHasher(const AuditHasher&) = delete;
  AuditHasher& operator=(const AuditHasher&) = delete;

  Sha256 hash(const Sha256& previous, const AuditRecord& record);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// One-off convenience over AuditHasher.
Sha256 audit_hash(const Sha256& previous, const AuditRecord& record);

// Append-only, hash-chained audit trail starting at `genesis`.
class AuditTrail {
 public:
  explicit AuditTrail(const Sha256& genesis = {}) : last_(genesis) {}
  const AuditRecord& append(AuditRecord record);
  const std::vector<AuditRecord>& records() const { return records_; }
  std::vector<AuditRecord> take() { return std::move(records_); }
  // The hash of the last record (the genesis while empty): the chain's head.
  const Sha256& head() const { return last_; }

 private:
  std::vector<AuditRecord> records_;
  Sha256 last_{};
  AuditHasher hasher_;
};

// Index of the first record whose link is broken (sequence gap, wrong previous hash or wrong
// hash) in a chain that starts at `genesis`, or nullopt if the chain verifies.
std::optional<std::size_t> first_broken_link(const std::vector<AuditRecord>& records,
                                             const Sha256& genesis = {});

}  // namespace genops::models
