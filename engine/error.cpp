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

std::string printable_text(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kDigits[byte >> 4];
      out += kDigits[byte & 15];
    }
  }
  return out;
}

}  // namespace genops::engine
