// engine_bench: the engine's hot components side by side.
//   BM_Hold/<queue>/<pending>         hold model on a pre-filled pending-event set (32-byte
//                                     events), exponential increments drawn in the loop
//   BM_HoldPredrawn/<queue>/<pending> the same with increments drawn before timing, so the
//                                     queue's own cost is what is measured
//   BM_Hold64B/<queue>/<pending>      the hold model with 64-byte events
// Queues: radix (RadixHeapQueue), dary4 (DaryHeapQueue), std_pq (StdPriorityQueue, the fair
// reference) and std_pq_ternary (std::priority_queue with the comparator written as
// `a.time != b.time ? ... : ...`, the reference before issue 13, kept to show the difference).
//   BM_PholdSequential             PHOLD, 1024 LPs x 1 event on one partition, 1 thread
//   BM_Phold/<threads>/<remote%>   PHOLD, 1024 LPs x 1 event on kPholdPartitions partitions
// Every benchmark reports `events_per_second` (hold operations or PHOLD events per wall second).

#include <array>
#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/event_queue.hpp"
#include "engine/phold.hpp"
#include "engine/random.hpp"

namespace genops::engine {
namespace {

// Mean hold increment in ticks: large against one tick, so equal times stay rare, as in the
// classic continuous-time hold model.
constexpr double kHoldMeanIncrement = 1.0e6;
constexpr std::uint32_t kPholdLps = 1024;
constexpr std::uint32_t kPholdPartitions = 2;
// About a million events per run (1024 events in flight, mean delay 2 s).
constexpr SimTime kPholdHorizon = SimTime::seconds(2000);

struct Payload48 {
  std::array<std::uint64_t, 6> words{};
};
using Event64 = BasicEvent<Payload48>;
static_assert(sizeof(Event64) == 64);

// Pre-drawn increments: a ring this long (512 KiB) is read sequentially, which the hardware
// prefetches, so it costs the queue under test almost nothing.
constexpr std::size_t kPredrawnIncrements = std::size_t{1} << 16;

SimTime hold_increment(RngStream& rng) {
  return SimTime::from_ticks(static_cast<SimTime::Rep>(exponential(rng, kHoldMeanIncrement)));
}

// std::priority_queue with the comparator the reference had before issue 13. GCC compiles the
// ternary into branch-free selects that make each heap level wait on the previous load.
template <class E>
class TernaryStdPriorityQueue {
 public:
  using value_type = E;
  void push(const E& event) { heap_.push(event); }
  E pop() {
    E event = heap_.top();
    heap_.pop();
    return event;
  }
  SimTime next_time() { return heap_.empty() ? SimTime::max() : heap_.top().time; }
  std::size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }

 private:
  struct Later {
    bool operator()(const E& a, const E& b) const {
      return b.time != a.time ? b.time < a.time : b.sequence < a.sequence;
    }
  };
  std::priority_queue<E, std::vector<E>, Later> heap_;
};

// The hold model: pop the least event and push it back a random increment later, so the
// number of pending events stays constant. One iteration is one hold operation.
template <class Queue>
void hold(benchmark::State& state, std::size_t pending, bool predrawn) {
  using E = typename Queue::value_type;
  RngStream rng(StreamKey{.master_seed = 42, .entity = pending});
  Queue queue;
  std::uint64_t sequence = 0;
  for (std::size_t i = 0; i < pending; ++i) {
    E event{};
    event.time = hold_increment(rng);
    event.sequence = sequence++;
    queue.push(event);
  }
  if (predrawn) {
    std::vector<SimTime> increments(kPredrawnIncrements);
    for (SimTime& increment : increments)
      increment = hold_increment(rng);
    std::size_t next = 0;
    for (auto _ : state) {
      E event = queue.pop();
      event.time += increments[next];
      next = (next + 1) & (kPredrawnIncrements - 1);
      event.sequence = sequence++;
      queue.push(event);
    }
  } else {
    for (auto _ : state) {
      E event = queue.pop();
      event.time += hold_increment(rng);
      event.sequence = sequence++;
      queue.push(event);
    }
  }
  benchmark::DoNotOptimize(queue.next_time());
  state.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void phold(benchmark::State& state, std::uint32_t partitions, int threads, double remote_percent) {
  PholdConfig config;
  config.lps = kPholdLps;
  config.partitions = partitions;
  config.events_per_lp = 1;
  config.remote_percent = remote_percent;
  config.horizon = kPholdHorizon;
  std::uint64_t events = 0;
  std::uint64_t windows = 0;
  for (auto _ : state) {
    const PholdResult result = run_phold(config, threads);
    events += result.stats.events;
    windows += result.stats.windows;
    benchmark::DoNotOptimize(result.state_digest);
  }
  state.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["windows"] =
      benchmark::Counter(static_cast<double>(windows), benchmark::Counter::kAvgIterations);
}

template <class Queue>
void register_hold(const std::string& name, std::int64_t pending, bool predrawn = false) {
  benchmark::RegisterBenchmark(name.c_str(), [pending, predrawn](benchmark::State& state) {
    hold<Queue>(state, static_cast<std::size_t>(pending), predrawn);
  });
}

// Every queue on one (event type, pending, increments) combination, next to each other.
template <class E>
void register_hold_queues(const std::string& family, std::int64_t pending, bool predrawn) {
  const std::string suffix = "/" + std::to_string(pending);
  register_hold<RadixHeapQueue<E>>(family + "/radix" + suffix, pending, predrawn);
  register_hold<DaryHeapQueue<E>>(family + "/dary4" + suffix, pending, predrawn);
  register_hold<StdPriorityQueue<E>>(family + "/std_pq" + suffix, pending, predrawn);
  register_hold<TernaryStdPriorityQueue<E>>(family + "/std_pq_ternary" + suffix, pending, predrawn);
}

void register_benchmarks() {
  constexpr std::array<std::int64_t, 3> kPending = {1'000, 100'000, 1'000'000};
  for (const std::int64_t pending : kPending)
    register_hold_queues<Event>("BM_Hold", pending, false);
  for (const std::int64_t pending : kPending)
    register_hold_queues<Event>("BM_HoldPredrawn", pending, true);
  for (const std::int64_t pending : kPending)
    register_hold_queues<Event64>("BM_Hold64B", pending, false);
  benchmark::RegisterBenchmark("BM_PholdSequential",
                               [](benchmark::State& state) { phold(state, 1, 1, 0.0); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (const int threads : {1, 2}) {
    for (const int remote_percent : {0, 10, 25}) {
      const std::string name =
          "BM_Phold/" + std::to_string(threads) + "/" + std::to_string(remote_percent);
      benchmark::RegisterBenchmark(name.c_str(),
                                   [threads, remote_percent](benchmark::State& state) {
                                     phold(state, kPholdPartitions, threads, remote_percent);
                                   })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace
}  // namespace genops::engine

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  genops::engine::register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
