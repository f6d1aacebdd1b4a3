// The bad-input corpus: tests/data/scenarios/bad/*.toml, one broken scenario per error kind.
// Each file starts with
//   # expect: <fragment of the message>
//   # key: <the key the message names, or ->
//   # line: <the line the message names, or - when the error is not tied to one line>
//   # known-bug: <what is wrong>   (optional: the case is disabled until the bug is fixed)
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scenarios/cli.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GENOPS_SOURCE_DIR) / "tests/data/scenarios/bad";
const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";
const std::string kPaper = std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml";

struct BadCase {
  std::string name;
  fs::path path;
  std::string fragment;
  std::string key;  // "" when not applicable
  int line = 0;     // 0 when not applicable
  std::string known_bug;
};

void PrintTo(const BadCase& each, std::ostream* out) {
  *out << each.path.filename().string();
}

std::map<std::string, std::string> header_of(const fs::path& path) {
  std::ifstream in(path);
  std::map<std::string, std::string> header;
  std::string text;
  while (std::getline(in, text) && text.rfind("# ", 0) == 0) {
    const std::size_t colon = text.find(": ");
    if (colon == std::string::npos)
      break;
    header[text.substr(2, colon - 2)] = text.substr(colon + 2);
  }
  return header;
}

std::vector<BadCase> corpus() {
  std::vector<BadCase> cases;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() != ".toml")
      continue;
    auto header = header_of(entry.path());
    BadCase c;
    c.path = entry.path();
    c.name = entry.path().stem().string();
    c.fragment = header["expect"];
    c.key = header["key"] == "-" ? "" : header["key"];
    c.line = header["line"] == "-" || header["line"].empty() ? 0 : std::stoi(header["line"]);
    c.known_bug = header["known-bug"];
    cases.push_back(c);
  }
  std::sort(cases.begin(), cases.end(),
            [](const BadCase& a, const BadCase& b) { return a.path < b.path; });
  return cases;
}

// Cases whose file carries a "# known-bug:" line run under a DISABLED_ instantiation until the
// bug is fixed (the line says what is wrong); the others must pass.
std::vector<BadCase> corpus_cases(bool known_bugs) {
  std::vector<BadCase> out;
  for (auto& c : corpus()) {
    if (c.known_bug.empty() != known_bugs)
      out.push_back(std::move(c));
  }
  return out;
}

TEST(BadInputCorpus, EveryFileDeclaresWhatItExpects) {
  const auto cases = corpus();
  EXPECT_GE(cases.size(), 30U);
  for (const BadCase& c : cases) {
    std::ifstream in(c.path);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("# expect: ", 0), 0U) << c.path;
    EXPECT_FALSE(c.fragment.empty()) << c.path;
  }
}

// Runs a CLI command and returns (exit code, what it printed on stderr).
std::pair<int, std::string> cli(const std::vector<std::string>& arguments) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = run_cli(arguments);
  ::testing::internal::GetCapturedStdout();
  return {code, ::testing::internal::GetCapturedStderr()};
}

// The program's one strategy registry, as the CLI builds it.
models::StrategyRegistry builtin_strategies() {
  models::StrategyRegistry registry;
  models::register_builtin_strategies(registry);
  return registry;
}

class BadScenario : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScenario, FailsBeforeTheRunWithFileLineKeyAndExpectation) {
  const BadCase& c = GetParam();
  if (!c.known_bug.empty())
    RecordProperty("known_bug", c.known_bug);
  try {
    load_scenario(c.path.string(), builtin_strategies());
    FAIL() << c.path.filename() << " loaded without an error";
  } catch (const ScenarioError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    EXPECT_NE(message.find(c.path.filename().string()), std::string::npos) << message;
    EXPECT_NE(message.find(c.fragment), std::string::npos)
        << "expected '" << c.fragment << "' in: " << message;
    if (!c.key.empty()) {
      EXPECT_NE(message.find("key '" + c.key + "'"), std::string::npos)
          << "expected key '" << c.key << "' in: " << message;
    }
    if (c.line > 0) {
      EXPECT_NE(message.find(c.path.filename().string() + ":" + std::to_string(c.line) + ":"),
                std::string::npos)
          << "expected line " << c.line << " in: " << message;
    }
  }
  // The command line reports the same problem on one line and exits with 2 (never runs).
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"run", c.path.string(), "--quiet"},
        std::vector<std::string>{"validate", c.path.string()}}) {
    const auto [code, printed] = cli(command);
    EXPECT_EQ(code, 2) << command[0] << ": " << printed;
    EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 1) << printed;
    EXPECT_NE(printed.find(c.path.filename().string()), std::string::npos) << printed;
    EXPECT_NE(printed.find(c.fragment), std::string::npos) << printed;
  }
}

