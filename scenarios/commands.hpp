#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/results_io.hpp"
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

// Writes the GenOps v0.1 telemetry of every AI-governed run as OTLP/JSON lines (`run
// --telemetry`); runs are serialised in parallel and written in (strategy, replication,
// organization) order. Returns the number of spans written.
// `force`: replace an existing file. engine::InputError (exit 2) when writing fails.
std::size_t write_study_telemetry(const std::string& path, const StudyResult& study, bool force);

// Reads a results file; a bad or unreadable file is engine::InputError (exit 2, one line).
analysis::StudyRecords load_results(const std::string& path, const analysis::ReadOptions& read);

// Writes a finished study to an HDF5 results file (`run --out`); results_output.cpp.
// `command_line` is recorded as provenance.
// `audit_key`: non-empty to store the audit manifest's HMAC. Returns the manifest digest (hex).
std::string write_study_results(const std::string& path, const StudyResult& study,
                                const std::string& command_line, bool force,
                                const std::string& audit_key);

// The bytes of an HMAC key file (`--audit-key`, `--key`): a regular file of 1..4096 bytes.
std::string read_key_file(const std::string& path, const std::string& option);

// Output safety before any work (analysis/output_file.hpp): engine::InputError naming the
// option when an output is empty, not a regular file, one of `inputs`, another output, or an
// existing file without --force.
void check_command_outputs(const std::vector<analysis::OutputTarget>& outputs,
                           const std::vector<std::filesystem::path>& inputs, bool force);

}  // namespace genops::scenarios
