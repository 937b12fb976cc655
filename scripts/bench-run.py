#!/usr/bin/env python3
"""Benchmarks that print numbers (not tests).

Launcher overhead (default): times, N rounds (default 25), each round running every case once
in turn (interleaved, so a busy machine slows all cases alike):
  plain       /bin/true
  filter      seccompose run --filter @system-service -- /bin/true   (compiles the filter)
  program     seccompose run --program P -- /bin/true                (P: compile --format raw of
              the same filter, made once before timing)
  bwrap       bwrap --dev-bind / / --seccomp 3 -- /bin/true           (the same P on fd 3;
              bubblewrap's own namespaces included, as a user of bwrap pays them)
and prints the median and minimum of each and the overhead over plain exec. `--baseline PATH`
adds the filter case for a second binary (e.g. a release build of an older commit), in the same
rounds, and its program case when it has `run --program`. Cases whose tool is missing are
skipped with a note.

`--check`: `seccompose check` throughput on real unit files, start-up included. Copies the
host's unit files (`--unit-dir`, default /lib/systemd/system, `*.service`, symlinks followed) into
a temporary directory, cycling through them in subdirectories 00/, 01/ … under their own names
(so their drop-ins under /lib/systemd/system/NAME.d/ still apply) until there are `--units`
(default 1000); then runs `seccompose check --systemd V --format json` on all of them at once,
`--runs` times per binary, interleaved, and prints the median wall time and units/s for each,
and the least CPU time (user + sys: steadier than wall time on a busy machine).
With `--baseline PATH` the same is measured for a second binary (e.g. a release build of an
older commit) and the two JSON outputs must be identical.

The round-robin set repeats each host unit about ten times, and check caches what depends only on
a unit's directive values, so it also measures distinct units (`--distinct`, on by default with
--check; `--no-distinct` skips them): every distinct host unit once (one invocation), and, with
`--corpus DIR`, every `*.service` under DIR (recursively: e.g. the units of Debian packages
unpacked with `scripts/unit-corpus.sh DIR`) together with the host's, each once, in one
invocation; units whose file content equals another's are counted once. Each case's JSON output
must be identical for both binaries too.

Build first: `swift build -c release` (Package.swift links the release `seccompose` with the
Swift runtime and Foundation statically).

Usage: scripts/bench-run.py [--binary PATH] [--baseline PATH] [--runs N]
       scripts/bench-run.py --check [--binary PATH] [--baseline PATH] [--units N] [--runs N]
                            [--systemd 252|262] [--unit-dir DIR] [--corpus DIR] [--no-distinct]
"""
import argparse
import glob
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def median_ms(argv, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def copy_units(source_dir, count, target):
    """Copies `count` unit files from `source_dir` into target/NN/, cycling; returns the paths."""
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source_dir, "*.service"))
                   if os.path.isfile(p))
    if not names:
        sys.exit(f"bench-run: no *.service files in {source_dir}")
    paths = []
    for i in range(count):
        sub = os.path.join(target, f"{i // len(names):02d}")
        os.makedirs(sub, exist_ok=True)
        name = names[i % len(names)]
        dest = os.path.join(sub, name)
        shutil.copyfile(os.path.join(source_dir, name), dest)
        paths.append(dest)
    return paths, len(names)


def distinct_units(dirs, target):
    """Copies every distinct `*.service` (by content) under `dirs` into target/NN/ under its own
    name (NN: how many units of that name came before, so a directory holds many units, as the
    round-robin set's do); returns the paths. The first directory is read flat (the host's unit
    directory), the others recursively."""
    seen = set()
    names = {}
    paths = []
    for n, d in enumerate(dirs):
        pattern = os.path.join(d, "**", "*.service") if n > 0 else os.path.join(d, "*.service")
        for p in sorted(glob.glob(pattern, recursive=n > 0)):
            if not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            if data in seen:
                continue
            seen.add(data)
            name = os.path.basename(p)
            sub = os.path.join(target, f"{names.get(name, 0):02d}")
            names[name] = names.get(name, 0) + 1
            os.makedirs(sub, exist_ok=True)
            dest = os.path.join(sub, name)
            with open(dest, "wb") as f:
                f.write(data)
            paths.append(dest)
    return paths


def time_check(label_paths, binaries, args, tmp):
    """Runs each (label, paths) case `args.runs` times per binary, interleaved; prints the median
    wall time and units/s, and whether the outputs of the two binaries are identical."""
    ok = True
    for case, paths in label_paths:
        samples = {label: [] for label, _ in binaries}
        cpu = {label: [] for label, _ in binaries}
        outputs = {}
        for _ in range(args.runs):
            for label, binary in binaries:
                argv = [binary, "check", "--systemd", args.systemd, "--format", "json"] + paths
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                samples[label].append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[label].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                if done.returncode not in (0, 1):
                    sys.exit(f"bench-run: {binary} check exited {done.returncode}: {done.stderr.decode()[:500]}")
                outputs[label] = done.stdout.replace(tmp.encode(), b"DIR")
        print(f"{case}: {len(paths)} units")
        for label, binary in binaries:
            med = statistics.median(samples[label])
            c = min(cpu[label])
            print(f"  {label} ({binary}): median {med:.3f} s (min {min(samples[label]):.3f}), "
                  f"{len(paths) / med:.0f} units/s (at the min {len(paths) / min(samples[label]):.0f}); "
                  f"CPU time (user + sys) min {c:.3f} s, {len(paths) / c if c > 0 else float('inf'):.0f} units per CPU second")
        if len(binaries) > 1:
            same = outputs["baseline"] == outputs["seccompose"]
            print(f"  outputs identical: {'yes' if same else 'NO'}")
            ok = ok and same
    return ok


