#include "scenarios/runner.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace genops::scenarios {

std::vector<models::DeploymentRecord> RunResult::deployments() const {
  std::vector<models::DeploymentRecord> all;
  for (const auto& o : organizations)
    all.insert(all.end(), o.deployments.begin(), o.deployments.end());
  return all;
}

GroupPartitions add_group(engine::Simulation& simulation, const models::Scenario& scenario,
                          const models::Strategy& strategy, models::RunKey key,
                          const std::vector<int>& group) {
  GroupPartitions parts;
  std::vector<engine::PartitionId> organization_partition;
  for (const int o : group) {
    auto pipeline = std::make_unique<models::Pipeline>(
        scenario, models::build_organization(scenario, o, key), strategy, key);
    parts.pipelines.push_back(pipeline.get());
    organization_partition.push_back(simulation.add_partition(std::move(pipeline)));
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

// A run with shared fleets: one Simulation per coupled group, the groups in parallel (each on
// one lane; groups never exchange messages). One windowed Simulation of every organization
// gave the same results at twice the CPU: each window visited all organizations' state
// (their retrieval indices), so little of it stayed in cache.
void run_coupled_groups(const models::Scenario& scenario, const models::Strategy& strategy,
                        models::RunKey key, const engine::SimulationConfig& config,
                        RunResult& result) {
  const auto groups = models::coupled_groups(scenario);
  const std::size_t organizations = scenario.organizations.size();
  result.organizations.resize(organizations);
  result.fleets.resize(scenario.ci_fleets.size());
  std::vector<std::vector<models::SafetyViolation>> violations(organizations);
  std::vector<engine::RunStats> stats(groups.size());
  const auto started = std::chrono::steady_clock::now();
  tbb::parallel_for(std::size_t{0}, groups.size(), [&](std::size_t g) {
    const std::vector<int>& group = groups[g];
    engine::SimulationConfig group_config = config;
    if (models::fleets_of_group(scenario, group).empty())
      group_config.lookahead = engine::SimTime::zero();
    engine::Simulation simulation(group_config);
    const GroupPartitions parts = add_group(simulation, scenario, strategy, key, group);
    stats[g] = simulation.run(1);
    for (std::size_t k = 0; k < group.size(); ++k) {
      const auto o = static_cast<std::size_t>(group[k]);
      result.organizations[o] = parts.pipelines[k]->take_output();
      violations[o] = models::check_safety(
          scenario, parts.pipelines[k]->organization(), result.organizations[o].deployments,
          result.organizations[o].shifts, result.organizations[o].warmup_burns);
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
  }
  result.engine.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

RunResult run_once(const models::Scenario& scenario, const models::Strategy& strategy,
                   int replication) {
  const models::RunKey key{scenario.seed, static_cast<std::uint32_t>(replication)};
  engine::SimulationConfig config;
  config.identity = engine::RunIdentity{scenario.seed, key.replication};
  config.horizon =
      engine::SimTime::days(scenario.warmup_days + scenario.duration_days + scenario.drain_days);
  // Shared fleets couple organizations: conservative windows as long as the shortest latency.
  config.lookahead = models::fleet_lookahead(scenario);
  RunResult result;
  result.strategy = std::string(strategy.name());
  result.replication = replication;
  result.seed = scenario.seed;
  if (config.lookahead > engine::SimTime::zero()) {
    run_coupled_groups(scenario, strategy, key, config, result);
    return result;
  }
  engine::Simulation simulation(config);
  std::vector<models::Pipeline*> pipelines;
  for (std::size_t o = 0; o < scenario.organizations.size(); ++o) {
    auto pipeline = std::make_unique<models::Pipeline>(
        scenario, models::build_organization(scenario, static_cast<int>(o), key), strategy, key);
    pipelines.push_back(pipeline.get());
    simulation.add_partition(std::move(pipeline));
  }
  result.engine = simulation.run();
  for (models::Pipeline* pipeline : pipelines) {
    result.organizations.push_back(pipeline->take_output());
    const models::PipelineOutput& output = result.organizations.back();
    const auto violations = models::check_safety(
        scenario, pipeline->organization(), output.deployments, output.shifts, output.warmup_burns);
    result.violations.insert(result.violations.end(), violations.begin(), violations.end());
  }
  return result;
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

}  // namespace genops::scenarios
