#include "models/retrieval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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

namespace {

// Cells per unit of the rounded signature direction that keys a row's cluster: rows of one
// code area (the same touched components) share a key; the features (dims 8-15) vary inside a
// cluster and make its reach. An assumption of the index's speed, not of its answers, which
// are exact for any grouping (bench/README.md, "Exact search").
constexpr double kKeyCells = 8.0;
// The kernel's float scores differ from the exact dot products by at most 16 products'
// rounding, below 1e-6 for unit vectors; a cluster is skipped only when its bound falls short
// by more than this.
constexpr double kBoundSlack = 1e-5;

// The eight rows' scores of a block in similarity()'s summation order (bit-identical to it).
inline BlockLane score_block(const float* block, const Embedding& q) {
  const auto column = [block](std::size_t d) {
    return Eigen::Map<const BlockLane>(block + d * kBlockRows);
  };
  const BlockLane lane0 =
      (column(0) * q[0] + column(4) * q[4]) + (column(8) * q[8] + column(12) * q[12]);
  const BlockLane lane1 =
      (column(1) * q[1] + column(5) * q[5]) + (column(9) * q[9] + column(13) * q[13]);
  const BlockLane lane2 =
      (column(2) * q[2] + column(6) * q[6]) + (column(10) * q[10] + column(14) * q[14]);
  const BlockLane lane3 =
      (column(3) * q[3] + column(7) * q[7]) + (column(11) * q[11] + column(15) * q[15]);
  return (lane0 + lane2) + (lane1 + lane3);
}

// Appends `embedding` as row `count` (0-based) of a blocked layout.
void append_blocked(std::vector<float>& blocks, std::size_t count, const Embedding& embedding) {
  if (count % kBlockRows == 0)
    blocks.resize(blocks.size() + kBlockFloats, 0.0F);
  float* block = blocks.data() + count / kBlockRows * kBlockFloats;
  for (std::size_t d = 0; d < kEmbeddingDim; ++d)
    block[d * kBlockRows + count % kBlockRows] = embedding[d];
}

double distance(const Embedding& a, const Embedding& b) {
  double sum = 0;
  for (std::size_t d = 0; d < kEmbeddingDim; ++d) {
    const double difference = static_cast<double>(a[d]) - static_cast<double>(b[d]);
    sum += difference * difference;
  }
  return std::sqrt(sum);
}

// The cluster key: the signature dims' direction rounded to 1/kKeyCells, 8 bits a dimension.
std::uint64_t cluster_key(const Embedding& e) {
  double norm = 0;
  for (int d = 0; d < kSignatureDim; ++d)
    norm += static_cast<double>(e[static_cast<std::size_t>(d)]) * e[static_cast<std::size_t>(d)];
  norm = std::sqrt(norm);
  std::uint64_t key = 0;
  for (int d = 0; d < kSignatureDim; ++d) {
    const double unit = norm > 0 ? e[static_cast<std::size_t>(d)] / norm : 0.0;
    const auto cell = static_cast<std::int64_t>(std::lround(unit * kKeyCells));
    key = key << 8 | static_cast<std::uint64_t>(cell & 0xff);
  }
  return key;
}

// (score, row) is closer than `than` in the total order: similarity descending, row ascending.
bool closer(float score, std::size_t row, const std::pair<std::size_t, float>& than) {
  return score > than.second || (score == than.second && row < than.first);
}

}  // namespace

EmbeddingIndex::EmbeddingIndex(std::size_t capacity) {
  problem_.reserve(capacity);
}

EmbeddingIndex::EmbeddingIndex(HnswParameters parameters, engine::RngStream levels,
                               std::size_t exact_below_rows)
    : graph_(std::make_unique<HnswIndex>(parameters, levels)), exact_below_rows_(exact_below_rows) {
  if (exact_below_rows_ == 0)
    graph_built_ = true;
}

EmbeddingIndex::EmbeddingIndex(EmbeddingIndex&&) noexcept = default;
EmbeddingIndex& EmbeddingIndex::operator=(EmbeddingIndex&&) noexcept = default;
EmbeddingIndex::~EmbeddingIndex() = default;

void EmbeddingIndex::add(const Embedding& embedding, bool had_problem) {
  const std::size_t row = problem_.size();
  problem_.push_back(had_problem ? 1 : 0);
  if (graph_built_) {
    graph_->add(embedding);
    return;
  }
  exact_add(embedding, row);
  if (graph_) {
    held_.push_back(embedding);
    if (held_.size() >= exact_below_rows_)
      build_graph();
  }
}

void EmbeddingIndex::build_graph() {
  // The graph's rows in row order: the same graph as if every row had been inserted as it came.
  for (const Embedding& embedding : held_)
    graph_->add(embedding);
  graph_built_ = true;
  held_ = {};
  cluster_of_key_ = {};
  clusters_ = {};
  leader_blocks_ = {};
  leader_rows_ = {};
  leader_reach_ = {};
}

