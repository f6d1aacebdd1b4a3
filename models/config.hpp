#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace genops::models {

// Every number of the model lives here, with its unit in the name. Defaults are starting points;
// the study's calibrated values are in scenarios/paper.toml, each with the figure it moves.

enum class Tier : std::uint8_t { Critical = 0, High = 1, Medium = 2, Low = 3 };
inline constexpr int kTierCount = 4;

enum class AutonomyLevel : std::uint8_t { Shadow = 0, Assisted = 1, Governed = 2, Learning = 3 };
// Context retrieval index: exact search (the reference) or the approximate HNSW graph.
enum class RetrievalIndexKind : std::uint8_t { Exact = 0, Hnsw = 1 };

// A span of whole local days [first_day, last_day] (day 0 = the scenario's start date).
struct DayRange {
  int first_day = 0;
  int last_day = 0;
};

struct ReviewerConfig {
  int count = 3;
  int work_start_hour = 9;  // local time, inclusive
  int work_end_hour = 18;   // local time, exclusive
  std::array<bool, 7> working_days = {true, true, true, true, true, false, false};  // Mon..Sun
  double review_median_minutes = 12.0;
  double review_sigma = 0.6;  // log-space standard deviation
  double on_call_response_median_minutes = 10.0;
  // Mean probability that a human code review catches a latent defect that survived CI; a defect
  // of detectability d is caught with min(1, p x d / mean d).
  double defect_catch_probability = 0.3;
  // Pull-request reviews on the same pool (issue 10, item 7): after a PR build, its author
  // requests a human review with this probability (0: reviewers see deployments only), taking
  // review_sigma-spread lognormal time around pr_review_median_minutes. They wait in the same
  // FIFO queue as deployment approvals, within working hours.
  double pr_review_share = 0.0;
  double pr_review_median_minutes = 15.0;
};

struct OrganizationConfig {
  std::string name = "org";
  std::string team = "platform";  // GenOps attribution (genops.team)
  int utc_offset_hours = 0;
  int services = 40;
  // Shares of CRITICAL, HIGH, MEDIUM, LOW services (normalised).
  std::array<double, kTierCount> tier_shares = {0.1, 0.2, 0.4, 0.3};
  // Private CI runners. With `ci_fleet` set, a job starts on a free private runner if there is
  // one and is otherwise sent to the shared fleet (0 private runners: every job goes there).
  int ci_runners = 4;
  // Name of the [[ci_fleets]] fleet this organization shares; empty: private runners only.
  std::string ci_fleet;
  ReviewerConfig reviewers;
  // Mean deployment requests per service per day; each service's rate is lognormal around it.
  double deploys_per_service_per_day = 0.5;
  double service_rate_sigma = 0.6;
  // Mean number of dependencies per service in the generated DAG.
  double mean_dependencies = 1.5;
  std::vector<int> holidays;             // day indexes with no reviewers and elevated risk
  std::vector<DayRange> freeze_windows;  // no non-hotfix deploys on these days
  // Multiplies the base defect probability of this organization's changes.
  double defect_multiplier = 1.0;
  // Pull-request builds per service per day: they never deploy but share the CI runners
  // (arrival profile traffic.pr_hourly_profile x weekday_profile).
  double pr_builds_per_service_per_day = 0.0;
};

// A hosted CI runner fleet that several organizations share ([[ci_fleets]]): it is its own
// engine partition, and every message between it and an organization takes the dispatch
// latency, which is the lookahead of the run's conservative windows (models/ci_fleet.hpp).
struct CiFleetConfig {
  std::string name;
  int runners = 0;
  double dispatch_latency_seconds = 30.0;
};

struct TrafficConfig {
  // Relative arrival intensity per local hour 0..23 and per weekday Mon..Sun.
  std::array<double, 24> hourly_profile = {0.05, 0.03, 0.03, 0.03, 0.05, 0.1,  0.25, 0.6,
                                           1.0,  1.3,  1.4,  1.3,  1.0,  1.2,  1.4,  1.4,
                                           1.2,  0.9,  0.5,  0.3,  0.2,  0.15, 0.1,  0.07};
  std::array<double, 7> weekday_profile = {1.0, 1.1, 1.1, 1.0, 0.8, 0.12, 0.08};
  // Pull-request builds per local hour (developers push during the working day).
  std::array<double, 24> pr_hourly_profile = {0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.15, 0.5,
                                              1.2,  1.6,  1.7,  1.5,  1.0,  1.4,  1.7,  1.7,
                                              1.5,  1.1,  0.6,  0.35, 0.25, 0.15, 0.08, 0.04};
  double hotfix_share = 0.04;  // share of changes that are hotfixes (any hour)
  double lines_changed_median = 80.0;
  double lines_changed_sigma = 1.2;
  double lines_per_file = 35.0;
  double migration_probability = 0.06;
  double config_change_probability = 0.15;
};

