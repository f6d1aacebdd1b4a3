// Writes the files python_loader_test.py reads with results/python/genops_results.py:
//   <dir>/results.h5           complete: root attributes, /runs/<strategy>/rep<k>/deployments,
//                              /runs/genops/rep0/summary, /lookup/outcomes and /lookup/services
//   <dir>/crashed.h5.4242-0123456789ab.partial   what a SIGKILLed writer leaves
//   <dir>/other.h5             a complete file of another schema
// Column values follow formulas the Python test recomputes.

#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "results/column_table.hpp"
#include "results/results_file.hpp"

namespace {

using genops::results::ColumnTableWriter;
using genops::results::Group;
using genops::results::ResultsWriter;

constexpr std::uint64_t kChunkRows = 4096;

void write_deployments(Group& run, std::uint64_t rows, std::uint64_t offset) {
  ColumnTableWriter table(run, "deployments", "deployment", kChunkRows);
  auto id = table.add_column<std::uint64_t>("deployment_id", "1");
  auto service = table.add_column<std::uint16_t>("service", "1");
  auto arrival = table.add_column<double>("arrival_time_s", "s");
  auto cycle = table.add_column<float>("cycle_time_min", "min", "deployment cycle time");
  auto outcome = table.add_categorical_column<std::uint8_t>(
      "outcome", {"success", "failed", "rolled_back"}, "deployment outcome");
  auto delta = table.add_column<std::int32_t>("delta", "1");
  for (std::uint64_t row = 0; row < rows; ++row) {
    id.push(row * 3 + offset);
    service.push(static_cast<std::uint16_t>(row % 7));
    arrival.push(static_cast<double>(row) * 1.5);
    cycle.push(static_cast<float>(row % 1000) * 0.5F);
    outcome.push(static_cast<std::uint8_t>(row % 3));
    delta.push(static_cast<std::int32_t>(row % 11) - 5);
  }
  table.finish();
}

void write_results(const std::filesystem::path& path) {
  ResultsWriter writer(path);
  auto& file = writer.file();
  file.write_attribute("master_seed", std::uint64_t{12345678901234567890ULL});
  file.write_attribute("replications", std::uint64_t{3});
  file.write_attribute("wall_time_s", 1.25);
  file.write_attribute("config_json", R"({"scenario": "d\u00e9mo", "threads": 2})");
  file.write_attribute("canary_fractions", std::vector<double>{0.01, 0.1, 0.5});
  const std::vector<std::string> services{"checkout", "payments", "search",       "auth",
                                          "catalog",  "billing",  "notifications"};
  genops::results::write_lookup_table<std::uint16_t>(file, "services", services);
  genops::results::write_lookup_table<std::uint8_t>(
      file, "outcomes", std::vector<std::string>{"success", "failed", "rolled_back"});
  // rep10 before rep2 in creation order: runs() must sort naturally.
  for (const std::string run_path :
       {"runs/baseline/rep0", "runs/baseline/rep10", "runs/baseline/rep2", "runs/genops/rep0"}) {
    Group run = file.create_group(run_path);
    const std::uint64_t rows = run_path == "runs/baseline/rep0" ? 10'000 : 50;
    write_deployments(run, rows, run_path == "runs/genops/rep0" ? 1 : 0);
  }
  Group genops = file.open_group("runs/genops/rep0");
  ColumnTableWriter summary(genops, "summary", "run", 16);
  summary.add_column<double>("median_cycle_time_min", "min").push(42.5);
  summary.add_column<std::uint64_t>("deployments", "1").push(50);
  summary.finish();
  writer.finalize();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: python_loader_writer <output-directory>\n";
    return 2;
  }
  try {
    const std::filesystem::path directory = argv[1];
    std::filesystem::create_directories(directory);
    write_results(directory / "results.h5");
    {
      // What a SIGKILLed writer leaves behind (any other end removes its partial).
      genops::results::File crashed =
          genops::results::File::create(directory / "crashed.h5.4242-0123456789ab.partial");
      crashed.write_attribute("schema", genops::results::kResultsSchemaName);
      crashed.write_attribute("schema_version", genops::results::kResultsSchemaVersion);
      crashed.write_attribute("status", "incomplete");
      crashed.create_group("runs/baseline/rep0");
    }
    ResultsWriter other(directory / "other.h5", "some-other-tool", 1);
    other.finalize();
    // Schema version 2 left in-flight changes out: the loader refuses it.
    ResultsWriter old(directory / "old.h5", genops::results::kResultsSchemaName, 2);
    old.finalize();
  } catch (const std::exception& error) {
    std::cerr << "python_loader_writer: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
