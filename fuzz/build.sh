#!/usr/bin/env bash
# Builds the libFuzzer target fuzz/out/expression-fuzz with plain swiftc (no SwiftPM).
#
# The four library modules are compiled one by one, in dependency order, with libFuzzer
# coverage instrumentation and AddressSanitizer, into fuzz/out/build/; then the harness
# fuzz/ExpressionFuzz.swift is linked against them (libFuzzer supplies main()).
#
# Usage: fuzz/build.sh [-f]      (-f or FORCE=1: rebuild even if up to date)
# Env:   SWIFTC   compiler (default: swiftc on PATH, else /opt/swift/usr/bin/swiftc)
#        OPT      optimisation flag (default -O; -Onone builds faster, runs slower)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$here/out"
build="$out/build"
target="$out/expression-fuzz"
harness="$here/ExpressionFuzz.swift"

SWIFTC="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
OPT="${OPT:--O}"
force="${FORCE:-0}"
[[ "${1:-}" == "-f" ]] && force=1

modules=(SeccomposeSyscalls SeccomposeSets SeccomposePolicy SeccomposeSystemd)

# Up to date? (binary newer than every module source, the harness and this script)
if [[ "$force" != 1 && -x "$target" ]]; then
    srcs=("$harness" "$here/build.sh")
    for m in "${modules[@]}"; do srcs+=("$root/Sources/$m"); done
    newer="$(find "${srcs[@]}" -newer "$target" \( -name '*.swift' -o -name build.sh \) | head -1)"
    if [[ -z "$newer" ]]; then
        echo "build: $target is up to date"
        exit 0
    fi
fi

mkdir -p "$build"
common=(-parse-as-library -swift-version 6 -enable-upcoming-feature ExistentialAny
    -sanitize=fuzzer,address "$OPT" -g -I "$build")

start=$SECONDS
for m in "${modules[@]}"; do
    files=()
    while IFS= read -r -d '' f; do files+=("$f"); done \
        < <(find "$root/Sources/$m" -name '*.swift' -print0 | sort -z)
    echo "build: $m (${#files[@]} files)"
    "$SWIFTC" "${common[@]}" -module-name "$m" -wmo -num-threads 0 \
        -emit-module -emit-module-path "$build/$m.swiftmodule" \
        -c "${files[@]}" -o "$build/$m.o"
done

objs=()
for m in "${modules[@]}"; do objs+=("$build/$m.o"); done
echo "build: linking $target"
"$SWIFTC" "${common[@]}" -use-ld=lld -module-name ExpressionFuzz "$harness" "${objs[@]}" -o "$target.tmp"
mv "$target.tmp" "$target"
echo "build: done in $((SECONDS - start)) s: $target"
