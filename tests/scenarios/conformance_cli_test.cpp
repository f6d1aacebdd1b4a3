// `genops-sim run --telemetry/--out` then `genops-sim conformance` on both outputs: our own runs
// are fully compliant; a broken file is not (exit 1); unreadable input is bad input (exit 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/cli.hpp"

namespace genops::scenarios {
namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  const fs::path dir =
      fs::path(GENOPS_BINARY_DIR) / "conformance_cli_test" / std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

int quiet(const std::vector<std::string>& arguments) {
  ::testing::internal::CaptureStdout();
  const int code = run_cli(arguments);
  ::testing::internal::GetCapturedStdout();
  return code;
}

TEST(ConformanceCli, OurTelemetryAndResultsFileAreFullyCompliantAndAgree) {
  const fs::path jsonl = scratch() / "t.jsonl";
  const fs::path h5 = scratch() / "r.h5";
  ASSERT_EQ(
      quiet({"run", std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml", "--replications", "1",
             "--quiet", "--telemetry", jsonl.string(), "--out", h5.string()}),
      0);
  ASSERT_GT(fs::file_size(jsonl), 0U);
  EXPECT_EQ(quiet({"conformance", jsonl.string()}), 0);
  EXPECT_EQ(quiet({"conformance", h5.string()}), 0);
  // The results file's /awu tables replay exactly the telemetry of the same run (R21).
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_cli({"conformance", h5.string(), "--replay", jsonl.string()}), 0);
  const std::string report = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(report.find("R21  MUST   PASS"), std::string::npos) << report;
  EXPECT_NE(report.find("Compliance: GenOps v0.1 \u2014 full"), std::string::npos) << report;
}

TEST(ConformanceCli, BrokenTelemetryFailsWithExitOne) {
  const fs::path broken =
      fs::path(GENOPS_SOURCE_DIR) / "tests/data/conformance/R26_reason_code_on_allowed.jsonl";
  ASSERT_TRUE(fs::exists(broken));
  EXPECT_EQ(quiet({"conformance", broken.string()}), 1);
}

TEST(ConformanceCli, UnreadableInputIsBadInput) {
  EXPECT_EQ(quiet({"conformance", (scratch() / "missing.jsonl").string()}), 2);
  const fs::path text = scratch() / "not.jsonl";
  std::ofstream(text) << "this is not json\n";
  EXPECT_EQ(quiet({"conformance", text.string()}), 2);
  EXPECT_EQ(quiet({"conformance"}), 2);
}

}  // namespace
}  // namespace genops::scenarios
