#pragma once

// `genops-sim report`: one self-contained HTML page (inline SVG, inline CSS, no scripts, no
// network) with the study's plots, the comparison table and the run's provenance.
// Sections (each a <section id=...>): summary, cycle-time-ecdf, cycle-time-histogram, outcomes,
// canary, queues, utilisation, weekly, comparison, provenance.

#include <string>

#include "analysis/compare.hpp"
#include "results/results_io.hpp"

namespace genops::analysis {

// `study` must have been read with every table (ReadOptions defaults); `comparison` is
// compare_strategies() of the same study.
std::string render_html_report(const results::StudyRecords& study,
                               const ComparisonReport& comparison);

}  // namespace genops::analysis
