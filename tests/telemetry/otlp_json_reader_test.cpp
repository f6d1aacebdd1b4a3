// The OTLP/JSON reader as it runs (chunks of lines on oneTBB workers, the direct parser) against
// the reference reader (one thread, every line through nlohmann::json): the same
// TelemetryDataset, span for span with its file:line, the same issues and the same errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <tbb/task_arena.h>

#include "engine/random.hpp"
#include "telemetry/otlp_json.hpp"
#include "telemetry/telemetry.hpp"

namespace genops::telemetry {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GENOPS_SOURCE_DIR) / "tests" / "data" / "conformance";

OtlpJsonReadOptions reference_options() {
  OtlpJsonReadOptions options;
  options.parallel = false;
  options.direct_parser = false;
  return options;
}

// Chunk sizes down to one byte (a chunk per line) so that chunk boundaries fall everywhere.
std::vector<OtlpJsonReadOptions> options_to_compare() {
  std::vector<OtlpJsonReadOptions> all;
  for (const std::size_t chunk_bytes :
       {std::size_t{1}, std::size_t{97}, std::size_t{4096}, OtlpJsonReadOptions{}.chunk_bytes}) {
    for (const bool parallel : {true, false}) {
      for (const bool direct_parser : {true, false}) {
        OtlpJsonReadOptions options;
        options.chunk_bytes = chunk_bytes;
        options.parallel = parallel;
        options.direct_parser = direct_parser;
        all.push_back(options);
      }
    }
  }
  return all;
}

std::string describe(const OtlpJsonReadOptions& options) {
  return "chunk_bytes=" + std::to_string(options.chunk_bytes) +
         " parallel=" + std::to_string(options.parallel) +
         " direct_parser=" + std::to_string(options.direct_parser) +
         " stream_block_bytes=" + std::to_string(options.stream_block_bytes);
}

