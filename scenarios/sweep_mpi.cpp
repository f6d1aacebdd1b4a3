#include "scenarios/sweep_mpi.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/error.hpp"
#include "scenarios/sweep_table.hpp"

#if GENOPS_HAVE_MPI
// The C API only: Open MPI's mpi.h would otherwise pull in its deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace genops::scenarios {

#if GENOPS_HAVE_MPI

namespace {

constexpr int kTagResult = 1;  // worker -> root: {position or -1, state, runs executed}
constexpr int kTagWork = 2;    // root -> worker: {position or -1 to stop}
constexpr int kTagMeans = 3;   // worker -> root after a result: strategies x metrics means
constexpr long long kNone = -1;

enum class Reported : long long { Done = 0, Failed = 1, Skipped = 2 };

// MPI_Init/MPI_Finalize around one command; only the main thread calls MPI (TBB workers never).
class MpiSession {
 public:
  MpiSession() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0;
  int size_ = 1;
};

MpiSweepReport run_root(const SweepPlan& plan, const SweepRunOptions& options, int ranks) {
  MpiSweepReport out;
  out.root = true;
  out.ranks = ranks;
  const auto started = std::chrono::steady_clock::now();
  for (const std::size_t point : options.points) {
    PointOutcome outcome;
    outcome.point = point;
    out.report.points.push_back(outcome);
  }
  out.point_rank.assign(options.points.size(), -1);
  std::size_t next = 0;
  int active = ranks - 1;
  while (active > 0) {
    std::array<long long, 3> result{};
    MPI_Status status;
    MPI_Recv(result.data(), 3, MPI_LONG_LONG, MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &status);
    if (result[0] != kNone) {
      const auto position = static_cast<std::size_t>(result[0]);
      PointOutcome& outcome = out.report.points[position];
      const auto reported = static_cast<Reported>(result[1]);
      outcome.state = reported == Reported::Failed ? PointState::Failed : PointState::Done;
      outcome.skipped = reported == Reported::Skipped;
      out.report.points_failed += reported == Reported::Failed ? 1 : 0;
      out.report.runs_executed += static_cast<std::size_t>(result[2]);
      out.point_rank[position] = status.MPI_SOURCE;
      // The point's means (NaN when the worker skipped it: it did not run it now).
      std::vector<double> means(plan.strategies.size() * sweep_metrics().size());
      MPI_Recv(means.data(), static_cast<int>(means.size()), MPI_DOUBLE, status.MPI_SOURCE,
               kTagMeans, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (!means.empty() && !std::isnan(means.front()))
        outcome.means = std::move(means);
      if (options.log && reported != Reported::Skipped) {
        options.log("rank " + std::to_string(status.MPI_SOURCE) + ": point " +
                    std::to_string(outcome.point) + " (" + plan.point_label(outcome.point) + ") " +
                    (reported == Reported::Failed ? "failed" : "done"));
      }
    }
    long long work = kNone;
    if (next < options.points.size()) {
      work = static_cast<long long>(next++);
    } else {
      --active;
    }
    MPI_Send(&work, 1, MPI_LONG_LONG, status.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
  }
  out.report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

MpiSweepReport run_worker(const SweepPlan& plan, const models::StrategyRegistry& registry,
                          const SweepRunOptions& options, int ranks) {
  MpiSweepReport out;
  out.ranks = ranks;
  std::array<long long, 3> result{kNone, 0, 0};
  std::vector<double> means;
  for (;;) {
    MPI_Send(result.data(), 3, MPI_LONG_LONG, 0, kTagResult, MPI_COMM_WORLD);
    if (result[0] != kNone)
      MPI_Send(means.data(), static_cast<int>(means.size()), MPI_DOUBLE, 0, kTagMeans,
               MPI_COMM_WORLD);
    long long work = kNone;
    MPI_Recv(&work, 1, MPI_LONG_LONG, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (work == kNone)
      return out;
    SweepRunOptions one = options;
    one.points = {options.points[static_cast<std::size_t>(work)]};
    one.progress = nullptr;  // rank 0 reports per point
    one.log = nullptr;
    const SweepRunReport report = run_sweep(plan, registry, one);
    const PointOutcome& outcome = report.points.front();
    if (outcome.state == PointState::Failed && options.log)
      options.log("point " + std::to_string(outcome.point) + ": failed: " + outcome.error);
    const Reported reported = outcome.skipped                       ? Reported::Skipped
                              : outcome.state == PointState::Failed ? Reported::Failed
                                                                    : Reported::Done;
    result = {work, static_cast<long long>(reported), static_cast<long long>(report.runs_executed)};
    means = outcome.means;
    means.resize(plan.strategies.size() * sweep_metrics().size(), NAN);
  }
}

}  // namespace

bool sweep_mpi_available() {
  return true;
}

MpiSweepReport run_sweep_mpi(const SweepPlan& plan, const models::StrategyRegistry& registry,
                             const SweepRunOptions& options) {
  const MpiSession session;
  if (session.size() == 1) {
    MpiSweepReport out;
    out.root = true;
    out.report = run_sweep(plan, registry, options);
    out.point_rank.assign(options.points.size(), 0);
    return out;
  }
  if (session.rank() == 0)
    return run_root(plan, options, session.size());
  return run_worker(plan, registry, options, session.size());
}

#else

bool sweep_mpi_available() {
  return false;
}

MpiSweepReport run_sweep_mpi(const SweepPlan&, const models::StrategyRegistry&,
                             const SweepRunOptions&) {
  throw engine::InputError(
      "--mpi: expected a build with MPI (install libopenmpi-dev and openmpi-bin, then "
      "reconfigure), got a build without it");
}

#endif

}  // namespace genops::scenarios
