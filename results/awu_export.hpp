#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/records.hpp"
#include "telemetry/telemetry.hpp"

namespace genops::results {

// What the exporter needs to know about one organization's run beyond its records.
struct AwuExportContext {
  std::string team;
  std::string project;
  std::string environment;
  std::string organization;
  std::vector<std::string> service_names;  // by service id
  int start_day = 0;                       // day 0 as days since 1970-01-01 (UTC)
  int utc_offset_hours = 0;                // for the budget period (local month)
  std::uint64_t run_nonce = 0;             // distinguishes strategies (hash of the name)
  std::uint64_t seed = 0;
  std::uint32_t replication = 0;
};

// Turns the genops strategy's AWU records into GenOps v0.1 spans (one trace per deployment, one
// span per AWU), through AwuBuilder, so every span passes the conformance checker. Canary stage
// analyses during a rollout's execution become genops.evaluation.complete events.
std::vector<telemetry::Span> export_awus(const std::vector<models::AwuRecord>& awus,
                                         const std::vector<models::CanaryStageRecord>& stages,
                                         const AwuExportContext& context);

// write_awus_otlp met an AWU whose lifecycle times go backwards. Our runs never produce one (the
// telemetry tests check every span); records read back from a file can, and are refused.
class AwuTimeOrderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The fast path of export_awus + OtlpJsonLinesWriter(resource, telemetry_scope()): appends to
// `out` exactly the bytes that writer produces for the spans export_awus returns (one OTLP/JSON
// line per span), straight from the records with precomputed fragments and no Span objects.
// Defined for the records export_awus accepts (it asserts the AWU lifecycle; this path only
// checks that times do not decrease: AwuTimeOrderError otherwise). Returns the number of spans
// (lines) appended.
std::size_t write_awus_otlp(std::string& out, const std::vector<models::AwuRecord>& awus,
                            const std::vector<models::CanaryStageRecord>& stages,
                            const AwuExportContext& context, const telemetry::Attributes& resource);

// The OTLP resource of our runs: service.name, the organization, and the compliance declaration.
telemetry::Attributes telemetry_resource(const AwuExportContext& context);
telemetry::InstrumentationScope telemetry_scope();

// Simulated minutes since day 0 as Unix epoch nanoseconds.
std::int64_t unix_nanos(int start_day, double minutes);

std::uint64_t run_nonce_of(const std::string& strategy);

}  // namespace genops::results
