#pragma once

// `sweep run --mpi` under mpirun: rank 0 hands out points one at a time to ranks 1..K-1 as they
// become free (points differ in cost by orders of magnitude, so static shards would idle) and
// gathers what each did; every worker runs its point with run_sweep(), so the files are those of
// a local run. Built only when CMake finds MPI (GENOPS_HAVE_MPI); otherwise --mpi is bad input.

#include <vector>

#include "models/strategy.hpp"
#include "scenarios/sweep_plan.hpp"
#include "scenarios/sweep_runner.hpp"

namespace genops::scenarios {

// Whether this build can run --mpi.
bool sweep_mpi_available();

struct MpiSweepReport {
  bool root = false;  // this process is rank 0 (it alone has the study's report)
  int ranks = 1;
  SweepRunReport report;        // rank 0: every point, in options.points order
  std::vector<int> point_rank;  // rank 0: the rank that ran (or skipped) each point
};

// Initialises and finalises MPI. With one rank, runs everything locally.
MpiSweepReport run_sweep_mpi(const SweepPlan& plan, const models::StrategyRegistry& registry,
                             const SweepRunOptions& options);

}  // namespace genops::scenarios
