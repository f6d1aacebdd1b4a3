#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "engine/model.hpp"
#include "models/governance.hpp"
#include "models/records.hpp"
#include "models/strategy.hpp"
#include "models/world.hpp"

namespace genops::models {

// Mutable per-change state while a change moves through the pipeline.
struct ChangeState {
  int attempt = 0;  // rework loops so far
  bool defect_present = false;
  bool finished = false;
  bool reviewing = false;
  bool deployed = false;                      // first production exposure happened
  PipelineStage phase = PipelineStage::None;  // where the change is now (InFlight records)
  SimTime ci_enqueued;
  SimTime review_enqueued;
  // Strategy scratch.
  std::uint8_t stage = 0;
  bool high_risk_stages = false;
  bool stage_breach = false;  // the current canary stage's verdict
  SimTime exposure_start;
  double exposure_fraction = 0;
  double planned_rollback_minutes = 0;
};

// Everything one organization's run produces.
struct PipelineOutput {
  std::vector<DeploymentRecord> deployments;  // every arrival, in change order (InFlight too)
  std::vector<TrafficShift> shifts;           // production traffic shifts, in time order
  std::vector<CanaryStageRecord> stages;
  std::vector<AuditRecord> audit;
  std::vector<ResourceSample> samples;
  std::vector<AwuRecord> awus;             // GenOps telemetry (genops strategies only)
  std::vector<std::string> service_names;  // by service id
  std::uint64_t unfinished = 0;  // changes InFlight at the horizon (recorded, outcome InFlight)
  // Pull-request reviews started in the measured window and their summed queue wait (minutes).
  std::uint64_t pr_reviews = 0;
  double pr_review_wait_min = 0;
  // Warm-up (Scenario::warmup_days): changes that arrived before start_date are in no vector
  // above (nor their stages, AWUs, audit entries, shifts; samples before start_date neither).
  std::uint64_t warmup_arrivals = 0;
  // The warm-up changes that burned error budget and finished (times < 0 on the record clock):
  // history the safety checker's ledger needs; never judged, never summarized.
  std::vector<DeploymentRecord> warmup_burns;
};

// The engine model of one organization under one strategy: arrivals, the CI runner pool,
// rework, the reviewer pool (working hours, on-call for hotfixes), incidents and error budgets.
// Strategy-specific steps are delegated to the Strategy.
class Pipeline final : public engine::Model {
 public:
  Pipeline(const Scenario& scenario, Organization organization, const Strategy& strategy,
           RunKey key);

  void start(engine::Context& context) override;
  void handle(engine::Context& context, const engine::Event& event) override;
  void finish(engine::Context& context) override;

  // --- services for strategies ---
  SimTime now() const { return now_; }
  // The record clock: minutes since 00:00 UTC of start_date (negative during the warm-up). Every
  // time stored in an output record is on it.
  double record_minutes(SimTime t) const { return (t - origin_).to_minutes(); }
  double now_min() const { return record_minutes(now_); }
  // The change arrived during the warm-up: nothing of it reaches the output.
  bool in_warmup(std::uint32_t id) const { return organization_.changes[id].arrival < origin_; }
  const Scenario& scenario() const { return scenario_; }
  const Organization& organization() const { return organization_; }
  const Change& change(std::uint32_t id) const { return organization_.changes[id]; }
  const Service& service_of(std::uint32_t id) const;
  ChangeState& state(std::uint32_t id) { return states_[id]; }
  // A defect is present and shows in production metrics during the rollout.
  bool visible_defect(std::uint32_t id) const {
    return states_[id].defect_present && !organization_.changes[id].delayed_manifest;
  }
  DeploymentRecord& record(std::uint32_t id) { return records_[id]; }
  // A stream of this change for a purpose and the change's current attempt (CRN-synchronised).
  engine::RngStream rng(std::uint32_t id, Purpose purpose) const;
  // The same, for the `sub`-th use within one attempt (e.g. canary stage number).
  engine::RngStream rng(std::uint32_t id, Purpose purpose, std::uint32_t sub) const;
  StrategyState* strategy_state() { return strategy_state_.get(); }
  // The audit trail a change's entries go to: warm-up changes' entries go to a trail that is
  // discarded, so the kept chain holds exactly the measured changes' entries.
  AuditTrail& audit(std::uint32_t id) { return in_warmup(id) ? warmup_audit_ : audit_; }
  std::vector<CanaryStageRecord>& stage_records() { return output_.stages; }
  std::vector<AwuRecord>& awu_records() { return output_.awus; }
  // Error budget minutes of the service left in the rolling window now (may be negative).
  double budget_remaining_minutes(int service);

