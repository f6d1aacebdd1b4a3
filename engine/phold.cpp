#include "engine/phold.hpp"

#include <memory>
#include <string>

#include "engine/error.hpp"

namespace genops::engine {

void validate(const PholdConfig& config) {
  if (config.partitions == 0)
    throw InputError("phold: partitions must be at least 1");
  if (config.lps < config.partitions) {
    throw InputError("phold: lps (" + std::to_string(config.lps) +
                     ") must be at least partitions (" + std::to_string(config.partitions) + ")");
  }
  if (!(config.remote_percent >= 0.0 && config.remote_percent <= 100.0)) {
    throw InputError("phold: remote_percent must be in [0, 100]");
  }
  if (config.lookahead <= SimTime::zero())
    throw InputError("phold: lookahead must be positive");
  if (!(config.mean_extra_delay_ms >= 0.0)) {
    throw InputError("phold: mean_extra_delay_ms must be non-negative");
  }
  if (config.horizon < SimTime::zero())
    throw InputError("phold: horizon must be non-negative");
}

namespace {

LpRange block_range(std::uint32_t lps, std::uint32_t partitions, PartitionId partition) {
  const auto begin = std::uint64_t{lps} * partition / partitions;
  const auto end = std::uint64_t{lps} * (partition + 1) / partitions;
  return LpRange{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end - begin)};
}

}  // namespace

LpRange phold_lp_range(const PholdConfig& config, PartitionId partition) {
  return block_range(config.lps, config.partitions, partition);
}

PholdModel::PholdModel(const PholdConfig& config, PartitionId partition)
    : partition_(partition),
      partitions_(config.partitions),
      lps_(config.lps),
      range_(phold_lp_range(config, partition)),
      events_per_lp_(config.events_per_lp),
      remote_probability_(config.partitions > 1 ? config.remote_percent / 100.0 : 0.0),
      lookahead_(config.lookahead),
      mean_extra_delay_ms_(config.mean_extra_delay_ms),
      event_counts_(range_.count, 0),
      last_event_time_(range_.count, SimTime::zero()) {
  GENOPS_ASSERT(partition < config.partitions, "PHOLD partition id out of range");
}

SimTime PholdModel::draw_delay(RngStream& rng) const {
  const double extra = exponential(rng, mean_extra_delay_ms_);
  return lookahead_ + SimTime::from_ticks(static_cast<SimTime::Rep>(extra + 0.5));
}

void PholdModel::start(Context& context) {
  streams_.clear();
  streams_.reserve(range_.count);
  for (std::uint32_t local = 0; local < range_.count; ++local) {
    streams_.push_back(context.rng(range_.first + local, kRngPurpose));
  }
  // Initial events spread over the first mean delay so LPs do not start in lockstep.
  for (std::uint32_t local = 0; local < range_.count; ++local) {
    for (std::uint32_t i = 0; i < events_per_lp_; ++i) {
      const double offset = exponential(streams_[local], mean_extra_delay_ms_);
      context.schedule(SimTime::from_ticks(static_cast<SimTime::Rep>(offset + 0.5)),
                       EventData{kEventType, range_.first + local, 0});
    }
  }
}

void PholdModel::handle(Context& context, const Event& event) {
  GENOPS_ASSERT(event.data.target - range_.first < range_.count, "PHOLD event for a foreign LP");
  const std::uint32_t local = event.data.target - range_.first;
  ++event_counts_[local];
  last_event_time_[local] = event.time;

  RngStream& rng = streams_[local];
  const SimTime delay = draw_delay(rng);
  // One hop counter travels with the event so the engine digest sees the causal chain.
  const EventData next{kEventType, 0, event.data.argument + 1};
  if (remote_probability_ > 0.0 && bernoulli(rng, remote_probability_)) {
    auto target_partition = static_cast<PartitionId>(uniform_below(rng, partitions_ - 1));
    if (target_partition >= partition_)
      ++target_partition;
    const LpRange target_range = block_range(lps_, partitions_, target_partition);
    EventData remote = next;
    remote.target =
        target_range.first + static_cast<std::uint32_t>(uniform_below(rng, target_range.count));
    context.send(target_partition, delay, remote);
    return;
  }
  EventData local_event = next;
  local_event.target = range_.first + static_cast<std::uint32_t>(uniform_below(rng, range_.count));
  context.schedule(delay, local_event);
}

std::uint64_t PholdModel::state_digest() const {
  std::uint64_t digest = splitmix64(0x50484f4c44ULL ^ range_.first);
  for (std::uint32_t local = 0; local < range_.count; ++local) {
    digest = splitmix64(digest ^ event_counts_[local]);
    digest = splitmix64(digest ^ static_cast<std::uint64_t>(last_event_time_[local].ticks()));
  }
  return digest;
}

Simulation make_phold_simulation(const PholdConfig& config) {
  validate(config);
  SimulationConfig sim_config;
  sim_config.identity = RunIdentity{config.seed, config.replication};
  sim_config.horizon = config.horizon;
  const bool coupled = config.partitions > 1 && config.remote_percent > 0.0;
  sim_config.lookahead = coupled ? config.lookahead : SimTime::zero();
  Simulation simulation(sim_config);
  for (PartitionId p = 0; p < config.partitions; ++p) {
    simulation.add_partition(std::make_unique<PholdModel>(config, p));
  }
  return simulation;
}

std::uint64_t phold_state_digest(Simulation& simulation) {
  std::uint64_t digest = 0;
  for (PartitionId p = 0; p < simulation.partition_count(); ++p) {
    const auto* model = dynamic_cast<const PholdModel*>(&simulation.partition(p).model());
    GENOPS_ASSERT(model != nullptr, "phold_state_digest on a simulation that is not PHOLD");
    digest = splitmix64(digest ^ model->state_digest());
  }
  return digest;
}

PholdResult run_phold(const PholdConfig& config, int threads) {
  Simulation simulation = make_phold_simulation(config);
  PholdResult result;
  result.stats = simulation.run(threads);
  result.state_digest = phold_state_digest(simulation);
  return result;
}

}  // namespace genops::engine
