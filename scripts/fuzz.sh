#!/usr/bin/env bash
# Builds the `fuzz` preset (clang-14, ASan + UBSan) and runs each libFuzzer target of tests/fuzz
# for a bounded time. Any crash, sanitizer report, leak, timeout or out-of-memory fails the script.
#   FUZZ_SECONDS  seconds per target (default 30)
#   FUZZ_TARGETS  space-separated subset (default: all four; the `fuzz_` prefix may be left out)
#   FUZZ_RSS_MB   libFuzzer's -rss_limit_mb and -malloc_limit_mb per target (default 2048)
#   FUZZ_SEED     libFuzzer's -seed (default 0: a new random seed each run; scripts/test.sh, the
#                 CI smoke, fixes it at 1 so a CI run explores what was explored before landing)
# Each target starts from a scratch copy (build/fuzz/corpus/<target>, rebuilt every run and never
# committed) of its committed seeds tests/data/fuzz/<target>/ and the seed sources listed in
# tests/fuzz/seed_sources.txt. A finding is written to build/fuzz/artifacts/<target>/; to keep it
# fixed: minimise it (`build/fuzz/tests/fuzz/<target> -minimize_crash=1 -runs=10000 FILE`), add the
# small reproducer to tests/data/fuzz/<target>/ (the release suite's fuzz_replay_<target> test
# replays that folder), then fix the code. A leak inside a library we do not own may be suppressed
# for one target only in tests/fuzz/<target>.lsan.supp (by function, with a comment and its
# reproducer committed). Prints each target's executions, exec/s and coverage (cov:, ft:).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
rss_mb="${FUZZ_RSS_MB:-2048}"
fuzz_seed="${FUZZ_SEED:-0}"
all_targets="fuzz_scenario_loader fuzz_set_override fuzz_otlp_reader fuzz_results_reader"
targets=""
for name in ${FUZZ_TARGETS:-$all_targets}; do
  name="fuzz_${name#fuzz_}"
  case " $all_targets " in
    *" $name "*) targets="$targets $name" ;;
    *) echo "fuzz.sh: unknown target '$name' in FUZZ_TARGETS (known: $all_targets)" >&2; exit 2 ;;
  esac
done
build=build/fuzz
cmake --preset fuzz >/dev/null
# shellcheck disable=SC2086
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)" --target $targets

# Per-target libFuzzer options (inputs larger than the seeds are not what the readers meet).
declare -A options=(
  [fuzz_otlp_reader]="-max_len=65536"
)

# Copies the regular files of a seed file or folder (as tests/fuzz/replay_main.cpp takes them).
copy_seeds() {
  local source="$1" corpus="$2"
  if [ -d "$source" ]; then
    find "$source" -maxdepth 1 -type f ! -name '.*' ! -name '*.py' ! -name '*.tsv' \
      ! -name '*.txt' ! -name '*.md' -exec cp {} "$corpus/" \;
  else
    cp "$source" "$corpus/"
  fi
}

status=0
for target in $targets; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target/"
  rm -rf "$corpus" && mkdir -p "$corpus" "$artifacts"
  copy_seeds "tests/data/fuzz/$target" "$corpus"
  for seed in $(awk -v t="$target" '$1 == t { $1 = ""; print }' tests/fuzz/seed_sources.txt); do
    copy_seeds "$seed" "$corpus"
  done
  lsan="detect_leaks=1"
  asan="detect_leaks=1:abort_on_error=1"
  if [ -f "tests/fuzz/$target.lsan.supp" ]; then
    lsan="suppressions=$PWD/tests/fuzz/$target.lsan.supp:print_suppressions=0"
    # The suppressed functions are inside libraries built without frame pointers (libhdf5):
    # only the slow unwinder sees them on the leak's stack.
    asan="$asan:fast_unwind_on_malloc=0"
  fi
  log="$build/$target.log"
  # shellcheck disable=SC2086
  if ASAN_OPTIONS="$asan" LSAN_OPTIONS="$lsan" \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/tests/fuzz/$target" "$corpus" -max_total_time="$seconds" -timeout=25 -seed="$fuzz_seed" \
      -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -print_final_stats=1 \
      -artifact_prefix="$artifacts" ${options[$target]:-} >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  final_stat() { grep -o "stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$' || echo '?'; }
  coverage=$(grep -E '^#[0-9]+.*(DONE|pulse|REDUCE|NEW|INITED)' "$log" | tail -1 |
    grep -oE 'cov: [0-9]+ ft: [0-9]+' || echo 'cov: ? ft: ?')
  echo "fuzz: $target $result: $(final_stat number_of_executed_units) executions in ${seconds}s," \
    "$(final_stat average_exec_per_sec) exec/s, $coverage, corpus $(find "$corpus" -type f | wc -l)" \
    "inputs, peak RSS $(final_stat peak_rss_mb) MB"
  if [ "$result" = FAILED ]; then
    tail -40 "$log"
    echo "fuzz: the input is in $artifacts (full log: $log)"
  fi
done
exit $status
