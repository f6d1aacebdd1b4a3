#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/config.hpp"
#include "models/strategy.hpp"

namespace genops::scenarios {

// Bad scenario input. The message is one line: "FILE:LINE: key 'KEY': expected ..., got ...".
class ScenarioError : public engine::InputError {
 public:
  using engine::InputError::InputError;
};

// One documented scenario key: its dotted path (organization keys start with
// "organizations.*."), type, unit, range and meaning. The same table drives the loader,
// --set, the JSON provenance and the key reference in scenarios/README.md.
struct KeyInfo {
  std::string key;
  std::string type;  // integer, number, boolean, string, date, array, stages, ...
  std::string unit;
  std::string range;
  std::string default_value;
  std::string description;
};

// When the whole-scenario limits (organization count, estimated memory against max_memory_gib)
// are checked. Complete: at once. Deferred: the caller applies its overrides (--set, sweep
// factors) first and then calls validate_scenario, so a file too big to run whole can be shrunk
// from the command line; every other check still runs at once.
enum class Validation { Complete, Deferred };

// Parses and validates a TOML scenario file (unknown keys, types, ranges, cross-field rules).
// Strategy names are checked against `strategies`, the program's one registry (the same the
// runner builds the strategies from); the loader keeps none of its own.
models::Scenario load_scenario(const std::string& path, const models::StrategyRegistry& strategies,
                               Validation validation = Validation::Complete);
// Parses a scenario from TOML text; `source` names it in messages.
models::Scenario parse_scenario(const std::string& text, const std::string& source,
                                const models::StrategyRegistry& strategies,
                                Validation validation = Validation::Complete);
// Applies "key=value" (value in TOML syntax; strings may be bare). Organization keys take an
// index or '*': organizations.0.ci_runners=6, organizations.*.reviewers.count=2.
void apply_override(models::Scenario& scenario, const std::string& assignment,
                    const models::StrategyRegistry& strategies,
                    Validation validation = Validation::Complete);
// Cross-field checks run after loading and after overrides (strategy names included), and the
// limits the run and its writers have: organizations (16-bit codes), holidays within the run,
// estimated memory (Deferred: all but the whole-scenario limits).
void validate_scenario(const models::Scenario& scenario, const models::StrategyRegistry& strategies,
                       Validation validation = Validation::Complete);

// Organization codes are 16-bit in records and results files.
inline constexpr std::size_t kMaxOrganizations = 65535;
// Expected arriving deployments of one run (all organizations).
double estimated_deployments(const models::Scenario& scenario);
// Expected deployments of each organization in one run, warm-up included (what a batch holds).
std::vector<double> estimated_organization_deployments(const models::Scenario& scenario);
// Estimated peak memory of `run` (scenarios/README.md "Memory"): a fixed allowance, the records
// of the largest of its batches (runner.hpp plan_batches with `batch_organizations` and
// `batch_deployments`; both <= 0: one batch), which is in flight at peak, and the values kept
// per deployment for a strategy's exact pooled quantiles over all its replications.
// Independent of the number of deployments beyond those.
double estimated_memory_bytes(const models::Scenario& scenario, int batch_organizations = 0,
                              double batch_deployments = 0);
// The most organizations `run --batch-organizations` may batch within max_memory_gib, whatever
// their sizes (at least 1).
int organizations_per_batch(const models::Scenario& scenario);
// The estimated deployments `run` simulates together by default: what max_memory_gib leaves for
// records in flight after the fixed allowance and the kept values (at least 1: then every
// coupled group is a batch of its own). Batches of small organizations hold many of them, so
// independent groups run side by side on the threads.
double deployments_per_batch(const models::Scenario& scenario);
// Every key, for documentation and `genops-sim validate --keys`.
std::vector<KeyInfo> scenario_keys();
// The fully resolved scenario as JSON (provenance).
std::string scenario_to_json(const models::Scenario& scenario);

}  // namespace genops::scenarios
