#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "engine/random.hpp"
#include "results/column_table.hpp"
#include "results/hdf5_file.hpp"
#include "results/results_file.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test (tests run as parallel processes under CTest).
fs::path test_directory() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path directory = fs::path(GENOPS_BINARY_DIR) / "test-tmp" / "results_hdf5" /
                       (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

// Deterministic values that use every bit of integer types and are exact in floating point.
template <Hdf5Numeric T>
T value_at(std::uint64_t row) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(row) * static_cast<T>(0.25) - static_cast<T>(1000);
  } else {
    return static_cast<T>(engine::splitmix64(row));
  }
}

template <Hdf5Numeric T>
void push_rows(Column<T> column, std::uint64_t rows) {
  for (std::uint64_t row = 0; row < rows; ++row) {
    column.push(value_at<T>(row));
  }
}

template <Hdf5Numeric T>
void expect_column(const ColumnTableReader& table, std::string_view name, std::uint64_t rows) {
  SCOPED_TRACE(std::string(name));
  EXPECT_EQ(table.column_type(name), element_type_of<T>());
  const std::vector<T> values = table.read<T>(name);
  ASSERT_EQ(values.size(), rows);
  for (std::uint64_t row = 0; row < rows; ++row) {
    if (values[row] != value_at<T>(row)) {
      FAIL() << "row " << row << ": " << +values[row] << " != " << +value_at<T>(row);
    }
  }
}

constexpr std::uint64_t kRows = 150'000;  // three 64 Ki-row chunks, the last one partial

TEST(ColumnTable, RoundTripsEveryColumnTypeAcrossChunks) {
  const fs::path path = test_directory() / "round_trip.h5";
  {
    ResultsWriter writer(path);
    Group run = writer.file().create_group("runs/baseline/rep0");
    ColumnTableWriter table(run, "deployments", "deployment");
    auto i8 = table.add_column<std::int8_t>("i8", "1");
    auto i16 = table.add_column<std::int16_t>("i16", "1");
    auto i32 = table.add_column<std::int32_t>("i32", "1");
    auto i64 = table.add_column<std::int64_t>("i64", "1");
    auto u8 = table.add_column<std::uint8_t>("u8", "1");
    auto u16 = table.add_column<std::uint16_t>("u16", "1");
    auto u32 = table.add_column<std::uint32_t>("u32", "1");
    auto u64 = table.add_column<std::uint64_t>("u64", "1");
    auto f32 = table.add_column<float>("cycle_time_min", "min", "deployment cycle time");
    auto f64 = table.add_column<double>("f64", "s");
    push_rows(i8, kRows);
    push_rows(i16, kRows);
    push_rows(i32, kRows);
    push_rows(i64, kRows);
    push_rows(u8, kRows);
    push_rows(u16, kRows);
    push_rows(u32, kRows);
    push_rows(u64, kRows);
    push_rows(f32, kRows);
    push_rows(f64, kRows);
    EXPECT_EQ(table.rows(), kRows);
    table.finish();
    writer.finalize();
  }
  const ResultsReader reader(path);
  const ColumnTableReader table = reader.table("/runs/baseline/rep0/deployments");
  EXPECT_EQ(table.rows(), kRows);
  EXPECT_EQ(table.dimension_name(), "deployment");
  EXPECT_EQ(table.column_names(),
            (std::vector<std::string>{"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
                                      "cycle_time_min", "f64"}));
  expect_column<std::int8_t>(table, "i8", kRows);
  expect_column<std::int16_t>(table, "i16", kRows);
  expect_column<std::int32_t>(table, "i32", kRows);
  expect_column<std::int64_t>(table, "i64", kRows);
  expect_column<std::uint8_t>(table, "u8", kRows);
  expect_column<std::uint16_t>(table, "u16", kRows);
  expect_column<std::uint32_t>(table, "u32", kRows);
  expect_column<std::uint64_t>(table, "u64", kRows);
  expect_column<float>(table, "cycle_time_min", kRows);
  expect_column<double>(table, "f64", kRows);
  EXPECT_EQ(table.units("cycle_time_min"), "min");
  EXPECT_EQ(table.column("cycle_time_min").read_string_attribute("long_name"),
            "deployment cycle time");
  EXPECT_FALSE(table.column("f64").has_attribute("long_name"));

  const std::vector<std::uint64_t> index =
      table.group().open_dataset("deployment").read<std::uint64_t>();
  ASSERT_EQ(index.size(), kRows);
  for (std::uint64_t row = 0; row < kRows; ++row) {
    ASSERT_EQ(index[row], row);
  }
}

