#!/usr/bin/env python3
"""Man pages for seccompose and each subcommand, generated from the ArgumentParser definitions.

Reads the command tree the built binary describes (`seccompose --experimental-dump-help`, the
JSON swift-argument-parser writes for its own manual and completion generators) and writes one
man(7) page per command to docs/man/: seccompose.1 and seccompose-NAME.1. The root command's
exit-status table (its discussion) becomes the EXIT STATUS section, verbatim.

Usage:
  scripts/gen-man-pages.py --binary .build/debug/seccompose           # regenerate docs/man/
  scripts/gen-man-pages.py --binary .build/debug/seccompose --check   # exit 1 when stale
  scripts/gen-man-pages.py --binary B --output DIR                    # write elsewhere (installing)
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAN = os.path.join(ROOT, "docs", "man")


def esc(text):
    """Escapes text for a man(7) line: backslashes, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith(".") or text.startswith("'"):
        text = "\\&" + text
    return text


def option_synopsis(arg):
    name = arg.get("preferredName") or (arg.get("names") or [{}])[0]
    value = arg.get("valueName", "value")
    if arg["kind"] == "positional":
        s = "\\fI" + esc(value) + "\\fR"
        if arg.get("isRepeating"):
            s += " ..."
        return "[" + s + "]" if arg.get("isOptional") else s
    dash = "-" if name.get("kind") == "short" else "--"
    s = "\\fB" + esc(dash + name.get("name", "")) + "\\fR"
    if arg["kind"] == "option":
        s += " \\fI" + esc(value) + "\\fR"
    if arg.get("isRepeating"):
        s += " ..."
    return "[" + s + "]" if arg.get("isOptional") else s


def paragraphs(text, out):
    """A discussion: blank-line separated paragraphs; an indented or table-like one verbatim."""
    for para in text.split("\n\n"):
        lines = para.split("\n")
        if any(l.startswith("  ") for l in lines[1:]):
            out += [".PP", ".nf"] + [esc(l) for l in lines] + [".fi"]
        else:
            out += [".PP", esc(" ".join(lines))]


def page(cmd, parents, date, version):
    full = " ".join(parents + [cmd["commandName"]])
    title = full.replace(" ", "-")
    out = [
        f'.TH "{title.upper()}" "1" "{date}" "Seccompose {version}" "Seccompose Manual"',
        ".SH NAME",
        esc(title) + " \\- " + esc(cmd.get("abstract", "")),
        ".SH SYNOPSIS",
        ".B " + esc(full),
    ]
    args = [a for a in cmd.get("arguments", []) if a.get("shouldDisplay", True)]
    subs = [s for s in cmd.get("subcommands", []) if s.get("shouldDisplay", True) and s["commandName"] != "help"]
    if subs:
        out.append("\\fIsubcommand\\fR")
    for a in args:
        out.append(option_synopsis(a))
    discussion = cmd.get("discussion", "")
    exit_table = None
    if discussion.startswith("Exit status:"):
        exit_table, discussion = discussion, ""
    out.append(".SH DESCRIPTION")
    out.append(esc(cmd.get("abstract", "")))
    if discussion:
        paragraphs(discussion, out)
    if args:
        out.append(".SH OPTIONS")
        for a in args:
            names = a.get("names") or []
            if a["kind"] == "positional":
                label = "\\fI" + esc(a.get("valueName", "value")) + "\\fR"
            else:
                label = ", ".join("\\fB" + esc(("-" if n["kind"] == "short" else "--") + n["name"]) + "\\fR" for n in names)
                if a["kind"] == "option":
                    label += " \\fI" + esc(a.get("valueName", "value")) + "\\fR"
            text = a.get("abstract", "")
            if a.get("allValues"):
                text += " (values: " + ", ".join(a["allValues"]) + ")"
            if a.get("defaultValue") is not None:
                text += " (default: " + a["defaultValue"] + ")"
            out += [".TP", label, esc(text)]
    if subs:
        out.append(".SH SUBCOMMANDS")
        for s in subs:
            out += [".TP", "\\fB" + esc(s["commandName"]) + "\\fR", esc(s.get("abstract", "")) + " See \\fB" + esc(title + "-" + s["commandName"]) + "\\fR(1)."]
    if exit_table:
        out += [".SH EXIT STATUS", ".nf"] + [esc(l) for l in exit_table.split("\n")[1:]] + [".fi"]
    elif parents:
        out += [".SH EXIT STATUS", "As in the table of \\fB" + esc(parents[0]) + "\\fR(1)."]
    if parents:
        out += [".SH SEE ALSO", "\\fB" + esc(parents[0]) + "\\fR(1)"]
    pages = {title + ".1": "\n".join(out) + "\n"}
    for s in subs:
        pages.update(page(s, parents + [cmd["commandName"]], date, version))
    return pages


def generate(binary):
    dump = subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout
    version = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    # No date: regenerating from the same definitions gives the same bytes.
    return page(json.loads(dump)["command"], [], "", version)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--check", action="store_true")
    p.add_argument("--output", default=MAN)
    a = p.parse_args()
    pages = generate(a.binary)
    if a.check:
        present = set(os.listdir(a.output)) if os.path.isdir(a.output) else set()
        stale = sorted(n for n in pages if n not in present or open(os.path.join(a.output, n), encoding="utf-8").read() != pages[n])
        extra = sorted(present - set(pages))
        if stale or extra:
            print(f"stale man pages {stale}, extra {extra}: run scripts/gen-man-pages.py --binary {a.binary}", file=sys.stderr)
            return 1
        return 0
    os.makedirs(a.output, exist_ok=True)
    for name, text in pages.items():
        with open(os.path.join(a.output, name), "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
