#include "engine/simulation.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.hpp"

namespace genops::engine {
namespace {

// A ticking model: one event every `period`; throws on its `fail_at`-th event (0: never).
// With `send_to` set, each tick also sends an event `send_delay` ahead to that partition.
struct TickerOptions {
  SimTime period = SimTime::milliseconds(10);
  std::uint64_t fail_at = 0;
  bool send = false;
  PartitionId send_to = 0;
  SimTime send_delay = SimTime::zero();
};

struct Received {
  SimTime time;
  std::uint64_t argument = 0;
};

class TickerModel final : public Model {
 public:
  explicit TickerModel(TickerOptions options, std::vector<Received>* received = nullptr)
      : options_(options), received_(received) {}

  void start(Context& context) override {
    context.schedule(SimTime::zero(), EventData{kTick, 0, 0});
  }
  void handle(Context& context, const Event& event) override {
    if (event.data.type == kMessage) {
      if (received_ != nullptr)
        received_->push_back(Received{event.time, event.data.argument});
      return;
    }
    ++ticks_;
    if (ticks_ == options_.fail_at) {
      throw std::runtime_error("ticker failed at tick " + std::to_string(ticks_));
    }
    if (options_.send) {
      context.send(options_.send_to, options_.send_delay,
                   EventData{kMessage, 0, std::uint64_t{context.partition()} << 32 | ticks_});
    }
    context.schedule(options_.period, EventData{kTick, 0, 0});
  }
  void finish(Context& context) override { finished_at_ = context.now(); }

  std::uint64_t ticks() const { return ticks_; }
  SimTime finished_at() const { return finished_at_; }

