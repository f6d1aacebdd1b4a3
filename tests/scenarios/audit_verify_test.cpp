// `genops-sim audit verify` on a real results file and on copies tampered with in each way the
// issues name: an edited, a deleted, an inserted and a reordered audit record; and the
// forgeries of issue 11 (finding 4): rehashed edits, a dropped tail, swapped organizations and
// replications, a trail grafted onto another strategy, rewritten deployments, every record
// deleted. Chains bound to their run fail on their own; consistent rewrites fail against the
// manifest digest kept elsewhere (--expect) or an HMAC key (--key).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/governance.hpp"
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

// One run's records split by organization, as a forger rewriting the file would hold them.
struct Holder {
  std::map<std::uint16_t, std::vector<models::DeploymentRecord>> deployments;
  std::map<std::uint16_t, std::vector<models::CanaryStageRecord>> stages;
  std::map<std::uint16_t, std::vector<models::AuditRecord>> audit;
  std::map<std::uint16_t, std::vector<models::ResourceSample>> samples;
};

// Writes `study` again through our own writer after `forge` changed the records: the writer
// recomputes the manifest, so what is left to catch it is the chain itself or the anchor.
void write_forged(const results::StudyRecords& study, const fs::path& path,
                  const std::function<void(std::vector<Holder>&)>& forge) {
  std::vector<Holder> holders(study.runs.size());
  for (std::size_t i = 0; i < study.runs.size(); ++i) {
    const auto& run = study.runs[i];
    Holder& h = holders[i];
    for (const auto& d : run.deployments)
      h.deployments[d.organization].push_back(d);
    for (const auto& s : run.stages)
      h.stages[static_cast<std::uint16_t>(s.deployment >> 32)].push_back(s);
    for (std::size_t a = 0; a < run.audit.size(); ++a)
      h.audit[run.audit_organization[a]].push_back(run.audit[a]);
    for (const auto& s : run.samples)
      h.samples[s.organization].push_back(s);
  }
  forge(holders);
  std::vector<results::RunView> views;
  for (std::size_t i = 0; i < study.runs.size(); ++i) {
    const auto& run = study.runs[i];
    Holder& h = holders[i];
    results::RunView view;
    view.strategy = run.strategy;
    view.replication = run.replication;
    view.seed = run.seed;
    view.events = run.events;
    view.wall_seconds = run.wall_seconds;
    view.violations = run.violations;
    view.summary = run.summary;
    for (std::uint16_t o = 0; o < study.provenance.organizations.size(); ++o) {
      results::OrganizationRecords records;
      records.deployments = h.deployments[o];
      records.stages = h.stages[o];
      records.audit = h.audit[o];
      records.samples = h.samples[o];
      view.organizations.push_back(records);
    }
    views.push_back(std::move(view));
  }
  results::write_study(path, study.provenance, views);
}

// The index of the first genops run (replication 0) in the study's run order.
std::size_t genops_run(const results::StudyRecords& study, std::uint32_t replication = 0) {
  return study.strategy_index("genops") * study.provenance.replications + replication;
}

// Writes `study` again after `tamper` changed organization 0's audit chain of the first genops
// run: what an editor of the file would produce if the hashes were left as they were.
void write_tampered(const results::StudyRecords& study, const fs::path& path,
                    const std::function<void(std::vector<models::AuditRecord>&)>& tamper) {
  write_forged(study, path, [&](std::vector<Holder>& holders) {
    auto& chain = holders[genops_run(study)].audit[0];
    ASSERT_GT(chain.size(), kTampered + 2) << "no genops audit chain long enough to tamper with";
    tamper(chain);
  });
}

class AuditVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new fs::path(scratch() / "original.h5");
    ASSERT_EQ(run_cli({"run", std::string(GENOPS_SOURCE_DIR) + "/scenarios/quick.toml",
                       "--replications", "2", "--quiet", "--out", original_->string()}),
              0);
    digest_ = new std::string(results::read_study(*original_).attribute("audit_manifest_sha256"));
  }
  static void TearDownTestSuite() {
    delete original_;
    original_ = nullptr;
    delete digest_;
    digest_ = nullptr;
  }
  // Exit code and stdout of `audit verify` (with `extra` options).
  static std::pair<int, std::string> verify(const fs::path& path,
                                            const std::vector<std::string>& extra = {}) {
    std::vector<std::string> arguments = {"audit", "verify", path.string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int code = run_cli(arguments);
    ::testing::internal::GetCapturedStderr();
    return {code, ::testing::internal::GetCapturedStdout()};
  }
  // A forgery: caught without an anchor when `bound` (the chain names its run), and always
  // against the digest kept from the original run.
  static void expect_forgery_found(const std::string& name, bool bound,
                                   const std::function<void(std::vector<Holder>&)>& forge,
                                   const std::string& reason = "") {
    const fs::path copy = scratch() / (name + ".h5");
    const results::StudyRecords study = results::read_study(*original_);
    write_forged(study, copy, forge);
    const auto plain = verify(copy);
    EXPECT_EQ(plain.first, bound ? 1 : 0) << name << ": " << plain.second;
    if (!bound) {
      EXPECT_NE(plain.second.find("not anchored"), std::string::npos) << plain.second;
    }
    if (!reason.empty()) {
      EXPECT_NE(plain.second.find(reason), std::string::npos) << name << ": " << plain.second;
    }
    const auto anchored = verify(copy, {"--expect", *digest_});
    EXPECT_EQ(anchored.first, 1) << name << ": " << anchored.second;
    EXPECT_NE(anchored.second.find("not the expected " + *digest_), std::string::npos)
        << name << ": " << anchored.second;
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
    EXPECT_NE(out.find("1 problem(s)"), std::string::npos) << out;
  }
  static fs::path* original_;
  static std::string* digest_;
};
fs::path* AuditVerify::original_ = nullptr;
std::string* AuditVerify::digest_ = nullptr;

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

