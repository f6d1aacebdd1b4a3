#pragma once

#include <string>
#include <vector>

#include "models/config.hpp"

// `genops-sim sweep plan|run|status|table`, `--version` and the provenance of `run --json`.
namespace genops::scenarios {

// `arguments` excludes the command name; returns the exit code, engine::InputError is exit 2.
int command_sweep(const std::vector<std::string>& arguments);

// `genops-sim --version`: version, git commit, build type, compiler, MPI or not.
std::string version_text();

// `run --json`: `study_json` framed with schema, schema_version and provenance (engine version,
// git commit, build type, config hash, overrides).
std::string run_json(const std::string& study_json, const models::Scenario& scenario,
                     const std::vector<std::string>& overrides);

}  // namespace genops::scenarios
