#include "models/world.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/error.hpp"

namespace genops::models {

namespace {

using engine::RngStream;

constexpr std::array<double, kTierCount> kTierBudgetScale = {0.5, 0.75, 1.0, 1.5};

double profile_mean(const TrafficConfig& traffic) {
  double total = 0;
  for (double w : traffic.weekday_profile) {
    for (double h : traffic.hourly_profile)
      total += w * h;
  }
  return total / (7.0 * 24.0);
}

// Assigns tiers by largest remainder, so a small organization still gets its shares exactly.
std::vector<Tier> assign_tiers(int count, const std::array<double, kTierCount>& shares,
                               RngStream& rng) {
  const double total = std::accumulate(shares.begin(), shares.end(), 0.0);
  std::vector<Tier> tiers;
  std::array<double, kTierCount> remainders{};
  int assigned = 0;
  for (int t = 0; t < kTierCount; ++t) {
    const double exact = count * shares[static_cast<std::size_t>(t)] / total;
    const int whole = static_cast<int>(std::floor(exact));
    remainders[static_cast<std::size_t>(t)] = exact - whole;
    tiers.insert(tiers.end(), static_cast<std::size_t>(whole), static_cast<Tier>(t));
    assigned += whole;
  }
  while (assigned < count) {
    const auto best = static_cast<int>(std::max_element(remainders.begin(), remainders.end()) -
                                       remainders.begin());
    tiers.push_back(static_cast<Tier>(best));
    remainders[static_cast<std::size_t>(best)] = -1;
    ++assigned;
  }
  // Shuffle (Fisher-Yates on our own uniform_below) so tier is not tied to the service index.
  for (std::size_t i = tiers.size(); i > 1; --i) {
    std::swap(tiers[i - 1], tiers[engine::uniform_below(rng, i)]);
  }
  return tiers;
}

double relative_intensity(const TrafficConfig& traffic, int weekday, double hour) {
  const auto h = static_cast<std::size_t>(std::clamp(static_cast<int>(hour), 0, 23));
  return traffic.weekday_profile[static_cast<std::size_t>(weekday)] * traffic.hourly_profile[h];
}

const char* kTierPrefix[] = {"core", "api", "svc", "tool"};

}  // namespace

double arrival_intensity(const TrafficConfig& traffic, int weekday, double hour) {
  return relative_intensity(traffic, weekday, hour) / profile_mean(traffic);
}

namespace {

// One arrival of a change request, before its features are drawn.
struct Arrival {
  SimTime time;
  int service;
  bool hotfix;
};

// A service's components: signatures (random unit vectors), typical defect classes, and the
// daily log-fragility walk (AR(1) with stationary sd fragility_sigma, started stationary).
void generate_components(const Scenario& scenario, int index, RunKey key, Service& service) {
  const DefectConfig& d = scenario.defects;
  const int components = d.components_per_service;
  const int days = std::max(1, simulated_arrival_days(scenario));
  RngStream rng = world_stream(key, index, static_cast<std::uint64_t>(service.id) + 1,
                               purpose_key(Purpose::ComponentTraits));
  service.component_signature.resize(static_cast<std::size_t>(components));
  service.component_class.resize(static_cast<std::size_t>(components));
  for (int c = 0; c < components; ++c) {
    auto& sig = service.component_signature[static_cast<std::size_t>(c)];
    double norm = 0;
    for (float& v : sig) {
      v = static_cast<float>(engine::standard_normal(rng));
      norm += static_cast<double>(v) * v;
    }
    for (float& v : sig)
      v = static_cast<float>(v / std::sqrt(norm));
    service.component_class[static_cast<std::size_t>(c)] =
        static_cast<DefectClass>(engine::uniform_below(rng, kDefectClassCount));
  }
  RngStream walk = world_stream(key, index, static_cast<std::uint64_t>(service.id) + 1,
                                purpose_key(Purpose::Fragility));
  const double phi = std::exp(-1.0 / std::max(1e-9, d.fragility_reversion_days));
  const double step = d.fragility_sigma * std::sqrt(1.0 - phi * phi);
  service.log_fragility.resize(static_cast<std::size_t>(components * days));
  for (int c = 0; c < components; ++c) {
    double x = d.fragility_sigma * engine::standard_normal(walk);
    for (int day = 0; day < days; ++day) {
      service.log_fragility[static_cast<std::size_t>(c * days + day)] = static_cast<float>(x);
      x = phi * x + step * engine::standard_normal(walk);
    }
  }
}

// Services and their traits (tier, rates, latency, error budget, defect propensity, CI time).
void generate_services(const Scenario& scenario, const OrganizationConfig& org_config, int index,
                       RunKey key, Organization& org) {
  const ServiceConfig& sc = scenario.services;
  RngStream tier_rng = world_stream(key, index, 0, purpose_key(Purpose::ServiceTraits));
  const auto tiers = assign_tiers(org_config.services, org_config.tier_shares, tier_rng);
  org.services.resize(static_cast<std::size_t>(org_config.services));
  for (int s = 0; s < org_config.services; ++s) {
    RngStream rng = world_stream(key, index, static_cast<std::uint64_t>(s) + 1,
                                 purpose_key(Purpose::ServiceTraits));
    Service& service = org.services[static_cast<std::size_t>(s)];
    service.id = s;
    service.tier = tiers[static_cast<std::size_t>(s)];
    service.name = org_config.name + "-" + kTierPrefix[static_cast<int>(service.tier)] + "-" +
                   std::to_string(s);
    service.request_rate_per_minute =
        engine::lognormal_median(rng, sc.request_rate_median_per_minute, sc.request_rate_sigma);
    service.base_error_rate = std::min(
        0.5, engine::lognormal_median(rng, sc.base_error_rate_median, sc.base_error_rate_sigma));
    service.latency_p50_ms = engine::lognormal_median(rng, sc.latency_p50_median_ms, 0.3);
    service.latency_p99_ms = service.latency_p50_ms * sc.latency_p99_over_p50;
    service.error_budget_minutes = (1.0 - sc.availability_slo) * 28.0 * 24.0 * 60.0 *
                                   kTierBudgetScale[static_cast<std::size_t>(service.tier)];
    service.deploys_per_day = engine::lognormal_median(rng, org_config.deploys_per_service_per_day,
                                                       org_config.service_rate_sigma);
    // Lognormal with median e^{-sigma^2/2} has mean 1; the same correction for the rate.
    service.deploys_per_day *=
        std::exp(-0.5 * org_config.service_rate_sigma * org_config.service_rate_sigma);
    service.defect_propensity =
        engine::lognormal_median(rng, 1.0, scenario.defects.service_propensity_sigma) *
        std::exp(-0.5 * scenario.defects.service_propensity_sigma *
                 scenario.defects.service_propensity_sigma);
    service.ci_median_minutes = engine::lognormal_median(rng, sc.ci_median_minutes, 0.25);
    generate_components(scenario, index, key, service);
  }
}

// The dependency DAG: each service depends on a few lower-numbered ones (always acyclic).
void generate_dependencies(const OrganizationConfig& org_config, int index, RunKey key,
                           Organization& org) {
  RngStream graph_rng = world_stream(key, index, 0, purpose_key(Purpose::Graph));
  for (int s = 1; s < org_config.services; ++s) {
    const auto wanted = engine::poisson(graph_rng, org_config.mean_dependencies);
    for (std::uint64_t d = 0; d < wanted; ++d) {
      const auto target =
          static_cast<int>(engine::uniform_below(graph_rng, static_cast<std::uint64_t>(s)));
      org.graph.add_dependency(s, target);
    }
  }
  const auto radius = org.graph.blast_radius_counts();
  for (auto& service : org.services) {
    service.blast_radius = radius[static_cast<std::size_t>(service.id)];
    service.direct_dependents = org.graph.direct_dependents(service.id);
  }
}

// A non-homogeneous Poisson process by thinning: candidates at rate `bound` until `end`, each kept
// with probability accept(t) (one uniform draw per candidate); take(t) may draw more from `rng`.
template <class Accept, class Take>
void thinned_arrivals(RngStream& rng, double bound, SimTime end, Accept accept, Take take) {
  double minutes = 0;
  for (;;) {
    minutes += engine::exponential(rng, 1.0 / bound);
    const SimTime t = SimTime::from_minutes(minutes);
    if (t >= end)
      return;
    if (engine::uniform01(rng) < accept(t))
      take(t);
  }
}

// Arrivals: thinning of a non-homogeneous Poisson process per service, in local time; sorted
// by (time, service, hotfix).
std::vector<Arrival> generate_arrivals(const Scenario& scenario, const Organization& org, int index,
                                       RunKey key) {
  const TrafficConfig& traffic = scenario.traffic;
  const double mean_intensity = profile_mean(traffic);
  const double max_intensity =
      *std::max_element(traffic.weekday_profile.begin(), traffic.weekday_profile.end()) *
      *std::max_element(traffic.hourly_profile.begin(), traffic.hourly_profile.end()) /
      mean_intensity;
  const SimTime end = SimTime::days(simulated_arrival_days(scenario));
  std::vector<Arrival> arrivals;
  for (const Service& service : org.services) {
    const double regular_per_minute =
        service.deploys_per_day * (1.0 - traffic.hotfix_share) / (24.0 * 60.0);
    const double hotfix_per_minute = service.deploys_per_day * traffic.hotfix_share / (24.0 * 60.0);
    const double bound = regular_per_minute * max_intensity;
    if (bound > 0) {
      RngStream rng = world_stream(key, index, static_cast<std::uint64_t>(service.id),
                                   purpose_key(Purpose::Arrivals));
      thinned_arrivals(
          rng, bound, end,
          [&](SimTime t) {
            return regular_per_minute *
                   arrival_intensity(traffic, org.calendar.weekday(t),
                                     org.calendar.hour_of_day(t)) /
                   bound;
          },
          [&](SimTime t) {
            arrivals.push_back({t, service.id, false});
          });
    }
    if (hotfix_per_minute > 0) {
      RngStream rng = world_stream(key, index, static_cast<std::uint64_t>(service.id),
                                   purpose_key(Purpose::Hotfixes));
      double minutes = 0;
      for (;;) {
        minutes += engine::exponential(rng, 1.0 / hotfix_per_minute);
        const SimTime t = SimTime::from_minutes(minutes);
        if (t >= end)
          break;
        arrivals.push_back({t, service.id, true});
      }
    }
  }
  std::sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) {
    if (a.time != b.time)
      return a.time < b.time;
    if (a.service != b.service)
      return a.service < b.service;
    return a.hotfix < b.hotfix;
  });
  return arrivals;
}

