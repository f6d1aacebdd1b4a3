#include "models/retrieval.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/Core>

#include "engine/random.hpp"
#include "models/calendar.hpp"
#include "models/world.hpp"

namespace genops::models {
namespace {

Embedding random_unit(engine::RngStream& rng) {
  Embedding e{};
  double norm = 0;
  for (float& v : e) {
    v = static_cast<float>(engine::standard_normal(rng));
    norm += static_cast<double>(v) * v;
  }
  for (float& v : e)
    v = static_cast<float>(v / std::sqrt(norm));
  return e;
}

// Unit vector along axis 0 rotated towards axis 1 so that its cosine with axis 0 is `cosine`.
Embedding at_cosine(double cosine) {
  Embedding e{};
  e[0] = static_cast<float>(cosine);
  e[1] = static_cast<float>(std::sqrt(1.0 - cosine * cosine));
  return e;
}

// The reference: every row's dot product in double precision, fully sorted (score descending,
// lower index first on ties).
std::vector<std::size_t> brute_force_top_k(const std::vector<Embedding>& rows, const Embedding& q,
                                           std::size_t k) {
  std::vector<double> scores(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    double dot = 0;
    for (int d = 0; d < kEmbeddingDim; ++d)
      dot += static_cast<double>(rows[r][static_cast<std::size_t>(d)]) *
             q[static_cast<std::size_t>(d)];
    scores[r] = dot;
  }
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  order.resize(std::min(k, order.size()));
  return order;
}

TEST(EmbeddingIndex, TopKMatchesBruteForceOnRandomVectors) {
  engine::RngStream rng(engine::StreamKey{2024, 0, 0, 1, 1});
  std::vector<Embedding> rows;
  EmbeddingIndex index(16);  // grows several times on the way
  for (int r = 0; r < 600; ++r) {
    rows.push_back(random_unit(rng));
    index.add(rows.back(), r % 3 == 0);
  }
  ASSERT_EQ(index.size(), rows.size());
  const auto reference_score = [&rows](std::size_t row, const Embedding& query) {
    double dot = 0;
    for (std::size_t d = 0; d < query.size(); ++d)
      dot += static_cast<double>(rows[row][d]) * query[d];
    return dot;
  };
  // Float and double dot products may order two rows differently only when their scores tie
  // within float rounding.
  constexpr double kTie = 1e-6;
  for (int q = 0; q < 50; ++q) {
    const Embedding query = random_unit(rng);
    for (int k : {1, 5, 10, 37}) {
      const auto found = index.top_k(query, k);
      const auto expected = brute_force_top_k(rows, query, static_cast<std::size_t>(k));
      ASSERT_EQ(found.size(), expected.size());
      for (std::size_t i = 0; i < found.size(); ++i) {
        const double want = reference_score(expected[i], query);
        if (found[i].first != expected[i]) {
          EXPECT_NEAR(reference_score(found[i].first, query), want, kTie)
              << "query " << q << " k " << k << " rank " << i;
        }
        EXPECT_NEAR(found[i].second, want, 1e-5);
        if (i > 0) {
          EXPECT_GE(found[i - 1].second, found[i].second);
        }
      }
    }
  }
}

TEST(EmbeddingIndex, OnlyRowsAddedSoFarAreVisible) {
  EmbeddingIndex index(1024);
  EXPECT_TRUE(index.top_k(at_cosine(1.0), 10).empty());
  const RetrievalResult empty = index.query(at_cosine(1.0), 10, 0.0);
  EXPECT_EQ(empty.neighbours, 0);
  EXPECT_EQ(empty.confidence, 0.0);
  EXPECT_EQ(empty.failure_share, 0.0);

  engine::RngStream rng(engine::StreamKey{7, 0, 0, 2, 1});
  std::vector<Embedding> rows;
  for (int r = 0; r < 5; ++r) {
    rows.push_back(random_unit(rng));
    index.add(rows.back(), false);
  }
  // k larger than the index: exactly the 5 rows added, each once.
  auto found = index.top_k(at_cosine(1.0), 10);
  ASSERT_EQ(found.size(), 5U);
  std::vector<std::size_t> seen;
  for (const auto& [row, score] : found)
    seen.push_back(row);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  // Each row finds itself first, across growth of the underlying matrix.
  EmbeddingIndex small(16);
  for (int r = 0; r < 100; ++r) {
    rows.push_back(random_unit(rng));
    small.add(rows.back(), false);
    const auto self = small.top_k(rows.back(), 1);
    ASSERT_EQ(self.size(), 1U);
    EXPECT_EQ(self[0].first, static_cast<std::size_t>(r));
    EXPECT_NEAR(self[0].second, 1.0, 1e-5);
  }
  EXPECT_EQ(small.size(), 100U);
}

TEST(EmbeddingIndex, TiesGoToTheEarlierRow) {
  EmbeddingIndex index;
  for (int r = 0; r < 4; ++r)
    index.add(at_cosine(0.8), false);
  const auto found = index.top_k(at_cosine(1.0), 2);
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0].first, 0U);
  EXPECT_EQ(found[1].first, 1U);
}

