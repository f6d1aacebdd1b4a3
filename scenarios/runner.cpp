#include "scenarios/runner.hpp"

#include <malloc.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "engine/error.hpp"
#include "engine/random.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {

std::vector<models::DeploymentRecord> RunResult::deployments() const {
  std::vector<models::DeploymentRecord> all;
  for (const auto& o : organizations)
    all.insert(all.end(), o.deployments.begin(), o.deployments.end());
  return all;
}

void RunResult::count_organization(const models::PipelineOutput& output) {
  warmup_arrivals += output.warmup_arrivals;
  pr_reviews += output.pr_reviews;
  pr_review_wait_min += output.pr_review_wait_min;
}

GroupPartitions add_group(engine::Simulation& simulation, const models::Scenario& scenario,
                          const models::Strategy& strategy, models::RunKey key,
                          const std::vector<int>& group) {
  GroupPartitions parts;
  for (const int o : group) {
    auto pipeline = std::make_unique<models::Pipeline>(
        scenario, models::build_organization(scenario, o, key), strategy, key);
    parts.pipelines.push_back(pipeline.get());
    simulation.add_partition(std::move(pipeline));
  }
  for (const int f : models::fleets_of_group(scenario, group)) {
    const auto& config = scenario.ci_fleets[static_cast<std::size_t>(f)];
    std::vector<int> users;
    for (const int o : group) {
      if (scenario.organizations[static_cast<std::size_t>(o)].ci_fleet == config.name)
        users.push_back(o);
    }
    auto fleet = std::make_unique<models::CiFleet>(scenario, f, users);
    parts.fleets.push_back(fleet.get());
    const engine::PartitionId fleet_partition = simulation.add_partition(std::move(fleet));
    for (std::size_t k = 0; k < group.size(); ++k) {
      if (scenario.organizations[static_cast<std::size_t>(group[k])].ci_fleet == config.name)
        parts.pipelines[k]->use_fleet(fleet_partition, models::fleet_latency(config));
    }
  }
  return parts;
}

