#pragma once

#include <cstdint>

#include "engine/event.hpp"
#include "engine/random.hpp"
#include "engine/sim_time.hpp"

namespace genops::engine {

using PartitionId = std::uint32_t;

// What a model sees of its partition while it runs: the clock, the scheduler, the mailbox to
// other partitions and its random streams. Passed explicitly; there are no globals.
class Context {
 public:
  virtual ~Context() = default;
  virtual SimTime now() const = 0;
  virtual PartitionId partition() const = 0;
  // Schedules an event on this partition `delay` (>= 0) from now.
  virtual void schedule(SimTime delay, const EventData& data) = 0;
  // Schedules an event on this partition at an absolute time (>= now).
  virtual void schedule_at(SimTime time, const EventData& data) = 0;
  // Sends an event to another partition, `delay` from now; delay must be >= the lookahead.
  virtual void send(PartitionId target, SimTime delay, const EventData& data) = 0;
  // The stream for (this run's seed, replication, this partition, entity, purpose).
  virtual RngStream rng(std::uint64_t entity, std::uint32_t purpose) const = 0;
};

// A model's narrow lifecycle: start once at time zero, handle events in (time, sequence) order,
// finish once when the run reaches its horizon.
class Model {
 public:
  virtual ~Model() = default;
  virtual void start(Context& context) = 0;
  virtual void handle(Context& context, const Event& event) = 0;
  virtual void finish(Context& context) { static_cast<void>(context); }
};

}  // namespace genops::engine
