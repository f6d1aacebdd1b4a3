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
//   rounded), the first row of a cluster its leader; a cluster past kSplitRows rows is split
//   into groups by its rows' features (dims 8-15, rounded), the first row of a group its
//   leader. A member x of a cluster led by p within reach r of it scores at most
//     min(q.p + |q| r,  (|q|^2 + max|x|^2 - max(0, |q - p| - r)^2) / 2)
//   (Cauchy-Schwarz; and the triangle inequality on |q - x|, much tighter when q is close to
//   p). A query scores the leaders, searches the cluster of the best one, then only the
//   clusters whose bound reaches the k-th best so far or the similarity floor; inside a split
//   cluster the same search runs over its groups. The bound is a proof, not a guess: the
//   answer is the one of scoring every row, bit for bit. Cost per query: one score per
//   cluster (code areas in use), one per group of the clusters searched, plus the rows of the
//   groups scanned;
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
  // Clusters of the exact search (0 once the graph answers), and how many of them are split
  // into groups: for tests and benchmarks.
  std::size_t clusters() const { return clusters_.size(); }
  std::size_t split_clusters() const;

 private:
  using Neighbours = std::vector<std::pair<std::size_t, float>>;
  // Leaders of clusters (or of one cluster's groups), keyed, each with the reach and norms its
  // bound needs; scores and bounds come 8 leaders at a time (blocks, zero-padded).
  struct Leaders {
    std::unordered_map<std::uint64_t, std::uint32_t> of_key;
    std::vector<float> blocks;     // the leaders in blocks of 8 rows, dimension-major
    std::vector<Embedding> rows;   // the leaders themselves
    std::vector<double> reach;     // upper bound of |member - leader|
    std::vector<float> reach_f;    // the same in float (padded to the block)
    std::vector<float> norm2;      // |leader|^2 (padded)
    std::vector<float> max_norm2;  // max |member|^2 (padded)
    std::size_t size() const { return rows.size(); }
    // The leader of `key`, made from `embedding` if new; then widened to cover `embedding`.
    std::uint32_t add(std::uint64_t key, const Embedding& embedding);
  };
  struct Rows {  // members in blocks of 8 rows, dimension-major
    std::vector<float> blocks;
    std::vector<std::uint32_t> rows;  // the row of each member
  };
  struct Cluster {
    Rows flat;                        // every member, until the cluster is split
    std::unique_ptr<Leaders> groups;  // once split: the groups' leaders...
    std::vector<Rows> group_rows;     // ...and members
    std::size_t size = 0;
  };
  // Scratch of one level of the search, reused by every query.
  struct Scratch {
    std::vector<float> scores;
    std::vector<std::pair<double, std::uint32_t>> candidates;
  };

  void exact_add(const Embedding& embedding, std::size_t row);
  static void split(Cluster& cluster);
  static void add_to_group(Cluster& cluster, const Embedding& embedding, std::uint32_t row);
  // The top `take` rows with similarity >= floor into `best` (cleared first).
  void exact_top_k(const Embedding& embedding, std::size_t take, double floor,
                   Neighbours& best) const;
  // Merges into `best` every member of `leaders` (leader i's members visited by visit(i))
  // that can enter it, visiting only those whose bound lets them.
  struct Query {
    const Embedding& embedding;
    float norm;   // |q|
    float norm2;  // |q|^2
    std::size_t take;
    double floor;
  };
  template <class Visit>
  static void search(const Leaders& leaders, const Query& query, Neighbours& best, Scratch& scratch,
                     Visit&& visit);
  void search_cluster(const Cluster& cluster, const Query& query, Neighbours& best) const;
  static void scan_rows(const Rows& rows, const Query& query, Neighbours& best);
  void build_graph();

  // Exact kind: clusters keyed by their code area.
  Leaders leaders_;
  std::vector<Cluster> clusters_;
  std::unique_ptr<HnswIndex> graph_;  // approximate kind only
  std::vector<Embedding> held_;       // approximate kind until the graph is built
  std::size_t exact_below_rows_ = 0;
  bool graph_built_ = false;
  std::vector<std::uint8_t> problem_;

  mutable Scratch cluster_scratch_;
  mutable Scratch group_scratch_;
  mutable Neighbours best_;
};

}  // namespace genops::models