struct DefectConfig {
  double base_probability = 0.12;  // per change, before modifiers
  double per_log10_lines = 0.06;   // added per decade of lines changed above 10
  double migration_extra = 0.10;
  double config_extra = 0.03;
  double late_hours_extra = 0.04;  // changes written 20:00-07:00 or on weekends
  // Log-space sigma of each service's defect propensity around 1.
  double service_propensity_sigma = 0.5;
  double test_visible_probability = 0.45;  // the defect is within reach of the test suite
  double test_detection = 0.85;            // CI catches a test-visible defect
  double error_rate_effect_median = 0.03;  // added error rate of a defective change
  double error_rate_effect_sigma = 1.0;
  double latency_effect_median = 0.15;  // added latency, as a fraction of the base
  double latency_effect_sigma = 1.0;
  double rework_median_minutes = 90.0;
  double rework_sigma = 0.7;
  double fix_probability = 0.9;  // rework removes the defect
  // The defect shows only after the rollout completes (leaks, batch jobs, rare paths): no canary
  // stage or verification bake can see it, but reviews can.
  double delayed_manifest_probability = 0.0;
  // Latent structure (docs/MODEL.md "Latent structure"): each service has code areas
  // (components) whose log-fragility follows a mean-reverting daily walk; a change touches 1-2
  // observable components and its defect probability is the formula above x the fragility of
  // what it touches x hidden per-change noise (both multipliers have mean 1).
  int components_per_service = 6;
  double fragility_sigma = 0.8;             // stationary log-sd of a component's fragility
  double fragility_reversion_days = 60.0;   // mean-reversion time of the walk
  double change_noise_sigma = 0.5;          // log-sd of the hidden per-change noise
  double two_components_probability = 0.3;  // a change touches two components
  // Detectability of a defect in the diff, d = u^(1/shape) (u uniform): mean shape/(shape+1).
  // Shared by every reviewer, human or AI (common random numbers).
  double detectability_shape = 1.0;
};

struct ServiceConfig {
  double request_rate_median_per_minute = 600.0;
  double request_rate_sigma = 1.0;
  double base_error_rate_median = 0.0008;
  double base_error_rate_sigma = 0.5;
  double latency_p50_median_ms = 40.0;
  double latency_p99_over_p50 = 4.0;
  double availability_slo = 0.995;  // error budget = (1 - slo) x 28 days of bad minutes
  double ci_median_minutes = 9.0;
  double ci_sigma = 0.35;
};

struct IncidentConfig {
  double detect_median_minutes = 45.0;
  double detect_sigma = 0.8;
  double restore_median_minutes = 40.0;
  double restore_sigma = 0.6;
  // Error-rate effect at which an incident counts as a full outage for the error budget.
  double full_outage_error_rate = 0.2;
  // Share of an incident's bad minutes that each direct dependent also suffers (blast radius).
  double dependent_impact = 0.25;
};

struct BaselineConfig {
  double deploy_minutes = 4.0;
  double verification_bake_minutes = 20.0;
  // A human notices a defect during verification with 1 - exp(-effect / scale).
  double notice_error_rate_scale = 0.02;
  double rollback_minutes = 6.0;
  // Human policy enforcement slips (each slip that ships is a safety violation).
  double freeze_slip_probability = 0.05;
  double review_skip_probability = 0.08;  // critical high-risk change skips review
  double budget_slip_probability = 0.3;   // deploy although the error budget is exhausted
  double migration_review_skip_probability = 0.05;
};

struct SloConfig {
  double error_rate_threshold = 0.01;
  double latency_p50_threshold_ms = 100.0;
  double latency_p99_threshold_ms = 500.0;
  double success_rate_threshold = 0.99;
  // Confidence required to call a breach (one-sided score bound), the reference's 0.85.
  double breach_confidence = 0.85;
};

struct CanaryStage {
  double traffic_percent = 1.0;
  double bake_minutes = 5.0;
  int min_samples = 50;
  double slo_relaxation = 1.0;
};

struct RiskWeights {
  double service_tier = 0.25;
  double service_health = 0.15;
  double historical_failure_rate = 0.20;
  double blast_radius = 0.15;
  double change_complexity = 0.15;
  double timing = 0.10;
};

