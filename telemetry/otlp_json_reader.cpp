// The OTLP/JSON lines reader. A file is mapped (or a stream read in large blocks), cut into
// chunks of whole lines, and the chunks are parsed on oneTBB workers, each into its own dataset;
// the chunks are then appended in file order, so the result is the sequential one. A direct
// parser reads the usual OTLP shape straight into the model; it gives up on anything else and
// that line goes through nlohmann::json, the reference reader, so both give the same dataset.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <istream>
#include <optional>
#include <unordered_set>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <nlohmann/json.hpp>

#include "telemetry/otlp_json.hpp"

namespace genops::telemetry {
namespace {

using Json = nlohmann::json;

// An OTLP/JSON int64 in text form: the whole of `text` is a decimal integer.
std::optional<std::int64_t> int64_from_text(std::string_view text) {
  std::int64_t parsed = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty()) {
    return parsed;
  }
  return std::nullopt;
}

// A double in text form: the proto3 JSON names of NaN and the infinities, or a number.
std::optional<double> double_from_text(std::string_view text) {
  if (text == "NaN") {
    return std::nan("");
  }
  if (text == "Infinity") {
    return HUGE_VAL;
  }
  if (text == "-Infinity") {
    return -HUGE_VAL;
  }
  double parsed = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty()) {
    return parsed;
  }
  return std::nullopt;
}

// Consecutive records usually repeat the same resource and scope: keep one copy.
std::uint32_t intern_resource(TelemetryDataset& into, const Attributes& resource,
                              const InstrumentationScope& scope) {
  if (!into.resources.empty()) {
    const LoadedResource& last = into.resources.back();
    if (last.scope == scope && last.attributes == resource) {
      return static_cast<std::uint32_t>(into.resources.size() - 1);
    }
  }
  into.resources.push_back(LoadedResource{resource, scope});
  return static_cast<std::uint32_t>(into.resources.size() - 1);
}

// ---------------------------------------------------------------------------------------------
// The reference reader: nlohmann::json per record, then a shape-checked conversion into the
// model. Every line the direct parser below does not fully understand comes here.

class RecordReader {
 public:
  RecordReader(TelemetryDataset& into, SourceLocation location)
      : into_(into), location_(location) {}

  void read_request(const Json& request) {
    ++into_.records;
    if (!request.is_object()) {
      issue("a record must be a JSON object (an ExportTraceServiceRequest)");
      return;
    }
    const auto resource_spans = request.find("resourceSpans");
    if (resource_spans == request.end()) {
      if (request.contains("resourceLogs") || request.contains("resourceMetrics")) {
        ++into_.skipped_records;
      } else {
        issue("not an ExportTraceServiceRequest: no \"resourceSpans\"");
      }
      return;
    }
    if (!resource_spans->is_array()) {
      issue("\"resourceSpans\" must be an array");
      return;
    }
    for (const Json& entry : *resource_spans) {
      read_resource_spans(entry);
    }
  }

 private:
  void issue(std::string message) {
    into_.format_issues.push_back(FormatIssue{location_, std::move(message)});
  }