fs::path temp_file(const std::string& stem) {
  return fs::temp_directory_path() /
         ("genops_otlp_reader_" + stem + "_" + std::to_string(::getpid()) + ".jsonl");
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// ---------------------------------------------------------------------------------------------
// A generated file: our writer's lines with varied content, and foreign lines between them.

std::uint64_t below(engine::RngStream& rng, std::uint64_t bound) {
  return engine::uniform_below(rng, bound);
}

const std::vector<std::string> kTexts = {
    "agent.propose",
    "deploy.rollout",
    "",
    "caf\u00e9 \"quoted\" back\\slash\nnew line\ttab",
    std::string("control \x01\x1f and DEL \x7f", 21),
    "\u2713 check, \U0001D11E clef, \u00ff",
    "llm/payments-platform/2024-03",
    "a string that is longer than the small-string buffer of std::string"};

AttributeValue random_value(engine::RngStream& rng) {
  switch (below(rng, 12)) {
    case 0:
    case 1:
      return kTexts[below(rng, kTexts.size())];
    case 2:
      return engine::uniform01(rng) * 1000.0;
    case 3: {
      const std::vector<double> doubles = {3.0, -0.0, 1e-300, 5e-324, 1.7976931348623157e308,
                                           0.1, -2.5, 1e21,   1e-7,   0.06899999999999999};
      return doubles[below(rng, doubles.size())];
    }
    case 4:
      return static_cast<std::int64_t>(rng());
    case 5: {
      const std::vector<std::int64_t> integers = {0, -1, std::numeric_limits<std::int64_t>::min(),
                                                  std::numeric_limits<std::int64_t>::max()};
      return integers[below(rng, integers.size())];
    }
    case 6:
      return below(rng, 2) == 1;
    case 7:
      return std::monostate{};
    case 8:
      return OpaqueValue{R"({"arrayValue":{"values":[{"stringValue":"x"},{"intValue":"1"}]}})"};
    default:
      return static_cast<std::int64_t>(below(rng, 100'000));
  }
}

Attributes random_attributes(engine::RngStream& rng, std::size_t most) {
  Attributes attributes;
  const std::uint64_t count = below(rng, most + 1);
  for (std::uint64_t i = 0; i < count; ++i) {
    // Keys are distinct: the index makes each unique, some are short, some long.
    const std::string key = below(rng, 2) == 0 ? "k" + std::to_string(i)
                                               : "genops.attribute.number_" + std::to_string(i);
    attributes.set(key, random_value(rng));
  }
  return attributes;
}

Span random_span(engine::RngStream& rng, std::uint64_t index) {
  const TelemetryIdKey key{1, 7, 0, index};
  Span span;
  span.trace_id = derive_trace_id(key);
  span.span_id = derive_span_id(key, 1);
  if (below(rng, 2) == 0) {
    span.parent_span_id = derive_span_id(key, 0);
  }
  span.name = kTexts[below(rng, kTexts.size())];
  span.kind = static_cast<SpanKind>(below(rng, 6));
  span.start_time_unix_nano = static_cast<std::int64_t>(rng());
  span.end_time_unix_nano = static_cast<std::int64_t>(below(rng, 1'000'000'000'000));
  span.attributes = random_attributes(rng, 20);
  const std::uint64_t events = below(rng, 7);
  for (std::uint64_t i = 0; i < events; ++i) {
    span.events.push_back(SpanEvent{kTexts[below(rng, kTexts.size())],
                                    static_cast<std::int64_t>(below(rng, 1'000'000)),
                                    random_attributes(rng, 5)});
  }
  if (below(rng, 4) == 0) {
    span.links.push_back(
        SpanLink{span.trace_id, derive_span_id(key, 2), random_attributes(rng, 2)});
  }
  span.status = static_cast<StatusCode>(below(rng, 3));
  if (below(rng, 3) == 0) {
    span.status_message = kTexts[below(rng, kTexts.size())];
  }
  return span;
}

// Valid JSON in other shapes, which the direct parser leaves to the reference reader, and
// shape problems, which become format issues.
const std::vector<std::string> kForeignLines = {
    "",
    "  \t ",
    R"({"resourceLogs":[]})",
    R"({"resourceMetrics":[{}]})",
    // Two requests on one line, then a JSON array of requests.
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f","spanId":"a1b2c3d4e5f60001","name":"one"}]}]}]} {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f","spanId":"a1b2c3d4e5f60002","name":"two"}]}]}]})",
    R"([{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60003"}]}]}]},{"resourceSpans":[]}])",
    // JSON-number int64s, members in another order, members the model does not keep.
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"endTimeUnixNano":20,"startTimeUnixNano":-10,"spanId":"a1b2c3d4e5f60004","flags":1,"droppedAttributesCount":0,"attributes":[{"value":{"intValue":5},"key":"n"}]}],"scope":{"version":"9","name":"foreign"}}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gateway"}}]}}]})",
    // Whitespace between every token; a scope without spans; empty resourceSpans.
    " { \"resourceSpans\" : [ { \"resource\" : { \"attributes\" : [ ] } , \"scopeSpans\" : [ "
    "{ \"scope\" : { \"name\" : \"s\" } } , { \"spans\" : [ { \"spanId\" : \"a1b2c3d4e5f60005\" "
    ", \"events\" : [ ] } ] } ] } ] }\t",
    R"({"resourceSpans":[]})",
    // Escapes: \/, \u00e9, a surrogate pair; a repeated member (nlohmann keeps the last).
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60006","name":"\/caf\u00e9 \ud83d\ude00","attributes":[{"key":"x","value":{"stringValue":"\u0041\u0000"}}]}]}]}]})",
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60007","name":"first","name":"last"}]}]}]})",
    // An integral doubleValue; a kvlist; an empty AnyValue; a null member.
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60008","parentSpanId":null,"attributes":[{"key":"d","value":{"doubleValue":3}},{"key":"kv","value":{"kvlistValue":{"values":[]}}},{"key":"e","value":{}},{"key":"s","value":{"doubleValue":"1.5"}}]}]}]}]})",
    // Format issues.
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60009","attributes":[{"key":"i","value":{"intValue":"12.5"}},{"key":"s","value":{"stringValue":7}},{"key":"s","value":{"fooValue":1}},{"value":{"boolValue":true}}]}]}]}]})",
    R"({"hello":1})",
    "{}",
    "null",
    R"({"resourceSpans":{}})",
    R"({"resourceSpans":[{"instrumentationLibrarySpans":[]}]})",
    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60010","kind":"INTERNAL","status":{"code":"2"}}]}]}]})",
};

