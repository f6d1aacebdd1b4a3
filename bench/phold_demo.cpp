// phold_demo: runs one PHOLD simulation on the engine and prints its throughput and digests.
// The default job of the project at this stage (scripts/setup-and-run.sh).

#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>

#include <boost/program_options.hpp>

#include "engine/error.hpp"
#include "engine/phold.hpp"

namespace {

namespace po = boost::program_options;
using genops::engine::PholdConfig;
using genops::engine::SimTime;

constexpr int kExitBadInput = 2;

int run(int argc, char** argv) {
  PholdConfig config;
  config.horizon = SimTime::seconds(20000);
  int threads = 0;
  std::int64_t horizon_seconds = 20000;
  std::int64_t lookahead_ms = config.lookahead.ticks();

  po::options_description options("phold_demo: PHOLD on the genops-sim engine; options");
  options.add_options()("help,h", "print this help and exit")(
      "lps", po::value(&config.lps)->default_value(config.lps), "logical processes")(
      "partitions", po::value(&config.partitions)->default_value(config.partitions),
      "partitions (LPs are spread over them in blocks)")(
      "events-per-lp", po::value(&config.events_per_lp)->default_value(config.events_per_lp),
      "initial events per LP")(
      "remote-percent", po::value(&config.remote_percent)->default_value(10.0),
      "share of events sent to another partition, in percent (0: independent partitions)")(
      "lookahead-ms", po::value(&lookahead_ms)->default_value(lookahead_ms),
      "minimum event delay and window length, in ms")(
      "mean-delay-ms",
      po::value(&config.mean_extra_delay_ms)->default_value(config.mean_extra_delay_ms),
      "mean of the exponential part of the delay, in ms")(
      "threads", po::value(&threads)->default_value(0), "worker threads (0: all cores)")(
      "horizon-seconds", po::value(&horizon_seconds)->default_value(horizon_seconds),
      "simulated time to run, in seconds")(
      "seed", po::value(&config.seed)->default_value(config.seed), "master seed");

  po::variables_map values;
  po::store(po::parse_command_line(argc, argv, options), values);
  po::notify(values);
  if (values.count("help") != 0) {
    std::cout << options << '\n';
    return 0;
  }
  if (threads < 0)
    throw genops::engine::InputError("--threads must be >= 0");
  config.horizon = SimTime::seconds(horizon_seconds);
  config.lookahead = SimTime::milliseconds(lookahead_ms);

  const genops::engine::PholdResult result = genops::engine::run_phold(config, threads);
  const auto& stats = result.stats;
  std::printf(
      "phold: lps=%u partitions=%u events_per_lp=%u remote=%.1f%% threads=%d horizon=%llds "
      "seed=%llu\n",
      config.lps, config.partitions, config.events_per_lp, config.remote_percent, threads,
      static_cast<long long>(horizon_seconds), static_cast<unsigned long long>(config.seed));
  std::printf("events          %llu\n", static_cast<unsigned long long>(stats.events));
  std::printf("wall_seconds    %.3f\n", stats.wall_seconds);
  std::printf("events_per_sec  %.0f\n", stats.wall_seconds > 0
                                            ? static_cast<double>(stats.events) / stats.wall_seconds
                                            : 0.0);
  std::printf("windows         %llu\n", static_cast<unsigned long long>(stats.windows));
  std::printf("messages        %llu\n", static_cast<unsigned long long>(stats.messages));
  std::printf("event_digest    %016llx\n", static_cast<unsigned long long>(stats.digest));
  std::printf("state_digest    %016llx\n", static_cast<unsigned long long>(result.state_digest));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const po::error& error) {
    std::fprintf(stderr, "phold_demo: error: %s (see --help)\n", error.what());
  } catch (const genops::engine::InputError& error) {
    std::fprintf(stderr, "phold_demo: error: %s\n", error.what());
  }
  return kExitBadInput;
}
