#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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
// - exact (the reference): every row scored, 8 rows at a time from a blocked column layout;
//   cost linear in the rows held;
// - hnsw: the approximate graph of models/hnsw_index.hpp; cost about logarithmic, neighbours
//   may differ from exact ones (recall measured by bench/retrieval_bench.cpp).
class EmbeddingIndex {
 public:
  // Exact index with room for `capacity` rows before it grows.
  explicit EmbeddingIndex(std::size_t capacity = 1024);
  // Approximate index; `levels` draws the graph's levels.
  EmbeddingIndex(HnswParameters parameters, engine::RngStream levels);
  EmbeddingIndex(EmbeddingIndex&&) noexcept;
  EmbeddingIndex& operator=(EmbeddingIndex&&) noexcept;
  ~EmbeddingIndex();

  void add(const Embedding& embedding, bool had_problem);
  std::size_t size() const { return problem_.size(); }
  RetrievalResult query(const Embedding& embedding, int k, double min_similarity) const;
  // The indices of the top-k rows by cosine similarity, best first (ties: lower index first).
  std::vector<std::pair<std::size_t, float>> top_k(const Embedding& embedding, int k) const;

 private:
  std::vector<std::pair<std::size_t, float>> exact_top_k(const Embedding& embedding, int k) const;

  // Exact kind: rows in blocks of kBlockRows, each block dimension-major (kBlockRows floats of
  // dimension 0, then of dimension 1, ...), zero-padded, so one block scores as 16 vector ops.
  std::vector<float> blocks_;
  std::unique_ptr<HnswIndex> graph_;  // approximate kind only
  std::vector<std::uint8_t> problem_;
};

}  // namespace genops::models