// About `spans` spans of our writer in lines of 1-3 spans, resources switching and coming back,
// a foreign line every few lines; CRLF on some lines; no newline after the last line.
std::string generated_telemetry(std::size_t spans, std::uint64_t seed) {
  engine::RngStream rng(seed);
  std::vector<Attributes> resources(3);
  for (std::size_t i = 0; i < resources.size(); ++i) {
    resources[i].set("service.name", std::string("genops-sim"));
    resources[i].set("sim.replication", static_cast<std::int64_t>(i));
    resources[i].set("sim.genops.compliance_level", std::string("GenOps v0.1 \u2014 full"));
  }
  const InstrumentationScope scope{"genops-sim", "0.1.0"};
  std::string text;
  std::size_t resource = 0;
  std::size_t written = 0;
  std::size_t foreign = 0;
  while (written < spans) {
    if (below(rng, 10) == 0) {
      resource = below(rng, resources.size());
    }
    TelemetryRecord record{resources[resource], scope, {}};
    const std::uint64_t count = 1 + below(rng, 3);
    for (std::uint64_t i = 0; i < count; ++i) {
      record.spans.push_back(random_span(rng, written++));
    }
    std::string line = to_otlp_json_line(record);
    if (below(rng, 20) == 0) {
      line.insert(line.size() - 1, "\r");
    }
    text += line;
    if (below(rng, 8) == 0) {
      text += kForeignLines[foreign++ % kForeignLines.size()] + "\n";
    }
  }
  text.pop_back();
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

TelemetryDataset read_file(const fs::path& path, const OtlpJsonReadOptions& options) {
  TelemetryDataset dataset;
  read_otlp_json_lines_file(path.string(), dataset, options);
  return dataset;
}

TEST(OtlpJsonReaderEquivalence, GeneratedFileGivesTheReferenceDataset) {
  const std::string text = generated_telemetry(3000, 11);
  const fs::path path = temp_file("generated");
  write_text(path, text);
  const TelemetryDataset reference = read_file(path, reference_options());

  // The file exercises what it is meant to.
  ASSERT_GE(reference.spans.size(), 3000u);
  EXPECT_GT(reference.resources.size(), 10u);
  EXPECT_GE(reference.skipped_records, 2u);
  EXPECT_GE(reference.format_issues.size(), 10u);
  // Every span is on the line its location names, in file order.
  const std::vector<std::string> lines = split_lines(text);
  std::uint32_t previous_line = 0;
  for (const LoadedSpan& loaded : reference.spans) {
    ASSERT_GE(loaded.location.line, previous_line);
    ASSERT_GE(loaded.location.line, 1u);
    ASSERT_LE(loaded.location.line, lines.size());
    previous_line = loaded.location.line;
    EXPECT_NE(lines[loaded.location.line - 1].find('"' + loaded.span.span_id + '"'),
              std::string::npos)
        << reference.describe(loaded.location);
  }

  for (const OtlpJsonReadOptions& options : options_to_compare()) {
    EXPECT_TRUE(read_file(path, options) == reference) << describe(options);
  }
  for (const std::size_t block_bytes : {std::size_t{1}, std::size_t{1000}, std::size_t{65536}}) {
    OtlpJsonReadOptions options;
    options.chunk_bytes = 4096;
    options.stream_block_bytes = block_bytes;
    std::istringstream in(text);
    TelemetryDataset from_stream;
    read_otlp_json_lines(in, path.string(), from_stream, options);
    EXPECT_TRUE(from_stream == reference) << describe(options);
  }
  TelemetryDataset from_text;
  read_otlp_json_text(text, path.string(), from_text);
  EXPECT_TRUE(from_text == reference);
  fs::remove(path);
}

TEST(OtlpJsonReaderEquivalence, OneAndTwoThreadsGiveTheSameDataset) {
  const fs::path path = temp_file("threads");
  write_text(path, generated_telemetry(3000, 12));
  OtlpJsonReadOptions options;
  options.chunk_bytes = 2048;
  TelemetryDataset one_thread;
  TelemetryDataset two_threads;
  tbb::task_arena(1).execute([&] { one_thread = read_file(path, options); });
  tbb::task_arena(2).execute([&] { two_threads = read_file(path, options); });
  EXPECT_TRUE(one_thread == two_threads);
  EXPECT_TRUE(one_thread == read_file(path, reference_options()));
  fs::remove(path);
}

// Several files into one dataset: files numbered in order, resources interned across them.
TEST(OtlpJsonReaderEquivalence, SeveralFilesAppendAsTheReference) {
  const fs::path first = temp_file("first");
  const fs::path second = temp_file("second");
  write_text(first, generated_telemetry(500, 13));
  write_text(second, generated_telemetry(500, 14));
  const auto read_both = [&](const OtlpJsonReadOptions& options) {
    TelemetryDataset dataset;
    read_otlp_json_lines_file(first.string(), dataset, options);
    read_otlp_json_lines_file(second.string(), dataset, options);
    return dataset;
  };
  OtlpJsonReadOptions options;
  options.chunk_bytes = 1;
  const TelemetryDataset reference = read_both(reference_options());
  ASSERT_EQ(reference.files.size(), 2u);
  EXPECT_EQ(reference.spans.back().location.file, 1u);
  EXPECT_TRUE(read_both(options) == reference);
  EXPECT_TRUE(read_both(OtlpJsonReadOptions{}) == reference);
  fs::remove(first);
  fs::remove(second);
}

TEST(OtlpJsonReaderEquivalence, CorpusFilesGiveTheReferenceDataset) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() == ".jsonl") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 40u);
  for (const fs::path& file : files) {
    const TelemetryDataset reference = read_file(file, reference_options());
    EXPECT_FALSE(reference.spans.empty()) << file;
    for (const OtlpJsonReadOptions& options : options_to_compare()) {
      EXPECT_TRUE(read_file(file, options) == reference) << file << " " << describe(options);
    }
  }
}

