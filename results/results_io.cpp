#include "results/results_io.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <boost/version.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <tuple>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/calendar.hpp"
#include "models/governance.hpp"
#include "results/git_sha.hpp"

// Build facts, passed by results/CMakeLists.txt at configure time (the git SHA: git_sha.hpp,
// at build time).
#ifndef GENOPS_ENGINE_VERSION
#define GENOPS_ENGINE_VERSION "unknown"
#endif
#ifndef GENOPS_BUILD_TYPE
#define GENOPS_BUILD_TYPE ""
#endif
#ifndef GENOPS_HDF5_VERSION
#define GENOPS_HDF5_VERSION "unknown"
#endif
#ifndef GENOPS_TBB_VERSION
#define GENOPS_TBB_VERSION "unknown"
#endif
#ifndef GENOPS_EIGEN_VERSION
#define GENOPS_EIGEN_VERSION "unknown"
#endif

namespace genops::results {

namespace {

using models::AuditRecord;
using models::AwuRecord;
using models::CanaryStageRecord;
using models::DeploymentRecord;
using models::ResourceSample;

// ---- Record <-> column mapping -----------------------------------------------------------------
// A Field names one record member and how it is stored: bool as u8, enums as their underlying
// integer (categorical when labels are given, codes 0..labels-1), numbers as themselves, so a
// round trip is exact. The same Field list drives writing and reading.

template <typename Value, typename = void>
struct StoredOf {
  using type = Value;
};
template <>
struct StoredOf<bool> {
  using type = std::uint8_t;
};
template <typename Value>
struct StoredOf<Value, std::enable_if_t<std::is_enum_v<Value>>> {
  using type = std::underlying_type_t<Value>;
};

template <auto Member>
struct MemberTraits;
template <typename Record, typename Value, Value Record::*Member>
struct MemberTraits<Member> {
  using record_type = Record;
  using value_type = Value;
  using stored_type = typename StoredOf<Value>::type;
};

template <auto Member>
struct Field {
  static constexpr auto member = Member;
  using Record = typename MemberTraits<Member>::record_type;
  using Value = typename MemberTraits<Member>::value_type;
  using Stored = typename MemberTraits<Member>::stored_type;
  std::string_view name;
  std::string_view units;
  std::string_view long_name;
  std::vector<std::string> labels = {};  // categorical when not empty
};

// A table short enough that chunking and compression cost more than they save (one-row
// summaries, violation lists, empty tables): the same columns and attributes as a
// ColumnTableWriter table, stored as contiguous datasets written once by finish().
inline constexpr std::uint64_t kSmallTableRows = 4096;

class SmallTableWriter {
 public:
  template <Hdf5Numeric T>
  class Handle {
   public:
    explicit Handle(std::vector<T>* values) : values_(values) {}
    void push(T value) { values_->push_back(value); }

   private:
    std::vector<T>* values_;
  };

  SmallTableWriter(Group& parent, std::string_view name, std::string_view dimension_name)
      : group_(parent.create_group(name)), dimension_name_(dimension_name) {}

  template <Hdf5Numeric T>
  Handle<T> add_column(std::string_view name, std::string_view units,
                       std::string_view long_name = {}) {
    auto column = std::make_unique<Values<T>>();
    column->name = name;
    column->units = units;
    column->long_name = long_name;
    Handle<T> handle(&column->values);
    columns_.push_back(std::move(column));
    return handle;
  }
  template <Hdf5Numeric T>
  Handle<T> add_categorical_column(std::string_view name, std::span<const std::string> labels,
                                   std::string_view long_name = {}) {
    Handle<T> handle = add_column<T>(name, "1", long_name);
    columns_.back()->labels.assign(labels.begin(), labels.end());
    return handle;
  }
  Group& group() { return group_; }

  void finish() {
    const std::uint64_t rows = columns_.empty() ? 0 : columns_.front()->size();
    std::vector<std::uint64_t> index(rows);
    std::iota(index.begin(), index.end(), std::uint64_t{0});
    Dataset scale = group_.write_dataset(dimension_name_, std::span<const std::uint64_t>(index));
    scale.make_dimension_scale(dimension_name_);
    scale.write_attribute("units", "1");
    scale.write_attribute("long_name", "row index");
    for (const auto& column : columns_) {
      GENOPS_ASSERT(column->size() == rows, "column '" + column->name + "' has " +
                                                std::to_string(column->size()) + " rows, not " +
                                                std::to_string(rows));
      column->write(group_, scale);
    }
  }

 private:
  struct ColumnBase {
    virtual ~ColumnBase() = default;
    virtual std::uint64_t size() const = 0;
    virtual void write(Group& group, const Dataset& scale) const = 0;
    std::string name;
    std::string units;
    std::string long_name;
    std::vector<std::string> labels;
  };
  template <Hdf5Numeric T>
  struct Values final : ColumnBase {
    std::uint64_t size() const override { return values.size(); }
    void write(Group& group, const Dataset& scale) const override {
      Dataset dataset = group.write_dataset(name, std::span<const T>(values));
      dataset.write_attribute("units", units);
      if (!long_name.empty()) {
        dataset.write_attribute("long_name", long_name);
      }
      dataset.attach_dimension_scale(scale);
      if (!labels.empty()) {
        std::vector<T> codes(labels.size());
        std::iota(codes.begin(), codes.end(), T{0});
        std::string meanings;
        for (const std::string& label : labels) {
          meanings += (meanings.empty() ? "" : " ") + label;
        }
        dataset.write_attribute("flag_values", std::span<const T>(codes));
        dataset.write_attribute("flag_meanings", meanings);
      }
    }
    std::vector<T> values;
  };

