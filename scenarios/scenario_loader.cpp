#include "scenarios/scenario_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "models/calendar.hpp"
#include "models/canary.hpp"
#include "models/ci_fleet.hpp"
#include "models/strategy.hpp"
#include "scenarios/runner.hpp"

namespace genops::scenarios {

namespace {

using models::Scenario;
using Json = nlohmann::json;

// Where a value came from, for messages.
constexpr std::size_t kMaxScenarioBytes = std::size_t{4} << 20;
// Telemetry times are signed 64-bit nanoseconds since 1970-01-01 (overflow in 2262): day 0 from
// 1970 to 2200 leaves room for the longest run (3650 + 365 days).
constexpr std::string_view kFirstStartDate = "1970-01-01";
constexpr std::string_view kLastStartDate = "2200-12-31";
// The memory model of `run` (scenarios/README.md "Memory"). Records of the organizations in
// flight (one batch): measured 2.8-2.9 KB per GenOps deployment (internet.toml, 7 and 28 days,
// records, audit and AWU text, the retrieval index) and 0.43 KB per baseline deployment;
// 3 KiB covers the GenOps side.
constexpr double kBytesPerDeploymentInFlight = 3072;
// Kept for the exact quantiles and AUCs of a strategy's pooled summary, over all its runs
// (models::SummaryAccumulator): 8 bytes of cycle time and 2 x 16 bytes of AUC pairs.
constexpr double kKeptBytesPerDeployment = 40;
// An assumption: the results writer's table buffers (up to 32,768 rows a table, then two
// 65,536-row chunks a column) and HDF5's caches, beside the program itself.
constexpr double kFixedBytes = 64.0 * 1024 * 1024;
constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;

std::string exact_number_text(double value) {
  if (!std::isfinite(value)) {
    return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  }
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  std::string out(text.data(), result.ptr);
  if (out.find_first_of(".e") == std::string::npos) {
    out += ".0";
  }
  return out;
}

struct Where {
  std::string source;
  std::uint32_t line = 0;
  std::string key;
};

[[noreturn]] void fail(const Where& where, const std::string& expected, const std::string& got) {
  std::string out = where.source;
  if (where.line > 0)
    out += ":" + std::to_string(where.line);
  out += ": key '" + where.key + "': expected " + expected;
  if (!got.empty())
    out += ", got " + got;
  throw ScenarioError(out);
}

std::string describe(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string:
      out << '\'' << engine::printable_text(node.value_or<std::string>("")) << '\'';
      break;
    case toml::node_type::integer:
      out << node.value_or<std::int64_t>(0);
      break;
    case toml::node_type::floating_point:
      // Shortest round-trip text, marked as a float: 1.0000001, not "1"; 42.0, not "42".
      out << exact_number_text(node.value_or<double>(0));
      break;
    case toml::node_type::boolean:
      out << (node.value_or(false) ? "true" : "false");
      break;
    case toml::node_type::array:
      out << "an array";
      break;
    case toml::node_type::table:
      out << "a table";
      break;
    default:
      out << "a date/time";
  }
  return out.str();
}

// A string key naming one of `names` (exact spelling): its value, or one line listing them.
template <typename Enum, std::size_t N>
Enum read_name(const std::pair<const char*, Enum> (&names)[N], const toml::node& node,
               const Where& where) {
  const auto* text = node.as_string();
  std::string expected = "one of ";
  for (std::size_t k = 0; k < N; ++k) {
    if (text != nullptr && text->get() == names[k].first)
      return names[k].second;
    expected += (k == 0 ? "" : ", ") + std::string(names[k].first);
  }
  fail(where, expected, describe(node));
}

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

double read_number(const toml::node& node, const Where& where, double lo, double hi) {
  double value = 0;
  if (const auto* i = node.as_integer()) {
    value = static_cast<double>(i->get());
  } else if (const auto* f = node.as_floating_point()) {
    value = f->get();
  } else {
    fail(where, "a number in [" + format_number(lo) + ", " + format_number(hi) + "]",
         describe(node));
  }
  if (!std::isfinite(value) || value < lo || value > hi) {
    fail(where, "a number in [" + format_number(lo) + ", " + format_number(hi) + "]",
         describe(node));
  }
  return value;
}

std::int64_t read_integer(const toml::node& node, const Where& where, std::int64_t lo,
                          std::int64_t hi) {
  const auto* i = node.as_integer();
  const std::string expected =
      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (i == nullptr) {
    fail(where, expected,
         describe(node) + (node.type() == toml::node_type::floating_point ? " (a float)" : ""));
  }
  if (i->get() < lo || i->get() > hi)
    fail(where, expected, describe(node));
  return i->get();
}

const toml::array& read_array(const toml::node& node, const Where& where,
                              const std::string& expected) {
  const auto* a = node.as_array();
  if (a == nullptr)
    fail(where, expected, describe(node));
  return *a;
}

using Setter = std::function<void(Scenario&, int, const toml::node&, const Where&)>;
using Getter = std::function<Json(const Scenario&, int)>;

struct Binding {
  KeyInfo info;
  bool per_organization = false;
  bool per_fleet = false;  // ci_fleets.*.x: the index argument is the fleet's
  Setter set;
  Getter get;
};

class KeyTable {
 public:
  template <class Access>
  void number(const std::string& key, Access access, double lo, double hi, std::string unit,
              std::string doc) {
    add(
        key, "number", std::move(unit), "[" + format_number(lo) + ", " + format_number(hi) + "]",
        std::move(doc),
        [access, lo, hi](Scenario& s, int o, const toml::node& n, const Where& w) {
          access(s, o) = read_number(n, w, lo, hi);
        },
        [access](const Scenario& s, int o) { return Json(access(s, o)); });
  }
  template <class Access>
  void integer(const std::string& key, Access access, std::int64_t lo, std::int64_t hi,
               std::string unit, std::string doc) {
    add(
        key, "integer", std::move(unit), "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
        std::move(doc),
        [access, lo, hi](Scenario& s, int o, const toml::node& n, const Where& w) {
          using T = std::remove_reference_t<decltype(access(s, o))>;
          access(s, o) = static_cast<T>(read_integer(n, w, lo, hi));
        },
        [access](const Scenario& s, int o) { return Json(access(s, o)); });
  }
  template <class Access>
  void boolean(const std::string& key, Access access, std::string doc) {
    add(
        key, "boolean", "", "true/false", std::move(doc),
        [access](Scenario& s, int o, const toml::node& n, const Where& w) {
          const auto* b = n.as_boolean();
          if (b == nullptr)
            fail(w, "true or false", describe(n));
          access(s, o) = b->get();
        },
        [access](const Scenario& s, int o) { return Json(access(s, o)); });
  }
  template <class Access>
  void string(const std::string& key, Access access, std::vector<std::string> allowed,
              std::string doc, std::string type = "string") {
    std::string range;
    for (const auto& a : allowed)
      range += (range.empty() ? "" : ", ") + a;
    add(
        key, std::move(type), "", range.empty() ? "non-empty" : range, std::move(doc),
        [access, allowed, range](Scenario& s, int o, const toml::node& n, const Where& w) {
          const auto* str = n.as_string();
          if (str == nullptr || str->get().empty())
            fail(w, "a non-empty string", describe(n));
          if (!allowed.empty() &&
              std::find(allowed.begin(), allowed.end(), str->get()) == allowed.end()) {
            fail(w, "one of " + range, describe(n));
          }
          access(s, o) = str->get();
        },
        [access](const Scenario& s, int o) { return Json(access(s, o)); });
  }
  template <std::size_t N, class Access>
  void number_array(const std::string& key, Access access, double lo, double hi, std::string unit,
                    std::string doc) {
    const std::string expected = "an array of " + std::to_string(N) + " numbers in [" +
                                 format_number(lo) + ", " + format_number(hi) + "]";
    add(
        key, "array of " + std::to_string(N) + " numbers", std::move(unit),
        "[" + format_number(lo) + ", " + format_number(hi) + "]", std::move(doc),
        [access, lo, hi, expected](Scenario& s, int o, const toml::node& n, const Where& w) {
          const auto& a = read_array(n, w, expected);
          if (a.size() != N)
            fail(w, expected, "an array of " + std::to_string(a.size()));
          std::array<double, N> values{};
          for (std::size_t i = 0; i < N; ++i)
            values[i] = read_number(*a.get(i), w, lo, hi);
          access(s, o) = values;
        },
        [access](const Scenario& s, int o) { return Json(access(s, o)); });
  }
  void add(const std::string& key, std::string type, std::string unit, std::string range,
           std::string doc, Setter set, Getter get) {
    Binding b;
    b.per_organization = key.rfind("organizations.*.", 0) == 0;
    b.per_fleet = key.rfind("ci_fleets.*.", 0) == 0;
    b.info = KeyInfo{key, std::move(type), std::move(unit), std::move(range), "", std::move(doc)};
    b.set = std::move(set);
    b.get = std::move(get);
    bindings_.push_back(std::move(b));
  }
  std::vector<Binding>& bindings() { return bindings_; }

