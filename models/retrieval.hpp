#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/random.hpp"
#include "models/embedding.hpp"
#include "models/hnsw_index.hpp"

namespace genops::models {

struct Change;
struct Service;
class LocalCalendar;

// Fixed-length description of a change, what a real review system would embed: the touched
// components' signatures (dims 0-7, dominant), then tier, lines, files, migration, config,
// hotfix, late hours and blast radius. L2-normalised. No service id: two services are similar
// only through what their changes look like.
Embedding embed_change(const Change& change, const Service& service, int service_count,
                       const LocalCalendar& calendar);

struct RetrievalResult {
  int neighbours = 0;             // neighbours at or above the similarity floor (<= k)
  double failure_share = 0;       // similarity-weighted share of neighbours that had a problem
  double mean_similarity = 0;     // over counted neighbours
  double confidence = 0;          // mean similarity x min(1, neighbours / k)
  std::vector<std::size_t> rows;  // the counted neighbours' rows, best first
};

// Pillar 1: context retrieval. Embeddings of finished deployments (one index per
// organization); a query returns the top-k cosine neighbours among rows added so far, i.e.
// deployments finished before now. Two kinds (scenario key genops.retrieval_index):
// - exact (the reference): the top k by the total order (similarity descending, row
//   ascending), every similarity computed by the 8-row kernel of models/embedding.hpp's order.
//   Rows are grouped into clusters by their code area (the direction of the signature dims,
//   rounded), the first row of a cluster its leader. By Cauchy-Schwarz a member x of a cluster
//   led by p has q.x <= q.p + |q| |x - p|: a query scores the leaders, scans the cluster of the
//   best one, then only the clusters whose bound reaches the k-th best so far or the similarity
//   floor. The bound is a proof, not a guess: the answer is the one of scoring every row, bit
//   for bit. Cost per query: one score per cluster (code areas in use) plus the rows scanned;
// - hnsw: the approximate graph of models/hnsw_index.hpp; cost about logarithmic, neighbours
//   may differ from exact ones (recall measured by bench/retrieval_bench.cpp). Below
//   `exact_below_rows` rows it answers exactly (the clusters above) and builds the graph from
//   the rows held, in row order, when the index reaches that size.
// Not thread-safe: queries reuse scratch buffers (an index belongs to one organization).
class EmbeddingIndex {
 public:
  // Exact index with room for `capacity` rows before it grows.
  explicit EmbeddingIndex(std::size_t capacity = 1024);
  // Approximate index; `levels` draws the graph's levels.
  EmbeddingIndex(HnswParameters parameters, engine::RngStream levels,
                 std::size_t exact_below_rows = 0);
  EmbeddingIndex(EmbeddingIndex&&) noexcept;
  EmbeddingIndex& operator=(EmbeddingIndex&&) noexcept;
  ~EmbeddingIndex();

  void add(const Embedding& embedding, bool had_problem);
  std::size_t size() const { return problem_.size(); }
  // The rows with similarity >= min_similarity among the top k (best first).
  RetrievalResult query(const Embedding& embedding, int k, double min_similarity) const;
  // The indices of the top-k rows by cosine similarity, best first (ties: lower index first).
  std::vector<std::pair<std::size_t, float>> top_k(const Embedding& embedding, int k) const;
  // Clusters of the exact search (0 once the graph answers): for tests and benchmarks.
  std::size_t clusters() const { return clusters_.size(); }

 private:
  struct Cluster {
    std::vector<float> blocks;        // members in blocks of 8 rows, dimension-major
    std::vector<std::uint32_t> rows;  // the row of each member
    double reach = 0;                 // upper bound of |member - leader|
  };
  using Neighbours = std::vector<std::pair<std::size_t, float>>;

  void exact_add(const Embedding& embedding, std::size_t row);
  // The top `take` rows with similarity >= floor into `best` (cleared first).
  void exact_top_k(const Embedding& embedding, std::size_t take, double floor,
                   Neighbours& best) const;
  void scan_cluster(const Cluster& cluster, const Embedding& embedding, std::size_t take,
                    double floor, Neighbours& best) const;
  void build_graph();

  // Exact kind: clusters keyed by their code area; leaders (the first row of each cluster) in
  // blocks of 8 rows (dimension-major, zero-padded), so every score comes from one kernel.
  std::unordered_map<std::uint64_t, std::uint32_t> cluster_of_key_;
  std::vector<float> leader_blocks_;
  std::vector<Embedding> leader_rows_;
  std::vector<float> leader_reach_;  // each cluster's reach in float, rounded up
  std::vector<Cluster> clusters_;
  std::unique_ptr<HnswIndex> graph_;  // approximate kind only
  std::vector<Embedding> held_;       // approximate kind until the graph is built
  std::size_t exact_below_rows_ = 0;
  bool graph_built_ = false;
  std::vector<std::uint8_t> problem_;

  // Scratch of the exact search, reused by every query.
  mutable std::vector<float> leader_scores_;
  mutable std::vector<std::pair<double, std::uint32_t>> candidates_;
  mutable Neighbours best_;
};

}  // namespace genops::models
