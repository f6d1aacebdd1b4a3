#pragma once

#include <string>
#include <vector>

#include "results/results_io.hpp"
#include "scenarios/runner.hpp"

namespace boost::program_options {
class options_description;
class positional_options_description;
class variables_map;
}  // namespace boost::program_options

namespace genops::scenarios {

// Parses a command's options into `values`; returns false (after printing `usage` and the
// options) when --help was given.
bool parse_command_options(const std::string& usage,
                           const boost::program_options::options_description& options,
                           const boost::program_options::positional_options_description& positional,
                           const std::vector<std::string>& arguments,
                           boost::program_options::variables_map& values);

// One function per `genops-sim` command; `arguments` excludes the command name. Each returns
// the exit code and throws engine::InputError (exit 2) for bad input.
int command_run(const std::vector<std::string>& arguments);
int command_validate(const std::vector<std::string>& arguments);
int command_compare(const std::vector<std::string>& arguments);  // commands_results.cpp
int command_report(const std::vector<std::string>& arguments);   // commands_results.cpp

int command_conformance(const std::vector<std::string>& arguments);  // telemetry_output.cpp
int command_audit(const std::vector<std::string>& arguments);        // commands_audit.cpp
int command_sweep(const std::vector<std::string>& arguments);        // commands_sweep.cpp

// The scenario options every scenario command takes (--set, --seed, --replications,
// --strategies; cli.cpp) and them as "key=value" overrides in the order they apply.
void add_scenario_options(boost::program_options::options_description& options);
std::vector<std::string> scenario_assignments(const boost::program_options::variables_map& values);

// `genops-sim --version`: version, git commit and build type (commands_sweep.cpp).
std::string version_text();
// `run --json`: the study summary with schema, schema_version and provenance (engine version,
// git commit, build type, config hash, overrides); commands_sweep.cpp.
std::string run_json(const StudyResult& study, const std::vector<std::string>& overrides);

// Writes the GenOps v0.1 telemetry of every AI-governed run as OTLP/JSON lines (`run
// --telemetry`); runs are serialised in parallel and written in (strategy, replication,
// organization) order. Returns the number of spans written.
std::size_t write_study_telemetry(const std::string& path, const StudyResult& study);

// Reads a results file; a bad or unreadable file is engine::InputError (exit 2, one line).
results::StudyRecords load_results(const std::string& path, const results::ReadOptions& read);

// Writes a finished study to an HDF5 results file (`run --out`); results_output.cpp.
// `command_line` is recorded as provenance.
void write_study_results(const std::string& path, const StudyResult& study,
                         const std::string& command_line);

}  // namespace genops::scenarios
