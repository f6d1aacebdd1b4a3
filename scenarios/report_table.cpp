#include "scenarios/report_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace genops::scenarios {

namespace {

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

std::string percent(double rate) {
  return fixed(100.0 * rate, 1) + "%";
}

// "mean ± sd" over replications of a per-replication figure.
std::string spread(const std::vector<double>& values, double scale, int digits) {
  if (values.size() < 2)
    return "";
  double mean = 0;
  for (double v : values)
    mean += v;
  mean /= static_cast<double>(values.size());
  double var = 0;
  for (double v : values)
    var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / static_cast<double>(values.size() - 1));
  return fixed(scale * mean, digits) + " ± " + fixed(scale * sd, digits);
}

// Changes that arrived during the warm-up (warmup_days) in the strategy's runs: counted here,
// left out of every figure.
std::uint64_t warmup_arrivals(const StudyResult& study, std::size_t strategy) {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < study.replications.size(); ++k)
    n += study.run(strategy, static_cast<int>(k)).warmup_arrivals;
  return n;
}

// Pull-request reviews (organizations.*.reviewers.pr_review_share) started in the measured
// window of the strategy's runs, and their mean wait in the review queue (minutes).
std::pair<std::uint64_t, double> pr_reviews(const StudyResult& study, std::size_t strategy) {
  std::uint64_t n = 0;
  double wait = 0;
  for (std::size_t k = 0; k < study.replications.size(); ++k) {
    const RunResult& run = study.run(strategy, static_cast<int>(k));
    n += run.pr_reviews;
    wait += run.pr_review_wait_min;
  }
  return {n, n == 0 ? 0.0 : wait / static_cast<double>(n)};
}

// Per shared CI fleet: queue wait from request to start (mean, p95) and peak-hour use.
template <class Row>
void print_fleet_rows(const StudyResult& study, const Row& row) {
  const std::size_t n = study.scenario.strategies.size();
  std::vector<std::vector<models::CiFleetStats>> fleets(n);
  for (std::size_t s = 0; s < n; ++s)
    fleets[s] = pooled_fleets(study, s);
  for (std::size_t f = 0; f < study.scenario.ci_fleets.size(); ++f) {
    const std::string name = "Fleet " + study.scenario.ci_fleets[f].name;
    row(name + " wait mean/p95 s", [&](std::size_t s) {
      const auto& x = fleets[s][f];
      return fixed(x.mean_wait_seconds(), 1) + " / " + fixed(x.wait_quantile_seconds(0.95), 0);
    });
    row(name + " peak-hour use",
        [&](std::size_t s) { return percent(fleets[s][f].peak_hour_utilisation()); });
  }
}

}  // namespace

