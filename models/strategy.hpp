#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/config.hpp"

namespace genops::models {

class Pipeline;

// Per-run mutable state a strategy keeps inside its organization's partition (for example the
// retrieval index). Strategies themselves are const configuration.
class StrategyState {
 public:
  virtual ~StrategyState() = default;
};

// A pipeline strategy: what happens between "CI passed" and the final outcome. The shared life
// cycle (arrivals, CI runners, rework, reviewers, incidents, error budgets) lives in Pipeline;
// a strategy reacts to the moments Pipeline hands it and calls Pipeline's services.
class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const = 0;
  virtual bool has_ai_actor() const { return false; }
  virtual std::unique_ptr<StrategyState> make_state(const Pipeline& pipeline) const;
  // The change passed CI (and is not in rework).
  virtual void on_ci_passed(Pipeline& pipeline, std::uint32_t change) const = 0;
  // A human review requested through Pipeline::request_review finished and approved.
  virtual void on_review_done(Pipeline& pipeline, std::uint32_t change) const = 0;
  // A timer set through Pipeline::start_timer fired.
  virtual void on_timer(Pipeline& pipeline, std::uint32_t change, std::uint32_t tag) const = 0;
  // The change was sent back to its author (CI failure, a reviewer's or the AI's catch).
  virtual void on_rework(Pipeline& pipeline, std::uint32_t change) const;
  // The change reached its final outcome (its record is complete).
  virtual void on_finished(Pipeline& pipeline, std::uint32_t change) const;
};

using StrategyFactory = std::function<std::unique_ptr<Strategy>(const Scenario&)>;

// Strategies by name. Filled by register_builtin_strategies(); no static self-registration.
class StrategyRegistry {
 public:
  void add(std::string name, std::string description, StrategyFactory factory);
  // Throws engine::InputError "unknown strategy 'x'; valid: a, b, ..." for unknown names.
  std::unique_ptr<Strategy> create(const std::string& name, const Scenario& scenario) const;
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<std::string> names() const;
  std::string description(const std::string& name) const;
  std::string valid_names() const;

 private:
  struct Entry {
    std::string description;
    StrategyFactory factory;
  };
  std::map<std::string, Entry> entries_;
};

// baseline, genops, genops-no-rag, genops-no-risk, genops-no-canary, genops-no-governance.
void register_builtin_strategies(StrategyRegistry& registry);

}  // namespace genops::models