namespace {

engine::SimulationConfig run_config(const models::Scenario& scenario, models::RunKey key) {
  engine::SimulationConfig config;
  config.identity = engine::RunIdentity{scenario.seed, key.replication};
  config.horizon =
      engine::SimTime::days(scenario.warmup_days + scenario.duration_days + scenario.drain_days);
  return config;
}

// Independent organizations: one Simulation of the batch, its partitions in parallel.
void run_independent(const models::Scenario& scenario, const models::Strategy& strategy,
                     models::RunKey key, const std::vector<int>& organizations,
                     BatchResult& result) {
  engine::Simulation simulation(run_config(scenario, key));
  std::vector<models::Pipeline*> pipelines;
  for (const int o : organizations) {
    auto pipeline = std::make_unique<models::Pipeline>(
        scenario, models::build_organization(scenario, o, key), strategy, key);
    pipelines.push_back(pipeline.get());
    simulation.add_partition(std::move(pipeline));
  }
  result.engine = simulation.run();
  for (std::size_t p = 0; p < pipelines.size(); ++p) {
    result.partition_digests.push_back(
        simulation.partition(static_cast<engine::PartitionId>(p)).digest());
    result.organizations.push_back(pipelines[p]->take_output());
    const models::PipelineOutput& output = result.organizations.back();
    const auto violations =
        models::check_safety(scenario, pipelines[p]->organization(), output.deployments,
                             output.shifts, output.warmup_burns);
    result.violations.insert(result.violations.end(), violations.begin(), violations.end());
  }
}

// Organizations coupled through shared CI fleets: one Simulation per coupled group under
// conservative windows (lookahead = the smallest dispatch latency), the groups in parallel,
// each on one lane (groups never exchange messages). One windowed Simulation of every
// organization gave the same results at twice the CPU: each window visited all organizations'
// state (their retrieval indices), so little of it stayed in cache. Outputs come back in the
// batch's (ascending) organization order; the engine digest folds the groups' in group order.
void run_coupled(const models::Scenario& scenario, const models::Strategy& strategy,
                 models::RunKey key, const std::vector<int>& organizations, BatchResult& result) {
  std::vector<std::vector<int>> groups;
  for (auto& group : models::coupled_groups(scenario)) {
    if (std::binary_search(organizations.begin(), organizations.end(), group.front()))
      groups.push_back(std::move(group));
  }
  const auto slot_of = [&](int o) {
    return static_cast<std::size_t>(
        std::lower_bound(organizations.begin(), organizations.end(), o) - organizations.begin());
  };
  result.organizations.resize(organizations.size());
  result.fleets.resize(scenario.ci_fleets.size());
  std::vector<std::vector<models::SafetyViolation>> violations(organizations.size());
  std::vector<engine::RunStats> stats(groups.size());
  const auto started = std::chrono::steady_clock::now();
  tbb::parallel_for(std::size_t{0}, groups.size(), [&](std::size_t g) {
    const std::vector<int>& group = groups[g];
    engine::SimulationConfig config = run_config(scenario, key);
    if (!models::fleets_of_group(scenario, group).empty())
      config.lookahead = models::fleet_lookahead(scenario);
    engine::Simulation simulation(config);
    const GroupPartitions parts = add_group(simulation, scenario, strategy, key, group);
    // Groups side by side on one lane each; a batch of one group spreads it over the arena.
    stats[g] = simulation.run(groups.size() == 1 ? 0 : 1);
    for (std::size_t k = 0; k < group.size(); ++k) {
      const std::size_t slot = slot_of(group[k]);
      models::PipelineOutput& output = result.organizations[slot];
      output = parts.pipelines[k]->take_output();
      violations[slot] =
          models::check_safety(scenario, parts.pipelines[k]->organization(), output.deployments,
                               output.shifts, output.warmup_burns);
    }
    for (const models::CiFleet* fleet : parts.fleets)
      result.fleets[static_cast<std::size_t>(fleet->index())] = fleet->stats();
  });
  for (const auto& v : violations)
    result.violations.insert(result.violations.end(), v.begin(), v.end());
  for (const engine::RunStats& s : stats) {
    result.engine.events += s.events;
    result.engine.windows += s.windows;
    result.engine.messages += s.messages;
    result.engine.digest = engine::splitmix64(result.engine.digest ^ s.digest);
    result.partition_digests.push_back(s.digest);
  }
  result.engine.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

BatchResult run_batch(const models::Scenario& scenario, const models::Strategy& strategy,
                      int replication, const std::vector<int>& organizations) {
  const models::RunKey key{scenario.seed, static_cast<std::uint32_t>(replication)};
  GENOPS_ASSERT(std::is_sorted(organizations.begin(), organizations.end()),
                "a batch lists its organizations in ascending order");
  BatchResult result;
  if (models::fleet_lookahead(scenario) > engine::SimTime::zero())
    run_coupled(scenario, strategy, key, organizations, result);
  else
    run_independent(scenario, strategy, key, organizations, result);
  return result;
}

RunResult run_once(const models::Scenario& scenario, const models::Strategy& strategy,
                   int replication) {
  std::vector<int> organizations(scenario.organizations.size());
  std::iota(organizations.begin(), organizations.end(), 0);
  BatchResult batch = run_batch(scenario, strategy, replication, organizations);
  RunResult result;
  result.strategy = std::string(strategy.name());
  result.replication = replication;
  result.seed = scenario.seed;
  result.engine = batch.engine;
  result.fleets = std::move(batch.fleets);
  result.organizations = std::move(batch.organizations);
  result.violations = std::move(batch.violations);
  for (const models::PipelineOutput& output : result.organizations)
    result.count_organization(output);
  return result;
}

// Sweeps the organizations in ascending order, taking in the whole group of each one not yet
// taken; a batch may close only where it covers a contiguous range of organizations (so the
// batches hand organizations over in ascending order, the results file's), and closes there
// when the next group would take it over `organizations` or over `max_deployments`.
std::vector<std::vector<int>> plan_batches(const std::vector<std::vector<int>>& groups,
                                           int organizations,
                                           const std::vector<double>& deployments,
                                           double max_deployments) {
  int count = 0;
  for (const auto& group : groups)
    count += static_cast<int>(group.size());
  std::vector<int> group_of(static_cast<std::size_t>(count), -1);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (const int o : groups[g])
      group_of.at(static_cast<std::size_t>(o)) = static_cast<int>(g);
  }
  const bool by_deployments = max_deployments > 0;
  if (by_deployments && deployments.size() != static_cast<std::size_t>(count))
    throw std::logic_error("plan_batches: one deployment estimate per organization");
  const auto weight = [&](const std::vector<int>& members) {
    double sum = 0;
    for (const int o : members)
      sum += deployments[static_cast<std::size_t>(o)];
    return sum;
  };
  std::vector<std::vector<int>> batches(1);
  std::vector<bool> taken(groups.size(), false);
  int reach = -1;       // the largest organization in the open batch
  double in_batch = 0;  // the open batch's deployments (by_deployments only)
  for (int o = 0; o < count; ++o) {
    const auto g = static_cast<std::size_t>(group_of[static_cast<std::size_t>(o)]);
    if (!taken[g]) {
      taken[g] = true;
      auto& batch = batches.back();
      batch.insert(batch.end(), groups[g].begin(), groups[g].end());
      reach = std::max(reach, *std::max_element(groups[g].begin(), groups[g].end()));
      if (by_deployments)
        in_batch += weight(groups[g]);
    }
    if (o != reach || o + 1 == count || (organizations <= 0 && !by_deployments))
      continue;
    const auto next = static_cast<std::size_t>(group_of[static_cast<std::size_t>(o + 1)]);
    const bool next_taken = taken[next];
    const std::size_t incoming = next_taken ? 0 : groups[next].size();
    const bool over_count = organizations > 0 && batches.back().size() + incoming >
                                                     static_cast<std::size_t>(organizations);
    const bool over_deployments =
        by_deployments && !next_taken && in_batch + weight(groups[next]) > max_deployments;
    if (over_count || over_deployments) {
      batches.emplace_back();
      in_batch = 0;
    }
  }
  for (auto& batch : batches)
    std::sort(batch.begin(), batch.end());
  if (batches.back().empty())
    batches.pop_back();
  return batches;
}

StudyResult run_study(const models::Scenario& scenario, const models::StrategyRegistry& registry,
                      const StudyOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<models::Strategy>> strategies;
  for (const auto& name : scenario.strategies)
    strategies.push_back(registry.create(name, scenario));
  StudyResult study;
  study.scenario = scenario;
  study.replications = options.replications;
  if (study.replications.empty()) {
    for (int r = 0; r < scenario.replications; ++r)
      study.replications.push_back(r);
  }
  const std::size_t replications = study.replications.size();
  const std::size_t total = strategies.size() * replications;
  study.runs.resize(total);
  // The default is the CPUs this process may use (taskset, cgroups), not the machine's; an
  // explicit count is honoured as asked (global_control lifts TBB's affinity-based worker limit,
  // which otherwise printed a warning and ran fewer threads than the summary reported).
  study.threads =
      options.threads > 0 ? options.threads : std::max(1, tbb::info::default_concurrency());
  const tbb::global_control worker_limit(tbb::global_control::max_allowed_parallelism,
                                         static_cast<std::size_t>(study.threads));
  std::mutex progress_mutex;
  int finished = 0;
  tbb::task_arena arena(study.threads);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, total, [&](std::size_t slot) {
      study.runs[slot] = run_once(study.scenario, *strategies[slot / replications],
                                  study.replications[slot % replications]);
      if (options.progress) {
        const std::lock_guard lock(progress_mutex);
        options.progress(++finished, static_cast<int>(total));
      }
    });
  });
  for (const auto& run : study.runs)
    study.events += run.engine.events;
  study.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return study;
}

