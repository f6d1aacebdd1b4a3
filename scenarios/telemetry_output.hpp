#pragma once

#include <cstddef>
#include <string>

#include "scenarios/runner.hpp"

namespace genops::scenarios {

// `run --telemetry`: writes the GenOps v0.1 telemetry of every AI-governed run as OTLP/JSON
// lines; runs are serialised in parallel and written in (strategy, replication, organization)
// order. Returns the number of spans written. `force`: replace an existing file;
// engine::InputError (exit 2) naming the reason when writing fails.
std::size_t write_study_telemetry(const std::string& path, const StudyResult& study, bool force);

}  // namespace genops::scenarios
