#include "scenarios/sweep_curves.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"

namespace genops::scenarios {

namespace {

std::optional<double> numeric(const std::string& json_text) {
  const nlohmann::json value = nlohmann::json::parse(json_text, nullptr, false);
  if (value.is_discarded())
    return std::nullopt;
  if (value.is_number())
    return value.get<double>();
  if (value.is_string()) {  // labels such as bake = "5.0" from a list of stage tables
    char* end = nullptr;
    const std::string text = value.get<std::string>();
    const double number = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0')
      return number;
  }
  return std::nullopt;
}

bool numeric_factor(const SweepTable& table, std::size_t f) {
  std::vector<double> values;
  for (const SweepTableRow& row : table.rows) {
    const auto value = numeric(row.factor_values[f]);
    if (!value)
      return false;
    values.push_back(*value);
  }
  std::sort(values.begin(), values.end());
  return std::unique(values.begin(), values.end()) - values.begin() >= 2;
}

std::size_t x_factor(const SweepTable& table, const std::string& factor) {
  if (factor.empty()) {
    for (std::size_t f = 0; f < table.factors.size(); ++f) {
      if (numeric_factor(table, f))
        return f;
    }
    throw engine::InputError(
        "--factor: the study has no factor with two or more numeric values to plot against");
  }
  const auto it = std::find(table.factors.begin(), table.factors.end(), factor);
  if (it == table.factors.end()) {
    std::string valid;
    for (const auto& name : table.factors)
      valid += (valid.empty() ? "" : ", ") + name;
    throw engine::InputError("--factor: expected one of " + valid + ", got '" + factor + "'");
  }
  const auto f = static_cast<std::size_t>(it - table.factors.begin());
  if (!numeric_factor(table, f))
    throw engine::InputError("--factor: '" + factor +
                             "' does not take two or more numeric values; expected a numeric "
                             "factor");
  return f;
}

std::string plain(const std::string& json_text) {
  const nlohmann::json value = nlohmann::json::parse(json_text, nullptr, false);
  if (!value.is_discarded() && value.is_string())
    return value.get<std::string>();
  return json_text;
}

std::string pretty(std::string metric) {
  std::replace(metric.begin(), metric.end(), '_', ' ');
  return metric;
}

}  // namespace

std::vector<analysis::ResponseSection> response_sections(const SweepTable& table,
                                                         const std::string& factor) {
  const std::size_t x = x_factor(table, factor);
  // metric -> panel key (the other factors) -> strategy -> x -> row
  std::vector<std::string> metrics;
  std::map<std::string, std::vector<std::string>> panel_order;  // by metric
  std::map<std::string,
           std::map<std::string, std::map<std::string, std::map<double, const SweepTableRow*>>>>
      grid;
  std::vector<std::string> strategies;
  for (const SweepTableRow& row : table.rows) {
    std::string key;
    for (std::size_t f = 0; f < table.factors.size(); ++f) {
      if (f != x)
        key += (key.empty() ? "" : " ") + table.factors[f] + "=" + plain(row.factor_values[f]);
    }
    if (std::find(metrics.begin(), metrics.end(), row.metric) == metrics.end())
      metrics.push_back(row.metric);
    auto& panels = panel_order[row.metric];
    if (std::find(panels.begin(), panels.end(), key) == panels.end())
      panels.push_back(key);
    if (std::find(strategies.begin(), strategies.end(), row.strategy) == strategies.end())
      strategies.push_back(row.strategy);
    grid[row.metric][key][row.strategy][*numeric(row.factor_values[x])] = &row;
  }
  std::vector<analysis::ResponseSection> sections;
  for (const std::string& metric : metrics) {
    analysis::ResponseSection section;
    section.heading = pretty(metric);
    section.caption = "Mean over replications of each run's " + metric + " against " +
                      table.factors[x] + ", one line per strategy; the band is the " +
                      std::to_string(static_cast<int>(std::lround(table.confidence * 100))) +
                      "% Student-t interval over replications (none with one replication).";
    for (const std::string& key : panel_order[metric]) {
      analysis::ResponsePanel panel;
      panel.title = pretty(metric) + (key.empty() ? "" : ", " + key);
      panel.x_label = table.factors[x];
      panel.y_label = pretty(metric);
      for (const std::string& strategy : strategies) {
        const auto found = grid[metric][key].find(strategy);
        if (found == grid[metric][key].end())
          continue;
        analysis::ResponseCurve curve;
        curve.strategy = strategy;
        for (const auto& [value, row] : found->second) {
          curve.x.push_back(value);
          curve.mean.push_back(row->mean);
          curve.low.push_back(row->ci_low);
          curve.high.push_back(row->ci_high);
        }
        panel.curves.push_back(std::move(curve));
      }
      section.panels.push_back(std::move(panel));
    }
    sections.push_back(std::move(section));
  }
  return sections;
}

}  // namespace genops::scenarios