  const Json* member(const Json& object, const char* key, Json::value_t type, const char* where) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
      return nullptr;
    }
    const bool number_ok = type == Json::value_t::number_float && found->is_number();
    if (found->type() != type && !number_ok) {
      issue(std::string(where) + ": \"" + key + "\" has the wrong JSON type");
      return nullptr;
    }
    return &*found;
  }

  std::string string_member(const Json& object, const char* key, const char* where) {
    const Json* value = member(object, key, Json::value_t::string, where);
    return value == nullptr ? std::string() : value->get<std::string>();
  }

  // int64 fields: a decimal string (OTLP/JSON) or a JSON integer (accepted when decoding).
  std::optional<std::int64_t> parse_int64(const Json& value, const std::string& what) {
    if (value.is_number_integer()) {
      return value.get<std::int64_t>();
    }
    if (value.is_string()) {
      if (const auto parsed = int64_from_text(value.get_ref<const std::string&>())) {
        return parsed;
      }
    }
    issue(what + " is not an int64 (decimal string or integer)");
    return std::nullopt;
  }

  std::int64_t time_member(const Json& object, const char* key, const char* where) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
      return 0;
    }
    return parse_int64(*found, std::string(where) + ": \"" + key + "\"").value_or(0);
  }

  std::optional<double> parse_double(const Json& value, const std::string& what) {
    if (value.is_number()) {
      return value.get<double>();
    }
    if (value.is_string()) {
      if (const auto parsed = double_from_text(value.get_ref<const std::string&>())) {
        return parsed;
      }
    }
    issue(what + " is not a double");
    return std::nullopt;
  }

  AttributeValue read_any_value(const Json& value, const std::string& key) {
    if (!value.is_object()) {
      issue("attribute '" + key + "': value must be an AnyValue object");
      return std::monostate{};
    }
    if (value.empty()) {
      return std::monostate{};
    }
    if (value.size() != 1) {
      issue("attribute '" + key + "': an AnyValue holds exactly one typed field");
      return std::monostate{};
    }
    const auto field = value.begin();
    const std::string& type = field.key();
    const Json& inner = field.value();
    if (type == "stringValue") {
      if (inner.is_string()) {
        return inner.get<std::string>();
      }
    } else if (type == "doubleValue") {
      if (const auto parsed = parse_double(inner, "attribute '" + key + "' doubleValue")) {
        return *parsed;
      }
      return std::monostate{};
    } else if (type == "intValue") {
      if (const auto parsed = parse_int64(inner, "attribute '" + key + "' intValue")) {
        return *parsed;
      }
      return std::monostate{};
    } else if (type == "boolValue") {
      if (inner.is_boolean()) {
        return inner.get<bool>();
      }
    } else if (type == "arrayValue" || type == "kvlistValue" || type == "bytesValue") {
      return OpaqueValue{value.dump()};
    } else {
      issue("attribute '" + key + "': unknown AnyValue field \"" + type + "\"");
      return std::monostate{};
    }
    issue("attribute '" + key + "': " + type + " has the wrong JSON type");
    return std::monostate{};
  }

  Attributes read_attributes(const Json& owner, const char* where) {
    Attributes attributes;
    const Json* list = member(owner, "attributes", Json::value_t::array, where);
    if (list == nullptr) {
      return attributes;
    }
    std::unordered_set<std::string> seen;
    for (const Json& entry : *list) {
      if (!entry.is_object()) {
        issue(std::string(where) + ": an attribute must be a {key, value} object");
        continue;
      }
      std::string key = string_member(entry, "key", where);
      if (key.empty()) {
        issue(std::string(where) + ": an attribute has no key");
        continue;
      }
      const auto value = entry.find("value");
      AttributeValue parsed = value == entry.end() ? AttributeValue{} : read_any_value(*value, key);
      if (!seen.insert(key).second) {
        issue(std::string(where) + ": duplicate attribute key '" + key + "'");
      }
      attributes.append(std::move(key), std::move(parsed));
    }
    return attributes;
  }

  void read_resource_spans(const Json& entry) {
    if (!entry.is_object()) {
      issue("a resourceSpans entry must be an object");
      return;
    }
    Attributes resource;
    if (const Json* object = member(entry, "resource", Json::value_t::object, "resource")) {
      resource = read_attributes(*object, "resource");
    }
    const Json* scope_spans = member(entry, "scopeSpans", Json::value_t::array, "resourceSpans");
    if (scope_spans == nullptr) {
      if (entry.contains("instrumentationLibrarySpans")) {
        issue("\"instrumentationLibrarySpans\" is the pre-1.0 OTLP name; use \"scopeSpans\"");
      }
      return;
    }
    for (const Json& scope_entry : *scope_spans) {
      if (!scope_entry.is_object()) {
        issue("a scopeSpans entry must be an object");
        continue;
      }
      InstrumentationScope scope;
      if (const Json* object = member(scope_entry, "scope", Json::value_t::object, "scope")) {
        scope.name = string_member(*object, "name", "scope");
        scope.version = string_member(*object, "version", "scope");
      }
      const auto resource_index = intern_resource(into_, resource, scope);
      const Json* spans = member(scope_entry, "spans", Json::value_t::array, "scopeSpans");
      if (spans == nullptr) {
        continue;
      }
      for (const Json& span : *spans) {
        read_span(span, resource_index);
      }
    }
  }

  void read_span(const Json& object, std::uint32_t resource_index) {
    if (!object.is_object()) {
      issue("a span must be an object");
      return;
    }
    LoadedSpan loaded;
    loaded.resource = resource_index;
    loaded.location = location_;
    Span& span = loaded.span;
    span.trace_id = string_member(object, "traceId", "span");
    span.span_id = string_member(object, "spanId", "span");
    span.parent_span_id = string_member(object, "parentSpanId", "span");
    span.name = string_member(object, "name", "span");
    if (const auto kind = object.find("kind"); kind != object.end()) {
      if (kind->is_number_integer()) {
        span.kind = static_cast<SpanKind>(kind->get<std::int32_t>());
      } else {
        issue("span: \"kind\" must be an integer enum value");
      }
    }
    span.start_time_unix_nano = time_member(object, "startTimeUnixNano", "span");
    span.end_time_unix_nano = time_member(object, "endTimeUnixNano", "span");
    span.attributes = read_attributes(object, "span");
    if (const Json* events = member(object, "events", Json::value_t::array, "span")) {
      for (const Json& event : *events) {
        if (!event.is_object()) {
          issue("span: an event must be an object");
          continue;
        }
        SpanEvent parsed;
        parsed.name = string_member(event, "name", "event");
        parsed.time_unix_nano = time_member(event, "timeUnixNano", "event");
        parsed.attributes = read_attributes(event, "event");
        span.events.push_back(std::move(parsed));
      }
    }
    if (const Json* links = member(object, "links", Json::value_t::array, "span")) {
      for (const Json& link : *links) {
        if (!link.is_object()) {
          issue("span: a link must be an object");
          continue;
        }
        span.links.push_back(SpanLink{string_member(link, "traceId", "link"),
                                      string_member(link, "spanId", "link"),
                                      read_attributes(link, "link")});
      }
    }
    if (const Json* status = member(object, "status", Json::value_t::object, "span")) {
      if (const auto code = status->find("code"); code != status->end()) {
        if (code->is_number_integer()) {
          span.status = static_cast<StatusCode>(code->get<std::int32_t>());
        } else {
          issue("span: status \"code\" must be an integer enum value");
        }
      }
      span.status_message = string_member(*status, "message", "status");
    }
    into_.spans.push_back(std::move(loaded));
  }

  TelemetryDataset& into_;
  SourceLocation location_;
};

