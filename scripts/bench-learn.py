#!/usr/bin/env python3
"""Learn-mode benchmark (issue 13): what `seccompose learn` costs, per syscall and per workload.

Prints, medians of --runs runs each:
  - the cost of one logged call (SECCOMP_RET_LOG, read back from the audit netlink group) and of
    one notified call (SECCOMP_RET_USER_NOTIF + CONTINUE, for the few argument-checked calls),
    against the same call made without a filter;
  - each workload of Tests/Fixtures/learn-workloads (and an i386 int 0x80 call) with and without
    learning, and the size of the learned filter: SystemCallFilter= tokens, and the syscalls it
    allows that were never observed (group form / exact form).
Not a test: it prints numbers. Build first: swift build -c release

Usage: scripts/bench-learn.py [--binary PATH] [--probe PATH] [--runs N]
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "learn-workloads")


def wall(argv, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def per_call_us(binary, code, n, runs):
    """(plain µs per call, learn overhead µs per call) for python code looping n times."""
    def argv(k, learn):
        cmd = ["python3", "-c", code.replace("N", str(k))]
        return [binary, "learn", "--format", "json", "-o", os.devnull, "--"] + cmd if learn else cmd
    plain = (wall(argv(n, False), runs) - wall(argv(0, False), runs)) / n * 1e6
    learned = (wall(argv(n, True), runs) - wall(argv(0, True), runs)) / n * 1e6
    return plain, learned - plain


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/seccompose"))
    ap.add_argument("--probe", default=os.path.join(ROOT, ".build/release/seccompose-probe"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    print(f"per call (median of {args.runs} runs; the difference of two loop lengths, so start-up cancels out):")
    plain, logged = per_call_us(args.binary, "import os\nfor _ in range(N): os.getppid()", 100000, args.runs)
    print(f"  getppid: {plain:.2f} us plain, +{logged:.2f} us logged (SECCOMP_RET_LOG through the audit netlink group)")
    plain, notified = per_call_us(args.binary, "import socket\nfor _ in range(N): socket.socket().close()", 5000, args.runs)
    print(f"  socket()+close(): {plain:.2f} us plain, +{notified:.2f} us learned "
          f"(socket notified with USER_NOTIF + CONTINUE, close logged: about {notified - logged:.1f} us for the notification)")

    print(f"\nworkloads (median wall time of {args.runs} runs):")
    print(f"  {'workload':34} {'plain ms':>9} {'learn ms':>9} {'ratio':>6}  {'tokens':>6} {'unobserved (group/exact)':>25}")
    with tempfile.TemporaryDirectory() as scratch:
        workloads = [
            ("python threads + subprocess", ["python3", f"{FIXTURES}/threads.py"]),
            ("shell pipeline (tar, gzip)", ["sh", f"{FIXTURES}/pipeline.sh", scratch]),
            ("loopback TCP client/server", ["python3", f"{FIXTURES}/tcp.py"]),
            ("SQLite", ["python3", f"{FIXTURES}/db.py", scratch]),
            ("rare call late in a grandchild", ["python3", f"{FIXTURES}/rare.py"]),
        ]
        if os.access(args.probe, os.X_OK):
            workloads.append(("i386 int 0x80 call", [args.probe, "-", "i386:24"]))
        for name, cmd in workloads:
            plain = wall(cmd, args.runs) * 1000
            dropin = os.path.join(scratch, "learned.service")
            learned = wall([args.binary, "learn", "-o", dropin, "--"] + cmd, args.runs) * 1000
            text = open(dropin).read()
            tokens = sum(len(line.split("=", 1)[1].split()) for line in text.splitlines()
                         if line.startswith("SystemCallFilter=") and line != "SystemCallFilter=")
            counts = re.findall(r"allowed but never observed: (\d+) \(group form\), (\d+) \(exact form\)", text)
            unobserved = " ".join(f"{g}/{e}" for g, e in counts)
            print(f"  {name:34} {plain:9.1f} {learned:9.1f} {learned / plain:6.2f}  {tokens:6d} {unobserved:>25}")


if __name__ == "__main__":
    main()