  Group group_;
  std::string dimension_name_;
  std::vector<std::unique_ptr<ColumnBase>> columns_;
};

// Runs `fill(table)` on a table of the right kind for `rows` rows, then finishes it.
template <typename Fill>
void write_table(Group& parent, std::string_view name, std::string_view dimension_name,
                 std::uint64_t rows, const WriteOptions& options, Fill&& fill) {
  if (rows < kSmallTableRows) {
    SmallTableWriter table(parent, name, dimension_name);
    fill(table);
    table.finish();
  } else {
    ColumnTableWriter table(parent, name, dimension_name,
                            std::min<std::uint64_t>(kDefaultChunkRows, std::bit_ceil(rows)),
                            options.gzip_level, options.shuffle);
    fill(table);
    table.finish();
  }
}

template <auto Member, typename ColumnHandle>
struct BoundColumn {
  using Stored = typename Field<Member>::Stored;
  ColumnHandle column;
  void push(const typename Field<Member>::Record& record) {
    column.push(static_cast<Stored>(record.*Member));
  }
};

template <typename Table, auto Member>
auto bind_column(Table& table, const Field<Member>& field) {
  using Stored = typename Field<Member>::Stored;
  using Handle = decltype(table.template add_column<Stored>(field.name, field.units));
  if (field.labels.empty()) {
    return BoundColumn<Member, Handle>{
        table.template add_column<Stored>(field.name, field.units, field.long_name)};
  }
  return BoundColumn<Member, Handle>{table.template add_categorical_column<Stored>(
      field.name, std::span<const std::string>(field.labels), field.long_name)};
}

// Adds one column per field, in the order of the list (braced initialisation runs left to right).
template <typename Table, typename Fields>
auto bind_columns(Table& table, const Fields& fields) {
  return std::apply(
      [&](const auto&... field) {
        return std::tuple<decltype(bind_column(table, field))...>{bind_column(table, field)...};
      },
      fields);
}

template <typename Columns, typename Record>
void push_row(Columns& columns, const Record& record) {
  std::apply([&](auto&... column) { (column.push(record), ...); }, columns);
}

[[noreturn]] void reject(const std::filesystem::path& path, const std::string& message) {
  throw ResultsFileError("results file '" + path.string() + "' " + message);
}

template <typename T>
std::string number_text(T value);

template <auto Member>
void read_field(const ColumnTableReader& table, const Field<Member>& field,
                std::vector<typename Field<Member>::Record>& records,
                const std::filesystem::path& path) {
  using Stored = typename Field<Member>::Stored;
  using Value = typename Field<Member>::Value;
  if (!table.has_column(field.name)) {
    reject(path,
           "has no column '" + std::string(field.name) + "' in '" + table.group().path() + "'");
  }
  // Exactly the declared type: an int8 column is a different file, not a lossy conversion.
  const ElementType stored_type = table.column_type(field.name);
  if (stored_type != element_type_of<Stored>()) {
    reject(path, "column '" + table.group().path() + "/" + std::string(field.name) +
                     "' is stored as " + std::string(to_string(stored_type)) + "; expected " +
                     std::string(to_string(element_type_of<Stored>())));
  }
  const std::vector<Stored> values = table.read<Stored>(field.name);
  if (values.size() != records.size()) {
    reject(path, "column '" + table.group().path() + "/" + std::string(field.name) + "' has " +
                     std::to_string(values.size()) + " rows, expected " +
                     std::to_string(records.size()));
  }
  for (std::size_t row = 0; row < values.size(); ++row) {
    if constexpr (std::is_integral_v<Stored>) {
      if (!field.labels.empty() && static_cast<std::size_t>(values[row]) >= field.labels.size()) {
        reject(path, "column '" + table.group().path() + "/" + std::string(field.name) + "' row " +
                         std::to_string(row) + " has code " + std::to_string(+values[row]) +
                         " outside its " + std::to_string(field.labels.size()) + " categories");
      }
    }
    if constexpr (std::is_floating_point_v<Stored>) {
      // Finite always; times and durations not negative, -1 only where the schema names it.
      const double value = values[row];
      const bool sentinel = field.long_name.find("(-1") != std::string_view::npos;
      const bool time = field.units == "min" || field.units == "ms";
      if (!std::isfinite(value) || (time && value < 0 && !(sentinel && value == -1))) {
        reject(path, "column '" + table.group().path() + "/" + std::string(field.name) + "' row " +
                         std::to_string(row) + " has the value " + number_text(value) +
                         "; expected a finite number" +
                         (time ? (sentinel ? " >= 0 or -1" : " >= 0") : ""));
      }
    }
    if constexpr (std::is_same_v<Value, bool>) {
      records[row].*Member = values[row] != 0;
    } else if constexpr (std::is_enum_v<Value>) {
      records[row].*Member = static_cast<Value>(values[row]);
    } else {
      records[row].*Member = values[row];
    }
  }
}

template <typename Fields, typename Record>
void read_fields(const ColumnTableReader& table, const Fields& fields, std::vector<Record>& records,
                 const std::filesystem::path& path) {
  std::apply([&](const auto&... field) { (read_field(table, field, records, path), ...); }, fields);
}

template <typename Name, typename Enum>
std::vector<std::string> enum_labels(Name name_of, int count) {
  std::vector<std::string> labels;
  for (int code = 0; code < count; ++code) {
    labels.emplace_back(name_of(static_cast<Enum>(code)));
  }
  return labels;
}

std::vector<std::string> outcome_labels() {
  return enum_labels<decltype(&models::outcome_name), models::Outcome>(&models::outcome_name,
                                                                       models::kOutcomeCount);
}
std::vector<std::string> catch_point_labels() {
  return enum_labels<decltype(&models::catch_point_name), models::CatchPoint>(
      &models::catch_point_name, models::kCatchPointCount);
}
std::vector<std::string> pipeline_stage_labels() {
  return enum_labels<decltype(&models::pipeline_stage_name), models::PipelineStage>(
      &models::pipeline_stage_name, models::kPipelineStageCount);
}
std::vector<std::string> risk_level_labels() {
  return enum_labels<decltype(&models::risk_level_name), models::RiskLevel>(
      &models::risk_level_name, 4);
}
std::vector<std::string> decision_labels() {
  return enum_labels<decltype(&models::decision_name), models::Decision>(&models::decision_name, 4);
}
std::vector<std::string> tier_labels() {
  return enum_labels<decltype(&models::tier_name), models::Tier>(&models::tier_name,
                                                                 models::kTierCount);
}
std::vector<std::string> actor_labels() {
  return enum_labels<decltype(&models::actor_name), models::Actor>(&models::actor_name, 3);
}

std::vector<std::string> awu_kind_labels() {
  return enum_labels<decltype(&models::awu_operation_name), models::AwuKind>(
      &models::awu_operation_name, models::kAwuKindCount);
}
std::vector<std::string> awu_result_labels() {
  return enum_labels<decltype(&models::awu_result_name), models::AwuResult>(
      &models::awu_result_name, 4);
}
// The reason codes; None has no code in the spec and is "none" here (flag_meanings are words).
std::vector<std::string> awu_reason_labels() {
  std::vector<std::string> labels =
      enum_labels<decltype(&models::awu_reason_code), models::AwuReason>(&models::awu_reason_code,
                                                                         models::kAwuReasonCount);
  labels[static_cast<std::size_t>(models::AwuReason::None)] = "none";
  return labels;
}
// AwuBudget in enumerator order (models/records.hpp has only the budgets' units).
std::vector<std::string> awu_budget_labels() {
  return {"ai_cost", "error_budget", "emergency"};
}

// One word per organization for flag_meanings.
std::vector<std::string> organization_labels(const std::vector<OrganizationInfo>& organizations) {
  std::vector<std::string> labels;
  for (std::size_t index = 0; index < organizations.size(); ++index) {
    std::string label = organizations[index].name;
    std::replace(label.begin(), label.end(), ' ', '_');
    labels.push_back(label.empty() ? "org" + std::to_string(index) : label);
  }
  return labels;
}

// The organization column is written from the record's own u8 field; its labels are the
// study's organizations, so reading checks the code range like any categorical column.
auto deployment_fields(std::vector<std::string> organizations) {
  using R = DeploymentRecord;
  return std::make_tuple(
      Field<&R::id>{"id", "1", "deployment id: organization << 32 | change index"},
      Field<&R::organization>{"organization", "1", "organization (code)", std::move(organizations)},
      Field<&R::service>{"service", "1", "service index within its organization"},
      Field<&R::tier>{"tier", "1", "service tier", tier_labels()},
      Field<&R::arrival_min>{"arrival_min", "min", "arrival time since simulated time 0"},
      Field<&R::ci_start_min>{"ci_start_min", "min", "first CI start"},
      Field<&R::deploy_start_min>{"deploy_start_min", "min",
                                  "first production exposure (-1: never deployed)"},
      Field<&R::end_min>{"end_min", "min", "time of the final outcome (in_flight: the horizon)"},
      Field<&R::cycle_time_min>{"cycle_time_min", "min",
                                "cycle time, arrival to final outcome (in_flight: censored)"},
      Field<&R::outcome>{"outcome", "1", "final outcome", outcome_labels()},
      Field<&R::in_flight_stage>{"in_flight_stage", "1",
                                 "where an in_flight change was at the horizon",
                                 pipeline_stage_labels()},
      Field<&R::catch_point>{"catch_point", "1", "where a defect that survived CI was stopped",
                             catch_point_labels()},
      Field<&R::catch_points>{"catch_points", "1",
                              "every catch point met: bit k set for catch_point code k"},
      Field<&R::hotfix>{"hotfix", "1", "1 if a hotfix"},
      Field<&R::migration>{"migration", "1", "1 if a database migration"},
      Field<&R::config_change>{"config_change", "1", "1 if a configuration change"},
      Field<&R::lines_changed>{"lines_changed", "1", "lines changed"},
      Field<&R::files_changed>{"files_changed", "1", "files changed"},
      Field<&R::latent_defect>{"latent_defect", "1", "1 if the change carried a defect"},
      Field<&R::defect_survived_ci>{"defect_survived_ci", "1",
                                    "1 if the defect survived CI (an issue)"},
      Field<&R::risk_score>{"risk_score", "1", "AI risk score (-1: not computed)"},
      Field<&R::conservative_risk>{"conservative_risk", "1", "policy rubric risk (-1: none)"},
      Field<&R::retrieval_confidence>{"retrieval_confidence", "1",
                                      "context retrieval confidence (-1: none)"},
      Field<&R::similar_failure_share>{"similar_failure_share", "1",
                                       "failure share of similar past deployments (-1: none)"},
      Field<&R::risk_level>{"risk_level", "1", "risk level", risk_level_labels()},
      Field<&R::decision>{"decision", "1", "governance decision of the final attempt",
                          decision_labels()},
      Field<&R::human_approved>{"human_approved", "1", "1 if a human approved the deploy"},
      Field<&R::canary_stages_total>{"canary_stages_total", "1", "canary stages planned"},
      Field<&R::canary_stage_reached>{"canary_stage_reached", "1", "canary stages passed"},
      Field<&R::rework_loops>{"rework_loops", "1", "rework loops"},
      Field<&R::ci_failures>{"ci_failures", "1", "failed CI runs"},
      Field<&R::false_rollback>{"false_rollback", "1", "1 if rolled back without a defect"},
      Field<&R::incident>{"incident", "1", "1 if the change caused an incident"},
      Field<&R::incident_minutes>{"incident_minutes", "min", "incident duration"},
      Field<&R::error_budget_burned_min>{"error_budget_burned_min", "min",
                                         "error budget burned (bad minutes)"},
      Field<&R::ci_wait_min>{"ci_wait_min", "min", "time queued for a CI runner"},
      Field<&R::review_wait_min>{"review_wait_min", "min", "time waiting for a human review"},
      Field<&R::deferred_min>{"deferred_min", "min", "time deferred by policy"},
      Field<&R::policy_slip>{"policy_slip", "1", "1 if shipped knowingly against a policy"});
}

auto canary_stage_fields() {
  using R = CanaryStageRecord;
  return std::make_tuple(
      Field<&R::deployment>{"deployment_id", "1", "deployment id"},
      Field<&R::stage>{"stage", "1", "stage index (0 = first)"},
      Field<&R::traffic_percent>{"traffic_percent", "percent", "traffic share of the stage"},
      Field<&R::start_min>{"start_min", "min", "stage start"},
      Field<&R::bake_min>{"bake_min", "min", "bake time"},
      Field<&R::requests>{"requests", "1", "requests observed"},
      Field<&R::errors>{"errors", "1", "errors observed"},
      Field<&R::observed_error_rate>{"observed_error_rate", "1", "observed error rate"},
      Field<&R::observed_p50_ms>{"observed_p50_ms", "ms", "observed median latency"},
      Field<&R::observed_p99_ms>{"observed_p99_ms", "ms", "observed p99 latency"},
      Field<&R::promoted>{"promoted", "1", "1 if promoted to the next stage"});
}

auto audit_fields() {
  using R = AuditRecord;
  return std::make_tuple(
      Field<&R::sequence>{"sequence", "1", "position in the organization's hash chain"},
      Field<&R::time_min>{"time_min", "min", "time of the entry"},
      Field<&R::deployment>{"deployment_id", "1", "deployment id"},
      Field<&R::actor>{"actor", "1", "who acted", actor_labels()},
      Field<&R::risk_score>{"risk_score", "1", "risk score at the entry (-1: none)"});
}

auto resource_fields(std::vector<std::string> organizations) {
  using R = ResourceSample;
  return std::make_tuple(
      Field<&R::time_min>{"time_min", "min", "sample time (hourly)"},
      Field<&R::organization>{"organization", "1", "organization (code)", std::move(organizations)},
      Field<&R::runners_busy>{"runners_busy", "1", "busy CI runners"},
      Field<&R::ci_queue>{"ci_queue", "1", "jobs waiting for a CI runner"},
      Field<&R::reviewers_busy>{"reviewers_busy", "1", "busy reviewers"},
      Field<&R::review_queue>{"review_queue", "1", "changes waiting for a review"});
}

// The policy is written separately, as a code into /lookup/awu_policies (labels: its name).
auto awu_fields(std::vector<std::string> organizations) {
  using R = AwuRecord;
  static constexpr std::string_view kAmount = "USD (ai_cost) or min";
  return std::make_tuple(
      Field<&R::deployment>{"deployment_id", "1", "deployment id (one trace per deployment)"},
      Field<&R::sequence>{"sequence", "1", "AWU index within its deployment, creation order"},
      Field<&R::linked_to>{"linked_to", "1",
                           "sequence of the AWU this one retries or responds to (-1: none)"},
      Field<&R::kind>{"kind", "1", "operation (genops.operation.name)", awu_kind_labels()},
      Field<&R::result>{"result", "1", "decision state (genops.policy.result)",
                        awu_result_labels()},
      Field<&R::reason>{"reason", "1", "reason code (genops.policy.reason_code; none: ALLOWED)",
                        awu_reason_labels()},
      Field<&R::budget>{"budget", "1", "budget the AWU reserves from", awu_budget_labels()},
      Field<&R::organization>{"organization", "1", "organization (code)", std::move(organizations)},
      Field<&R::service>{"service", "1", "service index within its organization"},
      Field<&R::start_min>{"start_min", "min", "AWU start"},
      Field<&R::decision_min>{"decision_min", "min", "policy decision (-1: not reached)"},
      Field<&R::reserve_min>{"reserve_min", "min", "budget reservation (-1: not reached)"},
      Field<&R::reserved>{"reserved", kAmount, "amount reserved (-1: no reservation)"},
      Field<&R::budget_remaining>{"budget_remaining", kAmount,
                                  "budget left after the reservation (-1: none)"},
      Field<&R::requested>{"requested", kAmount,
                           "amount of a reservation that could not be fulfilled (-1: none)"},
      Field<&R::exec_start_min>{"exec_start_min", "min", "execution start (-1: not reached)"},
      Field<&R::exec_end_min>{"exec_end_min", "min", "execution end (-1: not reached)"},
      Field<&R::reconcile_min>{"reconcile_min", "min", "reconciliation (-1: not reached)"},
      Field<&R::actual>{"actual", kAmount, "amount actually consumed (-1: not reconciled)"},
      Field<&R::end_min>{"end_min", "min", "AWU end"},
      Field<&R::approval_requested_min>{"approval_requested_min", "min",
                                        "human approval requested (-1: none)"},
      Field<&R::approval_resolved_min>{"approval_resolved_min", "min",
                                       "human approval resolved (-1: none)"},
      Field<&R::tokens_input>{"tokens_input", "1", "AI input tokens"},
      Field<&R::tokens_output>{"tokens_output", "1", "AI output tokens"});
}

auto summary_fields() {
  using S = models::StrategySummary;
  return std::make_tuple(
      Field<&S::deployments>{"deployments", "1", "changes that arrived (every outcome)"},
      Field<&S::in_flight>{"in_flight", "1", "changes without a final outcome at the horizon"},
      Field<&S::deployed>{"deployed", "1", "finished changes that reached production"},
      Field<&S::succeeded>{"succeeded", "1", ""}, Field<&S::rolled_back>{"rolled_back", "1", ""},
      Field<&S::failed>{"failed", "1", ""}, Field<&S::blocked>{"blocked", "1", ""},
      Field<&S::success_rate>{"success_rate", "1", ""},
      Field<&S::rollback_rate>{"rollback_rate", "1", ""},
      Field<&S::failure_rate>{"failure_rate", "1", ""},
      Field<&S::block_rate>{"block_rate", "1", ""},
      Field<&S::median_cycle_time_min>{"median_cycle_time_min", "min", ""},
      Field<&S::p90_cycle_time_min>{"p90_cycle_time_min", "min", ""},
      Field<&S::mean_cycle_time_min>{"mean_cycle_time_min", "min", ""},
      Field<&S::safety_violations>{"safety_violations", "1", "from the independent checker"},
      Field<&S::issues>{"issues", "1", "defects that survived CI"},
      Field<&S::canary_catch_rate>{"canary_catch_rate", "1", "issues stopped by a canary stage"},
      Field<&S::false_rollbacks>{"false_rollbacks", "1", ""},
      Field<&S::incidents>{"incidents", "1", ""},
      Field<&S::change_failure_rate>{"change_failure_rate", "1", "DORA change failure rate"},
      Field<&S::deployment_success_rate>{"deployment_success_rate", "1",
                                         "deployed changes that succeeded"},
      Field<&S::in_flight_rate>{"in_flight_rate", "1", "in_flight / deployments"},
      Field<&S::mean_time_to_restore_min>{"mean_time_to_restore_min", "min", ""},
      Field<&S::error_budget_burned_min>{"error_budget_burned_min", "min", ""},
      Field<&S::mean_rework_loops>{"mean_rework_loops", "1", ""},
      Field<&S::mean_ci_wait_min>{"mean_ci_wait_min", "min", ""},
      Field<&S::mean_review_wait_min>{"mean_review_wait_min", "min", ""},
      Field<&S::human_approval_share>{"human_approval_share", "1", ""},
      Field<&S::deferred_share>{"deferred_share", "1", ""});
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : std::string(separator)) + item;
  }
  return out;
}

