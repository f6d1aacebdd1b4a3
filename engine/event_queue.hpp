#pragma once

#include <array>
#include <bit>
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
  // Written as || of comparisons rather than a ternary: GCC turns the ternary into branch-free
  // selects that make every heap level wait on the previous level's load.
  static bool less(const Key& a, const Key& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
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

// Radix heap on the 128-bit key (time, sequence) with digits of kDigitBits bits. A DES never
// schedules before the event it is handling, so no key pushed is below the last one popped
// (asserted); a key's bucket is the highest digit in which it differs from that last key and
// its value there. pop() takes the least key of the lowest non-empty bucket and moves the rest
// of that bucket into lower buckets around it: a key moves down at most 128 / kDigitBits times
// in its life, in practice two or three, and every move is a sequential scan. next_time() finds the
// least key without moving anything (and remembers it for pop), so events pushed after it, earlier
// than that least key but not before the last pop (messages at a window barrier), stay legal. Whole
// events live in the buckets (no payload indirection). A push into an empty queue may go below the
// last pop: the queue then restarts from the least key.
template <class E, unsigned kDigitBits = 4>
class RadixHeapQueue {
 public:
  using value_type = E;

  void push(const E& event) {
    const Key key = key_of(event);
    if (size_ == 0 && key_less(key, last_))
      last_ = 0;
    GENOPS_ASSERT(!key_less(key, last_), "radix heap: pushed before the last popped event");
    const std::size_t bucket = insert(key, event);
    ++size_;
    if (least_known_ && key_less(key, least_key_)) {
      least_key_ = key;
      least_bucket_ = bucket;
    }
  }

  E pop() {
    GENOPS_ASSERT(size_ > 0, "pop from an empty event queue");
    find_least();
    std::vector<E>& source = buckets_[least_bucket_];
    last_ = least_key_;
    least_known_ = false;
    --size_;
    E least = source.back();
    if (source.size() > 1) {
      // Every other key of `source` differs from the new last_ in a lower bit than the
      // bucket's, so the moves never append to `source` itself.
      for (const E& event : source) {
        const Key key = key_of(event);
        if (key == last_)
          least = event;
        else
          insert(key, event);
      }
    }
    source.clear();
    occupied_[least_bucket_ / 64] &= ~(std::uint64_t{1} << (least_bucket_ % 64));
    return least;
  }

  SimTime next_time() {
    if (size_ == 0)
      return SimTime::max();
    find_least();
    const auto time = static_cast<std::uint64_t>(least_key_ >> 64) ^ kSignBit;
    return SimTime::from_ticks(static_cast<SimTime::Rep>(time));
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  static constexpr std::size_t kLevels = (128 + kDigitBits - 1) / kDigitBits;
  static constexpr std::size_t kBuckets = kLevels << kDigitBits;
  static constexpr std::size_t kWords = (kBuckets + 63) / 64;
  static constexpr std::uint64_t kDigitMask = (std::uint64_t{1} << kDigitBits) - 1;
  static constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

  // (time with the sign bit flipped) << 64 | sequence: unsigned order is (time, sequence)
  // order, and the minimum over a bucket compiles to conditional moves, not branches.
  __extension__ using Key = unsigned __int128;
  static Key key_of(const E& event) {
    const auto time = static_cast<std::uint64_t>(event.time.ticks()) ^ kSignBit;
    return (Key{time} << 64) | Key{event.sequence};
  }
  static bool key_less(Key a, Key b) { return a < b; }
  // Bucket (level, digit): the highest digit in which key differs from last_ is at `level`
  // and key's digit there is `digit` (greater than last_'s). Bucket 0 (never a differing
  // key's: its digit would have to be below 0) holds a key equal to last_.
  std::size_t bucket_of(Key key) const {
    const Key difference = key ^ last_;
    const auto high = static_cast<std::uint64_t>(difference >> 64);
    const std::size_t width =
        high != 0
            ? 64 + static_cast<std::size_t>(std::bit_width(high))
            : static_cast<std::size_t>(std::bit_width(static_cast<std::uint64_t>(difference)));
    if (width == 0)
      return 0;
    const std::size_t level = (width - 1) / kDigitBits;
    const auto digit = static_cast<std::size_t>(
        static_cast<std::uint64_t>(key >> (level * kDigitBits)) & kDigitMask);
    return (level << kDigitBits) | digit;
  }
  std::size_t insert(Key key, const E& event) {
    const std::size_t bucket = bucket_of(key);
    buckets_[bucket].push_back(event);
    occupied_[bucket / 64] |= std::uint64_t{1} << (bucket % 64);
    return bucket;
  }

  // The least key is in the lowest non-empty bucket (keys in lower buckets are smaller).
  void find_least() {
    if (least_known_)
      return;
    std::size_t bucket = 0;
    for (std::size_t word = 0; word < kWords; ++word) {
      if (occupied_[word] != 0) {
        bucket = word * 64 + static_cast<std::size_t>(std::countr_zero(occupied_[word]));
        break;
      }
    }
    const std::vector<E>& source = buckets_[bucket];
    Key least = key_of(source[0]);
    for (std::size_t i = 1; i < source.size(); ++i) {
      const Key key = key_of(source[i]);
      least = key < least ? key : least;
    }
    least_key_ = least;
    least_bucket_ = bucket;
    least_known_ = true;
  }

  std::array<std::vector<E>, kBuckets> buckets_;
  std::array<std::uint64_t, kWords> occupied_{};
  Key last_ = 0;  // the last key popped
  Key least_key_ = 0;
  std::size_t least_bucket_ = 0;
  bool least_known_ = false;
  std::size_t size_ = 0;
};

// The default: the radix heap won the hold model at 10^3, 10^5 and 10^6 pending events
// (bench/README.md).
using DefaultEventQueue = RadixHeapQueue<Event>;
static_assert(PendingEventSet<DefaultEventQueue>);
static_assert(PendingEventSet<StdPriorityQueue<Event>>);
static_assert(PendingEventSet<DaryHeapQueue<Event>>);

}  // namespace genops::engine
