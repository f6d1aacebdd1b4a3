// The unreadable-telemetry corpus (tests/data/telemetry, made by make_corpus.py) and the
// non-regular inputs conformance must survive: each is one line and exit 2, never a crash, a
// hang or a library's exception text without file and line. Issue 11 findings 3, 8 and 10.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scenarios/cli.hpp"

namespace genops::telemetry {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GENOPS_SOURCE_DIR) / "tests/data/telemetry";

struct TelemetryCase {
  std::string name;
  int exit_code = 0;
  std::string words;
};

void PrintTo(const TelemetryCase& each, std::ostream* out) {
  *out << each.name;
}

std::vector<TelemetryCase> corpus() {
  std::vector<TelemetryCase> cases;
  std::ifstream in(kCorpus / "manifest.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::stringstream fields(line);
    TelemetryCase c;
    std::string code;
    std::getline(fields, c.name, '\t');
    std::getline(fields, code, '\t');
    std::getline(fields, c.words);
    c.exit_code = std::stoi(code);
    cases.push_back(c);
  }
  return cases;
}

std::pair<int, std::string> conformance(const fs::path& path) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = scenarios::run_cli({"conformance", path.string()});
  ::testing::internal::GetCapturedStdout();
  return {code, ::testing::internal::GetCapturedStderr()};
}

std::string first_words(std::string text, const fs::path& file) {
  const std::string path = file.string();
  for (std::size_t at = text.find(path); at != std::string::npos; at = text.find(path))
    text.replace(at, path.size(), "{file}");
  const std::size_t error = text.find("error: ");
  std::stringstream in(error == std::string::npos ? text : text.substr(error + 7));
  std::string word;
  std::string words;
  for (int n = 0; n < 6 && in >> word; ++n)
    words += (words.empty() ? "" : " ") + word;
  return words;
}

class UnreadableTelemetry : public ::testing::TestWithParam<TelemetryCase> {};

TEST_P(UnreadableTelemetry, IsOneLineWithFileAndLineAndExitTwo) {
  const TelemetryCase& c = GetParam();
  const fs::path path = kCorpus / c.name;
  const auto [code, printed] = conformance(path);
  EXPECT_EQ(code, c.exit_code) << printed;
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 1) << printed;
  EXPECT_EQ(printed.find('\x1b'), std::string::npos) << "raw escape echoed";
  EXPECT_NE(printed.find(path.string() + ":1: "), std::string::npos) << printed;
  EXPECT_EQ(first_words(printed, path), c.words);
}

std::string case_name(const ::testing::TestParamInfo<TelemetryCase>& param_info) {
  std::string name = fs::path(param_info.param.name).stem().string();
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, UnreadableTelemetry, ::testing::ValuesIn(corpus()), case_name);

TEST(UnreadableTelemetryInputs, ADirectoryIsNamed) {
  const fs::path dir = fs::path(GENOPS_BINARY_DIR) / "telemetry_corpus_test_dir";
  fs::create_directories(dir);
  const auto [code, printed] = conformance(dir);
  EXPECT_EQ(code, 2);
  EXPECT_NE(printed.find("is a directory; expected an OTLP/JSON lines file"), std::string::npos)
      << printed;
}

TEST(UnreadableTelemetryInputs, DevZeroStopsAtTheLineCap) {
  const auto [code, printed] = conformance("/dev/zero");
  EXPECT_EQ(code, 2);
  EXPECT_NE(printed.find("/dev/zero:1: a line longer than 64 MiB"), std::string::npos) << printed;
}

TEST(UnreadableTelemetryInputs, AFifoWithoutWriterDoesNotHang) {
  const fs::path fifo =
      fs::path(GENOPS_BINARY_DIR) / ("telemetry_fifo_" + std::to_string(::getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto [code, printed] = conformance(fifo);  // reads as empty: no records
  EXPECT_NE(code, 0) << printed;
  fs::remove(fifo);
}

}  // namespace
}  // namespace genops::telemetry
