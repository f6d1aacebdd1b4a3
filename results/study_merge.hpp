#pragma once

// `genops-sim merge`: joins the results files of the tasks of ONE study (`run --task-index I
// --task-count N`, each holding replications I, I+N, ...) into one results file. Every run is
// read back and written again through StudyResultsWriter in the study's order (strategy-major,
// replications ascending), so the tables, the lookup dictionaries and the audit manifest digest
// are those a one-process run of the study writes. Memory: one run's records at a time (plus
// each input's lookup dictionaries and the writer's chunk buffers), never the study.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "results/results_io.hpp"

namespace genops::results {

// The files named on the command line: a directory stands for its `*.h5` files (sorted by
// name). ResultsFileError for a missing path, an empty directory, or a `.partial` file (named
// or inside a directory: a task still writing, or killed).
std::vector<std::filesystem::path> merge_inputs(const std::vector<std::filesystem::path>& paths);

struct MergeOptions {
  std::string command_line;  // recorded as the merged file's provenance
  WriteOptions write;        // output option and --force, audit key
};

struct MergeReport {
  std::size_t inputs = 0;
  std::size_t runs = 0;
  std::uint32_t replications = 0;
  std::size_t strategies = 0;
  std::string audit_manifest_sha256;  // of the merged file (hex)
};

// Merges `inputs` (task files or whole-study files of one study) into `out`. Refuses, with a
// ResultsFileError naming the files: inputs of another study (config_sha256, master seed,
// replications, strategies or engine version differ), a replication present in two inputs, a
// replication present in none, a run whose stored audit manifest does not match its rows.
// Nothing is written under `out` unless the merge succeeds (the writer's partial is removed).
MergeReport merge_study(const std::vector<std::filesystem::path>& inputs,
                        const std::filesystem::path& out, const MergeOptions& options);

}  // namespace genops::results
