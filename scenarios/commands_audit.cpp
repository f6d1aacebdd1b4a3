#include "scenarios/commands_audit.hpp"

#include <iostream>
#include <map>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/governance.hpp"
#include "results/results_file.hpp"
#include "results/results_io.hpp"
#include "scenarios/commands_results.hpp"

namespace genops::scenarios {

namespace {

// Why link `index` of a chain is broken (the chain verified up to index - 1).
std::string describe_break(const std::vector<models::AuditRecord>& chain, std::size_t index) {
  const models::AuditRecord& r = chain[index];
  if (r.sequence != index) {
    return "sequence " + std::to_string(r.sequence) + " where " + std::to_string(index) +
           " was expected (a record was deleted, inserted or reordered)";
  }
  const models::Sha256 previous = index == 0 ? models::Sha256{} : chain[index - 1].hash;
  if (r.previous_hash != previous)
    return "previous_hash does not match the preceding record's hash";
  return "hash does not match the record's content (the record was edited)";
}

}  // namespace

int command_audit(const std::vector<std::string>& arguments) {
  namespace po = boost::program_options;
  po::options_description options("genops-sim audit options");
  options.add_options()("help,h", "show this help")("action", po::value<std::string>(), "verify")(
      "file", po::value<std::string>(), "results file (HDF5)")("json", po::bool_switch(),
                                                               "print the result as JSON");
  po::positional_options_description positional;
  positional.add("action", 1).add("file", 1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(options).positional(positional).run(),
            values);
  if (values.count("help") != 0 || values.count("action") == 0) {
    std::cout
        << "Usage: genops-sim audit verify results.h5 [--json]\n\n"
           "Recomputes the SHA-256 hash chain of every audit trail (one per strategy, replication\n"
           "and organization). On any edit, deletion, insertion or reordering of a record it "
           "prints\n"
           "the first broken link of each broken chain and exits 1; exit 0 when every chain "
           "verifies.\n\n"
        << options << '\n';
    return values.count("help") != 0 ? 0 : 2;
  }
  po::notify(values);
  if (values["action"].as<std::string>() != "verify") {
    throw engine::InputError("unknown audit action '" + values["action"].as<std::string>() +
                             "'; valid: verify");
  }
  if (values.count("file") == 0)
    throw engine::InputError("audit verify needs a results file (see --help)");
  const std::string path = values["file"].as<std::string>();
  const results::StudyRecords study =
      load_results(path, results::ReadOptions{.canary_stages = false, .resources = false});
  nlohmann::json chains = nlohmann::json::array();
  std::size_t records = 0;
  std::size_t broken = 0;
  for (const auto& run : study.runs) {
    // Each organization keeps its own chain; rows are in written order.
    std::map<std::uint8_t, std::vector<models::AuditRecord>> by_organization;
    for (std::size_t i = 0; i < run.audit.size(); ++i) {
      by_organization[run.audit_organization.at(i)].push_back(run.audit[i]);
    }
    for (const auto& [organization, chain] : by_organization) {
      records += chain.size();
      const auto index = models::first_broken_link(chain);
      nlohmann::json entry = {{"strategy", run.strategy},
                              {"replication", run.replication},
                              {"organization", organization},
                              {"records", chain.size()},
                              {"intact", !index.has_value()}};
      if (index) {
        ++broken;
        const std::string why = describe_break(chain, *index);
        entry["first_broken_sequence"] = *index;
        entry["reason"] = why;
        if (!values["json"].as<bool>()) {
          std::cout << "BROKEN  strategy " << run.strategy << ", replication " << run.replication
                    << ", organization " << static_cast<int>(organization)
                    << ": first broken link at sequence " << *index << ": " << why << '\n';
        }
      }
      chains.push_back(std::move(entry));
    }
  }
  if (values["json"].as<bool>()) {
    std::cout << nlohmann::json{{"file", path},
                                {"chains", chains},
                                {"records", records},
                                {"broken", broken}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << path << ": " << chains.size() << " audit chain(s), " << records
              << " records: " << (broken == 0 ? "all intact" : std::to_string(broken) + " broken")
              << '\n';
  }
  return broken == 0 ? 0 : 1;
}

}  // namespace genops::scenarios