// The observable components a change touches (uniform; a second one with
// two_components_probability).
void touch_components(const DefectConfig& d, const Service& service, RngStream& features,
                      Change& change) {
  const auto count = static_cast<std::uint64_t>(service.component_signature.size());
  change.components = {static_cast<std::int8_t>(engine::uniform_below(features, count)), -1};
  if (count > 1 && engine::bernoulli(features, d.two_components_probability)) {
    auto second = static_cast<std::int8_t>(engine::uniform_below(features, count - 1));
    if (second >= change.components[0])
      ++second;
    change.components[1] = second;
  }
}

// Latent truth beyond the defect formula: the touched fragility (mean of the touched components'
// multipliers, each with mean 1), hidden noise (mean 1), the risk component (the more fragile
// touched one), the defect class and the detectability. Returns the defect multiplier.
double latent_multiplier(const Scenario& scenario, const Service& service, int day,
                         RngStream& truth, Change& change) {
  const DefectConfig& d = scenario.defects;
  const int days = std::max(1, simulated_arrival_days(scenario));
  const int at_day = std::clamp(day, 0, days - 1);
  const double correction = -0.5 * d.fragility_sigma * d.fragility_sigma;
  double fragility = 0;
  int touched = 0;
  double worst = -1e300;
  for (const std::int8_t c : change.components) {
    if (c < 0)
      continue;
    const double x = service.log_fragility[static_cast<std::size_t>(c * days + at_day)];
    fragility += std::exp(x + correction);
    ++touched;
    if (x > worst) {
      worst = x;
      change.risk_component = c;
    }
  }
  fragility /= std::max(1, touched);
  const double noise = engine::lognormal_median(truth, 1.0, d.change_noise_sigma) *
                       std::exp(-0.5 * d.change_noise_sigma * d.change_noise_sigma);
  // Class: the risk component's typical class half the time, else what the flags suggest.
  if (engine::bernoulli(truth, 0.5)) {
    change.defect_class = service.component_class[static_cast<std::size_t>(change.risk_component)];
  } else if (change.migration) {
    change.defect_class = DefectClass::Schema;
  } else if (change.config_change) {
    change.defect_class = DefectClass::Config;
  } else {
    change.defect_class =
        engine::bernoulli(truth, 0.3) ? DefectClass::Performance : DefectClass::Logic;
  }
  change.detectability = static_cast<float>(
      std::pow(engine::uniform01(truth), 1.0 / std::max(1e-9, d.detectability_shape)));
  return fragility * noise;
}

