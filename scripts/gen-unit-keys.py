#!/usr/bin/env python3
"""The keys systemd knows in a service unit's [Unit], [Service] and [Install] sections.

Writes data/unit-keys/VERSION/{Unit,Service,Install}.txt (sorted, one key a line) from one of:

  --source DIR   a systemd source tree: src/core/load-fragment-gperf.gperf.in (the unit parser's
                 table; its Jinja macros EXEC_/KILL_/CGROUP_CONTEXT_CONFIG_ITEMS are expanded and
                 both branches of every {% if %} are taken, because systemd lists a key in both:
                 parsed, or "disabled at compile time") and src/shared/install.c (where the
                 [Install] keys are parsed; the gperf table lists them too, with no parser).
  --binary FILE  systemd's libsystemd-core-VERSION.so, for a version whose source tarball cannot
                 be had: the gperf-generated table is compiled into it as NUL-separated
                 "Section.Key" strings; the longest unbroken run of such strings is the table
                 (for 252 this reproduces the --source lists exactly).
  --dump FILE    the output of `systemd --dump-configuration-items` (PID 1 walks the same table,
                 but leaves out the keys whose support was removed, e.g. Capabilities=, which
                 systemd still knows and ignores with an info message: not "Unknown key").

and regenerates Sources/SeccomposeSystemd/Generated/UnitKeys+Data.swift, which embeds every
data/unit-keys/*/*.txt verbatim (also data/unit-keys/VERSION/unapplied-sandboxing.txt, which is
curated by hand: see data/unit-keys/README.md).

Usage:
  scripts/gen-unit-keys.py --version 252 --source /path/to/systemd-252   # data + Swift
  scripts/gen-unit-keys.py --version 262 --binary .../libsystemd-core-262.so  # data + Swift
  scripts/gen-unit-keys.py                                               # Swift only
  scripts/gen-unit-keys.py --check [--version V --source DIR|--binary SO]  # exit 1 when stale
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "unit-keys")
OUT = os.path.join(ROOT, "Sources", "SeccomposeSystemd", "Generated", "UnitKeys+Data.swift")
SECTIONS = ["Unit", "Service", "Install"]


def keys_from_gperf(text):
    """{section: set(keys)} of the unit parser's table."""
    macros = {}
    body = []
    current = None
    for line in text.splitlines():
        m = re.match(r"\{%-?\s*macro\s+(\w+)\(\w+\)\s*-?%\}", line)
        if m:
            current = m.group(1)
            macros[current] = []
            continue
        if re.match(r"\{%-?\s*endmacro\s*-?%\}", line):
            current = None
            continue
        (macros[current] if current else body).append(line)
    # Only what follows the gperf '%%' separator is the table.
    if "%%" in body:
        body = body[body.index("%%") + 1:]
    out = {}

    def take(line):
        if line.startswith(("{%", "{#", "#")) or not line.strip():
            return
        m = re.match(r"\{\{\s*(\w+)\('(\w+)'\)\s*\}\}", line)
        if m:
            for inner in macros[m.group(1)]:
                take(inner.replace("{{type}}", m.group(2)))
            return
        m = re.match(r"([A-Za-z-]+)\.([A-Za-z0-9]+)\s*,", line)
        if m:
            out.setdefault(m.group(1), set()).add(m.group(2))
            return
        if line.startswith("{{") or "%{" in line or line.startswith("%"):
            return
        raise SystemExit(f"unexpected gperf line: {line!r}")

    for line in body:
        take(line)
    return out


def install_keys_from_install_c(text):
    return set(re.findall(r'\{\s*"Install"\s*,\s*"(\w+)"', text))


def keys_from_dump(text):
    out = {}
    section = None
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if "=" in line and section:
            out.setdefault(section, set()).add(line.split("=", 1)[0])
    return out