models::StrategySummary pooled_summary(const StudyResult& study, std::size_t strategy) {
  std::vector<models::DeploymentRecord> all;
  std::uint64_t violations = 0;
  for (std::size_t k = 0; k < study.replications.size(); ++k) {
    const RunResult& run = study.run(strategy, static_cast<int>(k));
    const auto records = run.deployments();
    all.insert(all.end(), records.begin(), records.end());
    violations += run.violations.size();
  }
  models::StrategySummary summary = models::summarize(all, violations);
  std::vector<models::ResourceSample> samples;
  for (std::size_t k = 0; k < study.replications.size(); ++k) {
    for (const auto& org : study.run(strategy, static_cast<int>(k)).organizations)
      samples.insert(samples.end(), org.samples.begin(), org.samples.end());
  }
  models::add_resource_use(summary, samples, study.scenario);
  return summary;
}

std::vector<models::CiFleetStats> pooled_fleets(const StudyResult& study, std::size_t strategy) {
  std::vector<models::CiFleetStats> pooled;
  for (std::size_t k = 0; k < study.replications.size(); ++k) {
    const RunResult& run = study.run(strategy, static_cast<int>(k));
    if (k == 0) {
      pooled = run.fleets;
      continue;
    }
    for (std::size_t f = 0; f < pooled.size(); ++f)
      pooled[f].merge(run.fleets[f]);
  }
  return pooled;
}

models::StrategySummary replication_summary(const RunResult& run,
                                            const models::Scenario* scenario) {
  const auto records = run.deployments();
  models::StrategySummary summary = models::summarize(records, run.violations.size());
  if (scenario != nullptr) {
    std::vector<models::ResourceSample> samples;
    for (const auto& org : run.organizations)
      samples.insert(samples.end(), org.samples.begin(), org.samples.end());
    models::add_resource_use(summary, samples, *scenario);
  }
  return summary;
}

StudySummaries summarize_study(const StudyResult& study) {
  StudySummaries summaries;
  for (const RunResult& run : study.runs) {
    summaries.runs.push_back(replication_summary(run, &study.scenario));
  }
  for (std::size_t s = 0; s < study.scenario.strategies.size(); ++s) {
    summaries.pooled.push_back(pooled_summary(study, s));
  }
  return summaries;
}

