#include "telemetry/otlp_json.hpp"

#include <charconv>
#include <cmath>
#include <ostream>
#include <stdexcept>

namespace genops::telemetry {

// ---------------------------------------------------------------------------------------------
// Writer: a small streaming serialiser (no DOM), so a line costs one pass over the span. The
// reader is in otlp_json_reader.cpp.

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

}  // namespace genops::telemetry
