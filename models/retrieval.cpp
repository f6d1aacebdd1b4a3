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
// A cluster of more rows than this is split into groups of rows whose embeddings round to the
// same cell of kGroupCells per unit in every dimension (in a code area: the same size, flags
// and tier). Speed only, as above: at 10^5-10^6 rows a code area holds hundreds of rows whose
// similarities to a query differ in the third decimal, too close for the cluster's bound.
constexpr std::size_t kSplitRows = 64;
constexpr double kGroupCells = 16.0;
// The kernel's float scores differ from the exact dot products by at most 16 products'
// rounding, below 1e-6 for unit vectors; a cluster is skipped only when its bound falls short
// by more than this.
constexpr double kBoundSlack = 1e-5;
// Relative allowance on |q - p|^2 computed from float scores and norms (their rounding is
// below 1e-6 of |q|^2 + |p|^2), so the distance in the bound is never overestimated.
constexpr float kDistanceSlack = 1e-5F;

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

// Upper bounds of the score of any member of eight leaders' sets, from the leaders' scores:
// Cauchy-Schwarz, q.x = q.p + q.(x - p) <= q.p + |q| r; and the triangle inequality,
// |q - x| >= |q - p| - r, so q.x = (|q|^2 + |x|^2 - |q - x|^2) / 2 <= (|q|^2 + max|x|^2 -
// max(0, |q - p| - r)^2) / 2. The second is far tighter when q is close to p (unit vectors at
// similarity 0.999 and r = 0.01: 0.9994 against 1.009).
inline BlockLane bound_block(const BlockLane& score, const float* reach, const float* norm2,
                             const float* max_norm2, float q_norm, float q_norm2) {
  const auto r = Eigen::Map<const BlockLane>(reach);
  const auto p2 = Eigen::Map<const BlockLane>(norm2);
  const auto m2 = Eigen::Map<const BlockLane>(max_norm2);
  const BlockLane cauchy_schwarz = score + r * q_norm;
  const BlockLane distance2 = (q_norm2 + p2) * (1.0F - kDistanceSlack) - 2.0F * score;
  const BlockLane gap = (distance2.max(0.0F).sqrt() - r).max(0.0F);
  const BlockLane triangle = 0.5F * (q_norm2 + m2) - 0.5F * (gap * gap);
  return cauchy_schwarz.min(triangle);
}

// Appends `embedding` as row `count` (0-based) of a blocked layout.
void append_blocked(std::vector<float>& blocks, std::size_t count, const Embedding& embedding) {
  if (count % kBlockRows == 0)
    blocks.resize(blocks.size() + kBlockFloats, 0.0F);
  float* block = blocks.data() + count / kBlockRows * kBlockFloats;
  for (std::size_t d = 0; d < kEmbeddingDim; ++d)
    block[d * kBlockRows + count % kBlockRows] = embedding[d];
}

// Row `i` of a blocked layout.
Embedding blocked_row(const std::vector<float>& blocks, std::size_t i) {
  Embedding e{};
  const float* block = blocks.data() + i / kBlockRows * kBlockFloats;
  for (std::size_t d = 0; d < kEmbeddingDim; ++d)
    e[d] = block[d * kBlockRows + i % kBlockRows];
  return e;
}

double distance(const Embedding& a, const Embedding& b) {
  double sum = 0;
  for (std::size_t d = 0; d < kEmbeddingDim; ++d) {
    const double difference = static_cast<double>(a[d]) - static_cast<double>(b[d]);
    sum += difference * difference;
  }
  return std::sqrt(sum);
}