// Parses every JSON value on one line (records may be concatenated on a line).
void read_line_values(std::string_view line, const std::string& source_name,
                      SourceLocation location, TelemetryDataset& into);

// OTLP records nest about ten levels; nlohmann's dump() of an opaque value recurses per level.
constexpr std::size_t kMaxNestingDepth = 64;

// The deepest [ / { nesting of a line, outside strings.
std::size_t nesting_depth(std::string_view line) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void read_line_with_dom(std::string_view line, const std::string& source_name,
                        SourceLocation location, TelemetryDataset& into) {
  if (nesting_depth(line) > kMaxNestingDepth) {
    throw OtlpJsonError(source_name, location.line,
                        "JSON nested deeper than " + std::to_string(kMaxNestingDepth) +
                            " levels; expected an OTLP/JSON record");
  }
  try {
    read_line_values(line, source_name, location, into);
  } catch (const Json::exception& error) {
    // Anything nlohmann refuses beyond syntax (a number like 1e400 out of range, ...).
    throw OtlpJsonError(source_name, location.line,
                        std::string("unreadable JSON: ") + error.what());
  }
}

void read_line_values(std::string_view line, const std::string& source_name,
                      SourceLocation location, TelemetryDataset& into) {
  std::size_t offset = 0;
  while (true) {
    while (offset < line.size() &&
           (line[offset] == ' ' || line[offset] == '\t' || line[offset] == '\r')) {
      ++offset;
    }
    if (offset == line.size()) {
      return;
    }
    const std::string_view rest = line.substr(offset);
    Json value;
    std::size_t consumed = rest.size();
    try {
      value = Json::parse(rest.begin(), rest.end());
    } catch (const Json::parse_error& whole_error) {
      // "expected end of input" after a complete value: parse the prefix, then go on.
      const std::size_t end = whole_error.byte >= 1 ? whole_error.byte - 1 : 0;
      bool prefix_ok = false;
      if (end > 0 && end < rest.size()) {
        try {
          value = Json::parse(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(end));
          consumed = end;
          prefix_ok = true;
        } catch (const Json::parse_error&) {
          prefix_ok = false;
        }
      }
      if (!prefix_ok) {
        throw OtlpJsonError(source_name, location.line,
                            "column " + std::to_string(offset + whole_error.byte) +
                                ": malformed JSON: " + whole_error.what());
      }
    }
    RecordReader reader(into, location);
    if (value.is_array()) {
      for (const Json& element : value) {
        reader.read_request(element);
      }
    } else {
      reader.read_request(value);
    }
    offset += consumed;
  }
}

// ---------------------------------------------------------------------------------------------
// The direct parser: the usual OTLP shape, read straight into the model without a DOM. It reads
// a line only when it holds exactly one ExportTraceServiceRequest made of members it knows, each
// once, with the JSON types the reference reader accepts without a format issue. On anything
// else (malformed or unusual JSON, arrays of requests, unknown or repeated members, nulls,
// opaque or surrogate-escaped values, issues to report) it gives up and restores the dataset;
// the caller then reads the line with the reference reader, which also words the errors.