TEST(EmbeddingIndex, ConfidenceAndFailureShareArithmetic) {
  EmbeddingIndex index;
  index.add(at_cosine(1.0), true);   // row 0: similarity 1.0, problem
  index.add(at_cosine(1.0), false);  // row 1: similarity 1.0
  index.add(at_cosine(0.6), true);   // row 2: similarity 0.6, problem
  index.add(at_cosine(0.3), true);   // row 3: below the floor, ignored
  const Embedding query = at_cosine(1.0);

  const RetrievalResult wide = index.query(query, 10, 0.5);
  EXPECT_EQ(wide.neighbours, 3);
  // Similarity-weighted: (1.0 + 0.6) / (1.0 + 1.0 + 0.6).
  EXPECT_NEAR(wide.failure_share, 1.6 / 2.6, 1e-6);
  EXPECT_NEAR(wide.mean_similarity, 2.6 / 3.0, 1e-6);
  // Confidence = mean similarity x min(1, neighbours / k).
  EXPECT_NEAR(wide.confidence, 2.6 / 3.0 * 0.3, 1e-6);

  const RetrievalResult narrow = index.query(query, 2, 0.5);
  EXPECT_EQ(narrow.neighbours, 2);
  EXPECT_NEAR(narrow.failure_share, 0.5, 1e-6);
  EXPECT_NEAR(narrow.mean_similarity, 1.0, 1e-6);
  EXPECT_NEAR(narrow.confidence, 1.0, 1e-6);

  const RetrievalResult everything = index.query(query, 4, -1.0);
  EXPECT_EQ(everything.neighbours, 4);
  EXPECT_NEAR(everything.failure_share, 1.9 / 2.9, 1e-6);
  EXPECT_NEAR(everything.confidence, 2.9 / 4.0, 1e-6);

  const RetrievalResult strict = index.query(query, 10, 0.99);
  EXPECT_EQ(strict.neighbours, 2);
  EXPECT_NEAR(strict.failure_share, 0.5, 1e-6);
  EXPECT_NEAR(strict.confidence, 0.2, 1e-6);
}

// The exact index scores 8 rows at a time; its scores must be the bits Eigen's row dot product
// gave (the index before issue 13), so the default study's outputs do not move.
TEST(EmbeddingIndex, BlockScoresAreBitIdenticalToEigenDotProducts) {
  engine::RngStream rng(engine::StreamKey{99, 0, 0, 3, 1});
  std::vector<Embedding> rows;
  EmbeddingIndex index(16);
  for (int r = 0; r < 3001; ++r) {  // not a multiple of the block size
    rows.push_back(random_unit(rng));
    index.add(rows.back(), false);
  }
  for (int q = 0; q < 20; ++q) {
    const Embedding query = random_unit(rng);
    const Eigen::Map<const Eigen::Matrix<float, 1, kEmbeddingDim>> eigen_query(query.data());
    const auto found = index.top_k(query, static_cast<int>(rows.size()));
    ASSERT_EQ(found.size(), rows.size());
    for (const auto& [row, score] : found) {
      const Eigen::Map<const Eigen::Matrix<float, 1, kEmbeddingDim>> eigen_row(rows[row].data());
      const float eigen_score = eigen_row.dot(eigen_query);
      ASSERT_EQ(score, eigen_score) << "row " << row;
      ASSERT_EQ(score, similarity(rows[row], query)) << "row " << row;
    }
  }
}

// A service with `components` random unit signatures, as models/world.cpp draws them.
Service service_with_components(engine::RngStream& rng, int id, int components) {
  Service service;
  service.id = id;
  service.tier = static_cast<Tier>(id % 4);
  service.blast_radius = id % 11;
  for (int c = 0; c < components; ++c) {
    ComponentSignature sig{};
    double norm = 0;
    for (float& v : sig) {
      v = static_cast<float>(engine::standard_normal(rng));
      norm += static_cast<double>(v) * v;
    }
    for (float& v : sig)
      v = static_cast<float>(v / std::sqrt(norm));
    service.component_signature.push_back(sig);
    service.component_class.push_back(DefectClass::Logic);
  }
  return service;
}