 private:
  std::vector<Binding> bindings_;
};

models::OrganizationConfig& org(Scenario& s, int o) {
  return s.organizations.at(static_cast<std::size_t>(o));
}
const models::OrganizationConfig& org(const Scenario& s, int o) {
  return s.organizations.at(static_cast<std::size_t>(o));
}

std::vector<models::CanaryStage> read_stages(const toml::node& n, const Where& w) {
  const std::string expected =
      "an array of tables {traffic_percent, bake_minutes, min_samples, slo_relaxation}";
  const auto& a = read_array(n, w, expected);
  std::vector<models::CanaryStage> stages;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto* t = a.get(i)->as_table();
    Where at = w;
    at.key = w.key + "[" + std::to_string(i) + "]";
    at.line = a.get(i)->source().begin.line;
    if (t == nullptr)
      fail(at, expected, describe(*a.get(i)));
    models::CanaryStage stage;
    for (const auto& [k, v] : *t) {
      Where field = at;
      field.key = at.key + "." + std::string(k.str());
      field.line = v.source().begin.line;
      if (k == "traffic_percent") {
        stage.traffic_percent = read_number(v, field, 0.001, 100);
      } else if (k == "bake_minutes") {
        stage.bake_minutes = read_number(v, field, 0, 1440);
      } else if (k == "min_samples") {
        stage.min_samples = static_cast<int>(read_integer(v, field, 0, 100000000));
      } else if (k == "slo_relaxation") {
        stage.slo_relaxation = read_number(v, field, 1, 10);
      } else {
        fail(field, "one of traffic_percent, bake_minutes, min_samples, slo_relaxation",
             "an unknown key");
      }
    }
    if (t->get("traffic_percent") == nullptr)
      fail(at, "a traffic_percent", "none");
    stages.push_back(stage);
  }
  const std::string problem = models::check_stage_list(stages);
  if (!problem.empty())
    fail(w, problem, "an inconsistent stage list");
  return stages;
}

Json stages_json(const std::vector<models::CanaryStage>& stages) {
  Json out = Json::array();
  for (const auto& s : stages) {
    out.push_back({{"traffic_percent", s.traffic_percent},
                   {"bake_minutes", s.bake_minutes},
                   {"min_samples", s.min_samples},
                   {"slo_relaxation", s.slo_relaxation}});
  }
  return out;
}

// Top-level keys: name, seed, replications, durations, dates, strategies, attribution.
void add_top_level_keys(KeyTable& t) {
  using S = Scenario;
  t.string(
      "name", [](auto& s, int) -> auto& { return s.name; }, {}, "Scenario name");
  t.add(
      "seed", "integer", "", "[0, 2^63)",
      "Master seed; replication r uses streams keyed by (seed, r)",
      [](S& s, int, const toml::node& n, const Where& w) {
        s.seed = static_cast<std::uint64_t>(
            read_integer(n, w, 0, std::numeric_limits<std::int64_t>::max()));
      },
      [](const S& s, int) { return Json(s.seed); });
  t.integer(
      "replications", [](auto& s, int) -> auto& { return s.replications; }, 1, 10000, "",
      "Independent replications per strategy (common random numbers across strategies)");
  t.integer(
      "duration_days", [](auto& s, int) -> auto& { return s.duration_days; }, 1, 3650, "days",
      "Days of arriving traffic");
  t.integer(
      "drain_days", [](auto& s, int) -> auto& { return s.drain_days; }, 0, 365, "days",
      "Days the run continues after the last arrival so every change finishes");
  t.integer(
      "warmup_days", [](auto& s, int) -> auto& { return s.warmup_days; }, 0, 365, "days",
      "Days the world runs before start_date (history, error budgets, queues); nothing from "
      "them enters a statistic");
  t.number(
      "max_memory_gib", [](auto& s, int) -> auto& { return s.max_memory_gib; }, 0.001, 1024, "GiB",
      "Memory budget of `run`: organizations are simulated in batches that fit it; refuse the "
      "scenario when one organization in flight does not (scenarios/README.md, Memory)");
  t.add(
      "start_date", "date", "", "YYYY-MM-DD, 1970-01-01 to 2200-12-31",
      "Calendar date of day 0 (sets weekdays)",
      [](S& s, int, const toml::node& n, const Where& w) {
        const auto* str = n.as_string();
        if (str == nullptr)
          fail(w, "an ISO date string YYYY-MM-DD", describe(n));
        const std::string range =
            "an ISO date string YYYY-MM-DD from " + std::string(kFirstStartDate) + " to " +
            std::string(kLastStartDate) + " (telemetry times are 64-bit nanoseconds since 1970)";
        int day = 0;
        try {
          day = models::days_from_iso_date(str->get());
        } catch (const std::invalid_argument&) {
          fail(w, range, describe(n));
        }
        if (day < models::days_from_iso_date(std::string(kFirstStartDate)) ||
            day > models::days_from_iso_date(std::string(kLastStartDate))) {
          fail(w, range, describe(n));
        }
        s.start_date = str->get();
      },
      [](const S& s, int) { return Json(s.start_date); });
  t.add(
      "strategies", "array of strings", "", "registered strategy names",
      "Strategies to run on the same traffic (checked against the registry)",
      [](S& s, int, const toml::node& n, const Where& w) {
        const auto& a = read_array(n, w, "an array of strategy names");
        if (a.empty())
          fail(w, "at least one strategy name", "an empty array");
        s.strategies.clear();
        for (const auto& e : a) {
          const auto* str = e.as_string();
          if (str == nullptr)
            fail(w, "an array of strategy names", describe(e));
          if (std::find(s.strategies.begin(), s.strategies.end(), str->get()) !=
              s.strategies.end()) {
            fail(w, "each strategy once", "'" + str->get() + "' twice");
          }
          s.strategies.push_back(str->get());
        }
      },
      [](const S& s, int) { return Json(s.strategies); });
  t.string(
      "project", [](auto& s, int) -> auto& { return s.project; }, {},
      "GenOps attribution: genops.project");
  t.string(
      "environment", [](auto& s, int) -> auto& { return s.environment; }, {},
      "GenOps attribution: genops.environment");
}