TEST_F(AuditVerify, TheKeptDigestVerifiesTheUntouchedFile) {
  const auto [code, out] = verify(*original_, {"--expect", *digest_});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("checked against the expected digest"), std::string::npos) << out;
}

TEST_F(AuditVerify, AnEditWithEveryLaterHashRecomputedFailsAgainstTheDigest) {
  expect_forgery_found("rehashed", false, [](std::vector<Holder>& holders) {
    for (Holder& h : holders) {
      auto& chain = h.audit[0];
      if (chain.size() <= kTampered)
        continue;
      chain[kTampered].decision = "ALLOWED-BY-FORGER";
      for (std::size_t i = kTampered; i < chain.size(); ++i) {
        chain[i].previous_hash = chain[i - 1].hash;
        chain[i].hash = models::audit_hash(chain[i].previous_hash, chain[i]);
      }
      return;
    }
  });
}

TEST_F(AuditVerify, ADroppedTailFailsAgainstTheDigest) {
  expect_forgery_found("tail", false, [](std::vector<Holder>& holders) {
    for (Holder& h : holders) {
      if (h.audit[0].size() > 3) {
        h.audit[0].resize(h.audit[0].size() - 3);
        return;
      }
    }
  });
}

TEST_F(AuditVerify, SwappedOrganizationsFailOnTheirOwn) {
  expect_forgery_found(
      "organizations", true,
      [](std::vector<Holder>& holders) {
        for (Holder& h : holders) {
          if (!h.audit[0].empty() && !h.audit[1].empty()) {
            std::swap(h.audit[0], h.audit[1]);
            return;
          }
        }
      },
      "does not start at this run's and organization's genesis");
}

TEST_F(AuditVerify, SwappedReplicationsFailOnTheirOwn) {
  const results::StudyRecords study = results::read_study(*original_);
  const std::size_t first = genops_run(study, 0);
  const std::size_t second = genops_run(study, 1);
  expect_forgery_found(
      "replications", true,
      [&](std::vector<Holder>& holders) { std::swap(holders[first].audit, holders[second].audit); },
      "genesis");
}

TEST_F(AuditVerify, ATrailGraftedOntoAnotherStrategyFailsOnItsOwn) {
  const results::StudyRecords study = results::read_study(*original_);
  const std::size_t genops = genops_run(study);
  const std::size_t baseline = study.strategy_index("baseline") * study.provenance.replications;
  expect_forgery_found(
      "graft", true,
      [&](std::vector<Holder>& holders) { holders[baseline].audit = holders[genops].audit; },
      "strategy baseline, replication 0, organization 0");
}

TEST_F(AuditVerify, RewrittenDeploymentsFailAgainstTheDigest) {
  expect_forgery_found("deployments", false, [](std::vector<Holder>& holders) {
    for (Holder& h : holders) {
      if (!h.deployments[0].empty()) {
        h.deployments[0][0].cycle_time_min *= 0.5;
        return;
      }
    }
  });
}

TEST_F(AuditVerify, DeletingEveryRecordFailsAgainstTheDigest) {
  expect_forgery_found("nothing", false, [](std::vector<Holder>& holders) {
    for (Holder& h : holders)
      h.audit.clear();
  });
}

TEST_F(AuditVerify, AnHmacKeyCatchesARewriteWithoutTheKey) {
  const fs::path dir = scratch();
  std::ofstream(dir / "key") << "a secret the forger does not have";
  std::ofstream(dir / "other") << "another key";
  const fs::path signed_file = dir / "signed.h5";
  ASSERT_EQ(
      run_cli({"run", std::string(GENOPS_SOURCE_DIR) + "/tests/data/results/tiny.toml", "--quiet",
               "--out", signed_file.string(), "--audit-key", (dir / "key").string()}),
      0);
  EXPECT_EQ(verify(signed_file, {"--key", (dir / "key").string()}).first, 0);
  EXPECT_EQ(verify(signed_file, {"--key", (dir / "other").string()}).first, 1);
  const fs::path forged = dir / "forged.h5";
  write_forged(results::read_study(signed_file), forged, [](std::vector<Holder>& holders) {
    for (Holder& h : holders)
      h.audit.clear();
  });
  const auto [code, out] = verify(forged, {"--key", (dir / "key").string()});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("written without --audit-key"), std::string::npos) << out;
  EXPECT_EQ(run_cli({"audit", "verify", signed_file.string(), "--expect", "abc"}), 2);
}