def check_benchmark(args):
    binaries = [("seccompose", args.binary)]
    if args.baseline:
        binaries.insert(0, ("baseline", args.baseline))
    with tempfile.TemporaryDirectory(prefix="bench-check.") as tmp:
        paths, distinct = copy_units(args.unit_dir, args.units, os.path.join(tmp, "rr"))
        print(f"check: systemd {args.systemd}, {args.runs} runs per binary, interleaved")
        cases = [(f"round-robin ({distinct} distinct from {args.unit_dir}, cycled)", paths)]
        if args.distinct:
            host = distinct_units([args.unit_dir], os.path.join(tmp, "host"))
            cases.append((f"distinct host units, each once", host))
            if args.corpus:
                both = distinct_units([args.unit_dir, args.corpus], os.path.join(tmp, "corpus"))
                cases.append((f"distinct units of {args.unit_dir} and {args.corpus}, each once", both))
        if not time_check(cases, binaries, args, tmp):
            sys.exit(1)


def supports_program(binary):
    """Whether `binary run --help` lists --program."""
    done = subprocess.run([binary, "run", "--help"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return b"--program" in done.stdout


def run_benchmark(args):
    with tempfile.TemporaryDirectory(prefix="bench-run.") as tmp:
        program = os.path.join(tmp, "system-service.bpf")
        subprocess.run([args.binary, "compile", "--filter", "@system-service", "--format", "raw", "-o", program],
                       check=True)
        cases = [("plain exec: /bin/true", ["/bin/true"], None)]
        binaries = [("", args.binary)]
        if args.baseline:
            binaries.insert(0, ("baseline ", args.baseline))
        for label, binary in binaries:
            cases.append((f"{label}seccompose run --filter @system-service",
                          [binary, "run", "--filter", "@system-service", "--", "/bin/true"], None))
            if supports_program(binary):
                cases.append((f"{label}seccompose run --program",
                              [binary, "run", "--program", program, "--", "/bin/true"], None))
            else:
                print(f"note: {binary} has no run --program; its program case is skipped")
        bwrap = shutil.which("bwrap")
        if bwrap:
            cases.append(("bwrap --seccomp (same program)",
                          [bwrap, "--dev-bind", "/", "/", "--seccomp", "3", "--", "/bin/true"], program))
        else:
            print("note: bwrap is not installed (apt-get install bubblewrap); its case is skipped")
        samples = [[] for _ in cases]
        for _ in range(args.runs):
            for i, (_, argv, fd_file) in enumerate(cases):
                fds = ()
                if fd_file:
                    fd = os.open(fd_file, os.O_RDONLY)
                    if fd != 3:
                        os.dup2(fd, 3)
                        os.close(fd)
                    fds = (3,)
                start = time.perf_counter()
                done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=fds)
                samples[i].append((time.perf_counter() - start) * 1000)
                if fds:
                    os.close(3)
                if done.returncode != 0:
                    sys.exit(f"bench-run: {' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[:500]}")
        plain, plain_min = statistics.median(samples[0]), min(samples[0])
        print(f"{args.runs} rounds, cases interleaved; times in ms; overhead = the case minus plain exec "
              f"(of the medians, and of the minimums: on a busy machine the minimums are the steadier)")
        print(f"{'case':<52} {'median':>8} {'min':>8} {'overhead':>9} {'min ovh':>8}")
        for (label, _, _), xs in zip(cases, samples):
            med = statistics.median(xs)
            print(f"{label:<52} {med:8.2f} {min(xs):8.2f} {med - plain:9.2f} {min(xs) - plain_min:8.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/seccompose")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--check", action="store_true", help="measure check throughput instead of run overhead")
    ap.add_argument("--baseline", help="a second binary to measure beside --binary (with --check: and compare outputs)")
    ap.add_argument("--units", type=int, default=1000, help="--check: how many unit files")
    ap.add_argument("--systemd", default="252", help="--check: the systemd version to emulate")
    ap.add_argument("--unit-dir", default="/lib/systemd/system", help="--check: where the real units are")
    ap.add_argument("--corpus", help="--check: more units (*.service under DIR, recursively), each checked once")
    ap.add_argument("--no-distinct", dest="distinct", action="store_false",
                    help="--check: only the round-robin set (no distinct-unit cases)")
    args = ap.parse_args()
    if args.check:
        args.runs = args.runs or 5
        check_benchmark(args)
        return
    args.runs = args.runs or 25
    run_benchmark(args)

if __name__ == "__main__":
    main()
