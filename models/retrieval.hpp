#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

namespace genops::models {

struct Change;
struct Service;
class LocalCalendar;

inline constexpr int kEmbeddingDim = 16;
using Embedding = std::array<float, kEmbeddingDim>;

// Fixed-length description of a change: service identity and tier, size, flags, hour and
// weekday on the unit circle. L2-normalised.
Embedding embed_change(const Change& change, const Service& service, int service_count,
                       const LocalCalendar& calendar);

struct RetrievalResult {
  int neighbours = 0;          // neighbours at or above the similarity floor (<= k)
  double failure_share = 0;    // similarity-weighted share of neighbours that had a problem
  double mean_similarity = 0;  // over counted neighbours
  double confidence = 0;       // mean similarity x min(1, neighbours / k)
};

// Pillar 1: context retrieval. Embeddings of finished deployments in an Eigen matrix (one per
// organization); a query returns the top-k cosine neighbours among rows added so far, i.e.
// deployments finished before now. Exact brute force: one matrix-vector product per query.
class EmbeddingIndex {
 public:
  explicit EmbeddingIndex(std::size_t capacity = 1024);
  void add(const Embedding& embedding, bool had_problem);
  std::size_t size() const { return size_; }
  RetrievalResult query(const Embedding& embedding, int k, double min_similarity) const;
  // The indices of the top-k rows by cosine similarity, best first (ties: lower index first).
  std::vector<std::pair<std::size_t, float>> top_k(const Embedding& embedding, int k) const;

 private:
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, kEmbeddingDim, Eigen::RowMajor>;
  Matrix rows_;
  std::vector<std::uint8_t> problem_;
  std::size_t size_ = 0;
};

}  // namespace genops::models
