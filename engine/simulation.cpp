#include "engine/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "engine/error.hpp"

namespace genops::engine {

Simulation::Simulation(SimulationConfig config) : config_(config) {
  GENOPS_ASSERT(config_.horizon >= SimTime::zero(), "negative horizon");
  GENOPS_ASSERT(config_.lookahead >= SimTime::zero(), "negative lookahead");
}

PartitionId Simulation::add_partition(std::unique_ptr<Model> model) {
  const auto id = static_cast<PartitionId>(partitions_.size());
  partitions_.push_back(
      std::make_unique<Partition>(id, std::move(model), config_.identity, config_.lookahead));
  return id;
}

template <class Step>
void Simulation::for_each_partition(const Step& step) {
  std::vector<std::exception_ptr> errors(partitions_.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, partitions_.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        try {
                          step(*partitions_[i]);
                        } catch (...) {
                          errors[i] = std::current_exception();
                        }
                      }
                    });
  // The lowest failing id is reported, whatever order the workers failed in.
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i])
      continue;
    try {
      std::rethrow_exception(errors[i]);
    } catch (const PartitionError&) {
      throw;
    } catch (const std::exception& error) {
      throw PartitionError(static_cast<PartitionId>(i), error.what());
    } catch (...) {
      throw PartitionError(static_cast<PartitionId>(i), "unknown exception");
    }
  }
}

RunStats Simulation::run(int threads) {
  const auto started = std::chrono::steady_clock::now();
  RunStats stats;
  const auto body = [&] {
    for_each_partition([](Partition& p) { p.start(); });
    if (config_.lookahead > SimTime::zero()) {
      run_windows(stats);
    } else {
      run_independent();
    }
    const SimTime horizon = config_.horizon;
    for_each_partition([horizon](Partition& p) { p.finish(horizon); });
  };
  if (threads > 0) {
    tbb::task_arena arena(threads);
    arena.execute(body);
  } else {
    body();
  }
  std::uint64_t digest = 0;
  for (const auto& p : partitions_) {
    stats.events += p->events_processed();
    digest = splitmix64(digest ^ p->digest());
  }
  stats.digest = digest;
  stats.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

void Simulation::run_independent() {
  const SimTime horizon = config_.horizon;
  for_each_partition([horizon](Partition& p) {
    GENOPS_ASSERT(p.outbox().empty(), "an independent partition sent a message");
    p.run_until(horizon);
  });
}

void Simulation::run_windows(RunStats& stats) {
  const SimTime horizon = config_.horizon;
  const SimTime lookahead = config_.lookahead;
  std::vector<Message> merged;
  for (;;) {
    // Skip empty stretches: the next window starts at the earliest pending event.
    SimTime start = SimTime::max();
    for (auto& p : partitions_)
      start = std::min(start, p->next_event_time());
    if (start >= horizon)
      break;
    const SimTime end = std::min(horizon, start + lookahead);
    for_each_partition([end](Partition& p) { p.run_until(end); });
    ++stats.windows;

    merged.clear();
    for (auto& p : partitions_) {
      auto& outbox = p->outbox();
      merged.insert(merged.end(), outbox.begin(), outbox.end());
      outbox.clear();
    }
    std::sort(merged.begin(), merged.end(), [](const Message& a, const Message& b) {
      if (a.time != b.time)
        return a.time < b.time;
      if (a.source != b.source)
        return a.source < b.source;
      return a.source_sequence < b.source_sequence;
    });
    for (const Message& message : merged) {
      if (message.target >= partitions_.size()) {
        throw PartitionError(message.source,
                             "sent to unknown partition " + std::to_string(message.target));
      }
      partitions_[message.target]->deliver(message);
    }
    stats.messages += merged.size();
  }
}

}  // namespace genops::engine
