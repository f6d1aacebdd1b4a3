#include "analysis/otlp_json.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace genops::analysis {

// ---------------------------------------------------------------------------------------------
// Writer: a small streaming serialiser (no DOM), so a line costs one pass over the span.

namespace {

bool needs_escape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

void append_int(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // Copy runs of plain characters in one append; most keys and values have no escapes at all.
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!needs_escape(c)) {
      continue;
    }
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
        out.append(escape, sizeof(escape));
      }
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out.push_back('"');
}

void append_json_int64_string(std::string& out, std::int64_t value) {
  out.push_back('"');
  append_int(out, value);
  out.push_back('"');
}

void append_json_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out.append(text);
  // Shortest round-trip form, with ".0" on integral values so the text reads as a double.
  if (text.find_first_of(".e") == std::string_view::npos) {
    out.append(".0");
  }
}

namespace {

using Json = nlohmann::json;

void append_value(std::string& out, const AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    out.append("{\"stringValue\":");
    append_json_string(out, *text);
    out.push_back('}');
  } else if (const auto* number = std::get_if<double>(&value)) {
    out.append("{\"doubleValue\":");
    append_json_double(out, *number);
    out.push_back('}');
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    out.append("{\"intValue\":");
    append_json_int64_string(out, *integer);
    out.push_back('}');
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    out.append(*flag ? "{\"boolValue\":true}" : "{\"boolValue\":false}");
  } else if (const auto* opaque = std::get_if<OpaqueValue>(&value)) {
    out.append(opaque->json);
  } else {
    out.append("{}");
  }
}

void append_attributes(std::string& out, const Attributes& attributes) {
  out.append("\"attributes\":[");
  bool first = true;
  for (const Attribute& attribute : attributes.items()) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    out.append("{\"key\":");
    append_json_string(out, attribute.key);
    out.append(",\"value\":");
    append_value(out, attribute.value);
    out.push_back('}');
  }
  out.push_back(']');
}

}  // namespace

std::string otlp_request_prefix(const Attributes& resource, const InstrumentationScope& scope) {
  std::string out;
  out.append("{\"resourceSpans\":[{\"resource\":{");
  append_attributes(out, resource);
  out.append("},\"scopeSpans\":[{\"scope\":{\"name\":");
  append_json_string(out, scope.name);
  if (!scope.version.empty()) {
    out.append(",\"version\":");
    append_json_string(out, scope.version);
  }
  out.append("},\"spans\":[");
  return out;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Reader: nlohmann::json per record, then a shape-checked conversion into the model.

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
      const std::string& text = value.get_ref<const std::string&>();
      std::int64_t parsed = 0;
      const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty()) {
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
      const std::string& text = value.get_ref<const std::string&>();
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
      const auto resource_index = intern_resource(resource, scope);
      const Json* spans = member(scope_entry, "spans", Json::value_t::array, "scopeSpans");
      if (spans == nullptr) {
        continue;
      }
      for (const Json& span : *spans) {
        read_span(span, resource_index);
      }
    }
  }

  // Consecutive records usually repeat the same resource and scope: keep one copy.
  std::uint32_t intern_resource(const Attributes& resource, const InstrumentationScope& scope) {
    if (!into_.resources.empty()) {
      const LoadedResource& last = into_.resources.back();
      if (last.scope == scope && last.attributes == resource) {
        return static_cast<std::uint32_t>(into_.resources.size() - 1);
      }
    }
    into_.resources.push_back(LoadedResource{resource, scope});
    return static_cast<std::uint32_t>(into_.resources.size() - 1);
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
void read_line(std::string_view line, const std::string& source_name, SourceLocation location,
               TelemetryDataset& into) {
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

}  // namespace

void append_span_json(std::string& out, const Span& span) {
  out.append("{\"traceId\":");
  append_json_string(out, span.trace_id);
  out.append(",\"spanId\":");
  append_json_string(out, span.span_id);
  if (!span.parent_span_id.empty()) {
    out.append(",\"parentSpanId\":");
    append_json_string(out, span.parent_span_id);
  }
  out.append(",\"name\":");
  append_json_string(out, span.name);
  out.append(",\"kind\":");
  append_int(out, static_cast<std::int64_t>(span.kind));
  out.append(",\"startTimeUnixNano\":");
  append_json_int64_string(out, span.start_time_unix_nano);
  out.append(",\"endTimeUnixNano\":");
  append_json_int64_string(out, span.end_time_unix_nano);
  out.push_back(',');
  append_attributes(out, span.attributes);
  out.append(",\"events\":[");
  bool first = true;
  for (const SpanEvent& event : span.events) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    out.append("{\"timeUnixNano\":");
    append_json_int64_string(out, event.time_unix_nano);
    out.append(",\"name\":");
    append_json_string(out, event.name);
    out.push_back(',');
    append_attributes(out, event.attributes);
    out.push_back('}');
  }
  out.push_back(']');
  if (!span.links.empty()) {
    out.append(",\"links\":[");
    first = true;
    for (const SpanLink& link : span.links) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      out.append("{\"traceId\":");
      append_json_string(out, link.trace_id);
      out.append(",\"spanId\":");
      append_json_string(out, link.span_id);
      out.push_back(',');
      append_attributes(out, link.attributes);
      out.push_back('}');
    }
    out.push_back(']');
  }
  out.append(",\"status\":{");
  if (!span.status_message.empty()) {
    out.append("\"message\":");
    append_json_string(out, span.status_message);
    out.push_back(',');
  }
  out.append("\"code\":");
  append_int(out, static_cast<std::int64_t>(span.status));
  out.append("}}");
}

