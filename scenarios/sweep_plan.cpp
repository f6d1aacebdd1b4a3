#include "scenarios/sweep_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "results/results_io.hpp"
#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxPoints = 1'000'000;
constexpr std::size_t kMaxValuesPerFactor = 100'000;

[[noreturn]] void fail(const std::string& source, std::uint32_t line, const std::string& key,
                       const std::string& expected, const std::string& got) {
  std::string out = source;
  if (line > 0)
    out += ":" + std::to_string(line);
  out += ": key '" + key + "': expected " + expected;
  if (!got.empty())
    out += ", got " + got;
  throw engine::InputError(out);
}

std::uint32_t line_of(const toml::node& node) {
  return node.source().begin.line;
}

std::string toml_text(const toml::node& node) {
  std::ostringstream out;
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

// Shortest text that reads back as the same double and that TOML reads as a float.
std::string float_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".eEn") == std::string::npos)
    text += ".0";
  return text;
}

bool is_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0)
    return false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_')
      return false;
  }
  return true;
}

const std::set<std::string>& reserved_names() {
  static const std::set<std::string> names = {"point", "strategy", "replication", "run"};
  return names;
}

double number_of(const toml::node& node, const std::string& source, const std::string& key) {
  if (const auto* i = node.as_integer())
    return static_cast<double>(i->get());
  if (const auto* f = node.as_floating_point())
    return f->get();
  fail(source, line_of(node), key, "a number", "'" + toml_text(node) + "'");
}

void add_value(SweepFactor& factor, const toml::node& node) {
  factor.values.push_back(toml_text(node));
  if (const auto* s = node.as_string()) {
    factor.labels.push_back(s->get());
  } else {
    factor.labels.push_back(factor.values.back());
  }
}

