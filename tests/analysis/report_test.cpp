#include "analysis/report_html.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "scenarios/cli.hpp"

namespace genops::analysis {
namespace {

namespace fs = std::filesystem;

fs::path test_directory() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path directory = fs::path(GENOPS_BINARY_DIR) / "test-tmp" / "analysis_report" /
                       (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

int run_quietly(const std::vector<std::string>& arguments, std::string* out = nullptr) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = scenarios::run_cli(arguments);
  const std::string captured = ::testing::internal::GetCapturedStdout();
  const std::string errors = ::testing::internal::GetCapturedStderr();
  if (out != nullptr) {
    *out = captured;
  }
  EXPECT_EQ(errors, "") << "genops-sim " << arguments.front();
  return code;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// A small real study through the whole command line: run --out, then report.
class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path directory = test_directory();
    const fs::path results = directory / "study.h5";
    const fs::path html = directory / "report.html";
    ASSERT_EQ(run_quietly({"run", std::string(GENOPS_SOURCE_DIR) + "/scenarios/paper.toml", "--set",
                           "duration_days=21", "--set", "drain_days=7", "--replications", "2",
                           "--quiet", "--out", results.string()}),
              0);
    ASSERT_EQ(
        run_quietly({"report", results.string(), "--html", html.string(), "--resamples", "100"}),
        0);
    std::ifstream in(html);
    html_.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string& html() const { return html_; }

 private:
  std::string html_;
};

TEST_F(ReportTest, HasEverySectionWithItsPlots) {
  const std::string& page = html();
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0U);
  for (const char* id : {"summary", "cycle-time-ecdf", "cycle-time-histogram", "outcomes", "canary",
                         "queues", "utilisation", "weekly", "comparison", "provenance"}) {
    EXPECT_NE(page.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  }
  for (const char* title :
       {"Cycle time ECDF", "Cycle time histogram", "Success rate with 95% Wilson CI",
        "Rollback, failure and block rates", "Canary catch by stage", "Where defects that",
        "Queue waits per deployment", "Queue lengths", "CI runner utilisation",
        "Reviewer utilisation", "Deployments per week"}) {
    EXPECT_NE(page.find("<title>" + std::string(title)), std::string::npos) << title;
  }
  EXPECT_EQ(occurrences(page, "<svg "), 11U);
  EXPECT_EQ(occurrences(page, "<svg "), occurrences(page, "</svg>"));
  // Plots carry data: the ECDF and the weekly chart draw paths, the bar charts rectangles.
  EXPECT_GE(occurrences(page, "<path d=\"M"), 15U);
  EXPECT_NE(page.find("baseline (median "), std::string::npos);
  EXPECT_NE(page.find("Replication level (paired by replication"), std::string::npos);
  EXPECT_NE(page.find("<th>git_sha</th>"), std::string::npos);
  EXPECT_NE(page.find("<th>config_sha256</th>"), std::string::npos);
  EXPECT_NE(page.find("Fully resolved scenario"), std::string::npos);
  // No coordinate or number rendered from a NaN or an infinity.
  EXPECT_FALSE(std::regex_search(page, std::regex("[^a-z](-?nan|-?inf)[^a-z]")));
}

TEST_F(ReportTest, IsSelfContained) {
  const std::string& page = html();
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  // The only URL is the SVG namespace, which is never fetched.
  std::string without_namespace =
      std::regex_replace(page, std::regex("http://www\\.w3\\.org/2000/svg"), "");
  EXPECT_EQ(without_namespace.find("http"), std::string::npos);
}

TEST(Report, WritesNothingForABadResultsFile) {
  const fs::path directory = test_directory();
  ::testing::internal::CaptureStderr();
  const int code = scenarios::run_cli({"report", (directory / "missing.h5").string(), "--html",
                                       (directory / "report.html").string()});
  const std::string errors = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2);
  EXPECT_NE(errors.find("not found"), std::string::npos) << errors;
  EXPECT_FALSE(fs::exists(directory / "report.html"));
}

}  // namespace
}  // namespace genops::analysis
