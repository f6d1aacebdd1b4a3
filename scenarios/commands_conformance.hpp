#pragma once

#include <string>
#include <vector>

namespace genops::scenarios {

// `genops-sim conformance FILE...`: GenOps v0.1 conformance of OTLP/JSON lines from any runtime
// or of results files' /awu tables. `arguments` excludes the command name; returns 0 for full
// compliance, 1 otherwise; unreadable input is engine::InputError (exit 2).
int command_conformance(const std::vector<std::string>& arguments);

}  // namespace genops::scenarios
