#!/usr/bin/env python3
"""Counts the Swift runtime's conformance scans in one run of a Swift binary, and says where each
came from (docs/launch-performance.md, "Fourth round").

The first use of a generic type with a protocol requirement (a `Dictionary` key's `Hashable`, a
`joined(separator:)` over strings …) makes the runtime look the conformance up; a look-up it has
not seen scans every conformance record of the binary (about 4,400 in `seccompose`, ~45 µs). This
runs the command under gdb with a breakpoint on the scan's per-record callback and one on the
look-up, and prints, per look-up that scanned: how many records it read, the type, and the
innermost Swift frames (demangled with `swift demangle` when it is on the PATH).

Usage: scripts/conformance-scans.py BINARY [ARGS...]
  e.g. scripts/conformance-scans.py .build/release/seccompose run --program P -- /bin/true
Needs gdb and a binary with symbols (the release build keeps them).
"""
import os
import shutil
import subprocess
import sys
import tempfile

GDB_SCRIPT = r'''
import gdb
gdb.execute("set pagination off")
gdb.execute("set confirm off")
scan = gdb.Breakpoint("_ZZZL52swift_conformsToProtocolMaybeInstantiateSuperclassesPKN5swift14TargetMetadataINS_9InProcessEEEPKNS_24TargetProtocolDescriptorIS1_EEbENK3$_2clERKN12_GLOBAL__N_118ConformanceSectionEENKUlRKNS_35TargetProtocolConformanceDescriptorIS1_EEE_clESH_", internal=True)
scan.ignore_count = 10**9
log = []
class Lookup(gdb.Breakpoint):
    def stop(self):
        try:
            what = gdb.execute("info symbol $rsi", to_string=True).strip().split(" in section")[0]
        except gdb.error:
            what = "?"
        frames = []
        f = gdb.newest_frame()
        while f is not None and len(frames) < 6:
            name = f.name() or ""
            if name.startswith("$s"):
                frames.append(name)
            f = f.older()
        log.append((scan.hit_count, what, frames))
        return False
Lookup("_ZL52swift_conformsToProtocolMaybeInstantiateSuperclassesPKN5swift14TargetMetadataINS_9InProcessEEEPKNS_24TargetProtocolDescriptorIS1_EEb", internal=True)
gdb.execute("run " + ARGS + " > /dev/null 2>&1")
with open(OUT, "w") as out:
    for i, (count, what, frames) in enumerate(log):
        following = log[i + 1][0] if i + 1 < len(log) else scan.hit_count
        out.write("%d\t%s\t%s\n" % (following - count, what, " < ".join(frames)))
'''


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if shutil.which("gdb") is None:
        sys.exit("conformance-scans: needs gdb (apt-get install gdb)")
    binary, args = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "log.tsv")
        script = os.path.join(tmp, "scans.py")
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
        with open(script, "w") as f:
            f.write("ARGS = %r\nOUT = %r\n" % (quoted, out) + GDB_SCRIPT)
        subprocess.run(["gdb", "-q", "-batch", "-x", script, binary],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        if not os.path.exists(out):
            sys.exit("conformance-scans: gdb produced no log (is the binary built with symbols?)")
        rows = [line.rstrip("\n").split("\t") for line in open(out)]
    text = "\n".join("\t".join(r) for r in rows)
    if shutil.which("swift"):
        text = subprocess.run(["swift", "demangle", "--simplified"], input=text,
                              capture_output=True, text=True).stdout
    scanning = [line for line in text.splitlines() if line and int(line.split("\t")[0]) > 100]
    print("%d look-ups, %d of them scanned the conformance records:" % (len(rows), len(scanning)))
    for line in scanning:
        records, what, frames = (line.split("\t") + ["", ""])[:3]
        print("  %6s records  %s\n          from %s" % (records, what, frames[:300]))


if __name__ == "__main__":
    main()
