#include "analysis/comparison_table.hpp"

#include <stdexcept>

namespace genops::analysis {

namespace {

using Kind = TableCell::Kind;

TableCell count_cell(std::uint64_t count) {
  TableCell cell;
  cell.kind = Kind::kCount;
  cell.count = count;
  return cell;
}

TableCell rate_cell(const RateEstimate& rate) {
  TableCell cell;
  cell.kind = Kind::kRateWithCi;
  cell.count = rate.count;
  cell.trials = rate.trials;
  cell.value = rate.rate;
  cell.low = rate.ci.low;
  cell.high = rate.ci.high;
  return cell;
}

TableCell mean_sd_cell(Kind kind, const std::vector<double>& samples) {
  TableCell cell;
  cell.kind = kind;
  cell.samples = samples;
  return cell;
}

// The cell of one row for one arm.
TableCell cell_of(ArmRow row, const ArmSummary& arm) {
  TableCell cell;
  switch (row) {
    case ArmRow::kDeployments:
      return count_cell(arm.summary.deployments);
    case ArmRow::kMedianCycleTime:
      cell.kind = Kind::kMinutesWithCi;
      cell.value = arm.summary.median_cycle_time_min;
      cell.low = arm.median_ci.low;
      cell.high = arm.median_ci.high;
      return cell;
    case ArmRow::kP90CycleTime:
      cell.kind = Kind::kMinutes;
      cell.value = arm.summary.p90_cycle_time_min;
      return cell;
    case ArmRow::kP90AndMeanCycleTime:
      cell.kind = Kind::kMinutesPair;
      cell.value = arm.summary.p90_cycle_time_min;
      cell.second = arm.summary.mean_cycle_time_min;
      return cell;
    case ArmRow::kSuccessRate:
      return rate_cell(arm.success);
    case ArmRow::kRollbackRate:
      return rate_cell(arm.rollback);
    case ArmRow::kFailureRate:
      return rate_cell(arm.failure);
    case ArmRow::kBlockRate:
      return rate_cell(arm.block);
    case ArmRow::kInFlight:
      return rate_cell(arm.in_flight);
    case ArmRow::kDeploymentSuccess:
      return rate_cell(arm.deployment_success);
    case ArmRow::kSafetyViolations:
      return count_cell(arm.summary.safety_violations);
    case ArmRow::kCanaryCatchRate:
      return rate_cell(arm.canary_catch);
    case ArmRow::kCanaryCatchCounts:
      cell.kind = Kind::kCountRatio;
      cell.count = arm.canary_catch.count;
      cell.trials = arm.canary_catch.trials;
      return cell;
    case ArmRow::kReplicationMedianCycleTime:
      return mean_sd_cell(Kind::kMinutesMeanSd, arm.replication_medians);
    case ArmRow::kReplicationSuccessRate:
      return mean_sd_cell(Kind::kRateMeanSd, arm.replication_success_rates);
  }
  throw std::logic_error("cell_of: unhandled ArmRow");
}

constexpr ArmRow kRows[] = {ArmRow::kDeployments,
                            ArmRow::kInFlight,
                            ArmRow::kMedianCycleTime,
                            ArmRow::kP90CycleTime,
                            ArmRow::kP90AndMeanCycleTime,
                            ArmRow::kSuccessRate,
                            ArmRow::kRollbackRate,
                            ArmRow::kFailureRate,
                            ArmRow::kBlockRate,
                            ArmRow::kDeploymentSuccess,
                            ArmRow::kSafetyViolations,
                            ArmRow::kCanaryCatchRate,
                            ArmRow::kCanaryCatchCounts,
                            ArmRow::kReplicationMedianCycleTime,
                            ArmRow::kReplicationSuccessRate};

}  // namespace

const ArmTable::Row& ArmTable::row(ArmRow id) const {
  for (const Row& r : rows) {
    if (r.id == id) {
      return r;
    }
  }
  throw std::logic_error("ArmTable::row: missing row");
}

ArmTable build_arm_table(const ComparisonReport& report) {
  ArmTable table;
  for (const ArmSummary& arm : report.arms) {
    table.columns.push_back(arm.strategy);
  }
  for (const ArmRow id : kRows) {
    ArmTable::Row row{id, {}};
    for (const ArmSummary& arm : report.arms) {
      row.cells.push_back(cell_of(id, arm));
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace genops::analysis