TEST(ColumnTable, EmptyTableHasColumnsAndNoRows) {
  const fs::path path = test_directory() / "empty.h5";
  {
    File file = File::create(path);
    ColumnTableWriter table(file, "audit", "entry");
    table.add_column<std::uint64_t>("sequence", "1");
    table.finish();
  }
  const File file = File::open(path);
  const ColumnTableReader table(file, "audit");
  EXPECT_EQ(table.rows(), 0U);
  EXPECT_EQ(table.read<std::uint64_t>("sequence").size(), 0U);
}

TEST(ColumnTable, AppendsWholeChunksWhileRowsArrive) {
  const fs::path path = test_directory() / "streaming.h5";
  constexpr std::uint64_t kChunkRows = 1000;
  File file = File::create(path);
  ColumnTableWriter table(file, "deployments", "deployment", kChunkRows);
  auto column = table.add_column<double>("value", "1");
  push_rows(column, kChunkRows - 1);
  EXPECT_EQ(file.open_dataset("deployments/value").size(), 0U);  // still buffered
  push_rows(column, 2);
  EXPECT_EQ(file.open_dataset("deployments/value").size(), kChunkRows);  // one chunk written
  EXPECT_EQ(column.rows(), kChunkRows + 1);
  table.finish();
  EXPECT_EQ(file.open_dataset("deployments/value").size(), kChunkRows + 1);
}

TEST(ColumnTable, ColumnsAreChunkedShuffledAndDeflated) {
  const fs::path path = test_directory() / "layout.h5";
  {
    File file = File::create(path);
    ColumnTableWriter table(file, "deployments", "deployment");
    push_rows(table.add_column<float>("cycle_time_min", "min"), 10);
    table.finish();
  }
  const File file = File::open(path);
  const Dataset column = file.open_dataset("deployments/cycle_time_min");
  const hid_t creation = H5Dget_create_plist(column.id());
  ASSERT_GE(creation, 0);
  hsize_t chunk = 0;
  EXPECT_EQ(H5Pget_layout(creation), H5D_CHUNKED);
  EXPECT_EQ(H5Pget_chunk(creation, 1, &chunk), 1);
  EXPECT_EQ(chunk, kDefaultChunkRows);
  ASSERT_EQ(H5Pget_nfilters(creation), 3);  // shuffle, deflate, then the Fletcher-32 checksum
  std::array<unsigned, 1> level{};
  std::size_t elements = level.size();
  unsigned flags = 0;
  EXPECT_EQ(H5Pget_filter2(creation, 0, &flags, &elements, level.data(), 0, nullptr, nullptr),
            H5Z_FILTER_SHUFFLE);
  elements = level.size();
  EXPECT_EQ(H5Pget_filter2(creation, 1, &flags, &elements, level.data(), 0, nullptr, nullptr),
            H5Z_FILTER_DEFLATE);
  EXPECT_EQ(level[0], 1U);
  elements = 0;
  EXPECT_EQ(H5Pget_filter2(creation, 2, &flags, &elements, nullptr, 0, nullptr, nullptr),
            H5Z_FILTER_FLETCHER32);
  H5Pclose(creation);

  const hid_t space = H5Dget_space(column.id());
  hsize_t maximum = 0;
  H5Sget_simple_extent_dims(space, nullptr, &maximum);
  EXPECT_EQ(maximum, H5S_UNLIMITED);
  H5Sclose(space);

  // Library-version bounds (v110, v110): the 1.10 format's checksummed metadata, no SWMR.
  const hid_t access = H5Fget_access_plist(file.id());
  H5F_libver_t low = H5F_LIBVER_LATEST;
  H5F_libver_t high = H5F_LIBVER_EARLIEST;
  H5Pget_libver_bounds(access, &low, &high);
  H5Pclose(access);
  EXPECT_EQ(low, H5F_LIBVER_V110);
  EXPECT_EQ(high, H5F_LIBVER_V110);
}

