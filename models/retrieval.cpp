#include "models/retrieval.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "models/calendar.hpp"
#include "models/world.hpp"

namespace genops::models {

Embedding embed_change(const Change& change, const Service& service, int service_count,
                       const LocalCalendar& calendar) {
  Embedding e{};
  // Service identity on a circle (weight 1.5: same service dominates similarity), tier one-hot.
  const double service_angle = 2.0 * std::numbers::pi * service.id / std::max(1, service_count);
  e[0] = static_cast<float>(1.5 * std::cos(service_angle));
  e[1] = static_cast<float>(1.5 * std::sin(service_angle));
  e[2 + static_cast<int>(service.tier)] = 0.8F;
  // Size: log lines and files, scaled to about [0, 1].
  e[6] = static_cast<float>(std::log10(1.0 + change.lines_changed) / 4.0);
  e[7] = static_cast<float>(std::log10(1.0 + change.files_changed) / 3.0);
  e[8] = change.migration ? 1.0F : 0.0F;
  e[9] = change.config_change ? 0.7F : 0.0F;
  e[10] = change.hotfix ? 1.0F : 0.0F;
  const double hour_angle = 2.0 * std::numbers::pi * calendar.hour_of_day(change.arrival) / 24.0;
  e[11] = static_cast<float>(0.5 * std::cos(hour_angle));
  e[12] = static_cast<float>(0.5 * std::sin(hour_angle));
  const double day_angle = 2.0 * std::numbers::pi * calendar.weekday(change.arrival) / 7.0;
  e[13] = static_cast<float>(0.5 * std::cos(day_angle));
  e[14] = static_cast<float>(0.5 * std::sin(day_angle));
  e[15] = static_cast<float>(std::min(1.0, service.blast_radius / 10.0));
  float norm = 0;
  for (float v : e)
    norm += v * v;
  norm = std::sqrt(norm);
  for (float& v : e)
    v /= norm;
  return e;
}

EmbeddingIndex::EmbeddingIndex(std::size_t capacity)
    : rows_(static_cast<Eigen::Index>(std::max<std::size_t>(capacity, 16)), kEmbeddingDim) {}

void EmbeddingIndex::add(const Embedding& embedding, bool had_problem) {
  if (size_ == static_cast<std::size_t>(rows_.rows())) {
    rows_.conservativeResize(rows_.rows() * 2, Eigen::NoChange);
  }
  rows_.row(static_cast<Eigen::Index>(size_)) =
      Eigen::Map<const Eigen::Matrix<float, 1, kEmbeddingDim>>(embedding.data());
  problem_.push_back(had_problem ? 1 : 0);
  ++size_;
}

std::vector<std::pair<std::size_t, float>> EmbeddingIndex::top_k(const Embedding& embedding,
                                                                 int k) const {
  std::vector<std::pair<std::size_t, float>> best;
  if (size_ == 0 || k <= 0)
    return best;
  const Eigen::Map<const Eigen::Matrix<float, 1, kEmbeddingDim>> query(embedding.data());
  const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(k), size_);
  best.reserve(take + 1);
  // One pass: a fixed-size dot product per row, kept in a sorted buffer of the best `take`
  // (score descending, lower index first on ties, as a full sort would order them).
  for (std::size_t row = 0; row < size_; ++row) {
    const float score = rows_.row(static_cast<Eigen::Index>(row)).dot(query);
    if (best.size() == take && !(score > best.back().second))
      continue;
    auto at = best.end();
    while (at != best.begin() && score > (at - 1)->second)
      --at;
    best.insert(at, {row, score});
    if (best.size() > take)
      best.pop_back();
  }
  return best;
}

RetrievalResult EmbeddingIndex::query(const Embedding& embedding, int k,
                                      double min_similarity) const {
  RetrievalResult result;
  double weight = 0;
  double failed = 0;
  double similarity = 0;
  for (const auto& [row, score] : top_k(embedding, k)) {
    if (score < min_similarity)
      continue;
    ++result.neighbours;
    weight += score;
    similarity += score;
    if (problem_[row] != 0)
      failed += score;
  }
  if (result.neighbours > 0) {
    result.failure_share = failed / weight;
    result.mean_similarity = similarity / result.neighbours;
    result.confidence =
        result.mean_similarity * std::min(1.0, static_cast<double>(result.neighbours) / k);
  }
  return result;
}

}  // namespace genops::models