void print_study_table(const StudyResult& study, const StudySummaries& summaries,
                       std::ostream& out) {
  const auto& sc = study.scenario;
  int services = 0;
  for (const auto& o : sc.organizations)
    services += o.services;
  out << "GenOps study '" << sc.name << "': seed " << sc.seed << ", " << sc.replications
      << " replication(s), " << sc.organizations.size() << " organizations, " << services
      << " services, " << sc.duration_days << " days";
  if (sc.warmup_days > 0 && !sc.strategies.empty()) {
    out << " after a " << sc.warmup_days << "-day warm-up (" << warmup_arrivals(study, 0)
        << " warm-up arrivals per strategy left out of every figure)";
  }
  out << "\n\n";
  const std::size_t n = sc.strategies.size();
  const std::vector<models::StrategySummary>& pooled = summaries.pooled;
  std::vector<std::vector<models::StrategySummary>> per_rep(n);
  for (std::size_t s = 0; s < n; ++s) {
    const auto first = summaries.runs.begin() + static_cast<std::ptrdiff_t>(s) * sc.replications;
    per_rep[s].assign(first, first + sc.replications);
  }
  const int label_width = 28;
  const int column = 22;
  char line[256];
  const auto row = [&](const std::string& label, const auto& cell) {
    std::snprintf(line, sizeof line, "%-*s", label_width, label.c_str());
    out << line;
    for (std::size_t s = 0; s < n; ++s) {
      std::snprintf(line, sizeof line, "%*s", column, cell(s).c_str());
      out << line;
    }
    out << '\n';
  };
  row("", [&](std::size_t s) { return sc.strategies[s]; });
  out << std::string(static_cast<std::size_t>(label_width + column * static_cast<int>(n)), '-')
      << '\n';
  row("Deployments (all reps)",
      [&](std::size_t s) { return std::to_string(pooled[s].deployments); });
  row("  Succeeded", [&](std::size_t s) { return std::to_string(pooled[s].succeeded); });
  row("  Rolled back", [&](std::size_t s) { return std::to_string(pooled[s].rolled_back); });
  row("  Failed", [&](std::size_t s) { return std::to_string(pooled[s].failed); });
  row("  Blocked", [&](std::size_t s) { return std::to_string(pooled[s].blocked); });
  row("  In flight at horizon", [&](std::size_t s) { return std::to_string(pooled[s].in_flight); });
  row("Success rate", [&](std::size_t s) { return percent(pooled[s].success_rate); });
  row("Rollback rate", [&](std::size_t s) { return percent(pooled[s].rollback_rate); });
  row("Failure rate", [&](std::size_t s) { return percent(pooled[s].failure_rate); });
  row("Block rate", [&](std::size_t s) { return percent(pooled[s].block_rate); });
  row("Median cycle time (min)",
      [&](std::size_t s) { return fixed(pooled[s].median_cycle_time_min, 1); });
  row("p90 cycle time (min)",
      [&](std::size_t s) { return fixed(pooled[s].p90_cycle_time_min, 1); });
  row("Mean cycle time (min)",
      [&](std::size_t s) { return fixed(pooled[s].mean_cycle_time_min, 1); });
  row("Safety violations",
      [&](std::size_t s) { return std::to_string(pooled[s].safety_violations); });
  row("Canary catch rate", [&](std::size_t s) { return percent(pooled[s].canary_catch_rate); });
  row("Issues (defects past CI)", [&](std::size_t s) { return std::to_string(pooled[s].issues); });
  const auto caught = [&](models::CatchPoint p) {
    return [&, p](std::size_t s) {
      const auto& x = pooled[s];
      const auto count = x.caught_at[static_cast<std::size_t>(p)];
      return std::to_string(count) + " (" +
             percent(x.issues ? static_cast<double>(count) / static_cast<double>(x.issues) : 0.0) +
             ")";
    };
  };
  row("  caught by human review", caught(models::CatchPoint::HumanReview));
  row("  caught by AI review", caught(models::CatchPoint::AiReview));
  row("  caught by canary", caught(models::CatchPoint::Canary));
  row("  caught in verification", caught(models::CatchPoint::Verification));
  row("  escaped (incident)", caught(models::CatchPoint::Escaped));
  row("  blocked, not deployed", caught(models::CatchPoint::NotDeployed));
  row("False rollbacks", [&](std::size_t s) { return std::to_string(pooled[s].false_rollbacks); });
  row("Change failure rate", [&](std::size_t s) { return percent(pooled[s].change_failure_rate); });
  row("Deployment success",
      [&](std::size_t s) { return percent(pooled[s].deployment_success_rate); });
  row("Mean time to restore (min)",
      [&](std::size_t s) { return fixed(pooled[s].mean_time_to_restore_min, 1); });
  row("Human approvals", [&](std::size_t s) { return percent(pooled[s].human_approval_share); });
  row("Deferred by policy", [&](std::size_t s) { return percent(pooled[s].deferred_share); });
  row("Mean CI queue wait (min)",
      [&](std::size_t s) { return fixed(pooled[s].mean_ci_wait_min, 1); });
  row("Mean review wait (min)",
      [&](std::size_t s) { return fixed(pooled[s].mean_review_wait_min, 1); });
  const auto measure = [](double v) { return v < 0 ? std::string("-") : fixed(v, 3); };
  row("Risk AUC (latent defect)", [&](std::size_t s) { return measure(pooled[s].risk_auc); });
  row("Failure-share AUC", [&](std::size_t s) { return measure(pooled[s].failure_share_auc); });
  row("Retrieval precision@k",
      [&](std::size_t s) { return measure(pooled[s].retrieval_precision); });
  row("Peak-hour CI runner use",
      [&](std::size_t s) { return percent(pooled[s].peak_runner_utilisation); });
  row("Peak-hour reviewer use",
      [&](std::size_t s) { return percent(pooled[s].peak_reviewer_utilisation); });
  print_fleet_rows(study, row);
  if (sc.replications > 1) {
    out << "\nAcross replications (mean ± sd):\n";
    const auto across = [&](auto field, double scale, int digits) {
      return [&, field, scale, digits](std::size_t s) {
        std::vector<double> v;
        for (const auto& x : per_rep[s])
          v.push_back(static_cast<double>(field(x)));
        return spread(v, scale, digits);
      };
    };
    row("Median cycle time (min)",
        across([](const models::StrategySummary& x) { return x.median_cycle_time_min; }, 1, 1));
    row("Success rate (%)",
        across([](const models::StrategySummary& x) { return x.success_rate; }, 100, 2));
    row("Rollback rate (%)",
        across([](const models::StrategySummary& x) { return x.rollback_rate; }, 100, 2));
    row("Failure+block rate (%)",
        across([](const models::StrategySummary& x) { return x.failure_rate + x.block_rate; }, 100,
               2));
    row("Canary catch rate (%)",
        across([](const models::StrategySummary& x) { return x.canary_catch_rate; }, 100, 1));
    row("Safety violations", across(
                                 [](const models::StrategySummary& x) {
                                   return static_cast<double>(x.safety_violations);
                                 },
                                 1, 1));
  }
  out << "\nEngine: " << study.events << " events in " << fixed(study.wall_seconds, 2) << " s on "
      << study.threads << " thread(s)\n";
}

