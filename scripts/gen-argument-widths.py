#!/usr/bin/env python3
"""Generate Sources/SeccomposeSyscalls/Generated/ArgumentWidths+Data.swift.

For every syscall and ABI: what the kernel reads of each argument register, one letter
per argument. It joins the repository's own data files (no kernel sources needed):

- data/syscall-arg-types.csv      every SYSCALL_DEFINE / COMPAT_SYSCALL_DEFINE (generated)
- data/syscall-entry-points.csv   the entry function per syscall and ABI (generated; `?`
                                  where what the kernel reads is not derivable)
- data/syscall-arg-types-addendum.csv   calls newer than 6.1, arch-only calls (by hand)
- data/syscall-arg-reads.csv      reads narrower than the declaration (by hand)
- data/syscalls.csv (libseccomp's table) or the path given: which names each ABI numbers

Resolution per ABI:
- The definition the entry point names: a `plain` C function of that name (the arch's own
  first), else `sys_X` → the native definition of X, `compat_sys_X` → the compat one, from
  the ABI's arch directory or generic code. `sys_ni_syscall` reads nothing (`-`); `?` is unknown.
- Calls without an entry row: the addendum (added, arch, enosys, unresolved).
- Several definitions (clone's argument orders under #ifdef) that disagree on an argument
  make it unknown (`?`); no definition at all makes the whole call unknown (`*`).
- 32-bit ABIs: a native definition's 64-bit argument (loff_t, u64 …) takes two registers,
  so from it on the declared positions are not seccomp's: those arguments are unknown.
Unknown arguments are compared on all 64 bits, as systemd does.

Letters: i s32, I u32, h s16, H u16, b s8, B u8, l s64, L u64, p pointer, ? unknown.

Usage: scripts/gen-argument-widths.py [path/to/syscalls.csv [output.swift]]
"""
import csv, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASS_LETTER = {'s32': 'i', 'u32': 'I', 's16': 'h', 'u16': 'H', 's8': 'b', 'u8': 'B',
                's64': 'l', 'u64': 'L', 'ptr': 'p'}
# syscalls.csv columns → the kernel's arch directory (for arch-scoped definitions).
ARCH_DIR = {'x86': 'x86', 'x86_64': 'x86', 'x32': 'x86', 'arm': 'arm', 'aarch64': 'arm64',
            'loongarch64': 'loongarch', 'm68k': 'm68k', 'mips': 'mips', 'mips64': 'mips',
            'mips64n32': 'mips', 'parisc': 'parisc', 'parisc64': 'parisc', 'ppc': 'powerpc',
            'ppc64': 'powerpc', 'riscv64': 'riscv', 's390': 's390', 's390x': 's390', 'sh': 'sh'}


def rows(path):
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line and not line.startswith('#'):
                yield line


