#pragma once

// A study's records <-> one HDF5 results file (layout: analysis/README.md). The writer streams
// each run's records straight from the caller's vectors into column tables (ColumnTableWriter
// buffers one chunk per column), so a run is never copied; the reader rebuilds the records per
// (strategy, replication) for compare and report. Knows models/ record types, not scenarios/.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/metrics.hpp"
#include "models/records.hpp"
#include "models/safety_checker.hpp"
#include "results/results_file.hpp"

namespace genops::results {

// What the study looked like; written as root attributes and /lookup tables.
struct OrganizationInfo {
  std::string name;  // spaces are written as '_' in flag_meanings
  std::uint16_t services = 0;
  std::uint16_t ci_runners = 0;
  std::uint16_t reviewers = 0;
};

struct StudyProvenance {
  std::string scenario;
  std::string config_json;  // the fully resolved scenario
  std::string command_line;
  std::string start_date;  // ISO date of simulated day 0
  std::uint32_t duration_days = 0;
  std::uint64_t master_seed = 0;
  std::uint32_t replications = 0;
  std::uint32_t threads = 0;
  double wall_time_s = 0;
  std::uint64_t events_processed = 0;
  std::vector<std::string> strategies;  // in run order
  std::vector<OrganizationInfo> organizations;
  // Wall-clock seconds of the steps of `run` before the file was written, in order; root
  // attributes `step_seconds_<step>` (f64). Like wall_time_s they describe the run, not its
  // results, and differ from run to run.
  std::vector<std::pair<std::string, double>> step_seconds = {};
  // Further root attributes (name, text), e.g. a sweep point's identity (sweep_point,
  // sweep_factors, sweep_overrides); written after the ones above.
  std::vector<std::pair<std::string, std::string>> attributes = {};
};

// One organization's records of one run: views into the caller's vectors (never copied).
struct OrganizationRecords {
  std::span<const models::DeploymentRecord> deployments;
  std::span<const models::CanaryStageRecord> stages;
  std::span<const models::AuditRecord> audit;  // this organization's hash chain
  std::span<const models::ResourceSample> samples;
  // Default initialisers keep older positional initialisations (without these two) valid.
  std::span<const models::AwuRecord> awus = {};     // GenOps AWUs (none for non-AI strategies)
  std::span<const std::string> service_names = {};  // by service id (the AWU export needs them)
};

// One organization's line in a run's audit manifest (/runs/<s>/rep<k>/audit_manifest): what the
// trail and the deployment rows looked like when the run wrote them.
struct AuditManifestEntry {
  std::uint32_t organization = 0;
  std::uint64_t records = 0;                          // audit records in the chain
  std::array<std::uint8_t, 32> head{};                // the last hash (the genesis when empty)
  std::uint64_t deployments = 0;                      // the organization's deployment rows
  std::array<std::uint8_t, 32> deployments_sha256{};  // deployments_digest() of those rows
};

// SHA-256 of deployment rows in the deployments table's column encoding (every column, each
// value as its stored type, little-endian, row after row): binds the trail to the rows.
std::array<std::uint8_t, 32> deployments_digest(std::span<const models::DeploymentRecord> rows);

// The run manifest's digest: SHA-256 (or HMAC-SHA-256 with a non-empty `key`) of
// "genops-audit-manifest-v2", the study's identity (strategies, replications, master seed,
// organization count, config_sha256) and every run's manifest entries in study order
// (`manifests[s * replications + r]`). Keep it elsewhere: `audit verify --expect DIGEST`.
std::array<std::uint8_t, 32> audit_manifest_digest(
    const StudyProvenance& provenance, std::string_view config_sha256,
    const std::vector<std::vector<AuditManifestEntry>>& manifests, std::string_view key = {});

// One (strategy, replication) run to write.
struct RunView {
  std::string strategy;
  std::uint32_t replication = 0;
  std::uint64_t seed = 0;
  std::uint64_t events = 0;
  double wall_seconds = 0;
  std::vector<OrganizationRecords> organizations;  // in organization order
  std::span<const models::SafetyViolation> violations;
  models::StrategySummary
      summary;  // summarize() of the run's records, stored as the one-row `summary`
  // Changes that arrived during the scenario's warm-up (warmup_days) and are in no table; the
  // run's 'warmup_arrivals' attribute, written only when > 0.
  std::uint64_t warmup_arrivals = 0;
};

// How tables are stored. The default is the layout's gzip level 1 + shuffle (every HDF5 reader
// decodes it); gzip_level 0 stores raw chunks (faster to write, about twice the size).
struct WriteOptions {
  unsigned gzip_level = 1;
  bool shuffle = true;
  std::string audit_key = {};  // non-empty: also store the manifest's HMAC-SHA-256 with it
  OutputOptions output = {};   // the option naming the file, and whether it may be replaced
  // One task of a study split by replication (`run --task-index I --task-count N`): the file
  // holds replications I, I+N, ... of every strategy and says so in the root attributes
  // task_index and task_count (u32). read_study() refuses it; `genops-sim merge` joins the
  // tasks' files into the study's file. The default {0, 1} is a whole study.
  std::uint32_t task_index = 0;
  std::uint32_t task_count = 1;
};

// Whether replication `replication` belongs to task `index` of `count` (replications I, I+N, ...).
constexpr bool replication_in_task(std::uint32_t replication, std::uint32_t index,
                                   std::uint32_t count) {
  return count <= 1 || replication % count == index;
}

// Writes `<path>.partial`, one run at a time, then finalize() renames it to `<path>`. Destroying
// the writer without finalize() leaves only the `.partial` file. ResultsFileError when the
// file cannot be created or a run does not fit the provenance; Hdf5Error on write failures.
class StudyResultsWriter {
 public:
  StudyResultsWriter(std::filesystem::path path, const StudyProvenance& provenance,
                     const WriteOptions& options = {});
  ~StudyResultsWriter();
  StudyResultsWriter(const StudyResultsWriter&) = delete;
  StudyResultsWriter& operator=(const StudyResultsWriter&) = delete;