std::string run_group_path(std::string_view strategy, std::uint32_t replication) {
  return "runs/" + std::string(strategy) + "/rep" + std::to_string(replication);
}

template <typename T>
std::string number_text(T value) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

std::string attribute_text(const Object& object, const std::string& name) {
  const ElementType type = object.attribute_type(name);
  if (type == ElementType::String) {
    return object.read_string_attribute(name);
  }
  if (type == ElementType::Other) {
    return "?";
  }
  std::string out;
  const bool is_float = type == ElementType::F32 || type == ElementType::F64;
  const bool is_signed = type == ElementType::I8 || type == ElementType::I16 ||
                         type == ElementType::I32 || type == ElementType::I64;
  if (is_float) {
    for (const double value : object.read_array_attribute<double>(name)) {
      out += (out.empty() ? "" : ", ") + number_text(value);
    }
  } else if (is_signed) {
    for (const std::int64_t value : object.read_array_attribute<std::int64_t>(name)) {
      out += (out.empty() ? "" : ", ") + number_text(value);
    }
  } else {
    for (const std::uint64_t value : object.read_array_attribute<std::uint64_t>(name)) {
      out += (out.empty() ? "" : ", ") + number_text(value);
    }
  }
  return out;
}

}  // namespace

// ---- Helpers -----------------------------------------------------------------------------------

std::string hash_to_hex(const std::array<std::uint8_t, 32>& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (std::size_t index = 0; index < hash.size(); ++index) {
    hex[2 * index] = kDigits[hash[index] >> 4];
    hex[2 * index + 1] = kDigits[hash[index] & 0x0f];
  }
  return hex;
}

std::array<std::uint8_t, 32> hash_from_hex(std::string_view hex) {
  std::array<std::uint8_t, 32> hash{};
  const auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    throw ResultsFileError("audit hash '" + engine::printable_text(hex) + "' is not 64 hex digits");
  };
  if (hex.size() != 64) {
    throw ResultsFileError("audit hash '" + engine::printable_text(hex) + "' is not 64 hex digits");
  }
  for (std::size_t index = 0; index < hash.size(); ++index) {
    hash[index] = static_cast<std::uint8_t>(digit(hex[2 * index]) * 16 + digit(hex[2 * index + 1]));
  }
  return hash;
}

BuildInfo build_info() {
  BuildInfo info;
  info.engine_version = GENOPS_ENGINE_VERSION;
  info.git_sha = git_sha();
  info.build_type = std::string(GENOPS_BUILD_TYPE).empty() ? "unspecified" : GENOPS_BUILD_TYPE;
#if defined(__clang__)
  info.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  info.compiler = "g++ " __VERSION__;
#else
  info.compiler = "unknown";
#endif
  info.boost_version = std::to_string(BOOST_VERSION / 100000) + "." +
                       std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                       std::to_string(BOOST_VERSION % 100);
  info.hdf5_version = GENOPS_HDF5_VERSION;
  info.tbb_version = GENOPS_TBB_VERSION;
  info.eigen_version = GENOPS_EIGEN_VERSION;
  return info;
}

std::size_t StudyRecords::strategy_index(std::string_view strategy) const {
  const auto& names = provenance.strategies;
  const auto found = std::find(names.begin(), names.end(), strategy);
  return found == names.end() ? std::string::npos : static_cast<std::size_t>(found - names.begin());
}

std::string StudyRecords::attribute(std::string_view name) const {
  for (const auto& [key, value] : attributes) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

namespace {

void append_u64(std::string& out, std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void append_text(std::string& out, std::string_view text) {
  append_u64(out, text.size());
  out.append(text);
}

template <typename T>
void append_little_endian(std::string& out, T value) {
  using Unsigned = std::make_unsigned_t<
      std::conditional_t<std::is_floating_point_v<T>,
                         std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>;
  Unsigned bits = 0;
  if constexpr (std::is_floating_point_v<T>) {
    bits = std::bit_cast<Unsigned>(value);
  } else {
    bits = static_cast<Unsigned>(value);
  }
  for (std::size_t byte = 0; byte < sizeof(T); ++byte) {
    out.push_back(static_cast<char>((bits >> (8 * byte)) & 0xff));
  }
}

std::array<std::uint8_t, 32> sha256_of(std::string_view text, std::string_view key) {
  std::array<std::uint8_t, 32> digest{};
  if (key.empty()) {
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
      throw std::runtime_error("EVP_Digest(SHA-256) failed");
    }
    return digest;
  }
  std::size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data(),
                digest.size(), &length) == nullptr ||
      length != digest.size()) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return digest;
}

}  // namespace

std::array<std::uint8_t, 32> deployments_digest(std::span<const DeploymentRecord> rows) {
  const auto fields = deployment_fields({});
  std::string text = "genops-deployments-v2";
  text.reserve(text.size() + rows.size() * 160);
  for (const DeploymentRecord& record : rows) {
    std::apply(
        [&](const auto&... field) {
          (append_little_endian(text, static_cast<typename std::decay_t<decltype(field)>::Stored>(
                                          record.*(std::decay_t<decltype(field)>::member))),
           ...);
        },
        fields);
  }
  return sha256_of(text, {});
}

