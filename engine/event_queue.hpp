#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/event.hpp"

namespace genops::engine {

// The pending-event set contract. pop() returns the least event by (time, sequence); sequences
// are unique within one queue. Every implementation passes tests/engine/event_queue_test.cpp.
template <class Q>
concept PendingEventSet = requires(Q queue, const Q& const_queue, typename Q::value_type event) {
  queue.push(event);
  { queue.pop() } -> std::same_as<typename Q::value_type>;
  { const_queue.size() } -> std::convertible_to<std::size_t>;
  { const_queue.empty() } -> std::convertible_to<bool>;
  { queue.next_time() } -> std::same_as<SimTime>;
};

// Reference implementation: std::priority_queue of whole events.
template <class E>
class StdPriorityQueue {
 public:
  using value_type = E;

  void push(const E& event) { heap_.push(event); }
  E pop() {
    GENOPS_ASSERT(!heap_.empty(), "pop from an empty event queue");
    E event = heap_.top();
    heap_.pop();
    return event;
  }
  // Time of the least pending event; SimTime::max() when empty.
  SimTime next_time() { return heap_.empty() ? SimTime::max() : heap_.top().time; }
  std::size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }

 private:
  struct Later {
    bool operator()(const E& a, const E& b) const { return event_before(b, a); }
  };
  std::priority_queue<E, std::vector<E>, Later> heap_;
};

// Default implementation: a 4-ary min-heap of 16-byte keys (time, sequence << 24 | slot) whose
// payloads live in a slot pool, so sifting moves 16 bytes instead of the whole event. pop() is
// lazy: it leaves a hole at the root that the next push() fills with one sift-down (the hold
// pattern "pop, then schedule" costs one sift instead of two).
// Limits: at most 2^24 pending events and 2^40 sequences per queue (asserted).
template <class E>
class DaryHeapQueue {
 public:
  using value_type = E;

  void push(const E& event) {
    GENOPS_ASSERT(event.sequence < kMaxSequence, "event sequence exceeds 2^40");
    const std::uint32_t slot = acquire_slot();
    payloads_[slot] = event;
    const Key key{event.time.ticks(), (event.sequence << kSlotBits) | slot};
    if (root_is_hole_) {
      root_is_hole_ = false;
      sift_down(0, key);
    } else {
      heap_.push_back(key);
      sift_up(heap_.size() - 1, key);
    }
  }

  E pop() {
    settle();
    GENOPS_ASSERT(!heap_.empty(), "pop from an empty event queue");
    const auto slot = static_cast<std::uint32_t>(heap_[0].order & kSlotMask);
    free_slots_.push_back(slot);
    root_is_hole_ = true;
    return payloads_[slot];
  }

  SimTime next_time() {
    settle();
    return heap_.empty() ? SimTime::max() : SimTime::from_ticks(heap_[0].time);
  }
  std::size_t size() const { return heap_.size() - (root_is_hole_ ? 1 : 0); }
  bool empty() const { return size() == 0; }

 private:
  static constexpr unsigned kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  static constexpr std::uint64_t kMaxSequence = std::uint64_t{1} << (64 - kSlotBits);
  static constexpr std::size_t kArity = 4;

  struct Key {
    std::int64_t time;
    std::uint64_t order;  // sequence in the high 40 bits, payload slot in the low 24
  };
  static bool less(const Key& a, const Key& b) {
    return a.time != b.time ? a.time < b.time : a.order < b.order;
  }

  std::uint32_t acquire_slot() {
    if (!free_slots_.empty()) {
      const std::uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      return slot;
    }
    GENOPS_ASSERT(payloads_.size() < kSlotMask, "more than 2^24 pending events");
    payloads_.emplace_back();
    return static_cast<std::uint32_t>(payloads_.size() - 1);
  }

  // Removes a pending root hole by moving the last key into it.
  void settle() {
    if (!root_is_hole_)
      return;
    root_is_hole_ = false;
    const Key last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty())
      sift_down(0, last);
  }

  void sift_up(std::size_t index, Key key) {
    while (index > 0) {
      const std::size_t parent = (index - 1) / kArity;
      if (!less(key, heap_[parent]))
        break;
      heap_[index] = heap_[parent];
      index = parent;
    }
    heap_[index] = key;
  }

  void sift_down(std::size_t index, Key key) {
    const std::size_t count = heap_.size();
    for (;;) {
      const std::size_t first = index * kArity + 1;
      if (first >= count)
        break;
      std::size_t best = first;
      const std::size_t last = first + kArity < count ? first + kArity : count;
      for (std::size_t child = first + 1; child < last; ++child) {
        if (less(heap_[child], heap_[best]))
          best = child;
      }
      if (!less(heap_[best], key))
        break;
      heap_[index] = heap_[best];
      index = best;
    }
    heap_[index] = key;
  }

  std::vector<Key> heap_;
  std::vector<E> payloads_;
  std::vector<std::uint32_t> free_slots_;
  bool root_is_hole_ = false;
};

using DefaultEventQueue = DaryHeapQueue<Event>;
static_assert(PendingEventSet<DefaultEventQueue>);
static_assert(PendingEventSet<StdPriorityQueue<Event>>);

}  // namespace genops::engine
