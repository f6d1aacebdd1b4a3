#include "engine/partition.hpp"

#include <string>
#include <utility>

#include "engine/error.hpp"

namespace genops::engine {

Partition::Partition(PartitionId id, std::unique_ptr<Model> model, RunIdentity identity,
                     SimTime lookahead)
    : id_(id), model_(std::move(model)), identity_(identity), lookahead_(lookahead) {
  GENOPS_ASSERT(model_ != nullptr, "a partition needs a model");
}

void Partition::start() {
  model_->start(*this);
}

void Partition::run_until(SimTime end) {
  while (queue_.next_time() < end) {
    const Event event = queue_.pop();
    GENOPS_ASSERT(event.time >= now_, "time went backwards");
    now_ = event.time;
    ++events_processed_;
    std::uint64_t h = digest_ ^ static_cast<std::uint64_t>(event.time.ticks());
    h = splitmix64(h ^ (std::uint64_t{event.data.type} << 32 | event.data.target));
    digest_ = splitmix64(h ^ event.data.argument);
    model_->handle(*this, event);
  }
}

void Partition::finish(SimTime horizon) {
  if (now_ < horizon)
    now_ = horizon;
  model_->finish(*this);
}

void Partition::deliver(const Message& message) {
  GENOPS_ASSERT(message.time >= now_, "a message arrived in the past (lookahead violated)");
  queue_.push(Event{message.time, next_sequence_++, message.data});
}

void Partition::schedule(SimTime delay, const EventData& data) {
  GENOPS_ASSERT(delay >= SimTime::zero(), "negative delay");
  queue_.push(Event{now_ + delay, next_sequence_++, data});
}

void Partition::schedule_at(SimTime time, const EventData& data) {
  GENOPS_ASSERT(time >= now_, "scheduled in the past");
  queue_.push(Event{time, next_sequence_++, data});
}

void Partition::send(PartitionId target, SimTime delay, const EventData& data) {
  if (lookahead_ <= SimTime::zero()) {
    throw std::logic_error("send() on an uncoupled simulation (set a positive lookahead)");
  }
  if (delay < lookahead_) {
    throw std::logic_error("send() delay " + std::to_string(delay.ticks()) +
                           " ms is below the lookahead " + std::to_string(lookahead_.ticks()) +
                           " ms");
  }
  outbox_.push_back(Message{now_ + delay, id_, target, next_sequence_++, data});
}

RngStream Partition::rng(std::uint64_t entity, std::uint32_t purpose) const {
  return RngStream(StreamKey{identity_.master_seed, identity_.replication, id_, entity, purpose});
}

}  // namespace genops::engine
