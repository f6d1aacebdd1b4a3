// Output safety (results/output_file.hpp), issue 11 finding 1 and 7: what every writer refuses
// before work starts, unique partial names, publish only on commit, partials removed on
// failure, destruction and SIGTERM, write errors with their reason.
#include "results/output_file.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace genops::results {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::path(GENOPS_BINARY_DIR) / "output_file_test" / std::to_string(::getpid()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string refusal(const std::vector<OutputTarget>& outputs, const std::vector<fs::path>& inputs,
                    bool force) {
  try {
    check_outputs(outputs, inputs, force);
  } catch (const OutputError& error) {
    return error.what();
  }
  return "";
}

std::vector<fs::path> partials_in(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".partial")
      found.push_back(entry.path());
  }
  return found;
}

TEST(OutputSafety, RefusesDevicesDirectoriesAndEmptyPaths) {
  const fs::path dir = scratch("kinds");
  EXPECT_NE(refusal({{"--out", "/dev/null"}}, {}, true).find("is a character device"),
            std::string::npos);
  EXPECT_NE(refusal({{"--out", dir}}, {}, true).find("is a directory"), std::string::npos);
  EXPECT_NE(refusal({{"--out", ""}}, {}, false).find("expected a file path, got an empty one"),
            std::string::npos);
  EXPECT_NE(refusal({{"--out", dir / "missing" / "x.h5"}}, {}, false).find("does not exist"),
            std::string::npos);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_NE(refusal({{"--out", dir / "fifo"}}, {}, true).find("is a FIFO"), std::string::npos);
  fs::create_symlink(dir / "target.h5", dir / "link.h5");
  EXPECT_NE(refusal({{"--out", dir / "link.h5"}}, {}, true).find("is a symbolic link"),
            std::string::npos);
}

TEST(OutputSafety, RefusesAnInputOrAnotherOutputByInodeAndByPath) {
  const fs::path dir = scratch("same");
  std::ofstream(dir / "s.toml") << "name = 'x'\n";
  fs::create_hard_link(dir / "s.toml", dir / "hard.toml");
  fs::create_directories(dir / "sub");
  const std::string input = refusal({{"--out", dir / "s.toml"}}, {dir / "s.toml"}, true);
  EXPECT_NE(input.find("is the input"), std::string::npos) << input;
  EXPECT_NE(refusal({{"--out", dir / "hard.toml"}}, {dir / "s.toml"}, true).find("is the input"),
            std::string::npos);
  EXPECT_NE(refusal({{"--out", dir / "sub" / ".." / "s.toml"}}, {dir / "s.toml"}, true)
                .find("is the input"),
            std::string::npos);
  const std::string both =
      refusal({{"--out", dir / "x.h5"}, {"--telemetry", dir / "x.h5"}}, {}, false);
  EXPECT_NE(both.find("--telemetry '" + (dir / "x.h5").string() + "' is the same file as --out"),
            std::string::npos)
      << both;
}

TEST(OutputSafety, RefusesToOverwriteWithoutForce) {
  const fs::path dir = scratch("overwrite");
  std::ofstream(dir / "old.h5") << "precious";
  EXPECT_NE(refusal({{"--out", dir / "old.h5"}}, {}, false).find("add --force"), std::string::npos);
  EXPECT_EQ(refusal({{"--out", dir / "old.h5"}}, {}, true), "");
  // The final rename refuses too when the target appeared while writing.
  OutputFile late({"--out", dir / "late.h5"}, false);
  late.write("new");
  std::ofstream(dir / "late.h5") << "appeared";
  EXPECT_THROW(late.commit(), OutputError);
  std::ifstream in(dir / "late.h5");
  std::string text;
  in >> text;
  EXPECT_EQ(text, "appeared");
  EXPECT_TRUE(partials_in(dir).empty());
}

TEST(OutputSafety, PartialsAreUniqueAndPublishedOnlyOnCommit) {
  const fs::path dir = scratch("partials");
  OutputFile first({"--out", dir / "r.h5"}, false);
  OutputFile second({"--telemetry", dir / "r.h5"}, false);
  EXPECT_NE(first.partial_path(), second.partial_path());
  EXPECT_TRUE(is_partial_of(first.partial_path(), dir / "r.h5"));
  first.write("results");
  EXPECT_FALSE(fs::exists(dir / "r.h5"));
  first.commit();
  EXPECT_TRUE(fs::exists(dir / "r.h5"));
  EXPECT_FALSE(fs::exists(first.partial_path()));
  {
    OutputFile abandoned({"--out", dir / "abandoned.h5"}, false);
    abandoned.write("half");
  }
  EXPECT_FALSE(fs::exists(dir / "abandoned.h5"));
  second.discard();
  EXPECT_TRUE(partials_in(dir).empty());
}

TEST(OutputSafety, SigtermRemovesThePartial) {
  const fs::path dir = scratch("signal");
  EXPECT_EXIT(
      {
        OutputFile file({"--out", dir / "killed.h5"}, false);
        file.write("half a study");
        std::raise(SIGTERM);
      },
      ::testing::KilledBySignal(SIGTERM), "");
  EXPECT_TRUE(partials_in(dir).empty());
  EXPECT_FALSE(fs::exists(dir / "killed.h5"));
}

// In a child: a file size limit stands in for a full disk (writes past it fail with EFBIG).
[[noreturn]] void write_past_the_limit(const fs::path& target) {
  std::signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{4096, 4096};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  try {
    OutputFile file({"--html", target}, false);
    file.write(std::string(100000, 'x'));
    file.commit();
  } catch (const OutputError& error) {
    std::fprintf(stderr, "%s\n", error.what());
    std::exit(2);
  }
  std::exit(0);
}

TEST(OutputSafety, AFullDiskIsAnErrorWithItsReasonAndLeavesNothing) {
  const fs::path dir = scratch("full");
  EXPECT_EXIT(write_past_the_limit(dir / "report.html"), ::testing::ExitedWithCode(2),
              "writing failed: File too large");
  EXPECT_TRUE(partials_in(dir).empty());
  EXPECT_FALSE(fs::exists(dir / "report.html"));
}

}  // namespace
}  // namespace genops::results
