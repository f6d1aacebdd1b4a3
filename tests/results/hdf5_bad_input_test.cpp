// Bad results files: each case builds one broken file and expects one clear ResultsFileError
// line naming the file, with nothing printed on stderr (no HDF5 error stack).

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "results/column_table.hpp"
#include "results/hdf5_file.hpp"
#include "results/results_file.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

fs::path case_directory(const std::string& name) {
  fs::path directory = fs::path(GENOPS_BINARY_DIR) / "test-tmp" / "results_hdf5_bad_input" / name;
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

// A complete, valid results file with one table.
void write_valid(const fs::path& path) {
  ResultsWriter writer(path);
  Group run = writer.file().create_group("runs/baseline/rep0");
  ColumnTableWriter table(run, "deployments", "deployment", 4096);
  auto cycle = table.add_column<double>("cycle_time_min", "min");
  for (int row = 0; row < 20'000; ++row) {
    cycle.push(row * 0.5);
  }
  table.finish();
  writer.finalize();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

struct BadInput {
  std::string name;
  // Builds the broken input in a directory and returns the path handed to the reader.
  std::function<fs::path(const fs::path& directory)> make;
  // The group opened after the file validated ("" = only open the file).
  std::string group;
  std::string expected_message;
};

std::ostream& operator<<(std::ostream& stream, const BadInput& input) {
  return stream << input.name;
}

std::vector<BadInput> bad_inputs() {
  return {
      {"missing_file", [](const fs::path& d) { return d / "absent.h5"; }, "", "not found"},
      {"only_partial_exists",
       [](const fs::path& d) {
         // What a SIGKILLed writer leaves (any other end removes its partial).
         write_text(d / "crashed.h5.4242-0123456789ab.partial", "half a file");
         return d / "crashed.h5";
       },
       "", "only '"},
      {"partial_path",
       [](const fs::path& d) {
         ResultsWriter writer(d / "crashed.h5");
         return writer.partial_path();
       },
       "", "unfinished '.partial' file"},
      {"text_file",
       [](const fs::path& d) {
         write_text(d / "notes.h5", "deployment,cycle_time_min\n1,42.0\n");
         return d / "notes.h5";
       },
       "", "is not an HDF5 file"},
      {"empty_file",
       [](const fs::path& d) {
         write_text(d / "empty.h5", "");
         return d / "empty.h5";
       },
       "", "is not an HDF5 file"},
      {"directory",
       [](const fs::path& d) {
         fs::create_directories(d / "results.h5");
         return d / "results.h5";
       },
       "", "is not a regular file"},
      {"truncated_file",
       [](const fs::path& d) {
         write_valid(d / "complete.h5");
         fs::copy_file(d / "complete.h5", d / "truncated.h5");
         fs::resize_file(d / "truncated.h5", fs::file_size(d / "complete.h5") / 2);
         return d / "truncated.h5";
       },
       "", "is truncated or damaged"},
      {"foreign_hdf5_file",
       [](const fs::path& d) {
         File::create(d / "foreign.h5").create_group("data");
         return d / "foreign.h5";
       },
       "", "has no 'schema' string attribute"},
      {"wrong_schema_name",
       [](const fs::path& d) {
         ResultsWriter writer(d / "other.h5", "some-other-tool");
         writer.finalize();
         return d / "other.h5";
       },
       "", "has schema 'some-other-tool'; expected schema 'genops-sim-results' version 3"},
      {"wrong_schema_version",
       [](const fs::path& d) {
         ResultsWriter writer(d / "future.h5", kResultsSchemaName, 4);
         writer.finalize();
         return d / "future.h5";
       },
       "", "version 4; expected schema 'genops-sim-results' version 3"},
      {"schema_version_2_without_in_flight_rows",
       [](const fs::path& d) {
         ResultsWriter writer(d / "v2.h5", kResultsSchemaName, 2);
         writer.finalize();
         return d / "v2.h5";
       },
       "",
       "without in-flight changes before 3); expected schema 'genops-sim-results' version 3: "
       "run the study again"},
      {"renamed_incomplete_file",
       [](const fs::path& d) {
         // What a partial renamed by hand looks like: status still "incomplete".
         File file = File::create(d / "renamed.h5");
         file.write_attribute("schema", kResultsSchemaName);
         file.write_attribute("schema_version", kResultsSchemaVersion);
         file.write_attribute("status", "incomplete");
         return d / "renamed.h5";
       },
       "", "is incomplete (status='incomplete'"},
      {"missing_status",
       [](const fs::path& d) {
         File file = File::create(d / "nostatus.h5");
         file.write_attribute("schema", kResultsSchemaName);
         file.write_attribute("schema_version", kResultsSchemaVersion);
         return d / "nostatus.h5";
       },
       "", "has no 'status' attribute"},
      {"missing_group",
       [](const fs::path& d) {
         write_valid(d / "results.h5");
         return d / "results.h5";
       },
       "/runs/genops/rep0/deployments", "has no group '/runs/genops/rep0/deployments'"},
  };
}

class BadResultsFile : public testing::TestWithParam<BadInput> {};

TEST_P(BadResultsFile, RaisesOneClearLineNamingTheFile) {
  const BadInput& input = GetParam();
  const fs::path path = input.make(case_directory(input.name));
  testing::internal::CaptureStderr();
  std::string message;
  try {
    const ResultsReader reader(path);
    if (!input.group.empty()) {
      reader.table(input.group);
    }
  } catch (const ResultsFileError& error) {
    message = error.what();
  }
  const std::string errors = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(message.empty()) << "no ResultsFileError for " << path;
  EXPECT_EQ(message.rfind("results file '" + path.string() + "'", 0), 0U) << message;
  EXPECT_NE(message.find(input.expected_message), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(errors, "") << "HDF5 printed to stderr";
}

INSTANTIATE_TEST_SUITE_P(Cases, BadResultsFile, testing::ValuesIn(bad_inputs()),
                         [](const testing::TestParamInfo<BadInput>& param) {
                           return param.param.name;
                         });

TEST(BadResultsFileOutput, UncreatableOutputIsAResultsFileError) {
  const fs::path path = case_directory("uncreatable") / "no-such-directory" / "out.h5";
  testing::internal::CaptureStderr();
  try {
    ResultsWriter writer(path);
    FAIL() << "created a file in a missing directory";
  } catch (const ResultsFileError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("cannot create results file '" + path.string() + "'"), std::string::npos)
        << message;
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace genops::results
