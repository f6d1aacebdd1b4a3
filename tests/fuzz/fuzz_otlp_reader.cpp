// libFuzzer target: the OTLP/JSON lines reader (direct parser and reference reader) and the
// conformance checker on what it read. Bad input must be an InputError (file:line, one line).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "telemetry/conformance.hpp"
#include "telemetry/otlp_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  genops::telemetry::TelemetryDataset dataset;
  try {
    genops::telemetry::read_otlp_json_text(text, "fuzz.jsonl", dataset);
  } catch (const genops::engine::InputError&) {
    return 0;
  }
  const genops::telemetry::ConformanceReport report =
      genops::telemetry::check_conformance(dataset, nullptr, {});
  (void)report.fully_compliant();
  return 0;
}
