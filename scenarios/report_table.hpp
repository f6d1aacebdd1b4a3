#pragma once

#include <iosfwd>
#include <string>

#include "scenarios/runner.hpp"
#include "scenarios/step_timer.hpp"

namespace genops::scenarios {

// The human-readable study table: every strategy side by side (pooled over replications),
// with the per-replication spread of the headline figures.
void print_study_table(const StudyResult& study, const StudySummaries& summaries,
                       std::ostream& out);
// More than this share of a strategy's changes in flight at the horizon earns a warning.
inline constexpr double kInFlightWarningShare = 0.01;
// One stderr line per strategy whose pooled in-flight share exceeds kInFlightWarningShare.
void warn_in_flight(const StudyResult& study, const StudySummaries& summaries, std::ostream& out);
// The machine-readable summary (`run --json`), with the wall-clock seconds of each step of
// `run` before it.
std::string study_json(const StudyResult& study, const StudySummaries& summaries,
                       const StepTimes& step_seconds);

}  // namespace genops::scenarios
