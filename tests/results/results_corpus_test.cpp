// The results-file corpus (tests/data/results, made by make_corpus.py): forged and damaged files
// and a byte-flip corpus of the intact base.h5, each through compare, report, audit verify and
// conformance. Every case gives its recorded exit code (0 or 2, never 1 or a crash) and the
// first words of its one-line message; a flip answered with exit 0 must print exactly what the
// intact file prints (no silently wrong answer). Issue 11 findings 2, 6, 8, 9 and 10.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scenarios/cli.hpp"

namespace genops::results {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GENOPS_SOURCE_DIR) / "tests/data/results";
const std::vector<std::string> kCommands = {"compare", "report", "audit", "conformance"};

fs::path scratch() {
  const fs::path dir =
      fs::path(GENOPS_BINARY_DIR) / "results_corpus_test" / std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

struct Expectation {
  std::string command;
  int exit_code = 0;
  std::string words;
};

struct CorpusCase {
  std::string name;
  fs::path file;             // a bad file, or base.h5 for flips
  std::uint64_t offset = 0;  // flips: the byte and the mask xor-ed into it
  int mask = 0;
  std::vector<Expectation> expected;
};

void PrintTo(const CorpusCase& each, std::ostream* out) {
  *out << each.name;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t'))
    fields.push_back(field);
  if (!line.empty() && line.back() == '\t')
    fields.emplace_back();
  return fields;
}

std::string case_name(std::string text) {
  std::replace_if(
      text.begin(), text.end(),
      [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; }, '_');
  return text;
}

std::vector<CorpusCase> bad_files() {
  std::vector<CorpusCase> cases;
  std::ifstream in(kCorpus / "manifest.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    const auto f = split_tabs(line);
    if (f.size() < 3)
      continue;
    if (cases.empty() || cases.back().file != kCorpus / f[0]) {
      CorpusCase c;
      c.name = case_name(fs::path(f[0]).stem().string());
      c.file = kCorpus / f[0];
      cases.push_back(c);
    }
    cases.back().expected.push_back({f[1], std::stoi(f[2]), f.size() > 3 ? f[3] : ""});
  }
  return cases;
}

std::vector<CorpusCase> flips() {
  std::vector<CorpusCase> cases;
  std::ifstream in(kCorpus / "flips.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    const auto f = split_tabs(line);
    if (f.size() < 4)
      continue;
    const std::uint64_t offset = std::stoull(f[0]);
    if (cases.empty() || cases.back().offset != offset) {
      CorpusCase c;
      c.name = "byte_" + f[0] + "_mask_" + f[1];
      c.file = kCorpus / "base.h5";
      c.offset = offset;
      c.mask = std::stoi(f[1]);
      cases.push_back(c);
    }
    cases.back().expected.push_back({f[2], std::stoi(f[3]), f.size() > 4 ? f[4] : ""});
  }
  return cases;
}

struct Outcome {
  int code = 0;
  std::string out;
  std::string err;
};

Outcome run(const std::string& command, const fs::path& file) {
  const fs::path html = scratch() / "report.html";
  fs::remove(html);
  std::vector<std::string> arguments;
  if (command == "compare")
    arguments = {"compare", file.string(), "--resamples", "50"};
  else if (command == "report")
    arguments = {"report", file.string(), "--html", html.string(), "--resamples", "50"};
  else if (command == "audit")
    arguments = {"audit", "verify", file.string()};
  else
    arguments = {"conformance", file.string()};
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Outcome outcome;
  outcome.code = scenarios::run_cli(arguments);
  outcome.out = ::testing::internal::GetCapturedStdout();
  outcome.err = ::testing::internal::GetCapturedStderr();
  return outcome;
}

// The message after "error: ", the file's path replaced by {file}, first six words.
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

std::string normalised(std::string text, const fs::path& file) {
  const std::string path = file.string();
  for (std::size_t at = text.find(path); at != std::string::npos; at = text.find(path))
    text.replace(at, path.size(), "{file}");
  return text;
}

void check(const CorpusCase& c, const fs::path& file) {
  ASSERT_EQ(c.expected.size(), kCommands.size()) << c.name;
  for (const Expectation& e : c.expected) {
    const Outcome outcome = run(e.command, file);
    EXPECT_EQ(outcome.code, e.exit_code) << c.name << " " << e.command << ": " << outcome.err;
    EXPECT_TRUE(outcome.code == 0 || outcome.code == 2) << c.name << " " << e.command;
    if (outcome.code == 2) {
      EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
      EXPECT_EQ(first_words(outcome.err, file), e.words) << c.name << " " << e.command;
    }
  }
}

class ForgedResultsFile : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(ForgedResultsFile, IsRefusedOnOneLineOrAnsweredCorrectly) {
  check(GetParam(), GetParam().file);
}

class FlippedResultsFile : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(FlippedResultsFile, IsRefusedOnOneLineOrGivesTheIntactAnswer) {
  const CorpusCase& c = GetParam();
  std::ifstream in(c.file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_LT(c.offset, bytes.size());
  bytes[c.offset] = static_cast<char>(bytes[c.offset] ^ c.mask);
  const fs::path flipped = scratch() / "flipped.h5";
  std::ofstream(flipped, std::ios::binary | std::ios::trunc) << bytes;
  check(c, flipped);
  for (const Expectation& e : c.expected) {
    if (e.exit_code == 0) {
      EXPECT_EQ(normalised(run(e.command, flipped).out, flipped),
                normalised(run(e.command, c.file).out, c.file))
          << c.name << " " << e.command << ": a different answer from a damaged file";
    }
  }
}

TEST(ResultsCorpus, CoversEveryCommandAndBothKinds) {
  EXPECT_GE(bad_files().size(), 15U);
  EXPECT_GE(flips().size(), 60U);
}

std::string param_name(const ::testing::TestParamInfo<CorpusCase>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, ForgedResultsFile, ::testing::ValuesIn(bad_files()), param_name);
INSTANTIATE_TEST_SUITE_P(Corpus, FlippedResultsFile, ::testing::ValuesIn(flips()), param_name);

}  // namespace
}  // namespace genops::results
