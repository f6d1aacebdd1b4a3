#include "engine/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace genops::engine {

void assertion_failed(const char* expression, const char* file, int line,
                      const std::string& message) {
  std::fprintf(stderr, "genops-sim: internal error: %s:%d: assertion '%s' failed: %s\n", file, line,
               expression, message.c_str());
  std::abort();
}

}  // namespace genops::engine
