// Issue 11 through the command line: outputs that would destroy a file (finding 1), a full disk
// (7), limits validate must know (5, 8), non-regular and hostile inputs, flags that wrapped (10).
// Each case failed before the fix; each is one line and exit 2 now, checked before any work.
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scenarios/cli.hpp"

namespace genops::scenarios {
namespace {

namespace fs = std::filesystem;

const std::string kQuick = std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml";
const std::string kTiny = std::string(GENOPS_SOURCE_DIR) + "/tests/data/results/tiny.toml";

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::path(GENOPS_BINARY_DIR) / "hostile_input_test" / std::to_string(::getpid()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct Result {
  int code = 0;
  std::string err;
};

Result cli(const std::vector<std::string>& arguments) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Result result;
  result.code = run_cli(arguments);
  ::testing::internal::GetCapturedStdout();
  result.err = ::testing::internal::GetCapturedStderr();
  return result;
}

void expect_refused(const std::vector<std::string>& arguments, const std::string& fragment) {
  const Result result = cli(arguments);
  EXPECT_EQ(result.code, 2) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_NE(result.err.find(fragment), std::string::npos) << result.err;
}

bool has_partial(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".partial")
      return true;
  }
  return false;
}

std::string text_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---- Finding 1: the final rename replaced whatever was at the output path ----

