// The pending-event-set contract: every implementation runs these tests (label: contract).

#include "engine/event_queue.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "engine/random.hpp"

namespace genops::engine {
namespace {

struct WidePayload {
  std::array<std::uint64_t, 6> words{};
};
using WideEvent = BasicEvent<WidePayload>;

template <class E>
E make_event(SimTime::Rep time, std::uint64_t sequence) {
  E event{};
  event.time = SimTime::from_ticks(time);
  event.sequence = sequence;
  // A payload derived from the key, so a payload that travels with the wrong key is caught.
  if constexpr (std::is_same_v<E, Event>) {
    event.data = EventData{static_cast<std::uint32_t>(sequence * 7),
                           static_cast<std::uint32_t>(time), sequence ^ 0xabcdefULL};
  } else {
    for (std::size_t i = 0; i < event.data.words.size(); ++i)
      event.data.words[i] = sequence + i;
  }
  return event;
}

template <class E>
void expect_same(const E& actual, const E& expected) {
  EXPECT_EQ(actual.time, expected.time);
  EXPECT_EQ(actual.sequence, expected.sequence);
  if constexpr (std::is_same_v<E, Event>) {
    EXPECT_EQ(actual.data.type, expected.data.type);
    EXPECT_EQ(actual.data.target, expected.data.target);
    EXPECT_EQ(actual.data.argument, expected.data.argument);
  } else {
    EXPECT_EQ(actual.data.words, expected.data.words);
  }
}

template <class Q>
class EventQueueContract : public ::testing::Test {};

using Queues = ::testing::Types<DaryHeapQueue<Event>, StdPriorityQueue<Event>,
                                RadixHeapQueue<Event>, DaryHeapQueue<WideEvent>,
                                StdPriorityQueue<WideEvent>, RadixHeapQueue<WideEvent>>;
TYPED_TEST_SUITE(EventQueueContract, Queues);

TYPED_TEST(EventQueueContract, StartsEmpty) {
  TypeParam queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.size(), 0U);
  EXPECT_EQ(queue.next_time(), SimTime::max());
}

TYPED_TEST(EventQueueContract, PopsInTimeOrder) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  const std::vector<SimTime::Rep> times = {50, 10, 40, 30, 20, 60, 0, 45};
  std::uint64_t sequence = 0;
  for (const auto time : times)
    queue.push(make_event<E>(time, sequence++));
  EXPECT_EQ(queue.size(), times.size());
  EXPECT_EQ(queue.next_time(), SimTime::from_ticks(0));
  const std::vector<SimTime::Rep> expected = {0, 10, 20, 30, 40, 45, 50, 60};
  for (const auto time : expected) {
    EXPECT_EQ(queue.next_time(), SimTime::from_ticks(time));
    EXPECT_EQ(queue.pop().time, SimTime::from_ticks(time));
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_time(), SimTime::max());
}

TYPED_TEST(EventQueueContract, EqualTimesLeaveInSequenceOrder) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  // Sequences pushed out of order, all at one time: pop order is by sequence (FIFO for a
  // partition, whose sequence counter grows with every schedule).
  const std::vector<std::uint64_t> sequences = {5, 1, 9, 3, 7, 2, 8, 0, 6, 4};
  for (const auto sequence : sequences)
    queue.push(make_event<E>(100, sequence));
  for (std::uint64_t expected = 0; expected < sequences.size(); ++expected) {
    const E event = queue.pop();
    EXPECT_EQ(event.sequence, expected);
    expect_same(event, make_event<E>(100, expected));
  }
}

TYPED_TEST(EventQueueContract, SizeTracksPushAndPop) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  for (std::uint64_t i = 0; i < 10; ++i) {
    queue.push(make_event<E>(static_cast<SimTime::Rep>(i % 3), i));
    EXPECT_EQ(queue.size(), i + 1);
    EXPECT_FALSE(queue.empty());
  }
  for (std::size_t left = 10; left > 0; --left) {
    queue.pop();
    EXPECT_EQ(queue.size(), left - 1);
  }
  EXPECT_TRUE(queue.empty());
}