  // Writes /runs/<strategy>/rep<replication>/{deployments, canary_stages, audit, resources,
  // awu, services, violations, summary}; each (strategy, replication) at most once. The same as
  // begin_run(run), append(run.organizations), end_run(run).
  void write_run(const RunView& run);

  // A run written as it is produced, so its records need not be held: begin_run() (strategy,
  // replication and seed of `run`), append() the organizations in organization order (any
  // number of calls, each of whole organizations), end_run() (events, wall_seconds,
  // violations and summary of `run`; its organizations are ignored). One run is open at a
  // time; the file's content is exactly write_run()'s: a table's rows are buffered until its
  // layout is known (at most kDefaultChunkRows / 2 rows, then chunks stream to the file), the
  // audit hashes go to a temporary file (64 bytes per audit row) until the run's row count
  // sizes their datasets, and the audit manifest is hashed organization by organization.
  void begin_run(const RunView& run);
  void append(std::span<const OrganizationRecords> organizations);
  void end_run(const RunView& run);
  // Checks every run of the provenance was written, writes the lookup tables and
  // status="complete" (last) and renames the file.
  void finalize();
  // Rewrites the wall_time_s and events_processed attributes, for writers that stream runs
  // before the study's totals are known.
  void record_totals(double wall_time_s, std::uint64_t events_processed);
  // Rewrites the step_seconds_<step> attributes (StudyProvenance::step_seconds), for writers
  // opened before the steps were timed.
  void record_step_seconds(const std::vector<std::pair<std::string, double>>& step_seconds);

  const std::filesystem::path& path() const { return writer_.path(); }
  // The audit manifest digest (hex) finalize() stored; "" before.
  const std::string& audit_manifest_sha256() const { return manifest_sha256_; }

 private:
  std::uint32_t code_of(std::unordered_map<std::string, std::uint32_t>& codes,
                        std::vector<std::string>& labels, const std::string& text);
  void write_violations(Group& run, const RunView& view);
  void write_summary(Group& run, const RunView& view, std::uint64_t unfinished);
  void write_audit_manifest(Group& run, std::size_t slot);
  void append_organization(const OrganizationRecords& organization);

  struct OpenRun;  // the run between begin_run() and end_run()
  std::unique_ptr<OpenRun> open_;