// Embeddings of the kind the study makes: a few hundred components dominate similarity, so rows
// come in tight clusters with many near-equal neighbours.
std::vector<Embedding> clustered_rows(engine::RngStream& rng, int count, int kServices = 40) {
  const LocalCalendar calendar(0, 0, ReviewerConfig{}, {}, {});
  std::vector<Service> services;
  for (int s = 0; s < kServices; ++s)
    services.push_back(service_with_components(rng, s, 6));
  std::vector<Embedding> rows;
  for (int r = 0; r < count; ++r) {
    const Service& service =
        services[engine::uniform_below(rng, static_cast<std::uint64_t>(kServices))];
    Change change;
    change.arrival = engine::SimTime::minutes(
        static_cast<std::int64_t>(engine::uniform_below(rng, 60 * 24 * 7 * 30)));
    change.components = {static_cast<std::int8_t>(engine::uniform_below(rng, 6)), -1};
    change.lines_changed = static_cast<int>(std::exp(engine::uniform(rng, 0.0, 8.0)));
    change.files_changed = 1 + static_cast<int>(std::exp(engine::uniform(rng, 0.0, 3.0)));
    change.migration = engine::uniform01(rng) < 0.05;
    change.config_change = engine::uniform01(rng) < 0.15;
    change.hotfix = engine::uniform01(rng) < 0.05;
    change.late_hours = engine::uniform01(rng) < 0.2;
    rows.push_back(embed_change(change, service, kServices, calendar));
  }
  return rows;
}

EmbeddingIndex make_hnsw(std::uint64_t seed) {
  return EmbeddingIndex(HnswParameters{}, engine::RngStream(engine::StreamKey{seed, 0, 0, 0, 25}));
}

TEST(HnswIndex, RecallAgainstExactOnClusteredRows) {
  engine::RngStream rng(engine::StreamKey{5, 0, 0, 4, 1});
  // About one organization's index in the study (5,000-6,000 finished deployments).
  const auto rows = clustered_rows(rng, 6'000);
  EmbeddingIndex exact(16);
  EmbeddingIndex approximate = make_hnsw(1);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    exact.add(rows[r], r % 5 == 0);
    approximate.add(rows[r], r % 5 == 0);
  }
  EXPECT_EQ(approximate.size(), rows.size());
  const auto queries = clustered_rows(rng, 300);
  std::size_t hits = 0;
  std::size_t wanted = 0;
  for (const auto& query : queries) {
    const auto truth = exact.top_k(query, 10);
    const auto found = approximate.top_k(query, 10);
    ASSERT_EQ(found.size(), truth.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      // Scores are exact similarities of the rows returned, best first.
      EXPECT_EQ(found[i].second, similarity(rows[found[i].first], query));
      if (i > 0) {
        EXPECT_GE(found[i - 1].second, found[i].second);
      }
      // A row as similar as the exact 10th is as good a neighbour (equal embeddings abound).
      hits += found[i].second >= truth.back().second ? 1 : 0;
    }
    wanted += truth.size();
  }
  const double recall = static_cast<double>(hits) / static_cast<double>(wanted);
  EXPECT_GE(recall, 0.95);
}