// `audit verify`'s output, every byte, with the file's path and SHA-256 digests written as
// <file> and <sha256>: the messages users and scripts read (and that the command's split into
// parse / per-run chain / manifest / print functions had to keep).
std::string normalised(std::string text, const fs::path& path) {
  for (std::size_t at = text.find(path.string()); at != std::string::npos;
       at = text.find(path.string()))
    text.replace(at, path.string().size(), "<file>");
  const auto is_hex = [&](std::size_t i) {
    return i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 ||
                               (text[i] >= 'a' && text[i] <= 'f'));
  };
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t hex = 0;
    while (is_hex(i + hex))
      ++hex;
    const std::size_t taken = std::max<std::size_t>(hex, 1);
    out += hex == 64 ? std::string("<sha256>") : text.substr(i, taken);
    i += taken;
  }
  return out;
}

TEST_F(AuditVerify, MessagesAreExact) {
  const results::StudyRecords study = results::read_study(*original_);
  std::size_t chains = 0;
  for (const auto& run : study.runs)
    chains += run.audit_manifest.size();
  std::size_t records = 0;
  for (const auto& run : study.runs)
    records += run.audit.size();
  const std::string counts =
      std::to_string(chains) + " audit chain(s), " + std::to_string(records) + " records: ";
  const std::string unanchored = " (not anchored: pass --expect DIGEST or --key FILE)\n";

  auto [code, out] = verify(*original_);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(normalised(out, *original_),
            "<file>: " + counts + "all intact; manifest sha256 <sha256>" + unanchored);
  std::tie(code, out) = verify(*original_, {"--expect", *digest_});
  EXPECT_EQ(normalised(out, *original_), "<file>: " + counts +
                                             "all intact; manifest sha256 <sha256> (checked "
                                             "against the expected digest)\n");

  const fs::path edited = scratch() / "exact_edited.h5";
  write_tampered(study, edited, [](auto& chain) { chain[kTampered].decision = "EDITED"; });
  std::tie(code, out) = verify(edited);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(normalised(out, edited),
            "BROKEN  strategy genops, replication 0, organization 0: first broken link at "
            "sequence 5: hash does not match the record's content (the record was edited)\n"
            "<file>: " +
                counts + "1 problem(s); manifest sha256 <sha256>" + unanchored);

  const fs::path emptied = scratch() / "exact_emptied.h5";
  write_forged(study, emptied, [](std::vector<Holder>& holders) {
    for (Holder& h : holders)
      h.audit.clear();
  });
  std::tie(code, out) = verify(emptied, {"--expect", *digest_});
  EXPECT_EQ(code, 1);
  EXPECT_EQ(normalised(out, emptied),
            "BROKEN  the audit manifest digest is <sha256>, not the expected <sha256> (the trail "
            "or the deployments were rewritten)\n<file>: " +
                std::to_string(chains) +
                " audit chain(s), 0 records: 1 problem(s); manifest sha256 <sha256> (checked "
                "against the expected digest)\n");

  const fs::path key = scratch() / "exact_key";
  std::ofstream(key) << "a key";
  std::tie(code, out) = verify(*original_, {"--expect", *digest_, "--key", key.string()});
  EXPECT_EQ(code, 1);
  EXPECT_EQ(normalised(out, *original_),
            "BROKEN  the file has no audit_manifest_hmac_sha256 (it was written without "
            "--audit-key)\n<file>: " +
                counts +
                "1 problem(s); manifest sha256 <sha256> (checked against the expected digest and "
                "the key)\n");

  std::tie(code, out) = verify(edited, {"--json"});
  EXPECT_EQ(code, 1);
  const nlohmann::json document = nlohmann::json::parse(out);
  EXPECT_EQ(document["file"], edited.string());
  EXPECT_EQ(document["chains"].size(), chains);
  EXPECT_EQ(document["records"], records);
  EXPECT_EQ(document["anchored"], false);
  EXPECT_EQ(document["manifest_sha256"].get<std::string>().size(), 64U);
  ASSERT_EQ(document["failures"].size(), 1U);
  EXPECT_EQ(document["failures"][0],
            "strategy genops, replication 0, organization 0: first broken link at sequence 5: "
            "hash does not match the record's content (the record was edited)");
  std::size_t broken = 0;
  for (const auto& chain : document["chains"]) {
    if (chain["intact"] == false) {
      ++broken;
      EXPECT_EQ(chain["first_broken_sequence"], kTampered);
      EXPECT_EQ(chain["reason"], document["failures"][0].get<std::string>().substr(48));
    }
  }
  EXPECT_EQ(broken, 1U);
}

TEST_F(AuditVerify, UnreadableInputIsBadInput) {
  EXPECT_EQ(run_cli({"audit", "verify", (scratch() / "missing.h5").string()}), 2);
  EXPECT_EQ(run_cli({"audit", "frobnicate", original_->string()}), 2);
}

}  // namespace
}  // namespace genops::scenarios
