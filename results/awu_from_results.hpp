#pragma once

// A results file's /awu tables -> GenOps v0.1 OTLP/JSON lines: the bytes `genops-sim run
// --telemetry` writes for the same study. The export context of each (run, organization) comes
// from the file alone: team, project, environment, organization name and UTC offset from the
// root attribute config_json, service names from the run's `services` table, day 0 from
// start_date.

#include <cstddef>
#include <iosfwd>
#include <string>

#include "results/awu_export.hpp"
#include "results/results_io.hpp"
#include "telemetry/telemetry.hpp"

namespace genops::results {

// The context run --telemetry uses for organization `organization` of study.runs[run].
// ResultsFileError when config_json lacks a key the context needs or the run has no service
// names for the organization (a study read without ReadOptions::awu).
AwuExportContext awu_export_context(const StudyRecords& study, std::size_t run,
                                    std::size_t organization);

// The OTLP resource of that (run, organization): telemetry_resource(context) plus sim.strategy
// and sim.replication, as run --telemetry writes it.
telemetry::Attributes awu_run_resource(const AwuExportContext& context, const RunRecords& run);

// Writes the OTLP/JSON lines of every run (study order) and organization (in order) that has
// AWUs, byte-identical to run --telemetry; the (run, organization) exports run in parallel a
// window at a time and are written in order. Needs a study read with ReadOptions::awu and
// ::canary_stages (ResultsFileError otherwise). Returns the number of spans (lines).
std::size_t write_study_awus_otlp(std::ostream& out, const StudyRecords& study);

// The same lines in one string (a paper.toml genops replication gives about 120 MB).
std::string awus_to_otlp_lines(const StudyRecords& study);

// Appends the lines of study.runs[run] only (its organizations in order): the same bytes, one
// run at a time, so a caller can bound memory. Returns the number of spans appended.
std::size_t append_run_awus_otlp(std::string& out, const StudyRecords& study, std::size_t run);

}  // namespace genops::results