// values = [...] | from/to/step | from/to/points (+ scale = "linear" | "log").
SweepFactor read_factor(const toml::table& table, const std::string& source,
                        const std::string& where) {
  SweepFactor factor;
  const toml::node* values = nullptr;
  const toml::node* labels = nullptr;  // display names of `values` (e.g. of stage lists)
  const toml::node* from = nullptr;
  const toml::node* to = nullptr;
  const toml::node* step = nullptr;
  const toml::node* points = nullptr;
  std::string scale = "linear";
  for (const auto& [k, node] : table) {
    const std::string key = where + "." + std::string(k.str());
    const std::string name(k.str());
    if (name == "name" || name == "key" || name == "scale") {
      const auto* text = node.as_string();
      if (text == nullptr)
        fail(source, line_of(node), key, "a string", "'" + toml_text(node) + "'");
      if (name == "name")
        factor.name = text->get();
      else if (name == "key")
        factor.key = text->get();
      else
        scale = text->get();
    } else if (name == "values") {
      values = &node;
    } else if (name == "labels") {
      labels = &node;
    } else if (name == "from") {
      from = &node;
    } else if (name == "to") {
      to = &node;
    } else if (name == "step") {
      step = &node;
    } else if (name == "points") {
      points = &node;
    } else {
      fail(source, line_of(node), key,
           "one of name, key, values, labels, from, to, step, points, scale", "an unknown key");
    }
  }
  const std::uint32_t line = line_of(table);
  factor.line = line;
  if (!is_identifier(factor.name) || reserved_names().count(factor.name) != 0) {
    fail(source, line, where + ".name",
         "an identifier (letters, digits, _) other than point, strategy, replication, run",
         "'" + factor.name + "'");
  }
  for (const char* forbidden : {"seed", "replications", "strategies"}) {
    if (factor.key == forbidden) {
      fail(source, line, where + ".key",
           "a key other than seed, replications and strategies (every point shares them: "
           "common random numbers; use [sweep] replications)",
           "'" + factor.key + "'");
    }
  }
  if (scale != "linear" && scale != "log")
    fail(source, line, where + ".scale", "\"linear\" or \"log\"", "'" + scale + "'");
  if (labels != nullptr && values == nullptr)
    fail(source, line_of(*labels), where + ".labels", "labels only with values", "a range");
  if (values != nullptr) {
    if (from != nullptr || to != nullptr || step != nullptr || points != nullptr) {
      fail(source, line, where + ".values", "either values or from/to with step or points", "both");
    }
    const auto* array = values->as_array();
    if (array == nullptr || array->empty())
      fail(source, line_of(*values), where + ".values", "a non-empty array", toml_text(*values));
    for (const auto& node : *array)
      add_value(factor, node);
    if (labels != nullptr) {
      const auto* names = labels->as_array();
      if (names == nullptr || names->size() != array->size())
        fail(source, line_of(*labels), where + ".labels",
             "an array as long as values (" + std::to_string(array->size()) + ")",
             toml_text(*labels));
      std::set<std::string> seen;
      for (std::size_t i = 0; i < names->size(); ++i) {
        const toml::node& label = *names->get(i);
        factor.labels[i] =
            label.is_string() ? std::string(label.as_string()->get()) : toml_text(label);
        if (!seen.insert(factor.labels[i]).second)
          fail(source, line_of(*labels), where + ".labels", "distinct labels",
               "'" + factor.labels[i] + "' twice");
      }
    }
    return factor;
  }
  if (from == nullptr || to == nullptr || (step == nullptr) == (points == nullptr)) {
    fail(source, line, where, "values = [...], or from and to with exactly one of step and points",
         "neither");
  }
  const double lo = number_of(*from, source, where + ".from");
  const double hi = number_of(*to, source, where + ".to");
  const bool integers =
      from->is_integer() && to->is_integer() && (step == nullptr || step->is_integer());
  std::vector<double> generated;
  if (step != nullptr) {
    if (scale == "log")
      fail(source, line, where + ".scale", "points with a log scale (not step)", "step");
    const double by = number_of(*step, source, where + ".step");
    if (!(by > 0) || hi < lo)
      fail(source, line_of(*step), where + ".step", "step > 0 and from <= to", toml_text(*step));
    // Each value from its index (no accumulated rounding); the end is included within 1e-9.
    const double count = std::floor((hi - lo) / by + 1e-9) + 1;
    if (count > static_cast<double>(kMaxValuesPerFactor))
      fail(source, line_of(*step), where + ".step", "at most 100000 values", "more");
    for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i)
      generated.push_back(lo + static_cast<double>(i) * by);
  } else {
    const auto* n = points->as_integer();
    if (n == nullptr || n->get() < 2 || n->get() > static_cast<std::int64_t>(kMaxValuesPerFactor))
      fail(source, line_of(*points), where + ".points", "an integer in [2, 100000]",
           toml_text(*points));
    if (scale == "log" && !(lo > 0 && hi > 0))
      fail(source, line, where + ".from", "from > 0 and to > 0 for a log scale",
           toml_text(*from) + ", " + toml_text(*to));
    const auto count = static_cast<std::size_t>(n->get());
    for (std::size_t i = 0; i < count; ++i) {
      const double t = static_cast<double>(i) / static_cast<double>(count - 1);
      generated.push_back(scale == "log" ? lo * std::pow(hi / lo, t) : lo + t * (hi - lo));
    }
    generated.back() = hi;  // exact end point despite pow/rounding
  }
  std::set<std::string> seen;
  for (double v : generated) {
    std::string text;
    if (integers) {
      text = std::to_string(static_cast<std::int64_t>(std::llround(v)));
    } else {
      text = float_text(v);
    }
    if (!seen.insert(text).second) {
      fail(source, line, where, "distinct values (integer end points round to integers)",
           "'" + text + "' twice");
    }
    factor.values.push_back(text);
    factor.labels.push_back(text);
  }
  return factor;
}

// The factor named by "${name}" at `open`; an unknown name is an error naming its line.
const SweepFactor& factor_at(const std::string& text, std::size_t open,
                             const std::vector<SweepFactor>& factors, const std::string& source,
                             std::size_t* close) {
  *close = text.find('}', open);
  const auto line = static_cast<std::uint32_t>(
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(open), '\n'));
  const std::string name =
      *close == std::string::npos ? "" : text.substr(open + 2, *close - open - 2);
  for (const auto& factor : factors) {
    if (factor.name == name)
      return factor;
  }
  std::string known;
  for (const auto& factor : factors)
    known += (known.empty() ? "" : ", ") + factor.name;
  fail(source, line, "${" + name + "}",
       "an iteration variable naming a [sweep] factor (" + (known.empty() ? "none" : known) + ")",
       "an unknown name");
}

