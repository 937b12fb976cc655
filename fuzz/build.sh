#!/usr/bin/env bash
# Builds the libFuzzer targets with plain swiftc (no SwiftPM):
#   fuzz/out/expression-fuzz   (fuzz/ExpressionFuzz.swift: the SystemCall*= expression front end)
#   fuzz/out/unit-fuzz         (fuzz/UnitFuzz.swift: unit files through UnitChecker.check)
#
# The five library modules are compiled one by one, in dependency order, with libFuzzer
# coverage instrumentation, AddressSanitizer and -enable-testing (UnitFuzz imports
# SeccomposeSystemd @testable for the internal memberwise initializers of LoadedUnit and
# UnitSource), into fuzz/out/build/; then each harness is linked against them (libFuzzer
# supplies main()).
#
# Two modes (MODE=asan, the default, or MODE=fast; see fuzz/README.md "Modes"):
#   asan   -sanitize=fuzzer,address: coverage, comparison tracing and AddressSanitizer;
#          out: fuzz/out/TARGET-fuzz, modules in fuzz/out/build/
#   fast   -sanitize=fuzzer only: the same coverage and comparison tracing, no AddressSanitizer
#          (Swift's own bounds and overflow checks stay: -O, not -Ounchecked);
#          out: fuzz/out/TARGET-fuzz-fast, modules in fuzz/out/build-fast/
#
# Usage: fuzz/build.sh [-f] [expression|unit|all]...   (default: all)
#        -f or FORCE=1: rebuild even if up to date
# Env:   SWIFTC   compiler (default: swiftc on PATH, else /opt/swift/usr/bin/swiftc)
#        OPT      optimisation flag (default -O; -Onone builds faster, runs slower)
#        MODE     asan (default) or fast
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$here/out"
MODE="${MODE:-asan}"
case "$MODE" in
    asan) sanitize=fuzzer,address suffix="" build="$out/build" ;;
    fast) sanitize=fuzzer suffix="-fast" build="$out/build-fast" ;;
    *)
        echo "build: MODE must be asan or fast, not $MODE" >&2
        exit 64
        ;;
esac
stamp="$build/modules.stamp"

SWIFTC="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
OPT="${OPT:--O}"
force="${FORCE:-0}"
targets=()
for arg in "$@"; do
    case "$arg" in
        -f) force=1 ;;
        expression | unit) targets+=("$arg") ;;
        all) targets+=(expression unit) ;;
        *)
            echo "usage: $0 [-f] [expression|unit|all]..." >&2
            exit 64
            ;;
    esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=(expression unit)

harness_of() {
    case "$1" in
        expression) echo "$here/ExpressionFuzz.swift" ;;
        unit) echo "$here/UnitFuzz.swift" ;;
    esac
}
module_of() {
    case "$1" in
        expression) echo ExpressionFuzz ;;
        unit) echo UnitFuzz ;;
    esac
}

modules=(SeccomposeDiagnostics SeccomposeSyscalls SeccomposeSets SeccomposePolicy SeccomposeSystemd)

mkdir -p "$build"
common=(-parse-as-library -swift-version 6 -enable-upcoming-feature ExistentialAny -package-name Seccompose
    -sanitize="$sanitize" "$OPT" -g -I "$build")

start=$SECONDS

# The modules: up to date when the stamp is newer than every module source and this script.
stale_modules=1
if [[ "$force" != 1 && -f "$stamp" ]]; then
    srcs=("$here/build.sh")
    for m in "${modules[@]}"; do srcs+=("$root/Sources/$m"); done
    if [[ -z "$(find "${srcs[@]}" -newer "$stamp" \( -name '*.swift' -o -name build.sh \) | head -1)" ]]; then
        stale_modules=0
    fi
fi
if [[ $stale_modules == 1 ]]; then
    rm -f "$stamp"
    for m in "${modules[@]}"; do
        files=()
        while IFS= read -r -d '' f; do files+=("$f"); done \
            < <(find "$root/Sources/$m" -name '*.swift' -print0 | sort -z)
        echo "build: $m (${#files[@]} files)"
        "$SWIFTC" "${common[@]}" -enable-testing -module-name "$m" -wmo -num-threads 0 \
            -emit-module -emit-module-path "$build/$m.swiftmodule" \
            -c "${files[@]}" -o "$build/$m.o"
    done
    touch "$stamp"
fi

objs=()
for m in "${modules[@]}"; do objs+=("$build/$m.o"); done
for t in "${targets[@]}"; do
    target="$out/$t-fuzz$suffix"
    harness="$(harness_of "$t")"
    if [[ "$force" != 1 && -x "$target" && "$target" -nt "$stamp" && "$target" -nt "$harness" ]]; then
        echo "build: $target is up to date"
        continue
    fi
    echo "build: linking $target"
    "$SWIFTC" "${common[@]}" -use-ld=lld -module-name "$(module_of "$t")" "$harness" "${objs[@]}" -o "$target.tmp"
    mv "$target.tmp" "$target"
done
echo "build: done in $((SECONDS - start)) s"
