#include "models/config.hpp"

namespace genops::models {

std::vector<CanaryStage> default_canary_stages() {
  // traffic %, bake minutes, minimum samples, SLO relaxation (docs/MODEL.md).
  return {
      {1, 5, 50, 1.0}, {5, 5, 100, 1.0}, {25, 5, 500, 1.1}, {50, 5, 1000, 1.2}, {100, 0, 0, 1.0}};
}

std::vector<CanaryStage> default_high_risk_stages() {
  return {{1, 10, 50, 1.0},  {2, 5, 50, 1.0},    {5, 5, 100, 1.0}, {10, 5, 200, 1.1},
          {25, 5, 500, 1.2}, {50, 5, 1000, 1.3}, {100, 0, 0, 1.0}};
}

const char* tier_name(Tier tier) {
  switch (tier) {
    case Tier::Critical:
      return "CRITICAL";
    case Tier::High:
      return "HIGH";
    case Tier::Medium:
      return "MEDIUM";
    case Tier::Low:
      return "LOW";
  }
  return "?";
}

const char* retrieval_index_name(RetrievalIndexKind kind) {
  switch (kind) {
    case RetrievalIndexKind::Exact:
      return "exact";
    case RetrievalIndexKind::Hnsw:
      return "hnsw";
  }
  return "?";
}

const char* autonomy_name(AutonomyLevel level) {
  switch (level) {
    case AutonomyLevel::Shadow:
      return "SHADOW";
    case AutonomyLevel::Assisted:
      return "ASSISTED";
    case AutonomyLevel::Governed:
      return "GOVERNED";
    case AutonomyLevel::Learning:
      return "LEARNING";
  }
  return "?";
}

}  // namespace genops::models
