#!/usr/bin/env bash
# Runs a fuzzer for SECONDS (default 60), building it first if needed.
#
# Usage: fuzz/run.sh [SECONDS] [expression|unit] [extra libFuzzer flags...]
# The target defaults to expression. Extra flags go to libFuzzer (e.g. -seed=1). The seed
# corpus fuzz/corpus/TARGET/ is copied to the working corpus (fuzz/out/corpus/ for expression,
# fuzz/out/corpus-unit/ for unit; kept between runs, so coverage accumulates); crash reproducers
# go to fuzz/out/artifacts/ (unit ones prefixed unit-); the full log is fuzz/out/fuzz.log
# (fuzz/out/fuzz-unit.log). Exits non-zero if libFuzzer found a crash, leak or timeout.
# MODE=fast runs the target built without AddressSanitizer (fuzz/out/TARGET-fuzz-fast; see
# build.sh): same corpus, log fuzz/out/fuzz[-unit]-fast.log, reproducers prefixed fast-.
# JOBS=N runs N fuzzing processes at once (libFuzzer's -fork=N, sharing the corpus; stops on time
# only, so not with -runs=N); the default is one process.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/out"
seconds="${1:-60}"
shift || true
target=expression
if [[ "${1:-}" == expression || "${1:-}" == unit ]]; then
    target="$1"
    shift
fi

MODE="${MODE:-asan}"
export MODE
suffix=""
[[ "$MODE" == fast ]] && suffix="-fast"
"$here/build.sh" "$target" || { echo "fuzz: build failed" >&2; exit 2; }

artifacts="$out/artifacts"
if [[ "$target" == expression ]]; then
    corpus="$out/corpus"
    log="$out/fuzz$suffix.log"
    prefix="$artifacts/${suffix#-}${suffix:+-}"
else
    corpus="$out/corpus-$target"
    log="$out/fuzz-$target$suffix.log"
    prefix="$artifacts/${suffix#-}${suffix:+-}$target-"
fi
mkdir -p "$corpus" "$artifacts"
cp -f "$here/corpus/$target/"* "$corpus/"

# Swift's own crash backtracer reads memory behind ASan's back and turns every Swift trap into
# a bogus heap-buffer-overflow report; let libFuzzer/ASan report the signal instead.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

jobs="${JOBS:-1}"
fork=()
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 1 ]] && fork=(-fork="$jobs")
echo "fuzz: running $out/$target-fuzz$suffix for $seconds s in ${jobs} process(es) (log: $log)"
start=$(date +%s)
"$out/$target-fuzz$suffix" "$corpus" -dict="$here/$target.dict" \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$prefix" "${fork[@]}" "$@" >"$log" 2>&1
status=$?
elapsed=$(( $(date +%s) - start ))

grep -E '^(#[0-9]+[[:space:]]+DONE|stat::)' "$log" || true
runs="$(grep -E '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')"
if [[ -z "$runs" ]]; then
    # libFuzzer prints no final stats when it dies on a crash; use the last status line.
    runs="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')"
fi
crashes=0
if [[ $status -ne 0 ]]; then
    # libFuzzer stops at the first crash, leak, timeout or OOM and writes one reproducer.
    crashes="$(grep -c 'Test unit written to' "$log")"
    [[ "$crashes" -eq 0 ]] && crashes=1
    grep -E '(Fatal error|Precondition failed|Assertion failed|==[0-9]+==ERROR|^SUMMARY|Test unit written to)' "$log" >&2 || true
fi
echo "fuzz: ${runs:-0} inputs run in ${elapsed} s ($(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) )) per second, ${jobs} process(es)), $crashes crashes"
exit $status
