#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/model.hpp"

namespace genops::engine {

// An event addressed to another partition, held in the sender's outbox until the next barrier.
struct Message {
  SimTime time;
  PartitionId source = 0;
  PartitionId target = 0;
  std::uint64_t source_sequence = 0;
  EventData data;
};

struct RunIdentity {
  std::uint64_t master_seed = 0;
  std::uint32_t replication = 0;
};

// A logical process: owns its clock, pending-event set, model, outbox and event digest. Only
// one thread touches a partition at a time; partitions share nothing.
class Partition final : public Context {
 public:
  Partition(PartitionId id, std::unique_ptr<Model> model, RunIdentity identity, SimTime lookahead);

  void start();
  // Processes every pending event with time < end, in (time, sequence) order.
  void run_until(SimTime end);
  void finish(SimTime horizon);
  // Queues a message from another partition (called at barriers only, in merge order).
  void deliver(const Message& message);

  SimTime next_event_time() { return queue_.next_time(); }
  std::vector<Message>& outbox() { return outbox_; }
  std::uint64_t events_processed() const { return events_processed_; }
  // Order-sensitive hash of every processed event (time, type, target, argument).
  std::uint64_t digest() const { return digest_; }
  Model& model() { return *model_; }
  const Model& model() const { return *model_; }

  // Context
  SimTime now() const override { return now_; }
  PartitionId partition() const override { return id_; }
  void schedule(SimTime delay, const EventData& data) override;
  void schedule_at(SimTime time, const EventData& data) override;
  void send(PartitionId target, SimTime delay, const EventData& data) override;
  RngStream rng(std::uint64_t entity, std::uint32_t purpose) const override;

 private:
  PartitionId id_;
  std::unique_ptr<Model> model_;
  RunIdentity identity_;
  SimTime lookahead_;
  SimTime now_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t events_processed_ = 0;
  std::uint64_t digest_ = 0x6a09e667f3bcc909ULL;
  DefaultEventQueue queue_;
  std::vector<Message> outbox_;
};

}  // namespace genops::engine