std::string case_name(const ::testing::TestParamInfo<BadCase>& param_info) {
  std::string name = param_info.param.name;
  std::replace_if(
      name.begin(), name.end(),
      [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) == 0; }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadScenario, ::testing::ValuesIn(corpus_cases(false)), case_name);
INSTANTIATE_TEST_SUITE_P(DISABLED_KnownBugs, BadScenario, ::testing::ValuesIn(corpus_cases(true)),
                         case_name);

TEST(CommandLine, ValidateAcceptsTheStudyScenarios) {
  EXPECT_EQ(cli({"validate", kPaper}).first, 0);
  EXPECT_EQ(cli({"validate", kQuick}).first, 0);
}

TEST(CommandLine, UnknownStrategyIsBadInputAndListsTheValidNames) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"run", kQuick, "--quiet", "--strategies", "baseline,gen0ps"},
        std::vector<std::string>{"validate", kQuick, "--strategies", "baseline,gen0ps"}}) {
    const auto [code, printed] = cli(command);
    EXPECT_EQ(code, 2) << command[0];
    EXPECT_NE(printed.find("unknown strategy 'gen0ps'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("genops-no-governance"), std::string::npos) << printed;
  }
}

TEST(CommandLine, BadSetKeyIsBadInputWithDidYouMean) {
  const auto [code, printed] = cli({"validate", kQuick, "--set", "genops.retrival_k=20"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(printed.find("key 'genops.retrival_k'"), std::string::npos) << printed;
  EXPECT_NE(printed.find("did you mean 'genops.retrieval_k'?"), std::string::npos) << printed;
  const auto run = cli({"run", kQuick, "--quiet", "--set", "baseline.deploy_minute=3"});
  EXPECT_EQ(run.first, 2);
  EXPECT_NE(run.second.find("did you mean 'baseline.deploy_minutes'?"), std::string::npos)
      << run.second;
}

TEST(CommandLine, BadSetValuesAreBadInput) {
  const std::vector<std::vector<std::string>> bad = {
      {"--set", "genops.retrieval_k=0"},          // out of range
      {"--set", "genops.retrieval_k=many"},       // wrong type
      {"--set", "genops.autonomy=AUTOPILOT"},     // not a level
      {"--set", "organizations.7.ci_runners=2"},  // no such organization
      {"--set", "organizations.x.ci_runners=2"},  // not an index
      {"--set", "genops.retrieval_k"},            // no value
      {"--set", "genops.medium_threshold=0.95"},  // breaks the threshold order
      {"--replications", "0"},
      {"--threads", "-1"},
      {"--batch-organizations", "-3"},
      {"--no-such-option"},
  };
  for (const auto& extra : bad) {
    std::vector<std::string> arguments = {"run", kQuick, "--quiet"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    const auto [code, printed] = cli(arguments);
    EXPECT_EQ(code, 2) << extra.back() << ": " << printed;
    EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 1) << printed;
  }
}

TEST(CommandLine, MissingFilesAndUnknownCommandsAreBadInput) {
  const auto missing = cli({"validate", "/nonexistent/scenario.toml"});
  EXPECT_EQ(missing.first, 2);
  EXPECT_NE(missing.second.find("/nonexistent/scenario.toml"), std::string::npos);
  EXPECT_EQ(cli({"frobnicate"}).first, 2);
  EXPECT_EQ(cli({}).first, 2);
  EXPECT_EQ(cli({"run"}).first, 2);  // no scenario
}

}  // namespace
}  // namespace genops::scenarios