namespace {

// What every rate divides by (README "Definitions"), so a script never guesses a denominator.
nlohmann::json accounting_json(const models::StrategySummary& x, std::uint64_t warmup) {
  const std::uint64_t finished = x.deployments - x.in_flight;
  return {
      {"arrivals", x.deployments},
      {"warmup_arrivals_excluded", warmup},
      {"finished", finished},
      {"in_flight", x.in_flight},
      {"deployed", x.deployed},
      {"issues", x.issues},
      {"denominators",
       {{"success_rate", "arrivals"},
        {"rollback_rate", "arrivals"},
        {"failure_rate", "arrivals"},
        {"block_rate", "arrivals"},
        {"in_flight_rate", "arrivals"},
        {"human_approval_share", "arrivals"},
        {"mean_ci_wait_min", "arrivals"},
        {"mean_review_wait_min", "arrivals"},
        {"median_cycle_time_min", "finished"},
        {"p90_cycle_time_min", "finished"},
        {"mean_cycle_time_min", "finished"},
        {"change_failure_rate", "deployed"},
        {"deployment_success_rate", "deployed"},
        {"mean_time_to_restore_min", "incidents"},
        {"canary_catch_rate", "issues"}}},
  };
}

// Pooled figures of each shared CI fleet (`run --json`): waits from a request's arrival at the
// fleet to its start, in seconds.
nlohmann::json fleets_json(const std::vector<models::CiFleetStats>& fleets) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& x : fleets) {
    out.push_back({{"name", x.name},
                   {"runners", x.runners},
                   {"dispatch_latency_seconds", x.dispatch_latency_seconds},
                   {"organizations", x.organizations.size()},
                   {"jobs", x.requests},
                   {"started", x.started},
                   {"queued_at_end", x.queued_at_end},
                   {"mean_queue_wait_s", x.mean_wait_seconds()},
                   {"p95_queue_wait_s", x.wait_quantile_seconds(0.95)},
                   {"max_queue_wait_s", x.wait_seconds_max},
                   {"peak_hour_utilisation", x.peak_hour_utilisation()}});
  }
  return out;
}

}  // namespace

void warn_in_flight(const StudyResult& study, const StudySummaries& summaries, std::ostream& out) {
  for (std::size_t s = 0; s < study.scenario.strategies.size(); ++s) {
    const models::StrategySummary& x = summaries.pooled[s];
    if (x.deployments == 0 || x.in_flight_rate <= kInFlightWarningShare)
      continue;
    out << "genops-sim run: warning: " << study.scenario.strategies[s] << ": " << x.in_flight
        << " of " << x.deployments << " changes (" << fixed(100.0 * x.in_flight_rate, 1)
        << "%) were still in flight at the horizon; they count as not succeeded and are left out "
           "of cycle times (raise drain_days or check the capacity)\n";
  }
}

