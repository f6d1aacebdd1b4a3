#!/usr/bin/env bash
# Builds the `fuzz` preset and runs each libFuzzer target of tests/fuzz for a bounded time
# (FUZZ_SECONDS, default 30) on a scratch copy of its seed corpus from tests/data. Any crash,
# sanitizer report, leak or timeout fails the script; libFuzzer writes the input as
# build/fuzz/artifacts/<target>/crash-*: add it to the target's corpus folder in tests/data and
# a regression test, then fix. Prints each target's executions and coverage (cov:, ft:).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)"
build=build/fuzz
declare -A seeds=(
  [fuzz_scenario_loader]="scenarios/quick.toml scenarios/paper.toml tests/data/scenarios tests/data/scenarios/bad tests/data/results/tiny.toml"
  [fuzz_set_override]="tests/fuzz/set_seeds"
  [fuzz_otlp_reader]="tests/data/conformance tests/data/telemetry"
  [fuzz_results_reader]="tests/data/results/base.h5"
)
declare -A options=(
  [fuzz_results_reader]="-max_len=262144 -timeout=20"
  [fuzz_otlp_reader]="-max_len=65536 -timeout=20"
)
status=0
for target in fuzz_scenario_loader fuzz_set_override fuzz_otlp_reader fuzz_results_reader; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target/"
  rm -rf "$corpus" && mkdir -p "$corpus" "$artifacts"
  for seed in ${seeds[$target]}; do
    if [ -d "$seed" ]; then
      find "$seed" -maxdepth 1 -type f ! -name '*.py' ! -name '*.tsv' ! -name '*.txt' \
        -exec cp {} "$corpus/" \;
    else
      cp "$seed" "$corpus/"
    fi
  done
  log="$build/$target.log"
  # shellcheck disable=SC2086
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$build/tests/fuzz/$target" "$corpus" \
      -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts" \
      ${options[$target]:-} >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  coverage=$(grep -E '^#[0-9]+.*(DONE|pulse|REDUCE|NEW)' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || echo 'cov: ? ft: ?')
  echo "fuzz: $target $result: $runs executions in ${seconds}s, $coverage"
  if [ "$result" = FAILED ]; then
    tail -40 "$log"
  fi
done
exit $status