def keys_from_binary(data):
    pattern = re.compile(rb"^[A-Z][A-Za-z]*\.[A-Za-z0-9]+$")
    best, run = [], []
    for item in data.split(b"\0"):
        if pattern.match(item):
            run.append(item.decode())
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    out = {}
    for entry in best:
        section, key = entry.split(".", 1)
        out.setdefault(section, set()).add(key)
    return out


def write_data(version, keys):
    d = os.path.join(DATA, version)
    os.makedirs(d, exist_ok=True)
    for s in SECTIONS:
        with open(os.path.join(d, s + ".txt"), "w") as fh:
            fh.write("".join(k + "\n" for k in sorted(keys[s])))


def read_data(version):
    return {s: open(os.path.join(DATA, version, s + ".txt")).read().split() for s in SECTIONS}


def literal(text):
    if '"""#' in text:
        sys.exit("data file contains '\"\"\"#'")
    return '#"""\n' + text + "\n" + '"""#'


def render_swift():
    versions = sorted(v for v in os.listdir(DATA) if os.path.isdir(os.path.join(DATA, v)))
    parts = []
    for v in versions:
        for f in sorted(os.listdir(os.path.join(DATA, v))):
            if f.endswith(".txt"):
                text = open(os.path.join(DATA, v, f)).read()
                parts.append(f'        ("{v}/{f[:-4]}", {literal(text)}),')
    return (
        "// Generated by scripts/gen-unit-keys.py from data/unit-keys/*/*.txt.\n"
        "// Do not edit: run `python3 scripts/gen-unit-keys.py` instead.\n\n"
        "enum UnitKeysData {\n"
        "    /// (\"VERSION/NAME\", file text) for every data/unit-keys/VERSION/NAME.txt, sorted.\n"
        "    static let files: [(String, String)] = [\n"
        + "\n".join(parts)
        + "\n    ]\n"
        "}\n"
    )


def derive(args):
    if args.source:
        with open(os.path.join(args.source, "src/core/load-fragment-gperf.gperf.in")) as fh:
            keys = keys_from_gperf(fh.read())
        with open(os.path.join(args.source, "src/shared/install.c")) as fh:
            install = install_keys_from_install_c(fh.read())
        if not install:
            raise SystemExit("no [Install] table found in src/shared/install.c")
        if keys.get("Install") and keys["Install"] != install:
            print(f"note: gperf [Install] {sorted(keys['Install'])} != install.c {sorted(install)}; using the union",
                file=sys.stderr)
        keys["Install"] = keys.get("Install", set()) | install
    elif args.binary:
        with open(args.binary, "rb") as fh:
            keys = keys_from_binary(fh.read())
    else:
        with open(args.dump) as fh:
            keys = keys_from_dump(fh.read())
    for s in SECTIONS:
        if not keys.get(s):
            raise SystemExit(f"no [{s}] keys found")
    return keys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", help="data/unit-keys/VERSION to write or check")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--source", help="a systemd source tree")
    src.add_argument("--binary", help="systemd's libsystemd-core-VERSION.so")
    src.add_argument("--dump", help="output of `systemd --dump-configuration-items`")
    ap.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    args = ap.parse_args()
    if (args.source or args.binary or args.dump) and not args.version:
        ap.error("--source/--binary/--dump need --version")
    stale = []
    if args.source or args.binary or args.dump:
        keys = derive(args)
        if args.check:
            have = read_data(args.version)
            for s in SECTIONS:
                if have[s] != sorted(keys[s]):
                    added = sorted(set(keys[s]) - set(have[s]))
                    gone = sorted(set(have[s]) - set(keys[s]))
                    stale.append(f"data/unit-keys/{args.version}/{s}.txt (missing {added}, extra {gone})")
        else:
            write_data(args.version, keys)
    text = render_swift()
    if args.check:
        current = open(OUT).read() if os.path.exists(OUT) else ""
        if current != text:
            stale.append(os.path.relpath(OUT, ROOT))
        if stale:
            print("stale: " + "; ".join(stale) + ": run python3 scripts/gen-unit-keys.py", file=sys.stderr)
            sys.exit(1)
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