// Chunks are encoded by this library (shuffle, deflate, Fletcher-32) and stored raw; HDF5's own
// filter pipeline must decode and verify them for every combination of options.
TEST(ColumnTable, SelfEncodedChunksDecodeForEveryFilterCombination) {
  const fs::path directory = test_directory();
  constexpr std::uint64_t kChunkRows = 1000;
  constexpr std::uint64_t kTableRows = 4321;
  for (const unsigned gzip_level : {0U, 1U, 9U}) {
    for (const bool shuffle : {false, true}) {
      SCOPED_TRACE("gzip " + std::to_string(gzip_level) + " shuffle " + std::to_string(shuffle));
      const fs::path path = directory / ("filters_" + std::to_string(gzip_level) + "_" +
                                         std::to_string(shuffle) + ".h5");
      {
        File file = File::create(path);
        ColumnTableWriter table(file, "t", "row", kChunkRows, gzip_level, shuffle);
        push_rows(table.add_column<std::uint16_t>("u16", "1"), kTableRows);
        push_rows(table.add_column<double>("f64", "1"), kTableRows);
        push_rows(table.add_column<std::int8_t>("i8", "1"), kTableRows);
        table.finish();
      }
      const File file = File::open(path);
      const ColumnTableReader table(file, "t");
      expect_column<std::uint16_t>(table, "u16", kTableRows);
      expect_column<double>(table, "f64", kTableRows);
      expect_column<std::int8_t>(table, "i8", kTableRows);
      const hid_t creation = H5Dget_create_plist(table.column("f64").id());
      EXPECT_EQ(H5Pget_nfilters(creation), (gzip_level > 0 ? 1 : 0) + (shuffle ? 1 : 0) + 1);
      H5Pclose(creation);
    }
  }
}

TEST(ColumnTable, DimensionScaleIsAttachedToEveryColumn) {
  const fs::path path = test_directory() / "scale.h5";
  {
    File file = File::create(path);
    ColumnTableWriter table(file, "deployments", "deployment");
    push_rows(table.add_column<std::uint8_t>("outcome", "1"), 5);
    push_rows(table.add_column<float>("cycle_time_min", "min"), 5);
    table.finish();
  }
  const File file = File::open(path);
  const Group group = file.open_group("deployments");
  const Dataset scale = group.open_dataset("deployment");
  EXPECT_TRUE(scale.is_dimension_scale());
  EXPECT_EQ(scale.read_string_attribute("NAME"), "deployment");
  for (const char* name : {"outcome", "cycle_time_min"}) {
    const Dataset column = group.open_dataset(name);
    EXPECT_FALSE(column.is_dimension_scale()) << name;
    EXPECT_TRUE(column.is_attached(scale)) << name;
    EXPECT_EQ(H5DSis_attached(column.id(), scale.id(), 0), 1) << name;  // independent check
  }
  EXPECT_EQ(H5DSis_scale(scale.id()), 1);
}

TEST(ColumnTable, CategoricalColumnsCarryFlagAttributes) {
  const fs::path path = test_directory() / "categorical.h5";
  {
    File file = File::create(path);
    ColumnTableWriter table(file, "deployments", "deployment");
    auto outcome = table.add_categorical_column<std::uint8_t>(
        "outcome", {"success", "failed", "rolled_back"}, "deployment outcome");
    const std::array<Category<std::int32_t>, 2> risk{{{-1, "unknown"}, {7, "high"}}};
    auto level = table.add_categorical_column<std::int32_t>(
        "risk_level", std::span<const Category<std::int32_t>>(risk));
    outcome.push(2);
    level.push(7);
    table.finish();
  }
  const File file = File::open(path);
  const ColumnTableReader table(file, "deployments");
  const Dataset outcome = table.column("outcome");
  EXPECT_EQ(outcome.read_array_attribute<std::uint8_t>("flag_values"),
            (std::vector<std::uint8_t>{0, 1, 2}));
  EXPECT_EQ(outcome.attribute_type("flag_values"), ElementType::U8);
  EXPECT_EQ(outcome.read_string_attribute("flag_meanings"), "success failed rolled_back");
  EXPECT_EQ(table.units("outcome"), "1");
  const auto categories = table.categories("risk_level");
  ASSERT_EQ(categories.size(), 2U);
  EXPECT_EQ(categories[0].code, -1);
  EXPECT_EQ(categories[0].label, "unknown");
  EXPECT_EQ(categories[1].code, 7);
  EXPECT_EQ(categories[1].label, "high");
  EXPECT_TRUE(table.categories("outcome").size() == 3U);
}