 private:
  static constexpr std::uint32_t kTick = 1;
  static constexpr std::uint32_t kMessage = 2;
  TickerOptions options_;
  std::vector<Received>* received_;
  std::uint64_t ticks_ = 0;
  SimTime finished_at_;
};

SimulationConfig config_with(SimTime horizon, SimTime lookahead) {
  SimulationConfig config;
  config.identity = RunIdentity{1, 0};
  config.horizon = horizon;
  config.lookahead = lookahead;
  return config;
}

const TickerModel& ticker(Simulation& simulation, PartitionId id) {
  return dynamic_cast<const TickerModel&>(simulation.partition(id).model());
}

TEST(Simulation, IndependentPartitionsRunToTheHorizonExclusive) {
  for (const int threads : {1, 2}) {
    Simulation simulation(config_with(SimTime::milliseconds(100), SimTime::zero()));
    for (int i = 0; i < 3; ++i)
      simulation.add_partition(std::make_unique<TickerModel>(TickerOptions{}));
    const RunStats stats = simulation.run(threads);
    // Ticks at 0, 10, ..., 90: the one at exactly the horizon is not processed.
    EXPECT_EQ(stats.events, 30U);
    EXPECT_EQ(stats.windows, 0U);
    for (PartitionId id = 0; id < 3; ++id) {
      EXPECT_EQ(ticker(simulation, id).ticks(), 10U);
      EXPECT_EQ(ticker(simulation, id).finished_at(), SimTime::milliseconds(100));
    }
  }
}

TEST(Simulation, AnExceptionIsReportedWithItsPartitionId) {
  for (const SimTime lookahead : {SimTime::zero(), SimTime::milliseconds(20)}) {
    Simulation simulation(config_with(SimTime::seconds(10), lookahead));
    for (PartitionId id = 0; id < 4; ++id) {
      TickerOptions options;
      options.fail_at = id == 2 ? 7 : 0;
      simulation.add_partition(std::make_unique<TickerModel>(options));
    }
    try {
      simulation.run(2);
      FAIL() << "expected a PartitionError";
    } catch (const PartitionError& error) {
      EXPECT_EQ(error.partition(), 2U);
      EXPECT_NE(std::string(error.what()).find("ticker failed at tick 7"), std::string::npos)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("partition 2"), std::string::npos) << error.what();
    }
  }
}

// Partition 3 fails at once, partition 1 only after thousands of events, in the same run step:
// the report names partition 1 whatever the timing, on every run and thread count.
TEST(Simulation, TheLowestFailingPartitionIsReportedEveryTime) {
  for (const SimTime lookahead : {SimTime::zero(), SimTime::seconds(100)}) {
    for (const int threads : {1, 2}) {
      for (int run = 0; run < 10; ++run) {
        Simulation simulation(config_with(SimTime::seconds(1000), lookahead));
        for (PartitionId id = 0; id < 4; ++id) {
          TickerOptions options;
          options.period = SimTime::milliseconds(1);
          options.fail_at = id == 1 ? 5000 : id == 3 ? 1 : 0;
          simulation.add_partition(std::make_unique<TickerModel>(options));
        }
        try {
          simulation.run(threads);
          FAIL() << "expected a PartitionError";
        } catch (const PartitionError& error) {
          EXPECT_EQ(error.partition(), 1U) << "threads " << threads << " run " << run;
        }
      }
    }
  }
}

TEST(Simulation, SendBelowTheLookaheadIsReported) {
  Simulation simulation(config_with(SimTime::seconds(1), SimTime::milliseconds(50)));
  TickerOptions good;
  good.send = true;
  good.send_to = 1;
  good.send_delay = SimTime::milliseconds(50);
  TickerOptions too_short = good;
  too_short.send_to = 0;
  too_short.send_delay = SimTime::milliseconds(49);
  simulation.add_partition(std::make_unique<TickerModel>(good));
  simulation.add_partition(std::make_unique<TickerModel>(too_short));
  try {
    simulation.run(2);
    FAIL() << "expected a PartitionError";
  } catch (const PartitionError& error) {
    EXPECT_EQ(error.partition(), 1U);
    EXPECT_NE(std::string(error.what()).find("below the lookahead"), std::string::npos);
  }
}

TEST(Simulation, SendOnAnUncoupledSimulationIsReported) {
  Simulation simulation(config_with(SimTime::seconds(1), SimTime::zero()));
  TickerOptions sender;
  sender.send = true;
  sender.send_delay = SimTime::milliseconds(50);
  simulation.add_partition(std::make_unique<TickerModel>(TickerOptions{}));
  simulation.add_partition(std::make_unique<TickerModel>(sender));
  EXPECT_THROW(simulation.run(1), PartitionError);
}

TEST(Simulation, SendToAnUnknownPartitionIsReported) {
  Simulation simulation(config_with(SimTime::seconds(1), SimTime::milliseconds(10)));
  TickerOptions sender;
  sender.send = true;
  sender.send_to = 7;
  sender.send_delay = SimTime::milliseconds(10);
  simulation.add_partition(std::make_unique<TickerModel>(sender));
  try {
    simulation.run(1);
    FAIL() << "expected a PartitionError";
  } catch (const PartitionError& error) {
    EXPECT_EQ(error.partition(), 0U);
    EXPECT_NE(std::string(error.what()).find("unknown partition 7"), std::string::npos);
  }
}

// Partitions 1 and 2 send to partition 0 at the same times; messages arrive merged in
// (time, source partition, source sequence) order at any thread count.
TEST(Simulation, MessagesAreMergedInTimeThenSourceOrder) {
  std::vector<std::vector<Received>> per_threads;
  for (const int threads : {1, 2}) {
    std::vector<Received> received;
    Simulation simulation(config_with(SimTime::milliseconds(200), SimTime::milliseconds(25)));
    simulation.add_partition(std::make_unique<TickerModel>(TickerOptions{}, &received));
    for (const PartitionId source : {1U, 2U}) {
      static_cast<void>(source);
      TickerOptions sender;
      sender.send = true;
      sender.send_to = 0;
      sender.send_delay = SimTime::milliseconds(30);
      simulation.add_partition(std::make_unique<TickerModel>(sender));
    }
    const RunStats stats = simulation.run(threads);
    EXPECT_GT(stats.windows, 0U);
    EXPECT_GT(stats.messages, 0U);
    ASSERT_FALSE(received.empty());
    for (std::size_t i = 1; i < received.size(); ++i) {
      const Received& before = received[i - 1];
      const Received& after = received[i];
      ASSERT_LE(before.time, after.time);
      if (before.time == after.time) {
        EXPECT_LT(before.argument >> 32, after.argument >> 32) << "source order at " << i;
      }
    }
    // Ticks at 0..190 ms send to 30..220 ms; those before the 200 ms horizon arrive: 17 each.
    EXPECT_EQ(received.size(), 2U * 17U);
    per_threads.push_back(received);
  }
  ASSERT_EQ(per_threads[0].size(), per_threads[1].size());
  for (std::size_t i = 0; i < per_threads[0].size(); ++i) {
    EXPECT_EQ(per_threads[0][i].time, per_threads[1][i].time);
    EXPECT_EQ(per_threads[0][i].argument, per_threads[1][i].argument);
  }
}

}  // namespace
}  // namespace genops::engine
