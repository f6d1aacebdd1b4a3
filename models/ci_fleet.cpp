#include "models/ci_fleet.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/error.hpp"
#include "models/calendar.hpp"

namespace genops::models {

namespace {

constexpr std::int64_t kFineLimitMs = 3600LL * 1000;         // 1 s bins below 1 h
constexpr std::int64_t kCoarseLimitMs = 7LL * 86400 * 1000;  // 1 min bins up to 7 days
constexpr std::size_t kFineBins = 3600;

std::size_t wait_bin(std::int64_t ms) {
  if (ms < kFineLimitMs)
    return static_cast<std::size_t>(std::max<std::int64_t>(ms, 0) / 1000);
  if (ms < kCoarseLimitMs)
    return kFineBins + static_cast<std::size_t>((ms - kFineLimitMs) / 60000);
  return CiFleetStats::kWaitBins - 1;
}

double bin_lower_edge_seconds(std::size_t bin) {
  if (bin < kFineBins)
    return static_cast<double>(bin);
  return 3600.0 + 60.0 * static_cast<double>(bin - kFineBins);
}

}  // namespace

void CiFleetStats::add_wait(SimTime wait) {
  ++started;
  const double seconds = wait.to_seconds();
  wait_seconds_sum += seconds;
  wait_seconds_max = std::max(wait_seconds_max, seconds);
  ++wait_bins[wait_bin(wait.ticks())];
}

void CiFleetStats::merge(const CiFleetStats& other) {
  requests += other.requests;
  started += other.started;
  queued_at_end += other.queued_at_end;
  wait_seconds_sum += other.wait_seconds_sum;
  wait_seconds_max = std::max(wait_seconds_max, other.wait_seconds_max);
  for (std::size_t b = 0; b < kWaitBins; ++b)
    wait_bins[b] += other.wait_bins[b];
  for (std::size_t h = 0; h < 24; ++h) {
    busy_runner_seconds[h] += other.busy_runner_seconds[h];
    observed_seconds[h] += other.observed_seconds[h];
  }
}

double CiFleetStats::mean_wait_seconds() const {
  return started == 0 ? 0.0 : wait_seconds_sum / static_cast<double>(started);
}

double CiFleetStats::wait_quantile_seconds(double q) const {
  if (started == 0)
    return 0.0;
  const auto rank =
      static_cast<std::uint64_t>(std::max(1.0, std::ceil(q * static_cast<double>(started))));
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kWaitBins; ++b) {
    cumulative += wait_bins[b];
    if (cumulative >= rank)
      return b == kWaitBins - 1 ? wait_seconds_max : bin_lower_edge_seconds(b);
  }
  return wait_seconds_max;
}

double CiFleetStats::peak_hour_utilisation() const {
  double peak = 0;
  for (std::size_t h = 0; h < 24; ++h) {
    if (observed_seconds[h] > 0 && runners > 0) {
      peak = std::max(peak, busy_runner_seconds[h] / (observed_seconds[h] * runners));
    }
  }
  return peak;
}

SimTime fleet_latency(const CiFleetConfig& fleet) {
  return SimTime::milliseconds(std::llround(fleet.dispatch_latency_seconds * 1000.0));
}

int fleet_index(const Scenario& scenario, const std::string& name) {
  for (std::size_t f = 0; f < scenario.ci_fleets.size(); ++f) {
    if (scenario.ci_fleets[f].name == name)
      return static_cast<int>(f);
  }
  return -1;
}

SimTime fleet_lookahead(const Scenario& scenario) {
  SimTime lookahead = SimTime::max();
  for (const auto& organization : scenario.organizations) {
    if (organization.ci_fleet.empty())
      continue;
    const int f = fleet_index(scenario, organization.ci_fleet);
    GENOPS_ASSERT(f >= 0, "an organization names an unknown CI fleet");
    lookahead = std::min(lookahead, fleet_latency(scenario.ci_fleets[static_cast<std::size_t>(f)]));
  }
  return lookahead == SimTime::max() ? SimTime::zero() : lookahead;
}

std::vector<std::vector<int>> coupled_groups(const Scenario& scenario) {
  std::vector<std::vector<int>> groups;
  std::vector<int> group_of_fleet(scenario.ci_fleets.size(), -1);
  for (std::size_t o = 0; o < scenario.organizations.size(); ++o) {
    const std::string& name = scenario.organizations[o].ci_fleet;
    const int f = name.empty() ? -1 : fleet_index(scenario, name);
    GENOPS_ASSERT(name.empty() || f >= 0, "an organization names an unknown CI fleet");
    if (f >= 0 && group_of_fleet[static_cast<std::size_t>(f)] >= 0) {
      groups[static_cast<std::size_t>(group_of_fleet[static_cast<std::size_t>(f)])].push_back(
          static_cast<int>(o));
      continue;
    }
    if (f >= 0)
      group_of_fleet[static_cast<std::size_t>(f)] = static_cast<int>(groups.size());
    groups.push_back({static_cast<int>(o)});
  }
  return groups;
}