std::string to_otlp_json_line(const TelemetryRecord& record) {
  std::string out;
  out = otlp_request_prefix(record.resource, record.scope);
  bool first = true;
  for (const Span& span : record.spans) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    append_span_json(out, span);
  }
  out.append(kOtlpRequestSuffix);
  return out;
}

OtlpJsonLinesWriter::OtlpJsonLinesWriter(std::ostream& out, const Attributes& resource,
                                         const InstrumentationScope& scope)
    : out_(out), prefix_(otlp_request_prefix(resource, scope)) {}

void OtlpJsonLinesWriter::write(const Span& span) {
  write(std::span<const Span>(&span, 1));
}

void OtlpJsonLinesWriter::write(std::span<const Span> spans) {
  if (spans.empty()) {
    return;
  }
  line_.assign(prefix_);
  bool first = true;
  for (const Span& span : spans) {
    if (!first) {
      line_.push_back(',');
    }
    first = false;
    append_span_json(line_, span);
  }
  line_.append(kOtlpRequestSuffix);
  flush_line();
}

void OtlpJsonLinesWriter::flush_line() {
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  if (!out_) {
    throw std::runtime_error("OTLP/JSON writer: the output stream failed after " +
                             std::to_string(lines_written_) + " lines");
  }
  ++lines_written_;
}

std::string TelemetryDataset::describe(SourceLocation location) const {
  const std::string& file = location.file < files.size() ? files[location.file] : "<input>";
  return file + ":" + std::to_string(location.line);
}

OtlpJsonError::OtlpJsonError(const std::string& file, std::uint32_t line,
                             const std::string& message)
    : engine::InputError(file + ":" + std::to_string(line) + ": " + message),
      file_(file),
      line_(line) {}

void read_otlp_json_lines(std::istream& in, const std::string& source_name,
                          TelemetryDataset& into) {
  const auto file_index = static_cast<std::uint32_t>(into.files.size());
  into.files.push_back(source_name);
  std::string line;
  std::uint32_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    read_line(line, source_name, SourceLocation{file_index, line_number}, into);
  }
  if (in.bad()) {
    throw OtlpJsonError(source_name, line_number, "read error");
  }
}

void read_otlp_json_lines_file(const std::string& path, TelemetryDataset& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw OtlpJsonError(path, 0, "cannot open the file");
  }
  read_otlp_json_lines(in, path, into);
}

}  // namespace genops::analysis