// Organization keys ([[organizations]] tables).
void add_organization_keys(KeyTable& t) {
  using S = Scenario;
  const std::string o = "organizations.*.";
  t.string(
      o + "name", [](auto& s, int i) -> auto& { return org(s, i).name; }, {},
      "Organization name (unique)");
  t.string(
      o + "team", [](auto& s, int i) -> auto& { return org(s, i).team; }, {},
      "GenOps attribution: genops.team");
  t.integer(
      o + "utc_offset_hours", [](auto& s, int i) -> auto& { return org(s, i).utc_offset_hours; },
      -12, 14, "hours", "Local time = UTC + offset");
  t.integer(
      o + "services", [](auto& s, int i) -> auto& { return org(s, i).services; }, 1, 5000, "",
      "Number of services");
  t.number_array<4>(
      o + "tier_shares", [](auto& s, int i) -> auto& { return org(s, i).tier_shares; }, 0, 1,
      "share", "Shares of CRITICAL, HIGH, MEDIUM, LOW services (normalised)");
  t.integer(
      o + "ci_runners", [](auto& s, int i) -> auto& { return org(s, i).ci_runners; }, 0, 10000, "",
      "Private CI runners (0 only with ci_fleet: every job then goes to the fleet)");
  t.string(
      o + "ci_fleet", [](auto& s, int i) -> auto& { return org(s, i).ci_fleet; }, {},
      "Name of a shared [[ci_fleets]] fleet; jobs that find no free private runner go there "
      "(default: none, private runners only)");
  t.number(
      o + "deploys_per_service_per_day",
      [](auto& s, int i) -> auto& { return org(s, i).deploys_per_service_per_day; }, 0, 1000,
      "1/day", "Mean deployment requests per service per day");
  t.number(
      o + "service_rate_sigma",
      [](auto& s, int i) -> auto& { return org(s, i).service_rate_sigma; }, 0, 3, "log-sd",
      "Spread of per-service request rates (lognormal, mean preserved)");
  t.number(
      o + "mean_dependencies", [](auto& s, int i) -> auto& { return org(s, i).mean_dependencies; },
      0, 50, "", "Mean dependencies per service in the generated DAG");
  t.number(
      o + "defect_multiplier", [](auto& s, int i) -> auto& { return org(s, i).defect_multiplier; },
      0, 20, "x", "Multiplies this organization's defect probability");
  t.number(
      o + "pr_builds_per_service_per_day",
      [](auto& s, int i) -> auto& { return org(s, i).pr_builds_per_service_per_day; }, 0, 1000,
      "builds/service/day", "Pull-request builds that share the CI runners and never deploy");
  t.add(
      o + "holidays", "array of integers", "day index", "[0, duration_days + drain_days)",
      "Local days without reviewers (elevated timing risk)",
      [](S& s, int i, const toml::node& n, const Where& w) {
        const auto& a = read_array(n, w, "an array of day indexes");
        org(s, i).holidays.clear();
        for (const auto& e : a)
          org(s, i).holidays.push_back(static_cast<int>(read_integer(e, w, 0, 100000)));
      },
      [](const S& s, int i) {
        return Json(s.organizations.at(static_cast<std::size_t>(i)).holidays);
      });
  t.add(
      o + "freeze_windows", "array of [first, last] day pairs", "day index", "first <= last",
      "Local days on which non-hotfix deploys are not allowed",
      [](S& s, int i, const toml::node& n, const Where& w) {
        const auto& a = read_array(n, w, "an array of [first_day, last_day] pairs");
        org(s, i).freeze_windows.clear();
        for (const auto& e : a) {
          const auto* pair = e.as_array();
          if (pair == nullptr || pair->size() != 2)
            fail(w, "a [first_day, last_day] pair", describe(e));
          const auto first = static_cast<int>(read_integer(*pair->get(0), w, 0, 100000));
          const auto last = static_cast<int>(read_integer(*pair->get(1), w, first, 100000));
          org(s, i).freeze_windows.push_back({first, last});
        }
      },
      [](const S& s, int i) {
        Json out = Json::array();
        for (const auto& r : s.organizations.at(static_cast<std::size_t>(i)).freeze_windows) {
          out.push_back({r.first_day, r.last_day});
        }
        return out;
      });
}

models::CiFleetConfig& fleet(Scenario& s, int f) {
  return s.ci_fleets.at(static_cast<std::size_t>(f));
}
const models::CiFleetConfig& fleet(const Scenario& s, int f) {
  return s.ci_fleets.at(static_cast<std::size_t>(f));
}

// Shared CI fleet keys ([[ci_fleets]] tables, models/ci_fleet.hpp).
void add_fleet_keys(KeyTable& t) {
  const std::string f = "ci_fleets.*.";
  t.string(
      f + "name", [](auto& s, int i) -> auto& { return fleet(s, i).name; }, {},
      "Fleet name (unique), referred to by organizations.*.ci_fleet");
  t.integer(
      f + "runners", [](auto& s, int i) -> auto& { return fleet(s, i).runners; }, 1, 1000000, "",
      "Runners of the shared fleet (its capacity; required)");
  t.number(
      f + "dispatch_latency_seconds",
      [](auto& s, int i) -> auto& { return fleet(s, i).dispatch_latency_seconds; }, 1, 3600, "s",
      "Time each request, start and completion message takes between an organization and the "
      "fleet; the smallest one used is the run's lookahead");
}

// Reviewer keys of an organization ([organizations.reviewers] sub-tables).
void add_reviewer_keys(KeyTable& t) {
  using S = Scenario;
  const std::string r = "organizations.*.reviewers.";
  t.integer(
      r + "count", [](auto& s, int i) -> auto& { return org(s, i).reviewers.count; }, 1, 10000, "",
      "Reviewers serving approvals (baseline: every change; genops: gated ones)");
  t.integer(
      r + "work_start_hour",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.work_start_hour; }, 0, 23, "hour",
      "Local start of the working day");
  t.integer(
      r + "work_end_hour",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.work_end_hour; }, 1, 24, "hour",
      "Local end of the working day (exclusive)");
  t.add(
      r + "working_days", "array of weekday names", "", "Mon..Sun",
      "Days reviewers work, e.g. [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]",
      [](S& s, int i, const toml::node& n, const Where& w) {
        static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        const auto& a = read_array(n, w, "an array of weekday names Mon..Sun");
        std::array<bool, 7> days{};
        for (const auto& e : a) {
          const auto* str = e.as_string();
          const auto* found = str == nullptr
                                  ? std::end(kDays)
                                  : std::find_if(std::begin(kDays), std::end(kDays),
                                                 [&](const char* d) { return str->get() == d; });
          if (found == std::end(kDays))
            fail(w, "weekday names Mon, Tue, Wed, Thu, Fri, Sat, Sun", describe(e));
          days[static_cast<std::size_t>(found - std::begin(kDays))] = true;
        }
        org(s, i).reviewers.working_days = days;
      },
      [](const S& s, int i) {
        static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        Json out = Json::array();
        const auto& days = s.organizations.at(static_cast<std::size_t>(i)).reviewers.working_days;
        for (std::size_t d = 0; d < 7; ++d) {
          if (days[d])
            out.push_back(kDays[d]);
        }
        return out;
      });
  t.number(
      r + "review_median_minutes",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.review_median_minutes; }, 0.1, 10000,
      "min", "Median review/approval time (lognormal)");
  t.number(
      r + "review_sigma", [](auto& s, int i) -> auto& { return org(s, i).reviewers.review_sigma; },
      0, 3, "log-sd", "Spread of review time");
  t.number(
      r + "on_call_response_median_minutes",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.on_call_response_median_minutes; },
      0.1, 10000, "min", "Median on-call approval time for hotfixes (any hour)");
  t.number(
      r + "defect_catch_probability",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.defect_catch_probability; }, 0, 1,
      "probability", "A reviewer catches a latent defect that survived CI");
  t.number(
      r + "pr_review_share",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.pr_review_share; }, 0, 1,
      "probability", "A pull-request build asks these reviewers for a review (same FIFO queue)");
  t.number(
      r + "pr_review_median_minutes",
      [](auto& s, int i) -> auto& { return org(s, i).reviewers.pr_review_median_minutes; }, 0.1,
      10000, "min", "Median pull-request review time (lognormal, review_sigma)");
}

// Traffic keys.
void add_traffic_keys(KeyTable& t) {
  t.number_array<24>(
      "traffic.hourly_profile", [](auto& s, int) -> auto& { return s.traffic.hourly_profile; }, 0,
      100, "relative", "Arrival intensity per local hour 0..23");
  t.number_array<24>(
      "traffic.pr_hourly_profile",
      [](auto& s, int) -> auto& { return s.traffic.pr_hourly_profile; }, 0, 100, "relative",
      "Pull-request build intensity per local hour 0..23");
  t.number_array<7>(
      "traffic.weekday_profile", [](auto& s, int) -> auto& { return s.traffic.weekday_profile; }, 0,
      100, "relative", "Arrival intensity per weekday Mon..Sun");
  t.number(
      "traffic.hotfix_share", [](auto& s, int) -> auto& { return s.traffic.hotfix_share; }, 0, 1,
      "share", "Share of changes that are hotfixes (arrive at any hour, on-call approval)");
  t.number(
      "traffic.lines_changed_median",
      [](auto& s, int) -> auto& { return s.traffic.lines_changed_median; }, 1, 1e6, "lines",
      "Median lines changed (lognormal)");
  t.number(
      "traffic.lines_changed_sigma",
      [](auto& s, int) -> auto& { return s.traffic.lines_changed_sigma; }, 0, 4, "log-sd",
      "Spread of lines changed");
  t.number(
      "traffic.lines_per_file", [](auto& s, int) -> auto& { return s.traffic.lines_per_file; }, 1,
      1e5, "lines", "Lines per changed file");
  t.number(
      "traffic.migration_probability",
      [](auto& s, int) -> auto& { return s.traffic.migration_probability; }, 0, 1, "probability",
      "A change carries a database migration");
  t.number(
      "traffic.config_change_probability",
      [](auto& s, int) -> auto& { return s.traffic.config_change_probability; }, 0, 1,
      "probability", "A change touches configuration");
}