TEST(HnswIndex, SameInsertsAndSeedGiveTheSameNeighbours) {
  engine::RngStream rng(engine::StreamKey{6, 0, 0, 4, 1});
  const auto rows = clustered_rows(rng, 5'000);
  EmbeddingIndex a = make_hnsw(3);
  EmbeddingIndex b = make_hnsw(3);
  for (const auto& row : rows) {
    a.add(row, false);
    b.add(row, false);
  }
  for (const auto& query : clustered_rows(rng, 200)) {
    const auto found = a.top_k(query, 10);
    EXPECT_EQ(found, b.top_k(query, 10));
    EXPECT_EQ(found, a.top_k(query, 10));  // queries leave no trace
  }
}

TEST(HnswIndex, SmallIndexesAnswerExactly) {
  engine::RngStream rng(engine::StreamKey{8, 0, 0, 4, 1});
  EmbeddingIndex approximate = make_hnsw(2);
  EmbeddingIndex exact(16);
  EXPECT_TRUE(approximate.top_k(at_cosine(1.0), 10).empty());
  // With fewer rows than ef_search the graph search visits everything reachable: every row.
  for (int r = 0; r < 40; ++r) {
    const Embedding row = random_unit(rng);
    approximate.add(row, r % 2 == 0);
    exact.add(row, r % 2 == 0);
    const auto self = approximate.top_k(row, 1);
    ASSERT_EQ(self.size(), 1U);
    EXPECT_EQ(self[0].first, static_cast<std::size_t>(r));
  }
  for (int q = 0; q < 20; ++q) {
    const Embedding query = random_unit(rng);
    EXPECT_EQ(approximate.top_k(query, 50), exact.top_k(query, 50));
    const RetrievalResult x = exact.query(query, 10, 0.1);
    const RetrievalResult y = approximate.query(query, 10, 0.1);
    EXPECT_EQ(x.neighbours, y.neighbours);
    EXPECT_EQ(x.failure_share, y.failure_share);
    EXPECT_EQ(x.confidence, y.confidence);
  }
}

// The reference for the clustered exact search: every row scored by similarity() (the kernel's
// summation order), fully sorted by (similarity descending, row ascending).
std::vector<std::pair<std::size_t, float>> score_every_row(const std::vector<Embedding>& rows,
                                                           const Embedding& query, std::size_t k) {
  std::vector<std::pair<std::size_t, float>> all;
  for (std::size_t r = 0; r < rows.size(); ++r)
    all.emplace_back(r, similarity(rows[r], query));
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  all.resize(std::min(k, all.size()));
  return all;
}

// Every query's answer, for each k and similarity floor, is the one of scoring every row: the
// top k in the total order, then those at or above the floor.
void expect_answers_of_scoring_every_row(const EmbeddingIndex& index,
                                         const std::vector<Embedding>& rows,
                                         const std::vector<Embedding>& queries,
                                         std::initializer_list<std::size_t> ks,
                                         std::initializer_list<double> floors) {
  for (const auto& query : queries) {
    for (const std::size_t k : ks) {
      const auto expected = score_every_row(rows, query, k);
      ASSERT_EQ(index.top_k(query, static_cast<int>(k)), expected);
      for (const double floor : floors) {
        const RetrievalResult found = index.query(query, static_cast<int>(k), floor);
        std::vector<std::size_t> want;
        for (const auto& [row, score] : expected) {
          if (score >= floor)
            want.push_back(row);
        }
        ASSERT_EQ(found.rows, want) << "k " << k << " floor " << floor;
        EXPECT_EQ(found.neighbours, static_cast<int>(want.size()));
      }
    }
  }
}

// Skipping clusters by their Cauchy-Schwarz bound must give exactly the answer of scoring every
// row: same rows, same order, same float scores, with and without a similarity floor.
TEST(EmbeddingIndex, ClusteredSearchEqualsScoringEveryRow) {
  engine::RngStream rng(engine::StreamKey{12, 0, 0, 4, 1});
  auto rows = clustered_rows(rng, 6'000);
  for (int r = 0; r < 400; ++r)  // and some rows far from every cluster
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(r * 15), random_unit(rng));
  EmbeddingIndex index(16);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    index.add(rows[r], r % 4 == 0);
    if (r % 997 == 0) {  // also while the index grows
      const auto seen = std::vector<Embedding>(rows.begin(), rows.begin() + r + 1);
      EXPECT_EQ(index.top_k(rows[r / 2], 10), score_every_row(seen, rows[r / 2], 10));
    }
  }
  // Clusters exist (so clusters are really skipped), and not one per row.
  EXPECT_GT(index.clusters(), 1U);
  EXPECT_LT(index.clusters(), rows.size() / 4);
  auto queries = clustered_rows(rng, 200);
  for (int q = 0; q < 50; ++q)
    queries.push_back(random_unit(rng));
  expect_answers_of_scoring_every_row(index, rows, queries, {1U, 10U, 37U}, {0.5, 0.8, 0.95});
}

