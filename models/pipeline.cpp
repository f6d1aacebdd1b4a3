#include "models/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.hpp"
#include "models/ci_fleet.hpp"

namespace genops::models {

namespace {
constexpr double kBudgetWindowMinutes = 28.0 * 24.0 * 60.0;
constexpr std::uint32_t kOrgWide = 0xffffffffU;
// CI queue entries with this bit are pull-request builds (index in the low bits), not changes.
constexpr std::uint32_t kPrBuildBit = 0x80000000U;
}  // namespace

Pipeline::Pipeline(const Scenario& scenario, Organization organization, const Strategy& strategy,
                   RunKey key)
    : scenario_(scenario),
      organization_(std::move(organization)),
      strategy_(strategy),
      key_(key),
      origin_(SimTime::days(scenario.warmup_days)),
      arrivals_end_(SimTime::days(simulated_arrival_days(scenario))) {
  // The chain starts at a genesis naming its run and organization (models/governance.hpp).
  audit_ = AuditTrail(audit_genesis(strategy.name(), key.master_seed, key.replication,
                                    static_cast<std::uint32_t>(organization_.index)));
  const std::size_t n = organization_.changes.size();
  states_.resize(n);
  records_.resize(n);
  ledgers_.resize(organization_.services.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    const Change& c = organization_.changes[i];
    DeploymentRecord& r = records_[i];
    r.id = deployment_id(static_cast<std::uint32_t>(organization_.index), i);
    r.organization = static_cast<std::uint16_t>(organization_.index);
    r.service = static_cast<std::uint16_t>(c.service);
    r.tier =
        static_cast<std::uint8_t>(organization_.services[static_cast<std::size_t>(c.service)].tier);
    r.arrival_min = record_minutes(c.arrival);
    r.hotfix = c.hotfix;
    r.migration = c.migration;
    r.config_change = c.config_change;
    r.lines_changed = static_cast<std::uint32_t>(c.lines_changed);
    r.files_changed = static_cast<std::uint16_t>(std::min(c.files_changed, 65535));
    r.latent_defect = c.has_defect;
    states_[i].defect_present = c.has_defect;
  }
  strategy_state_ = strategy_.make_state(*this);
}

const Service& Pipeline::service_of(std::uint32_t id) const {
  return organization_.services[static_cast<std::size_t>(organization_.changes[id].service)];
}

engine::RngStream Pipeline::rng(std::uint32_t id, Purpose purpose) const {
  return world_stream(key_, organization_.index, id, purpose_key(purpose, states_[id].attempt));
}

engine::RngStream Pipeline::rng(std::uint32_t id, Purpose purpose, std::uint32_t sub) const {
  return world_stream(key_, organization_.index, (std::uint64_t{sub} << 32) | id,
                      purpose_key(purpose, states_[id].attempt));
}

void Pipeline::schedule(SimTime delay, EventType type, std::uint32_t id, std::uint64_t argument) {
  context_->schedule(delay, engine::EventData{type, id, argument});
}

void Pipeline::start(engine::Context& context) {
  context_ = &context;
  now_ = context.now();
  // Arrivals are chained: each arrival schedules the next, so the queue stays small.
  if (!organization_.changes.empty()) {
    context.schedule_at(organization_.changes[0].arrival, engine::EventData{kArrival, 0, 0});
  }
  if (!organization_.pr_builds.empty()) {
    context.schedule_at(organization_.pr_builds[0].arrival, engine::EventData{kPrArrival, 0, 0});
  }
  schedule(SimTime::zero(), kSample, kOrgWide);
}

void Pipeline::handle(engine::Context& context, const engine::Event& event) {
  context_ = &context;
  now_ = event.time;
  const std::uint32_t id = event.data.target;
  switch (event.data.type) {
    case kArrival: {
      const std::uint32_t next = id + 1;
      if (next < organization_.changes.size()) {
        context.schedule_at(organization_.changes[next].arrival,
                            engine::EventData{kArrival, next, 0});
      }
      enqueue_ci(id);
      break;
    }
    case kPrArrival: {
      if (id + 1 < organization_.pr_builds.size()) {
        context.schedule_at(organization_.pr_builds[id + 1].arrival,
                            engine::EventData{kPrArrival, id + 1, 0});
      }
      ci_queue_.push_back(id | kPrBuildBit);
      try_start_ci();
      break;
    }
    case kPrCiDone:
      --runners_busy_;
      try_start_ci();
      pr_build_finished(id);
      break;
    case kPrReviewDone:
      --reviewers_busy_;
      try_start_reviews();
      break;
    case kCiDone:
      --runners_busy_;
      try_start_ci();
      ci_finished(id);
      break;
    case fleet_message::kStarted:
      if ((id & kPrBuildBit) == 0)
        ci_started(id, SimTime::milliseconds(static_cast<std::int64_t>(event.data.argument)));
      break;
    case fleet_message::kDone:
      if ((id & kPrBuildBit) == 0)
        ci_finished(id);
      else
        pr_build_finished(id & ~kPrBuildBit);
      break;
    case kReworkDone: {
      ChangeState& s = states_[id];
      ++s.attempt;
      engine::RngStream draw = rng(id, Purpose::Rework);
      if (s.defect_present && engine::bernoulli(draw, scenario_.defects.fix_probability)) {
        s.defect_present = false;
      }
      enqueue_ci(id);
      break;
    }
    case kReviewDone:
      review_finished(id, event.data.argument != 0);
      break;
    case kReviewerWake:
      reviewer_wake_ = SimTime::max();
      try_start_reviews();
      break;
    case kTimer:
      strategy_.on_timer(*this, id, static_cast<std::uint32_t>(event.data.argument));
      break;
    case kRolledBack:
      finish_change(id, Outcome::RolledBack);
      break;
    case kIncidentRestored:
      finish_change(id, Outcome::Failed);
      break;
    case kSample: {
      if (now_ < origin_) {  // warm-up: no sample
        schedule(SimTime::hours(1), kSample, kOrgWide);
        break;
      }
      ResourceSample sample;
      sample.time_min = now_min();
      sample.organization = static_cast<std::uint16_t>(organization_.index);
      sample.runners_busy = static_cast<std::uint16_t>(runners_busy_);
      sample.ci_queue = static_cast<std::uint16_t>(std::min<std::size_t>(ci_queue_.size(), 65535));
      sample.reviewers_busy = static_cast<std::uint16_t>(reviewers_busy_);
      sample.review_queue =
          static_cast<std::uint16_t>(std::min<std::size_t>(review_queue_.size(), 65535));
      output_.samples.push_back(sample);
      if (now_ < arrivals_end_)
        schedule(SimTime::hours(1), kSample, kOrgWide);
      break;
    }
    default:
      GENOPS_ASSERT(false, "unknown pipeline event type");
  }
}

void Pipeline::finish(engine::Context& context) {
  context_ = &context;
  now_ = context.now();
}

void Pipeline::enqueue_ci(std::uint32_t id) {
  states_[id].ci_enqueued = now_;
  states_[id].phase = PipelineStage::CiQueue;
  ci_queue_.push_back(id);
  try_start_ci();
}

void Pipeline::use_fleet(engine::PartitionId fleet, SimTime latency) {
  uses_fleet_ = true;
  fleet_ = fleet;
  fleet_latency_ = latency;
}

// A job takes a free private runner; without one it goes to the shared fleet if the
// organization uses one (the fleet queues it), else it waits here for a private runner.
void Pipeline::try_start_ci() {
  while (!ci_queue_.empty()) {
    const bool private_free = runners_busy_ < organization_.config.ci_runners;
    if (!private_free && !uses_fleet_)
      break;
    const std::uint32_t job = ci_queue_.front();
    ci_queue_.pop_front();
    const SimTime duration = ci_duration(job);
    if (!private_free) {
      GENOPS_ASSERT(duration.ticks() >= 0 && duration.ticks() <= 0xffffffffLL,
                    "a CI job longer than 49 days cannot be sent to a fleet");
      context_->send(fleet_, fleet_latency_,
                     engine::EventData{fleet_message::kRequest, context_->partition(),
                                       (std::uint64_t{job} << 32) |
                                           static_cast<std::uint64_t>(duration.ticks())});
      continue;
    }
    ++runners_busy_;
    if ((job & kPrBuildBit) != 0) {
      schedule(duration, kPrCiDone, job & ~kPrBuildBit);
      continue;
    }
    ci_started(job, now_);
    schedule(duration, kCiDone, job);
  }
}

SimTime Pipeline::ci_duration(std::uint32_t job) const {
  if ((job & kPrBuildBit) != 0)
    return SimTime::from_minutes(organization_.pr_builds[job & ~kPrBuildBit].minutes);
  engine::RngStream draw = rng(job, Purpose::CiRun);
  return SimTime::from_minutes(engine::lognormal_median(draw, service_of(job).ci_median_minutes,
                                                        scenario_.services.ci_sigma));
}

// A pull-request build finished (on a private runner or the fleet): a share of PRs then asks the
// reviewers for a review.
void Pipeline::pr_build_finished(std::uint32_t pr) {
  const ReviewerConfig& reviewers = organization_.config.reviewers;
  if (reviewers.pr_review_share <= 0)
    return;
  engine::RngStream draw =
      world_stream(key_, organization_.index, pr, purpose_key(Purpose::PrReview));
  if (engine::bernoulli(draw, reviewers.pr_review_share)) {
    pr_review_enqueued_.resize(organization_.pr_builds.size());
    pr_review_enqueued_[pr] = now_;
    review_queue_.push_back(pr | kPrBuildBit);
    try_start_reviews();
  }
}

void Pipeline::ci_started(std::uint32_t id, SimTime start) {
  states_[id].phase = PipelineStage::Ci;
  DeploymentRecord& r = records_[id];
  if (states_[id].attempt == 0 && r.ci_failures == 0)
    r.ci_start_min = record_minutes(start);
  r.ci_wait_min += static_cast<float>((start - states_[id].ci_enqueued).to_minutes());
}

void Pipeline::ci_finished(std::uint32_t id) {
  ChangeState& s = states_[id];
  DeploymentRecord& r = records_[id];
  const Change& c = organization_.changes[id];
  engine::RngStream draw = rng(id, Purpose::CiRun);
  engine::lognormal_median(draw, 1.0, 1.0);  // the duration draw, already used
  if (s.defect_present && c.test_visible &&
      engine::bernoulli(draw, scenario_.defects.test_detection)) {
    ++r.ci_failures;
    send_to_rework(id, CatchPoint::None);
    return;
  }
  if (s.defect_present)
    r.defect_survived_ci = true;
  s.phase = PipelineStage::PreDeploy;
  strategy_.on_ci_passed(*this, id);
}

void Pipeline::send_to_rework(std::uint32_t id, CatchPoint point) {
  DeploymentRecord& r = records_[id];
  ++r.rework_loops;
  states_[id].phase = PipelineStage::Rework;
  if (point != CatchPoint::None) {
    r.catch_points |= catch_point_bit(point);
    if (r.catch_point == CatchPoint::None)
      r.catch_point = point;
  }
  strategy_.on_rework(*this, id);
  engine::RngStream draw = rng(id, Purpose::Rework);
  const double minutes = engine::lognormal_median(draw, scenario_.defects.rework_median_minutes,
                                                  scenario_.defects.rework_sigma);
  schedule(SimTime::from_minutes(minutes), kReworkDone, id);
}

void Pipeline::request_review(std::uint32_t id) {
  ChangeState& s = states_[id];
  s.review_enqueued = now_;
  s.reviewing = true;
  s.phase = PipelineStage::Review;
  if (organization_.changes[id].hotfix) {
    engine::RngStream draw = rng(id, Purpose::HumanReview);
    const double minutes = engine::lognormal_median(
        draw, organization_.config.reviewers.on_call_response_median_minutes,
        organization_.config.reviewers.review_sigma);
    schedule(SimTime::from_minutes(minutes), kReviewDone, id, 1);
    return;
  }
  review_queue_.push_back(id);
  try_start_reviews();
}

void Pipeline::try_start_reviews() {
  const ReviewerConfig& reviewers = organization_.config.reviewers;
  const LocalCalendar& calendar = organization_.calendar;
  while (reviewers_busy_ < reviewers.count && !review_queue_.empty()) {
    SimTime wake = SimTime::max();
    if (!calendar.is_working_time(now_)) {
      wake = calendar.next_working_start(now_);
    } else {
      const std::uint32_t id = review_queue_.front();
      const SimTime duration = SimTime::from_minutes(review_minutes(id));
      const SimTime period_end = calendar.working_period_end(now_);
      // A review that cannot fit in any working day starts at the start of one and runs over.
      const SimTime day_length =
          SimTime::hours(reviewers.work_end_hour - reviewers.work_start_hour);
      const bool day_start = calendar.next_working_start(now_ - SimTime::milliseconds(1)) == now_;
      if (now_ + duration <= period_end || (duration > day_length && day_start)) {
        review_queue_.pop_front();
        ++reviewers_busy_;
        if ((id & kPrBuildBit) != 0) {
          const std::uint32_t pr = id & ~kPrBuildBit;
          if (now_ >= origin_) {
            ++output_.pr_reviews;
            output_.pr_review_wait_min += (now_ - pr_review_enqueued_[pr]).to_minutes();
          }
          schedule(duration, kPrReviewDone, pr, 0);
          continue;
        }
        records_[id].review_wait_min +=
            static_cast<float>((now_ - states_[id].review_enqueued).to_minutes());
        schedule(duration, kReviewDone, id, 0);
        continue;
      }
      // The review would not end before the working day does: wait for the next day.
      wake = calendar.next_working_start(period_end);
    }
    if (wake < reviewer_wake_) {
      reviewer_wake_ = wake;
      context_->schedule_at(wake, engine::EventData{kReviewerWake, kOrgWide, 0});
    }
    break;
  }
}

double Pipeline::review_minutes(std::uint32_t queued) const {
  const ReviewerConfig& reviewers = organization_.config.reviewers;
  if ((queued & kPrBuildBit) != 0) {
    engine::RngStream draw = world_stream(key_, organization_.index, queued & ~kPrBuildBit,
                                          purpose_key(Purpose::PrReview));
    engine::uniform(draw, 0.0, 1.0);  // the share draw, already used
    return engine::lognormal_median(draw, reviewers.pr_review_median_minutes,
                                    reviewers.review_sigma);
  }
  engine::RngStream draw = rng(queued, Purpose::HumanReview);
  return engine::lognormal_median(draw, reviewers.review_median_minutes, reviewers.review_sigma);
}

void Pipeline::review_finished(std::uint32_t id, bool on_call) {
  if (!on_call) {
    --reviewers_busy_;
    try_start_reviews();
  }
  ChangeState& s = states_[id];
  s.reviewing = false;
  DeploymentRecord& r = records_[id];
  if (on_call)
    r.review_wait_min += static_cast<float>((now_ - s.review_enqueued).to_minutes());
  engine::RngStream draw = rng(id, Purpose::HumanReview);
  engine::lognormal_median(draw, 1.0, 1.0);  // the duration draw, already used
  if (s.defect_present &&
      engine::bernoulli(
          draw, review_catch_probability(organization_.config.reviewers.defect_catch_probability,
                                         organization_.changes[id], scenario_.defects))) {
    send_to_rework(id, CatchPoint::HumanReview);
    return;
  }
  r.human_approved = true;
  s.phase = PipelineStage::PreDeploy;
  strategy_.on_review_done(*this, id);
}

void Pipeline::start_timer(std::uint32_t id, SimTime delay, std::uint32_t tag) {
  schedule(delay, kTimer, id, tag);
}

void Pipeline::expose(std::uint32_t id, double traffic_fraction) {
  ChangeState& s = states_[id];
  DeploymentRecord& r = records_[id];
  if (!s.deployed) {
    s.deployed = true;
    r.deploy_start_min = now_min();
    s.exposure_start = now_;
  }
  s.exposure_fraction = traffic_fraction;
  s.phase = PipelineStage::Production;
  if (!in_warmup(id))
    output_.shifts.push_back(TrafficShift{r.id, now_min(), traffic_fraction});
}

double Pipeline::severity(std::uint32_t id) const {
  return std::min(1.0, organization_.changes[id].error_rate_effect /
                           scenario_.incidents.full_outage_error_rate);
}

void Pipeline::roll_back(std::uint32_t id, CatchPoint point, SimTime duration) {
  ChangeState& s = states_[id];
  DeploymentRecord& r = records_[id];
  s.phase = PipelineStage::RollingBack;
  if (s.defect_present) {
    r.catch_points |= catch_point_bit(point);
    if (r.catch_point == CatchPoint::None)
      r.catch_point = point;
    // Bad minutes: the exposed share of traffic, for as long as it was exposed.
    const double exposed = (now_ - s.exposure_start + duration).to_minutes();
    r.error_budget_burned_min += static_cast<float>(exposed * s.exposure_fraction * severity(id));
  } else {
    r.false_rollback = true;
  }
  schedule(duration, kRolledBack, id);
}

void Pipeline::complete_rollout(std::uint32_t id) {
  ChangeState& s = states_[id];
  if (!s.defect_present) {
    finish_change(id, Outcome::Succeeded);
    return;
  }
  DeploymentRecord& r = records_[id];
  r.catch_points |= catch_point_bit(CatchPoint::Escaped);
  if (r.catch_point == CatchPoint::None)
    r.catch_point = CatchPoint::Escaped;
  r.incident = true;
  s.phase = PipelineStage::Incident;
  engine::RngStream draw = rng(id, Purpose::Incident);
  const IncidentConfig& ic = scenario_.incidents;
  const double detect = engine::lognormal_median(draw, ic.detect_median_minutes, ic.detect_sigma);
  const double restore =
      engine::lognormal_median(draw, ic.restore_median_minutes, ic.restore_sigma);
  r.incident_minutes = detect + restore;
  r.error_budget_burned_min += static_cast<float>(r.incident_minutes * severity(id));
  schedule(SimTime::from_minutes(detect + restore), kIncidentRestored, id);
}

void Pipeline::block(std::uint32_t id) {
  DeploymentRecord& r = records_[id];
  if (states_[id].defect_present && r.defect_survived_ci) {
    r.catch_points |= catch_point_bit(CatchPoint::NotDeployed);
    if (r.catch_point == CatchPoint::None)
      r.catch_point = CatchPoint::NotDeployed;
  }
  finish_change(id, Outcome::Blocked);
}

void Pipeline::finish_change(std::uint32_t id, Outcome outcome) {
  ChangeState& s = states_[id];
  GENOPS_ASSERT(!s.finished, "a change finished twice");
  s.finished = true;
  s.phase = PipelineStage::None;
  DeploymentRecord& r = records_[id];
  r.outcome = outcome;
  r.end_min = now_min();
  r.cycle_time_min = r.end_min - r.arrival_min;
  if (r.error_budget_burned_min > 0) {
    const Service& service = service_of(id);
    burn(service.id, r.error_budget_burned_min);
    for (int dependent : service.direct_dependents) {
      burn(dependent, r.error_budget_burned_min * scenario_.incidents.dependent_impact);
    }
  }
  strategy_.on_finished(*this, id);
}

void Pipeline::burn(int service, double bad_minutes) {
  Ledger& ledger = ledgers_[static_cast<std::size_t>(service)];
  const double before = ledger.cumulative.empty() ? 0.0 : ledger.cumulative.back();
  ledger.time_min.push_back(now_.to_minutes());
  ledger.cumulative.push_back(before + bad_minutes);
}

double Pipeline::budget_remaining_fraction(int service) {
  Ledger& ledger = ledgers_[static_cast<std::size_t>(service)];
  const double now = now_.to_minutes();
  while (ledger.window_start < ledger.time_min.size() &&
         ledger.time_min[ledger.window_start] <= now - kBudgetWindowMinutes) {
    ++ledger.window_start;
  }
  double used = 0;
  if (!ledger.cumulative.empty()) {
    const double before_window =
        ledger.window_start == 0 ? 0.0 : ledger.cumulative[ledger.window_start - 1];
    used = ledger.cumulative.back() - before_window;
  }
  const double budget =
      organization_.services[static_cast<std::size_t>(service)].error_budget_minutes;
  return (budget - used) / budget;
}

double Pipeline::budget_remaining_minutes(int service) {
  return budget_remaining_fraction(service) *
         organization_.services[static_cast<std::size_t>(service)].error_budget_minutes;
}

// Every arrival is recorded: a change without a final outcome at the horizon is InFlight
// (censored at `now_`, the horizon), with the stage it was in. Warm-up arrivals are counted and
// left out, with everything attributed to them (stage records, AWUs; shifts and audit entries
// never entered the output).
PipelineOutput Pipeline::take_output() {
  output_.deployments.reserve(records_.size());
  for (std::uint32_t i = 0; i < records_.size(); ++i) {
    DeploymentRecord record = records_[i];
    if (!states_[i].finished) {
      record.outcome = Outcome::InFlight;
      record.in_flight_stage = states_[i].phase;
      record.end_min = std::max(now_min(), record.arrival_min);
      record.cycle_time_min = record.end_min - record.arrival_min;
    }
    if (in_warmup(i)) {
      ++output_.warmup_arrivals;
      if (states_[i].finished && record.error_budget_burned_min > 0)
        output_.warmup_burns.push_back(record);
      continue;
    }
    if (!states_[i].finished)
      ++output_.unfinished;
    output_.deployments.push_back(record);
  }
  if (output_.warmup_arrivals > 0) {
    const auto warm = [this](std::uint64_t deployment) {
      return in_warmup(change_index_of(deployment));
    };
    std::erase_if(output_.stages, [&](const CanaryStageRecord& x) { return warm(x.deployment); });
    std::erase_if(output_.awus, [&](const AwuRecord& x) { return warm(x.deployment); });
  }
  output_.audit = audit_.take();
  for (const auto& service : organization_.services)
    output_.service_names.push_back(service.name);
  return std::move(output_);
}

}  // namespace genops::models