std::array<std::uint8_t, 32> audit_manifest_digest(
    const StudyProvenance& provenance, std::string_view config_sha256,
    const std::vector<std::vector<AuditManifestEntry>>& manifests, std::string_view key) {
  std::string text;
  append_text(text, "genops-audit-manifest-v2");
  append_u64(text, provenance.strategies.size());
  for (const std::string& strategy : provenance.strategies) {
    append_text(text, strategy);
  }
  append_u64(text, provenance.replications);
  append_u64(text, provenance.master_seed);
  append_u64(text, provenance.organizations.size());
  append_text(text, config_sha256);
  append_u64(text, manifests.size());
  for (std::size_t slot = 0; slot < manifests.size(); ++slot) {
    append_u64(text, slot);
    append_u64(text, manifests[slot].size());
    for (const AuditManifestEntry& entry : manifests[slot]) {
      append_u64(text, entry.organization);
      append_u64(text, entry.records);
      text.append(reinterpret_cast<const char*>(entry.head.data()), entry.head.size());
      append_u64(text, entry.deployments);
      text.append(reinterpret_cast<const char*>(entry.deployments_sha256.data()),
                  entry.deployments_sha256.size());
    }
  }
  return sha256_of(text, key);
}

// ---- Streaming tables
// ----------------------------------------------------------------------------

namespace {

// Rows beyond which a table's layout no longer depends on its final length: write_table() gives
// a table of more than kDefaultChunkRows / 2 rows chunks of kDefaultChunkRows (bit_ceil).
inline constexpr std::uint64_t kLayoutKnownRows = kDefaultChunkRows / 2;

// A table written a row at a time when its row count is not known in advance, with exactly the
// layout write_table() gives for the final count: rows are buffered until there are more than
// kLayoutKnownRows (then the chunked table is created and rows stream into it), and finish()
// writes a shorter table through write_table(). `bind(table)` returns the row pusher of a table
// of either kind.
template <typename Row, typename Bind>
class StreamedTable {
 public:
  StreamedTable(Group& parent, std::string name, std::string dimension, const WriteOptions& options,
                Bind bind)
      : parent_(&parent),
        name_(std::move(name)),
        dimension_(std::move(dimension)),
        options_(&options),
        bind_(std::move(bind)) {}

  void push(Row row) {
    ++rows_;
    if (direct_) {
      (*direct_)(row);
      return;
    }
    buffer_.push_back(std::move(row));
    if (buffer_.size() > kLayoutKnownRows) {
      table_ = std::make_unique<ColumnTableWriter>(*parent_, name_, dimension_, kDefaultChunkRows,
                                                   options_->gzip_level, options_->shuffle);
      direct_.emplace(bind_(*table_));
      for (const Row& buffered : buffer_) {
        (*direct_)(buffered);
      }
      std::vector<Row>().swap(buffer_);
    }
  }
  std::uint64_t rows() const { return rows_; }
  void finish() {
    if (table_) {
      table_->finish();
      return;
    }
    write_table(*parent_, name_, dimension_, buffer_.size(), *options_, [&](auto& table) {
      auto pusher = bind_(table);
      for (const Row& row : buffer_) {
        pusher(row);
      }
    });
    std::vector<Row>().swap(buffer_);
  }

 private:
  using Direct = decltype(std::declval<const Bind&>()(std::declval<ColumnTableWriter&>()));
  Group* parent_;
  std::string name_;
  std::string dimension_;
  const WriteOptions* options_;
  Bind bind_;
  std::uint64_t rows_ = 0;
  std::vector<Row> buffer_;
  std::unique_ptr<ColumnTableWriter> table_;
  std::optional<Direct> direct_;
};

// Binds a record table's columns (one per field).
template <typename Fields>
struct BindFields {
  Fields fields;
  template <typename Table>
  auto operator()(Table& table) const {
    return [columns = bind_columns(table, fields)](const auto& record) mutable {
      push_row(columns, record);
    };
  }
};

struct AuditRow {
  AuditRecord record;
  std::uint16_t organization = 0;
  std::uint32_t action = 0;
  std::uint32_t decision = 0;
  std::uint32_t policies = 0;
};

struct BindAudit {
  decltype(audit_fields()) fields;
  std::vector<std::string> organizations;
  template <typename Table>
  auto operator()(Table& table) const {
    auto columns = bind_columns(table, fields);
    auto organization = table.template add_categorical_column<std::uint16_t>(
        "organization", std::span<const std::string>(organizations),
        "organization (code): each organization has its own hash chain");
    auto action = table.template add_column<std::uint32_t>(
        "action", "1", "action (code into /lookup/audit_actions)");
    auto decision = table.template add_column<std::uint32_t>(
        "decision", "1", "decision (code into /lookup/audit_decisions)");
    auto policies = table.template add_column<std::uint32_t>(
        "policies", "1", "policy results 'name=result;...' (code into /lookup/audit_policies)");
    return [=](const AuditRow& row) mutable {
      push_row(columns, row.record);
      organization.push(row.organization);
      action.push(row.action);
      decision.push(row.decision);
      policies.push(row.policies);
    };
  }
};

struct AwuRow {
  AwuRecord record;
  std::uint32_t policy = 0;
};

struct BindAwu {
  decltype(awu_fields({})) fields;
  template <typename Table>
  auto operator()(Table& table) const {
    auto columns = bind_columns(table, fields);
    auto policy = table.template add_column<std::uint32_t>(
        "policy", "1", "deciding policy (code into /lookup/awu_policies)");
    return [=](const AwuRow& row) mutable {
      push_row(columns, row.record);
      policy.push(row.policy);
    };
  }
};

struct ServiceRow {
  std::uint16_t organization = 0;
  std::uint16_t service = 0;
  std::uint32_t name = 0;
};

struct BindServices {
  std::vector<std::string> organizations;
  template <typename Table>
  auto operator()(Table& table) const {
    auto organization = table.template add_categorical_column<std::uint16_t>(
        "organization", std::span<const std::string>(organizations), "organization (code)");
    auto service = table.template add_column<std::uint16_t>("service", "1", "service index");
    auto name = table.template add_column<std::uint32_t>(
        "name", "1", "service name (code into /lookup/service_names)");
    return [=](const ServiceRow& row) mutable {
      organization.push(row.organization);
      service.push(row.service);
      name.push(row.name);
    };
  }
};

// The audit rows' (previous_hash, hash) pairs, 64 bytes a row, in a temporary file until the
// run's row count sizes the hash datasets.
class HashSpool {
 public:
  HashSpool() : file_(std::tmpfile()) {
    if (file_ == nullptr) {
      throw ResultsFileError("cannot create a temporary file for the audit hashes");
    }
  }
  ~HashSpool() { std::fclose(file_); }
  HashSpool(const HashSpool&) = delete;
  HashSpool& operator=(const HashSpool&) = delete;

  void push(const AuditRecord& record) {
    std::array<std::uint8_t, 64> pair{};
    std::copy(record.previous_hash.begin(), record.previous_hash.end(), pair.begin());
    std::copy(record.hash.begin(), record.hash.end(), pair.begin() + 32);
    write(pair.data(), pair.size());
    ++rows_;
  }
  std::uint64_t rows() const { return rows_; }
  // Writes the "previous_hash" and "hash" columns as 64-character hex (vlen UTF-8 in
  // write_string_dataset()'s layout), a slice at a time.
  void write_columns(Group& group);

 private:
  void write(const void* data, std::size_t bytes) {
    if (std::fwrite(data, 1, bytes, file_) != bytes) {
      throw ResultsFileError("cannot write the temporary file of the audit hashes");
    }
  }
  std::FILE* file_;
  std::uint64_t rows_ = 0;
};

void HashSpool::write_columns(Group& group) {
  const Dataset scale = group.open_dataset("entry");
  const std::array<std::pair<const char*, const char*>, 2> columns{
      {{"previous_hash", "SHA-256 of the previous entry (hex)"},
       {"hash", "SHA-256(previous_hash || canonical entry) (hex)"}}};
  std::array<Dataset, 2> datasets;
  constexpr std::size_t kWidth = 64;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    datasets[c] = rows_ == 0 ? group.write_string_dataset(columns[c].first, {})
                             : group.create_string_dataset(columns[c].first, rows_, kWidth);
  }
  std::rewind(file_);
  constexpr std::uint64_t kSlice = kDefaultChunkRows;
  std::vector<std::uint8_t> pairs(kSlice * 64);
  std::array<std::string, 2> text;
  for (std::uint64_t first = 0; first < rows_; first += kSlice) {
    const std::uint64_t rows = std::min(kSlice, rows_ - first);
    if (std::fread(pairs.data(), 64, rows, file_) != rows) {
      throw ResultsFileError("cannot read the temporary file of the audit hashes");
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
      text[c].clear();
      for (std::uint64_t row = 0; row < rows; ++row) {
        std::array<std::uint8_t, 32> hash{};
        std::copy_n(pairs.begin() + static_cast<std::ptrdiff_t>(row * 64 + c * 32), 32,
                    hash.begin());
        text[c] += hash_to_hex(hash);
      }
      datasets[c].write_fixed_strings(first, rows, text[c]);
    }
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    datasets[c].write_attribute("units", "1");
    datasets[c].write_attribute("long_name", columns[c].second);
    datasets[c].attach_dimension_scale(scale);
  }
}

}  // namespace

struct StudyResultsWriter::OpenRun {
  OpenRun(Group run_group, const RunView& view, std::size_t run_slot, const WriteOptions& options,
          const std::vector<std::string>& organizations)
      : group(std::move(run_group)),
        strategy(view.strategy),
        replication(view.replication),
        slot(run_slot),
        deployments(group, "deployments", "deployment", options,
                    BindFields<decltype(deployment_fields({}))>{deployment_fields(organizations)}),
        stages(group, "canary_stages", "stage_event", options,
               BindFields<decltype(canary_stage_fields())>{canary_stage_fields()}),
        audit(group, "audit", "entry", options, BindAudit{audit_fields(), organizations}),
        resources(group, "resources", "sample", options,
                  BindFields<decltype(resource_fields({}))>{resource_fields(organizations)}),
        awus(group, "awu", "awu", options, BindAwu{awu_fields(organizations)}),
        services(group, "services", "service_row", options, BindServices{organizations}) {}

