#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model.hpp"
#include "engine/random.hpp"
#include "engine/simulation.hpp"

namespace genops::engine {

// PHOLD (Fujimoto 1990), the domain-free reference workload of parallel DES kernels: `lps`
// logical processes spread in contiguous blocks over `partitions`; each starts with
// `events_per_lp` events, and every event schedules one new event `lookahead` +
// exponential(`mean_extra_delay_ms`) later on a uniformly chosen LP: one of its own partition,
// or, with probability `remote_percent` / 100, one of another partition (sent through the
// mailbox). With remote_percent == 0 the partitions are independent (no windows).
struct PholdConfig {
  std::uint32_t lps = 1024;
  std::uint32_t partitions = 2;
  std::uint32_t events_per_lp = 1;
  double remote_percent = 0.0;              // in [0, 100]
  SimTime lookahead = SimTime::seconds(1);  // minimum delay of every event; > 0
  double mean_extra_delay_ms = 1000.0;      // mean of the exponential part of the delay
  SimTime horizon = SimTime::seconds(1000);
  std::uint64_t seed = 1;
  std::uint32_t replication = 0;
};

// Throws InputError naming the first bad field.
void validate(const PholdConfig& config);

// The LPs [first_lp, first_lp + count) of one partition under the block distribution.
struct LpRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};
LpRange phold_lp_range(const PholdConfig& config, PartitionId partition);

// One partition's share of PHOLD. State is plain per-LP data indexed by local LP id; each LP
// draws from its own keyed stream (entity = global LP id), advanced once per event it handles,
// so results do not depend on thread count or scheduling.
class PholdModel final : public Model {
 public:
  static constexpr std::uint32_t kEventType = 1;
  static constexpr std::uint32_t kRngPurpose = 0x50484f4c;  // "PHOL"

  PholdModel(const PholdConfig& config, PartitionId partition);

  void start(Context& context) override;
  void handle(Context& context, const Event& event) override;

  // Events handled per local LP.
  std::span<const std::uint64_t> event_counts() const { return event_counts_; }
  // Order-sensitive hash of every LP's (event count, time of its last event).
  std::uint64_t state_digest() const;

 private:
  SimTime draw_delay(RngStream& rng) const;

  PartitionId partition_;
  std::uint32_t partitions_;
  std::uint32_t lps_;
  LpRange range_;
  std::uint32_t events_per_lp_;
  double remote_probability_;
  SimTime lookahead_;
  double mean_extra_delay_ms_;
  std::vector<RngStream> streams_;
  std::vector<std::uint64_t> event_counts_;
  std::vector<SimTime> last_event_time_;
};

// A ready-to-run PHOLD simulation: one PholdModel per partition; lookahead zero (independent
// partitions) when remote_percent == 0 or there is one partition, else config.lookahead.
Simulation make_phold_simulation(const PholdConfig& config);

// Combination of every partition's PholdModel::state_digest(), in partition order.
std::uint64_t phold_state_digest(Simulation& simulation);

struct PholdResult {
  RunStats stats;
  std::uint64_t state_digest = 0;
};

// Builds, runs (`threads` as in Simulation::run) and digests one PHOLD simulation.
PholdResult run_phold(const PholdConfig& config, int threads);

}  // namespace genops::engine
