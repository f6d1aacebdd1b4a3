#pragma once

// The comparison table as data: rows x columns of typed cells, built once from a
// ComparisonReport. The renderers (text, Markdown, LaTeX in compare.cpp, HTML in
// report_html.cpp) choose which rows they show, under which label, and how each kind of cell
// is printed; none of them reads the report's statistics for the per-strategy table itself.

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/compare.hpp"

namespace genops::analysis {

// One cell. Which fields are meaningful depends on `kind`.
struct TableCell {
  enum class Kind {
    kCount,          // count
    kCountRatio,     // count / trials
    kMinutes,        // value
    kMinutesPair,    // value / second
    kMinutesWithCi,  // value [low, high]
    kRateWithCi,     // count of trials, value = rate, [low, high] Wilson (n/a with 0 trials)
    kMinutesMeanSd,  // mean ± sd of `samples`, minutes (n/a when empty; sd n/a below two)
    kRateMeanSd,     // mean ± sd of `samples`, rates
  };
  Kind kind = Kind::kCount;
  std::uint64_t count = 0;
  std::uint64_t trials = 0;
  double value = 0;
  double second = 0;
  double low = 0;
  double high = 0;
  std::vector<double> samples;
};

// The rows a renderer may pick; each is one metric with one cell per arm.
enum class ArmRow {
  kDeployments,
  kInFlight,             // in flight at the horizon / arrivals
  kMedianCycleTime,      // median [order-statistic CI]
  kP90CycleTime,         // p90
  kP90AndMeanCycleTime,  // p90 / mean
  kSuccessRate,
  kRollbackRate,
  kFailureRate,
  kBlockRate,
  kDeploymentSuccess,  // deployed changes that succeeded / deployed
  kSafetyViolations,
  kCanaryCatchRate,
  kCanaryCatchCounts,           // caught by canary / issues
  kReplicationMedianCycleTime,  // mean ± sd over replications
  kReplicationSuccessRate,      // mean ± sd over replications
};

// One column per arm (the baseline first), one row per ArmRow, in enum order.
struct ArmTable {
  std::vector<std::string> columns;  // strategy names
  struct Row {
    ArmRow id;
    std::vector<TableCell> cells;  // one per column
  };
  std::vector<Row> rows;
  const Row& row(ArmRow id) const;
};

ArmTable build_arm_table(const ComparisonReport& report);

}  // namespace genops::analysis
