#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "engine/partition.hpp"

namespace genops::engine {

struct SimulationConfig {
  RunIdentity identity;
  SimTime horizon = SimTime::days(1);
  // Zero: partitions are independent and run to the horizon without synchronisation.
  // Positive: partitions may send() to each other with at least this delay and run under
  // conservative windows [T, T + lookahead).
  SimTime lookahead = SimTime::zero();
};

struct RunStats {
  std::uint64_t events = 0;
  std::uint64_t windows = 0;
  std::uint64_t messages = 0;
  double wall_seconds = 0;
  // Combination of every partition's digest, in partition order.
  std::uint64_t digest = 0;
};

// Runs partitions on oneTBB workers of the calling task arena. Results are bit-identical for
// any number of threads: partitions share nothing, and messages are merged at barriers in
// (time, source partition, source sequence) order.
class Simulation {
 public:
  explicit Simulation(SimulationConfig config);

  PartitionId add_partition(std::unique_ptr<Model> model);
  std::size_t partition_count() const { return partitions_.size(); }
  Partition& partition(PartitionId id) { return *partitions_.at(id); }

  // Runs start, all events before the horizon, and finish. `threads` == 0 uses the current
  // task arena; otherwise a new arena of that many threads. Throws PartitionError.
  RunStats run(int threads = 0);

 private:
  void run_independent();
  void run_windows(RunStats& stats);
  SimTime next_window_start();
  // Moves every outbox into the target partitions in (time, source, source sequence) order.
  void exchange_messages(std::vector<Message>& merged, RunStats& stats);
  static void rethrow_lowest(const std::vector<std::exception_ptr>& errors);
  // Applies `step` to every live partition in parallel; rethrows the lowest-id failure.
  template <class Step>
  void for_each_partition(const Step& step);

  SimulationConfig config_;
  std::vector<std::unique_ptr<Partition>> partitions_;
};

}  // namespace genops::engine
