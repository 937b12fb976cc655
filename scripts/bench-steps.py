#!/usr/bin/env python3
"""Launch overhead of several seccompose binaries side by side (one per commit of a change).

Usage: scripts/bench-steps.py ROUNDS PROGRAM BINARY...

Each round runs /bin/true once, then every BINARY twice: `run --filter @system-service -- /bin/true`
and `run --program PROGRAM -- /bin/true` (PROGRAM written by `compile --filter @system-service
--format raw`). A busy machine slows every binary of a round alike. Prints, per binary, the
minimum overhead over the plain exec and the median, in ms (docs/launch-performance.md).
"""
import statistics
import subprocess
import sys
import time


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, program, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    cases = {
        "filter": lambda b: [b, "run", "--filter", "@system-service", "--", "/bin/true"],
        "program": lambda b: [b, "run", "--program", program, "--", "/bin/true"],
    }
    times = {b: {c: [] for c in cases} for b in binaries}
    plain = []
    for _ in range(rounds):
        plain.append(timed(["/bin/true"]))
        for b in binaries:
            for c, make in cases.items():
                times[b][c].append(timed(make(b)))
    base = min(plain)
    print(f"{rounds} rounds; plain exec min {base:.2f} ms; per binary: min overhead (median) in ms")
    for b in binaries:
        row = "  ".join(f"{c} {min(t) - base:6.2f} ({statistics.median(t):6.2f})" for c, t in times[b].items())
        print(f"{b}: {row}")


if __name__ == "__main__":
    main()
