#include "models/hnsw_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/error.hpp"

namespace genops::models {

namespace {

// Levels above this are never drawn (probability M^-16).
constexpr int kMaxLevel = 16;

}  // namespace

HnswIndex::HnswIndex(HnswParameters parameters, engine::RngStream levels)
    : parameters_(parameters),
      level_stream_(levels),
      level_scale_(1.0 / std::log(static_cast<double>(std::max(2, parameters.links)))) {
  GENOPS_ASSERT(
      parameters_.links >= 2 && parameters_.ef_construction >= 1 && parameters_.ef_search >= 1,
      "HNSW parameters out of range");
}

std::size_t HnswIndex::capacity(int level) const {
  return static_cast<std::size_t>(level == 0 ? 2 * parameters_.links : parameters_.links);
}

HnswIndex::Row& HnswIndex::link_count(Row row, int level) {
  if (level == 0)
    return base_links_[row * (1 + capacity(0))];
  return upper_links_[row][static_cast<std::size_t>(level - 1) * (1 + capacity(level))];
}

HnswIndex::Row HnswIndex::link_count(Row row, int level) const {
  return const_cast<HnswIndex*>(this)->link_count(row, level);
}

HnswIndex::Row* HnswIndex::links(Row row, int level) {
  return &link_count(row, level) + 1;
}

const HnswIndex::Row* HnswIndex::links(Row row, int level) const {
  return const_cast<HnswIndex*>(this)->links(row, level);
}

int HnswIndex::draw_level() {
  // Inverse CDF of the geometric level distribution P(level >= l) = M^-l.
  const double level = std::floor(-std::log(engine::uniform_open01(level_stream_)) * level_scale_);
  return static_cast<int>(std::min(level, static_cast<double>(kMaxLevel)));
}

HnswIndex::Row HnswIndex::greedy_descent(const Embedding& query, Row entry, int level) const {
  Candidate best{similarity(query, rows_[entry]), entry};
  for (bool moved = true; moved;) {
    moved = false;
    const Row* neighbours = links(best.row, level);
    const Row count = link_count(best.row, level);
    for (Row i = 0; i < count; ++i) {
      const Candidate candidate{similarity(query, rows_[neighbours[i]]), neighbours[i]};
      if (closer(candidate, best)) {
        best = candidate;
        moved = true;
      }
    }
  }
  return best.row;
}

void HnswIndex::search_level(const Embedding& query, Row entry, std::size_t ef, int level) const {
  if (++visit_mark_ == 0) {
    std::fill(visited_.begin(), visited_.end(), 0);
    visit_mark_ = 1;
  }
  // frontier_: heap with the closest candidate on top; found_: heap with the farthest on top.
  const auto closest_on_top = [](const Candidate& a, const Candidate& b) { return closer(b, a); };
  const auto farthest_on_top = [](const Candidate& a, const Candidate& b) { return closer(a, b); };
  frontier_.clear();
  found_.clear();
  const Candidate start{similarity(query, rows_[entry]), entry};
  visited_[entry] = visit_mark_;
  frontier_.push_back(start);
  found_.push_back(start);
  while (!frontier_.empty()) {
    std::pop_heap(frontier_.begin(), frontier_.end(), closest_on_top);
    const Candidate current = frontier_.back();
    frontier_.pop_back();
    // Everything left in the frontier is farther than the farthest kept: done.
    if (found_.size() >= ef && closer(found_.front(), current))
      break;
    const Row* neighbours = links(current.row, level);
    const Row count = link_count(current.row, level);
    for (Row i = 0; i < count; ++i) {
      const Row row = neighbours[i];
      if (visited_[row] == visit_mark_)
        continue;
      visited_[row] = visit_mark_;
      const Candidate candidate{similarity(query, rows_[row]), row};
      if (found_.size() < ef || closer(candidate, found_.front())) {
        frontier_.push_back(candidate);
        std::push_heap(frontier_.begin(), frontier_.end(), closest_on_top);
        found_.push_back(candidate);
        std::push_heap(found_.begin(), found_.end(), farthest_on_top);
        if (found_.size() > ef) {
          std::pop_heap(found_.begin(), found_.end(), farthest_on_top);
          found_.pop_back();
        }
      }
    }
  }
  std::sort(found_.begin(), found_.end(), farthest_on_top);  // closer first
}

void HnswIndex::select_neighbours(std::vector<Candidate>& candidates, std::size_t keep) const {
  if (candidates.size() <= keep)
    return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < candidates.size() && kept < keep; ++i) {
    const Candidate candidate = candidates[i];
    bool diverse = true;
    for (std::size_t j = 0; j < kept && diverse; ++j)
      diverse = !(similarity(rows_[candidate.row], rows_[candidates[j].row]) > candidate.score);
    if (diverse)
      candidates[kept++] = candidate;  // kept <= i: overwrites only rows already judged
  }
  candidates.resize(kept);
}