// Replaces ${name} outside comments by the factor's label (line numbers are kept: labels have
// no newlines). A '#' outside a one-line string starts a comment.
std::string substitute(const std::string& text, const std::vector<SweepFactor>& factors,
                       const std::vector<std::size_t>& levels, const std::string& source) {
  std::string out;
  out.reserve(text.size());
  char quote = 0;  // the open string's quote character, 0 outside strings
  bool comment = false;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '\n') {
      quote = 0;
      comment = false;
    } else if (!comment && quote == 0 && c == '#') {
      comment = true;
    } else if (!comment && quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (!comment && quote == c && !(c == '"' && at > 0 && text[at - 1] == '\\')) {
      quote = 0;
    } else if (!comment && c == '$' && at + 1 < text.size() && text[at + 1] == '{') {
      std::size_t close = 0;
      const SweepFactor& factor = factor_at(text, at, factors, source, &close);
      out += factor.labels[levels[static_cast<std::size_t>(&factor - factors.data())]];
      at = close;
      continue;
    }
    out += c;
  }
  return out;
}

// Index lists in OMNeT++ -r form: "3", "0..4", "10..", "..2", comma-separated.
struct IndexRange {
  std::size_t first = 0;
  std::size_t last = std::numeric_limits<std::size_t>::max();
};

std::optional<std::vector<IndexRange>> parse_ranges(const std::string& text) {
  std::vector<IndexRange> out;
  std::stringstream in(text);
  std::string item;
  const auto parse_index = [](const std::string& digits) -> std::optional<std::size_t> {
    if (digits.empty())
      return std::nullopt;
    std::size_t value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ec != std::errc() || result.ptr != digits.data() + digits.size())
      return std::nullopt;
    return value;
  };
  while (std::getline(in, item, ',')) {
    IndexRange range;
    const std::size_t dots = item.find("..");
    if (dots == std::string::npos) {
      const auto index = parse_index(item);
      if (!index)
        return std::nullopt;
      range.first = range.last = *index;
    } else {
      const std::string left = item.substr(0, dots);
      const std::string right = item.substr(dots + 2);
      if (left.empty() && right.empty())
        return std::nullopt;
      if (!left.empty()) {
        const auto index = parse_index(left);
        if (!index)
          return std::nullopt;
        range.first = *index;
      }
      if (!right.empty()) {
        const auto index = parse_index(right);
        if (!index)
          return std::nullopt;
        range.last = *index;
      }
    }
    out.push_back(range);
  }
  if (out.empty())
    return std::nullopt;
  return out;
}

bool in_ranges(const std::vector<IndexRange>& ranges, std::size_t index) {
  for (const auto& r : ranges) {
    if (index >= r.first && index <= r.last)
      return true;
  }
  return false;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    out.push_back(item);
  return out;
}

// One parsed --filter.
struct Filter {
  enum class Kind { Run, Point, Strategy, Replication, Factor };
  Kind kind = Kind::Run;
  std::size_t factor = 0;
  std::vector<IndexRange> ranges;
  std::set<std::string> labels;
};

Filter parse_filter(const SweepPlan& plan, const std::string& text) {
  Filter filter;
  const std::size_t eq = text.find('=');
  const std::string expected =
      "run numbers (0..4,7,10..) or NAME=VALUES with NAME point, strategy, replication, run or a "
      "factor";
  if (eq == std::string::npos) {
    const auto ranges = parse_ranges(text);
    if (!ranges)
      throw engine::InputError("--filter '" + text + "': expected " + expected);
    filter.ranges = *ranges;
    return filter;
  }
  const std::string name = text.substr(0, eq);
  const std::string values = text.substr(eq + 1);
  if (name == "run" || name == "point" || name == "replication") {
    const auto ranges = parse_ranges(values);
    if (!ranges) {
      throw engine::InputError("--filter '" + text + "': expected " + name +
                               "=indices such as 0..4,7,10..");
    }
    filter.kind = name == "run"     ? Filter::Kind::Run
                  : name == "point" ? Filter::Kind::Point
                                    : Filter::Kind::Replication;
    filter.ranges = *ranges;
    return filter;
  }
  for (const auto& v : split_commas(values))
    filter.labels.insert(v);
  if (name == "strategy") {
    filter.kind = Filter::Kind::Strategy;
    for (const auto& label : filter.labels) {
      if (std::find(plan.strategies.begin(), plan.strategies.end(), label) ==
          plan.strategies.end()) {
        throw engine::InputError("--filter '" + text + "': expected a strategy of the plan, got '" +
                                 label + "'");
      }
    }
    return filter;
  }
  for (std::size_t f = 0; f < plan.factors.size(); ++f) {
    if (plan.factors[f].name != name)
      continue;
    filter.kind = Filter::Kind::Factor;
    filter.factor = f;
    for (const auto& label : filter.labels) {
      const auto& labels = plan.factors[f].labels;
      if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
        throw engine::InputError("--filter '" + text + "': expected a value of factor '" + name +
                                 "', got '" + label + "'");
      }
    }
    return filter;
  }
  throw engine::InputError("--filter '" + text + "': expected " + expected + ", got '" + name +
                           "'");
}

