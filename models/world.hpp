#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/random.hpp"
#include "engine/sim_time.hpp"
#include "models/calendar.hpp"
#include "models/config.hpp"
#include "models/service_graph.hpp"

namespace genops::models {

// Random-stream purposes. A stream is keyed by (seed, replication, organization, entity,
// purpose), so every draw below is the same under every strategy (common random numbers).
// Per-attempt draws use purpose + 256 x attempt.
enum class Purpose : std::uint32_t {
  ServiceTraits = 1,
  Arrivals = 2,
  Hotfixes = 3,
  ChangeFeatures = 4,
  ChangeDefect = 5,
  Graph = 6,
  CiRun = 16,
  Rework = 17,
  HumanReview = 18,
  AiReview = 19,
  Canary = 20,
  Verification = 21,
  Incident = 22,
  PolicySlip = 23,
  Deploy = 24,
  RetrievalIndex = 25,   // levels of the approximate retrieval index
  Fragility = 26,        // the components' fragility walk
  ComponentTraits = 27,  // component signatures and typical defect classes
  PrBuilds = 28,         // pull-request build arrivals and durations
  PrReview = 29,         // whether a pull-request build asks for a human review, and its time
};

// What kind of mistake a defect is; precedents of the same class help a reviewer most.
enum class DefectClass : std::uint8_t { Logic = 0, Config = 1, Schema = 2, Performance = 3 };
inline constexpr int kDefectClassCount = 4;
const char* defect_class_name(DefectClass c);

// Observable signature of a component (e.g. an embedding of its file paths), a unit vector.
inline constexpr int kSignatureDim = 8;
using ComponentSignature = std::array<float, kSignatureDim>;

inline std::uint32_t purpose_key(Purpose purpose, int attempt = 0) {
  return static_cast<std::uint32_t>(purpose) + 256U * static_cast<std::uint32_t>(attempt);
}

struct Service {
  int id = 0;
  std::string name;
  Tier tier = Tier::Medium;
  double request_rate_per_minute = 0;
  double base_error_rate = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double error_budget_minutes = 0;  // bad minutes allowed per rolling 28 days
  double deploys_per_day = 0;
  double defect_propensity = 1;
  double ci_median_minutes = 0;
  int blast_radius = 0;  // transitive dependents
  std::vector<int> direct_dependents;
  // Components (code areas): observable signatures and each one's typical defect class.
  std::vector<ComponentSignature> component_signature;
  std::vector<DefectClass> component_class;
  // Latent: log-fragility of component c on day d at [c x days + d] (mean-reverting walk).
  std::vector<float> log_fragility;
};

// One deployment request and its latent truth. Latent truth is drawn from the change's own
// streams and identical under every strategy.
struct Change {
  std::uint32_t id = 0;  // dense, in arrival order within the organization
  int service = 0;
  SimTime arrival;
  int lines_changed = 0;
  int files_changed = 0;
  bool migration = false;
  bool config_change = false;
  bool hotfix = false;
  bool has_defect = false;
  bool test_visible = false;
  double error_rate_effect = 0;   // added error rate in production
  double latency_effect = 0;      // added latency, fraction of the base
  bool delayed_manifest = false;  // invisible until after the rollout (canary cannot see it)
  // Observable: the components the change touches (second one -1 when it touches one).
  std::array<std::int8_t, 2> components = {0, -1};
  bool late_hours = false;  // written 20:00-07:00 or on a weekend
  // Latent: the touched component where the risk lives (the more fragile one), the class a
  // defect of this change has, and how visible a defect is in the diff (0..1).
  std::int8_t risk_component = 0;
  DefectClass defect_class = DefectClass::Logic;
  float detectability = 0;
  float defect_probability = 0;
};

// A pull-request build: it needs a CI runner for `minutes` and never deploys.
struct PrBuild {
  SimTime arrival;
  float minutes = 0;
};

// The static world of one organization in one replication: services, graph, calendar, traffic.
struct Organization {
  int index = 0;
  OrganizationConfig config;
  std::vector<Service> services;
  ServiceGraph graph{0};
  LocalCalendar calendar;
  std::vector<Change> changes;     // sorted by arrival
  std::vector<PrBuild> pr_builds;  // sorted by arrival
};

struct RunKey {
  std::uint64_t master_seed = 0;
  std::uint32_t replication = 0;
};

inline engine::RngStream world_stream(RunKey key, int organization, std::uint64_t entity,
                                      std::uint32_t purpose) {
  return engine::RngStream(engine::StreamKey{
      key.master_seed, key.replication, static_cast<std::uint32_t>(organization), entity, purpose});
}

// Builds organization `index` of the scenario for one replication, with the arrivals of
// [0, warmup_days + duration_days) of the simulation clock generated on the spot
// (non-homogeneous Poisson by thinning); the clock starts warmup_days before start_date.
Organization build_organization(const Scenario& scenario, int index, RunKey key);

// Probability that a reviewer of mean catch probability `strength` (over defects) catches the
// defect of `change`: min(1, strength x d / mean d), d its latent detectability. Human and AI
// reviews use it with the same d (common random numbers).
double review_catch_probability(double strength, const Change& change, const DefectConfig& d);

// Relative arrival intensity at local (weekday, fractional hour), normalised so the weekly
// mean is 1.
double arrival_intensity(const TrafficConfig& traffic, int weekday, double hour);

}  // namespace genops::models
