#!/usr/bin/env bash
# Runs the expression fuzzer for SECONDS (default 60), building it first if needed.
#
# Usage: fuzz/run.sh [SECONDS] [extra libFuzzer flags...]
# Extra flags go to libFuzzer (e.g. -seed=1). The seed corpus fuzz/corpus/expression/ is
# copied to fuzz/out/corpus/ (kept between runs, so coverage accumulates); crash reproducers
# go to fuzz/out/artifacts/; the full log is fuzz/out/fuzz.log. Exits non-zero if libFuzzer found a crash, leak or timeout.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/out"
seconds="${1:-60}"
shift || true

"$here/build.sh" || { echo "fuzz: build failed" >&2; exit 2; }

corpus="$out/corpus"
artifacts="$out/artifacts"
log="$out/fuzz.log"
mkdir -p "$corpus" "$artifacts"
cp -f "$here/corpus/expression/"* "$corpus/"

# Swift's own crash backtracer reads memory behind ASan's back and turns every Swift trap into
# a bogus heap-buffer-overflow report; let libFuzzer/ASan report the signal instead.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

echo "fuzz: running $out/expression-fuzz for $seconds s (log: $log)"
"$out/expression-fuzz" "$corpus" -dict="$here/expression.dict" \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" >"$log" 2>&1
status=$?

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
echo "fuzz: ${runs:-0} inputs run, $crashes crashes"
exit $status
