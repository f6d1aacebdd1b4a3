#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The record-agnostic telemetry model: OpenTelemetry spans with typed attributes and span
// events, as read from or written to OTLP/JSON. Nothing here knows about deployments; an AI
// Workload Unit (AWU) is a span that carries `genops.*` attributes (see awu_builder.hpp).
namespace genops::telemetry {

// An AnyValue the GenOps value types do not cover (arrayValue, kvlistValue, bytesValue), kept
// as its compact OTLP/JSON text so a reader can pass it through unchanged.
struct OpaqueValue {
  std::string json;
  bool operator==(const OpaqueValue&) const = default;
};

// A typed attribute value. std::monostate is the empty AnyValue `{}` (OTLP "null").
using AttributeValue =
    std::variant<std::monostate, std::string, double, std::int64_t, bool, OpaqueValue>;

// The OTLP/JSON type name of a value: "stringValue", "doubleValue", "intValue", "boolValue",
// "empty" or "opaque".
std::string_view value_type_name(const AttributeValue& value);

struct Attribute {
  std::string key;
  AttributeValue value;
  bool operator==(const Attribute&) const = default;
};

// Attributes in insertion order (OTLP keeps them as a list; the order is part of the output).
class Attributes {
 public:
  // Sets `key`, replacing the value in place if the key exists, else appending.
  void set(std::string_view key, AttributeValue value);
  // Appends without looking for an existing key (readers keep duplicates to report them).
  void append(std::string key, AttributeValue value);
  // Capacity for `count` attributes (a hint; avoids regrowth for a known shape).
  void reserve(std::size_t count) { items_.reserve(count); }
  const AttributeValue* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Typed lookups: nullptr when the key is absent or holds another type.
  const std::string* find_string(std::string_view key) const;
  const double* find_double(std::string_view key) const;
  const std::int64_t* find_int(std::string_view key) const;
  const bool* find_bool(std::string_view key) const;

  const std::vector<Attribute>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool operator==(const Attributes&) const = default;

 private:
  std::vector<Attribute> items_;
};

struct SpanEvent {
  std::string name;
  std::int64_t time_unix_nano = 0;
  Attributes attributes;
  bool operator==(const SpanEvent&) const = default;
};

// A link to another span, e.g. from a retry AWU to the AWU it retries.
struct SpanLink {
  std::string trace_id;
  std::string span_id;
  Attributes attributes;
  bool operator==(const SpanLink&) const = default;
};

// OTLP SpanKind and Status.code values.
enum class SpanKind : std::int32_t {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5
};
enum class StatusCode : std::int32_t { Unset = 0, Ok = 1, Error = 2 };

// One span. Identifiers are lowercase hex text (trace 32 digits, span 16 digits) so that a
// reader can keep, and a checker report, malformed identifiers from foreign runtimes;
// `parent_span_id` is empty for a root span.
struct Span {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string name;
  SpanKind kind = SpanKind::Internal;
  std::int64_t start_time_unix_nano = 0;
  std::int64_t end_time_unix_nano = 0;
  Attributes attributes;
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
  StatusCode status = StatusCode::Unset;
  std::string status_message;
  bool operator==(const Span&) const = default;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  bool operator==(const InstrumentationScope&) const = default;
};

// One resource/scope pair with its spans: the content of one OTLP/JSON line we write.
struct TelemetryRecord {
  Attributes resource;
  InstrumentationScope scope;
  std::vector<Span> spans;
  bool operator==(const TelemetryRecord&) const = default;
};

// W3C Trace Context identifiers: lowercase hex of the right length, not all zeros.
bool is_valid_trace_id(std::string_view hex);
bool is_valid_span_id(std::string_view hex);

// Deterministic W3C identifiers derived by hashing (SHA-256, truncated) a fixed binary layout of
// the key, never from a random device, so a replay reproduces them and distinct keys collide
// with probability ~2^-64. `run_nonce` separates runs that must not share ids (spec §2.2);
// keep it fixed to compare two runs for determinism.
struct TelemetryIdKey {
  std::uint64_t run_nonce = 0;
  std::uint64_t seed = 0;
  std::uint32_t replication = 0;
  std::uint64_t deployment_id = 0;
};
// The trace of one deployment request: 32 hex digits.
std::string derive_trace_id(const TelemetryIdKey& key);
// Span `step` of that deployment (step 0 is conventionally the non-AWU root span): 16 hex digits.
std::string derive_span_id(const TelemetryIdKey& key, std::uint32_t step);

// The same ids as derive_trace_id / derive_span_id, for exporters that derive millions: the
// SHA-256 implementation is fetched once and its context reused, and nothing is allocated per
// id. Not thread-safe: one per thread.
class TelemetryIdDeriver {
 public:
  TelemetryIdDeriver();
  ~TelemetryIdDeriver();
  TelemetryIdDeriver(const TelemetryIdDeriver&) = delete;
  TelemetryIdDeriver& operator=(const TelemetryIdDeriver&) = delete;

  std::array<char, 32> trace_id(const TelemetryIdKey& key);
  std::array<char, 16> span_id(const TelemetryIdKey& key, std::uint32_t step);

 private:
  struct Digest;
  std::unique_ptr<Digest> digest_;
};

}  // namespace genops::telemetry
