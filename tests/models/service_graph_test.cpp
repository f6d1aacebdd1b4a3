#include "models/service_graph.hpp"

#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace genops::models {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Hand-drawn graph ("a -> b" means a depends on b, so an incident in b reaches a):
//
//   4 -> 3 -> 1 -> 0 <- 2      5 (isolated)
//
ServiceGraph chain_graph() {
  return ServiceGraph(6, {{1, 0}, {2, 0}, {3, 1}, {4, 3}});
}

TEST(ServiceGraph, DirectDependentsAreTheServicesWithAnEdgeIntoTheService) {
  const ServiceGraph graph = chain_graph();
  EXPECT_EQ(graph.size(), 6U);
  EXPECT_EQ(graph.edge_count(), 4U);
  EXPECT_THAT(graph.direct_dependents(0), ElementsAre(1, 2));
  EXPECT_THAT(graph.direct_dependents(1), ElementsAre(3));
  EXPECT_THAT(graph.direct_dependents(3), ElementsAre(4));
  EXPECT_THAT(graph.direct_dependents(4), IsEmpty());
  EXPECT_THAT(graph.direct_dependents(5), IsEmpty());
}

TEST(ServiceGraph, TransitiveDependentsFollowEveryPathUpstream) {
  const ServiceGraph graph = chain_graph();
  EXPECT_THAT(graph.transitive_dependents(0), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(graph.transitive_dependents(1), ElementsAre(3, 4));
  EXPECT_THAT(graph.transitive_dependents(2), IsEmpty());
  EXPECT_THAT(graph.transitive_dependents(5), IsEmpty());
}

TEST(ServiceGraph, BlastRadiusCountsEveryServiceOnce) {
  EXPECT_THAT(chain_graph().blast_radius_counts(), ElementsAre(4, 2, 0, 1, 0, 0));
  // Diamond: 3 reaches 0 through both 1 and 2; 3 counts once.
  //   3 -> 1 -> 0,  3 -> 2 -> 0
  const ServiceGraph diamond(4, {{1, 0}, {2, 0}, {3, 1}, {3, 2}});
  EXPECT_THAT(diamond.transitive_dependents(0), ElementsAre(1, 2, 3));
  EXPECT_THAT(diamond.blast_radius_counts(), ElementsAre(3, 1, 1, 0));
}

TEST(ServiceGraph, DependsOnIsTransitiveAndDirected) {
  const ServiceGraph graph = chain_graph();
  EXPECT_TRUE(graph.depends_on(4, 0));
  EXPECT_TRUE(graph.depends_on(1, 0));
  EXPECT_FALSE(graph.depends_on(0, 4));
  EXPECT_FALSE(graph.depends_on(2, 1));
  EXPECT_FALSE(graph.depends_on(5, 0));
}

TEST(ServiceGraph, RejectsAnEdgeThatClosesACycle) {
  ServiceGraph graph = chain_graph();
  EXPECT_THROW(graph.add_dependency(0, 4), std::invalid_argument);  // 0 -> 4 -> 3 -> 1 -> 0
  EXPECT_THROW(graph.add_dependency(0, 1), std::invalid_argument);  // two-cycle
  EXPECT_THROW(graph.add_dependency(2, 2), std::invalid_argument);  // self-loop
  EXPECT_EQ(graph.edge_count(), 4U);
  EXPECT_THAT(graph.transitive_dependents(4), IsEmpty());
  // The constructor checks every edge too.
  EXPECT_THROW(ServiceGraph(3, {{0, 1}, {1, 2}, {2, 0}}), std::invalid_argument);
}

TEST(ServiceGraph, RejectsOutOfRangeServicesAndIgnoresDuplicateEdges) {
  ServiceGraph graph = chain_graph();
  EXPECT_THROW(graph.add_dependency(6, 0), std::invalid_argument);
  EXPECT_THROW(graph.add_dependency(0, -1), std::invalid_argument);
  graph.add_dependency(1, 0);
  EXPECT_EQ(graph.edge_count(), 4U);
  EXPECT_THAT(graph.direct_dependents(0), ElementsAre(1, 2));
  // A new edge that keeps the graph acyclic extends the blast radius.
  graph.add_dependency(5, 4);
  EXPECT_THAT(graph.transitive_dependents(0), ElementsAre(1, 2, 3, 4, 5));
}

}  // namespace
}  // namespace genops::models