  Group group;
  std::string strategy;
  std::uint32_t replication = 0;
  std::size_t slot = 0;
  std::uint32_t next_organization = 0;
  std::uint64_t unfinished = 0;
  StreamedTable<DeploymentRecord, BindFields<decltype(deployment_fields({}))>> deployments;
  StreamedTable<CanaryStageRecord, BindFields<decltype(canary_stage_fields())>> stages;
  StreamedTable<AuditRow, BindAudit> audit;
  HashSpool hashes;
  StreamedTable<ResourceSample, BindFields<decltype(resource_fields({}))>> resources;
  StreamedTable<AwuRow, BindAwu> awus;
  StreamedTable<ServiceRow, BindServices> services;
};

// ---- Writer ------------------------------------------------------------------------------------

StudyResultsWriter::StudyResultsWriter(std::filesystem::path path,
                                       const StudyProvenance& provenance,
                                       const WriteOptions& options)
    : writer_(std::move(path), kResultsSchemaName, kResultsSchemaVersion, options.output),
      provenance_(provenance),
      options_(options) {
  awu_policy_code_of_.fill(kNoCode);
  GENOPS_ASSERT(!provenance_.strategies.empty(), "a study has at least one strategy");
  GENOPS_ASSERT(provenance_.organizations.size() <= 65536, "organization codes are u16");
  written_.assign(provenance_.strategies.size() * provenance_.replications, false);
  manifests_.assign(written_.size(), {});
  File& file = writer_.file();
  const BuildInfo build = build_info();
  file.write_attribute("engine_version", build.engine_version);
  file.write_attribute("git_sha", build.git_sha);
  file.write_attribute("build_type", build.build_type);
  file.write_attribute("compiler", build.compiler);
  file.write_attribute("boost_version", build.boost_version);
  file.write_attribute("hdf5_version", build.hdf5_version);
  file.write_attribute("tbb_version", build.tbb_version);
  file.write_attribute("eigen_version", build.eigen_version);
  file.write_attribute("scenario", provenance_.scenario);
  file.write_attribute("config_json", provenance_.config_json);
  file.write_attribute("config_sha256", sha256_hex(provenance_.config_json));
  file.write_attribute("start_date", provenance_.start_date);
  file.write_attribute("duration_days", provenance_.duration_days);
  file.write_attribute("master_seed", provenance_.master_seed);
  file.write_attribute("replications", provenance_.replications);
  file.write_attribute("threads", provenance_.threads);
  file.write_attribute("wall_time_s", provenance_.wall_time_s);
  file.write_attribute("events_processed", provenance_.events_processed);
  file.write_attribute("strategies", join(provenance_.strategies, ","));
  file.write_attribute("command_line", provenance_.command_line);
  file.write_attribute("created_utc", utc_now());
  for (const auto& [step, seconds] : provenance_.step_seconds) {
    file.write_attribute("step_seconds_" + step, seconds);
  }
  for (const auto& [name, value] : provenance_.attributes) {
    file.write_attribute(name, value);
  }
  GENOPS_ASSERT(options_.task_count >= 1 && options_.task_index < options_.task_count,
                "a task index is in [0, task count)");
  if (options_.task_count > 1) {
    file.write_attribute("task_index", options_.task_index);
    file.write_attribute("task_count", options_.task_count);
  }

  write_lookup_table<std::uint16_t>(file, "strategies",
                                    std::span<const std::string>(provenance_.strategies));
  const std::vector<std::string> organizations = organization_labels(provenance_.organizations);
  write_lookup_table<std::uint16_t>(file, "organizations",
                                    std::span<const std::string>(organizations));
  Group organization_table = file.open_group("lookup/organizations");
  const Dataset organization_code = organization_table.open_dataset("code");
  std::vector<std::uint16_t> services;
  std::vector<std::uint16_t> runners;
  std::vector<std::uint16_t> reviewers;
  for (const OrganizationInfo& organization : provenance_.organizations) {
    services.push_back(organization.services);
    runners.push_back(organization.ci_runners);
    reviewers.push_back(organization.reviewers);
  }
  const auto add_organization_column = [&](std::string_view name,
                                           const std::vector<std::uint16_t>& values) {
    Dataset column = organization_table.write_dataset(name, std::span<const std::uint16_t>(values));
    column.write_attribute("units", "1");
    column.attach_dimension_scale(organization_code);
  };
  add_organization_column("services", services);
  add_organization_column("ci_runners", runners);
  add_organization_column("reviewers", reviewers);

  // Services: a global code (organizations' services numbered one after the other).
  std::vector<std::string> service_labels;
  std::vector<std::uint16_t> service_organization;
  std::vector<std::uint16_t> service_index;
  for (std::size_t o = 0; o < provenance_.organizations.size(); ++o) {
    for (std::uint16_t s = 0; s < provenance_.organizations[o].services; ++s) {
      service_labels.push_back(organizations[o] + "/" + std::to_string(s));
      service_organization.push_back(static_cast<std::uint16_t>(o));
      service_index.push_back(s);
    }
  }
  write_lookup_table<std::uint32_t>(file, "services", std::span<const std::string>(service_labels));
  Group service_table = file.open_group("lookup/services");
  const Dataset service_code = service_table.open_dataset("code");
  Dataset organization_column = service_table.write_dataset(
      "organization", std::span<const std::uint16_t>(service_organization));
  organization_column.write_attribute("units", "1");
  organization_column.attach_dimension_scale(service_code);
  Dataset index_column =
      service_table.write_dataset("service", std::span<const std::uint16_t>(service_index));
  index_column.write_attribute("units", "1");
  index_column.attach_dimension_scale(service_code);
}

StudyResultsWriter::~StudyResultsWriter() = default;

std::uint32_t StudyResultsWriter::code_of(std::unordered_map<std::string, std::uint32_t>& codes,
                                          std::vector<std::string>& labels,
                                          const std::string& text) {
  const auto [entry, inserted] = codes.try_emplace(text, static_cast<std::uint32_t>(labels.size()));
  if (inserted) {
    labels.push_back(text);
  }
  return entry->second;
}

void StudyResultsWriter::write_run(const RunView& run) {
  begin_run(run);
  append(run.organizations);
  end_run(run);
}

void StudyResultsWriter::begin_run(const RunView& run) {
  GENOPS_ASSERT(open_ == nullptr, "run " + run_group_path(run.strategy, run.replication) +
                                      " begun while another run is open");
  const auto strategy =
      std::find(provenance_.strategies.begin(), provenance_.strategies.end(), run.strategy);
  GENOPS_ASSERT(strategy != provenance_.strategies.end(),
                "run of strategy '" + run.strategy + "' not in the study's strategies");
  GENOPS_ASSERT(run.replication < provenance_.replications,
                "replication " + std::to_string(run.replication) + " out of range");
  const std::size_t slot = static_cast<std::size_t>(strategy - provenance_.strategies.begin()) *
                               provenance_.replications +
                           run.replication;
  GENOPS_ASSERT(!written_[slot],
                "run " + run_group_path(run.strategy, run.replication) + " written twice");
  GENOPS_ASSERT(replication_in_task(run.replication, options_.task_index, options_.task_count),
                "replication " + std::to_string(run.replication) + " is not this task's");
  Group group = writer_.file().create_group(run_group_path(run.strategy, run.replication));
  group.write_attribute("strategy", run.strategy);
  group.write_attribute("replication", run.replication);
  group.write_attribute("seed", run.seed);
  manifests_[slot].clear();
  open_ = std::make_unique<OpenRun>(std::move(group), run, slot, options_,
                                    organization_labels(provenance_.organizations));
}

void StudyResultsWriter::append(std::span<const OrganizationRecords> organizations) {
  GENOPS_ASSERT(open_ != nullptr, "append() outside begin_run() / end_run()");
  for (const OrganizationRecords& organization : organizations) {
    append_organization(organization);
  }
}

void StudyResultsWriter::append_organization(const OrganizationRecords& organization) {
  OpenRun& run = *open_;
  const std::uint32_t o = run.next_organization++;
  GENOPS_ASSERT(o < provenance_.organizations.size(), "more organizations than the study's");
  const auto code = static_cast<std::uint16_t>(o);
  for (const DeploymentRecord& record : organization.deployments) {
    run.unfinished += record.outcome == models::Outcome::InFlight ? 1 : 0;
    run.deployments.push(record);
  }
  for (const CanaryStageRecord& record : organization.stages) {
    run.stages.push(record);
  }
  for (const AuditRecord& record : organization.audit) {
    run.audit.push(AuditRow{record, code, code_of(action_codes_, actions_, record.action),
                            code_of(decision_codes_, decisions_, record.decision),
                            code_of(policy_set_codes_, policy_sets_, record.policies)});
    run.hashes.push(record);
  }
  for (const ResourceSample& record : organization.samples) {
    run.resources.push(record);
  }
  for (const AwuRecord& record : organization.awus) {
    std::uint32_t& policy = awu_policy_code_of_[static_cast<std::size_t>(record.policy)];
    if (policy == kNoCode) {
      policy = code_of(awu_policy_codes_, awu_policies_, models::awu_policy_name(record.policy));
    }
    run.awus.push(AwuRow{record, policy});
  }
  for (std::size_t s = 0; s < organization.service_names.size(); ++s) {
    run.services.push(ServiceRow{
        code, static_cast<std::uint16_t>(s),
        code_of(service_name_codes_, service_name_labels_, organization.service_names[s])});
  }
  AuditManifestEntry entry;
  entry.organization = o;
  entry.records = organization.audit.size();
  entry.head =
      organization.audit.empty()
          ? models::audit_genesis(run.strategy, provenance_.master_seed, run.replication, o)
          : organization.audit.back().hash;
  entry.deployments = organization.deployments.size();
  entry.deployments_sha256 = deployments_digest(organization.deployments);
  manifests_[run.slot].push_back(entry);
}

