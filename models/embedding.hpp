#pragma once

#include <array>

namespace genops::models {

inline constexpr int kEmbeddingDim = 16;
// An L2-normalised description of a change (models/retrieval.hpp builds it).
using Embedding = std::array<float, kEmbeddingDim>;

// Cosine similarity of two normalised embeddings, summed in a fixed order: four lanes
// (j, j+4, j+8, j+12), lanes combined as (0+2)+(1+3). It is the order Eigen's SSE dot product
// of a 16-float row uses, so the exact index's block scan and the graph index score every pair
// bit-identically (tests/models/retrieval_test.cpp checks it against Eigen).
inline float similarity(const Embedding& a, const Embedding& b) {
  float lane[4];
  for (int j = 0; j < 4; ++j) {
    lane[j] = (a[j] * b[j] + a[j + 4] * b[j + 4]) + (a[j + 8] * b[j + 8] + a[j + 12] * b[j + 12]);
  }
  return (lane[0] + lane[2]) + (lane[1] + lane[3]);
}

}  // namespace genops::models