// The first malformed line is reported whichever chunk meets it first, with the reference's
// message, and the dataset holds what the reference had read before it.
TEST(OtlpJsonReaderEquivalence, FirstMalformedLineIsReportedAsByTheReference) {
  const std::vector<std::string> lines = split_lines(generated_telemetry(2000, 15));
  ASSERT_GT(lines.size(), 600u);
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == 400) {
      text += R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a1b2c3d4e5f60011"}]}]}]} )"
              R"({"resourceSpans":[}])"
              "\n";
    }
    if (i == 500) {
      text += "{\"resourceSpans\":[\xff]}\n";
    }
    text += lines[i] + "\n";
  }
  const fs::path path = temp_file("malformed");
  write_text(path, text);
  const auto read_error = [&](const OtlpJsonReadOptions& options, TelemetryDataset& dataset) {
    try {
      read_otlp_json_lines_file(path.string(), dataset, options);
    } catch (const OtlpJsonError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  TelemetryDataset reference;
  const std::string expected = read_error(reference_options(), reference);
  EXPECT_EQ(expected.rfind(path.string() + ":401: column", 0), 0u) << expected;
  EXPECT_EQ(reference.spans.back().span.span_id, "a1b2c3d4e5f60011");
  for (const OtlpJsonReadOptions& options : options_to_compare()) {
    TelemetryDataset dataset;
    EXPECT_EQ(read_error(options, dataset), expected) << describe(options);
    EXPECT_TRUE(dataset == reference) << describe(options);
  }
  fs::remove(path);
}

TEST(OtlpJsonReaderEquivalence, EmptyAndMissingFiles) {
  const fs::path empty = temp_file("empty");
  write_text(empty, "");
  const TelemetryDataset dataset = read_file(empty, OtlpJsonReadOptions{});
  EXPECT_EQ(dataset.files, std::vector<std::string>{empty.string()});
  EXPECT_TRUE(dataset.spans.empty());
  EXPECT_EQ(dataset.records, 0u);
  fs::remove(empty);
  TelemetryDataset missing;
  try {
    read_otlp_json_lines_file("/nonexistent/telemetry.jsonl", missing);
    FAIL() << "expected OtlpJsonError";
  } catch (const OtlpJsonError& error) {
    EXPECT_EQ(std::string(error.what()), "/nonexistent/telemetry.jsonl:0: cannot open the file");
  }
}

}  // namespace
}  // namespace genops::telemetry
