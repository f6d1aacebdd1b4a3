// retrieval_bench: the context-retrieval index, exact (the reference) against approximate
// (HNSW), as an organization's history grows.
//   BM_RetrievalQuery/<kind>/<rows>   one top-10 query on an index holding <rows> embeddings
// Rows are embeddings of synthetic changes (models/retrieval.hpp's embed_change) of one
// organization with 42 services (paper.toml's organizations hold 36-47), each with 6 components
// whose signatures are random unit vectors as in models/world.cpp (a change touches one, or two
// with probability 0.3, as paper.toml's defaults), uniform arrival times over 8 months; queries
// are further changes of the same organization.
// Counters: recall_at_10 (approximate only): share of the exact top 10 found, a returned row
// counting when its similarity is at least the exact 10th (equal embeddings are common, and
// any of them is an equally good neighbour); id_recall_at_10: the same by row identity;
// us_per_insert: the approximate index's build time per row (CPU time).
// --max_rows=N limits the sizes (CI smoke runs pass a small N).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/random.hpp"
#include "models/calendar.hpp"
#include "models/retrieval.hpp"
#include "models/world.hpp"

namespace genops::models {
namespace {

constexpr int kServices = 42;
constexpr int kNeighbours = 10;
constexpr int kRecallQueries = 200;
constexpr int kDurationDays = 243;
constexpr int kComponents = 6;               // paper.toml's components_per_service
constexpr double kTwoComponentsShare = 0.3;  // paper.toml's two_components_probability

class ChangeGenerator {
 public:
  explicit ChangeGenerator(std::uint64_t seed)
      : calendar_(0, 0, ReviewerConfig{}, {}, {}), rng_(engine::StreamKey{seed, 0, 0, 0, 1}) {
    for (int s = 0; s < kServices; ++s) {
      Service service;
      service.id = s;
      service.tier = static_cast<Tier>(engine::uniform_below(rng_, 4));
      service.blast_radius = static_cast<int>(engine::uniform_below(rng_, 12));
      for (int c = 0; c < kComponents; ++c) {
        ComponentSignature sig{};
        double norm = 0;
        for (float& v : sig) {
          v = static_cast<float>(engine::standard_normal(rng_));
          norm += static_cast<double>(v) * v;
        }
        for (float& v : sig)
          v = static_cast<float>(v / std::sqrt(norm));
        service.component_signature.push_back(sig);
      }
      services_.push_back(service);
    }
  }
  Embedding next() {
    Change change;
    change.service = static_cast<int>(engine::uniform_below(rng_, kServices));
    change.arrival = SimTime::from_ticks(static_cast<SimTime::Rep>(
        engine::uniform01(rng_) * static_cast<double>(SimTime::days(kDurationDays).ticks())));
    change.lines_changed = static_cast<int>(std::exp(engine::uniform(rng_, 0.0, 8.0)));
    change.files_changed = 1 + static_cast<int>(std::exp(engine::uniform(rng_, 0.0, 3.5)));
    change.migration = engine::uniform01(rng_) < 0.05;
    change.config_change = engine::uniform01(rng_) < 0.15;
    change.hotfix = engine::uniform01(rng_) < 0.05;
    change.late_hours = engine::uniform01(rng_) < 0.2;
    change.components[0] = static_cast<std::int8_t>(engine::uniform_below(rng_, kComponents));
    if (engine::uniform01(rng_) < kTwoComponentsShare) {
      const auto other = static_cast<std::int8_t>(engine::uniform_below(rng_, kComponents - 1));
      change.components[1] =
          static_cast<std::int8_t>(other >= change.components[0] ? other + 1 : other);
    }
    return embed_change(change, services_[static_cast<std::size_t>(change.service)], kServices,
                        calendar_);
  }