// Change features and latent truth, each from the change's own streams.
void generate_changes(const Scenario& scenario, const OrganizationConfig& org_config,
                      const std::vector<Arrival>& arrivals, int index, RunKey key,
                      Organization& org) {
  const TrafficConfig& traffic = scenario.traffic;
  const DefectConfig& defects = scenario.defects;
  org.changes.reserve(arrivals.size());
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    Change change;
    change.id = static_cast<std::uint32_t>(i);
    change.service = arrivals[i].service;
    change.arrival = arrivals[i].time;
    change.hotfix = arrivals[i].hotfix;
    RngStream features = world_stream(key, index, i, purpose_key(Purpose::ChangeFeatures));
    const double lines = engine::lognormal_median(
        features, traffic.lines_changed_median * (change.hotfix ? 0.3 : 1.0),
        traffic.lines_changed_sigma);
    change.lines_changed = std::max(1, static_cast<int>(std::lround(lines)));
    change.files_changed =
        std::max(1, static_cast<int>(std::lround(lines / traffic.lines_per_file *
                                                 engine::lognormal_median(features, 1.0, 0.4))));
    change.migration = !change.hotfix && engine::bernoulli(features, traffic.migration_probability);
    change.config_change = engine::bernoulli(features, traffic.config_change_probability);

    const Service& service = org.services[static_cast<std::size_t>(change.service)];
    const int hour = org.calendar.hour(change.arrival);
    const bool late = hour >= 20 || hour < 7 || org.calendar.is_weekend(change.arrival);
    change.late_hours = late;
    touch_components(defects, service, features, change);
    double p = defects.base_probability +
               defects.per_log10_lines * std::max(0.0, std::log10(lines) - 1.0) +
               (change.migration ? defects.migration_extra : 0.0) +
               (change.config_change ? defects.config_extra : 0.0) +
               (late ? defects.late_hours_extra : 0.0);
    RngStream truth = world_stream(key, index, i, purpose_key(Purpose::ChangeDefect));
    p *=
        org_config.defect_multiplier * service.defect_propensity *
        latent_multiplier(scenario, service, org.calendar.local_day(change.arrival), truth, change);
    p = std::clamp(p, 0.0, 0.95);
    change.defect_probability = static_cast<float>(p);
    change.has_defect = engine::bernoulli(truth, p);
    change.test_visible = engine::bernoulli(truth, defects.test_visible_probability);
    change.error_rate_effect =
        std::min(0.9, engine::lognormal_median(truth, defects.error_rate_effect_median,
                                               defects.error_rate_effect_sigma));
    change.latency_effect = engine::lognormal_median(truth, defects.latency_effect_median,
                                                     defects.latency_effect_sigma);
    change.delayed_manifest = engine::bernoulli(truth, defects.delayed_manifest_probability);
    org.changes.push_back(change);
  }
}

