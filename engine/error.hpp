#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace genops::engine {

// `text` safe to print on one terminal line: control characters (newlines, ANSI escapes) become
// \n, \r, \t or \xNN; everything else, UTF-8 included, is kept.
std::string printable_text(std::string_view text);

// A broken invariant inside the program (a bug, never bad input).
[[noreturn]] void assertion_failed(const char* expression, const char* file, int line,
                                   const std::string& message);

// Bad input from a user: a scenario, a trace, a flag. Caught once in main, exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An exception raised while a partition handled an event, tagged with the partition id. When
// several partitions fail in the same run step, the one with the lowest id is reported, so the
// report does not depend on thread timing.
class PartitionError : public std::runtime_error {
 public:
  PartitionError(std::uint32_t partition, const std::string& what)
      : std::runtime_error("partition " + std::to_string(partition) + ": " + what),
        partition_(partition) {}
  std::uint32_t partition() const { return partition_; }

 private:
  std::uint32_t partition_;
};

}  // namespace genops::engine

// Always on (also in release builds): simulation results are only worth anything when the
// invariants held.
#define GENOPS_ASSERT(expression, message)                                            \
  do {                                                                                \
    if (!(expression)) [[unlikely]] {                                                 \
      ::genops::engine::assertion_failed(#expression, __FILE__, __LINE__, (message)); \
    }                                                                                 \
  } while (false)
