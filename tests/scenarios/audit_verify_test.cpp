// `genops-sim audit verify` on a real results file and on copies tampered with in each way the
// issue names: an edited, a deleted, an inserted and a reordered audit record.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "results/results_io.hpp"
#include "scenarios/cli.hpp"

namespace genops::scenarios {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTampered = 5;  // index of the tampered link in the chain

// One folder per process: CTest runs the discovered tests of this file in parallel processes.
fs::path scratch() {
  const fs::path dir =
      fs::path(GENOPS_BINARY_DIR) / "audit_verify_test" / std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

// Writes `study` again after `tamper` changed organization 0's audit chain of the first genops
// run: what an editor of the file would produce if the hashes were left as they were.
void write_tampered(const results::StudyRecords& study, const fs::path& path,
                    const std::function<void(std::vector<models::AuditRecord>&)>& tamper) {
  struct Holder {
    std::map<std::uint8_t, std::vector<models::DeploymentRecord>> deployments;
    std::map<std::uint8_t, std::vector<models::CanaryStageRecord>> stages;
    std::map<std::uint8_t, std::vector<models::AuditRecord>> audit;
    std::map<std::uint8_t, std::vector<models::ResourceSample>> samples;
  };
  std::vector<Holder> holders(study.runs.size());
  std::vector<results::RunView> views;
  bool done = false;
  for (std::size_t i = 0; i < study.runs.size(); ++i) {
    const auto& run = study.runs[i];
    Holder& h = holders[i];
    for (const auto& d : run.deployments)
      h.deployments[d.organization].push_back(d);
    for (const auto& s : run.stages)
      h.stages[static_cast<std::uint8_t>(s.deployment >> 32)].push_back(s);
    for (std::size_t a = 0; a < run.audit.size(); ++a)
      h.audit[run.audit_organization[a]].push_back(run.audit[a]);
    for (const auto& s : run.samples)
      h.samples[s.organization].push_back(s);
    if (!done && run.strategy == "genops" && h.audit[0].size() > kTampered + 2) {
      tamper(h.audit[0]);
      done = true;
    }
    results::RunView view;
    view.strategy = run.strategy;
    view.replication = run.replication;
    view.seed = run.seed;
    view.events = run.events;
    view.wall_seconds = run.wall_seconds;
    view.violations = run.violations;
    view.summary = run.summary;
    for (std::uint8_t o = 0; o < study.provenance.organizations.size(); ++o) {
      results::OrganizationRecords records;
      records.deployments = h.deployments[o];
      records.stages = h.stages[o];
      records.audit = h.audit[o];
      records.samples = h.samples[o];
      view.organizations.push_back(records);
    }
    views.push_back(std::move(view));
  }
  ASSERT_TRUE(done) << "no genops audit chain long enough to tamper with";
  results::write_study(path, study.provenance, views);
}

class AuditVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new fs::path(scratch() / "original.h5");
    ASSERT_EQ(run_cli({"run", std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml",
                       "--replications", "1", "--quiet", "--out", original_->string()}),
              0);
  }
  static void TearDownTestSuite() {
    delete original_;
    original_ = nullptr;
  }
  // Exit code and stdout of `audit verify`.
  static std::pair<int, std::string> verify(const fs::path& path) {
    ::testing::internal::CaptureStdout();
    const int code = run_cli({"audit", "verify", path.string()});
    return {code, ::testing::internal::GetCapturedStdout()};
  }
  static void expect_broken(const std::string& name,
                            const std::function<void(std::vector<models::AuditRecord>&)>& tamper) {
    const fs::path copy = scratch() / (name + ".h5");
    write_tampered(results::read_study(*original_), copy, tamper);
    const auto [code, out] = verify(copy);
    EXPECT_EQ(code, 1) << name << ": " << out;
    EXPECT_NE(out.find("BROKEN  strategy genops, replication 0, organization 0: first broken link "
                       "at sequence " +
                       std::to_string(kTampered)),
              std::string::npos)
        << name << ": " << out;
    EXPECT_NE(out.find("1 broken"), std::string::npos) << out;
  }
  static fs::path* original_;
};
fs::path* AuditVerify::original_ = nullptr;

TEST_F(AuditVerify, AnUntouchedFileVerifies) {
  const auto [code, out] = verify(*original_);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("all intact"), std::string::npos) << out;
}

TEST_F(AuditVerify, UntamperedRewriteStillVerifies) {
  // The rewrite path itself keeps chains intact, so the failures below come from the tampering.
  const fs::path copy = scratch() / "rewritten.h5";
  write_tampered(results::read_study(*original_), copy, [](std::vector<models::AuditRecord>&) {});
  EXPECT_EQ(verify(copy).first, 0);
}

TEST_F(AuditVerify, AnEditedRecordIsFound) {
  expect_broken("edited", [](auto& chain) { chain[kTampered].decision = "ALLOWED-BY-EDITOR"; });
  expect_broken("edited_time", [](auto& chain) { chain[kTampered].time_min += 1e-9; });
}

TEST_F(AuditVerify, ADeletedRecordIsFound) {
  expect_broken("deleted", [](auto& chain) { chain.erase(chain.begin() + kTampered); });
}

TEST_F(AuditVerify, AnInsertedRecordIsFound) {
  expect_broken("inserted", [](auto& chain) { chain.insert(chain.begin() + kTampered, chain[2]); });
}

TEST_F(AuditVerify, ReorderedRecordsAreFound) {
  expect_broken("reordered",
                [](auto& chain) { std::swap(chain[kTampered], chain[kTampered + 1]); });
}

TEST_F(AuditVerify, UnreadableInputIsBadInput) {
  EXPECT_EQ(run_cli({"audit", "verify", (scratch() / "missing.h5").string()}), 2);
  EXPECT_EQ(run_cli({"audit", "frobnicate", original_->string()}), 2);
}

}  // namespace
}  // namespace genops::scenarios