def main():
    csv_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'data', 'syscalls.csv')
    data = os.path.join(ROOT, 'data')
    defs = {}  # (name, kind) -> [(scope, [letters], [declared types])]
    for line in rows(os.path.join(data, 'syscall-arg-types.csv')):
        name, kind, where, args = line.split(',', 3)
        scope, path = where.split(':', 1)
        if path.startswith('arch/x86/um/'):
            continue  # user-mode Linux, not a kernel Seccompose filters
        parts = [a.split(':', 1) for a in args.split(';')] if args else []
        defs.setdefault((name, kind), []).append((scope, [CLASS_LETTER[c] for c, _ in parts], [t for _, t in parts]))
    added = {}
    for line in rows(os.path.join(data, 'syscall-arg-types-addendum.csv')):
        name, status, args, _ = line.split(',', 3)
        if status in ('added', 'arch'):
            added[name] = [CLASS_LETTER[a.split(':', 1)[0]] for a in args.split(';')] if args else []
        elif status == 'enosys':
            added[name] = None
        elif status == 'unresolved':
            added[name] = '*'
    entries = {}
    for line in rows(os.path.join(data, 'syscall-entry-points.csv')):
        abi, name, entry = line.split(',')
        entries[(abi, name)] = entry
    reads = []
    for line in rows(os.path.join(data, 'syscall-arg-reads.csv')):
        name, abis, index, cls, _ = line.split(',', 4)
        reads.append((name, abis.split(), int(index), CLASS_LETTER[cls]))

    with open(csv_path) as f:
        table = list(csv.reader(f))
    header = table[0]
    abis = [c for c in header[1:] if not c.endswith('_kver')]
    column = {c: header.index(c) for c in abis}

    def merge(candidates):
        if not candidates:
            return None
        width = max(len(c) for c in candidates)
        out = []
        for i in range(width):
            seen = {c[i] if i < len(c) else '?' for c in candidates}
            out.append(seen.pop() if len(seen) == 1 else '?')
        return out

    # Types that take two registers on a 32-bit kernel.
    WIDE_ON_32 = {'loff_t', 'u64', '__u64', 's64', '__s64', 'long long', 'unsigned long long', 'compat_loff_t'}
    BITS32 = {'x86', 'arm', 'm68k', 'mips', 'parisc', 'ppc', 's390', 'sh'}

    def by_scope(name, kind, arch):
        found = defs.get((name, kind), [])
        own = [d for d in found if d[0] == arch]
        return own or [d for d in found if d[0] == 'generic']

    def letters_of(found, abi):
        out = []
        for _, letters, types in found:
            if abi in BITS32:
                cut = next((i for i, t in enumerate(types) if ' '.join(t.split()) in WIDE_ON_32), None)
                if cut is not None:
                    letters = letters[:cut] + ['?'] * (len(letters) - cut)
            out.append(letters)
        return out

    def resolve(abi, name):
        arch = ARCH_DIR[abi]
        if (abi, name) in entries:
            entry = entries[(abi, name)]
            if entry == '?':
                return '*'
            if entry == 'sys_ni_syscall':
                return '-'  # ENOSYS: no arguments are read
            found = by_scope(entry, 'plain', arch)
            if not found and entry.startswith('compat_sys_'):
                found = by_scope(entry[len('compat_sys_'):], 'compat', arch)
            elif not found and entry.startswith('sys_'):
                found = by_scope(entry[len('sys_'):], 'native', arch)
            letters = merge(letters_of(found, abi))
        else:
            letters = None
        if letters is None and name in added:
            letters = added[name]
            if letters is None:
                return '-'  # ENOSYS: no arguments are read
            if letters == '*':
                return '*'
            letters = list(letters)
        if letters is None:
            return '*'
        for rname, rabis, index, letter in reads:
            if rname != name or index >= len(letters):
                continue
            specific = [r for r in reads if r[0] == name and abi in r[1]]
            if (abi in rabis) or ('*' in rabis and not specific):
                letters[index] = letter
        return ''.join(letters) or '0'

    out = []
    out.append('// Generated by scripts/gen-argument-widths.py from data/syscall-arg-types.csv,')
    out.append('// data/syscall-entry-points.csv, data/syscall-arg-types-addendum.csv,')
    out.append('// data/syscall-arg-reads.csv and syscalls.csv. Do not edit.')
    out.append('')
    out.append('extension ArgumentWidths {')
    out.append('    /// One row per syscall name, one column per ABI (as SyscallTable): a letter per argument')
    out.append('    /// (i s32, I u32, h s16, H u16, b s8, B u8, l s64, L u64, p pointer, ? unknown), `0` for none,')
    out.append('    /// `*` for a call whose definition is unknown, `-` where the ABI lacks the call or runs no')
    out.append('    /// code for it (ENOSYS).')
    out.append('    static let embeddedTSV = """')
    out.append('\t'.join(['name'] + abis))
    lines_out = []
    for r in table[1:]:
        if not r or r[0].startswith('#'):
            continue
        name = r[0]
        cells = []
        for abi in abis:
            v = r[column[abi]]
            cells.append('-' if not v.isdigit() else resolve(abi, name))
        if all(c == '-' for c in cells):
            continue
        lines_out.append("\t".join([name] + cells))
    # Sorted by name, byte by byte: ArgumentWidths looks names up by binary search on the bytes.
    lines_out.sort(key=lambda row: row.split("\t", 1)[0].encode())
    out.extend(lines_out)
    out.append('"""')
    out.append('}')
    dest = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'Sources', 'SeccomposeSyscalls', 'Generated', 'ArgumentWidths+Data.swift')
    with open(dest, 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