// Bytes that may stand for themselves inside a JSON string without further checks.
constexpr bool is_plain_string_byte(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// The length of the well-formed UTF-8 sequence (RFC 3629, as nlohmann::json checks it) starting
// at `text`, or 0.
std::size_t utf8_sequence_length(const unsigned char* text, const unsigned char* end) {
  const auto in = [&](std::size_t index, unsigned char low, unsigned char high) {
    return text + index < end && text[index] >= low && text[index] <= high;
  };
  const unsigned char lead = text[0];
  if (lead >= 0xC2 && lead <= 0xDF) {
    return in(1, 0x80, 0xBF) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return in(1, low, high) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return in(1, low, high) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

class DirectRecordParser {
 public:
  explicit DirectRecordParser(TelemetryDataset& into) : into_(into) {}

  // True when `line` was read completely into the dataset; false leaves the dataset unchanged.
  bool read_line(std::string_view line, SourceLocation location) {
    cursor_ = line.data();
    end_ = line.data() + line.size();
    location_ = location;
    skip_whitespace();
    if (cursor_ == end_ || *cursor_ != '{') {
      return false;  // blank lines and arrays of requests: the reference reader's business
    }
    const std::size_t spans_before = into_.spans.size();
    const std::size_t resources_before = into_.resources.size();
    const std::size_t records_before = into_.records;
    if (read_request()) {
      skip_whitespace();
      if (cursor_ == end_) {
        return true;
      }
    }
    into_.spans.resize(spans_before);
    into_.resources.resize(resources_before);
    into_.records = records_before;
    return false;
  }

 private:
  // A member seen twice is left to the reference reader (nlohmann keeps the last one).
  class Members {
   public:
    bool first_time(unsigned bit) {
      const bool first = (seen_ & (1u << bit)) == 0;
      seen_ |= 1u << bit;
      return first;
    }

   private:
    unsigned seen_ = 0;
  };

  struct ScopeSpans {
    InstrumentationScope scope;
    std::size_t first_span = 0;
    std::size_t end_span = 0;
  };

  void skip_whitespace() {
    while (cursor_ != end_ &&
           (*cursor_ == ' ' || *cursor_ == '\t' || *cursor_ == '\n' || *cursor_ == '\r')) {
      ++cursor_;
    }
  }

  // Skips whitespace, then consumes `c` if it is next.
  bool consume(char c) {
    skip_whitespace();
    if (cursor_ != end_ && *cursor_ == c) {
      ++cursor_;
      return true;
    }
    return false;
  }

  // A member name (plain ASCII, no escapes) and its colon.
  bool read_member_name(std::string_view& name) {
    if (!consume('"')) {
      return false;
    }
    const char* start = cursor_;
    while (cursor_ != end_ && is_plain_string_byte(static_cast<unsigned char>(*cursor_))) {
      ++cursor_;
    }
    if (cursor_ == end_ || *cursor_ != '"') {
      return false;
    }
    name = std::string_view(start, static_cast<std::size_t>(cursor_ - start));
    ++cursor_;
    return consume(':');
  }

  // `{ "name": value, ... }`, calling on_member(name) with the cursor before each value.
  template <typename OnMember>
  bool read_object(OnMember&& on_member) {
    if (!consume('{')) {
      return false;
    }
    if (consume('}')) {
      return true;
    }
    while (true) {
      std::string_view name;
      if (!read_member_name(name) || !on_member(name)) {
        return false;
      }
      if (consume(',')) {
        continue;
      }
      return consume('}');
    }
  }

  // `[ element, ... ]`, calling on_element() with the cursor before each element.
  template <typename OnElement>
  bool read_array(OnElement&& on_element) {
    if (!consume('[')) {
      return false;
    }
    if (consume(']')) {
      return true;
    }
    while (true) {
      if (!on_element()) {
        return false;
      }
      if (consume(',')) {
        continue;
      }
      return consume(']');
    }
  }

  bool read_string(std::string& out) {
    if (!consume('"')) {
      return false;
    }
    out.clear();
    const char* run = cursor_;
    while (cursor_ != end_) {
      const auto c = static_cast<unsigned char>(*cursor_);
      if (is_plain_string_byte(c)) {
        ++cursor_;
      } else if (c == '"') {
        out.append(run, cursor_);
        ++cursor_;
        return true;
      } else if (c >= 0x80) {
        const std::size_t length =
            utf8_sequence_length(reinterpret_cast<const unsigned char*>(cursor_),
                                 reinterpret_cast<const unsigned char*>(end_));
        if (length == 0) {
          return false;
        }
        cursor_ += length;
      } else if (c == '\\') {
        out.append(run, cursor_);
        ++cursor_;
        if (!read_escape(out)) {
          return false;
        }
        run = cursor_;
      } else {
        return false;  // an unescaped control character
      }
    }
    return false;
  }

  // The escape after a backslash; \u escapes of surrogates are left to the reference reader.
  bool read_escape(std::string& out) {
    if (cursor_ == end_) {
      return false;
    }
    const char kind = *cursor_++;
    switch (kind) {
      case '"':
      case '\\':
      case '/':
        out.push_back(kind);
        return true;
      case 'b':
        out.push_back('\b');
        return true;
      case 'f':
        out.push_back('\f');
        return true;
      case 'n':
        out.push_back('\n');
        return true;
      case 'r':
        out.push_back('\r');
        return true;
      case 't':
        out.push_back('\t');
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    constexpr std::ptrdiff_t kHexDigits = 4;
    if (end_ - cursor_ < kHexDigits) {
      return false;
    }
    unsigned code_point = 0;
    for (std::ptrdiff_t i = 0; i < kHexDigits; ++i) {
      const int digit = hex_digit_value(cursor_[i]);
      if (digit < 0) {
        return false;
      }
      code_point = code_point * 16 + static_cast<unsigned>(digit);
    }
    cursor_ += kHexDigits;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) {
      return false;
    }
    if (code_point < 0x80) {
      out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
    return true;
  }

  // A JSON number token (RFC 8259 grammar); `integral` when it has no fraction or exponent.
  bool scan_number(std::string_view& text, bool& integral) {
    skip_whitespace();
    const char* start = cursor_;
    const auto digit = [this] { return cursor_ != end_ && *cursor_ >= '0' && *cursor_ <= '9'; };
    if (cursor_ != end_ && *cursor_ == '-') {
      ++cursor_;
    }
    if (cursor_ != end_ && *cursor_ == '0') {
      ++cursor_;
    } else if (digit()) {
      while (digit()) {
        ++cursor_;
      }
    } else {
      return false;
    }
    integral = true;
    if (cursor_ != end_ && *cursor_ == '.') {
      ++cursor_;
      integral = false;
      if (!digit()) {
        return false;
      }
      while (digit()) {
        ++cursor_;
      }
    }
    if (cursor_ != end_ && (*cursor_ == 'e' || *cursor_ == 'E')) {
      ++cursor_;
      integral = false;
      if (cursor_ != end_ && (*cursor_ == '+' || *cursor_ == '-')) {
        ++cursor_;
      }
      if (!digit()) {
        return false;
      }
      while (digit()) {
        ++cursor_;
      }
    }
    text = std::string_view(start, static_cast<std::size_t>(cursor_ - start));
    return true;
  }

  // A JSON integer that fits an int64 (larger ones are unsigned or doubles to nlohmann).
  bool read_json_int64(std::int64_t& value) {
    std::string_view text;
    bool integral = false;
    if (!scan_number(text, integral) || !integral) {
      return false;
    }
    const auto parsed = int64_from_text(text);
    if (!parsed) {
      return false;
    }
    value = *parsed;
    return true;
  }

  // An enum value (span kind, status code): a JSON integer in the int32 range.
  template <typename Enum>
  bool read_enum(Enum& value) {
    std::int64_t number = 0;
    if (!read_json_int64(number) || number < INT32_MIN || number > INT32_MAX) {
      return false;
    }
    value = static_cast<Enum>(static_cast<std::int32_t>(number));
    return true;
  }

  // An int64 field: a decimal string (OTLP/JSON) or a JSON integer.
  bool read_int64(std::int64_t& value) {
    skip_whitespace();
    if (cursor_ != end_ && *cursor_ == '"') {
      if (!read_string(scratch_)) {
        return false;
      }
      const auto parsed = int64_from_text(scratch_);
      if (!parsed) {
        return false;
      }
      value = *parsed;
      return true;
    }
    return read_json_int64(value);
  }

  // A double field: a JSON number with a fraction or exponent (an integral one becomes an
  // integer to nlohmann, with its own conversion), or a string double_from_text accepts.
  bool read_double(double& value) {
    skip_whitespace();
    std::string_view text;
    if (cursor_ != end_ && *cursor_ == '"') {
      if (!read_string(scratch_)) {
        return false;
      }
      text = scratch_;
    } else {
      bool integral = true;
      if (!scan_number(text, integral) || integral) {
        return false;
      }
    }
    const auto parsed = double_from_text(text);
    if (!parsed) {
      return false;
    }
    value = *parsed;
    return true;
  }

  bool read_bool(bool& value) {
    skip_whitespace();
    const std::string_view rest(cursor_, static_cast<std::size_t>(end_ - cursor_));
    if (rest.starts_with("true")) {
      cursor_ += 4;
      value = true;
      return true;
    }
    if (rest.starts_with("false")) {
      cursor_ += 5;
      value = false;
      return true;
    }
    return false;
  }

  // An AnyValue of a GenOps value type, or the empty AnyValue.
  bool read_any_value(AttributeValue& value) {
    bool typed = false;
    return read_object([&](std::string_view name) {
      if (typed) {
        return false;  // an AnyValue holds exactly one typed field
      }
      typed = true;
      if (name == "stringValue") {
        std::string text;
        if (!read_string(text)) {
          return false;
        }
        value = std::move(text);
        return true;
      }
      if (name == "doubleValue") {
        double number = 0;
        if (!read_double(number)) {
          return false;
        }
        value = number;
        return true;
      }
      if (name == "intValue") {
        std::int64_t number = 0;
        if (!read_int64(number)) {
          return false;
        }
        value = number;
        return true;
      }
      if (name == "boolValue") {
        bool flag = false;
        if (!read_bool(flag)) {
          return false;
        }
        value = flag;
        return true;
      }
      return false;
    });
  }

  // `[{"key": ..., "value": AnyValue}, ...]` with distinct, non-empty keys.
  // Lists are gathered in a reused vector first so that each list allocates once, at its size
  // (attribute lists never nest here: kvlistValue goes to the reference reader).
  bool read_attributes(Attributes& attributes) {
    pending_attributes_.clear();
    const bool read = read_array([&] {
      Attribute& attribute = pending_attributes_.emplace_back();
      Members members;
      const bool read_entry = read_object([&](std::string_view name) {
        if (name == "key") {
          return members.first_time(0) && read_string(attribute.key);
        }
        if (name == "value") {
          return members.first_time(1) && read_any_value(attribute.value);
        }
        return false;
      });
      if (!read_entry || attribute.key.empty()) {
        return false;
      }
      for (std::size_t i = 0; i + 1 < pending_attributes_.size(); ++i) {
        if (pending_attributes_[i].key == attribute.key) {
          return false;
        }
      }
      return true;
    });
    if (!read) {
      return false;
    }
    attributes.reserve(pending_attributes_.size());
    for (Attribute& attribute : pending_attributes_) {
      attributes.append(std::move(attribute.key), std::move(attribute.value));
    }
    return true;
  }

  bool read_event(SpanEvent& event) {
    Members members;
    return read_object([&](std::string_view name) {
      if (name == "timeUnixNano") {
        return members.first_time(0) && read_int64(event.time_unix_nano);
      }
      if (name == "name") {
        return members.first_time(1) && read_string(event.name);
      }
      if (name == "attributes") {
        return members.first_time(2) && read_attributes(event.attributes);
      }
      return false;
    });
  }

  bool read_link(SpanLink& link) {
    Members members;
    return read_object([&](std::string_view name) {
      if (name == "traceId") {
        return members.first_time(0) && read_string(link.trace_id);
      }
      if (name == "spanId") {
        return members.first_time(1) && read_string(link.span_id);
      }
      if (name == "attributes") {
        return members.first_time(2) && read_attributes(link.attributes);
      }
      return false;
    });
  }

  bool read_status(Span& span) {
    Members members;
    return read_object([&](std::string_view name) {
      if (name == "code") {
        return members.first_time(0) && read_enum(span.status);
      }
      if (name == "message") {
        return members.first_time(1) && read_string(span.status_message);
      }
      return false;
    });
  }

  bool read_span() {
    LoadedSpan& loaded = into_.spans.emplace_back();
    loaded.location = location_;
    Span& span = loaded.span;
    Members members;
    return read_object([&](std::string_view name) {
      if (name == "traceId") {
        return members.first_time(0) && read_string(span.trace_id);
      }
      if (name == "spanId") {
        return members.first_time(1) && read_string(span.span_id);
      }
      if (name == "parentSpanId") {
        return members.first_time(2) && read_string(span.parent_span_id);
      }
      if (name == "name") {
        return members.first_time(3) && read_string(span.name);
      }
      if (name == "kind") {
        return members.first_time(4) && read_enum(span.kind);
      }
      if (name == "startTimeUnixNano") {
        return members.first_time(5) && read_int64(span.start_time_unix_nano);
      }
      if (name == "endTimeUnixNano") {
        return members.first_time(6) && read_int64(span.end_time_unix_nano);
      }
      if (name == "attributes") {
        return members.first_time(7) && read_attributes(span.attributes);
      }
      if (name == "events") {
        return members.first_time(8) &&
               read_array([&] { return read_event(span.events.emplace_back()); });
      }
      if (name == "links") {
        return members.first_time(9) &&
               read_array([&] { return read_link(span.links.emplace_back()); });
      }
      if (name == "status") {
        return members.first_time(10) && read_status(span);
      }
      return false;
    });
  }

  bool read_scope(InstrumentationScope& scope) {
    Members members;
    return read_object([&](std::string_view name) {
      if (name == "name") {
        return members.first_time(0) && read_string(scope.name);
      }
      if (name == "version") {
        return members.first_time(1) && read_string(scope.version);
      }
      return false;
    });
  }

  bool read_scope_spans(std::vector<ScopeSpans>& scopes) {
    ScopeSpans& entry = scopes.emplace_back();
    entry.first_span = into_.spans.size();
    Members members;
    const bool read = read_object([&](std::string_view name) {
      if (name == "scope") {
        return members.first_time(0) && read_scope(entry.scope);
      }
      if (name == "spans") {
        return members.first_time(1) && read_array([&] { return read_span(); });
      }
      return false;
    });
    entry.end_span = into_.spans.size();
    return read;
  }

  // The resource may follow its scopes in the text: spans get their resource at the end.
  bool read_resource_spans() {
    Attributes resource;
    std::vector<ScopeSpans> scopes;
    Members members;
    const bool read = read_object([&](std::string_view name) {
      if (name == "resource") {
        return members.first_time(0) && read_object([&](std::string_view inner) {
                 return inner == "attributes" && members.first_time(1) && read_attributes(resource);
               });
      }
      if (name == "scopeSpans") {
        return members.first_time(2) && read_array([&] { return read_scope_spans(scopes); });
      }
      return false;
    });
    if (!read || scopes.empty()) {
      return false;  // without scopeSpans the reference reader may have an issue to report
    }
    for (const ScopeSpans& entry : scopes) {
      const std::uint32_t index = intern_resource(into_, resource, entry.scope);
      for (std::size_t span = entry.first_span; span < entry.end_span; ++span) {
        into_.spans[span].resource = index;
      }
    }
    return true;
  }

  bool read_request() {
    ++into_.records;
    Members members;
    return read_object([&](std::string_view name) {
             return name == "resourceSpans" && members.first_time(0) &&
                    read_array([&] { return read_resource_spans(); });
           }) &&
           !members.first_time(0);
  }

  TelemetryDataset& into_;
  SourceLocation location_;
  const char* cursor_ = nullptr;
  const char* end_ = nullptr;
  std::string scratch_;
  std::vector<Attribute> pending_attributes_;
};

// ---------------------------------------------------------------------------------------------
// Chunks of whole lines, parsed in parallel and appended in file order.

// One chunk of whole lines and what it gave. Its resources are interned within the chunk only;
// append_chunk() finishes the interning against the dataset it is appended to.
struct Chunk {
  std::string_view text;
  std::uint32_t lines = 0;  // line numbers are first_line + 1 .. first_line + lines
  std::uint32_t first_line = 0;
  TelemetryDataset data;
  std::exception_ptr error;  // the first failure; `data` holds what came before it
};

// Cuts `text` into chunks of about `chunk_bytes`, each ending at a line end (or the text's end).
std::vector<Chunk> cut_into_chunks(std::string_view text, std::size_t chunk_bytes) {
  std::vector<Chunk> chunks;
  const std::size_t step = std::max<std::size_t>(chunk_bytes, 1);
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.size();
    if (text.size() - begin > step) {
      const std::size_t newline = text.find('\n', begin + step - 1);
      end = newline == std::string_view::npos ? text.size() : newline + 1;
    }
    chunks.emplace_back().text = text.substr(begin, end - begin);
    begin = end;
  }
  return chunks;
}

// The number of lines as std::getline counts them: a last line without '\n' counts.
std::uint32_t count_lines(std::string_view text) {
  std::uint32_t lines = 0;
  const char* cursor = text.data();
  const char* const end = text.data() + text.size();
  while (cursor != end) {
    const void* newline = std::memchr(cursor, '\n', static_cast<std::size_t>(end - cursor));
    ++lines;
    cursor = newline == nullptr ? end : static_cast<const char*>(newline) + 1;
  }
  return lines;
}

void read_chunk(Chunk& chunk, const std::string& source_name, std::uint32_t file_index,
                bool direct_parser) {
  DirectRecordParser direct(chunk.data);
  std::uint32_t line_number = chunk.first_line;
  const char* cursor = chunk.text.data();
  const char* const end = chunk.text.data() + chunk.text.size();
  try {
    while (cursor != end) {
      const void* newline = std::memchr(cursor, '\n', static_cast<std::size_t>(end - cursor));
      const char* line_end = newline == nullptr ? end : static_cast<const char*>(newline);
      const std::string_view line(cursor, static_cast<std::size_t>(line_end - cursor));
      const SourceLocation location{file_index, ++line_number};
      if (!direct_parser || !direct.read_line(line, location)) {
        read_line_with_dom(line, source_name, location, chunk.data);
      }
      cursor = newline == nullptr ? end : line_end + 1;
    }
  } catch (...) {
    chunk.error = std::current_exception();
  }
}

// Appends a chunk's records as the sequential reader would have: its first resource is the
// dataset's last one when equal (interning compares with the previous resource only).
void append_chunk(TelemetryDataset& into, TelemetryDataset& part) {
  std::uint32_t offset = static_cast<std::uint32_t>(into.resources.size());
  auto resource = part.resources.begin();
  if (resource != part.resources.end() && !into.resources.empty() &&
      *resource == into.resources.back()) {
    --offset;
    ++resource;
  }
  into.resources.insert(into.resources.end(), std::make_move_iterator(resource),
                        std::make_move_iterator(part.resources.end()));
  for (LoadedSpan& span : part.spans) {
    span.resource += offset;
    into.spans.push_back(std::move(span));
  }
  into.format_issues.insert(into.format_issues.end(),
                            std::make_move_iterator(part.format_issues.begin()),
                            std::make_move_iterator(part.format_issues.end()));
  into.records += part.records;
  into.skipped_records += part.skipped_records;
  part = TelemetryDataset();
}

// Reads `text` (whole lines; the last may lack its '\n'), numbering its lines after
// `lines_before`; returns the number of lines read. Rethrows the first line's failure.
std::uint32_t read_lines(std::string_view text, std::uint32_t lines_before,
                         const std::string& source_name, std::uint32_t file_index,
                         const OtlpJsonReadOptions& options, TelemetryDataset& into) {
  std::vector<Chunk> chunks = cut_into_chunks(text, options.chunk_bytes);
  const auto for_each_chunk = [&](auto&& work) {
    if (options.parallel && chunks.size() > 1) {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks.size(), 1),
                        [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t index = range.begin(); index != range.end(); ++index) {
                            work(chunks[index]);
                          }
                        });
    } else {
      for (Chunk& chunk : chunks) {
        work(chunk);
      }
    }
  };
  for_each_chunk([](Chunk& chunk) { chunk.lines = count_lines(chunk.text); });
  std::uint32_t line = lines_before;
  for (Chunk& chunk : chunks) {
    chunk.first_line = line;
    line += chunk.lines;
  }
  for_each_chunk(
      [&](Chunk& chunk) { read_chunk(chunk, source_name, file_index, options.direct_parser); });
  std::size_t spans = into.spans.size();
  for (const Chunk& chunk : chunks) {
    spans += chunk.data.spans.size();
  }
  into.spans.reserve(spans);
  for (Chunk& chunk : chunks) {
    append_chunk(into, chunk.data);
    if (chunk.error) {
      std::rethrow_exception(chunk.error);
    }
  }
  return line - lines_before;
}

