#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace genops::models {

// The dependency DAG of one organization's services. An edge (a, b) means "a depends on b", so
// an incident in b reaches a. Boost.Graph stays inside service_graph.cpp.
class ServiceGraph {
 public:
  explicit ServiceGraph(std::size_t services);
  ServiceGraph(std::size_t services, const std::vector<std::pair<int, int>>& depends_on);
  ~ServiceGraph();
  ServiceGraph(ServiceGraph&&) noexcept;
  ServiceGraph& operator=(ServiceGraph&&) noexcept;

  // Adds "from depends on to"; throws std::invalid_argument if it would close a cycle.
  void add_dependency(int from, int to);
  std::size_t size() const;
  std::size_t edge_count() const;
  // Services that depend on `service` directly.
  std::vector<int> direct_dependents(int service) const;
  // Services that depend on `service` directly or transitively (its blast radius).
  std::vector<int> transitive_dependents(int service) const;
  // Every service's transitive dependent count, indexed by service.
  std::vector<int> blast_radius_counts() const;
  bool depends_on(int from, int to) const;  // transitively

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace genops::models
