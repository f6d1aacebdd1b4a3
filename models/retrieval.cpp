#include "models/retrieval.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include "models/calendar.hpp"
#include "models/risk.hpp"
#include "models/world.hpp"

namespace genops::models {

namespace {

constexpr std::size_t kBlockRows = 8;
constexpr std::size_t kBlockFloats = kBlockRows * kEmbeddingDim;
// Weight of the component signature against the change features (unit-sized each).
constexpr float kSignatureWeight = 3.0F;
static_assert(kSignatureDim == 8 && kEmbeddingDim == 16, "signature in dims 0-7, features 8-15");
using BlockLane = Eigen::Array<float, kBlockRows, 1>;

}  // namespace

Embedding embed_change(const Change& change, const Service& service, int /*service_count*/,
                       const LocalCalendar& /*calendar*/) {
  Embedding e{};
  // What a code-review system would embed: the touched components' signatures (their sum; an
  // embedding of the paths in the diff), weighted so the code area dominates similarity...
  for (const std::int8_t c : change.components) {
    if (c < 0 || static_cast<std::size_t>(c) >= service.component_signature.size())
      continue;
    const auto& sig = service.component_signature[static_cast<std::size_t>(c)];
    for (int j = 0; j < kSignatureDim; ++j)
      e[static_cast<std::size_t>(j)] += kSignatureWeight * sig[static_cast<std::size_t>(j)];
  }
  // ...then the change's own features: tier, size, flags, late hours, blast radius.
  e[8] = static_cast<float>(0.5 * tier_risk(service.tier));
  e[9] = static_cast<float>(std::log10(1.0 + change.lines_changed) / 4.0);
  e[10] = static_cast<float>(std::log10(1.0 + change.files_changed) / 3.0);
  e[11] = change.migration ? 0.8F : 0.0F;
  e[12] = change.config_change ? 0.6F : 0.0F;
  e[13] = change.hotfix ? 0.6F : 0.0F;
  e[14] = change.late_hours ? 0.4F : 0.0F;
  e[15] = static_cast<float>(0.5 * std::min(1.0, service.blast_radius / 10.0));
  float norm = 0;
  for (float v : e)
    norm += v * v;
  norm = std::sqrt(norm);
  for (float& v : e)
    v /= norm;
  return e;
}

EmbeddingIndex::EmbeddingIndex(std::size_t capacity) {
  blocks_.reserve((std::max<std::size_t>(capacity, kBlockRows) + kBlockRows - 1) / kBlockRows *
                  kBlockFloats);
  problem_.reserve(capacity);
}

EmbeddingIndex::EmbeddingIndex(HnswParameters parameters, engine::RngStream levels)
    : graph_(std::make_unique<HnswIndex>(parameters, levels)) {}

EmbeddingIndex::EmbeddingIndex(EmbeddingIndex&&) noexcept = default;
EmbeddingIndex& EmbeddingIndex::operator=(EmbeddingIndex&&) noexcept = default;
EmbeddingIndex::~EmbeddingIndex() = default;

void EmbeddingIndex::add(const Embedding& embedding, bool had_problem) {
  const std::size_t row = problem_.size();
  problem_.push_back(had_problem ? 1 : 0);
  if (graph_) {
    graph_->add(embedding);
    return;
  }
  if (row % kBlockRows == 0)
    blocks_.resize(blocks_.size() + kBlockFloats, 0.0F);
  float* block = blocks_.data() + row / kBlockRows * kBlockFloats;
  for (std::size_t d = 0; d < kEmbeddingDim; ++d)
    block[d * kBlockRows + row % kBlockRows] = embedding[d];
}

std::vector<std::pair<std::size_t, float>> EmbeddingIndex::top_k(const Embedding& embedding,
                                                                 int k) const {
  return graph_ ? graph_->top_k(embedding, k) : exact_top_k(embedding, k);
}

std::vector<std::pair<std::size_t, float>> EmbeddingIndex::exact_top_k(const Embedding& embedding,
                                                                       int k) const {
  std::vector<std::pair<std::size_t, float>> best;
  const std::size_t rows = size();
  if (rows == 0 || k <= 0)
    return best;
  const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(k), rows);
  best.reserve(take + 1);
  const auto& q = embedding;
  for (std::size_t first = 0; first < rows; first += kBlockRows) {
    const float* block = blocks_.data() + first / kBlockRows * kBlockFloats;
    const auto column = [block](std::size_t d) {
      return Eigen::Map<const BlockLane>(block + d * kBlockRows);
    };
    // The eight rows' scores in similarity()'s summation order (bit-identical to it).
    const BlockLane lane0 =
        (column(0) * q[0] + column(4) * q[4]) + (column(8) * q[8] + column(12) * q[12]);
    const BlockLane lane1 =
        (column(1) * q[1] + column(5) * q[5]) + (column(9) * q[9] + column(13) * q[13]);
    const BlockLane lane2 =
        (column(2) * q[2] + column(6) * q[6]) + (column(10) * q[10] + column(14) * q[14]);
    const BlockLane lane3 =
        (column(3) * q[3] + column(7) * q[7]) + (column(11) * q[11] + column(15) * q[15]);
    const BlockLane scores = (lane0 + lane2) + (lane1 + lane3);
    // Most blocks hold no row better than the current k-th: skip them in one comparison
    // (padding rows score 0 and may only cause a needless look).
    if (best.size() == take && !(scores.maxCoeff() > best.back().second))
      continue;
    const std::size_t count = std::min(kBlockRows, rows - first);
    for (std::size_t i = 0; i < count; ++i) {
      const float score = scores[static_cast<Eigen::Index>(i)];
      if (best.size() == take && !(score > best.back().second))
        continue;
      // Sorted buffer of the best `take` (score descending, lower index first on ties, as a
      // full sort would order them).
      auto at = best.end();
      while (at != best.begin() && score > (at - 1)->second)
        --at;
      best.insert(at, {first + i, score});
      if (best.size() > take)
        best.pop_back();
    }
  }
  return best;
}

RetrievalResult EmbeddingIndex::query(const Embedding& embedding, int k,
                                      double min_similarity) const {
  RetrievalResult result;
  double weight = 0;
  double failed = 0;
  double similarity_sum = 0;
  for (const auto& [row, score] : top_k(embedding, k)) {
    if (score < min_similarity)
      continue;
    ++result.neighbours;
    result.rows.push_back(row);
    weight += score;
    similarity_sum += score;
    if (problem_[row] != 0)
      failed += score;
  }
  if (result.neighbours > 0) {
    result.failure_share = failed / weight;
    result.mean_similarity = similarity_sum / result.neighbours;
    result.confidence =
        result.mean_similarity * std::min(1.0, static_cast<double>(result.neighbours) / k);
  }
  return result;
}

}  // namespace genops::models
