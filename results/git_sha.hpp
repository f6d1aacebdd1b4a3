#pragma once

namespace genops::results {

// The short git SHA of the source tree the binary was built from ("unknown" outside a
// checkout). Generated at build time (cmake/GenopsGitSha.cmake), so it never goes stale.
const char* git_sha();

}  // namespace genops::results
