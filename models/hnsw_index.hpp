#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/random.hpp"
#include "models/embedding.hpp"

namespace genops::models {

// Tuning of the approximate index (scenario keys genops.retrieval_hnsw_*).
struct HnswParameters {
  int links = 16;             // M: links per row on the upper levels; 2M on level 0
  int ef_construction = 100;  // candidate list while inserting
  int ef_search = 64;         // candidate list while querying (at least k)
};

// Approximate top-k cosine neighbours: a hierarchical navigable small world graph (Malkov and
// Yashunin, 2018) with the neighbour-selection heuristic. Deterministic by construction: rows
// are inserted one at a time in call order, levels come from the given keyed stream with our
// own inverse CDF, and every comparison is the total order (score descending, row ascending),
// so the graph and every answer depend on the insert sequence and the seed alone, never on
// threads, addresses or the standard library. Insert and query cost grow about
// logarithmically with the rows held. Not thread-safe: queries reuse scratch buffers (an index
// belongs to one organization, which one partition runs).
class HnswIndex {
 public:
  HnswIndex(HnswParameters parameters, engine::RngStream levels);

  void add(const Embedding& embedding);
  std::size_t size() const { return rows_.size(); }
  // About the k most similar rows, best first (ties: lower row first), as (row, similarity).
  std::vector<std::pair<std::size_t, float>> top_k(const Embedding& query, int k) const;

 private:
  using Row = std::uint32_t;
  struct Candidate {
    float score;
    Row row;
  };
  // The total order every search uses: more similar first, then the earlier row.
  static bool closer(const Candidate& a, const Candidate& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  }

  std::size_t capacity(int level) const;
  Row* links(Row row, int level);
  const Row* links(Row row, int level) const;
  Row& link_count(Row row, int level);
  Row link_count(Row row, int level) const;

  int draw_level();
  Row greedy_descent(const Embedding& query, Row entry, int level) const;
  // The ef closest rows reachable from entry on one level, best first (in found_).
  void search_level(const Embedding& query, Row entry, std::size_t ef, int level) const;
  // Keeps at most `keep` of `candidates` (sorted best first) by the HNSW heuristic: a candidate
  // closer to an already kept row than to the base is left out (it is reached through that row).
  void select_neighbours(std::vector<Candidate>& candidates, std::size_t keep) const;
  void connect(Row row, Row neighbour, int level);

  HnswParameters parameters_;
  engine::RngStream level_stream_;
  double level_scale_;
  std::vector<Embedding> rows_;
  std::vector<std::uint8_t> levels_;
  // Level 0: 1 count + 2M links per row. Upper levels: per row with a level above 0,
  // (1 + M) words per level from level 1 up.
  std::vector<Row> base_links_;
  std::vector<std::vector<Row>> upper_links_;
  Row entry_ = 0;
  int top_level_ = -1;

  // Scratch, reused by every search.
  mutable std::vector<std::uint32_t> visited_;
  mutable std::uint32_t visit_mark_ = 0;
  mutable std::vector<Candidate> frontier_;
  mutable std::vector<Candidate> found_;
  std::vector<Candidate> neighbours_;  // of the row being added
  std::vector<Candidate> selection_;   // links of a full row being pruned
};

}  // namespace genops::models