void StudyResultsWriter::end_run(const RunView& view) {
  GENOPS_ASSERT(open_ != nullptr, "end_run() without begin_run()");
  GENOPS_ASSERT(view.strategy == open_->strategy && view.replication == open_->replication,
                "end_run() of another run than the open one");
  OpenRun& run = *open_;
  GENOPS_ASSERT(run.next_organization == provenance_.organizations.size(),
                "a run has one record set per organization");
  Group& group = run.group;
  group.write_attribute("events", view.events);
  group.write_attribute("unfinished", run.unfinished);
  if (view.warmup_arrivals > 0)
    group.write_attribute("warmup_arrivals", view.warmup_arrivals);
  run.deployments.finish();
  group.open_group("deployments")
      .open_dataset("service")
      .write_attribute("lookup", "/lookup/services");
  run.stages.finish();
  run.audit.finish();
  {
    Group audit = group.open_group("audit");
    audit.open_dataset("action").write_attribute("lookup", "/lookup/audit_actions");
    audit.open_dataset("decision").write_attribute("lookup", "/lookup/audit_decisions");
    audit.open_dataset("policies").write_attribute("lookup", "/lookup/audit_policies");
    run.hashes.write_columns(audit);
  }
  run.resources.finish();
  run.awus.finish();
  {
    Group awu = group.open_group("awu");
    awu.open_dataset("policy").write_attribute("lookup", "/lookup/awu_policies");
    awu.open_dataset("service").write_attribute("lookup", "/lookup/services");
  }
  run.services.finish();
  group.open_group("services")
      .open_dataset("name")
      .write_attribute("lookup", "/lookup/service_names");
  write_violations(group, view);
  write_summary(group, view, run.unfinished);
  write_audit_manifest(group, run.slot);
  written_[run.slot] = true;
  open_.reset();
}

void StudyResultsWriter::write_violations(Group& run, const RunView& view) {
  write_table(run, "violations", "violation", view.violations.size(), options_, [&](auto& table) {
    auto deployment =
        table.template add_column<std::uint64_t>("deployment_id", "1", "violating deployment");
    auto policy = table.template add_column<std::uint32_t>(
        "policy", "1", "violated policy (code into /lookup/policies)");
    for (const models::SafetyViolation& violation : view.violations) {
      deployment.push(violation.deployment);
      policy.push(code_of(violation_codes_, violation_policies_, violation.policy));
    }
  });
  run.open_group("violations").open_dataset("policy").write_attribute("lookup", "/lookup/policies");
}

void StudyResultsWriter::write_summary(Group& run, const RunView& view, std::uint64_t unfinished) {
  write_table(run, "summary", "row", 1, options_, [&](auto& table) {
    table.template add_column<std::uint32_t>("replication", "1", "replication index")
        .push(view.replication);
    table.template add_column<std::uint64_t>("seed", "1", "master seed of the run").push(view.seed);
    table.template add_column<std::uint64_t>("events", "1", "events processed").push(view.events);
    table.template add_column<double>("wall_seconds", "s", "engine wall time")
        .push(view.wall_seconds);
    table
        .template add_column<std::uint64_t>("unfinished", "1",
                                            "changes without an outcome at the horizon")
        .push(unfinished);
    auto columns = bind_columns(table, summary_fields());
    push_row(columns, view.summary);
    for (int point = 0; point < models::kCatchPointCount; ++point) {
      const std::string name = std::string("caught_at_") +
                               models::catch_point_name(static_cast<models::CatchPoint>(point));
      table.template add_column<std::uint64_t>(name, "1", "issues first stopped there")
          .push(view.summary.caught_at[static_cast<std::size_t>(point)]);
    }
    for (int point = 0; point < models::kCatchPointCount; ++point) {
      const std::string name =
          std::string("met_at_") + models::catch_point_name(static_cast<models::CatchPoint>(point));
      table.template add_column<std::uint64_t>(name, "1", "issues that met that catch point")
          .push(view.summary.met_at[static_cast<std::size_t>(point)]);
    }
  });
}

void StudyResultsWriter::write_audit_manifest(Group& run, std::size_t slot) {
  const std::vector<AuditManifestEntry>& entries = manifests_[slot];
  std::vector<std::string> heads;
  std::vector<std::string> digests;
  SmallTableWriter table(run, "audit_manifest", "organization_entry");
  auto organization =
      table.add_column<std::uint16_t>("organization", "1", "organization (code into /lookup)");
  auto records = table.add_column<std::uint64_t>("records", "1", "audit records in the chain");
  auto deployments =
      table.add_column<std::uint64_t>("deployments", "1", "the organization's deployment rows");
  for (const AuditManifestEntry& entry : entries) {
    organization.push(static_cast<std::uint16_t>(entry.organization));
    records.push(entry.records);
    deployments.push(entry.deployments);
    heads.push_back(hash_to_hex(entry.head));
    digests.push_back(hash_to_hex(entry.deployments_sha256));
  }
  table.finish();
  Group group = run.open_group("audit_manifest");
  const Dataset scale = group.open_dataset("organization_entry");
  for (const auto& [name, values, long_name] :
       {std::tuple{"head", &heads, "hash of the chain's last record (its genesis when empty)"},
        std::tuple{"deployments_sha256", &digests,
                   "SHA-256 of the organization's deployment rows (column encoding)"}}) {
    Dataset column = group.write_string_dataset(name, *values);
    column.write_attribute("units", "1");
    column.write_attribute("long_name", long_name);
    column.attach_dimension_scale(scale);
  }
}

void StudyResultsWriter::finalize() {
  for (std::size_t slot = 0; slot < written_.size(); ++slot) {
    const auto replication = static_cast<std::uint32_t>(slot % provenance_.replications);
    GENOPS_ASSERT(written_[slot] ||
                      !replication_in_task(replication, options_.task_index, options_.task_count),
                  "run " +
                      run_group_path(provenance_.strategies[slot / provenance_.replications],
                                     static_cast<std::uint32_t>(slot % provenance_.replications)) +
                      " was not written");
  }
  {
    File& root = writer_.file();
    const std::string config_sha256 = sha256_hex(provenance_.config_json);
    root.write_attribute("audit_hash_version", models::kAuditHashVersion);
    manifest_sha256_ = hash_to_hex(audit_manifest_digest(provenance_, config_sha256, manifests_));
    root.write_attribute("audit_manifest_sha256", manifest_sha256_);
    if (!options_.audit_key.empty()) {
      root.write_attribute("audit_manifest_hmac_sha256",
                           hash_to_hex(audit_manifest_digest(provenance_, config_sha256, manifests_,
                                                             options_.audit_key)));
    }
  }
  File& file = writer_.file();
  write_lookup_table<std::uint32_t>(file, "audit_actions", std::span<const std::string>(actions_));
  write_lookup_table<std::uint32_t>(file, "audit_decisions",
                                    std::span<const std::string>(decisions_));
  write_lookup_table<std::uint32_t>(file, "audit_policies",
                                    std::span<const std::string>(policy_sets_));
  write_lookup_table<std::uint32_t>(file, "policies",
                                    std::span<const std::string>(violation_policies_));
  write_lookup_table<std::uint32_t>(file, "awu_policies",
                                    std::span<const std::string>(awu_policies_));
  write_lookup_table<std::uint32_t>(file, "service_names",
                                    std::span<const std::string>(service_name_labels_));
  writer_.finalize();
}

std::string sha256_hex(std::string_view text) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  return hash_to_hex(digest);
}

void StudyResultsWriter::record_totals(double wall_time_s, std::uint64_t events_processed) {
  provenance_.wall_time_s = wall_time_s;
  provenance_.events_processed = events_processed;
  writer_.file().write_attribute("wall_time_s", wall_time_s);
  writer_.file().write_attribute("events_processed", events_processed);
}

void StudyResultsWriter::record_step_seconds(
    const std::vector<std::pair<std::string, double>>& step_seconds) {
  provenance_.step_seconds = step_seconds;
  for (const auto& [step, seconds] : step_seconds) {
    writer_.file().write_attribute("step_seconds_" + step, seconds);
  }
}

void write_study(const std::filesystem::path& path, const StudyProvenance& provenance,
                 std::span<const RunView> runs, const WriteOptions& options) {
  StudyResultsWriter writer(path, provenance, options);
  for (const RunView& run : runs) {
    writer.write_run(run);
  }
  writer.finalize();
}

// ---- Reader ------------------------------------------------------------------------------------

namespace {

template <typename T>
T required_attribute(const Object& object, const std::filesystem::path& path,
                     std::string_view name) {
  if (!object.has_attribute(name)) {
    reject(path, "has no attribute '" + std::string(name) + "' on '" + object.path() + "'");
  }
  if constexpr (std::is_same_v<T, std::string>) {
    return object.read_string_attribute(name);
  } else {
    return object.read_attribute<T>(name);
  }
}

std::vector<std::string> lookup_labels(const ResultsReader& reader, std::string_view name) {
  const std::string group_path = "/lookup/" + std::string(name);
  reader.group(group_path);  // ResultsFileError when missing
  std::vector<Category<std::int64_t>> categories = read_lookup_table(reader.file(), name);
  std::sort(categories.begin(), categories.end(),
            [](const auto& left, const auto& right) { return left.code < right.code; });
  std::vector<std::string> labels;
  for (std::size_t index = 0; index < categories.size(); ++index) {
    if (categories[index].code != static_cast<std::int64_t>(index)) {
      reject(reader.path(), "lookup table '" + group_path + "' codes are not 0.." +
                                std::to_string(categories.size() - 1));
    }
    labels.push_back(std::move(categories[index].label));
  }
  return labels;
}

// Labels that name things (strategies, organizations) must be distinct: a duplicated strategy
// would compare a run with itself.
std::vector<std::string> unique_lookup_labels(const ResultsReader& reader, std::string_view name) {
  std::vector<std::string> labels = lookup_labels(reader, name);
  std::vector<std::string> sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
    reject(reader.path(), "lookup table '/lookup/" + std::string(name) + "' lists '" +
                              engine::printable_text(*twice) + "' twice; expected distinct labels");
  }
  return labels;
}

template <typename T>
std::vector<T> lookup_column(const ResultsReader& reader, std::string_view table,
                             std::string_view column, std::size_t rows) {
  const ColumnTableReader lookup = reader.table("/lookup/" + std::string(table));
  if (!lookup.has_column(column)) {
    reject(reader.path(),
           "has no column '" + std::string(column) + "' in '/lookup/" + std::string(table) + "'");
  }
  if (lookup.column_type(column) != element_type_of<T>()) {
    reject(reader.path(), "lookup column '/lookup/" + std::string(table) + "/" +
                              std::string(column) + "' is stored as " +
                              std::string(to_string(lookup.column_type(column))) + "; expected " +
                              std::string(to_string(element_type_of<T>())));
  }
  std::vector<T> values = lookup.read<T>(column);
  if (values.size() != rows) {
    reject(reader.path(), "lookup column '/lookup/" + std::string(table) + "/" +
                              std::string(column) + "' has " + std::to_string(values.size()) +
                              " rows, expected " + std::to_string(rows));
  }
  return values;
}