TEST(ColumnTable, LookupTablesRoundTrip) {
  const fs::path path = test_directory() / "lookup.h5";
  {
    File file = File::create(path);
    const std::vector<std::string> services{"checkout", "payments", "search \xC3\xA9t\xC3\xA9"};
    write_lookup_table<std::uint16_t>(file, "services", services);
    const std::array<Category<std::uint8_t>, 2> orgs{{{3, "acme"}, {9, "globex"}}};
    write_lookup_table(file, "organizations", std::span<const Category<std::uint8_t>>(orgs));
  }
  const File file = File::open(path);
  const auto services = read_lookup_table(file, "services");
  ASSERT_EQ(services.size(), 3U);
  EXPECT_EQ(services[2].code, 2);
  EXPECT_EQ(services[2].label, "search \xC3\xA9t\xC3\xA9");  // UTF-8 survives
  const auto organizations = read_lookup_table(file, "organizations");
  ASSERT_EQ(organizations.size(), 2U);
  EXPECT_EQ(organizations[1].code, 9);
  EXPECT_EQ(organizations[1].label, "globex");
  const Group group = file.open_group("/lookup/services");
  EXPECT_EQ(group.open_dataset("code").element_type(), ElementType::U16);
  EXPECT_TRUE(group.open_dataset("label").is_attached(group.open_dataset("code")));
}