 private:
  LocalCalendar calendar_;
  engine::RngStream rng_;
  std::vector<Service> services_;
};

// The approximate index's parameters: the scenario defaults unless GENOPS_HNSW="M,efc,ef".
HnswParameters hnsw_parameters() {
  HnswParameters p;
  if (const char* text = std::getenv("GENOPS_HNSW"); text != nullptr) {
    char* end = nullptr;
    p.links = static_cast<int>(std::strtol(text, &end, 10));
    p.ef_construction = static_cast<int>(std::strtol(end + 1, &end, 10));
    p.ef_search = static_cast<int>(std::strtol(end + 1, &end, 10));
  }
  return p;
}

struct Fixture {
  EmbeddingIndex exact;
  EmbeddingIndex approximate{hnsw_parameters(),
                             engine::RngStream(engine::StreamKey{42, 0, 0, 0, 2})};
  std::vector<Embedding> queries;
  double insert_seconds = 0;
  double recall = 0;
  double id_recall = 0;
};

// One fixture per size, built once: the approximate index takes seconds at 10^6 rows.
Fixture& fixture(std::size_t rows) {
  static std::map<std::size_t, std::unique_ptr<Fixture>> fixtures;
  auto& slot = fixtures[rows];
  if (slot)
    return *slot;
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;
  // One organization: history first, then the changes that query it.
  ChangeGenerator organization(7);
  std::vector<Embedding> embeddings(rows);
  for (auto& e : embeddings)
    e = organization.next();
  for (std::size_t r = 0; r < rows; ++r)
    f.exact.add(embeddings[r], r % 7 == 0);
  const std::clock_t start = std::clock();  // CPU time: the machine may be shared
  for (std::size_t r = 0; r < rows; ++r)
    f.approximate.add(embeddings[r], r % 7 == 0);
  f.insert_seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  for (int q = 0; q < kRecallQueries; ++q)
    f.queries.push_back(organization.next());
  std::size_t hits = 0;
  std::size_t id_hits = 0;
  std::size_t wanted = 0;
  for (const auto& query : f.queries) {
    const auto truth = f.exact.top_k(query, kNeighbours);
    const auto found = f.approximate.top_k(query, kNeighbours);
    const float floor = truth.back().second;
    wanted += truth.size();
    for (const auto& [row, score] : found) {
      hits += score >= floor ? 1 : 0;
      id_hits += std::any_of(truth.begin(), truth.end(),
                             [row = row](const auto& t) { return t.first == row; })
                     ? 1
                     : 0;
    }
  }
  f.recall = static_cast<double>(hits) / static_cast<double>(wanted);
  f.id_recall = static_cast<double>(id_hits) / static_cast<double>(wanted);
  return f;
}

void query(benchmark::State& state, bool approximate, std::size_t rows) {
  Fixture& f = fixture(rows);
  const EmbeddingIndex& index = approximate ? f.approximate : f.exact;
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.top_k(f.queries[next], kNeighbours));
    next = next + 1 == f.queries.size() ? 0 : next + 1;
  }
  if (approximate) {
    state.counters["recall_at_10"] = f.recall;
    state.counters["id_recall_at_10"] = f.id_recall;
    state.counters["us_per_insert"] = f.insert_seconds * 1e6 / static_cast<double>(rows);
  }
}

std::size_t max_rows_from(int& argc, char** argv) {
  std::size_t max_rows = 1'000'000;
  const char* prefix = "--max_rows=";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) {
      max_rows = std::strtoull(argv[i] + std::strlen(prefix), nullptr, 10);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return max_rows;
}

void register_benchmarks(std::size_t max_rows) {
  for (const std::size_t rows : {1'000UL, 10'000UL, 100'000UL, 1'000'000UL}) {
    if (rows > max_rows)
      break;
    const std::string suffix = "/" + std::to_string(rows);
    benchmark::RegisterBenchmark(("BM_RetrievalQuery/exact" + suffix).c_str(),
                                 [rows](benchmark::State& s) { query(s, false, rows); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_RetrievalQuery/hnsw" + suffix).c_str(),
                                 [rows](benchmark::State& s) { query(s, true, rows); })
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace genops::models

int main(int argc, char** argv) {
  const std::size_t max_rows = genops::models::max_rows_from(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  genops::models::register_benchmarks(max_rows);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