template <typename T>
std::vector<T> table_column(const ColumnTableReader& table, const std::filesystem::path& path,
                            std::string_view column, std::uint64_t rows) {
  if (!table.has_column(column)) {
    reject(path, "has no column '" + std::string(column) + "' in '" + table.group().path() + "'");
  }
  if (table.column_type(column) != element_type_of<T>()) {
    reject(path, "column '" + table.group().path() + "/" + std::string(column) + "' is stored as " +
                     std::string(to_string(table.column_type(column))) + "; expected " +
                     std::string(to_string(element_type_of<T>())));
  }
  std::vector<T> values = table.read<T>(column);
  if constexpr (std::is_floating_point_v<T>) {
    for (const T value : values) {
      if (!std::isfinite(value) || value < 0) {
        reject(path, "column '" + table.group().path() + "/" + std::string(column) +
                         "' has the value " + number_text(value) +
                         "; expected a finite number >= 0");
      }
    }
  }
  if (values.size() != rows) {
    reject(path, "column '" + table.group().path() + "/" + std::string(column) + "' has " +
                     std::to_string(values.size()) + " rows, expected " + std::to_string(rows));
  }
  return values;
}

const std::string& label_at(const std::vector<std::string>& labels, std::uint32_t code,
                            const std::filesystem::path& path, std::string_view lookup) {
  if (code >= labels.size()) {
    reject(path, "code " + std::to_string(code) + " is outside lookup table '/lookup/" +
                     std::string(lookup) + "'");
  }
  return labels[code];
}

struct Lookups {
  std::vector<std::string> organizations;
  std::vector<std::string> actions;
  std::vector<std::string> decisions;
  std::vector<std::string> policy_sets;
  std::vector<std::string> violation_policies;
  std::vector<models::AwuPolicy> awu_policies;
  std::vector<std::string> service_names;
};

// The audit table: records, their organizations and the hash chain as bytes.
void read_audit_table(const ResultsReader& reader, const Lookups& lookups, const std::string& base,
                      RunRecords& run) {
  const std::filesystem::path& path = reader.path();
  const ColumnTableReader audit = reader.table(base + "/audit");
  const std::uint64_t rows = audit.rows();
  run.audit.resize(rows);
  read_fields(audit, audit_fields(), run.audit, path);
  run.audit_organization = table_column<std::uint16_t>(audit, path, "organization", rows);
  const auto actions = table_column<std::uint32_t>(audit, path, "action", rows);
  const auto decisions = table_column<std::uint32_t>(audit, path, "decision", rows);
  const auto policies = table_column<std::uint32_t>(audit, path, "policies", rows);
  for (const char* name : {"previous_hash", "hash"}) {
    if (!audit.has_column(name)) {
      reject(path, "has no column '" + std::string(name) + "' in '" + base + "/audit'");
    }
  }
  const std::vector<std::string> previous = audit.column("previous_hash").read_strings();
  const std::vector<std::string> hashes = audit.column("hash").read_strings();
  if (previous.size() != rows || hashes.size() != rows) {
    reject(path,
           "audit hash columns of '" + base + "' do not have " + std::to_string(rows) + " rows");
  }
  for (std::size_t row = 0; row < rows; ++row) {
    AuditRecord& record = run.audit[row];
    if (run.audit_organization[row] >= lookups.organizations.size()) {
      reject(path, "audit row " + std::to_string(row) + " of '" + base +
                       "' has an unknown organization code");
    }
    record.action = label_at(lookups.actions, actions[row], path, "audit_actions");
    record.decision = label_at(lookups.decisions, decisions[row], path, "audit_decisions");
    record.policies = label_at(lookups.policy_sets, policies[row], path, "audit_policies");
    try {
      record.previous_hash = hash_from_hex(previous[row]);
      record.hash = hash_from_hex(hashes[row]);
    } catch (const ResultsFileError& error) {
      reject(path,
             std::string(error.what()) + " in '" + base + "/audit' row " + std::to_string(row));
    }
  }
}

// The run manifest: per organization, the chain's length and head and the deployment rows' digest.
void read_audit_manifest(const ResultsReader& reader, const Lookups& lookups,
                         const std::string& base, RunRecords& run) {
  const std::filesystem::path& path = reader.path();
  const ColumnTableReader manifest = reader.table(base + "/audit_manifest");
  const std::uint64_t entries = manifest.rows();
  if (entries != lookups.organizations.size()) {
    reject(path, "'" + base + "/audit_manifest' has " + std::to_string(entries) +
                     " entries; expected one per organization (" +
                     std::to_string(lookups.organizations.size()) + ")");
  }
  const auto codes = table_column<std::uint16_t>(manifest, path, "organization", entries);
  const auto record_counts = table_column<std::uint64_t>(manifest, path, "records", entries);
  const auto deployment_counts =
      table_column<std::uint64_t>(manifest, path, "deployments", entries);
  for (const char* name : {"head", "deployments_sha256"}) {
    if (!manifest.has_column(name)) {
      reject(path, "has no column '" + std::string(name) + "' in '" + base + "/audit_manifest'");
    }
  }
  const std::vector<std::string> heads = manifest.column("head").read_strings();
  const std::vector<std::string> digests = manifest.column("deployments_sha256").read_strings();
  if (heads.size() != entries || digests.size() != entries) {
    reject(path, "audit manifest hash columns of '" + base + "' do not have " +
                     std::to_string(entries) + " rows");
  }
  for (std::size_t row = 0; row < entries; ++row) {
    AuditManifestEntry entry;
    entry.organization = codes[row];
    entry.records = record_counts[row];
    entry.deployments = deployment_counts[row];
    try {
      entry.head = hash_from_hex(heads[row]);
      entry.deployments_sha256 = hash_from_hex(digests[row]);
    } catch (const ResultsFileError& error) {
      reject(path, std::string(error.what()) + " in '" + base + "/audit_manifest' row " +
                       std::to_string(row));
    }
    run.audit_manifest.push_back(entry);
  }
}

// The awu table (policies through /lookup/awu_policies) and the services table.
void read_awu_tables(const ResultsReader& reader, const Lookups& lookups, const std::string& base,
                     RunRecords& run) {
  const std::filesystem::path& path = reader.path();
  const ColumnTableReader awus = reader.table(base + "/awu");
  const std::uint64_t rows = awus.rows();
  run.awus.resize(rows);
  read_fields(awus, awu_fields(lookups.organizations), run.awus, path);
  const auto policies = table_column<std::uint32_t>(awus, path, "policy", rows);
  for (std::size_t row = 0; row < rows; ++row) {
    if (policies[row] >= lookups.awu_policies.size()) {
      reject(path, "code " + std::to_string(policies[row]) +
                       " is outside lookup table '/lookup/awu_policies' in '" + base +
                       "/awu' row " + std::to_string(row));
    }
    run.awus[row].policy = lookups.awu_policies[policies[row]];
  }

  const ColumnTableReader services = reader.table(base + "/services");
  const std::uint64_t service_rows = services.rows();
  const auto organizations =
      table_column<std::uint16_t>(services, path, "organization", service_rows);
  const auto indices = table_column<std::uint16_t>(services, path, "service", service_rows);
  const auto names = table_column<std::uint32_t>(services, path, "name", service_rows);
  run.service_names.assign(lookups.organizations.size(), {});
  for (std::size_t row = 0; row < service_rows; ++row) {
    if (organizations[row] >= lookups.organizations.size()) {
      reject(path, "services row " + std::to_string(row) + " of '" + base +
                       "' has an unknown organization code");
    }
    std::vector<std::string>& list = run.service_names[organizations[row]];
    if (indices[row] != list.size()) {
      reject(path, "services row " + std::to_string(row) + " of '" + base + "' has service " +
                       std::to_string(indices[row]) + ", expected " + std::to_string(list.size()) +
                       " (services in index order)");
    }
    list.push_back(label_at(lookups.service_names, names[row], path, "service_names"));
  }
}

// The independent safety checker's findings.
void read_violations(const ResultsReader& reader, const Lookups& lookups, const std::string& base,
                     RunRecords& run) {
  const std::filesystem::path& path = reader.path();
  const ColumnTableReader violations = reader.table(base + "/violations");
  const std::uint64_t violation_rows = violations.rows();
  const auto violation_ids =
      table_column<std::uint64_t>(violations, path, "deployment_id", violation_rows);
  const auto violation_codes =
      table_column<std::uint32_t>(violations, path, "policy", violation_rows);
  run.violations.resize(violation_rows);
  for (std::size_t row = 0; row < violation_rows; ++row) {
    run.violations[row].deployment = violation_ids[row];
    run.violations[row].policy =
        label_at(lookups.violation_policies, violation_codes[row], path, "policies");
  }
}

// The one-row summary table.
void read_summary(const ResultsReader& reader, const std::string& base, RunRecords& run) {
  const std::filesystem::path& path = reader.path();
  const ColumnTableReader summary = reader.table(base + "/summary");
  if (summary.rows() != 1) {
    reject(path, "table '" + base + "/summary' has " + std::to_string(summary.rows()) +
                     " rows, expected 1");
  }
  std::vector<models::StrategySummary> summaries(1);
  read_fields(summary, summary_fields(), summaries, path);
  run.summary = summaries.front();
  for (int point = 0; point < models::kCatchPointCount; ++point) {
    const std::string name = std::string("caught_at_") +
                             models::catch_point_name(static_cast<models::CatchPoint>(point));
    run.summary.caught_at[static_cast<std::size_t>(point)] =
        table_column<std::uint64_t>(summary, path, name, 1).front();
    const std::string met =
        std::string("met_at_") + models::catch_point_name(static_cast<models::CatchPoint>(point));
    run.summary.met_at[static_cast<std::size_t>(point)] =
        table_column<std::uint64_t>(summary, path, met, 1).front();
  }
  run.wall_seconds = table_column<double>(summary, path, "wall_seconds", 1).front();
}

