#pragma once

#include "models/config.hpp"
#include "models/strategy.hpp"

namespace genops::models {

// Traditional CI/CD with manual gates: every change needs a reviewer's approval (working
// hours; on-call for hotfixes), all-at-once rollout, manual verification during a bake, and
// policies applied by people, imperfectly: with configured probabilities a critical high-risk
// change skips review, a deploy goes out in a no-deploy window or on an exhausted error budget.
class BaselineStrategy final : public Strategy {
 public:
  explicit BaselineStrategy(const Scenario& scenario) : scenario_(scenario) {}
  std::string_view name() const override { return "baseline"; }
  void on_ci_passed(Pipeline& pipeline, std::uint32_t change) const override;
  void on_review_done(Pipeline& pipeline, std::uint32_t change) const override;
  void on_timer(Pipeline& pipeline, std::uint32_t change, std::uint32_t tag) const override;

 private:
  enum Tag : std::uint32_t { kDeferWake = 1, kVerificationDone = 2 };
  void deploy_gate(Pipeline& pipeline, std::uint32_t change) const;
  const Scenario& scenario_;
};

}  // namespace genops::models