// Pull-request builds of the whole organization: NHPP by thinning on the PR profile; each
// build runs the CI of a uniformly chosen service.
void generate_pr_builds(const Scenario& scenario, int index, RunKey key, Organization& org) {
  const TrafficConfig& traffic = scenario.traffic;
  const double per_minute = org.config.pr_builds_per_service_per_day *
                            static_cast<double>(org.services.size()) / (24.0 * 60.0);
  if (per_minute <= 0 || org.services.empty())
    return;
  double mean = 0;
  for (double w : traffic.weekday_profile) {
    for (double h : traffic.pr_hourly_profile)
      mean += w * h / (7.0 * 24.0);
  }
  const double peak =
      *std::max_element(traffic.weekday_profile.begin(), traffic.weekday_profile.end()) *
      *std::max_element(traffic.pr_hourly_profile.begin(), traffic.pr_hourly_profile.end()) / mean;
  const double bound = per_minute * peak;
  const SimTime end = SimTime::days(simulated_arrival_days(scenario));
  RngStream rng = world_stream(key, index, 0, purpose_key(Purpose::PrBuilds));
  const auto accept = [&](SimTime t) {
    const auto hour =
        static_cast<std::size_t>(std::clamp(static_cast<int>(org.calendar.hour_of_day(t)), 0, 23));
    const double intensity =
        traffic.weekday_profile[static_cast<std::size_t>(org.calendar.weekday(t))] *
        traffic.pr_hourly_profile[hour] / mean;
    return per_minute * intensity / bound;
  };
  thinned_arrivals(rng, bound, end, accept, [&](SimTime t) {
    const Service& service = org.services[engine::uniform_below(rng, org.services.size())];
    const double run =
        engine::lognormal_median(rng, service.ci_median_minutes, scenario.services.ci_sigma);
    org.pr_builds.push_back({t, static_cast<float>(run)});
  });
}

