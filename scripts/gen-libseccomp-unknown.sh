#!/usr/bin/env bash
# Regenerates data/libseccomp-2.5.4-unknown.txt: the names of the embedded syscall table that
# the installed libseccomp (scmp_sys_resolver, Debian 12: 2.5.4) resolves to __NR_SCMP_ERROR (-1).
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/libseccomp-2.5.4-unknown.txt
command -v scmp_sys_resolver >/dev/null || { echo "scmp_sys_resolver missing: apt-get install seccomp" >&2; exit 1; }
head -n 4 "$out" > "$out.new"
# The names are the string literals of `embeddedNames`, one a line.
awk '/static let embeddedNames/ {on = 1; next} on && /^    \]/ {on = 0} on {gsub(/[ ",]/, ""); print}' \
    Sources/SeccomposeSyscalls/Generated/SyscallTable+Data.swift |
while read -r name; do
    if [ "$(scmp_sys_resolver -a x86_64 "$name")" = "-1" ]; then echo "$name"; fi
done | LC_ALL=C sort >> "$out.new"
mv "$out.new" "$out"