// Defect keys.
void add_defect_keys(KeyTable& t) {
  const auto defect = [&t](const std::string& key, double models::DefectConfig::*field, double lo,
                           double hi, const std::string& unit, const std::string& doc) {
    t.number(
        "defects." + key, [field](auto& s, int) -> auto& { return s.defects.*field; }, lo, hi, unit,
        doc);
  };
  using D = models::DefectConfig;
  defect("base_probability", &D::base_probability, 0, 1, "probability",
         "Defect probability of a small change");
  defect("per_log10_lines", &D::per_log10_lines, 0, 1, "probability",
         "Added per decade of lines above 10");
  defect("migration_extra", &D::migration_extra, 0, 1, "probability", "Added for a migration");
  defect("config_extra", &D::config_extra, 0, 1, "probability", "Added for a config change");
  defect("late_hours_extra", &D::late_hours_extra, 0, 1, "probability",
         "Added for changes written 20:00-07:00 or on weekends");
  defect("service_propensity_sigma", &D::service_propensity_sigma, 0, 3, "log-sd",
         "Spread of per-service defect propensity (mean 1)");
  defect("test_visible_probability", &D::test_visible_probability, 0, 1, "probability",
         "A defect is within reach of the tests");
  defect("test_detection", &D::test_detection, 0, 1, "probability",
         "CI catches a test-visible defect");
  defect("error_rate_effect_median", &D::error_rate_effect_median, 0, 1, "rate",
         "Median added error rate of a defect");
  defect("error_rate_effect_sigma", &D::error_rate_effect_sigma, 0, 4, "log-sd",
         "Spread of the error-rate effect");
  defect("latency_effect_median", &D::latency_effect_median, 0, 100, "fraction",
         "Median added latency (fraction of base)");
  defect("latency_effect_sigma", &D::latency_effect_sigma, 0, 4, "log-sd",
         "Spread of the latency effect");
  defect("rework_median_minutes", &D::rework_median_minutes, 0, 1e5, "min",
         "Median rework time after a catch");
  defect("rework_sigma", &D::rework_sigma, 0, 3, "log-sd", "Spread of rework time");
  defect("fix_probability", &D::fix_probability, 0, 1, "probability", "Rework removes the defect");
  defect("delayed_manifest_probability", &D::delayed_manifest_probability, 0, 1, "probability",
         "A defect shows only after the rollout (no canary or verification can see it)");
  t.integer(
      "defects.components_per_service",
      [](auto& s, int) -> auto& { return s.defects.components_per_service; }, 1, 64, "",
      "Code areas (components) per service, each with a latent fragility");
  defect("fragility_sigma", &D::fragility_sigma, 0, 3, "log-sd",
         "Stationary spread of a component's log-fragility (mean multiplier 1)");
  defect("fragility_reversion_days", &D::fragility_reversion_days, 0.1, 1e5, "days",
         "Mean-reversion time of the fragility walk");
  defect("change_noise_sigma", &D::change_noise_sigma, 0, 3, "log-sd",
         "Hidden per-change noise on the defect probability (mean multiplier 1)");
  defect("two_components_probability", &D::two_components_probability, 0, 1, "probability",
         "A change touches two components (else one)");
  defect("detectability_shape", &D::detectability_shape, 0.05, 100, "shape",
         "Defect detectability d = u^(1/shape), shared by human and AI review");
}

// Service keys.
void add_service_keys(KeyTable& t) {
  const auto service = [&t](const std::string& key, double models::ServiceConfig::*field, double lo,
                            double hi, const std::string& unit, const std::string& doc) {
    t.number(
        "services." + key, [field](auto& s, int) -> auto& { return s.services.*field; }, lo, hi,
        unit, doc);
  };
  using V = models::ServiceConfig;
  service("request_rate_median_per_minute", &V::request_rate_median_per_minute, 0.001, 1e9, "1/min",
          "Median production request rate");
  service("request_rate_sigma", &V::request_rate_sigma, 0, 4, "log-sd", "Spread of request rates");
  service("base_error_rate_median", &V::base_error_rate_median, 0, 0.5, "rate",
          "Median healthy error rate");
  service("base_error_rate_sigma", &V::base_error_rate_sigma, 0, 4, "log-sd",
          "Spread of healthy error rates");
  service("latency_p50_median_ms", &V::latency_p50_median_ms, 0.01, 1e6, "ms",
          "Median healthy p50 latency");
  service("latency_p99_over_p50", &V::latency_p99_over_p50, 1, 100, "x", "p99 / p50");
  service("availability_slo", &V::availability_slo, 0.5, 0.99999, "fraction",
          "Availability SLO; error budget = (1 - slo) x 28 days");
  service("ci_median_minutes", &V::ci_median_minutes, 0.1, 1e4, "min", "Median CI build+test time");
  service("ci_sigma", &V::ci_sigma, 0, 3, "log-sd", "Spread of CI time");
}

// Incident keys.
void add_incident_keys(KeyTable& t) {
  const auto incident = [&t](const std::string& key, double models::IncidentConfig::*field,
                             double lo, double hi, const std::string& unit,
                             const std::string& doc) {
    t.number(
        "incidents." + key, [field](auto& s, int) -> auto& { return s.incidents.*field; }, lo, hi,
        unit, doc);
  };
  using I = models::IncidentConfig;
  incident("detect_median_minutes", &I::detect_median_minutes, 0, 1e5, "min",
           "Median time to detect an escaped defect");
  incident("detect_sigma", &I::detect_sigma, 0, 3, "log-sd", "Spread of time to detect");
  incident("restore_median_minutes", &I::restore_median_minutes, 0, 1e5, "min",
           "Median time to restore");
  incident("restore_sigma", &I::restore_sigma, 0, 3, "log-sd", "Spread of time to restore");
  incident("full_outage_error_rate", &I::full_outage_error_rate, 1e-6, 1, "rate",
           "Error-rate effect that burns budget at full speed");
  incident("dependent_impact", &I::dependent_impact, 0, 1, "fraction",
           "Share of bad minutes each direct dependent also suffers");
}

// Keys of the baseline strategy.
void add_baseline_keys(KeyTable& t) {
  const auto base = [&t](const std::string& key, double models::BaselineConfig::*field, double lo,
                         double hi, const std::string& unit, const std::string& doc) {
    t.number(
        "baseline." + key, [field](auto& s, int) -> auto& { return s.baseline.*field; }, lo, hi,
        unit, doc);
  };
  using B = models::BaselineConfig;
  base("deploy_minutes", &B::deploy_minutes, 0, 1e4, "min", "All-at-once deploy time");
  base("verification_bake_minutes", &B::verification_bake_minutes, 0, 1e4, "min",
       "Manual post-deploy verification");
  base("notice_error_rate_scale", &B::notice_error_rate_scale, 1e-6, 1, "rate",
       "P(notice) = 1 - exp(-effect / scale)");
  base("rollback_minutes", &B::rollback_minutes, 0, 1e4, "min", "Manual rollback time");
  // Named assumptions ([assumptions]): how often people let a policy slip.
  const auto slip = [&t](const std::string& key, double models::BaselineConfig::*field,
                         const std::string& doc) {
    t.number(
        "assumptions." + key, [field](auto& s, int) -> auto& { return s.baseline.*field; }, 0, 1,
        "probability", doc);
  };
  slip("freeze_slip_probability", &B::freeze_slip_probability,
       "Baseline: deploy in a no-deploy window anyway (violation)");
  slip("review_skip_probability", &B::review_skip_probability,
       "Baseline: critical high-risk change skips review (violation)");
  slip("budget_slip_probability", &B::budget_slip_probability,
       "Baseline: deploy on an exhausted error budget (violation)");
  slip("migration_review_skip_probability", &B::migration_review_skip_probability,
       "Baseline: migration on critical/high service skips review (violation)");
}