  ResultsWriter writer_;
  StudyProvenance provenance_;
  WriteOptions options_;
  std::vector<bool> written_;                               // strategy-major, like the study's runs
  std::vector<std::vector<AuditManifestEntry>> manifests_;  // by slot, like written_
  std::string manifest_sha256_;
  // Dictionaries of the free-text audit fields and violated policies (codes in first-seen
  // order; the /lookup tables are written by finalize()).
  std::unordered_map<std::string, std::uint32_t> action_codes_, decision_codes_, policy_set_codes_,
      violation_codes_;
  std::vector<std::string> actions_, decisions_, policy_sets_, violation_policies_;
  // AWU policies and service names, the same way; an AWU policy's code, by policy, once known
  // (kNoCode before), saves a string hash per row.
  static constexpr std::uint32_t kNoCode = ~std::uint32_t{0};
  std::unordered_map<std::string, std::uint32_t> awu_policy_codes_, service_name_codes_;
  std::array<std::uint32_t, models::kAwuPolicyCount> awu_policy_code_of_;
  std::vector<std::string> awu_policies_, service_name_labels_;
};

// One (strategy, replication) run read back. Records are in the order they were written
// (organization order, then each organization's own order).
struct RunRecords {
  std::string strategy;
  std::uint32_t replication = 0;
  std::uint64_t seed = 0;
  std::uint64_t events = 0;
  double wall_seconds = 0;
  std::uint64_t unfinished = 0;       // deployment rows InFlight (the run's 'unfinished' attribute)
  std::uint64_t warmup_arrivals = 0;  // the optional 'warmup_arrivals' attribute (0: absent)
  std::vector<models::DeploymentRecord> deployments;
  std::vector<models::CanaryStageRecord> stages;
  std::vector<models::AuditRecord> audit;
  std::vector<std::uint16_t> audit_organization;   // the hash chain of each audit row
  std::vector<AuditManifestEntry> audit_manifest;  // one entry per organization
  std::vector<models::ResourceSample> samples;
  // AWUs in written order (organization order); each names its organization and service.
  std::vector<models::AwuRecord> awus;
  std::vector<std::vector<std::string>> service_names;  // [organization][service id]
  std::vector<models::SafetyViolation> violations;
  models::StrategySummary summary;
};

// Which of the bigger optional tables to read (deployments, violations and summary always are).
struct ReadOptions {
  bool canary_stages = true;
  bool audit = true;
  bool resources = true;
  bool awu = true;  // the awu and services tables (RunRecords::awus, service_names)
};

struct StudyRecords {
  std::filesystem::path path;
  ReadOptions read;  // which optional tables were read
  StudyProvenance provenance;
  // Every root attribute as (name, text), in the order written: versions, git sha, ...
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<RunRecords> runs;  // strategy-major: runs[s * replications + r]

  std::size_t strategy_index(std::string_view strategy) const;  // npos when absent
  const RunRecords& run(std::size_t strategy, std::uint32_t replication) const {
    return runs[strategy * provenance.replications + replication];
  }
  // The text of a root attribute ("" when absent).
  std::string attribute(std::string_view name) const;
};

// Reads a finished results file run by run, so a caller can hold one run at a time (merge,
// export). Opening reads and checks the provenance and the lookup tables; read_run() reads one
// (strategy, replication) group. A task file (WriteOptions::task_index/task_count) is opened
// only with `allow_task_file`; its runs are the task's replications. ResultsFileError as for
// read_study().
class StudyReader {
 public:
  explicit StudyReader(const std::filesystem::path& path, const ReadOptions& options = {},
                       bool allow_task_file = false);
  ~StudyReader();
  StudyReader(const StudyReader&) = delete;
  StudyReader& operator=(const StudyReader&) = delete;

  const std::filesystem::path& path() const;
  const StudyProvenance& provenance() const;
  // Every root attribute as (name, text), in the order written.
  const std::vector<std::pair<std::string, std::string>>& attributes() const;
  std::uint32_t task_index() const;
  std::uint32_t task_count() const;  // 1 for a whole study
  // Whether the file holds the run (every replication of a whole study; the task's ones).
  bool has_run(std::uint32_t replication) const {
    return replication < provenance().replications &&
           replication_in_task(replication, task_index(), task_count());
  }
  RunRecords read_run(std::size_t strategy, std::uint32_t replication) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Writes a whole study (one StudyResultsWriter, runs in the order given).
void write_study(const std::filesystem::path& path, const StudyProvenance& provenance,
                 std::span<const RunView> runs, const WriteOptions& options = {});

// Reads a finished results file. ResultsFileError (one line naming the file) for a missing,
// unfinished, foreign, truncated or damaged file, a missing group, table, column or
// attribute, and codes outside a column's categories.
StudyRecords read_study(const std::filesystem::path& path, const ReadOptions& options = {});

// Lowercase hex of a SHA-256 digest (the audit table's hash columns) and back; from_hex throws
// ResultsFileError on anything but 64 hex digits.
std::string hash_to_hex(const std::array<std::uint8_t, 32>& hash);
// Lowercase hex SHA-256 of `text` (the config_sha256 attribute is that of config_json).
std::string sha256_hex(std::string_view text);
std::array<std::uint8_t, 32> hash_from_hex(std::string_view hex);

// Versions and build facts recorded as provenance (root attributes).
struct BuildInfo {
  std::string engine_version;
  std::string git_sha;  // "unknown" outside a git checkout
  std::string build_type;
  std::string compiler;
  std::string boost_version;
  std::string hdf5_version;
  std::string tbb_version;
  std::string eigen_version;
};
BuildInfo build_info();

}  // namespace genops::results