void HnswIndex::connect(Row row, Row neighbour, int level) {
  Row& count = link_count(row, level);
  Row* neighbours = links(row, level);
  const std::size_t limit = capacity(level);
  if (count < limit) {
    neighbours[count++] = neighbour;
    return;
  }
  // Full: keep the best `limit` of the old links and the new one by the same heuristic.
  selection_.clear();
  const Embedding& base = rows_[row];
  for (Row i = 0; i < count; ++i)
    selection_.push_back({similarity(base, rows_[neighbours[i]]), neighbours[i]});
  selection_.push_back({similarity(base, rows_[neighbour]), neighbour});
  // A lambda, not the function pointer: std::sort then inlines the comparison.
  std::sort(selection_.begin(), selection_.end(),
            [](const Candidate& a, const Candidate& b) { return closer(a, b); });
  select_neighbours(selection_, limit);
  for (std::size_t i = 0; i < selection_.size(); ++i)
    neighbours[i] = selection_[i].row;
  count = static_cast<Row>(selection_.size());
}

void HnswIndex::add(const Embedding& embedding) {
  GENOPS_ASSERT(rows_.size() < std::numeric_limits<Row>::max(), "HNSW index full");
  const auto row = static_cast<Row>(rows_.size());
  const int level = draw_level();
  rows_.push_back(embedding);
  levels_.push_back(static_cast<std::uint8_t>(level));
  base_links_.resize(base_links_.size() + 1 + capacity(0), 0);
  upper_links_.emplace_back(static_cast<std::size_t>(level) * (1 + capacity(1)), 0);
  visited_.push_back(0);
  if (top_level_ < 0) {
    entry_ = row;
    top_level_ = level;
    return;
  }
  Row current = entry_;
  for (int l = top_level_; l > level; --l)
    current = greedy_descent(embedding, current, l);
  for (int l = std::min(level, top_level_); l >= 0; --l) {
    search_level(embedding, current, static_cast<std::size_t>(parameters_.ef_construction), l);
    current = found_.front().row;
    neighbours_.assign(found_.begin(), found_.end());
    select_neighbours(neighbours_, static_cast<std::size_t>(parameters_.links));
    Row* own = links(row, l);
    for (std::size_t i = 0; i < neighbours_.size(); ++i)
      own[i] = neighbours_[i].row;
    link_count(row, l) = static_cast<Row>(neighbours_.size());
    for (const Candidate& neighbour : neighbours_)
      connect(neighbour.row, row, l);
  }
  if (level > top_level_) {
    top_level_ = level;
    entry_ = row;
  }
}

std::vector<std::pair<std::size_t, float>> HnswIndex::top_k(const Embedding& query, int k) const {
  std::vector<std::pair<std::size_t, float>> best;
  if (rows_.empty() || k <= 0)
    return best;
  Row current = entry_;
  for (int l = top_level_; l > 0; --l)
    current = greedy_descent(query, current, l);
  search_level(query, current, static_cast<std::size_t>(std::max(parameters_.ef_search, k)), 0);
  const std::size_t take = std::min(found_.size(), static_cast<std::size_t>(k));
  best.reserve(take);
  for (std::size_t i = 0; i < take; ++i)
    best.emplace_back(found_[i].row, found_[i].score);
  return best;
}

}  // namespace genops::models
