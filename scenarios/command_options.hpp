#pragma once

#include <string>
#include <vector>

namespace boost::program_options {
class options_description;
class positional_options_description;
class variables_map;
}  // namespace boost::program_options

// What every `genops-sim` command shares: exit codes and option parsing.
namespace genops::scenarios {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // the run failed, or the check found a problem
constexpr int kExitBadInput = 2;  // engine::InputError: one line naming file, line, key

// Parses a command's options into `values`; returns false (after printing `usage` and the
// options) when --help was given.
bool parse_command_options(const std::string& usage,
                           const boost::program_options::options_description& options,
                           const boost::program_options::positional_options_description& positional,
                           const std::vector<std::string>& arguments,
                           boost::program_options::variables_map& values);

// The scenario options every scenario command takes (--set, --seed, --replications,
// --strategies) and them as "key=value" overrides in the order they apply (cli.cpp).
void add_scenario_options(boost::program_options::options_description& options);
std::vector<std::string> scenario_assignments(const boost::program_options::variables_map& values);

}  // namespace genops::scenarios
