#include "scenarios/sweep_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "analysis/statistics.hpp"
#include "engine/error.hpp"
#include "models/metrics.hpp"
#include "results/results_io.hpp"

namespace genops::scenarios {

namespace {

using Json = nlohmann::ordered_json;
using Summary = models::StrategySummary;

const std::vector<std::pair<std::string, std::function<double(const Summary&)>>>& metric_table() {
  static const std::vector<std::pair<std::string, std::function<double(const Summary&)>>> table = {
      {"deployments", [](const Summary& s) { return static_cast<double>(s.deployments); }},
      {"in_flight", [](const Summary& s) { return static_cast<double>(s.in_flight); }},
      {"median_cycle_time_min", [](const Summary& s) { return s.median_cycle_time_min; }},
      {"p90_cycle_time_min", [](const Summary& s) { return s.p90_cycle_time_min; }},
      {"success_rate", [](const Summary& s) { return s.success_rate; }},
      {"rollback_rate", [](const Summary& s) { return s.rollback_rate; }},
      {"failure_rate", [](const Summary& s) { return s.failure_rate; }},
      {"block_rate", [](const Summary& s) { return s.block_rate; }},
      {"canary_catch_rate", [](const Summary& s) { return s.canary_catch_rate; }},
      {"safety_violations",
       [](const Summary& s) { return static_cast<double>(s.safety_violations); }},
      {"change_failure_rate", [](const Summary& s) { return s.change_failure_rate; }},
      {"deployment_success_rate", [](const Summary& s) { return s.deployment_success_rate; }},
      {"error_budget_burned_min", [](const Summary& s) { return s.error_budget_burned_min; }},
      {"human_approval_share", [](const Summary& s) { return s.human_approval_share; }},
      {"mean_ci_wait_min", [](const Summary& s) { return s.mean_ci_wait_min; }},
      {"mean_review_wait_min", [](const Summary& s) { return s.mean_review_wait_min; }},
  };
  return table;
}

std::string number(double value) {
  if (std::isnan(value))
    return "";
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

// JSON factor values shown as plain text (strings unquoted).
std::string plain(const std::string& json_text) {
  const Json value = Json::parse(json_text, nullptr, false);
  if (!value.is_discarded() && value.is_string())
    return value.get<std::string>();
  return json_text;
}

}  // namespace

const std::vector<std::string>& sweep_metrics() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, get] : metric_table())
      out.push_back(name);
    return out;
  }();
  return names;
}

double sweep_metric_value(const models::StrategySummary& summary, std::size_t metric) {
  return metric_table().at(metric).second(summary);
}

SweepTable read_sweep_table(const std::filesystem::path& dir,
                            const std::vector<std::string>& metrics, double confidence) {
  std::vector<std::size_t> selected;
  for (const auto& name : metrics) {
    const auto& all = sweep_metrics();
    const auto it = std::find(all.begin(), all.end(), name);
    if (it == all.end()) {
      std::string valid;
      for (const auto& m : all)
        valid += (valid.empty() ? "" : ", ") + m;
      throw engine::InputError("--metrics: expected one of " + valid + ", got '" + name + "'");
    }
    selected.push_back(static_cast<std::size_t>(it - all.begin()));
  }
  if (selected.empty()) {
    for (std::size_t m = 0; m < metric_table().size(); ++m)
      selected.push_back(m);
  }
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error))
    throw engine::InputError(dir.string() + ": expected a sweep directory (sweep run --out)");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("point-", 0) == 0 && entry.path().extension() == ".h5")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw engine::InputError(dir.string() + ": expected point-*.h5 files, found none");
  SweepTable table;
  table.confidence = confidence;
  results::ReadOptions read;
  read.canary_stages = false;
  read.audit = false;
  read.resources = false;
  read.awu = false;
  for (const auto& file : files) {
    results::StudyRecords study;
    try {
      study = results::read_study(file, read);
    } catch (const results::ResultsFileError& failure) {
      throw engine::InputError(failure.what());
    }
    const std::string point_text = study.attribute("sweep_point");
    const Json factors = Json::parse(study.attribute("sweep_factors"), nullptr, false);
    if (point_text.empty() || factors.is_discarded() || !factors.is_object()) {
      throw engine::InputError(file.string() +
                               ": expected sweep_point and sweep_factors attributes (a file "
                               "written by sweep run)");
    }
    std::vector<std::string> names;
    std::vector<std::string> values;
    for (const auto& [name, value] : factors.items()) {
      names.push_back(name);
      values.push_back(value.dump());
    }
    if (table.rows.empty() && table.factors.empty())
      table.factors = names;
    if (names != table.factors) {
      throw engine::InputError(file.string() + ": expected the factors of the other points");
    }
    const std::size_t point = std::stoul(point_text);
    const std::uint32_t replications = study.provenance.replications;
    for (std::size_t s = 0; s < study.provenance.strategies.size(); ++s) {
      for (const std::size_t m : selected) {
        std::vector<double> sample;
        for (std::uint32_t r = 0; r < replications; ++r)
          sample.push_back(metric_table()[m].second(study.run(s, r).summary));
        SweepTableRow row;
        row.point = point;
        row.factor_values = values;
        row.strategy = study.provenance.strategies[s];
        row.metric = metric_table()[m].first;
        row.replications = sample.size();
        row.mean = analysis::mean(sample);
        row.ci_low = row.ci_high = std::numeric_limits<double>::quiet_NaN();
        if (sample.size() >= 2) {
          // The one-sample t interval of the mean: a paired t test against zeros.
          const std::vector<double> zeros(sample.size(), 0.0);
          const analysis::TTestResult t = analysis::paired_t_test(sample, zeros, confidence);
          row.ci_low = t.ci_low;
          row.ci_high = t.ci_high;
        }
        table.rows.push_back(std::move(row));
      }
    }
  }
  return table;
}

