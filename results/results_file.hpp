#pragma once

// A results file's lifecycle: written as a uniquely named partial next to `<path>`
// (results/output_file.hpp: `<path>.<pid>-<random>.partial`), marked status="complete" as the
// very last write, closed, fsynced and atomically renamed to `<path>`; opened for reading only
// after checking that it is a complete file of the expected schema. A crash, an exception or
// Ctrl-C during writing never leaves a file under the final name, and an exception or
// SIGINT/SIGTERM removes the partial (only SIGKILL or a power cut can leave one behind).

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "results/column_table.hpp"
#include "results/hdf5_file.hpp"
#include "results/output_file.hpp"

namespace genops::results {

inline constexpr std::string_view kResultsSchemaName = "genops-sim-results";
// 2: the 1.10 file format (checksummed metadata), Fletcher-32 on every chunk, fixed-length
// strings only, 16-bit organization codes, audit trail v2 with a run manifest. Version 1 files
// are refused with a clear message (rerun the study).
// 3: every arrival is a deployments row (outcome in_flight for changes without a final outcome
// at the horizon, with in_flight_stage), catch_points (every catch point met), and the
// summary's denominators (in_flight, deployed, deployment_success_rate, met_at_*). Version 2
// files are refused the same way: their tables left in-flight changes out.
inline constexpr std::uint64_t kResultsSchemaVersion = 3;
inline constexpr std::string_view kPartialSuffix = ".partial";

// Bad input: a results file that is missing, not HDF5, unfinished, truncated, of another schema
// or lacking an expected group. what() is one line naming the file and what was expected.
class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a writer publishes its file. `option` names it in messages ("--out"); without `force`
// the final rename refuses to replace a file that exists by then.
struct OutputOptions {
  std::string option = "results file";
  bool force = true;
};

// Writes root attributes schema, schema_version (u64) and status="incomplete" on creation.
class ResultsWriter {
 public:
  // Creates the partial. ResultsFileError when it cannot.
  explicit ResultsWriter(std::filesystem::path path, std::string_view schema = kResultsSchemaName,
                         std::uint64_t schema_version = kResultsSchemaVersion,
                         const OutputOptions& output = {});
  // Without finalize(): closes the file and removes the partial.
  ~ResultsWriter();
  ResultsWriter(ResultsWriter&&) = default;
  ResultsWriter& operator=(ResultsWriter&&) = delete;

  // The root group: provenance attributes, groups and tables go here.
  File& file() { return file_; }
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& partial_path() const { return output_.partial_path(); }
  bool finalized() const { return finalized_; }

  // Writes status="complete" last, closes the file (every object still open in it is closed)
  // and renames it to path() (replacing an older file only with OutputOptions::force). Every
  // ColumnTableWriter must be finished first (asserted). ResultsFileError when closing, syncing
  // or renaming fails (the partial is removed).
  void finalize();

 private:
  std::filesystem::path path_;
  OutputFile output_;
  File file_;
  bool finalized_ = false;
};

// Opens a finished results file read-only after validating it.
class ResultsReader {
 public:
  // ResultsFileError for a missing file, a `*.partial` path, a non-HDF5 or damaged file, a
  // wrong or missing schema / schema_version, anything File::check_plain_structure() refuses
  // (links, external storage, variable-length data, forged extents), or a status other than
  // "complete". The version is checked first, the structure before any string is read.
  explicit ResultsReader(std::filesystem::path path, std::string_view schema = kResultsSchemaName,
                         std::uint64_t schema_version = kResultsSchemaVersion);

  const std::filesystem::path& path() const { return path_; }
  const File& file() const { return file_; }
  // A group by absolute or root-relative path; ResultsFileError when missing.
  Group group(std::string_view group_path) const;
  bool has_group(std::string_view group_path) const { return file_.has_group(group_path); }
  // A column table by group path; ResultsFileError when missing.
  ColumnTableReader table(std::string_view group_path) const;

 private:
  std::filesystem::path path_;
  File file_;
};

}  // namespace genops::results
