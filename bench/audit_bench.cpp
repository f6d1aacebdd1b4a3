// audit_bench: the cost of the audit trail's SHA-256 hash chain (models/governance.*, format v2).
//   BM_AuditHashReused   records hashed with one reused AuditHasher (one OpenSSL digest context
//                        and encoding buffer, as AuditTrail and first_broken_link use it)
//   BM_AuditHashFresh    the same records through audit_hash(), a new context per record (what
//                        the reuse saves)
//   BM_AuditVerifyChain/<records>  first_broken_link over an intact chain (what `audit verify`
//                        does per chain), 10,000 records by default
// Records are shaped like the genops strategy's (models/genops.cpp GenopsStrategy::audit): a
// policy_evaluation entry naming all five policies and its decision, a risk score, a deployment
// id; sequence, time and id vary per record. Each reports items_per_second = records per CPU
// second (Google Benchmark divides by CPU time unless told otherwise).
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "models/governance.hpp"

namespace genops::models {
namespace {

constexpr std::size_t kBatch = 1024;  // records per benchmark iteration

std::vector<AuditRecord> sample_records(std::size_t count) {
  std::vector<AuditRecord> records(count);
  for (std::size_t i = 0; i < count; ++i) {
    AuditRecord& r = records[i];
    r.sequence = i;
    r.time_min = 1440.0 * 3 + 7.25 * static_cast<double>(i);
    r.deployment = (std::uint64_t{3} << 32) | i;
    r.actor = i % 4 == 0 ? Actor::Human : Actor::AiAgent;
    r.action = i % 3 == 0 ? "risk_assessment" : "policy_evaluation";
    r.decision = i % 10 == 0 ? "DEFERRED" : "ALLOWED";
    r.risk_score = static_cast<float>(i % 100) / 100.0F;
    r.policies =
        "critical_service_human_review=ALLOW;no_friday_deployments=ALLOW;error_budget_protection="
        "ALLOW;db_migration_review=ALLOW;large_change_caution=WARN";
  }
  return records;
}

void BM_AuditHashReused(benchmark::State& state) {
  const std::vector<AuditRecord> records = sample_records(kBatch);
  AuditHasher hasher;
  Sha256 previous{};
  for (auto _ : state) {
    for (const AuditRecord& r : records)
      previous = hasher.hash(previous, r);
    benchmark::DoNotOptimize(previous);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_AuditHashReused);

void BM_AuditHashFresh(benchmark::State& state) {
  const std::vector<AuditRecord> records = sample_records(kBatch);
  Sha256 previous{};
  for (auto _ : state) {
    for (const AuditRecord& r : records)
      previous = audit_hash(previous, r);
    benchmark::DoNotOptimize(previous);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_AuditHashFresh);

void BM_AuditVerifyChain(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const Sha256 genesis = audit_genesis("genops", 42, 0, 3);
  AuditTrail trail(genesis);
  for (AuditRecord& r : sample_records(count))
    trail.append(std::move(r));
  const std::vector<AuditRecord> chain = trail.take();
  for (auto _ : state) {
    const auto broken = first_broken_link(chain, genesis);
    if (broken)
      state.SkipWithError("the chain built by AuditTrail does not verify");
    benchmark::DoNotOptimize(broken);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_AuditVerifyChain)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace genops::models

BENCHMARK_MAIN();