std::string format_sweep_table(const SweepTable& table, const std::string& format) {
  std::vector<std::string> header = {"point"};
  header.insert(header.end(), table.factors.begin(), table.factors.end());
  const std::string level = number(100 * table.confidence);
  for (const char* column : {"strategy", "metric", "replications", "mean"})
    header.emplace_back(column);
  header.push_back("ci" + level + "_low");
  header.push_back("ci" + level + "_high");
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : table.rows) {
    std::vector<std::string> line = {std::to_string(row.point)};
    for (const auto& value : row.factor_values)
      line.push_back(plain(value));
    line.push_back(row.strategy);
    line.push_back(row.metric);
    line.push_back(std::to_string(row.replications));
    line.push_back(number(row.mean));
    line.push_back(number(row.ci_low));
    line.push_back(number(row.ci_high));
    cells.push_back(std::move(line));
  }
  std::ostringstream out;
  if (format == "json") {
    Json rows = Json::array();
    for (const auto& row : table.rows) {
      Json factors = Json::object();
      for (std::size_t f = 0; f < table.factors.size(); ++f)
        factors[table.factors[f]] = Json::parse(row.factor_values[f]);
      const auto or_null = [](double v) { return std::isnan(v) ? Json(nullptr) : Json(v); };
      rows.push_back({{"point", row.point},
                      {"factors", factors},
                      {"strategy", row.strategy},
                      {"metric", row.metric},
                      {"replications", row.replications},
                      {"mean", row.mean},
                      {"ci_low", or_null(row.ci_low)},
                      {"ci_high", or_null(row.ci_high)}});
    }
    const Json document = {{"schema", "genops-sim-sweep-table"},
                           {"schema_version", 1},
                           {"confidence", table.confidence},
                           {"factors", table.factors},
                           {"rows", rows}};
    out << document.dump(2) << '\n';
  } else if (format == "csv") {
    // Header names are identifiers; cells are quoted when they need it (RFC 4180).
    for (std::size_t c = 0; c < header.size(); ++c)
      out << (c == 0 ? "" : ",") << header[c];
    out << '\n';
    for (const auto& line : cells) {
      for (std::size_t c = 0; c < line.size(); ++c) {
        const bool quote = line[c].find_first_of(",\"\n") != std::string::npos;
        std::string field = line[c];
        if (quote) {
          std::string escaped;
          for (char ch : field)
            escaped += ch == '"' ? std::string("\"\"") : std::string(1, ch);
          field = "\"" + escaped + "\"";
        }
        out << (c == 0 ? "" : ",") << field;
      }
      out << '\n';
    }
  } else if (format == "markdown") {
    const auto emit = [&out](const std::vector<std::string>& line) {
      out << '|';
      for (const auto& cell : line)
        out << ' ' << cell << " |";
      out << '\n';
    };
    emit(header);
    out << '|';
    for (std::size_t c = 0; c < header.size(); ++c)
      out << "---|";
    out << '\n';
    for (const auto& line : cells)
      emit(line);
  } else if (format == "text") {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t c = 0; c < header.size(); ++c)
      widths[c] = header[c].size();
    for (const auto& line : cells) {
      for (std::size_t c = 0; c < line.size(); ++c)
        widths[c] = std::max(widths[c], line[c].size());
    }
    const auto emit = [&](const std::vector<std::string>& line) {
      for (std::size_t c = 0; c < line.size(); ++c) {
        out << (c == 0 ? "" : "  ") << line[c]
            << std::string(c + 1 == line.size() ? 0 : widths[c] - line[c].size(), ' ');
      }
      out << '\n';
    };
    emit(header);
    for (const auto& line : cells)
      emit(line);
  } else {
    throw engine::InputError("--format: expected text, csv, json or markdown, got '" + format +
                             "'");
  }
  return out.str();
}

}  // namespace genops::scenarios
