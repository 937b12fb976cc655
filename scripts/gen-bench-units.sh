#!/usr/bin/env bash
# Generates N service units for benchmarking `seccompose check`, cycling through the examples in
# units-examples/*.service. Each unit gets a distinct name (bench-NNNNN-EXAMPLE.service) and a
# small variation so that the files are not byte-identical: a header comment with its number
# and, for every second cycle, a different SystemCallErrorNumber= appended at the end (which
# changes the policy, and for some examples the findings).
#
# Usage: scripts/gen-bench-units.sh N DIR
#   then: time seccompose check --systemd 252 DIR/*.service >/dev/null
# DIR is created if needed; existing bench-*.service files in it are removed first.
set -euo pipefail

if [[ $# -ne 2 || ! "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 N DIR" >&2
    exit 64
fi
n="$1"
dir="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

examples=()
while IFS= read -r -d '' f; do examples+=("$f"); done \
    < <(find "$root/units-examples" -maxdepth 1 -name '*.service' -type f -print0 | sort -z)
if [[ ${#examples[@]} -eq 0 ]]; then
    echo "$0: no units-examples/*.service found under $root" >&2
    exit 2
fi

errnos=(EPERM EACCES ENOSYS EIO)
mkdir -p "$dir"
find "$dir" -maxdepth 1 -name 'bench-*.service' -type f -delete

count=${#examples[@]}
for ((i = 0; i < n; i++)); do
    src="${examples[i % count]}"
    name="$(basename "$src" .service)"
    cycle=$((i / count))
    out="$dir/$(printf 'bench-%05d-%s.service' "$i" "$name")"
    {
        printf '# benchmark unit %d (cycle %d), generated from units-examples/%s.service\n' "$i" "$cycle" "$name"
        cat "$src"
        if ((cycle % 2 == 1)); then
            # A trailing newline may be missing; an [X-Bench] section would be ignored, so
            # append to [Service] explicitly.
            printf '\n[Service]\nSystemCallErrorNumber=%s\n' "${errnos[cycle / 2 % ${#errnos[@]}]}"
        fi
    } >"$out"
done
echo "gen-bench-units: wrote $n units to $dir"
