#include "results/study_merge.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>

#include "engine/error.hpp"

namespace genops::results {

namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw ResultsFileError("merge: " + message);
}

std::string attribute_of(const StudyReader& reader, std::string_view name) {
  for (const auto& [key, value] : reader.attributes()) {
    if (key == name)
      return value;
  }
  return "";
}

// What makes two files parts of one study: the same resolved scenario (config_sha256 covers
// the seed, replications and strategies too; they are compared by name for a clearer
// message) and the same engine version (the same scenario may simulate differently in another).
void check_same_study(const StudyReader& first, const StudyReader& other) {
  const StudyProvenance& a = first.provenance();
  const StudyProvenance& b = other.provenance();
  const auto differ = [&](std::string_view what, const std::string& left,
                          const std::string& right) {
    refuse(other.path().string() + " is not part of the study of " + first.path().string() + ": " +
           std::string(what) + " " + right + " differs from " + left);
  };
  if (a.master_seed != b.master_seed)
    differ("master_seed", std::to_string(a.master_seed), std::to_string(b.master_seed));
  if (a.replications != b.replications)
    differ("replications", std::to_string(a.replications), std::to_string(b.replications));
  std::string left_strategies;
  std::string right_strategies;
  for (const auto& s : a.strategies)
    left_strategies += (left_strategies.empty() ? "" : ",") + s;
  for (const auto& s : b.strategies)
    right_strategies += (right_strategies.empty() ? "" : ",") + s;
  if (left_strategies != right_strategies)
    differ("strategies", left_strategies, right_strategies);
  for (const char* name : {"config_sha256", "engine_version"}) {
    const std::string left = attribute_of(first, name);
    const std::string right = attribute_of(other, name);
    if (left != right)
      differ(name, left, right);
  }
}

// Rows of one run, in organization order (the writer's order), cut into one slice per
// organization; `organization_of(row)` gives a row's organization.
template <typename Record, typename OrganizationOf>
std::vector<std::span<const Record>> by_organization(const std::vector<Record>& rows,
                                                     std::size_t organizations,
                                                     OrganizationOf organization_of,
                                                     const std::string& where) {
  std::vector<std::size_t> counts(organizations, 0);
  std::size_t previous = 0;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    const std::size_t organization = organization_of(row);
    if (organization >= organizations || organization < previous)
      refuse(where + " row " + std::to_string(row) +
             " is out of organization order; expected the writer's order");
    previous = organization;
    ++counts[organization];
  }
  std::vector<std::span<const Record>> slices;
  std::size_t offset = 0;
  for (const std::size_t count : counts) {
    slices.push_back(std::span<const Record>(rows).subspan(offset, count));
    offset += count;
  }
  return slices;
}

// A run read back, as the writer's view (slices of `run`, which must outlive it).
RunView view_of(const RunRecords& run, std::size_t organizations, const std::string& where) {
  const auto deployments = by_organization(
      run.deployments, organizations,
      [&](std::size_t row) { return run.deployments[row].organization; }, where + "/deployments");
  const auto stages = by_organization(
      run.stages, organizations,
      [&](std::size_t row) { return models::organization_of(run.stages[row].deployment); },
      where + "/canary_stages");
  const auto audit = by_organization(
      run.audit, organizations, [&](std::size_t row) { return run.audit_organization[row]; },
      where + "/audit");
  const auto samples = by_organization(
      run.samples, organizations, [&](std::size_t row) { return run.samples[row].organization; },
      where + "/resources");
  const auto awus = by_organization(
      run.awus, organizations, [&](std::size_t row) { return run.awus[row].organization; },
      where + "/awu");
  RunView view;
  view.strategy = run.strategy;
  view.replication = run.replication;
  view.seed = run.seed;
  view.events = run.events;
  view.wall_seconds = run.wall_seconds;
  for (std::size_t o = 0; o < organizations; ++o) {
    OrganizationRecords records{deployments[o], stages[o], audit[o], samples[o], awus[o]};
    if (o < run.service_names.size())
      records.service_names = run.service_names[o];
    view.organizations.push_back(records);
  }
  // The writer counts the run's unfinished changes from the rows themselves (schema 3: every
  // arrival is a row, in-flight changes included).
  view.violations = run.violations;
  view.summary = run.summary;
  view.warmup_arrivals = run.warmup_arrivals;
  return view;
}

