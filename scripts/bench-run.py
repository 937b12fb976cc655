#!/usr/bin/env python3
"""Launcher overhead benchmark (issue: `seccompose run` start-up cost).

Times `seccompose run --filter @system-service -- /bin/true` against plain `/bin/true`, N runs
each (default 25), and prints the medians and their difference. Not a test: it prints numbers.

Build first, ideally with a static Swift runtime (what deployment should use):
  swift build -c release --static-swift-stdlib --product seccompose

Usage: scripts/bench-run.py [--binary PATH] [--runs N]
"""
import argparse
import statistics
import subprocess
import time


def median_ms(argv, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/seccompose")
    ap.add_argument("--runs", type=int, default=25)
    args = ap.parse_args()
    plain, plain_min = median_ms(["/bin/true"], args.runs)
    filtered, filtered_min = median_ms(
        [args.binary, "run", "--filter", "@system-service", "--", "/bin/true"], args.runs)
    print(f"/bin/true: median {plain:.2f} ms (min {plain_min:.2f}) over {args.runs} runs")
    print(f"seccompose run --filter @system-service -- /bin/true: median {filtered:.2f} ms (min {filtered_min:.2f})")
    print(f"overhead: {filtered - plain:.2f} ms (target <= 15 ms)")


if __name__ == "__main__":
    main()