// Code areas of hundreds of rows are split into groups by their features, searched with the
// triangle bound: still exactly the answer of scoring every row, ties (repeated rows) included.
TEST(EmbeddingIndex, SplitClustersAnswerAsScoringEveryRow) {
  engine::RngStream rng(engine::StreamKey{14, 0, 0, 4, 1});
  auto rows = clustered_rows(rng, 5'000, 2);  // 12 code areas: ~400 rows each
  for (std::size_t r = 7; r < rows.size(); r += 7)
    rows[r] = rows[r / 3];  // exact repeats: equal scores, the lower row first
  EmbeddingIndex index(16);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    index.add(rows[r], r % 4 == 0);
    if (r % 499 == 0) {  // also while clusters are being split
      const auto seen = std::vector<Embedding>(rows.begin(), rows.begin() + r + 1);
      for (const std::size_t q : {r / 2, r})
        ASSERT_EQ(index.top_k(rows[q], 10), score_every_row(seen, rows[q], 10)) << "rows " << r;
    }
  }
  EXPECT_GT(index.split_clusters(), 5U);
  auto queries = clustered_rows(rng, 100, 2);
  for (int q = 0; q < 30; ++q) {
    queries.push_back(rows[static_cast<std::size_t>(q) * 131]);
    queries.push_back(random_unit(rng));
  }
  expect_answers_of_scoring_every_row(index, rows, queries, {1U, 10U, 37U, 600U},
                                      {0.8, 0.99, 0.9999});
}

// The hnsw kind answers exactly below its row threshold and then builds the same graph as an
// index that inserted every row into the graph as it came.
TEST(EmbeddingIndex, HnswKindIsExactBelowItsThreshold) {
  engine::RngStream rng(engine::StreamKey{13, 0, 0, 4, 1});
  const auto rows = clustered_rows(rng, 3'000);
  constexpr std::size_t kThreshold = 2'000;
  EmbeddingIndex switching(HnswParameters{}, engine::RngStream(engine::StreamKey{4, 0, 0, 0, 25}),
                           kThreshold);
  EmbeddingIndex graph = make_hnsw(4);
  EmbeddingIndex exact(16);
  const auto queries = clustered_rows(rng, 50);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    switching.add(rows[r], r % 3 == 0);
    graph.add(rows[r], r % 3 == 0);
    exact.add(rows[r], r % 3 == 0);
    if (r + 1 == kThreshold - 1) {
      EXPECT_GT(switching.clusters(), 0U);
      for (const auto& query : queries)
        ASSERT_EQ(switching.top_k(query, 10), exact.top_k(query, 10));
    }
  }
  EXPECT_EQ(switching.clusters(), 0U);
  for (const auto& query : queries) {
    ASSERT_EQ(switching.top_k(query, 10), graph.top_k(query, 10));
    const RetrievalResult a = switching.query(query, 10, 0.8);
    const RetrievalResult b = graph.query(query, 10, 0.8);
    EXPECT_EQ(a.rows, b.rows);
    EXPECT_EQ(a.failure_share, b.failure_share);
  }
}

TEST(EmbedChange, IsUnitLengthAndSeparatesComponents) {
  const LocalCalendar calendar(0, 0, ReviewerConfig{}, {}, {});
  engine::RngStream rng(engine::StreamKey{11, 0, 0, 0, 27});
  const Service a = service_with_components(rng, 0, 6);
  const Service b = service_with_components(rng, 20, 6);
  Change change;
  change.arrival = engine::SimTime::hours(10);
  change.lines_changed = 120;
  change.files_changed = 4;
  change.components = {2, -1};
  const Embedding ea = embed_change(change, a, 40, calendar);
  double norm = 0;
  for (float v : ea)
    norm += static_cast<double>(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-6);

  const auto cosine = [](const Embedding& x, const Embedding& y) {
    double dot = 0;
    for (std::size_t d = 0; d < x.size(); ++d)
      dot += static_cast<double>(x[d]) * y[d];
    return dot;
  };
  // Same component, a bigger change: nearly identical. Same service, other component, or
  // another service's same-numbered component: clearly further (signatures are random unit
  // vectors, so unrelated code areas are not neighbours by construction of an id).
  Change bigger = change;
  bigger.lines_changed = 150;
  const double same_component = cosine(ea, embed_change(bigger, a, 40, calendar));
  Change elsewhere = change;
  elsewhere.components = {4, -1};
  const double other_component = cosine(ea, embed_change(elsewhere, a, 40, calendar));
  const double other_service = cosine(ea, embed_change(change, b, 40, calendar));
  EXPECT_GT(same_component, 0.99);
  EXPECT_LT(other_component, same_component - 0.2);
  EXPECT_LT(other_service, same_component - 0.2);
  // Touching the component plus another one keeps it among the closer rows.
  Change both = change;
  both.components = {2, 4};
  EXPECT_GT(cosine(ea, embed_change(both, a, 40, calendar)), other_component);
}

}  // namespace
}  // namespace genops::models