TEST(HostileOutputs, ADeviceIsNeverReplaced) {
  expect_refused({"run", kTiny, "--quiet", "--out", "/dev/null", "--force"},
                 "--out '/dev/null' exists and is a character device");
  struct stat status {};
  ASSERT_EQ(::stat("/dev/null", &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
}

TEST(HostileOutputs, TheScenarioIsNotOverwrittenByItsResults) {
  const fs::path dir = scratch("scenario");
  fs::copy_file(kTiny, dir / "s.toml");
  const std::string before = text_of(dir / "s.toml");
  expect_refused(
      {"run", (dir / "s.toml").string(), "--quiet", "--out", (dir / "s.toml").string(), "--force"},
      "is the input");
  EXPECT_EQ(text_of(dir / "s.toml"), before);
}

TEST(HostileOutputs, TelemetryCannotReplaceTheResults) {
  const fs::path dir = scratch("same");
  expect_refused({"run", kTiny, "--quiet", "--out", (dir / "x.h5").string(), "--telemetry",
                  (dir / "x.h5").string()},
                 "is the same file as --out");
  EXPECT_FALSE(fs::exists(dir / "x.h5"));
}

TEST(HostileOutputs, TheReportCannotOverwriteItsResultsFile) {
  const fs::path dir = scratch("report");
  const fs::path results = dir / "q.h5";
  ASSERT_EQ(cli({"run", kTiny, "--quiet", "--out", results.string()}).code, 0);
  const std::string before = text_of(results);
  expect_refused({"report", results.string(), "--html", results.string(), "--force"},
                 "is the input");
  EXPECT_EQ(text_of(results), before);
  // And an existing report is kept without --force, replaced with it.
  std::ofstream(dir / "r.html") << "keep";
  expect_refused({"report", results.string(), "--html", (dir / "r.html").string()}, "add --force");
  EXPECT_EQ(text_of(dir / "r.html"), "keep");
  EXPECT_EQ(cli({"report", results.string(), "--html", (dir / "r.html").string(), "--force",
                 "--resamples", "50"})
                .code,
            0);
  EXPECT_NE(text_of(dir / "r.html"), "keep");
}

TEST(HostileOutputs, ADirectoryOrAnEmptyNameIsRefusedBeforeTheStudyRuns) {
  const fs::path dir = scratch("directory");
  fs::create_directories(dir / "out.h5");
  expect_refused({"run", kQuick, "--quiet", "--out", (dir / "out.h5").string(), "--force"},
                 "is a directory");
  expect_refused({"run", kQuick, "--quiet", "--out", ""}, "expected a file path, got an empty one");
  expect_refused({"run", kQuick, "--quiet", "--telemetry", (dir / "missing" / "t.jsonl").string()},
                 "does not exist");
  EXPECT_FALSE(has_partial(dir));
  EXPECT_FALSE(fs::exists(".partial"));
}

TEST(HostileOutputs, AnExistingResultsFileIsKeptWithoutForce) {
  const fs::path dir = scratch("existing");
  std::ofstream(dir / "old.h5") << "previous study";
  expect_refused({"run", kTiny, "--quiet", "--out", (dir / "old.h5").string()}, "add --force");
  EXPECT_EQ(text_of(dir / "old.h5"), "previous study");
  EXPECT_EQ(cli({"run", kTiny, "--quiet", "--out", (dir / "old.h5").string(), "--force"}).code, 0);
  EXPECT_EQ(cli({"compare", (dir / "old.h5").string(), "--resamples", "50"}).code, 0);
}

// ---- Finding 7: a full disk (RLIMIT_FSIZE stands in: writes fail with EFBIG) ----

void run_with_file_limit(const std::vector<std::string>& arguments, rlim_t bytes) {
  std::signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{bytes, bytes};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  std::exit(run_cli(arguments));
}

TEST(HostileOutputs, AFullDiskIsOneLineWithTheReasonAndNoCrash) {
  const fs::path dir = scratch("full");
  EXPECT_EXIT(
      run_with_file_limit({"run", kTiny, "--quiet", "--out", (dir / "r.h5").string()}, 64 * 1024),
      ::testing::ExitedWithCode(2), "--out .*File too large");
  EXPECT_EXIT(run_with_file_limit(
                  {"run", kTiny, "--quiet", "--telemetry", (dir / "t.jsonl").string()}, 16 * 1024),
              ::testing::ExitedWithCode(2), "--telemetry .*writing failed: File too large");
  ASSERT_EQ(cli({"run", kTiny, "--quiet", "--out", (dir / "ok.h5").string()}).code, 0);
  EXPECT_EXIT(run_with_file_limit({"report", (dir / "ok.h5").string(), "--html",
                                   (dir / "r.html").string(), "--resamples", "50"},
                                  4096),
              ::testing::ExitedWithCode(2), "--html .*writing failed: File too large");
  EXPECT_FALSE(fs::exists(dir / "r.h5"));
  EXPECT_FALSE(fs::exists(dir / "t.jsonl"));
  EXPECT_FALSE(fs::exists(dir / "r.html"));
  EXPECT_FALSE(has_partial(dir));
}

// ---- Findings 5 and 8: limits the run and its writers have, known to validate ----

std::string organizations_scenario(std::size_t organizations) {
  std::string text =
      "name = \"many\"\nseed = 1\nreplications = 1\nduration_days = 1\ndrain_days = 1\n"
      "start_date = \"2025-01-06\"\n";
  for (std::size_t o = 0; o < organizations; ++o) {
    text += "[[organizations]]\nservices = 1\n";  // named org<index> by default
  }
  return text;
}

TEST(HostileLimits, ThreeHundredOrganizationsRunAndWriteTheirResults) {
  // Codes were u8: 257 organizations validated, then aborted when the results were written.
  const fs::path dir = scratch("organizations");
  std::ofstream(dir / "many.toml") << organizations_scenario(300);
  ASSERT_EQ(cli({"validate", (dir / "many.toml").string()}).code, 0);
  const Result run =
      cli({"run", (dir / "many.toml").string(), "--quiet", "--out", (dir / "many.h5").string()});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(cli({"audit", "verify", (dir / "many.h5").string()}).code, 0);
  EXPECT_EQ(cli({"compare", (dir / "many.h5").string(), "--resamples", "50"}).code, 0);
}

TEST(HostileLimits, MoreOrganizationsThanTheCodesHoldAreRefused) {
  const fs::path dir = scratch("too_many");
  std::ofstream(dir / "huge.toml") << organizations_scenario(65536);
  expect_refused({"validate", (dir / "huge.toml").string()},
                 "at most 65535 [[organizations]] tables (organization codes are 16-bit), got "
                 "65536");
}

TEST(HostileLimits, NonRegularScenarioFilesAreRefusedWithoutReading) {
  const fs::path dir = scratch("non_regular");
  expect_refused({"validate", dir.string()}, "is not a regular file (a directory)");
  expect_refused({"validate", "/dev/zero"}, "is not a regular file");
  ASSERT_EQ(::mkfifo((dir / "fifo.toml").c_str(), 0600), 0);
  expect_refused({"validate", (dir / "fifo.toml").string()}, "is not a regular file");
  std::ofstream(dir / "big.toml") << std::string((4 << 20) + 1, '#');
  expect_refused({"validate", (dir / "big.toml").string()}, "expected a scenario file of at most");
}

TEST(HostileLimits, SeedsAndReplicationsStayInRange) {
  expect_refused({"validate", kTiny, "--seed", "-1"}, "--seed: expected an integer in [0,");
  expect_refused({"validate", kTiny, "--seed", "9223372036854775808"}, "got '9223372036854775808'");
  expect_refused({"validate", kTiny, "--seed", "12abc"}, "got '12abc'");
  EXPECT_EQ(cli({"validate", kTiny, "--seed", "9223372036854775807"}).code, 0);
  expect_refused({"validate", kTiny, "--replications", "4294967295"}, "--replications");
  expect_refused({"validate", kTiny, "--set", "replications=10001"}, "got 10001");
}

TEST(HostileLimits, AStartDateWhoseTelemetryWouldOverflowIsRefusedAndTheLastOneConforms) {
  expect_refused({"validate", kTiny, "--set", "start_date=\"2262-04-12\""}, "got '2262-04-12'");
  const fs::path dir = scratch("dates");
  for (const char* date : {"1970-01-01", "2200-12-31"}) {
    const fs::path telemetry = dir / (std::string(date) + ".jsonl");
    ASSERT_EQ(cli({"run", kTiny, "--quiet", "--strategies", "genops", "--set",
                   std::string("start_date=\"") + date + "\"", "--telemetry", telemetry.string()})
                  .code,
              0);
    EXPECT_EQ(cli({"conformance", telemetry.string()}).code, 0) << date;
  }
}

TEST(HostileLimits, APinnedRunUsesTheThreadsItReportsWithoutATbbWarning) {
  const fs::path dir = scratch("pinned");
  const fs::path err = dir / "stderr.txt";
  const fs::path out = dir / "stdout.txt";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    ::sched_setaffinity(0, sizeof one, &one);
    std::freopen(err.c_str(), "w", stderr);
    std::freopen(out.c_str(), "w", stdout);
    const int code = run_cli({"run", kTiny, "--quiet", "--threads", "2"});
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(text_of(err).find("TBB Warning"), std::string::npos) << text_of(err);
  EXPECT_NE(text_of(out).find("on 2 thread(s)"), std::string::npos) << text_of(out);
}

TEST(HostileLimits, ValidatePrintsItsEstimate) {
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_cli({"validate", kQuick}), 0);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("deployments per run"), std::string::npos) << out;
  EXPECT_NE(out.find("GiB estimated"), std::string::npos) << out;
}

}  // namespace
}  // namespace genops::scenarios
