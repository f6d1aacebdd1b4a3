#pragma once

#include <string>
#include <vector>

namespace genops::scenarios {

// `genops-sim audit verify results.h5`: recomputes every audit trail's hash chain. `arguments`
// excludes the command name; returns the exit code (1: a broken chain).
int command_audit(const std::vector<std::string>& arguments);

// The bytes of an HMAC key file (`run --audit-key`, `audit verify --key`): a regular file of
// 1..4096 bytes; engine::InputError naming the option otherwise.
std::string read_key_file(const std::string& path, const std::string& option);

}  // namespace genops::scenarios
