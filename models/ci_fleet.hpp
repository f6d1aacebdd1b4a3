#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engine/model.hpp"
#include "models/config.hpp"

namespace genops::models {

using engine::SimTime;

// Messages between organizations (Pipeline) and a shared CI fleet (CiFleet). Each one is sent
// with the fleet's dispatch latency, at least the run's lookahead. Types are disjoint from the
// pipeline's own event types.
namespace fleet_message {
// Organization -> fleet: target = the organization's partition, argument = job id << 32 |
// duration in milliseconds (drawn by the organization from its own streams).
inline constexpr std::uint32_t kRequest = 0x100;
// Fleet -> organization: target = job id, argument = the start time in milliseconds.
inline constexpr std::uint32_t kStarted = 0x101;
// Fleet -> organization: target = job id; the job has finished.
inline constexpr std::uint32_t kDone = 0x102;
}  // namespace fleet_message

// Queue waits and utilisation of one fleet in one run (or pooled over runs with merge()).
// Waits are from a request's arrival at the fleet to its start, binned at 1 s below 1 h and
// 1 min up to 7 days (quantiles are exact to within the bin width; the mean and max are exact).
// Utilisation integrates busy runners over time in each UTC hour of day, weekdays only, up to
// the end of arrivals (duration_days), like the organizations' peak-hour figures.
struct CiFleetStats {
  static constexpr std::size_t kWaitBins = 3600 + (7 * 86400 - 3600) / 60 + 1;

  std::string name;
  int runners = 0;
  double dispatch_latency_seconds = 0;
  std::vector<int> organizations;   // indices of the organizations that use the fleet
  std::uint64_t requests = 0;       // jobs received
  std::uint64_t started = 0;        // jobs started (waits are over these)
  std::uint64_t queued_at_end = 0;  // requests still waiting at the horizon
  double wait_seconds_sum = 0;
  double wait_seconds_max = 0;
  std::vector<std::uint64_t> wait_bins = std::vector<std::uint64_t>(kWaitBins, 0);
  std::array<double, 24> busy_runner_seconds{};  // weekday busy runner-seconds per UTC hour
  std::array<double, 24> observed_seconds{};     // weekday seconds observed per UTC hour

  void add_wait(SimTime wait);
  // Adds another run's figures of the same fleet.
  void merge(const CiFleetStats& other);
  double mean_wait_seconds() const;
  // Nearest-rank quantile (q in (0, 1]), the lower edge of its bin; 0 with no started job.
  double wait_quantile_seconds(double q) const;
  // Busy share of the runners in the busiest UTC hour of day (weekdays).
  double peak_hour_utilisation() const;
};

// A hosted CI runner fleet shared by several organizations: one engine partition. Requests queue
// FIFO in the order the engine delivers them, which is (arrival time, source partition, source
// sequence): the same at any thread count. A job starts when a runner is free; the fleet sends
// "started" and, after the job's duration, "done" back to its organization.
class CiFleet final : public engine::Model {
 public:
  CiFleet(const Scenario& scenario, int fleet_index, std::vector<int> organizations);

  void start(engine::Context& context) override;
  void handle(engine::Context& context, const engine::Event& event) override;
  void finish(engine::Context& context) override;

  int index() const { return index_; }
  const CiFleetStats& stats() const { return stats_; }

 private:
  enum EventType : std::uint32_t { kJobDone = 1 };
  struct Job {
    engine::PartitionId organization = 0;
    std::uint32_t id = 0;
    SimTime duration;
    SimTime arrived;
  };

  void try_start(engine::Context& context);
  // Integrates busy runners from the last change up to `t` (capped at the end of arrivals).
  void account_until(SimTime t);

  int index_;
  SimTime latency_;
  SimTime origin_;  // start_date: the warm-up before it is not counted
  SimTime arrivals_end_;
  int start_weekday_;
  std::deque<Job> queue_;
  std::vector<Job> running_;               // by runner slot
  std::vector<std::uint32_t> free_slots_;  // a stack of free runner slots
  int busy_ = 0;
  SimTime accounted_;
  CiFleetStats stats_;
};

// The dispatch latency of a fleet in engine ticks (whole milliseconds).
SimTime fleet_latency(const CiFleetConfig& fleet);
// Index of the fleet named `name` in scenario.ci_fleets, or -1.
int fleet_index(const Scenario& scenario, const std::string& name);
// The lookahead a run of this scenario needs: the smallest dispatch latency of a fleet that an
// organization uses; zero when no organization uses one (independent partitions).
SimTime fleet_lookahead(const Scenario& scenario);

// Groups of organizations coupled with each other (through a shared fleet), as ascending
// organization indices; groups ordered by their first organization. An organization without a
// fleet is a group of its own. A group must run in one Simulation; different groups never
// exchange messages and may run apart.
std::vector<std::vector<int>> coupled_groups(const Scenario& scenario);
// The fleets (indices into scenario.ci_fleets, ascending) that the organizations of `group` use.
std::vector<int> fleets_of_group(const Scenario& scenario, const std::vector<int>& group);

}  // namespace genops::models