// Covers the lazy pop of the default queue: pop leaves a root hole that the next push fills,
// or that next_time()/pop()/size() must account for.
TYPED_TEST(EventQueueContract, InterleavedPushAndPop) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  queue.push(make_event<E>(10, 0));
  queue.push(make_event<E>(20, 1));
  queue.push(make_event<E>(30, 2));

  // pop then push: the pushed event is earlier than everything left.
  EXPECT_EQ(queue.pop().sequence, 0U);
  EXPECT_EQ(queue.size(), 2U);
  queue.push(make_event<E>(15, 3));
  EXPECT_EQ(queue.next_time(), SimTime::from_ticks(15));

  // pop then push: the pushed event is later than everything left.
  EXPECT_EQ(queue.pop().sequence, 3U);
  queue.push(make_event<E>(40, 4));
  EXPECT_EQ(queue.size(), 3U);

  // Two pops in a row, then a next_time() on the hole.
  EXPECT_EQ(queue.pop().sequence, 1U);
  EXPECT_EQ(queue.pop().sequence, 2U);
  EXPECT_EQ(queue.size(), 1U);
  EXPECT_EQ(queue.next_time(), SimTime::from_ticks(40));

  // Drain to empty through the hole path, then refill.
  EXPECT_EQ(queue.pop().sequence, 4U);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_time(), SimTime::max());
  queue.push(make_event<E>(5, 5));
  EXPECT_EQ(queue.size(), 1U);
  expect_same(queue.pop(), make_event<E>(5, 5));
  EXPECT_TRUE(queue.empty());
  queue.push(make_event<E>(6, 6));
  queue.push(make_event<E>(6, 7));
  EXPECT_EQ(queue.pop().sequence, 6U);
  EXPECT_EQ(queue.pop().sequence, 7U);
  EXPECT_TRUE(queue.empty());
}

// A partition asks next_time() at a window's end, then receives messages earlier than that
// least event (but not before the last pop): they must come out first.
TYPED_TEST(EventQueueContract, PushAfterNextTimeMayPrecedeTheLeast) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  queue.push(make_event<E>(10, 0));
  queue.push(make_event<E>(100, 1));
  queue.push(make_event<E>(200, 2));
  EXPECT_EQ(queue.pop().sequence, 0U);
  EXPECT_EQ(queue.next_time(), SimTime::from_ticks(100));
  queue.push(make_event<E>(50, 3));
  queue.push(make_event<E>(10, 4));  // equal to the last pop's time, later sequence
  EXPECT_EQ(queue.next_time(), SimTime::from_ticks(10));
  expect_same(queue.pop(), make_event<E>(10, 4));
  EXPECT_EQ(queue.next_time(), SimTime::from_ticks(50));
  queue.push(make_event<E>(60, 5));
  expect_same(queue.pop(), make_event<E>(50, 3));
  expect_same(queue.pop(), make_event<E>(60, 5));
  expect_same(queue.pop(), make_event<E>(100, 1));
  expect_same(queue.pop(), make_event<E>(200, 2));
  EXPECT_TRUE(queue.empty());
}

// A random mix of push, pop and next_time against the reference implementation, with many
// equal times, including long hold stretches (pop immediately followed by push).
TYPED_TEST(EventQueueContract, MatchesReferenceOnLargeRandomWorkload) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  StdPriorityQueue<E> reference;
  RngStream rng(StreamKey{.master_seed = 2024, .entity = 1});
  std::uint64_t sequence = 0;
  SimTime::Rep now = 0;
  constexpr int kOperations = 200'000;
  for (int op = 0; op < kOperations; ++op) {
    const std::uint64_t choice = uniform_below(rng, 100);
    // Phase-dependent push share: the queue grows, holds, then drains.
    const std::uint64_t push_share = op < kOperations / 3 ? 70 : op < 2 * kOperations / 3 ? 50 : 30;
    if (choice < push_share || reference.empty()) {
      const auto time = now + static_cast<SimTime::Rep>(uniform_below(rng, 50));
      const E event = make_event<E>(time, sequence++);
      queue.push(event);
      reference.push(event);
    } else if (choice < 95) {
      const E expected = reference.pop();
      const E actual = queue.pop();
      expect_same(actual, expected);
      now = expected.time.ticks();
    } else {
      ASSERT_EQ(queue.next_time(), reference.next_time());
    }
    ASSERT_EQ(queue.size(), reference.size());
    ASSERT_EQ(queue.empty(), reference.empty());
    if (::testing::Test::HasFailure())
      return;
  }
  while (!reference.empty())
    expect_same(queue.pop(), reference.pop());
  EXPECT_TRUE(queue.empty());
}

TYPED_TEST(EventQueueContract, HoldModelMatchesReference) {
  using E = typename TypeParam::value_type;
  TypeParam queue;
  StdPriorityQueue<E> reference;
  RngStream rng(StreamKey{.master_seed = 7, .entity = 2});
  std::uint64_t sequence = 0;
  for (int i = 0; i < 5'000; ++i) {
    const E event = make_event<E>(static_cast<SimTime::Rep>(uniform_below(rng, 1000)), sequence++);
    queue.push(event);
    reference.push(event);
  }
  for (int i = 0; i < 100'000; ++i) {
    const E expected = reference.pop();
    const E actual = queue.pop();
    expect_same(actual, expected);
    const auto time = expected.time.ticks() + static_cast<SimTime::Rep>(uniform_below(rng, 1000));
    const E next = make_event<E>(time, sequence++);
    queue.push(next);
    reference.push(next);
    if (::testing::Test::HasFailure())
      return;
  }
  EXPECT_EQ(queue.size(), reference.size());
}

}  // namespace
}  // namespace genops::engine