bool matches(const SweepPlan& plan, const Filter& filter, const SweepRun& run) {
  switch (filter.kind) {
    case Filter::Kind::Run:
      return in_ranges(filter.ranges, run.number);
    case Filter::Kind::Point:
      return in_ranges(filter.ranges, run.point);
    case Filter::Kind::Replication:
      return in_ranges(filter.ranges, static_cast<std::size_t>(run.replication));
    case Filter::Kind::Strategy:
      return filter.labels.count(plan.strategies[run.strategy]) != 0;
    case Filter::Kind::Factor: {
      const SweepFactor& factor = plan.factors[filter.factor];
      return filter.labels.count(factor.labels[plan.points[run.point].levels[filter.factor]]) != 0;
    }
  }
  return false;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw engine::InputError(path + ": cannot open the scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string factor_value_json(const SweepFactor& factor, std::size_t level) {
  // Numbers and booleans keep their type; strings (and anything JSON cannot read) the label.
  const Json value = Json::parse(factor.values[level], nullptr, false);
  if (!value.is_discarded() && (value.is_number() || value.is_boolean()))
    return value.dump();
  const Json label = Json::parse(factor.labels[level], nullptr, false);
  if (!label.is_discarded() && (label.is_number() || label.is_boolean()))
    return label.dump();
  return Json(factor.labels[level]).dump();
}

SweepRun SweepPlan::run(std::size_t number) const {
  const std::size_t per_point = runs_per_point();
  const auto reps = static_cast<std::size_t>(replications);
  SweepRun out;
  out.number = number;
  out.point = number / per_point;
  out.strategy = (number % per_point) / reps;
  out.replication = static_cast<int>(number % reps);
  return out;
}

std::string SweepPlan::run_id(const SweepRun& run) const {
  char point[16];
  std::snprintf(point, sizeof(point), "p%04zu", run.point);
  return std::string(point) + "-" + strategies[run.strategy] + "-r" +
         std::to_string(run.replication);
}

std::string SweepPlan::point_label(std::size_t point) const {
  std::string out;
  for (std::size_t f = 0; f < factors.size(); ++f) {
    out += (f == 0 ? "" : " ") + factors[f].name + "=" + factors[f].labels[points[point].levels[f]];
  }
  return out.empty() ? "(no factors)" : out;
}

SweepPlan load_sweep_plan(const std::string& path, const models::StrategyRegistry& strategies,
                          const SweepOverrides& overrides) {
  const std::string text = read_file(path);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    throw engine::InputError(path + ":" + std::to_string(error.source().begin.line) +
                             ": TOML syntax error: " + std::string(error.description()));
  }
  SweepPlan plan;
  plan.source = path;
  std::optional<int> replications;
  if (const toml::node* sweep_node = root.get("sweep")) {
    const auto* sweep = sweep_node->as_table();
    if (sweep == nullptr)
      fail(path, line_of(*sweep_node), "sweep", "a [sweep] table", toml_text(*sweep_node));
    for (const auto& [k, node] : *sweep) {
      const std::string key = "sweep." + std::string(k.str());
      if (k.str() == "mode") {
        const auto* mode = node.as_string();
        if (mode == nullptr || (mode->get() != "grid" && mode->get() != "zip"))
          fail(path, line_of(node), key, "\"grid\" or \"zip\"", toml_text(node));
        plan.zipped = mode->get() == "zip";
      } else if (k.str() == "replications") {
        const auto* n = node.as_integer();
        if (n == nullptr || n->get() < 1 || n->get() > 10000)
          fail(path, line_of(node), key, "an integer in [1, 10000]", toml_text(node));
        replications = static_cast<int>(n->get());
      } else if (k.str() == "factors") {
        const auto* array = node.as_array();
        if (array == nullptr)
          fail(path, line_of(node), key, "[[sweep.factors]] tables", toml_text(node));
        for (std::size_t i = 0; i < array->size(); ++i) {
          const auto* table = array->get(i)->as_table();
          const std::string where = "sweep.factors[" + std::to_string(i) + "]";
          if (table == nullptr)
            fail(path, line_of(*array->get(i)), where, "a table", toml_text(*array->get(i)));
          SweepFactor factor = read_factor(*table, path, where);
          for (const auto& other : plan.factors) {
            if (other.name == factor.name)
              fail(path, line_of(*table), where + ".name", "a unique factor name",
                   "'" + factor.name + "' twice");
          }
          plan.factors.push_back(std::move(factor));
        }
      } else {
        fail(path, line_of(node), key, "one of mode, replications, factors", "an unknown key");
      }
    }
  }
  // Point levels: a full grid with the first factor outermost, or zipped (equal lengths).
  std::vector<std::vector<std::size_t>> levels;
  if (plan.factors.empty()) {
    levels.emplace_back();
  } else if (plan.zipped) {
    const std::size_t n = plan.factors.front().values.size();
    for (const auto& factor : plan.factors) {
      if (factor.values.size() != n) {
        fail(path, 0, "sweep.mode",
             "factors of equal length for mode = \"zip\" (" + plan.factors.front().name + " has " +
                 std::to_string(n) + ")",
             factor.name + " with " + std::to_string(factor.values.size()));
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      levels.emplace_back(plan.factors.size(), i);
  } else {
    std::size_t total = 1;
    for (const auto& factor : plan.factors) {
      total *= factor.values.size();
      if (total > kMaxPoints)
        fail(path, 0, "sweep.factors", "at most 1000000 grid points", "more");
    }
    for (std::size_t p = 0; p < total; ++p) {
      std::vector<std::size_t> level(plan.factors.size());
      std::size_t rest = p;
      for (std::size_t f = plan.factors.size(); f-- > 0;) {
        level[f] = rest % plan.factors[f].values.size();
        rest /= plan.factors[f].values.size();
      }
      levels.push_back(std::move(level));
    }
  }
  for (std::size_t p = 0; p < levels.size(); ++p) {
    SweepPoint point;
    point.index = p;
    point.levels = levels[p];
    point.scenario = parse_scenario(substitute(text, plan.factors, point.levels, path), path,
                                    strategies, Validation::Deferred);
    if (replications)
      apply_override(point.scenario, "replications=" + std::to_string(*replications), strategies,
                     Validation::Deferred);
    for (const auto& assignment : overrides.assignments)
      apply_override(point.scenario, assignment, strategies, Validation::Deferred);
    for (std::size_t f = 0; f < plan.factors.size(); ++f) {
      const SweepFactor& factor = plan.factors[f];
      if (factor.key.empty())
        continue;
      point.overrides.push_back(factor.key + "=" + factor.values[point.levels[f]]);
      try {
        apply_override(point.scenario, point.overrides.back(), strategies, Validation::Deferred);
      } catch (const engine::InputError& error) {
        std::string message = error.what();
        if (message.rfind("--set: ", 0) == 0)
          message.erase(0, 7);
        throw engine::InputError(path + ":" + std::to_string(factor.line) + ": sweep factor '" +
                                 factor.name + "' (point " + std::to_string(p) + "): " + message);
      }
    }
    try {  // the whole-scenario limits, after every factor and --set of the point
      validate_scenario(point.scenario, strategies);
    } catch (const engine::InputError& error) {
      throw engine::InputError(std::string(error.what()) + " (sweep point " + std::to_string(p) +
                               ")");
    }
    point.config_sha256 = results::sha256_hex(scenario_to_json(point.scenario));
    plan.points.push_back(std::move(point));
  }
  const models::Scenario& first = plan.points.front().scenario;
  plan.strategies = first.strategies;
  plan.replications = first.replications;
  plan.seed = first.seed;
  return plan;
}

std::vector<SweepRun> select_runs(const SweepPlan& plan, const std::vector<std::string>& filters) {
  std::vector<Filter> parsed;
  for (const auto& text : filters)
    parsed.push_back(parse_filter(plan, text));
  std::vector<SweepRun> out;
  for (std::size_t n = 0; n < plan.run_count(); ++n) {
    const SweepRun run = plan.run(n);
    bool keep = true;
    for (const auto& filter : parsed)
      keep = keep && matches(plan, filter, run);
    if (keep)
      out.push_back(run);
  }
  return out;
}

std::vector<std::size_t> select_points(const SweepPlan& plan,
                                       const std::vector<std::string>& filters) {
  std::vector<Filter> parsed;
  for (const auto& text : filters) {
    parsed.push_back(parse_filter(plan, text));
    if (parsed.back().kind != Filter::Kind::Point && parsed.back().kind != Filter::Kind::Factor) {
      throw engine::InputError("--filter '" + text +
                               "': expected point=INDICES or FACTOR=VALUES (a point's results "
                               "file holds all its strategies and replications)");
    }
  }
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    SweepRun first;
    first.point = p;
    bool keep = true;
    for (const auto& filter : parsed)
      keep = keep && matches(plan, filter, first);
    if (keep)
      out.push_back(p);
  }
  return out;
}

std::string sweep_plan_json(const SweepPlan& plan, const std::vector<SweepRun>& runs) {
  Json factors = Json::array();
  for (const auto& factor : plan.factors) {
    Json values = Json::array();
    for (std::size_t level = 0; level < factor.values.size(); ++level)
      values.push_back(Json::parse(factor_value_json(factor, level)));
    factors.push_back({{"name", factor.name},
                       {"key", factor.key},
                       {"values", values},
                       {"labels", factor.labels}});
  }
  Json points = Json::array();
  for (const auto& point : plan.points) {
    Json values = Json::object();
    for (std::size_t f = 0; f < plan.factors.size(); ++f)
      values[plan.factors[f].name] =
          Json::parse(factor_value_json(plan.factors[f], point.levels[f]));
    points.push_back({{"point", point.index},
                      {"factors", values},
                      {"levels", point.levels},
                      {"overrides", point.overrides},
                      {"config_sha256", point.config_sha256}});
  }
  Json selected = Json::array();
  for (const auto& run : runs) {
    selected.push_back({{"run", run.number},
                        {"id", plan.run_id(run)},
                        {"point", run.point},
                        {"strategy", plan.strategies[run.strategy]},
                        {"replication", run.replication}});
  }
  const Json out = {{"schema", "genops-sim-sweep-plan"},
                    {"schema_version", 1},
                    {"source", plan.source},
                    {"mode", plan.zipped ? "zip" : "grid"},
                    {"seed", plan.seed},
                    {"replications", plan.replications},
                    {"strategies", plan.strategies},
                    {"factors", factors},
                    {"points", points},
                    {"run_count", plan.run_count()},
                    {"selected_runs", selected}};
  return out.dump(2);
}

SweepPlan sweep_plan_from_json(const std::string& text, const std::string& source) {
  SweepPlan plan;
  plan.source = source;
  try {
    const Json json = Json::parse(text);
    if (json.at("schema") != "genops-sim-sweep-plan" || json.at("schema_version") != 1)
      throw engine::InputError(source + ": expected schema genops-sim-sweep-plan version 1");
    plan.zipped = json.at("mode") == "zip";
    plan.seed = json.at("seed").get<std::uint64_t>();
    plan.replications = json.at("replications").get<int>();
    plan.strategies = json.at("strategies").get<std::vector<std::string>>();
    for (const Json& entry : json.at("factors")) {
      SweepFactor factor;
      factor.name = entry.at("name").get<std::string>();
      factor.key = entry.at("key").get<std::string>();
      factor.labels = entry.at("labels").get<std::vector<std::string>>();
      for (const Json& value : entry.at("values"))
        factor.values.push_back(value.dump());
      plan.factors.push_back(std::move(factor));
    }
    for (const Json& entry : json.at("points")) {
      SweepPoint point;
      point.index = entry.at("point").get<std::size_t>();
      point.levels = entry.at("levels").get<std::vector<std::size_t>>();
      point.overrides = entry.at("overrides").get<std::vector<std::string>>();
      point.config_sha256 = entry.at("config_sha256").get<std::string>();
      if (point.index != plan.points.size() || point.levels.size() != plan.factors.size())
        throw engine::InputError(source + ": point " + std::to_string(point.index) +
                                 " is out of order or has the wrong number of levels");
      for (std::size_t f = 0; f < point.levels.size(); ++f) {
        if (point.levels[f] >= plan.factors[f].labels.size())
          throw engine::InputError(source + ": point " + std::to_string(point.index) +
                                   " has a level outside factor '" + plan.factors[f].name + "'");
      }
      plan.points.push_back(std::move(point));
    }
  } catch (const nlohmann::json::exception& error) {
    throw engine::InputError(source + ": not a sweep plan (" + error.what() + ")");
  }
  return plan;
}

}  // namespace genops::scenarios