// A whole file mapped read-only; empty when the file is empty or cannot be mapped (a pipe).
class MappedFile {
 public:
  // Throws OtlpJsonError when the file cannot be opened.
  explicit MappedFile(const std::string& path) {
    descriptor_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // a FIFO must not block
    if (descriptor_ < 0) {
      throw OtlpJsonError(path, 0, "cannot open the file");
    }
    struct stat status {};
    if (::fstat(descriptor_, &status) != 0 || !S_ISREG(status.st_mode)) {
      return;
    }
    if (status.st_size == 0) {
      complete_ = true;  // mmap refuses empty mappings
      return;
    }
    const auto size = static_cast<std::size_t>(status.st_size);
    void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, descriptor_, 0);
    if (address != MAP_FAILED) {
      address_ = address;
      size_ = size;
      complete_ = true;
    }
  }
  ~MappedFile() {
    if (address_ != nullptr) {
      ::munmap(address_, size_);
    }
    if (descriptor_ >= 0) {
      ::close(descriptor_);
    }
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // True when text() is the whole file (mapped, or a regular empty file).
  bool complete() const { return complete_; }
  std::string_view text() const {
    return address_ == nullptr ? std::string_view()
                               : std::string_view(static_cast<const char*>(address_), size_);
  }

 private:
  int descriptor_ = -1;
  bool complete_ = false;
  void* address_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

std::string TelemetryDataset::describe(SourceLocation location) const {
  const std::string& file = location.file < files.size() ? files[location.file] : "<input>";
  return file + ":" + std::to_string(location.line);
}

OtlpJsonError::OtlpJsonError(const std::string& file, std::uint32_t line,
                             const std::string& message)
    : engine::InputError(file + ":" + std::to_string(line) + ": " + message),
      file_(file),
      line_(line) {}

namespace {

// A line this long is not telemetry (/dev/zero, a binary file): refuse it before it fills memory.
constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;

// The block loop of a stream: `read(buffer, size)` returns the bytes read (0 at the end) and
// throws on failure.
template <typename Read>
void read_blocks(Read&& read, const std::string& source_name, TelemetryDataset& into,
                 const OtlpJsonReadOptions& options) {
  const auto file_index = static_cast<std::uint32_t>(into.files.size());
  into.files.push_back(source_name);
  const std::size_t block_bytes = std::max<std::size_t>(options.stream_block_bytes, 1);
  std::string buffer;
  std::uint32_t lines = 0;
  for (;;) {
    // Read a block after the unfinished line kept from the previous one, then read up to the
    // block's last line end.
    const std::size_t kept = buffer.size();
    buffer.resize(kept + block_bytes);
    const std::size_t got = read(buffer.data() + kept, block_bytes, lines);
    buffer.resize(kept + got);
    if (got == 0) {
      break;
    }
    // The kept part has no line end: look in the new part only.
    const std::size_t newline_in_block = std::string_view(buffer).substr(kept).rfind('\n');
    if (newline_in_block == std::string_view::npos) {
      if (buffer.size() > kMaxLineBytes) {
        throw OtlpJsonError(source_name, lines + 1,
                            "a line longer than " + std::to_string(kMaxLineBytes >> 20) +
                                " MiB; expected OTLP/JSON lines");
      }
      continue;
    }
    const std::size_t complete_bytes = kept + newline_in_block + 1;
    lines += read_lines(std::string_view(buffer.data(), complete_bytes), lines, source_name,
                        file_index, options, into);
    buffer.erase(0, complete_bytes);
  }
  read_lines(buffer, lines, source_name, file_index, options, into);
}

}  // namespace

void read_otlp_json_lines(std::istream& in, const std::string& source_name, TelemetryDataset& into,
                          const OtlpJsonReadOptions& options) {
  read_blocks(
      [&](char* data, std::size_t size, std::uint32_t lines) -> std::size_t {
        if (!in) {
          return 0;
        }
        in.read(data, static_cast<std::streamsize>(size));
        if (in.bad()) {
          throw OtlpJsonError(source_name, lines, "read error");
        }
        return static_cast<std::size_t>(in.gcount());
      },
      source_name, into, options);
}

void read_otlp_json_text(std::string_view text, const std::string& source_name,
                         TelemetryDataset& into, const OtlpJsonReadOptions& options) {
  const auto file_index = static_cast<std::uint32_t>(into.files.size());
  into.files.push_back(source_name);
  read_lines(text, 0, source_name, file_index, options, into);
}

void read_otlp_json_lines_file(const std::string& path, TelemetryDataset& into,
                               const OtlpJsonReadOptions& options) {
  const MappedFile file(path);
  if (file.complete()) {
    read_otlp_json_text(file.text(), path, into, options);
    return;
  }
  // Not a mappable regular file: a pipe, a FIFO, a device. O_NONBLOCK keeps open(2) from waiting
  // for a FIFO's writer (with none, the file reads as empty); reads then block as usual.
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (descriptor < 0) {
    throw OtlpJsonError(path, 0, std::string("cannot open the file: ") + std::strerror(errno));
  }
  struct Closer {
    int descriptor;
    ~Closer() { ::close(descriptor); }
  } closer{descriptor};
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || S_ISDIR(status.st_mode)) {
    throw OtlpJsonError(path, 0, "is a directory; expected an OTLP/JSON lines file");
  }
  ::fcntl(descriptor, F_SETFL, ::fcntl(descriptor, F_GETFL) & ~O_NONBLOCK);
  read_blocks(
      [&](char* data, std::size_t size, std::uint32_t lines) -> std::size_t {
        for (;;) {
          const ssize_t got = ::read(descriptor, data, size);
          if (got >= 0) {
            return static_cast<std::size_t>(got);
          }
          if (errno != EINTR) {
            throw OtlpJsonError(path, lines, std::string("read error: ") + std::strerror(errno));
          }
        }
      },
      path, into, options);
}

}  // namespace genops::telemetry