void read_run(const ResultsReader& reader, const Lookups& lookups, const ReadOptions& options,
              RunRecords& run) {
  const std::filesystem::path& path = reader.path();
  const std::string base = "/" + run_group_path(run.strategy, run.replication);
  const Group group = reader.group(base);
  run.seed = required_attribute<std::uint64_t>(group, path, "seed");
  run.events = required_attribute<std::uint64_t>(group, path, "events");
  run.unfinished = required_attribute<std::uint64_t>(group, path, "unfinished");
  if (group.has_attribute("warmup_arrivals"))
    run.warmup_arrivals = group.read_attribute<std::uint64_t>("warmup_arrivals");

  const ColumnTableReader deployments = reader.table(base + "/deployments");
  run.deployments.resize(deployments.rows());
  read_fields(deployments, deployment_fields(lookups.organizations), run.deployments, path);
  const auto in_flight = static_cast<std::uint64_t>(std::count_if(
      run.deployments.begin(), run.deployments.end(),
      [](const DeploymentRecord& d) { return d.outcome == models::Outcome::InFlight; }));
  if (in_flight != run.unfinished) {
    reject(path, "run '" + base + "' has " + std::to_string(in_flight) +
                     " in_flight deployment rows but its 'unfinished' attribute says " +
                     std::to_string(run.unfinished));
  }

  if (options.canary_stages) {
    const ColumnTableReader stages = reader.table(base + "/canary_stages");
    run.stages.resize(stages.rows());
    read_fields(stages, canary_stage_fields(), run.stages, path);
  }
  if (options.audit) {
    read_audit_table(reader, lookups, base, run);
  }
  if (options.audit) {
    read_audit_manifest(reader, lookups, base, run);
  }
  if (options.resources) {
    const ColumnTableReader resources = reader.table(base + "/resources");
    run.samples.resize(resources.rows());
    read_fields(resources, resource_fields(lookups.organizations), run.samples, path);
  }

  if (options.awu) {
    read_awu_tables(reader, lookups, base, run);
  }
  read_violations(reader, lookups, base, run);
  read_summary(reader, base, run);
}

// The attributes later steps interpret, checked before anything is allocated from them. A task
// file holds its task's replications only.
void check_provenance(const ResultsReader& reader, const StudyProvenance& provenance,
                      std::uint32_t task_index, std::uint32_t task_count) {
  const std::filesystem::path& path = reader.path();
  constexpr std::uint32_t kMaxReplications = 10000;  // the scenario key's range
  if (provenance.replications < 1 || provenance.replications > kMaxReplications) {
    reject(path, "has replications=" + std::to_string(provenance.replications) + "; expected 1.." +
                     std::to_string(kMaxReplications));
  }
  if (task_count < 1 || task_count > provenance.replications || task_index >= task_count) {
    reject(path, "has task_index=" + std::to_string(task_index) +
                     " and task_count=" + std::to_string(task_count) +
                     "; expected 0 <= task_index < task_count <= replications");
  }
  std::uint32_t expected = 0;
  for (std::uint32_t r = 0; r < provenance.replications; ++r)
    expected += replication_in_task(r, task_index, task_count) ? 1 : 0;
  for (const std::string& strategy : provenance.strategies) {
    const std::string group = "/runs/" + strategy;
    const std::vector<std::string> runs = reader.group(group).group_names();
    if (runs.size() != expected) {
      reject(path, "has " + std::to_string(runs.size()) + " run group(s) in '" +
                       engine::printable_text(group) + "'; expected " +
                       (task_count > 1
                            ? std::to_string(expected) + " (task " + std::to_string(task_index) +
                                  " of " + std::to_string(task_count) + ")"
                            : "replications=" + std::to_string(provenance.replications)));
    }
  }
  try {
    models::days_from_iso_date(provenance.start_date);
  } catch (const std::invalid_argument&) {
    reject(path, "has start_date='" + engine::printable_text(provenance.start_date) +
                     "'; expected an ISO date YYYY-MM-DD");
  }
  if (!nlohmann::json::accept(provenance.config_json)) {
    reject(path, "has a config_json attribute that is not JSON; expected the resolved scenario");
  }
}

// The study's provenance from the root attributes and /lookup/strategies.
void read_provenance(const ResultsReader& reader, StudyProvenance& provenance) {
  const File& file = reader.file();
  const std::filesystem::path& path = reader.path();
  provenance.scenario = required_attribute<std::string>(file, path, "scenario");
  provenance.config_json = required_attribute<std::string>(file, path, "config_json");
  provenance.command_line = required_attribute<std::string>(file, path, "command_line");
  provenance.start_date = required_attribute<std::string>(file, path, "start_date");
  provenance.duration_days = required_attribute<std::uint32_t>(file, path, "duration_days");
  provenance.master_seed = required_attribute<std::uint64_t>(file, path, "master_seed");
  provenance.replications = required_attribute<std::uint32_t>(file, path, "replications");
  provenance.threads = required_attribute<std::uint32_t>(file, path, "threads");
  provenance.wall_time_s = required_attribute<double>(file, path, "wall_time_s");
  provenance.events_processed = required_attribute<std::uint64_t>(file, path, "events_processed");
  provenance.strategies = unique_lookup_labels(reader, "strategies");
  if (provenance.strategies.empty()) {
    reject(path, "lists no strategies in '/lookup/strategies'");
  }
}

// The organizations (into the provenance) and the dictionaries the runs' codes point into.
Lookups read_lookups(const ResultsReader& reader, const ReadOptions& options,
                     StudyProvenance& provenance) {
  const std::filesystem::path& path = reader.path();
  Lookups lookups;
  lookups.organizations = unique_lookup_labels(reader, "organizations");
  const std::size_t organization_count = lookups.organizations.size();
  const auto services =
      lookup_column<std::uint16_t>(reader, "organizations", "services", organization_count);
  const auto runners =
      lookup_column<std::uint16_t>(reader, "organizations", "ci_runners", organization_count);
  const auto reviewers =
      lookup_column<std::uint16_t>(reader, "organizations", "reviewers", organization_count);
  for (std::size_t o = 0; o < organization_count; ++o) {
    provenance.organizations.push_back(
        OrganizationInfo{lookups.organizations[o], services[o], runners[o], reviewers[o]});
  }
  lookups.violation_policies = lookup_labels(reader, "policies");
  if (options.audit) {
    lookups.actions = lookup_labels(reader, "audit_actions");
    lookups.decisions = lookup_labels(reader, "audit_decisions");
    lookups.policy_sets = lookup_labels(reader, "audit_policies");
  }
  if (options.awu) {
    for (const std::string& label : lookup_labels(reader, "awu_policies")) {
      const std::optional<models::AwuPolicy> policy = models::parse_awu_policy(label);
      if (!policy) {
        reject(path, "lookup table '/lookup/awu_policies' has the unknown policy '" + label + "'");
      }
      lookups.awu_policies.push_back(*policy);
    }
    lookups.service_names = lookup_labels(reader, "service_names");
  }
  return lookups;
}

}  // namespace

struct StudyReader::State {
  explicit State(const std::filesystem::path& file) : reader(file) {}
  ResultsReader reader;
  ReadOptions options;
  StudyProvenance provenance;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::uint32_t task_index = 0;
  std::uint32_t task_count = 1;
  Lookups lookups;
};

StudyReader::StudyReader(const std::filesystem::path& path, const ReadOptions& options,
                         bool allow_task_file)
    : state_(std::make_unique<State>(path)) {
  State& state = *state_;
  state.options = options;
  try {
    const File& file = state.reader.file();
    for (const std::string& name : file.attribute_names()) {
      state.attributes.emplace_back(name, attribute_text(file, name));
    }
    read_provenance(state.reader, state.provenance);
    if (file.has_attribute("task_count")) {
      state.task_index = required_attribute<std::uint32_t>(file, path, "task_index");
      state.task_count = required_attribute<std::uint32_t>(file, path, "task_count");
      if (!allow_task_file) {
        reject(path, "is task " + std::to_string(state.task_index) + " of " +
                         std::to_string(state.task_count) +
                         " of a study (some replications only); expected a whole study: join "
                         "the tasks' files with `genops-sim merge DIR --out study.h5`");
      }
    }
    check_provenance(state.reader, state.provenance, state.task_index, state.task_count);
    state.lookups = read_lookups(state.reader, options, state.provenance);
  } catch (const Hdf5Error& error) {
    reject(path, "is damaged: " + std::string(error.what()));
  }
}

StudyReader::~StudyReader() = default;

const std::filesystem::path& StudyReader::path() const {
  return state_->reader.path();
}
const StudyProvenance& StudyReader::provenance() const {
  return state_->provenance;
}
const std::vector<std::pair<std::string, std::string>>& StudyReader::attributes() const {
  return state_->attributes;
}
std::uint32_t StudyReader::task_index() const {
  return state_->task_index;
}
std::uint32_t StudyReader::task_count() const {
  return state_->task_count;
}

RunRecords StudyReader::read_run(std::size_t strategy, std::uint32_t replication) const {
  GENOPS_ASSERT(strategy < state_->provenance.strategies.size() && has_run(replication),
                "the run is in the file");
  RunRecords run;
  run.strategy = state_->provenance.strategies[strategy];
  run.replication = replication;
  try {
    genops::results::read_run(state_->reader, state_->lookups, state_->options, run);
  } catch (const Hdf5Error& error) {
    reject(path(), "is damaged: " + std::string(error.what()));
  }
  return run;
}

StudyRecords read_study(const std::filesystem::path& path, const ReadOptions& options) {
  const StudyReader reader(path, options);
  StudyRecords study;
  study.path = path;
  study.read = options;
  study.attributes = reader.attributes();
  study.provenance = reader.provenance();
  const StudyProvenance& provenance = study.provenance;
  study.runs.reserve(provenance.strategies.size() * provenance.replications);
  for (std::size_t s = 0; s < provenance.strategies.size(); ++s) {
    for (std::uint32_t r = 0; r < provenance.replications; ++r) {
      study.runs.push_back(reader.read_run(s, r));
    }
  }
  return study;
}

}  // namespace genops::results