void EmbeddingIndex::exact_add(const Embedding& embedding, std::size_t row) {
  const auto [at, added] = cluster_of_key_.try_emplace(
      cluster_key(embedding), static_cast<std::uint32_t>(clusters_.size()));
  const std::uint32_t c = at->second;
  if (added) {
    append_blocked(leader_blocks_, leader_rows_.size(), embedding);
    leader_rows_.push_back(embedding);
    clusters_.emplace_back();
  }
  Cluster& cluster = clusters_[c];
  cluster.reach = std::max(cluster.reach, distance(embedding, leader_rows_[c]));
  // The float copy the search adds to leader scores: its rounding (below 2e-7) is inside
  // kBoundSlack. Not rounded up: a zero reach would become a denormal, and every bound with it
  // a microcode assist (a quarter of the run's time when tried).
  leader_reach_.resize(leader_blocks_.size() / kEmbeddingDim, 0.0F);
  leader_reach_[c] = static_cast<float>(cluster.reach);
  append_blocked(cluster.blocks, cluster.rows.size(), embedding);
  cluster.rows.push_back(static_cast<std::uint32_t>(row));
}

std::vector<std::pair<std::size_t, float>> EmbeddingIndex::top_k(const Embedding& embedding,
                                                                 int k) const {
  if (graph_built_)
    return graph_->top_k(embedding, k);
  Neighbours best;
  if (k > 0)
    exact_top_k(embedding, static_cast<std::size_t>(k), -std::numeric_limits<double>::infinity(),
                best);
  return best;
}

void EmbeddingIndex::exact_top_k(const Embedding& embedding, std::size_t take, double floor,
                                 Neighbours& best) const {
  best.clear();
  if (clusters_.empty() || take == 0)
    return;
  best.reserve(take + 1);
  leader_scores_.resize(leader_blocks_.size() / kEmbeddingDim);
  std::size_t first_cluster = 0;
  float first_score = -std::numeric_limits<float>::infinity();
  for (std::size_t first = 0; first < leader_rows_.size(); first += kBlockRows) {
    const BlockLane scores = score_block(leader_blocks_.data() + first * kEmbeddingDim, embedding);
    Eigen::Map<BlockLane>(leader_scores_.data() + first) = scores;
    if (!(scores.maxCoeff() > first_score))
      continue;
    const std::size_t count = std::min(kBlockRows, clusters_.size() - first);
    for (std::size_t i = 0; i < count; ++i) {
      if (leader_scores_[first + i] > first_score) {
        first_score = leader_scores_[first + i];
        first_cluster = first + i;
      }
    }
  }
  // The cluster of the most similar leader first: it usually holds the answer, and the k-th
  // best it leaves rules most other clusters out by their bound.
  scan_cluster(clusters_[first_cluster], embedding, take, floor, best);
  double norm = 0;
  for (const float v : embedding)
    norm += static_cast<double>(v) * v;
  const auto norm_f = static_cast<float>(std::sqrt(norm));
  const double threshold =
      best.size() == take ? std::max(floor, static_cast<double>(best.back().second)) : floor;
  // Bounds in float, 8 clusters at a time: the slack covers the float sums' rounding.
  const auto cut = static_cast<float>(std::max(threshold, -2.0) - kBoundSlack);
  candidates_.clear();
  for (std::size_t first = 0; first < clusters_.size(); first += kBlockRows) {
    const BlockLane bounds = Eigen::Map<const BlockLane>(leader_scores_.data() + first) +
                             Eigen::Map<const BlockLane>(leader_reach_.data() + first) * norm_f;
    if (!(bounds.maxCoeff() >= cut))
      continue;
    const std::size_t count = std::min(kBlockRows, clusters_.size() - first);
    for (std::size_t i = 0; i < count; ++i) {
      const float bound = bounds[static_cast<Eigen::Index>(i)];
      if (bound >= cut && first + i != first_cluster)
        candidates_.emplace_back(static_cast<double>(bound) + kBoundSlack,
                                 static_cast<std::uint32_t>(first + i));
    }
  }
  // The most promising first, so the k-th best rises early.
  std::sort(candidates_.begin(), candidates_.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (const auto& [bound, c] : candidates_) {
    if (best.size() == take && bound < best.back().second)
      break;  // no member of this or any later cluster can enter
    scan_cluster(clusters_[c], embedding, take, floor, best);
  }
}

void EmbeddingIndex::scan_cluster(const Cluster& cluster, const Embedding& embedding,
                                  std::size_t take, double floor, Neighbours& best) const {
  for (std::size_t first = 0; first < cluster.rows.size(); first += kBlockRows) {
    const BlockLane scores = score_block(cluster.blocks.data() + first * kEmbeddingDim, embedding);
    if (best.size() == take && scores.maxCoeff() < best.back().second)
      continue;  // padding rows score 0 and may only cause a needless look
    const std::size_t count = std::min(kBlockRows, cluster.rows.size() - first);
    for (std::size_t i = 0; i < count; ++i) {
      const float score = scores[static_cast<Eigen::Index>(i)];
      const std::size_t row = cluster.rows[first + i];
      if (static_cast<double>(score) < floor ||
          (best.size() == take && !closer(score, row, best.back())))
        continue;
      // Sorted buffer of the best `take` in the total order.
      auto at = best.end();
      while (at != best.begin() && closer(score, row, *(at - 1)))
        --at;
      best.insert(at, {row, score});
      if (best.size() > take)
        best.pop_back();
    }
  }
}

RetrievalResult EmbeddingIndex::query(const Embedding& embedding, int k,
                                      double min_similarity) const {
  RetrievalResult result;
  if (graph_built_) {
    best_ = graph_->top_k(embedding, k);
  } else if (k > 0) {
    exact_top_k(embedding, static_cast<std::size_t>(k), min_similarity, best_);
  } else {
    best_.clear();
  }
  double weight = 0;
  double failed = 0;
  double similarity_sum = 0;
  result.rows.reserve(best_.size());
  for (const auto& [row, score] : best_) {
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