TEST(ColumnTable, ReadsWideningConversionsAndRefusesNarrowing) {
  const fs::path path = test_directory() / "conversion.h5";
  {
    File file = File::create(path);
    ColumnTableWriter table(file, "t", "row");
    auto small = table.add_column<std::uint8_t>("small", "1");
    auto big = table.add_column<std::int64_t>("big", "1");
    auto single = table.add_column<float>("single", "1");
    small.push(200);
    big.push(-5'000'000'000);
    single.push(1.5F);
    table.finish();
  }
  const File file = File::open(path);
  const ColumnTableReader table(file, "t");
  EXPECT_EQ(table.read_as_double("small"), std::vector<double>{200.0});
  EXPECT_EQ(table.read_as_double("big"), std::vector<double>{-5e9});
  EXPECT_EQ(table.read_as_double("single"), std::vector<double>{1.5});
  EXPECT_EQ(table.read<std::int32_t>("small"), std::vector<std::int32_t>{200});
  EXPECT_EQ(table.read<float>("small"), std::vector<float>{200.0F});
  try {
    table.read<std::int32_t>("big");
    FAIL() << "narrowing read accepted";
  } catch (const Hdf5Error& error) {
    EXPECT_EQ(error.call(), "H5Dread");
    EXPECT_EQ(error.object_path(), "/t/big");
    EXPECT_NE(std::string(error.what()).find("cannot be read as i32"), std::string::npos);
  }
  EXPECT_THROW(table.read<std::int8_t>("small"), Hdf5Error);
  EXPECT_THROW(table.read<std::int64_t>("single"), Hdf5Error);
  EXPECT_THROW(table.read<double>("missing"), Hdf5Error);
}

TEST(Attributes, RoundTripOnFileAndGroup) {
  const fs::path path = test_directory() / "attributes.h5";
  {
    File file = File::create(path);
    file.write_attribute("config_json", R"({"seed": 42, "name": "d\u00e9mo"})");
    file.write_attribute("master_seed", std::uint64_t{18'446'744'073'709'551'615ULL});
    file.write_attribute("offset", std::int64_t{-42});
    file.write_attribute("wall_time_s", 12.5);
    file.write_attribute("thresholds", std::vector<double>{0.1, 0.5, 0.9});
    file.write_attribute("status", "incomplete");
    file.write_attribute("status", "complete");  // replaces
    Group group = file.create_group("runs/genops");
    group.write_attribute("replications", std::vector<std::uint64_t>{0, 1, 2});
    group.write_attribute("stages", std::vector<std::int64_t>{});
    group.write_attribute("label", "");
  }
  const File file = File::open(path);
  EXPECT_EQ(file.read_string_attribute("config_json"), R"({"seed": 42, "name": "d\u00e9mo"})");
  EXPECT_EQ(file.read_attribute<std::uint64_t>("master_seed"), 18'446'744'073'709'551'615ULL);
  EXPECT_EQ(file.attribute_type("master_seed"), ElementType::U64);
  EXPECT_EQ(file.read_attribute<std::int64_t>("offset"), -42);
  EXPECT_EQ(file.read_attribute<double>("wall_time_s"), 12.5);
  EXPECT_EQ(file.read_array_attribute<double>("thresholds"), (std::vector<double>{0.1, 0.5, 0.9}));
  EXPECT_EQ(file.read_string_attribute("status"), "complete");
  EXPECT_EQ(file.attribute_names(),
            (std::vector<std::string>{"config_json", "master_seed", "offset", "wall_time_s",
                                      "thresholds", "status"}));
  const Group group = file.open_group("/runs/genops");
  EXPECT_EQ(group.path(), "/runs/genops");
  EXPECT_EQ(group.read_array_attribute<std::uint64_t>("replications"),
            (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_TRUE(group.read_array_attribute<std::int64_t>("stages").empty());
  EXPECT_EQ(group.read_string_attribute("label"), "");
  EXPECT_THROW(file.read_attribute<std::int64_t>("master_seed"), Hdf5Error);  // u64 -> i64 narrows
  EXPECT_THROW(file.read_attribute<double>("thresholds"), Hdf5Error);         // not one element
  EXPECT_THROW(file.read_string_attribute("offset"), Hdf5Error);
  EXPECT_THROW(file.read_string_attribute("absent"), Hdf5Error);
}

TEST(Groups, ListInCreationOrderAndReportExistence) {
  const fs::path path = test_directory() / "groups.h5";
  File file = File::create(path);
  file.create_group("runs/zeta/rep0");
  file.create_group("runs/alpha/rep0");
  file.require_group("runs/alpha/rep1");
  Group alpha = file.require_group("runs/alpha");
  EXPECT_EQ(file.open_group("runs").group_names(), (std::vector<std::string>{"zeta", "alpha"}));
  EXPECT_EQ(alpha.group_names(), (std::vector<std::string>{"rep0", "rep1"}));
  EXPECT_TRUE(file.has_group("/runs/alpha/rep1"));
  EXPECT_TRUE(alpha.has_group("rep0"));
  EXPECT_FALSE(file.has_group("runs/beta/rep0"));
  EXPECT_FALSE(file.has_dataset("runs/alpha"));
  EXPECT_THROW(file.create_group("runs/alpha"), Hdf5Error);  // exists already
}

TEST(Hdf5Error, NamesTheCallThePathAndTheFileWithoutPrintingTheStack) {
  const fs::path path = test_directory() / "errors.h5";
  File file = File::create(path);
  Group group = file.create_group("runs");
  testing::internal::CaptureStderr();
  try {
    group.open_dataset("deployments");
    FAIL() << "opened a missing dataset";
  } catch (const Hdf5Error& error) {
    EXPECT_EQ(error.call(), "H5Dopen2");
    EXPECT_EQ(error.object_path(), "/runs/deployments");
    const std::string message = error.what();
    EXPECT_NE(message.find("H5Dopen2 failed on '/runs/deployments'"), std::string::npos) << message;
    EXPECT_NE(message.find("errors.h5"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // Error printing is per thread in the thread-safe library: a fresh thread stays silent too.
  std::thread worker(
      [&] { EXPECT_THROW(File::open(path.parent_path() / "missing.h5"), Hdf5Error); });
  worker.join();
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(ResultsFile, FinalizeWritesStatusLastAndRenames) {
  const fs::path path = test_directory() / "results.h5";
  ResultsWriter writer(path);
  EXPECT_TRUE(is_partial_of(writer.partial_path(), path)) << writer.partial_path();
  EXPECT_TRUE(fs::exists(writer.partial_path()));
  EXPECT_FALSE(fs::exists(path));
  Group runs = writer.file().create_group("runs");  // left open: finalize closes it
  writer.file().write_attribute("master_seed", std::uint64_t{7});
  writer.finalize();
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(writer.partial_path()));
  const ResultsReader reader(path);
  EXPECT_EQ(reader.file().read_string_attribute("status"), "complete");
  EXPECT_EQ(reader.file().read_string_attribute("schema"), "genops-sim-results");
  EXPECT_EQ(reader.file().read_attribute<std::uint64_t>("schema_version"), kResultsSchemaVersion);
  EXPECT_EQ(reader.file().attribute_names().back(), "status");  // written last
  EXPECT_TRUE(reader.has_group("runs"));
}

// No partial of `path` left in its directory.
bool no_partial_of(const fs::path& path) {
  return std::none_of(fs::directory_iterator(path.parent_path()), fs::directory_iterator(),
                      [&](const auto& entry) { return is_partial_of(entry.path(), path); });
}

TEST(ResultsFile, WriterDestroyedWithoutFinalizeRemovesThePartialFile) {
  const fs::path path = test_directory() / "crashed.h5";
  fs::path partial;
  {
    ResultsWriter writer(path);
    partial = writer.partial_path();
    Group run = writer.file().create_group("runs/baseline/rep0");
    ColumnTableWriter table(run, "deployments", "deployment");
    push_rows(table.add_column<double>("value", "1"), 10);
    table.finish();
    ASSERT_TRUE(fs::exists(partial));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_TRUE(no_partial_of(path));
}

TEST(ResultsFile, WriterUnwoundByAnExceptionRemovesThePartialFile) {
  const fs::path path = test_directory() / "thrown.h5";
  EXPECT_THROW(
      {
        ResultsWriter writer(path);
        ColumnTableWriter table(writer.file(), "deployments", "deployment");
        push_rows(table.add_column<double>("value", "1"), 10);
        throw std::runtime_error("simulated failure");  // unfinished table: no assertion
      },
      std::runtime_error);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(no_partial_of(path));
}

TEST(ResultsFile, FinalizeReplacesAnOlderFileAndHonoursSchemaParameters) {
  const fs::path path = test_directory() / "replaced.h5";
  for (const std::uint64_t seed : {1U, 2U}) {
    ResultsWriter writer(path, "genops-sim-index", 3);
    writer.file().write_attribute("master_seed", seed);
    writer.finalize();
  }
  const ResultsReader reader(path, "genops-sim-index", 3);
  EXPECT_EQ(reader.file().read_attribute<std::uint64_t>("master_seed"), 2U);
  EXPECT_THROW(ResultsReader{path}, ResultsFileError);  // default schema differs
}

TEST(ResultsFileDeathTest, FinalizeWithAnUnfinishedTableIsABug) {
  const fs::path path = test_directory() / "unfinished.h5";
  EXPECT_DEATH(
      {
        ResultsWriter writer(path);
        ColumnTableWriter table(writer.file(), "deployments", "deployment");
        table.add_column<double>("value", "1").push(1.0);
        writer.finalize();
      },
      "finish\\(\\) every ColumnTableWriter");
}

TEST(ColumnTableDeathTest, UnequalColumnLengthsAreABug) {
  const fs::path path = test_directory() / "unequal.h5";
  EXPECT_DEATH(
      {
        File file = File::create(path);
        ColumnTableWriter table(file, "deployments", "deployment");
        table.add_column<double>("a", "1").push(1.0);
        table.add_column<double>("b", "1");
        table.finish();
      },
      "has 0 rows, the table has 1");
}

}  // namespace
}  // namespace genops::results
