#include "results/results_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>
#include <utility>

#include "engine/error.hpp"

namespace genops::results {

namespace {

constexpr std::string_view kStatusComplete = "complete";
constexpr std::string_view kStatusIncomplete = "incomplete";

[[noreturn]] void reject(const std::filesystem::path& path, const std::string& problem) {
  throw ResultsFileError("results file '" + path.string() + "' " + problem);
}

std::string expected_schema(std::string_view schema, std::uint64_t version) {
  return "expected schema '" + std::string(schema) + "' version " + std::to_string(version);
}

// Makes the closed file durable before the rename publishes it under the final name.
void sync_to_disk(const std::filesystem::path& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    return;  // best effort: the rename below reports a missing file
  }
  ::fsync(descriptor);
  ::close(descriptor);
}

void check_schema(const File& file, const std::filesystem::path& path, std::string_view schema,
                  std::uint64_t version) {
  if (!file.has_attribute("schema") || file.attribute_type("schema") != ElementType::String) {
    reject(path, "has no 'schema' string attribute: not a genops-sim results file; " +
                     expected_schema(schema, version));
  }
  const std::string found_schema = file.read_string_attribute("schema");
  if (found_schema != schema) {
    reject(path, "has schema '" + found_schema + "'; " + expected_schema(schema, version));
  }
  const ElementType version_type = file.has_attribute("schema_version")
                                       ? file.attribute_type("schema_version")
                                       : ElementType::Other;
  if (!is_readable_as(version_type, ElementType::U64) ||
      file.attribute_size("schema_version") != 1) {
    reject(path, "has no unsigned integer 'schema_version' attribute; " +
                     expected_schema(schema, version));
  }
  const auto found_version = file.read_attribute<std::uint64_t>("schema_version");
  if (found_version != version) {
    reject(path, "has schema '" + found_schema + "' version " + std::to_string(found_version) +
                     "; " + expected_schema(schema, version));
  }
  if (!file.has_attribute("status") || file.attribute_type("status") != ElementType::String) {
    reject(path, "has no 'status' attribute (its writer did not finish); expected status='" +
                     std::string(kStatusComplete) + "'");
  }
  const std::string status = file.read_string_attribute("status");
  if (status != kStatusComplete) {
    reject(path, "is incomplete (status='" + status +
                     "', its writer did not finish); expected status='" +
                     std::string(kStatusComplete) + "'");
  }
}

}  // namespace

std::filesystem::path partial_path_of(const std::filesystem::path& path) {
  std::filesystem::path partial = path;
  partial += kPartialSuffix;
  return partial;
}

// ---- ResultsWriter ----

ResultsWriter::ResultsWriter(std::filesystem::path path, std::string_view schema,
                             std::uint64_t schema_version)
    : path_(std::move(path)), partial_path_(partial_path_of(path_)) {
  try {
    file_ = File::create(partial_path_);
    file_.write_attribute("schema", schema);
    file_.write_attribute("schema_version", schema_version);
    file_.write_attribute("status", kStatusIncomplete);
  } catch (const Hdf5Error& error) {
    throw ResultsFileError("cannot create results file '" + partial_path_.string() +
                           "': " + error.reason());
  }
}

void ResultsWriter::finalize() {
  GENOPS_ASSERT(!finalized_, "results file '" + path_.string() + "' finalized twice");
  const std::uint64_t open_datasets = file_.open_dataset_count();
  GENOPS_ASSERT(open_datasets == 0, std::to_string(open_datasets) + " dataset(s) still open in '" +
                                        partial_path_.string() +
                                        "': finish() every ColumnTableWriter before finalize()");
  try {
    // The completion marker is the last thing written; the rename below publishes the file.
    file_.write_attribute("status", kStatusComplete);
    file_.close();
  } catch (const Hdf5Error& error) {
    throw ResultsFileError("cannot finish results file '" + partial_path_.string() +
                           "': " + error.what());
  }
  sync_to_disk(partial_path_);
  std::error_code error;
  std::filesystem::rename(partial_path_, path_, error);
  if (error) {
    throw ResultsFileError("cannot rename results file '" + partial_path_.string() + "' to '" +
                           path_.string() + "': " + error.message());
  }
  finalized_ = true;
}

// ---- ResultsReader ----

ResultsReader::ResultsReader(std::filesystem::path path, std::string_view schema,
                             std::uint64_t schema_version)
    : path_(std::move(path)) {
  if (path_.string().ends_with(kPartialSuffix)) {
    reject(path_, "is an unfinished '" + std::string(kPartialSuffix) +
                      "' file (its run was interrupted or is still writing); expected a complete "
                      "results file");
  }
  std::error_code error;
  if (!std::filesystem::exists(path_, error)) {
    if (std::filesystem::exists(partial_path_of(path_), error)) {
      reject(path_, "not found (only '" + partial_path_of(path_).string() +
                        "' exists: its run did not finish)");
    }
    reject(path_, "not found");
  }
  if (!std::filesystem::is_regular_file(path_, error)) {
    reject(path_, "is not a regular file");
  }
  if (!File::is_hdf5(path_)) {
    reject(path_, "is not an HDF5 file; " + expected_schema(schema, schema_version));
  }
  try {
    file_ = File::open(path_, FileMode::ReadOnly);
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is truncated or damaged: " + hdf5_error.reason());
  }
  try {
    check_schema(file_, path_, schema, schema_version);
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is damaged: " + std::string(hdf5_error.what()));
  }
}

Group ResultsReader::group(std::string_view group_path) const {
  try {
    if (!file_.has_group(group_path)) {
      reject(path_, "has no group '" + std::string(group_path) + "'");
    }
    return file_.open_group(group_path);
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is damaged: " + std::string(hdf5_error.what()));
  }
}

ColumnTableReader ResultsReader::table(std::string_view group_path) const {
  Group table = group(group_path);
  try {
    return ColumnTableReader(std::move(table));
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is damaged: " + std::string(hdf5_error.what()));
  }
}

}  // namespace genops::results