// The organization's calendar on the simulation clock, whose day 0 is warmup_days before
// start_date: the weekday and the scenario's day indexes (holidays, freezes, relative to
// start_date) shift by the warm-up, so every one falls on its own date.
LocalCalendar warmup_calendar(const Scenario& scenario, const OrganizationConfig& org_config) {
  const int warmup = scenario.warmup_days;
  std::vector<int> holidays = org_config.holidays;
  for (int& day : holidays)
    day += warmup;
  std::vector<DayRange> freezes = org_config.freeze_windows;
  for (DayRange& range : freezes) {
    range.first_day += warmup;
    range.last_day += warmup;
  }
  const int weekday = ((iso_weekday(scenario.start_date) - warmup) % 7 + 7) % 7;
  return LocalCalendar(weekday, org_config.utc_offset_hours, org_config.reviewers,
                       std::move(holidays), std::move(freezes));
}

}  // namespace

const char* defect_class_name(DefectClass c) {
  switch (c) {
    case DefectClass::Logic:
      return "logic";
    case DefectClass::Config:
      return "config";
    case DefectClass::Schema:
      return "schema";
    case DefectClass::Performance:
      return "performance";
  }
  return "logic";
}

double review_catch_probability(double strength, const Change& change, const DefectConfig& d) {
  const double shape = std::max(1e-9, d.detectability_shape);
  const double mean = shape / (shape + 1.0);
  return std::clamp(strength * change.detectability / mean, 0.0, 1.0);
}

Organization build_organization(const Scenario& scenario, int index, RunKey key) {
  const OrganizationConfig& org_config = scenario.organizations.at(static_cast<std::size_t>(index));
  Organization org{index,
                   org_config,
                   {},
                   ServiceGraph(static_cast<std::size_t>(org_config.services)),
                   warmup_calendar(scenario, org_config),
                   {},
                   {}};

  generate_services(scenario, org_config, index, key, org);
  generate_dependencies(org_config, index, key, org);
  generate_changes(scenario, org_config, generate_arrivals(scenario, org, index, key), index, key,
                   org);
  generate_pr_builds(scenario, index, key, org);
  return org;
}

}  // namespace genops::models
