#include "engine/simulation.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

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

void Simulation::rethrow_lowest(const std::vector<std::exception_ptr>& errors) {
  // The lowest failing id is reported, whatever order the workers failed in.
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) {
      continue;
    }
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
  rethrow_lowest(errors);
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

SimTime Simulation::next_window_start() {
  // Skip empty stretches: the next window starts at the earliest pending event.
  SimTime start = SimTime::max();
  for (auto& p : partitions_) {
    start = std::min(start, p->next_event_time());
  }
  return start;
}

void Simulation::exchange_messages(std::vector<Message>& merged, RunStats& stats) {
  merged.clear();
  for (auto& p : partitions_) {
    auto& outbox = p->outbox();
    merged.insert(merged.end(), outbox.begin(), outbox.end());
    outbox.clear();
  }
  std::sort(merged.begin(), merged.end(), [](const Message& a, const Message& b) {
    if (a.time != b.time) {
      return a.time < b.time;
    }
    if (a.source != b.source) {
      return a.source < b.source;
    }
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

namespace {

// How long a lane spins on a published-window counter before it blocks in the kernel. Windows
// are often shorter than a futex wake-up, so a short spin saves most of them; beyond it the
// lane sleeps, so an oversubscribed machine loses at most this much per window and lane.
constexpr auto kSpinBudget = std::chrono::microseconds(50);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Returns once `counter` no longer holds `old`.
void wait_for_change(const std::atomic<std::uint32_t>& counter, std::uint32_t old) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinBudget;
  for (unsigned spin = 0;; ++spin) {
    if (counter.load(std::memory_order_acquire) != old) {
      return;
    }
    cpu_relax();
    if (spin % 64 == 63 && std::chrono::steady_clock::now() > deadline) {
      break;
    }
  }
  counter.wait(old, std::memory_order_acquire);
}

// Window number in which a partition was last claimed; one cache line each.
struct alignas(64) Claim {
  std::atomic<std::uint32_t> window{0};
};

}  // namespace

// Conservative windows on `lanes` long-lived workers instead of one parallel_for per window:
// a window is often only tens of microseconds of work, less than waking a sleeping TBB worker.
// Each lane claims partitions of the published window (its own block first, so a partition
// tends to stay on one core), runs them to the window end, and the lane that finishes the
// window's last partition merges the messages and publishes the next window. A lane only waits
// when every partition of the window is claimed by a running lane, so the run completes even
// if some lanes never get a thread. Results do not depend on which lane ran what.
void Simulation::run_windows(RunStats& stats) {
  const SimTime horizon = config_.horizon;
  const SimTime lookahead = config_.lookahead;
  const auto partition_count = static_cast<std::uint32_t>(partitions_.size());
  SimTime start = next_window_start();
  if (start >= horizon) {
    return;
  }

  std::vector<Message> merged;
  std::vector<std::exception_ptr> errors(partition_count);
  std::exception_ptr exchange_error;
  std::vector<Claim> claims(partition_count);
  std::atomic<std::uint32_t> remaining{partition_count};
  std::atomic<std::uint32_t> published{1};
  std::atomic<bool> finished{false};
  // Written only by the lane that publishes a window, before it publishes.
  SimTime window_end = std::min(horizon, start + lookahead);

  const auto finish_window = [&] {
    ++stats.windows;
    const bool failed = std::any_of(errors.begin(), errors.end(),
                                    [](const std::exception_ptr& error) { return bool(error); });
    if (!failed) {
      try {
        exchange_messages(merged, stats);
      } catch (...) {
        exchange_error = std::current_exception();
      }
    }
    start = failed || exchange_error ? SimTime::max() : next_window_start();
    if (start >= horizon) {
      finished.store(true, std::memory_order_relaxed);
    } else {
      window_end = std::min(horizon, start + lookahead);
      remaining.store(partition_count, std::memory_order_relaxed);
    }
    published.fetch_add(1, std::memory_order_release);
    published.notify_all();
  };

  const int concurrency = tbb::this_task_arena::max_concurrency();
  const std::uint32_t lanes =
      std::min(partition_count, static_cast<std::uint32_t>(std::max(concurrency, 1)));
  const auto lane = [&](std::uint32_t lane_index) {
    const std::uint32_t first =
        static_cast<std::uint32_t>(std::uint64_t{lane_index} * partition_count / lanes);
    std::uint32_t window = 1;
    for (;;) {
      const std::uint32_t current = published.load(std::memory_order_acquire);
      if (current < window) {
        wait_for_change(published, current);
        continue;
      }
      window = current;
      if (finished.load(std::memory_order_relaxed)) {
        return;
      }
      for (std::uint32_t k = 0; k < partition_count; ++k) {
        const std::uint32_t i = (first + k) % partition_count;
        std::uint32_t expected = window - 1;
        // Succeeds only while `window` is the published one: it cannot complete before i does.
        if (!claims[i].window.compare_exchange_strong(expected, window,
                                                      std::memory_order_acquire)) {
          continue;
        }
        try {
          // Isolated: should a model wait on nested TBB work, this thread must not pick up
          // another lane meanwhile (that lane could wait for this very partition).
          tbb::this_task_arena::isolate([&] { partitions_[i]->run_until(window_end); });
        } catch (...) {
          errors[i] = std::current_exception();
        }
        if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          finish_window();
          break;
        }
      }
      ++window;
    }
  };

  if (lanes <= 1) {
    lane(0);
  } else {
    // Isolated so that waiting for the lanes never runs unrelated tasks (another simulation's
    // lanes, when replications run as tasks of one arena).
    tbb::this_task_arena::isolate([&] {
      tbb::task_group group;
      for (std::uint32_t l = 1; l < lanes; ++l) {
        group.run([&lane, l] { lane(l); });
      }
      lane(0);
      group.wait();
    });
  }
  rethrow_lowest(errors);
  if (exchange_error) {
    std::rethrow_exception(exchange_error);
  }
}

}  // namespace genops::engine