namespace {

// The batches of every run, checked to hand organizations over in ascending order (the results
// file's order; plan_batches() closes batches only on contiguous ranges).
std::vector<std::vector<int>> checked_batches(const models::Scenario& scenario,
                                              const StreamOptions& stream) {
  std::vector<std::vector<int>> batches =
      plan_batches(models::coupled_groups(scenario), stream.batch_organizations,
                   estimated_organization_deployments(scenario), stream.batch_deployments);
  int next = 0;
  for (const auto& batch : batches) {
    for (const int o : batch) {
      if (o != next++)
        throw std::logic_error("stream_study: batches must list organizations in ascending order");
    }
  }
  return batches;
}

// Adds one batch's engine totals to the run's (the digest chained in partition order, as
// engine::Simulation::run chains it over one Simulation's partitions).
void add_batch_stats(engine::RunStats& run, const BatchResult& batch) {
  run.events += batch.engine.events;
  run.windows += batch.engine.windows;
  run.messages += batch.engine.messages;
  run.wall_seconds += batch.engine.wall_seconds;
  for (const std::uint64_t digest : batch.partition_digests)
    run.digest = engine::splitmix64(run.digest ^ digest);
}

// The streaming state of one strategy: the pooled accumulators its runs feed in study order.
struct PooledStreams {
  models::SummaryAccumulator summary;
  models::ResourceAccumulator resources;
  std::uint64_t violations = 0;
};

// One run of stream_study(): batch by batch into the sink and the accumulators.
models::StrategySummary stream_run(const models::Scenario& scenario,
                                   const models::Strategy& strategy,
                                   const std::vector<std::vector<int>>& batches, RunResult& run,
                                   PooledStreams& pooled, RunSink& sink) {
  sink.begin_run(run);
  models::SummaryAccumulator summary;
  models::ResourceAccumulator resources(scenario);
  for (const std::vector<int>& organizations : batches) {
    BatchResult batch = run_batch(scenario, strategy, run.replication, organizations);
    add_batch_stats(run.engine, batch);
    run.fleets.resize(batch.fleets.size());
    for (std::size_t f = 0; f < batch.fleets.size(); ++f) {
      if (!batch.fleets[f].name.empty())  // a fleet of this batch's groups
        run.fleets[f] = std::move(batch.fleets[f]);
    }
    for (const models::PipelineOutput& output : batch.organizations) {
      run.count_organization(output);
      summary.add(output.deployments);
      pooled.summary.add_sums(output.deployments);
      resources.add(output.samples);
      pooled.resources.add(output.samples);
    }
    run.violations.insert(run.violations.end(), batch.violations.begin(), batch.violations.end());
    sink.organizations(run, batch.organizations);
    batch = {};
    // The batch's pages back to the OS: glibc keeps them in the arenas of the workers that built
    // the partitions, out of reach of the next batch's allocations on other workers.
    malloc_trim(0);
  }
  models::StrategySummary result = summary.finish(run.violations.size());
  resources.finish(result);
  pooled.summary.absorb_values(std::move(summary));
  pooled.violations += run.violations.size();
  sink.end_run(run, result);
  return result;
}

}  // namespace

StreamedStudy stream_study(const models::Scenario& scenario,
                           const models::StrategyRegistry& registry, const StudyOptions& options,
                           const StreamOptions& stream, RunSink& sink) {
  const auto started = std::chrono::steady_clock::now();
  StreamedStudy result;
  StudyResult& study = result.study;
  study.scenario = scenario;
  study.replications = options.replications;
  if (study.replications.empty()) {
    for (int r = 0; r < scenario.replications; ++r)
      study.replications.push_back(r);
  }
  const std::vector<std::vector<int>> batches = checked_batches(study.scenario, stream);
  study.threads =
      options.threads > 0 ? options.threads : std::max(1, tbb::info::default_concurrency());
  const tbb::global_control worker_limit(tbb::global_control::max_allowed_parallelism,
                                         static_cast<std::size_t>(study.threads));
  const int total = static_cast<int>(scenario.strategies.size() * study.replications.size());
  tbb::task_arena arena(study.threads);
  arena.execute([&] {
    for (const std::string& name : scenario.strategies) {
      const std::unique_ptr<models::Strategy> strategy = registry.create(name, scenario);
      PooledStreams pooled{{}, models::ResourceAccumulator(study.scenario), 0};
      for (const int replication : study.replications) {
        RunResult run;
        run.strategy = std::string(strategy->name());
        run.replication = replication;
        run.seed = scenario.seed;
        result.summaries.runs.push_back(
            stream_run(study.scenario, *strategy, batches, run, pooled, sink));
        study.events += run.engine.events;
        study.runs.push_back(std::move(run));
        if (options.progress)
          options.progress(static_cast<int>(study.runs.size()), total);
      }
      models::StrategySummary summary = pooled.summary.finish(pooled.violations);
      pooled.resources.finish(summary);
      result.summaries.pooled.push_back(summary);
    }
  });
  study.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace genops::scenarios
