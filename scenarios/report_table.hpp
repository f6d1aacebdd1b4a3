#pragma once

#include <iosfwd>
#include <string>

#include "scenarios/runner.hpp"

namespace genops::scenarios {

// The human-readable study table: every strategy side by side (pooled over replications),
// with the per-replication spread of the headline figures.
void print_study_table(const StudyResult& study, std::ostream& out);
// The machine-readable summary (`run --json`).
std::string study_json(const StudyResult& study);

}  // namespace genops::scenarios
