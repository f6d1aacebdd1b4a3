#pragma once

// `genops-sim report`: one self-contained HTML page (inline SVG, inline CSS, no scripts, no
// network) with the study's plots, the comparison table and the run's provenance.
// Sections (each a <section id=...>): summary, cycle-time-ecdf, cycle-time-histogram, outcomes,
// canary, queues, utilisation, weekly, comparison, provenance.

#include <string>
#include <vector>

#include "analysis/compare.hpp"
#include "results/results_io.hpp"

namespace genops::analysis {

// `study` must have been read with every table (ReadOptions defaults); `comparison` is
// compare_strategies() of the same study.
std::string render_html_report(const results::StudyRecords& study,
                               const ComparisonReport& comparison);

// Response curves of a parameter study (`report DIR` on a sweep directory): a metric against
// one factor, one line per strategy, the confidence interval as a band. Built by the command
// from the study's table; NaN bounds (one replication) draw no band.
struct ResponseCurve {
  std::string strategy;
  std::vector<double> x;  // factor values, ascending
  std::vector<double> mean;
  std::vector<double> low;
  std::vector<double> high;
};
struct ResponsePanel {
  std::string title;  // e.g. "median cycle time, reviewers=2 bake=5"
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  std::vector<ResponseCurve> curves;
};
struct ResponseSection {
  std::string heading;  // one metric
  std::string caption;
  std::vector<ResponsePanel> panels;
};

// One standalone SVG with the panels as small multiples, `columns` per row.
std::string render_response_svg(const std::vector<ResponsePanel>& panels, int columns = 3);
// One self-contained HTML page, a section per metric.
std::string render_response_html(const std::string& title, const std::string& lead,
                                 const std::vector<ResponseSection>& sections);

}  // namespace genops::analysis
