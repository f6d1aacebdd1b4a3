#include "engine/partition.hpp"

#include <memory>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "engine/random.hpp"

namespace genops::engine {
namespace {

// Records every event it handles; each event with argument > 0 schedules a follow-up
// `argument` ticks later with argument - 1. Plain data the test can inspect.
struct Trace {
  std::vector<SimTime> clock;
  std::vector<Event> events;
};

class RecordingModel final : public Model {
 public:
  RecordingModel(Trace& trace, std::vector<SimTime> initial) : trace_(trace), initial_(initial) {}

  void start(Context& context) override {
    for (const SimTime time : initial_) {
      context.schedule_at(time, EventData{1, 0, static_cast<std::uint64_t>(time.ticks() % 7)});
    }
  }
  void handle(Context& context, const Event& event) override {
    trace_.clock.push_back(context.now());
    trace_.events.push_back(event);
    if (event.data.argument > 0) {
      context.schedule(SimTime::from_ticks(static_cast<SimTime::Rep>(event.data.argument)),
                       EventData{2, 0, event.data.argument - 1});
    }
  }

 private:
  Trace& trace_;
  std::vector<SimTime> initial_;
};

Partition make_partition(Trace& trace, std::vector<SimTime> initial,
                         SimTime lookahead = SimTime::zero()) {
  return Partition(3, std::make_unique<RecordingModel>(trace, std::move(initial)),
                   RunIdentity{11, 1}, lookahead);
}

std::vector<SimTime> ticks(std::initializer_list<SimTime::Rep> values) {
  std::vector<SimTime> times;
  for (const auto value : values)
    times.push_back(SimTime::from_ticks(value));
  return times;
}

TEST(Partition, TimeNeverGoesBackAndMatchesEventTime) {
  Trace trace;
  std::vector<SimTime> initial;
  RngStream rng(StreamKey{.master_seed = 5});
  for (int i = 0; i < 500; ++i) {
    initial.push_back(SimTime::from_ticks(static_cast<SimTime::Rep>(uniform_below(rng, 100))));
  }
  Partition partition = make_partition(trace, initial);
  partition.start();
  partition.run_until(SimTime::max());
  ASSERT_GT(trace.events.size(), initial.size());  // follow-ups were scheduled and handled
  EXPECT_EQ(partition.events_processed(), trace.events.size());
  for (std::size_t i = 0; i < trace.events.size(); ++i) {
    EXPECT_EQ(trace.clock[i], trace.events[i].time);
    if (i == 0)
      continue;
    EXPECT_LE(trace.clock[i - 1], trace.clock[i]);
    if (trace.events[i - 1].time == trace.events[i].time) {
      EXPECT_LT(trace.events[i - 1].sequence, trace.events[i].sequence);
    }
  }
}

TEST(Partition, EqualTimesAreHandledInScheduleOrder) {
  Trace trace;
  // argument = time % 7 = 0 for all: no follow-ups.
  Partition partition = make_partition(trace, ticks({14, 14, 7, 14, 7}));
  partition.start();
  partition.run_until(SimTime::max());
  ASSERT_EQ(trace.events.size(), 5U);
  const std::vector<std::uint64_t> expected_sequences = {2, 4, 0, 1, 3};
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(trace.events[i].sequence, expected_sequences[i]);
}

TEST(Partition, RunUntilExcludesTheBound) {
  Trace trace;
  Partition partition = make_partition(trace, ticks({70, 140, 210}));
  partition.start();
  partition.run_until(SimTime::from_ticks(140));
  ASSERT_EQ(trace.events.size(), 1U);  // the event at exactly 140 waits
  EXPECT_EQ(partition.now(), SimTime::from_ticks(70));
  EXPECT_EQ(partition.next_event_time(), SimTime::from_ticks(140));
  partition.run_until(SimTime::from_ticks(141));
  ASSERT_EQ(trace.events.size(), 2U);
  EXPECT_EQ(trace.events[1].time, SimTime::from_ticks(140));
  partition.run_until(SimTime::from_ticks(100));  // a bound behind the clock does nothing
  EXPECT_EQ(trace.events.size(), 2U);
  partition.finish(SimTime::from_ticks(1000));
  EXPECT_EQ(partition.now(), SimTime::from_ticks(1000));
}

TEST(Partition, DigestDependsOnTheEvents) {
  const auto digest_of = [](std::vector<SimTime> initial) {
    Trace trace;
    Partition partition = make_partition(trace, std::move(initial));
    partition.start();
    partition.run_until(SimTime::max());
    return partition.digest();
  };
  EXPECT_EQ(digest_of(ticks({1, 2, 3})), digest_of(ticks({3, 2, 1})));  // same handled events
  EXPECT_NE(digest_of(ticks({1, 2, 3})), digest_of(ticks({1, 2, 4})));
  EXPECT_NE(digest_of(ticks({1, 2})), digest_of(ticks({1, 2, 3})));
}

TEST(Partition, RngIsTheKeyedStream) {
  Trace trace;
  Partition partition = make_partition(trace, {});
  RngStream from_context = partition.rng(42, 9);
  RngStream from_key(
      StreamKey{.master_seed = 11, .replication = 1, .partition = 3, .entity = 42, .purpose = 9});
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(from_context(), from_key());
  RngStream other_purpose = partition.rng(42, 10);
  EXPECT_NE(partition.rng(42, 9)(), other_purpose());
}

TEST(Partition, SendNeedsAPositiveLookahead) {
  Trace trace;
  Partition uncoupled = make_partition(trace, {});
  EXPECT_THROW(uncoupled.send(0, SimTime::seconds(10), EventData{}), std::logic_error);

  Partition coupled = make_partition(trace, {}, SimTime::milliseconds(50));
  EXPECT_THROW(coupled.send(0, SimTime::milliseconds(49), EventData{}), std::logic_error);
  coupled.send(0, SimTime::milliseconds(50), EventData{4, 5, 6});
  ASSERT_EQ(coupled.outbox().size(), 1U);
  EXPECT_EQ(coupled.outbox()[0].time, SimTime::milliseconds(50));
  EXPECT_EQ(coupled.outbox()[0].source, 3U);
  EXPECT_EQ(coupled.outbox()[0].target, 0U);
  EXPECT_EQ(coupled.outbox()[0].data.argument, 6U);
}

TEST(Partition, DeliveredMessagesAreHandled) {
  Trace trace;
  Partition partition = make_partition(trace, {}, SimTime::milliseconds(10));
  partition.deliver(Message{SimTime::from_ticks(30), 1, 3, 0, EventData{9, 0, 0}});
  partition.run_until(SimTime::max());
  ASSERT_EQ(trace.events.size(), 1U);
  EXPECT_EQ(trace.events[0].data.type, 9U);
}

using PartitionDeathTest = ::testing::Test;

TEST_F(PartitionDeathTest, ScheduleInThePastAsserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Trace trace;
        Partition partition = make_partition(trace, ticks({100}));
        partition.start();
        partition.run_until(SimTime::max());
        partition.schedule_at(SimTime::from_ticks(99), EventData{});
      },
      "scheduled in the past");
}

TEST_F(PartitionDeathTest, NegativeDelayAsserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Trace trace;
        Partition partition = make_partition(trace, {});
        partition.schedule(SimTime::from_ticks(-1), EventData{});
      },
      "negative delay");
}

TEST_F(PartitionDeathTest, PopFromEmptyQueueAsserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        DefaultEventQueue queue;
        queue.pop();
      },
      "pop from an empty event queue");
}

}  // namespace
}  // namespace genops::engine
