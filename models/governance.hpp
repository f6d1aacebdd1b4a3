#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
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

// Canonical text of an entry (every field but the hashes), the input of its hash.
std::string canonical_audit_text(const AuditRecord& record);
Sha256 audit_hash(const Sha256& previous, const AuditRecord& record);

// Append-only, hash-chained audit trail (SHA-256 over previous hash and canonical record).
class AuditTrail {
 public:
  const AuditRecord& append(AuditRecord record);
  const std::vector<AuditRecord>& records() const { return records_; }
  std::vector<AuditRecord> take() { return std::move(records_); }

 private:
  std::vector<AuditRecord> records_;
  Sha256 last_{};
};

// Index of the first record whose link is broken (sequence gap, wrong previous hash or wrong
// hash), or nullopt if the chain verifies.
std::optional<std::size_t> first_broken_link(const std::vector<AuditRecord>& records);

}  // namespace genops::models