std::vector<int> fleets_of_group(const Scenario& scenario, const std::vector<int>& group) {
  std::vector<int> fleets;
  for (const int o : group) {
    const std::string& name = scenario.organizations.at(static_cast<std::size_t>(o)).ci_fleet;
    if (!name.empty())
      fleets.push_back(fleet_index(scenario, name));
  }
  std::sort(fleets.begin(), fleets.end());
  fleets.erase(std::unique(fleets.begin(), fleets.end()), fleets.end());
  return fleets;
}

CiFleet::CiFleet(const Scenario& scenario, int fleet_index, std::vector<int> organizations)
    : index_(fleet_index),
      origin_(SimTime::days(scenario.warmup_days)),
      arrivals_end_(SimTime::days(scenario.warmup_days + scenario.duration_days)),
      start_weekday_(iso_weekday(scenario.start_date)) {
  const CiFleetConfig& config = scenario.ci_fleets.at(static_cast<std::size_t>(fleet_index));
  latency_ = fleet_latency(config);
  stats_.name = config.name;
  stats_.runners = config.runners;
  stats_.dispatch_latency_seconds = config.dispatch_latency_seconds;
  stats_.organizations = std::move(organizations);
  running_.resize(static_cast<std::size_t>(config.runners));
  free_slots_.resize(running_.size());
  // Slot 0 on top of the stack, so slots are taken in ascending order.
  std::iota(free_slots_.rbegin(), free_slots_.rend(), 0U);
}

// The warm-up (models/pipeline.hpp) is served like any other time but enters no statistic.
void CiFleet::start(engine::Context& context) {
  accounted_ = std::max(context.now(), origin_);
}

void CiFleet::handle(engine::Context& context, const engine::Event& event) {
  account_until(event.time);
  switch (event.data.type) {
    case fleet_message::kRequest: {
      if (event.time >= origin_)
        ++stats_.requests;
      queue_.push_back(Job{event.data.target, static_cast<std::uint32_t>(event.data.argument >> 32),
                           SimTime::milliseconds(event.data.argument & 0xffffffffULL), event.time});
      try_start(context);
      break;
    }
    case kJobDone: {
      const Job& job = running_.at(event.data.target);
      context.send(job.organization, latency_, engine::EventData{fleet_message::kDone, job.id, 0});
      free_slots_.push_back(event.data.target);
      --busy_;
      try_start(context);
      break;
    }
    default:
      GENOPS_ASSERT(false, "unknown CI fleet event type");
  }
}

void CiFleet::try_start(engine::Context& context) {
  const SimTime now = context.now();
  while (!free_slots_.empty() && !queue_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    running_[slot] = queue_.front();
    queue_.pop_front();
    ++busy_;
    const Job& job = running_[slot];
    if (job.arrived >= origin_)
      stats_.add_wait(now - job.arrived);
    context.send(job.organization, latency_,
                 engine::EventData{fleet_message::kStarted, job.id,
                                   static_cast<std::uint64_t>(now.ticks())});
    context.schedule(job.duration, engine::EventData{kJobDone, slot, 0});
  }
}

void CiFleet::account_until(SimTime t) {
  const SimTime end = std::min(t, arrivals_end_);
  const std::int64_t hour_ms = SimTime::hours(1).ticks();
  std::int64_t at = accounted_.ticks();
  while (at < end.ticks()) {
    const std::int64_t hour = at / hour_ms;
    const std::int64_t next = std::min(end.ticks(), (hour + 1) * hour_ms);
    const std::int64_t day = hour / 24 - origin_.ticks() / SimTime::days(1).ticks();
    if (((start_weekday_ + day) % 7 + 7) % 7 < 5) {
      const double seconds = static_cast<double>(next - at) / 1000.0;
      const auto h = static_cast<std::size_t>(hour % 24);
      stats_.observed_seconds[h] += seconds;
      stats_.busy_runner_seconds[h] += seconds * busy_;
    }
    at = next;
  }
  accounted_ = std::max(accounted_, t);
}

void CiFleet::finish(engine::Context& context) {
  account_until(context.now());
  stats_.queued_at_end = queue_.size();
}

}  // namespace genops::models