// Keys of the genops strategy: autonomy, retrieval, risk scoring, AI review.
void add_genops_keys(KeyTable& t) {
  using S = Scenario;
  const auto gen = [&t](const std::string& key, double models::GenopsConfig::*field, double lo,
                        double hi, const std::string& unit, const std::string& doc) {
    t.number(
        "genops." + key, [field](auto& s, int) -> auto& { return s.genops.*field; }, lo, hi, unit,
        doc);
  };
  using G = models::GenopsConfig;
  t.add(
      "genops.autonomy", "string", "", "SHADOW, ASSISTED, GOVERNED, LEARNING",
      "Autonomy level: caps the conservative risk the AI may act on alone",
      [](S& s, int, const toml::node& n, const Where& w) {
        static const std::pair<const char*, models::AutonomyLevel> kLevels[] = {
            {"SHADOW", models::AutonomyLevel::Shadow},
            {"ASSISTED", models::AutonomyLevel::Assisted},
            {"GOVERNED", models::AutonomyLevel::Governed},
            {"LEARNING", models::AutonomyLevel::Learning}};
        s.genops.autonomy = read_name(kLevels, n, w);
      },
      [](const S& s, int) { return Json(models::autonomy_name(s.genops.autonomy)); });
  t.integer(
      "genops.retrieval_k", [](auto& s, int) -> auto& { return s.genops.retrieval_k; }, 1, 1000, "",
      "Neighbours retrieved per query");
  gen("retrieval_min_similarity", &G::retrieval_min_similarity, -1, 1, "cosine",
      "Neighbours below this similarity do not count");
  gen("history_prior_failure_rate", &G::history_prior_failure_rate, 0, 1, "rate",
      "Historical failure factor when retrieval finds nothing or is off");
  gen("analysis_minutes", &G::analysis_minutes, 0, 1e4, "min", "AI retrieval + risk analysis time");
  t.add(
      "genops.retrieval_index", "string", "", "exact, hnsw",
      "Retrieval index: exact search (reference) or approximate HNSW graph",
      [](S& s, int, const toml::node& n, const Where& w) {
        static const std::pair<const char*, models::RetrievalIndexKind> kKinds[] = {
            {"exact", models::RetrievalIndexKind::Exact},
            {"hnsw", models::RetrievalIndexKind::Hnsw}};
        s.genops.retrieval_index = read_name(kKinds, n, w);
      },
      [](const S& s, int) { return Json(models::retrieval_index_name(s.genops.retrieval_index)); });
  t.integer(
      "genops.retrieval_hnsw_links",
      [](auto& s, int) -> auto& { return s.genops.retrieval_hnsw_links; }, 2, 128, "",
      "HNSW links per row (M; 2M on level 0)");
  t.integer(
      "genops.retrieval_hnsw_ef_construction",
      [](auto& s, int) -> auto& { return s.genops.retrieval_hnsw_ef_construction; }, 1, 10000, "",
      "HNSW candidates kept while inserting");
  t.integer(
      "genops.retrieval_hnsw_ef_search",
      [](auto& s, int) -> auto& { return s.genops.retrieval_hnsw_ef_search; }, 1, 10000, "",
      "HNSW candidates kept while querying (at least retrieval_k)");
  t.integer(
      "genops.retrieval_hnsw_exact_below_rows",
      [](auto& s, int) -> auto& { return s.genops.retrieval_hnsw_exact_below_rows; }, 0, 1000000000,
      "rows", "Exact search until an organization's index holds this many rows");
  const auto weight = [&t](const std::string& key, double models::RiskWeights::*field,
                           const std::string& doc) {
    t.number(
        "genops.weights." + key, [field](auto& s, int) -> auto& { return s.genops.weights.*field; },
        0, 10, "weight", doc);
  };
  using W = models::RiskWeights;
  weight("service_tier", &W::service_tier, "Risk weight of the service tier");
  weight("service_health", &W::service_health, "Risk weight of service health (error budget used)");
  weight("historical_failure_rate", &W::historical_failure_rate,
         "Risk weight of retrieved similar failures");
  weight("blast_radius", &W::blast_radius, "Risk weight of transitive dependents");
  weight("change_complexity", &W::change_complexity,
         "Risk weight of change size, migration, config");
  weight("timing", &W::timing, "Risk weight of late hours, Friday, weekend, holiday");
  gen("medium_threshold", &G::medium_threshold, 0, 1, "score", "Score at or above: MEDIUM");
  gen("high_threshold", &G::high_threshold, 0, 1, "score", "Score at or above: HIGH");
  gen("critical_threshold", &G::critical_threshold, 0, 1, "score", "Score at or above: CRITICAL");
  gen("uncertainty_scale", &G::uncertainty_scale, 0, 1, "score",
      "Conservative score = score + scale x (1 - confidence)");
  gen("human_review_threshold", &G::human_review_threshold, 0, 1, "score",
      "Conservative score at or above needs human approval");
  t.boolean(
      "genops.block_critical_risk",
      [](auto& s, int) -> auto& { return s.genops.block_critical_risk; },
      "CRITICAL risk level is blocked (else sent to a human)");
  // Named assumptions ([assumptions] in a scenario): how good the AI reviewer is.
  const auto assume = [&t](const std::string& key, double models::GenopsConfig::*field, double hi,
                           const std::string& doc) {
    t.number(
        "assumptions." + key, [field](auto& s, int) -> auto& { return s.genops.*field; }, 0, hi,
        "probability", doc);
  };
  assume("ai_review_strength", &G::ai_review_strength, 1,
         "AI review: mean catch probability of a defect without precedents");
  assume("ai_review_precedent_gain", &G::ai_review_precedent_gain, 10,
         "AI review: added strength per relevant precedent share");
  assume("ai_review_max_catch", &G::ai_review_max_catch, 1,
         "Cap of the AI review catch probability");
  assume("ai_review_false_positive", &G::ai_review_false_positive, 1,
         "AI review sends a clean change back for rework");
  gen("history_failure_share_scale", &G::history_failure_share_scale, 0.01, 1, "share",
      "Neighbour failure share counted as the maximum historical risk factor");
  gen("component_history_share", &G::component_history_share, 0, 1, "share",
      "Share of the historical factor from the touched components' own past outcomes");
  gen("component_history_prior_strength", &G::component_history_prior_strength, 0, 1000, "changes",
      "Pseudo-changes at history_prior_failure_rate behind a component's record");
}

// Keys of the genops strategy: canary stages and SLO, no-deploy windows, budgets, rate limit.
void add_genops_rollout_keys(KeyTable& t) {
  using S = Scenario;
  const auto gen = [&t](const std::string& key, double models::GenopsConfig::*field, double lo,
                        double hi, const std::string& unit, const std::string& doc) {
    t.number(
        "genops." + key, [field](auto& s, int) -> auto& { return s.genops.*field; }, lo, hi, unit,
        doc);
  };
  using G = models::GenopsConfig;
  t.add(
      "genops.default_stages", "stages", "", "traffic increasing, last 100",
      "Canary stages: [{traffic_percent, bake_minutes, min_samples, slo_relaxation}, ...]",
      [](S& s, int, const toml::node& n, const Where& w) {
        s.genops.default_stages = read_stages(n, w);
      },
      [](const S& s, int) {
        return stages_json(s.genops.default_stages.empty() ? models::default_canary_stages()
                                                           : s.genops.default_stages);
      });
  t.add(
      "genops.high_risk_stages", "stages", "", "traffic increasing, last 100",
      "Canary stages for conservative risk >= high_risk_stage_threshold",
      [](S& s, int, const toml::node& n, const Where& w) {
        s.genops.high_risk_stages = read_stages(n, w);
      },
      [](const S& s, int) {
        return stages_json(s.genops.high_risk_stages.empty() ? models::default_high_risk_stages()
                                                             : s.genops.high_risk_stages);
      });
  gen("high_risk_stage_threshold", &G::high_risk_stage_threshold, 0, 1, "score",
      "Conservative score at or above uses the high-risk stages");
  gen("stage_step_minutes", &G::stage_step_minutes, 0, 1e3, "min", "Traffic shift time per stage");
  gen("rollback_minutes", &G::rollback_minutes, 0, 1e3, "min", "Automatic rollback time");
  gen("full_rollout_minutes", &G::full_rollout_minutes, 0, 1e3, "min", "Final shift to 100%");
  const auto slo = [&t](const std::string& key, double models::SloConfig::*field, double lo,
                        double hi, const std::string& unit, const std::string& doc) {
    t.number(
        "genops.slo." + key, [field](auto& s, int) -> auto& { return s.genops.slo.*field; }, lo, hi,
        unit, doc);
  };
  using L = models::SloConfig;
  slo("error_rate_threshold", &L::error_rate_threshold, 0, 1, "rate", "Canary SLO: error rate");
  slo("latency_p50_threshold_ms", &L::latency_p50_threshold_ms, 0, 1e6, "ms",
      "Canary SLO: p50 latency");
  slo("latency_p99_threshold_ms", &L::latency_p99_threshold_ms, 0, 1e6, "ms",
      "Canary SLO: p99 latency");
  slo("success_rate_threshold", &L::success_rate_threshold, 0, 1, "rate",
      "Canary SLO: success rate");
  slo("breach_confidence", &L::breach_confidence, 0.5, 0.99999, "probability",
      "Confidence needed to call a breach");
  t.boolean(
      "genops.friday_block", [](auto& s, int) -> auto& { return s.genops.friday_block; },
      "No-deploy window: true blocks, false defers to the next allowed time");
  t.integer(
      "genops.friday_cutoff_hour",
      [](auto& s, int) -> auto& { return s.genops.friday_cutoff_hour; }, 0, 24, "hour",
      "Local hour on Friday from which deploys wait until Monday 00:00");
  gen("budget_warning_fraction", &G::budget_warning_fraction, 0, 1, "fraction",
      "Remaining error budget below this warns");
  gen("ai_tokens_per_analysis", &G::ai_tokens_per_analysis, 0, 1e9, "tokens",
      "AI tokens of one governed analysis");
  gen("ai_usd_per_1k_tokens", &G::ai_usd_per_1k_tokens, 0, 1e3, "USD", "AI price per 1,000 tokens");
  gen("ai_budget_usd_per_team_month", &G::ai_budget_usd_per_team_month, 0, 1e9, "USD",
      "Monthly AI budget per team");
  t.integer(
      "genops.max_deploys_per_service_per_hour",
      [](auto& s, int) -> auto& { return s.genops.max_deploys_per_service_per_hour; }, 1, 100000,
      "1/h", "Rollout rate limit per service");
}

