#include "models/strategy.hpp"

#include "engine/error.hpp"
#include "models/baseline.hpp"
#include "models/genops.hpp"

namespace genops::models {

std::unique_ptr<StrategyState> Strategy::make_state(const Pipeline& pipeline) const {
  static_cast<void>(pipeline);
  return nullptr;
}

void Strategy::on_rework(Pipeline& pipeline, std::uint32_t change) const {
  static_cast<void>(pipeline);
  static_cast<void>(change);
}

void Strategy::on_finished(Pipeline& pipeline, std::uint32_t change) const {
  static_cast<void>(pipeline);
  static_cast<void>(change);
}

void StrategyRegistry::add(std::string name, std::string description, StrategyFactory factory) {
  entries_[std::move(name)] = Entry{std::move(description), std::move(factory)};
}

std::vector<std::string> StrategyRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_)
    out.push_back(name);
  return out;
}

std::string StrategyRegistry::valid_names() const {
  std::string out;
  for (const auto& name : names())
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string StrategyRegistry::description(const std::string& name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? "" : it->second.description;
}

std::unique_ptr<Strategy> StrategyRegistry::create(const std::string& name,
                                                   const Scenario& scenario) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw engine::InputError("unknown strategy '" + name + "'; valid: " + valid_names());
  }
  return it->second.factory(scenario);
}

void register_builtin_strategies(StrategyRegistry& registry) {
  registry.add("baseline",
               "traditional CI/CD: manual approval, all-at-once rollout, manual verification",
               [](const Scenario& s) { return std::make_unique<BaselineStrategy>(s); });
  registry.add(
      "genops", "GenOps: retrieval, risk scoring, staged canary, governance",
      [](const Scenario& s) { return std::make_unique<GenopsStrategy>(s, GenopsPillars{}); });
  registry.add("genops-no-rag", "GenOps without context retrieval", [](const Scenario& s) {
    return std::make_unique<GenopsStrategy>(s, GenopsPillars{.retrieval = false});
  });
  registry.add("genops-no-risk", "GenOps without risk scoring and AI review",
               [](const Scenario& s) {
                 return std::make_unique<GenopsStrategy>(s, GenopsPillars{.risk = false});
               });
  registry.add("genops-no-canary", "GenOps with all-at-once rollout", [](const Scenario& s) {
    return std::make_unique<GenopsStrategy>(s, GenopsPillars{.canary = false});
  });
  registry.add("genops-no-governance", "GenOps without policies and approval gates",
               [](const Scenario& s) {
                 return std::make_unique<GenopsStrategy>(s, GenopsPillars{.governance = false});
               });
}

}  // namespace genops::models
