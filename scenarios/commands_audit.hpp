#pragma once

#include <string>
#include <vector>

namespace genops::scenarios {

// `genops-sim audit verify results.h5`: recomputes every audit trail's hash chain. `arguments`
// excludes the command name; returns the exit code (1: a broken chain).
int command_audit(const std::vector<std::string>& arguments);

}  // namespace genops::scenarios
