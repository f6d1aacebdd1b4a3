#include "scenarios/commands_audit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/governance.hpp"
#include "results/results_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/commands_results.hpp"

// `genops-sim audit verify`: every chain recomputed from its genesis (run identity and
// organization), checked against the run manifest (records, head, deployment rows), and the
// manifest's digest against the file, an expected digest kept elsewhere (--expect) or an HMAC
// key (--key).
namespace genops::scenarios {

namespace {

// Why link `index` of a chain is broken (the chain verified up to index - 1).
std::string describe_break(const std::vector<models::AuditRecord>& chain, std::size_t index,
                           const models::Sha256& genesis) {
  const models::AuditRecord& r = chain[index];
  if (r.sequence != index) {
    return "sequence " + std::to_string(r.sequence) + " where " + std::to_string(index) +
           " was expected (a record was deleted, inserted or reordered)";
  }
  const models::Sha256 previous = index == 0 ? genesis : chain[index - 1].hash;
  if (r.previous_hash != previous) {
    return index == 0 ? "the chain does not start at this run's and organization's genesis "
                        "(moved from another run, replication or organization)"
                      : "previous_hash does not match the preceding record's hash";
  }
  return "hash does not match the record's content (the record was edited)";
}

std::array<std::uint8_t, 32> parse_digest(const std::string& text, const std::string& option) {
  try {
    return results::hash_from_hex(text);
  } catch (const results::ResultsFileError&) {
    throw engine::InputError(option + ": expected 64 hex digits (a SHA-256 digest), got '" + text +
                             "'");
  }
}

}  // namespace

std::string read_key_file(const std::string& path, const std::string& option) {
  constexpr std::size_t kMaxKeyBytes = 4096;
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (descriptor < 0) {
    throw engine::InputError(option + " " + path + ": cannot open: " + std::strerror(errno));
  }
  struct stat status {};
  std::string key;
  if (::fstat(descriptor, &status) == 0 && S_ISREG(status.st_mode) &&
      static_cast<std::size_t>(status.st_size) <= kMaxKeyBytes) {
    key.resize(static_cast<std::size_t>(status.st_size));
    const ssize_t got = ::read(descriptor, key.data(), key.size());
    key.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  } else {
    ::close(descriptor);
    throw engine::InputError(option + " " + path + ": expected a regular file of at most " +
                             std::to_string(kMaxKeyBytes) + " bytes");
  }
  ::close(descriptor);
  if (key.empty()) {
    throw engine::InputError(option + " " + path + ": the key file is empty");
  }
  return key;
}

namespace {

// What `audit verify` was asked to check.
struct VerifyOptions {
  std::string path;
  bool json = false;
  bool have_expected = false;
  std::array<std::uint8_t, 32> expected{};
  std::string key;  // empty: no --key
};

// The options of `audit`, or nullopt with `exit_code` set when only the usage was printed.
std::optional<VerifyOptions> parse_audit_options(const std::vector<std::string>& arguments,
                                                 int& exit_code) {
  namespace po = boost::program_options;
  po::options_description options("genops-sim audit options");
  options.add_options()("help,h", "show this help")("action", po::value<std::string>(), "verify")(
      "file", po::value<std::string>(), "results file (HDF5)")(
      "expect", po::value<std::string>(),
      "the audit manifest digest printed by `run --out` and kept elsewhere (64 hex digits)")(
      "key", po::value<std::string>(),
      "file holding the HMAC key given to `run --audit-key`: checks the manifest's HMAC")(
      "json", po::bool_switch(), "print the result as JSON");
  po::positional_options_description positional;
  positional.add("action", 1).add("file", 1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(options).positional(positional).run(),
            values);
  if (values.count("help") != 0 || values.count("action") == 0) {
    std::cout
        << "Usage: genops-sim audit verify results.h5 [--expect DIGEST] [--key FILE] [--json]\n\n"
           "Recomputes the SHA-256 hash chain of every audit trail (one per strategy, replication\n"
           "and organization) from its genesis, which names its run and organization, and checks\n"
           "it against the run manifest (record count, chain head, a digest of the deployment\n"
           "rows) and the manifest's digest. Without --expect or --key a forger who rewrites\n"
           "everything consistently is not detected: keep the digest `run --out` prints, or\n"
           "sign with `run --audit-key FILE`. Exit 1 on any broken link, missing chain or digest\n"
           "mismatch; 0 when every chain verifies.\n\n"
        << options << '\n';
    exit_code = values.count("help") != 0 ? 0 : 2;
    return std::nullopt;
  }
  po::notify(values);
  if (values["action"].as<std::string>() != "verify") {
    throw engine::InputError("unknown audit action '" + values["action"].as<std::string>() +
                             "'; valid: verify");
  }
  if (values.count("file") == 0)
    throw engine::InputError("audit verify needs a results file (see --help)");
  VerifyOptions verify;
  verify.path = values["file"].as<std::string>();
  verify.json = values["json"].as<bool>();
  verify.have_expected = values.count("expect") != 0;
  if (verify.have_expected)
    verify.expected = parse_digest(values["expect"].as<std::string>(), "--expect");
  if (values.count("key") != 0)
    verify.key = read_key_file(values["key"].as<std::string>(), "--key");
  return verify;
}

// The findings of one `audit verify`: chains checked, records counted, problems in order.
struct Verification {
  bool json = false;
  nlohmann::json chains = nlohmann::json::array();
  std::vector<std::string> failures;
  std::size_t records = 0;
  std::vector<std::vector<results::AuditManifestEntry>> manifests;

