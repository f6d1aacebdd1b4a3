#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"
#include "telemetry/telemetry.hpp"

// OTLP/JSON lines (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): one
// ExportTraceServiceRequest per line, ids as lowercase hex, int64 values and times as decimal
// strings, attribute values wrapped in typed AnyValue objects.
namespace genops::telemetry {

// The writer's encoding primitives, for specialised serialisers that must produce its bytes.
// A JSON string literal with its quotes; escapes '"', '\\' and control characters only.
void append_json_string(std::string& out, std::string_view text);
// Shortest round-trip text, ".0" appended to integral values; NaN and infinities as strings.
void append_json_double(std::string& out, double value);
// A quoted decimal string, as OTLP/JSON writes int64 values and *UnixNano fields.
void append_json_int64_string(std::string& out, std::int64_t value);
// The text of a one-resource, one-scope ExportTraceServiceRequest line before its first span;
// the line ends with kOtlpRequestSuffix after the comma-separated span objects.
std::string otlp_request_prefix(const Attributes& resource, const InstrumentationScope& scope);
inline constexpr std::string_view kOtlpRequestSuffix = "]}]}]}\n";

// Appends the OTLP/JSON object of one span (no newline). NaN and infinities are written as the
// proto3 JSON strings "NaN", "Infinity", "-Infinity".
void append_span_json(std::string& out, const Span& span);
// One ExportTraceServiceRequest holding `record`, with a trailing newline.
std::string to_otlp_json_line(const TelemetryRecord& record);

// Streams spans as OTLP/JSON lines under one resource and scope, serialised once. Output is a
// pure function of the spans written and their order. Not thread-safe: merge per-partition spans
// in a deterministic order first. Throws std::runtime_error when the stream fails.
class OtlpJsonLinesWriter {
 public:
  OtlpJsonLinesWriter(std::ostream& out, const Attributes& resource,
                      const InstrumentationScope& scope);
  // Writes one line holding one span.
  void write(const Span& span);
  // Writes one line holding all `spans` (nothing when empty).
  void write(std::span<const Span> spans);
  std::size_t lines_written() const { return lines_written_; }

 private:
  void flush_line();

  std::ostream& out_;
  std::string prefix_;
  std::string line_;
  std::size_t lines_written_ = 0;
};

// Where a record came from: index into TelemetryDataset::files and a 1-based line number.
struct SourceLocation {
  std::uint32_t file = 0;
  std::uint32_t line = 0;
  bool operator==(const SourceLocation&) const = default;
};

struct LoadedResource {
  Attributes attributes;
  InstrumentationScope scope;
  bool operator==(const LoadedResource&) const = default;
};

struct LoadedSpan {
  Span span;
  std::uint32_t resource = 0;  // index into TelemetryDataset::resources
  SourceLocation location;
  bool operator==(const LoadedSpan&) const = default;
};

// Valid JSON that is not shaped like OTLP (a wrong JSON type, an unknown AnyValue, a duplicate
// attribute key): kept for the checker (requirement R1) rather than thrown.
struct FormatIssue {
  SourceLocation location;
  std::string message;
  bool operator==(const FormatIssue&) const = default;
};

// Everything read from one or more OTLP/JSON-lines files, spans in file and line order.
struct TelemetryDataset {
  std::vector<std::string> files;
  std::vector<LoadedResource> resources;
  std::vector<LoadedSpan> spans;
  std::vector<FormatIssue> format_issues;
  std::size_t records = 0;          // top-level JSON values read
  std::size_t skipped_records = 0;  // OTLP logs or metrics requests, which carry no spans

  // "file:line".
  std::string describe(SourceLocation location) const;
  bool operator==(const TelemetryDataset&) const = default;
};

// Unreadable input: a file that cannot be opened, or malformed JSON. The message starts with
// "file:line:" (and the column for syntax errors).
class OtlpJsonError : public engine::InputError {
 public:
  OtlpJsonError(const std::string& file, std::uint32_t line, const std::string& message);
  const std::string& file() const { return file_; }
  std::uint32_t line() const { return line_; }

 private:
  std::string file_;
  std::uint32_t line_;
};

// How the reader divides its work. The dataset read (and the error thrown) never depends on it:
// chunks are merged in file order, and the direct parser hands every line it does not fully
// understand to the DOM reader.
struct OtlpJsonReadOptions {
  // Lines are parsed in chunks of about this many bytes, cut at line ends.
  std::size_t chunk_bytes = std::size_t{4} << 20;
  // Chunks on oneTBB workers (its thread count follows the process's CPU affinity).
  bool parallel = true;
  // A direct parser for the usual OTLP shape; off: every line through nlohmann::json (the
  // reference reader, about 10x slower).
  bool direct_parser = true;
  // Streams (not mapped files) are read in blocks of this many bytes, cut at line ends.
  std::size_t stream_block_bytes = std::size_t{64} << 20;
};

// Reads OTLP/JSON lines from `in`, appending to `into`. Tolerates blank lines, several requests
// on one line (concatenated, or as a JSON array) and several resources/scopes/spans per request.
// Throws OtlpJsonError naming `source_name` and the line on malformed JSON (the first such line;
// `into` then holds what the lines before it and that line's complete records gave).
void read_otlp_json_lines(std::istream& in, const std::string& source_name, TelemetryDataset& into,
                          const OtlpJsonReadOptions& options = {});
// Same for OTLP/JSON lines already in memory (no copy), e.g. converted from a results file.
void read_otlp_json_text(std::string_view text, const std::string& source_name,
                         TelemetryDataset& into, const OtlpJsonReadOptions& options = {});
// Same for a file, mapped into memory when possible; also throws OtlpJsonError when the file
// cannot be opened or read.
void read_otlp_json_lines_file(const std::string& path, TelemetryDataset& into,
                               const OtlpJsonReadOptions& options = {});

}  // namespace genops::telemetry
