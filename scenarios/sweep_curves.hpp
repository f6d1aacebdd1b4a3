#pragma once

// Response curves of a study directory for `report DIR --html/--svg`: each metric against one
// numeric factor, one line per strategy with its CI band, one panel per combination of the
// other factors' values.

#include <string>
#include <vector>

#include "analysis/report_html.hpp"
#include "scenarios/sweep_table.hpp"

namespace genops::scenarios {

// `factor` empty: the first factor with two or more numeric values. engine::InputError for an
// unknown or non-numeric factor, or a study without one.
std::vector<analysis::ResponseSection> response_sections(const SweepTable& table,
                                                         const std::string& factor);

}  // namespace genops::scenarios