// The manifest the run stored must be the one its rows give: a task file edited after it was
// written is refused instead of being sealed into the merged file's digest.
void check_manifest(const RunRecords& run, const RunView& view, const std::string& where) {
  if (run.audit_manifest.size() != view.organizations.size())
    refuse(where + "/audit_manifest has " + std::to_string(run.audit_manifest.size()) +
           " entries; expected " + std::to_string(view.organizations.size()));
  for (std::size_t o = 0; o < view.organizations.size(); ++o) {
    const OrganizationRecords& records = view.organizations[o];
    const AuditManifestEntry& entry = run.audit_manifest[o];
    const bool head_ok = records.audit.empty() || records.audit.back().hash == entry.head;
    if (entry.records != records.audit.size() || entry.deployments != records.deployments.size() ||
        !head_ok || entry.deployments_sha256 != deployments_digest(records.deployments)) {
      refuse(where + "/audit_manifest entry " + std::to_string(o) +
             " does not match the run's rows (the file was changed after it was written)");
    }
  }
}

}  // namespace

std::vector<std::filesystem::path> merge_inputs(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  for (const std::filesystem::path& path : paths) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> found;
      for (std::filesystem::directory_iterator entry(path, error), end; !error && entry != end;
           entry.increment(error)) {
        const std::string name = entry->path().filename().string();
        if (name.ends_with(kPartialSuffix))
          refuse(entry->path().string() +
                 " is a partial file (a task still writing, or killed); expected finished files "
                 "only");
        if (name.ends_with(".h5"))
          found.push_back(entry->path());
      }
      if (error)
        refuse(path.string() + ": cannot list the directory: " + error.message());
      if (found.empty())
        refuse(path.string() + ": no *.h5 files in the directory");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (path.string().ends_with(kPartialSuffix)) {
      refuse(path.string() + " is a partial file (a task still writing, or killed)");
    } else if (!std::filesystem::exists(path, error)) {
      refuse(path.string() + ": no such file or directory");
    } else {
      files.push_back(path);
    }
  }
  if (files.empty())
    refuse("expected at least one results file or directory");
  return files;
}

MergeReport merge_study(const std::vector<std::filesystem::path>& inputs,
                        const std::filesystem::path& out, const MergeOptions& options) {
  // Open every input (provenance and lookup tables only) and find each replication's file.
  std::vector<std::unique_ptr<StudyReader>> readers;
  for (const auto& input : inputs) {
    for (const auto& reader : readers) {
      if (same_file(reader->path(), input))
        refuse(input.string() + " is named twice");
    }
    readers.push_back(std::make_unique<StudyReader>(input, ReadOptions{}, true));
    check_same_study(*readers.front(), *readers.back());
  }
  const StudyProvenance& study = readers.front()->provenance();
  std::vector<std::optional<std::size_t>> source(study.replications);
  for (std::size_t i = 0; i < readers.size(); ++i) {
    for (std::uint32_t r = 0; r < study.replications; ++r) {
      if (!readers[i]->has_run(r))
        continue;
      if (source[r])
        refuse("replication " + std::to_string(r) + " is in both " +
               readers[*source[r]]->path().string() + " and " + readers[i]->path().string());
      source[r] = i;
    }
  }
  std::string missing;
  for (std::uint32_t r = 0; r < study.replications; ++r) {
    if (!source[r])
      missing += (missing.empty() ? "" : ", ") + std::to_string(r);
  }
  if (!missing.empty())
    refuse("replication(s) " + missing + " of " + std::to_string(study.replications) +
           " are in none of the inputs (a task's file is missing)");

  StudyProvenance provenance = study;
  provenance.command_line = options.command_line;
  provenance.step_seconds.clear();
  provenance.attributes.clear();
  provenance.threads = 0;
  for (const auto& reader : readers)
    provenance.threads = std::max(provenance.threads, reader->provenance().threads);
  WriteOptions write = options.write;
  write.task_index = 0;
  write.task_count = 1;
  StudyResultsWriter writer(out, provenance, write);
  MergeReport report;
  double wall_seconds = 0;
  std::uint64_t events = 0;
  for (const auto& reader : readers)
    wall_seconds += reader->provenance().wall_time_s;
  for (std::size_t s = 0; s < study.strategies.size(); ++s) {
    for (std::uint32_t r = 0; r < study.replications; ++r) {
      const StudyReader& reader = *readers[*source[r]];
      const RunRecords run = reader.read_run(s, r);  // the one run held in memory
      const std::string where =
          reader.path().string() + ": /runs/" + run.strategy + "/rep" + std::to_string(r);
      const RunView view = view_of(run, study.organizations.size(), where);
      check_manifest(run, view, where);
      writer.write_run(view);
      events += run.events;
      ++report.runs;
    }
  }
  writer.record_totals(wall_seconds, events);
  writer.finalize();
  report.inputs = readers.size();
  report.replications = study.replications;
  report.strategies = study.strategies.size();
  report.audit_manifest_sha256 = writer.audit_manifest_sha256();
  return report;
}

}  // namespace genops::results
