#include "results/study_export.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "models/calendar.hpp"
#include "results/column_table.hpp"
#include "results/results_file.hpp"
#include "results/results_io.hpp"

namespace genops::results {

namespace {

// A column of one run, as text-ready values.
struct ColumnValues {
  std::string name;
  bool time = false;                           // units "min": also written as UTC
  std::map<std::int64_t, std::string> labels;  // categorical codes or a lookup's labels
  std::variant<std::vector<std::uint64_t>, std::vector<std::int64_t>, std::vector<float>,
               std::vector<double>>
      values;
};

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
}

template <typename T>
void append_number(std::string& out, T value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

// "2026-01-05T13:04:07.250Z" for `minutes` after 00:00 UTC of day `epoch_day`.
void append_utc(std::string& out, int epoch_day, double minutes) {
  if (minutes < 0)
    return;  // the schema's "never"
  const auto milliseconds = static_cast<std::int64_t>(minutes * 60000.0 + 0.5);
  const std::time_t seconds =
      static_cast<std::time_t>(epoch_day) * 86400 + static_cast<std::time_t>(milliseconds / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(milliseconds % 1000));
  out += buffer;
}

// Minutes since simulated time 0 (an instant), not a duration in minutes: the schema names
// instants arrival_min, *start_min, *end_min, *_at_min or time_min (durations are *_wait_min,
// cycle_time_min, *_minutes, ...).
bool is_instant(std::string_view name) {
  return name == "arrival_min" || name == "time_min" || name.ends_with("start_min") ||
         name.ends_with("end_min") || name.ends_with("_at_min");
}

ColumnValues read_column(const ResultsReader& reader, const ColumnTableReader& table,
                         const std::string& name) {
  ColumnValues column;
  column.name = name;
  column.time = table.units(name) == "min" && is_instant(name);
  for (const auto& category : table.categories(name))
    column.labels[category.code] = category.label;
  const Dataset dataset = table.column(name);
  if (column.labels.empty() && dataset.has_attribute("lookup")) {
    // e.g. service -> /lookup/services: "org/3" instead of a global code.
    std::string lookup = dataset.read_string_attribute("lookup");
    if (lookup.rfind("/lookup/", 0) == 0) {
      for (auto& category : read_lookup_table(reader.file(), lookup.substr(8)))
        column.labels[category.code] = std::move(category.label);
    }
  }
  switch (table.column_type(name)) {
    case ElementType::U8:
    case ElementType::U16:
    case ElementType::U32:
    case ElementType::U64:
      column.values = table.read<std::uint64_t>(name);
      break;
    case ElementType::I8:
    case ElementType::I16:
    case ElementType::I32:
    case ElementType::I64:
      column.values = table.read<std::int64_t>(name);
      break;
    case ElementType::F32:
      column.values = table.read<float>(name);
      break;
    default:
      column.values = table.read<double>(name);
      break;
  }
  return column;
}

void append_value(std::string& out, const ColumnValues& column, std::size_t row, int epoch_day,
                  bool as_utc) {
  std::visit(
      [&](const auto& values) {
        const auto value = values[row];
        if (as_utc) {
          append_utc(out, epoch_day, static_cast<double>(value));
          return;
        }
        if constexpr (std::is_integral_v<std::decay_t<decltype(value)>>) {
          if (!column.labels.empty()) {
            const auto label = column.labels.find(static_cast<std::int64_t>(value));
            if (label != column.labels.end()) {
              append_csv_field(out, label->second);
              return;
            }
          }
        }
        append_number(out, value);
      },
      column.values);
}

}  // namespace

ExportReport export_deployments_csv(const std::vector<std::filesystem::path>& inputs,
                                    const OutputTarget& output, bool force) {
  OutputFile out(output, force);
  ExportReport report;
  std::string header;
  std::string buffer;
  for (const std::filesystem::path& input : inputs) {
    const StudyReader study(
        input,
        ReadOptions{.canary_stages = false, .audit = false, .resources = false, .awu = false});
    const ResultsReader reader(input);
    const StudyProvenance& provenance = study.provenance();
    const int epoch_day = models::days_from_iso_date(provenance.start_date);
    std::string config_sha256;
    std::string point;
    for (const auto& [name, value] : study.attributes()) {
      if (name == "config_sha256")
        config_sha256 = value;
      if (name == "sweep_point")
        point = value;
    }
    for (std::size_t s = 0; s < provenance.strategies.size(); ++s) {
      for (std::uint32_t r = 0; r < provenance.replications; ++r) {
        const std::string base = "/runs/" + provenance.strategies[s] + "/rep" + std::to_string(r);
        const ColumnTableReader table = reader.table(base + "/deployments");
        std::vector<ColumnValues> columns;
        for (const std::string& name : table.column_names())
          columns.push_back(read_column(reader, table, name));
        std::string run_header = "scenario,config_sha256,sweep_point,strategy,replication,seed";
        for (const ColumnValues& column : columns) {
          run_header += "," + column.name;
          if (column.time)
            run_header += "," + column.name + "_utc";
        }
        if (header.empty()) {
          header = run_header;
          report.columns = 6;
          for (const ColumnValues& column : columns)
            report.columns += column.time ? 2 : 1;
          out.write(header + "\n");
        } else if (run_header != header) {
          throw ResultsFileError(input.string() + ": " + base +
                                 "/deployments has other columns than the first run's; "
                                 "expected one schema across the exported files");
        }
        std::string identity;
        append_csv_field(identity, provenance.scenario);
        identity += "," + config_sha256 + "," + point + ",";
        append_csv_field(identity, provenance.strategies[s]);
        identity += "," + std::to_string(r) + "," +
                    std::to_string(reader.group(base).read_attribute<std::uint64_t>("seed"));
        const std::uint64_t rows = table.rows();
        for (std::uint64_t row = 0; row < rows; ++row) {
          buffer += identity;
          for (const ColumnValues& column : columns) {
            buffer += ',';
            append_value(buffer, column, row, epoch_day, false);
            if (column.time) {
              buffer += ',';
              append_value(buffer, column, row, epoch_day, true);
            }
          }
          buffer += '\n';
          if (buffer.size() > (1U << 20)) {
            out.write(buffer);
            buffer.clear();
          }
        }
        report.rows += rows;
        ++report.runs;
      }
    }
    ++report.files;
  }
  out.write(buffer);
  out.commit();
  return report;
}

}  // namespace genops::results