// The key table: every key of a scenario file, once, in the order of the key reference.
KeyTable build_table() {
  KeyTable t;
  add_top_level_keys(t);
  add_organization_keys(t);
  add_reviewer_keys(t);
  add_fleet_keys(t);
  add_traffic_keys(t);
  add_defect_keys(t);
  add_service_keys(t);
  add_incident_keys(t);
  add_baseline_keys(t);
  add_genops_keys(t);
  add_genops_rollout_keys(t);
  return t;
}

const std::vector<Binding>& table() {
  static const std::vector<Binding> bindings = build_table().bindings();
  return bindings;
}

const Binding* find_binding(const std::string& key) {
  for (const auto& b : table()) {
    if (b.info.key == key)
      return &b;
  }
  return nullptr;
}

bool is_prefix_of_key(const std::string& prefix) {
  return std::any_of(table().begin(), table().end(),
                     [&](const Binding& b) { return b.info.key.rfind(prefix + ".", 0) == 0; });
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// `lookup` is the key in the table's form (organizations.*.x) when it differs from the
// key shown to the user (organizations[1].x).
[[noreturn]] void unknown_key(const Where& where, const std::string& lookup = "") {
  std::string best;
  std::size_t best_distance = 4;
  for (const auto& b : table()) {
    const std::size_t d = edit_distance(lookup.empty() ? where.key : lookup, b.info.key);
    if (d < best_distance) {
      best_distance = d;
      best = b.info.key;
    }
  }
  fail(where,
       best.empty() ? "a documented key (see scenarios/README.md)"
                    : "a documented key (did you mean '" + best + "'?)",
       "an unknown key");
}

// Keys of earlier model versions: the message names what replaced them.
void retired_key(const Where& where, const std::string& key) {
  static const std::pair<const char*, const char*> kRetired[] = {
      {"genops.ai_review_base_catch",
       "assumptions.ai_review_strength (the AI review is no longer an oracle with a fixed hit "
       "rate)"},
      {"genops.ai_review_retrieval_gain",
       "assumptions.ai_review_precedent_gain (relevant precedents, not the raw failure share)"},
      {"genops.ai_review_risk_gain", "nothing (the risk score no longer raises the catch rate)"},
      {"genops.ai_review_max_catch", "assumptions.ai_review_max_catch"},
      {"genops.ai_review_false_positive", "assumptions.ai_review_false_positive"},
      {"baseline.freeze_slip_probability", "assumptions.freeze_slip_probability"},
      {"baseline.review_skip_probability", "assumptions.review_skip_probability"},
      {"baseline.budget_slip_probability", "assumptions.budget_slip_probability"},
      {"baseline.migration_review_skip_probability",
       "assumptions.migration_review_skip_probability"},
  };
  for (const auto& [old_key, replacement] : kRetired) {
    if (key == old_key)
      fail(where, "its replacement " + std::string(replacement), "a retired key");
  }
}

// organizations.*.x of table i as the user wrote it: organizations[i].x (ci_fleets likewise).
std::string indexed_key(const std::string& key, int index) {
  for (const std::string section : {"organizations", "ci_fleets"}) {
    const std::string pattern = section + ".*.";
    if (key.rfind(pattern, 0) == 0)
      return section + "[" + std::to_string(index) + "]." + key.substr(pattern.size());
  }
  return key;
}

// `organization` is the index of the [[organizations]] or [[ci_fleets]] table being read.
void walk(Scenario& s, const toml::table& tbl, const std::string& prefix, int organization,
          const std::string& source) {
  for (const auto& [k, node] : tbl) {
    const std::string key = prefix + std::string(k.str());
    Where where{source, node.source().begin.line, key};
    if (organization < 0 && key == "sweep") {
      continue;  // the parameter study, read by scenarios/sweep_plan.hpp
    }
    if (organization < 0 && key == "organizations") {
      const auto* orgs = node.as_array();
      if (orgs == nullptr || orgs->empty())
        fail(where, "one or more [[organizations]] tables", describe(node));
      s.organizations.assign(orgs->size(), models::OrganizationConfig{});
      for (std::size_t i = 0; i < orgs->size(); ++i) {
        const auto* t = orgs->get(i)->as_table();
        if (t == nullptr)
          fail(where, "[[organizations]] tables", describe(*orgs->get(i)));
        s.organizations[i].name = "org" + std::to_string(i);
        walk(s, *t, "organizations.*.", static_cast<int>(i), source);
      }
      continue;
    }
    if (organization < 0 && key == "ci_fleets") {
      const auto* fleets = node.as_array();
      if (fleets == nullptr || fleets->empty())
        fail(where, "one or more [[ci_fleets]] tables", describe(node));
      s.ci_fleets.assign(fleets->size(), models::CiFleetConfig{});
      for (std::size_t i = 0; i < fleets->size(); ++i) {
        const auto* t = fleets->get(i)->as_table();
        if (t == nullptr)
          fail(where, "[[ci_fleets]] tables", describe(*fleets->get(i)));
        s.ci_fleets[i].name = "fleet" + std::to_string(i);
        walk(s, *t, "ci_fleets.*.", static_cast<int>(i), source);
      }
      continue;
    }
    if (const Binding* b = find_binding(key)) {
      b->set(s, std::max(organization, 0), node, where);
      continue;
    }
    if (const auto* sub = node.as_table(); sub != nullptr && is_prefix_of_key(key)) {
      walk(s, *sub, key + ".", organization, source);
      continue;
    }
    if (is_prefix_of_key(key)) {
      // A section written as a value (genops = 5) or an array of tables ([[genops]]).
      if (organization >= 0)
        where.key = indexed_key(key, organization);
      fail(where,
           "a table [" + key.substr(organization >= 0 ? key.find(".*.") + 3 : 0) + "] of keys",
           describe(node));
    }
    if (organization >= 0) {
      where.key = indexed_key(key, organization);
    }
    retired_key(where, key);
    unknown_key(where, key);
  }
}

// The names of `strategies` against the program's one registry (the caller's); `where` points
// at the key that set them.
void check_strategy_names(const Scenario& s, const models::StrategyRegistry& strategies,
                          const Where& where) {
  for (const auto& name : s.strategies) {
    if (!strategies.contains(name)) {
      fail(where, "registered strategy names (" + strategies.valid_names() + ")",
           "unknown strategy '" + name + "'");
    }
  }
}

void set_json_path(Json& root, const std::string& key, Json value) {
  Json* at = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    if (dot == std::string::npos) {
      (*at)[key.substr(start)] = std::move(value);
      return;
    }
    at = &(*at)[key.substr(start, dot - start)];
    start = dot + 1;
  }
}

