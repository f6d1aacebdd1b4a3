#pragma once

// `genops-sim export FILE... --csv OUT`: one long CSV for R, Excel and DuckDB, pooled across
// runs: one row per deployment of every (strategy, replication) run of every file, led by the
// run's identity (scenario, config_sha256, sweep point when the file is one, strategy,
// replication, seed). The columns are the deployments table's own, whatever the schema holds
// (new columns flow through): categorical columns and columns pointing into a /lookup table as
// their labels, every time column (units "min") also as an ISO-8601 UTC instant
// (`<name>_utc`, empty for the schema's -1 "never"). Memory: one run's deployments table.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "results/output_file.hpp"

namespace genops::results {

struct ExportReport {
  std::size_t files = 0;
  std::size_t runs = 0;
  std::uint64_t rows = 0;
  std::size_t columns = 0;
};

// Writes the CSV through output safety (a partial published at the end; `output.option` names
// it in messages). ResultsFileError for an unreadable input (task files included: merge them
// first), OutputError for the output.
ExportReport export_deployments_csv(const std::vector<std::filesystem::path>& inputs,
                                    const OutputTarget& output, bool force);

}  // namespace genops::results
