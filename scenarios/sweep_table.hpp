#pragma once

// `sweep table DIR`: one tidy long table of a finished (or partly finished) study directory,
// one row per point x strategy x metric with the mean over replications and its Student-t CI.
// Reads the point files' provenance (sweep_point, sweep_factors) and per-run summary tables,
// so it needs nothing but DIR.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "models/metrics.hpp"

namespace genops::scenarios {

struct SweepTableRow {
  std::size_t point = 0;
  std::vector<std::string> factor_values;  // in SweepTable::factors order, as JSON texts
  std::string strategy;
  std::string metric;
  std::size_t replications = 0;
  double mean = 0;
  double ci_low = 0;  // NaN with fewer than 2 replications
  double ci_high = 0;
};

struct SweepTable {
  std::vector<std::string> factors;  // factor names, as in the point files
  std::vector<SweepTableRow> rows;   // point, strategy (file order), metric (kSweepMetrics order)
  double confidence = 0.95;
};

// The metrics the table reports, in order.
const std::vector<std::string>& sweep_metrics();
// Metric `metric` (an index into sweep_metrics()) of one run's summary.
double sweep_metric_value(const models::StrategySummary& summary, std::size_t metric);

// Reads every DIR/point-*.h5. `metrics` empty means all. engine::InputError for an unreadable
// or foreign file, a file without sweep provenance, or an unknown metric.
SweepTable read_sweep_table(const std::filesystem::path& dir,
                            const std::vector<std::string>& metrics, double confidence = 0.95);

// "text", "csv", "json" or "markdown".
std::string format_sweep_table(const SweepTable& table, const std::string& format);

}  // namespace genops::scenarios