// Rejects what toml++ 3.3.0 must never see: invalid UTF-8 (overlong forms, surrogates, code
// points above U+10FFFF, truncated sequences), NUL, and U+FE40..U+FEFE, whose whitespace test
// shifts a 64-bit mask by 64 and reaches TOML_UNREACHABLE (fixed upstream after 3.3.0).
void check_utf8(std::string_view text, const std::string& source) {
  std::uint32_t line = 1;
  const auto reject = [&](const std::string& what) {
    throw ScenarioError(source + ":" + std::to_string(line) + ": " + what +
                        "; expected UTF-8 TOML text");
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      if (lead == 0)
        reject("a NUL byte");
      line += lead == '\n' ? 1 : 0;
      ++i;
      continue;
    }
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || i + length > text.size())
      reject("an invalid UTF-8 byte sequence");
    std::uint32_t code = lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80)
        reject("an invalid UTF-8 byte sequence");
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::array<std::uint32_t, 5> kSmallest = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
      reject("an invalid UTF-8 byte sequence");
    if (code >= 0xFE40 && code <= 0xFEFE) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(code));
      reject(std::string("the character ") + hex +
             " (U+FE40..U+FEFE are refused: the TOML parser cannot handle them)");
    }
    i += length;
  }
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& source,
                        const models::StrategyRegistry& strategies, Validation validation) {
  check_utf8(text, source);
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    throw ScenarioError(source + ":" + std::to_string(error.source().begin.line) +
                        ": TOML syntax error: " + std::string(error.description()));
  }
  Scenario s;
  s.source = source;
  s.organizations.clear();
  walk(s, root, "", -1, source);
  if (s.organizations.empty()) {
    fail(Where{source, 0, "organizations"}, "one or more [[organizations]] tables", "none");
  }
  // The file's own holidays fall within its run (after --set duration_days=... a shorter run
  // simply never reaches the later ones).
  const int run_days = s.duration_days + s.drain_days;
  for (std::size_t i = 0; i < s.organizations.size(); ++i) {
    for (const int day : s.organizations[i].holidays) {
      if (day >= run_days) {
        fail(Where{source, 0, "organizations[" + std::to_string(i) + "].holidays"},
             "day indexes in [0, duration_days + drain_days) = [0, " + std::to_string(run_days) +
                 ")",
             std::to_string(day));
      }
    }
  }
  const toml::node* names = root.get("strategies");
  check_strategy_names(
      s, strategies,
      Where{source, names == nullptr ? 0 : names->source().begin.line, "strategies"});
  validate_scenario(s, strategies, validation);
  return s;
}

Scenario load_scenario(const std::string& path, const models::StrategyRegistry& strategies,
                       Validation validation) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (descriptor < 0) {
    throw ScenarioError(path + ": cannot open the scenario file: " + std::strerror(errno));
  }
  struct Closer {
    int descriptor;
    ~Closer() { ::close(descriptor); }
  } closer{descriptor};
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
    throw ScenarioError(path + ": is not a regular file (" +
                        (S_ISDIR(status.st_mode) ? "a directory" : "a device, FIFO or socket") +
                        "); expected a TOML scenario file");
  }
  if (static_cast<std::uint64_t>(status.st_size) > kMaxScenarioBytes) {
    throw ScenarioError(path + ": is " + std::to_string(status.st_size) +
                        " bytes; expected a scenario file of at most " +
                        std::to_string(kMaxScenarioBytes) + " bytes");
  }
  std::string text;
  std::array<char, 65536> buffer{};
  for (;;) {
    const ssize_t got = ::read(descriptor, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      throw ScenarioError(path + ": cannot read the scenario file: " + std::strerror(errno));
    if (got == 0)
      break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
    if (text.size() > kMaxScenarioBytes) {
      throw ScenarioError(path + ": grew past " + std::to_string(kMaxScenarioBytes) +
                          " bytes while being read; expected a scenario file");
    }
  }
  return parse_scenario(text, path, strategies, validation);
}

// The table indexes that `--set section.<i or *>.key` addresses (count tables exist).
std::vector<int> indexes_of(const std::string& key, const std::string& section, std::size_t count) {
  const std::size_t start = section.size() + 1;
  const std::size_t dot = key.find('.', start);
  const std::string index = dot == std::string::npos ? "" : key.substr(start, dot - start);
  std::vector<int> indexes;
  if (index == "*") {
    for (std::size_t i = 0; i < count; ++i)
      indexes.push_back(static_cast<int>(i));
    return indexes;
  }
  char* end = nullptr;
  const long i = std::strtol(index.c_str(), &end, 10);
  if (index.empty() || *end != '\0' || i < 0 || static_cast<std::size_t>(i) >= count) {
    throw ScenarioError("--set: key '" + key + "': expected " + section + ".<" +
                        (count == 0 ? std::string("index; the scenario has no [[") + section + "]]"
                                    : "index 0.." + std::to_string(count - 1) + " or *") +
                        ">.<key>");
  }
  indexes.push_back(static_cast<int>(i));
  return indexes;
}

void apply_override(Scenario& s, const std::string& assignment,
                    const models::StrategyRegistry& strategies, Validation validation) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ScenarioError("--set '" + assignment + "': expected key=value");
  }
  std::string key = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  std::vector<int> organizations{-1};
  for (const auto& [section, count] :
       {std::pair<std::string, std::size_t>{"organizations", s.organizations.size()},
        std::pair<std::string, std::size_t>{"ci_fleets", s.ci_fleets.size()}}) {
    if (key.rfind(section + ".", 0) != 0)
      continue;
    organizations = indexes_of(key, section, count);
    const std::size_t dot = key.find('.', section.size() + 1);
    key = section + ".*." + (dot == std::string::npos ? "" : key.substr(dot + 1));
  }
  const Binding* b = find_binding(key);
  if (b == nullptr)
    unknown_key(Where{"--set", 0, key});
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    // A bare word is taken as a string: --set genops.autonomy=LEARNING.
    try {
      parsed = toml::parse("v = \"" + value + "\"");
    } catch (const toml::parse_error& error) {
      throw ScenarioError("--set: key '" + key + "': cannot parse value '" + value + "'");
    }
  }
  for (int o : organizations)
    b->set(s, std::max(o, 0), *parsed.get("v"), Where{"--set", 0, key});
  check_strategy_names(s, strategies, Where{"--set", 0, "strategies"});
  validate_scenario(s, strategies, validation);
}

double estimated_deployments(const Scenario& s) {
  double deployments = 0;
  for (const auto& o : s.organizations)
    deployments += o.services * o.deploys_per_service_per_day * s.duration_days;
  return deployments;
}

std::vector<double> estimated_organization_deployments(const Scenario& s) {
  std::vector<double> deployments;
  deployments.reserve(s.organizations.size());
  for (const auto& organization : s.organizations) {
    deployments.push_back(organization.services * organization.deploys_per_service_per_day *
                          (s.warmup_days + s.duration_days));
  }
  return deployments;
}

double estimated_memory_bytes(const Scenario& s, int batch_organizations,
                              double batch_deployments) {
  // `run`'s batches (scenarios/runner.hpp plan_batches: whole coupled groups, contiguous ranges
  // of organizations); the largest batch is the one in flight at peak. A run holds the
  // warm-up's records too until it leaves them out at the end.
  // Before the fleet names are checked (validate_limits runs first), an unknown name couples
  // nothing: the estimate then takes every organization as its own group.
  bool fleets_known = true;
  for (const auto& organization : s.organizations) {
    if (!organization.ci_fleet.empty() && models::fleet_index(s, organization.ci_fleet) < 0)
      fleets_known = false;
  }
  std::vector<std::vector<int>> groups;
  if (fleets_known) {
    groups = models::coupled_groups(s);
  } else {
    for (std::size_t o = 0; o < s.organizations.size(); ++o)
      groups.push_back({static_cast<int>(o)});
  }
  const std::vector<double> per_organization = estimated_organization_deployments(s);
  double in_flight = 0;
  for (const std::vector<int>& batch :
       plan_batches(groups, batch_organizations, per_organization, batch_deployments)) {
    double deployments = 0;
    for (const int o : batch)
      deployments += per_organization[static_cast<std::size_t>(o)];
    in_flight = std::max(in_flight, deployments);
  }
  return kFixedBytes + in_flight * kBytesPerDeploymentInFlight +
         estimated_deployments(s) * kKeptBytesPerDeployment * s.replications;
}

double deployments_per_batch(const Scenario& s) {
  const double left = s.max_memory_gib * kBytesPerGib - kFixedBytes -
                      estimated_deployments(s) * kKeptBytesPerDeployment * s.replications;
  return std::max(1.0, left / kBytesPerDeploymentInFlight);
}

