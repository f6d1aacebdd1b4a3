#include "models/service_graph.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>

namespace genops::models {

namespace {
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

// Vertices reachable from `source` in `graph` (excluding source), sorted.
template <class G>
std::vector<int> reachable(const G& graph, int source) {
  std::vector<boost::default_color_type> colors(boost::num_vertices(graph));
  std::vector<int> found;
  struct Recorder : boost::default_bfs_visitor {
    std::vector<int>* out;
    Vertex source;
    void discover_vertex(Vertex v, const G&) const {
      if (v != source)
        out->push_back(static_cast<int>(v));
    }
  };
  Recorder recorder;
  recorder.out = &found;
  recorder.source = static_cast<Vertex>(source);
  boost::breadth_first_search(graph, static_cast<Vertex>(source),
                              boost::visitor(recorder).color_map(boost::make_iterator_property_map(
                                  colors.begin(), boost::get(boost::vertex_index, graph))));
  std::sort(found.begin(), found.end());
  return found;
}
}  // namespace

struct ServiceGraph::Impl {
  Graph graph;
};

ServiceGraph::ServiceGraph(std::size_t services) : impl_(std::make_unique<Impl>()) {
  impl_->graph = Graph(services);
}

ServiceGraph::ServiceGraph(std::size_t services, const std::vector<std::pair<int, int>>& depends_on)
    : ServiceGraph(services) {
  for (const auto& [from, to] : depends_on)
    add_dependency(from, to);
}

ServiceGraph::~ServiceGraph() = default;
ServiceGraph::ServiceGraph(ServiceGraph&&) noexcept = default;
ServiceGraph& ServiceGraph::operator=(ServiceGraph&&) noexcept = default;

void ServiceGraph::add_dependency(int from, int to) {
  const auto n = static_cast<int>(size());
  if (from < 0 || to < 0 || from >= n || to >= n || from == to) {
    throw std::invalid_argument("bad dependency " + std::to_string(from) + " -> " +
                                std::to_string(to));
  }
  if (depends_on(to, from)) {
    throw std::invalid_argument("dependency " + std::to_string(from) + " -> " + std::to_string(to) +
                                " would close a cycle");
  }
  if (!boost::edge(static_cast<Vertex>(from), static_cast<Vertex>(to), impl_->graph).second) {
    boost::add_edge(static_cast<Vertex>(from), static_cast<Vertex>(to), impl_->graph);
  }
}

std::size_t ServiceGraph::size() const {
  return boost::num_vertices(impl_->graph);
}
std::size_t ServiceGraph::edge_count() const {
  return boost::num_edges(impl_->graph);
}

std::vector<int> ServiceGraph::direct_dependents(int service) const {
  std::vector<int> out;
  for (auto [it, end] = boost::in_edges(static_cast<Vertex>(service), impl_->graph); it != end;
       ++it) {
    out.push_back(static_cast<int>(boost::source(*it, impl_->graph)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> ServiceGraph::transitive_dependents(int service) const {
  return reachable(boost::make_reverse_graph(impl_->graph), service);
}

std::vector<int> ServiceGraph::blast_radius_counts() const {
  std::vector<int> counts(size());
  for (std::size_t s = 0; s < size(); ++s) {
    counts[s] = static_cast<int>(transitive_dependents(static_cast<int>(s)).size());
  }
  return counts;
}

bool ServiceGraph::depends_on(int from, int to) const {
  const auto found = reachable(impl_->graph, from);
  return std::binary_search(found.begin(), found.end(), to);
}

}  // namespace genops::models
