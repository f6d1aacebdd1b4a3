#include "results/results_file.hpp"

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

OutputFile create_partial(const std::filesystem::path& path, const OutputOptions& options) {
  try {
    return OutputFile(OutputTarget{options.option, path}, options.force);
  } catch (const OutputError& error) {
    throw ResultsFileError("cannot create results file '" + path.string() + "': " + error.what());
  }
}

// A leftover partial of `path` (its writer was killed), or an empty path.
std::filesystem::path leftover_partial(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  for (std::filesystem::directory_iterator entry(directory, error), end; !error && entry != end;
       entry.increment(error)) {
    if (is_partial_of(entry->path(), path)) {
      return entry->path();
    }
  }
  return {};
}

// The numeric schema_version lives in the (checksummed) root object header: safe to read first.
void check_version(const File& file, const std::filesystem::path& path, std::string_view schema,
                   std::uint64_t version) {
  const ElementType version_type = file.has_attribute("schema_version")
                                       ? file.attribute_type("schema_version")
                                       : ElementType::Other;
  if (!file.has_attribute("schema")) {
    reject(path, "has no 'schema' string attribute: not a genops-sim results file; " +
                     expected_schema(schema, version));
  }
  // Another tool's file is named as such; a fixed-length string lives in the root object header
  // (checksummed), so it is safe to read before the structure is checked.
  if (file.attribute_type("schema") == ElementType::String &&
      !file.attribute_is_variable_string("schema")) {
    const std::string found_schema = file.read_string_attribute("schema");
    if (found_schema != schema) {
      reject(path, "has schema '" + engine::printable_text(found_schema) + "'; " +
                       expected_schema(schema, version));
    }
  }
  if (!is_readable_as(version_type, ElementType::U64) ||
      file.attribute_size("schema_version") != 1) {
    reject(path, "has no unsigned integer 'schema_version' attribute; " +
                     expected_schema(schema, version));
  }
  const auto found_version = file.read_attribute<std::uint64_t>("schema_version");
  if (found_version < version) {
    reject(path, "has schema version " + std::to_string(found_version) +
                     " (written by an older genops-sim: without checksums before 2, without "
                     "in-flight changes before 3); " +
                     expected_schema(schema, version) + ": run the study again");
  }
  if (found_version != version) {
    reject(path, "has schema version " + std::to_string(found_version) + "; " +
                     expected_schema(schema, version));
  }
}

void check_schema(const File& file, const std::filesystem::path& path, std::string_view schema,
                  std::uint64_t version) {
  if (file.attribute_type("schema") != ElementType::String) {
    reject(path, "has no 'schema' string attribute: not a genops-sim results file; " +
                     expected_schema(schema, version));
  }
  const std::string found_schema = file.read_string_attribute("schema");
  if (found_schema != schema) {
    reject(path, "has schema '" + engine::printable_text(found_schema) + "'; " +
                     expected_schema(schema, version));
  }
  if (!file.has_attribute("status") || file.attribute_type("status") != ElementType::String) {
    reject(path, "has no 'status' attribute (its writer did not finish); expected status='" +
                     std::string(kStatusComplete) + "'");
  }
  const std::string status = file.read_string_attribute("status");
  if (status != kStatusComplete) {
    reject(path, "is incomplete (status='" + engine::printable_text(status) +
                     "', its writer did not finish); expected status='" +
                     std::string(kStatusComplete) + "'");
  }
}

}  // namespace

// ---- ResultsWriter ----

ResultsWriter::ResultsWriter(std::filesystem::path path, std::string_view schema,
                             std::uint64_t schema_version, const OutputOptions& output)
    : path_(std::move(path)), output_(create_partial(path_, output)) {
  output_.close_descriptor();  // HDF5 reopens the reserved name
  try {
    file_ = File::create(output_.partial_path());
    file_.write_attribute("schema", schema);
    file_.write_attribute("schema_version", schema_version);
    file_.write_attribute("status", kStatusIncomplete);
  } catch (const Hdf5Error& error) {
    throw ResultsFileError("cannot create results file '" + output_.partial_path().string() +
                           "': " + error.reason());
  }
}

ResultsWriter::~ResultsWriter() {
  if (!finalized_) {
    file_ = File();  // close before the partial is removed
  }
}

void ResultsWriter::finalize() {
  GENOPS_ASSERT(!finalized_, "results file '" + path_.string() + "' finalized twice");
  const std::uint64_t open_datasets = file_.open_dataset_count();
  GENOPS_ASSERT(open_datasets == 0, std::to_string(open_datasets) + " dataset(s) still open in '" +
                                        output_.partial_path().string() +
                                        "': finish() every ColumnTableWriter before finalize()");
  try {
    // The completion marker is the last thing written; the rename below publishes the file.
    file_.write_attribute("status", kStatusComplete);
    file_.close();
  } catch (const Hdf5Error& error) {
    file_ = File();
    output_.discard();
    throw ResultsFileError("cannot finish results file '" + path_.string() +
                           "': " + error.reason());
  }
  try {
    output_.commit();
  } catch (const OutputError& error) {
    throw ResultsFileError(std::string("cannot finish results file: ") + error.what());
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
    if (const std::filesystem::path partial = leftover_partial(path_); !partial.empty()) {
      reject(path_, "not found (only '" + partial.string() + "' exists: its run did not finish)");
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
    check_version(file_, path_, schema, schema_version);
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is damaged: " + hdf5_error.reason());
  }
  try {
    file_.check_plain_structure();
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is damaged or not a genops-sim file: '" + hdf5_error.object_path() + "' " +
                      hdf5_error.reason());
  }
  try {
    check_schema(file_, path_, schema, schema_version);
  } catch (const Hdf5Error& hdf5_error) {
    reject(path_, "is damaged: " + hdf5_error.reason());
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