double squared_norm(const Embedding& e) {
  double sum = 0;
  for (const float v : e)
    sum += static_cast<double>(v) * v;
  return sum;
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

// The group key inside a cluster: every dimension rounded to 1/kGroupCells, hashed (a collision
// only merges two groups, whose reach then covers both).
std::uint64_t group_key(const Embedding& e) {
  std::uint64_t key = 0;
  for (const float v : e) {
    const auto cell = static_cast<std::int64_t>(std::lround(v * kGroupCells));
    key = (key ^ static_cast<std::uint64_t>(cell)) * 0x9E3779B97F4A7C15ULL;
    key ^= key >> 29;
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
  leaders_ = {};
  std::vector<Cluster>().swap(clusters_);
}

std::size_t EmbeddingIndex::split_clusters() const {
  return static_cast<std::size_t>(std::count_if(
      clusters_.begin(), clusters_.end(), [](const Cluster& c) { return c.groups != nullptr; }));
}

std::uint32_t EmbeddingIndex::Leaders::add(std::uint64_t key, const Embedding& embedding) {
  const auto [at, added] = of_key.try_emplace(key, static_cast<std::uint32_t>(rows.size()));
  const std::uint32_t c = at->second;
  const auto member_norm2 = static_cast<float>(squared_norm(embedding));
  if (added) {
    append_blocked(blocks, rows.size(), embedding);
    rows.push_back(embedding);
    reach.push_back(0.0);
    const std::size_t padded = blocks.size() / kEmbeddingDim;
    reach_f.resize(padded, 0.0F);
    norm2.resize(padded, 0.0F);
    max_norm2.resize(padded, 0.0F);
    norm2[c] = member_norm2;
  }
  reach[c] = std::max(reach[c], distance(embedding, rows[c]));
  // The float copy the search uses: its rounding (below 2e-7) is inside kBoundSlack. Not
  // rounded up: a zero reach would become a denormal, and every bound with it a microcode
  // assist (a quarter of the run's time when tried).
  reach_f[c] = static_cast<float>(reach[c]);
  max_norm2[c] = std::max(max_norm2[c], member_norm2);
  return c;
}

void EmbeddingIndex::exact_add(const Embedding& embedding, std::size_t row) {
  const std::uint32_t c = leaders_.add(cluster_key(embedding), embedding);
  if (c == clusters_.size())
    clusters_.emplace_back();
  Cluster& cluster = clusters_[c];
  ++cluster.size;
  if (cluster.groups) {
    add_to_group(cluster, embedding, static_cast<std::uint32_t>(row));
    return;
  }
  append_blocked(cluster.flat.blocks, cluster.flat.rows.size(), embedding);
  cluster.flat.rows.push_back(static_cast<std::uint32_t>(row));
  if (cluster.flat.rows.size() > kSplitRows)
    split(cluster);
}

void EmbeddingIndex::add_to_group(Cluster& cluster, const Embedding& embedding, std::uint32_t row) {
  const std::uint32_t g = cluster.groups->add(group_key(embedding), embedding);
  if (g == cluster.group_rows.size())
    cluster.group_rows.emplace_back();
  Rows& rows = cluster.group_rows[g];
  append_blocked(rows.blocks, rows.rows.size(), embedding);
  rows.rows.push_back(row);
}

void EmbeddingIndex::split(Cluster& cluster) {
  // Members in row order, so each group's members stay in row order.
  cluster.groups = std::make_unique<Leaders>();
  for (std::size_t i = 0; i < cluster.flat.rows.size(); ++i)
    add_to_group(cluster, blocked_row(cluster.flat.blocks, i), cluster.flat.rows[i]);
  cluster.flat = {};
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
  const double norm2 = squared_norm(embedding);
  const Query query{embedding, static_cast<float>(std::sqrt(norm2)), static_cast<float>(norm2),
                    take, floor};
  search(leaders_, query, best, cluster_scratch_,
         [&](std::uint32_t c) { search_cluster(clusters_[c], query, best); });
}

template <class Visit>
void EmbeddingIndex::search(const Leaders& leaders, const Query& query, Neighbours& best,
                            Scratch& scratch, Visit&& visit) {
  const std::size_t count = leaders.size();
  if (count == 0)
    return;
  auto& scores = scratch.scores;
  scores.resize(leaders.blocks.size() / kEmbeddingDim);
  std::size_t first_leader = 0;
  float first_score = -std::numeric_limits<float>::infinity();
  for (std::size_t first = 0; first < count; first += kBlockRows) {
    const BlockLane block =
        score_block(leaders.blocks.data() + first * kEmbeddingDim, query.embedding);
    Eigen::Map<BlockLane>(scores.data() + first) = block;
    if (!(block.maxCoeff() > first_score))
      continue;
    const std::size_t in_block = std::min(kBlockRows, count - first);
    for (std::size_t i = 0; i < in_block; ++i) {
      if (scores[first + i] > first_score) {
        first_score = scores[first + i];
        first_leader = first + i;
      }
    }
  }
  // The set of the most similar leader first: it usually holds the answer, and the k-th best
  // it leaves rules most other sets out by their bound.
  visit(static_cast<std::uint32_t>(first_leader));
  const double threshold = best.size() == query.take
                               ? std::max(query.floor, static_cast<double>(best.back().second))
                               : query.floor;
  // Bounds in float, 8 leaders at a time: the slack covers the float sums' rounding.
  const auto cut = static_cast<float>(std::max(threshold, -2.0) - kBoundSlack);
  auto& candidates = scratch.candidates;
  candidates.clear();
  for (std::size_t first = 0; first < count; first += kBlockRows) {
    const BlockLane bounds = bound_block(
        Eigen::Map<const BlockLane>(scores.data() + first), leaders.reach_f.data() + first,
        leaders.norm2.data() + first, leaders.max_norm2.data() + first, query.norm, query.norm2);
    if (!(bounds.maxCoeff() >= cut))
      continue;
    const std::size_t in_block = std::min(kBlockRows, count - first);
    for (std::size_t i = 0; i < in_block; ++i) {
      const float bound = bounds[static_cast<Eigen::Index>(i)];
      if (bound >= cut && first + i != first_leader)
        candidates.emplace_back(static_cast<double>(bound) + kBoundSlack,
                                static_cast<std::uint32_t>(first + i));
    }
  }
  // The most promising first, so the k-th best rises early.
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (const auto& [bound, c] : candidates) {
    if (best.size() == query.take && bound < best.back().second)
      break;  // no member of this or any later set can enter
    visit(c);
  }
}

void EmbeddingIndex::search_cluster(const Cluster& cluster, const Query& query,
                                    Neighbours& best) const {
  if (!cluster.groups) {
    scan_rows(cluster.flat, query, best);
    return;
  }
  search(*cluster.groups, query, best, group_scratch_,
         [&](std::uint32_t g) { scan_rows(cluster.group_rows[g], query, best); });
}

void EmbeddingIndex::scan_rows(const Rows& rows, const Query& query, Neighbours& best) {
  const std::size_t take = query.take;
  for (std::size_t first = 0; first < rows.rows.size(); first += kBlockRows) {
    const BlockLane scores =
        score_block(rows.blocks.data() + first * kEmbeddingDim, query.embedding);
    if (best.size() == take && scores.maxCoeff() < best.back().second)
      continue;  // padding rows score 0 and may only cause a needless look
    const std::size_t count = std::min(kBlockRows, rows.rows.size() - first);
    for (std::size_t i = 0; i < count; ++i) {
      const float score = scores[static_cast<Eigen::Index>(i)];
      const std::size_t row = rows.rows[first + i];
      if (static_cast<double>(score) < query.floor ||
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