int organizations_per_batch(const Scenario& s) {
  const double budget = s.max_memory_gib * kBytesPerGib;
  int batch = static_cast<int>(s.organizations.size());
  while (batch > 1 && estimated_memory_bytes(s, batch) > budget)
    --batch;
  return std::max(batch, 1);
}

namespace {

// The whole-scenario limits: organization codes are 16-bit, and the study's records must fit the
// declared memory budget.
void validate_limits(const Scenario& s, const Where& where) {
  if (s.organizations.size() > kMaxOrganizations) {
    fail({where.source, 0, "organizations"},
         "at most " + std::to_string(kMaxOrganizations) +
             " [[organizations]] tables (organization codes are 16-bit)",
         std::to_string(s.organizations.size()));
  }
  // The smallest footprint `run` can reach: one organization in flight at a time.
  const double estimated_bytes = estimated_memory_bytes(s, 1);
  if (estimated_bytes > s.max_memory_gib * kBytesPerGib) {
    fail({where.source, 0, "max_memory_gib"},
         "an estimated memory within max_memory_gib = " + exact_number_text(s.max_memory_gib) +
             " (raise it to run this scenario)",
         "about " + exact_number_text(std::round(estimated_deployments(s))) +
             " deployments per run x " + std::to_string(s.replications) +
             " replications kept for quantiles, one organization in flight: about " +
             exact_number_text(std::ceil(estimated_bytes / kBytesPerGib)) + " GiB");
  }
}

// Shared CI fleets: unique names, every organization's fleet exists, every fleet is used, and an
// organization without a fleet has private runners.
void validate_fleets(const Scenario& s, const Where& where) {
  std::set<std::string> fleet_names;
  std::string listed;
  for (std::size_t f = 0; f < s.ci_fleets.size(); ++f) {
    const auto& name = s.ci_fleets[f].name;
    if (!fleet_names.insert(name).second) {
      fail({where.source, 0, "ci_fleets[" + std::to_string(f) + "].name"}, "a unique fleet name",
           "'" + name + "' twice");
    }
    listed += (listed.empty() ? "" : ", ") + name;
    if (s.ci_fleets[f].runners < 1) {
      fail({where.source, 0, "ci_fleets[" + std::to_string(f) + "].runners"},
           "the fleet's runner count (required, at least 1)",
           std::to_string(s.ci_fleets[f].runners));
    }
  }
  std::set<std::string> used;
  for (std::size_t i = 0; i < s.organizations.size(); ++i) {
    const auto& o = s.organizations[i];
    const std::string at = "organizations[" + std::to_string(i) + "].";
    if (!o.ci_fleet.empty() && fleet_names.count(o.ci_fleet) == 0) {
      fail({where.source, 0, at + "ci_fleet"},
           listed.empty() ? "a fleet defined in a [[ci_fleets]] table (the scenario has none)"
                          : "the name of a [[ci_fleets]] table (" + listed + ")",
           "'" + o.ci_fleet + "'");
    }
    if (o.ci_fleet.empty() && o.ci_runners < 1) {
      fail({where.source, 0, at + "ci_runners"},
           "at least 1 private runner (0 only with organizations.*.ci_fleet)",
           std::to_string(o.ci_runners));
    }
    used.insert(o.ci_fleet);
  }
  for (std::size_t f = 0; f < s.ci_fleets.size(); ++f) {
    if (used.count(s.ci_fleets[f].name) == 0) {
      fail({where.source, 0, "ci_fleets[" + std::to_string(f) + "].name"},
           "a fleet that at least one organization uses (organizations.*.ci_fleet)",
           "'" + s.ci_fleets[f].name + "', used by none");
    }
  }
}

}  // namespace

void validate_scenario(const Scenario& s, const models::StrategyRegistry& strategies,
                       Validation validation) {
  const Where where{s.source.empty() ? "scenario" : s.source, 0, ""};
  check_strategy_names(s, strategies, {where.source, 0, "strategies"});
  std::set<std::string> strategy_names;
  for (const auto& name : s.strategies) {
    if (!strategy_names.insert(name).second) {
      fail({where.source, 0, "strategies"}, "each strategy once", "'" + name + "' twice");
    }
  }
  if (validation == Validation::Complete)
    validate_limits(s, where);
  validate_fleets(s, where);
  std::set<std::string> names;
  for (std::size_t i = 0; i < s.organizations.size(); ++i) {
    const auto& o = s.organizations[i];
    const std::string at = "organizations[" + std::to_string(i) + "].";

    if (!names.insert(o.name).second) {
      fail({where.source, 0, at + "name"}, "a unique organization name", "'" + o.name + "' twice");
    }
    if (o.reviewers.work_end_hour <= o.reviewers.work_start_hour) {
      fail({where.source, 0, at + "reviewers.work_end_hour"}, "a value above work_start_hour",
           std::to_string(o.reviewers.work_end_hour));
    }
    if (std::none_of(o.reviewers.working_days.begin(), o.reviewers.working_days.end(),
                     [](bool d) { return d; })) {
      fail({where.source, 0, at + "reviewers.working_days"}, "at least one working day", "none");
    }
    double shares = 0;
    for (double x : o.tier_shares)
      shares += x;
    if (shares <= 0)
      fail({where.source, 0, at + "tier_shares"}, "a positive sum", "all zero");
  }
  double hourly = 0;
  for (double x : s.traffic.hourly_profile)
    hourly += x;
  double weekly = 0;
  for (double x : s.traffic.weekday_profile)
    weekly += x;
  if (hourly <= 0)
    fail({where.source, 0, "traffic.hourly_profile"}, "a positive sum", "all zero");
  double pr_hourly = 0;
  for (double x : s.traffic.pr_hourly_profile)
    pr_hourly += x;
  if (pr_hourly <= 0)
    fail({where.source, 0, "traffic.pr_hourly_profile"}, "a positive sum", "all zero");
  if (weekly <= 0)
    fail({where.source, 0, "traffic.weekday_profile"}, "a positive sum", "all zero");
  const auto& g = s.genops;
  if (!(g.medium_threshold <= g.high_threshold && g.high_threshold <= g.critical_threshold)) {
    fail({where.source, 0, "genops.high_threshold"},
         "medium_threshold <= high_threshold <= critical_threshold", "an inconsistent ordering");
  }
  const double weights = g.weights.service_tier + g.weights.service_health +
                         g.weights.historical_failure_rate + g.weights.blast_radius +
                         g.weights.change_complexity + g.weights.timing;
  if (weights <= 0)
    fail({where.source, 0, "genops.weights"}, "a positive sum of risk weights", "all zero");
}

std::vector<KeyInfo> scenario_keys() {
  std::vector<KeyInfo> out;
  const Scenario defaults = [] {
    Scenario s;
    s.organizations.emplace_back();
    s.ci_fleets.emplace_back();
    return s;
  }();
  for (const auto& b : table()) {
    KeyInfo info = b.info;
    info.default_value = b.get(defaults, 0).dump();
    out.push_back(std::move(info));
  }
  return out;
}

std::string scenario_to_json(const Scenario& s) {
  Json root = Json::object();
  Json orgs = Json::array();
  for (std::size_t i = 0; i < s.organizations.size(); ++i)
    orgs.push_back(Json::object());
  Json fleets = Json::array();
  for (std::size_t i = 0; i < s.ci_fleets.size(); ++i)
    fleets.push_back(Json::object());
  for (const auto& b : table()) {
    if (b.per_fleet) {
      for (std::size_t i = 0; i < s.ci_fleets.size(); ++i)
        set_json_path(fleets[i], b.info.key.substr(12), b.get(s, static_cast<int>(i)));
    } else if (b.per_organization) {
      for (std::size_t i = 0; i < s.organizations.size(); ++i) {
        // Written only when set, so scenarios without fleets keep their config_json (and hash).
        if (b.info.key == "organizations.*.ci_fleet" && s.organizations[i].ci_fleet.empty())
          continue;
        set_json_path(orgs[i], b.info.key.substr(16), b.get(s, static_cast<int>(i)));
      }
    } else {
      set_json_path(root, b.info.key, b.get(s, 0));
    }
  }
  root["organizations"] = std::move(orgs);
  if (!s.ci_fleets.empty())
    root["ci_fleets"] = std::move(fleets);
  return root.dump();
}

}  // namespace genops::scenarios