std::string study_json(const StudyResult& study, const StudySummaries& summaries,
                       const StepTimes& step_seconds) {
  using Json = nlohmann::json;
  const auto& sc = study.scenario;
  Json strategies = Json::object();
  std::uint64_t deployments = 0;
  for (std::size_t s = 0; s < sc.strategies.size(); ++s) {
    const models::StrategySummary& x = summaries.pooled[s];
    deployments += x.deployments;
    Json caught = Json::object();
    for (int p = 0; p < models::kCatchPointCount; ++p) {
      caught[models::catch_point_name(static_cast<models::CatchPoint>(p))] =
          x.caught_at[static_cast<std::size_t>(p)];
    }
    Json met = Json::object();
    for (int p = 0; p < models::kCatchPointCount; ++p) {
      met[models::catch_point_name(static_cast<models::CatchPoint>(p))] =
          x.met_at[static_cast<std::size_t>(p)];
    }
    Json reps = Json::array();
    for (int r = 0; r < sc.replications; ++r) {
      const models::StrategySummary& y =
          summaries
              .runs[s * static_cast<std::size_t>(sc.replications) + static_cast<std::size_t>(r)];
      reps.push_back({{"replication", r},
                      {"deployments", y.deployments},
                      {"in_flight", y.in_flight},
                      {"deployed", y.deployed},
                      {"deployment_success_rate", y.deployment_success_rate},
                      {"success_rate", y.success_rate},
                      {"rollback_rate", y.rollback_rate},
                      {"failure_rate", y.failure_rate},
                      {"block_rate", y.block_rate},
                      {"median_cycle_time_min", y.median_cycle_time_min},
                      {"safety_violations", y.safety_violations},
                      {"canary_catch_rate", y.canary_catch_rate},
                      {"error_budget_burned_min", y.error_budget_burned_min}});
      if (!sc.ci_fleets.empty())
        reps.back()["ci_fleets"] = fleets_json(
            study.runs[s * static_cast<std::size_t>(sc.replications) + static_cast<std::size_t>(r)]
                .fleets);
    }
    strategies[sc.strategies[s]] = {
        {"deployments", x.deployments},
        {"in_flight", x.in_flight},
        {"in_flight_rate", x.in_flight_rate},
        {"deployed", x.deployed},
        {"succeeded", x.succeeded},
        {"rolled_back", x.rolled_back},
        {"failed", x.failed},
        {"blocked", x.blocked},
        {"success_rate", x.success_rate},
        {"rollback_rate", x.rollback_rate},
        {"failure_rate", x.failure_rate},
        {"block_rate", x.block_rate},
        {"median_cycle_time_min", x.median_cycle_time_min},
        {"p90_cycle_time_min", x.p90_cycle_time_min},
        {"mean_cycle_time_min", x.mean_cycle_time_min},
        {"safety_violations", x.safety_violations},
        {"canary_catch_rate", x.canary_catch_rate},
        {"issues", x.issues},
        {"caught_at", caught},
        {"false_rollbacks", x.false_rollbacks},
        {"incidents", x.incidents},
        {"met_at", met},
        {"change_failure_rate", x.change_failure_rate},
        {"deployment_success_rate", x.deployment_success_rate},
        {"mean_ci_wait_min", x.mean_ci_wait_min},
        {"mean_review_wait_min", x.mean_review_wait_min},
        {"accounting", accounting_json(x, warmup_arrivals(study, s))},
        {"mean_time_to_restore_min", x.mean_time_to_restore_min},
        {"human_approval_share", x.human_approval_share},
        {"error_budget_burned_min", x.error_budget_burned_min},
        {"mean_ci_wait_min", x.mean_ci_wait_min},
        {"mean_review_wait_min", x.mean_review_wait_min},
        {"risk_auc", x.risk_auc},
        {"failure_share_auc", x.failure_share_auc},
        {"retrieval_precision_at_k", x.retrieval_precision},
        {"peak_runner_utilisation", x.peak_runner_utilisation},
        {"peak_reviewer_utilisation", x.peak_reviewer_utilisation},
        {"pr_reviews", pr_reviews(study, s).first},
        {"mean_pr_review_wait_min", pr_reviews(study, s).second},
        {"replications", reps},
    };
    if (!sc.ci_fleets.empty())
      strategies[sc.strategies[s]]["ci_fleets"] = fleets_json(pooled_fleets(study, s));
  }
  std::uint64_t windows = 0;
  std::uint64_t messages = 0;
  for (const RunResult& run : study.runs) {
    windows += run.engine.windows;
    messages += run.engine.messages;
  }
  Json out = {
      {"scenario", sc.name},
      {"seed", sc.seed},
      {"replications", sc.replications},
      {"strategies", strategies},
      {"engine",
       {{"events", study.events},
        {"wall_seconds", study.wall_seconds},
        {"events_per_second",
         study.wall_seconds > 0 ? static_cast<double>(study.events) / study.wall_seconds : 0.0},
        {"deployments_per_second",
         study.wall_seconds > 0 ? static_cast<double>(deployments) / study.wall_seconds : 0.0},
        {"threads", study.threads},
        {"windows", windows},
        {"messages", messages}}},
  };
  Json steps = Json::array();  // in the order the steps ran
  for (const auto& [name, seconds] : step_seconds) {
    steps.push_back({{"step", name}, {"seconds", seconds}});
  }
  out["steps"] = steps;
  return out.dump(2);
}

}  // namespace genops::scenarios
