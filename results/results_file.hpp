#pragma once

// A results file's lifecycle: written as `<path>.partial`, marked status="complete" as the very
// last write, closed and atomically renamed to `<path>`; opened for reading only after checking
// that it is a complete file of the expected schema. A crash, an exception or Ctrl-C during
// writing never leaves a file under the final name.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "results/column_table.hpp"
#include "results/hdf5_file.hpp"

namespace genops::results {

inline constexpr std::string_view kResultsSchemaName = "genops-sim-results";
inline constexpr std::uint64_t kResultsSchemaVersion = 1;
inline constexpr std::string_view kPartialSuffix = ".partial";

// Bad input: a results file that is missing, not HDF5, unfinished, truncated, of another schema
// or lacking an expected group. what() is one line naming the file and what was expected.
class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `<path>.partial`.
std::filesystem::path partial_path_of(const std::filesystem::path& path);

// Writes root attributes schema, schema_version (u64) and status="incomplete" on creation.
class ResultsWriter {
 public:
  // Creates `<path>.partial` (replacing a stale one). ResultsFileError when it cannot.
  explicit ResultsWriter(std::filesystem::path path, std::string_view schema = kResultsSchemaName,
                         std::uint64_t schema_version = kResultsSchemaVersion);
  // Without finalize(): closes the file and leaves only `<path>.partial`.
  ~ResultsWriter() = default;
  ResultsWriter(ResultsWriter&&) = default;
  ResultsWriter& operator=(ResultsWriter&&) = default;

  // The root group: provenance attributes, groups and tables go here.
  File& file() { return file_; }
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& partial_path() const { return partial_path_; }
  bool finalized() const { return finalized_; }

  // Writes status="complete" last, closes the file (every object still open in it is closed)
  // and renames it to path(), replacing an older file. Every ColumnTableWriter must be finished
  // first (asserted). ResultsFileError when closing or renaming fails.
  void finalize();

 private:
  std::filesystem::path path_;
  std::filesystem::path partial_path_;
  File file_;
  bool finalized_ = false;
};

// Opens a finished results file read-only after validating it.
class ResultsReader {
 public:
  // ResultsFileError for a missing file, a `*.partial` path, a non-HDF5 or damaged file, a
  // wrong or missing schema / schema_version, or a status other than "complete".
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
