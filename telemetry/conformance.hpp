#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"
#include "telemetry/otlp_json.hpp"

// The GenOps v0.1 conformance checker: every normative requirement of the spec that telemetry
// can show (R1-R50 of docs/genops-v0.1-checklist.md), checked on OTLP/JSON lines from any
// runtime. An AWU is a span carrying any `genops.*` attribute. Our own implementation events
// (sim.execution.start/end, sim.seq, sim.budget.release) sharpen some checks when present but
// are never required. Decisions the spec leaves open: docs/genops-spec-decisions.md.
namespace genops::telemetry {

enum class RequirementStatus { Pass, Fail, NotApplicable };
enum class RequirementLevel { Must, Should };
// The §9 outcome: full (§9.1), "GenOps v0.1 — partial" (§9.2), or no claim (§9.3).
enum class ComplianceLevel { Full, Partial, None };

std::string_view to_string(RequirementStatus status);
std::string_view to_string(ComplianceLevel level);

// One offending record.
struct Finding {
  std::string location;  // "file:line"
  std::string trace_id;
  std::string span_id;
  std::string subject;  // the attribute or event concerned, if any
  std::string message;
};

struct RequirementResult {
  std::string id;  // "R26"
  std::string section;
  RequirementLevel level = RequirementLevel::Must;
  std::string summary;
  RequirementStatus status = RequirementStatus::NotApplicable;
  std::size_t violations = 0;     // all of them
  std::vector<Finding> findings;  // the first ConformanceOptions::max_findings, in input order
  std::string note;               // why not applicable, or how it was checked
};

// How the second run of a determinism check (R21) is paired with the first.
enum class DeterminismMatch {
  ById,    // same (trace_id, span_id): ids derived from the inputs (our runtime, D10)
  ByOrder  // the n-th AWU of each run: for runtimes with random ids
};

struct ConformanceOptions {
  // A second run of the same input; when given, R21 compares AWUs, decisions and reservations.
  std::vector<std::string> replay_files;
  DeterminismMatch determinism_match = DeterminismMatch::ById;
  std::size_t max_findings = 5;
};

struct ConformanceReport {
  std::vector<std::string> files;
  std::vector<std::string> replay_files;
  std::size_t records = 0;
  std::size_t skipped_records = 0;
  std::size_t spans = 0;
  std::size_t awus = 0;
  std::vector<RequirementResult> requirements;  // R1..R50 in order
  ComplianceLevel level = ComplianceLevel::None;
  std::vector<std::string> missing;          // why the level is not full
  std::vector<std::string> declared_levels;  // compliance declarations found in the telemetry

  bool fully_compliant() const { return level == ComplianceLevel::Full; }
  // Asserts that `id` (e.g. "R26") is one of R1..R50.
  const RequirementResult& requirement(std::string_view id) const;
  // Ids of failing requirements, MUST level only unless `include_should`.
  std::vector<std::string> failing(bool include_should = false) const;
};

// Unreadable input (a missing file, malformed JSON); the message names file and line. A CLI
// maps it to exit code 2, a non-compliant report to 1 and full compliance to 0.
class ConformanceInputError : public engine::InputError {
 public:
  using engine::InputError::InputError;
};

// Reads `files` (one run; several files are concatenated) and checks them.
ConformanceReport check_conformance(const std::vector<std::string>& files,
                                    const ConformanceOptions& options = {});
// Checks telemetry already in memory; `replay` (may be null) is a second run for R21.
ConformanceReport check_conformance(const TelemetryDataset& run, const TelemetryDataset* replay,
                                    const ConformanceOptions& options = {});

// Prints every requirement with PASS / FAIL / NOT APPLICABLE, the first offending records and
// the compliance level; `json` selects a machine-readable JSON document instead of text.
void print_report(const ConformanceReport& report, std::ostream& out, bool json);

}  // namespace genops::telemetry