struct GenopsConfig {
  AutonomyLevel autonomy = AutonomyLevel::Governed;
  // Retrieval
  int retrieval_k = 10;
  double retrieval_min_similarity = 0.5;     // neighbours below this do not count
  double history_prior_failure_rate = 0.15;  // used when retrieval finds nothing (or is off)
  double analysis_minutes = 1.0;             // AI context retrieval + risk scoring time
  RetrievalIndexKind retrieval_index = RetrievalIndexKind::Exact;
  int retrieval_hnsw_links = 16;             // M (2M on the graph's level 0)
  int retrieval_hnsw_ef_construction = 100;  // candidates kept while inserting
  int retrieval_hnsw_ef_search = 64;         // candidates kept while querying
  // The hnsw kind answers exactly (clustered exact search) until an organization holds this
  // many rows, then builds its graph; 0: the graph from the first row.
  int retrieval_hnsw_exact_below_rows = 1000000;
  // Risk
  RiskWeights weights;
  double medium_threshold = 0.5;
  double high_threshold = 0.7;
  double critical_threshold = 0.9;
  double uncertainty_scale = 0.2;  // conservative score = score + scale x (1 - confidence)
  double human_review_threshold = 0.7;
  bool block_critical_risk = true;  // CRITICAL level -> block (else human approval)
  // AI pre-deploy review (an assumption, scenario block [assumptions]): a defect of
  // detectability d is caught with min(max, d / mean d x (strength + precedent_gain x
  // precedents)), where precedents = 1 - exp(-n), n the retrieved neighbours that are relevant
  // failures (same component; same class 1, other class 0.5). Without retrieval n = 0.
  double ai_review_strength = 0.3;
  double ai_review_precedent_gain = 1.0;
  double ai_review_max_catch = 0.95;
  double ai_review_false_positive = 0.01;  // clean change sent back for rework
  // Risk factor scaling: the neighbours' failure share is divided by this before entering the
  // score (a share at or above it counts as the maximum historical risk).
  double history_failure_share_scale = 0.5;
  // Likelihood information (issue 10): the historical factor blends the neighbours' failure
  // share with the touched components' own record, past outcomes of this organization's changes
  // that touched the same components (problems + prior x strength) / (changes + strength), the
  // worse touched component counting. This is that record's share of the factor (0: neighbours
  // only); both parts are divided by history_failure_share_scale.
  double component_history_share = 0.0;
  double component_history_prior_strength = 5.0;  // pseudo-changes at the prior failure rate
  // Canary
  std::vector<CanaryStage> default_stages;
  std::vector<CanaryStage> high_risk_stages;
  double high_risk_stage_threshold = 0.7;  // conservative score at or above uses high-risk stages
  double stage_step_minutes = 0.5;         // traffic shift per stage
  double rollback_minutes = 1.0;           // automatic rollback
  double full_rollout_minutes = 2.0;       // the final shift to 100%
  SloConfig slo;
  // Governance
  bool friday_block = false;  // false: defer to the next allowed window; true: block
  int friday_cutoff_hour = 16;
  double budget_warning_fraction = 0.1;
  // AI cost of one governed decision (GenOps accounting), and the team's monthly AI budget.
  double ai_tokens_per_analysis = 6000.0;
  double ai_usd_per_1k_tokens = 0.01;
  double ai_budget_usd_per_team_month = 500.0;
  int max_deploys_per_service_per_hour = 6;  // rate limit
  // Break-glass error budget of an organization for hotfixes and rollbacks, which the
  // error-budget policy never blocks (GenOps reservations must still be fulfillable).
  double emergency_budget_minutes = 100000.0;
  // Severity assumed when predicting a rollout's error-budget burn (the reservation).
  double predicted_severity = 0.15;
};

struct Scenario {
  std::string name = "unnamed";
  std::string source;  // the file it came from, for messages and provenance
  std::uint64_t seed = 42;
  int replications = 1;
  int duration_days = 30;
  int drain_days = 10;  // run on after the last arrival so every change finishes
  // Days the world runs before the measured window (arrivals, PR builds, retrieval history, error
  // budgets, fragility, reviewer queues); nothing from them enters a statistic. The simulation
  // clock starts warmup_days before start_date; every stored time stays relative to start_date.
  int warmup_days = 0;
  std::string start_date = "2025-01-06";  // ISO date of day 0 (its weekday matters)
  std::vector<std::string> strategies = {"baseline", "genops"};
  // validate refuses a scenario whose estimated memory (deployments x runs) exceeds this.
  double max_memory_gib = 16;
  std::string project = "genops-sim";
  std::string environment = "production";
  std::vector<OrganizationConfig> organizations;
  std::vector<CiFleetConfig> ci_fleets;
  TrafficConfig traffic;
  DefectConfig defects;
  ServiceConfig services;
  IncidentConfig incidents;
  BaselineConfig baseline;
  GenopsConfig genops;
};

// Days of arrivals the world simulates: the warm-up, then the measured window.
inline int simulated_arrival_days(const Scenario& s) {
  return s.warmup_days + s.duration_days;
}

// The reference framework's stage lists (docs/MODEL.md), used when a scenario gives none.
std::vector<CanaryStage> default_canary_stages();
std::vector<CanaryStage> default_high_risk_stages();

const char* tier_name(Tier tier);
const char* autonomy_name(AutonomyLevel level);
const char* retrieval_index_name(RetrievalIndexKind kind);

}  // namespace genops::models