  void fail(const std::string& line) {
    failures.push_back(line);
    if (!json)
      std::cout << "BROKEN  " << line << '\n';
  }
};

// Why one organization's chain does not match its manifest entry ("" when it does); records
// the first broken sequence in `line`.
std::string chain_problem(const std::vector<models::AuditRecord>& chain,
                          const models::Sha256& genesis, const results::AuditManifestEntry& entry,
                          const std::vector<models::DeploymentRecord>& deployments,
                          nlohmann::json& line) {
  const auto index = models::first_broken_link(chain, genesis);
  const models::Sha256 head = chain.empty() ? genesis : chain.back().hash;
  if (index) {
    line["first_broken_sequence"] = *index;
    return "first broken link at sequence " + std::to_string(*index) + ": " +
           describe_break(chain, *index, genesis);
  }
  if (chain.size() != entry.records) {
    return std::to_string(chain.size()) + " records where the manifest has " +
           std::to_string(entry.records) + " (records missing from or added to the end)";
  }
  if (head != entry.head)
    return "the chain's head differs from the manifest's";
  if (deployments.size() != entry.deployments ||
      results::deployments_digest(deployments) != entry.deployments_sha256) {
    return "the deployment rows differ from those the trail was written with";
  }
  return "";
}

// Every chain of one (strategy, replication) run against the run's manifest.
void verify_run(const results::StudyRecords& study, const results::RunRecords& run,
                Verification& verification) {
  const std::string where = "strategy " + run.strategy + ", replication " +
                            std::to_string(run.replication) + ", organization ";
  std::map<std::uint32_t, std::vector<models::AuditRecord>> by_organization;
  for (std::size_t i = 0; i < run.audit.size(); ++i)
    by_organization[run.audit_organization.at(i)].push_back(run.audit[i]);
  std::map<std::uint32_t, std::vector<models::DeploymentRecord>> deployments;
  for (const models::DeploymentRecord& d : run.deployments)
    deployments[d.organization].push_back(d);
  verification.manifests.push_back(run.audit_manifest);
  for (std::size_t e = 0; e < run.audit_manifest.size(); ++e) {
    const results::AuditManifestEntry& entry = run.audit_manifest[e];
    const std::string name = where + std::to_string(entry.organization);
    if (entry.organization != e) {
      verification.fail(name + ": manifest entry " + std::to_string(e) + " names organization " +
                        std::to_string(entry.organization) +
                        " (entries are in organization order)");
      continue;
    }
    const std::vector<models::AuditRecord>& chain = by_organization[entry.organization];
    verification.records += chain.size();
    nlohmann::json line = {{"strategy", run.strategy},
                           {"replication", run.replication},
                           {"organization", entry.organization},
                           {"records", chain.size()}};
    const std::string problem =
        chain_problem(chain,
                      models::audit_genesis(run.strategy, study.provenance.master_seed,
                                            run.replication, entry.organization),
                      entry, deployments[entry.organization], line);
    line["intact"] = problem.empty();
    if (!problem.empty()) {
      line["reason"] = problem;
      verification.fail(name + ": " + problem);
    }
    verification.chains.push_back(std::move(line));
    by_organization.erase(entry.organization);
  }
  for (const auto& [organization, chain] : by_organization) {
    verification.fail(where + std::to_string(organization) + ": " + std::to_string(chain.size()) +
                      " audit records of an organization the manifest does not list");
  }
}

// The manifests' digest against the file, the expected digest and the HMAC key; returns it.
std::array<std::uint8_t, 32> verify_manifest(const results::StudyRecords& study,
                                             const VerifyOptions& options,
                                             Verification& verification) {
  const std::string config_sha256 = study.attribute("config_sha256");
  const auto digest =
      results::audit_manifest_digest(study.provenance, config_sha256, verification.manifests);
  const std::string digest_hex = results::hash_to_hex(digest);
  if (study.attribute("audit_manifest_sha256") != digest_hex)
    verification.fail("the audit manifest does not match the file's audit_manifest_sha256");
  if (options.have_expected && digest != options.expected) {
    verification.fail("the audit manifest digest is " + digest_hex + ", not the expected " +
                      results::hash_to_hex(options.expected) +
                      " (the trail or the deployments were rewritten)");
  }
  if (!options.key.empty()) {
    const std::string mac = results::hash_to_hex(results::audit_manifest_digest(
        study.provenance, config_sha256, verification.manifests, options.key));
    const std::string stored = study.attribute("audit_manifest_hmac_sha256");
    if (stored.empty()) {
      verification.fail(
          "the file has no audit_manifest_hmac_sha256 (it was written without --audit-key)");
    } else if (stored != mac) {
      verification.fail(
          "the audit manifest's HMAC does not verify with this key (rewritten, or another key)");
    }
  }
  return digest;
}

// The summary line (or the JSON document) of a verification.
void print_verification(const VerifyOptions& options, const Verification& verification,
                        const std::string& digest_hex) {
  const bool key = !options.key.empty();
  const std::string anchor = options.have_expected && key ? "the expected digest and the key"
                             : options.have_expected      ? "the expected digest"
                             : key                        ? "the key"
                                                          : "";
  if (options.json) {
    std::cout << nlohmann::json{{"file", options.path},
                                {"chains", verification.chains},
                                {"records", verification.records},
                                {"manifest_sha256", digest_hex},
                                {"anchored", !anchor.empty()},
                                {"failures", verification.failures}}
                     .dump(2)
              << '\n';
    return;
  }
  const std::size_t problems = verification.failures.size();
  std::cout << options.path << ": " << verification.chains.size() << " audit chain(s), "
            << verification.records << " records: "
            << (problems == 0 ? "all intact" : std::to_string(problems) + " problem(s)")
            << "; manifest sha256 " << digest_hex
            << (anchor.empty() ? " (not anchored: pass --expect DIGEST or --key FILE)"
                               : " (checked against " + anchor + ")")
            << '\n';
}

}  // namespace

int command_audit(const std::vector<std::string>& arguments) {
  int exit_code = 0;
  const std::optional<VerifyOptions> options = parse_audit_options(arguments, exit_code);
  if (!options)
    return exit_code;
  const results::StudyRecords study =
      load_results(options->path,
                   results::ReadOptions{.canary_stages = false, .resources = false, .awu = false});
  Verification verification;
  verification.json = options->json;
  for (const results::RunRecords& run : study.runs)
    verify_run(study, run, verification);
  const auto digest = verify_manifest(study, *options, verification);
  print_verification(*options, verification, results::hash_to_hex(digest));
  return verification.failures.empty() ? 0 : 1;
}

}  // namespace genops::scenarios