  void start_timer(std::uint32_t id, SimTime delay, std::uint32_t tag);
  // Human approval through the reviewer pool (hotfixes: on-call). The reviewer may catch the
  // latent defect (-> rework); otherwise Strategy::on_review_done.
  void request_review(std::uint32_t id);
  // Sends the change back to its author; `point` records where a CI-surviving defect was caught.
  void send_to_rework(std::uint32_t id, CatchPoint point);
  // Production exposure: the change now serves `traffic_fraction` of requests.
  void expose(std::uint32_t id, double traffic_fraction);
  // Rolls back now; the outcome RolledBack is final after `duration`.
  void roll_back(std::uint32_t id, CatchPoint point, SimTime duration);
  // Rollout reached 100% and verification passed: Succeeded, or an incident if a defect hides.
  void complete_rollout(std::uint32_t id);
  // Governance refused: Blocked, final now.
  void block(std::uint32_t id);
  // Remaining fraction of the service's 28-day error budget now (<= 0: exhausted).
  double budget_remaining_fraction(int service);

  PipelineOutput take_output();

  // CI jobs that find no free private runner go to the shared fleet partition `fleet`; every
  // message to and from it takes `latency` (models/ci_fleet.hpp). Call before the run starts.
  void use_fleet(engine::PartitionId fleet, SimTime latency);

 private:
  enum EventType : std::uint32_t {
    kArrival = 1,
    kCiDone,
    kReworkDone,
    kReviewDone,
    kReviewerWake,
    kTimer,
    kRolledBack,
    kIncidentRestored,
    kSample,
    kPrArrival,  // a pull-request build joins the CI queue (target: its index)
    kPrCiDone,
    kPrReviewDone,  // a reviewer finished a pull-request review
  };

  void schedule(SimTime delay, EventType type, std::uint32_t id, std::uint64_t argument = 0);
  void enqueue_ci(std::uint32_t id);
  void try_start_ci();
  // The duration of a CI job (a change's attempt: its CiRun draw; a PR build: pre-drawn).
  SimTime ci_duration(std::uint32_t job) const;
  // A change's CI job started at `start` (on a private runner or the fleet).
  void ci_started(std::uint32_t id, SimTime start);
  // A change's CI job finished: the test verdict, then rework or the strategy.
  void ci_finished(std::uint32_t id);
  // A pull-request build finished: a share of them join the review queue.
  void pr_build_finished(std::uint32_t pr);
  void try_start_reviews();
  // Minutes the review at the head of the queue takes (a change's approval or a PR review).
  double review_minutes(std::uint32_t queued) const;
  void review_finished(std::uint32_t id, bool on_call);
  void finish_change(std::uint32_t id, Outcome outcome);
  double severity(std::uint32_t id) const;
  void burn(int service, double bad_minutes);

  const Scenario& scenario_;
  Organization organization_;
  const Strategy& strategy_;
  RunKey key_;
  std::unique_ptr<StrategyState> strategy_state_;
  engine::Context* context_ = nullptr;
  SimTime now_;
  SimTime origin_;  // start_date on the simulation clock (warmup_days after its 0)
  SimTime arrivals_end_;

  std::vector<ChangeState> states_;
  std::vector<DeploymentRecord> records_;
  std::deque<std::uint32_t> ci_queue_;
  int runners_busy_ = 0;
  bool uses_fleet_ = false;
  engine::PartitionId fleet_ = 0;
  SimTime fleet_latency_;
  std::deque<std::uint32_t> review_queue_;   // changes, and PR reviews (kPrBuildBit | index)
  std::vector<SimTime> pr_review_enqueued_;  // by PR index (review queue waits)
  int reviewers_busy_ = 0;
  SimTime reviewer_wake_ = SimTime::max();

  // Error-budget ledger per service: burn times (minutes) and prefix sums, with a moving start
  // of the rolling 28-day window (queries come in time order).
  struct Ledger {
    std::vector<double> time_min;
    std::vector<double> cumulative;
    std::size_t window_start = 0;
  };
  std::vector<Ledger> ledgers_;

  AuditTrail audit_;
  AuditTrail warmup_audit_;
  PipelineOutput output_;
};

}  // namespace genops::models
