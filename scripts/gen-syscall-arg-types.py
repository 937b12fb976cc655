#!/usr/bin/env python3
"""Generate data/syscall-arg-types.csv: the declared type of every syscall argument.

Source: the kernel's SYSCALL_DEFINEn / COMPAT_SYSCALL_DEFINEn definitions, read from
Debian 12's `linux-source-6.1` package (apt-get install linux-source-6.1; the tarball
is /usr/src/linux-source-6.1.tar.xz). Usage:

    scripts/gen-syscall-arg-types.py /path/to/unpacked/linux-source-6.1 data

It writes data/syscall-entry-points.csv (which kernel function each syscall of x86_64,
x32, x86, aarch64, riscv64 and loongarch64 runs on a 64-bit 6.1 kernel, from the x86
syscall tables and asm-generic's unistd.h) and data/syscall-arg-types.csv, one row per definition: `name,kind,scope,args`, sorted, where
- kind is `native` (SYSCALL_DEFINE) or `compat` (COMPAT_SYSCALL_DEFINE: what 32-bit
  ABIs on a 64-bit kernel, and x32 for some calls, reach);
- scope is `generic` for definitions outside arch/, else the arch directory (x86, arm64 …),
  followed by the source file, so that a syscall defined per architecture or under
  different #ifdefs (clone's argument orders) keeps every definition;
- args is `;`-separated `class:type`, where class is what the kernel reads of the
  register: s32/u32 (int-sized: only the low 32 bits decide on a 64-bit ABI),
  s16/u16 (umode_t and friends: only the low 16 bits), s64/u64 (long-sized), ptr.
Definitions whose type the script cannot classify make it fail, so the table is complete.
"""
import os, re, sys

# What the SYSCALL_DEFINE wrappers do with each declared type on a 64-bit kernel:
# the register is a long, cast to the declared type (__SC_CAST), so the type's width decides.
TYPE_CLASS = {
    'int': 's32', 'signed int': 's32', 'unsigned int': 'u32', 'unsigned': 'u32',
    'long': 's64', 'unsigned long': 'u64', 'long long': 's64', 'unsigned long long': 'u64',
    'short': 's16', 'unsigned short': 'u16', 'char': 's8', 'unsigned char': 'u8',
    'u32': 'u32', '__u32': 'u32', 's32': 's32', '__s32': 's32', 'u64': 'u64', '__u64': 'u64',
    's64': 's64', '__s64': 's64', 'u16': 'u16', 'compat_uint_t': 'u32', 'compat_int_t': 's32',
    'compat_ulong_t': 'u32', 'compat_long_t': 's32', 'compat_size_t': 'u32', 'compat_ssize_t': 's32',
    'compat_off_t': 's32', 'compat_loff_t': 's64', 'compat_pid_t': 's32', 'compat_uptr_t': 'u32',
    'compat_aio_context_t': 'u32', 'compat_key_t': 's32', 'compat_timer_t': 's32', 'compat_clockid_t': 's32',
    'compat_arg_u64': 'u32', 'compat_arg_u64_dual': 'u32',
    'pid_t': 's32', 'uid_t': 'u32', 'gid_t': 'u32', 'old_uid_t': 'u16', 'old_gid_t': 'u16',
    'qid_t': 'u32', 'key_serial_t': 's32', 'timer_t': 's32', 'clockid_t': 's32', 'mqd_t': 's32',
    'key_t': 's32', 'rwf_t': 's32', 'umode_t': 'u16', 'size_t': 'u64', 'ssize_t': 's64',
    'off_t': 's64', 'loff_t': 's64', 'aio_context_t': 'u64', 'fmode_t': 'u32', 'dev_t': 'u32',
    'old_sigset_t': 'u64', 'sigset_t': 'u64', 'cap_user_header_t': 'ptr', 'cap_user_data_t': 'ptr',
    'off_t __user': 'ptr', 'uint': 'u32', 'uintptr_t': 'u64', 'compat_mode_t': 'u16',
    '__sighandler_t': 'ptr', 'utrap_entry_t': 'u64', 'utrap_handler_t': 'ptr', '__kernel_old_time_t': 's64', 'time_t': 's64',
}

# The architectures behind Seccompose's ABIs.
ARCHES = {'x86', 'arm64', 'arm', 'riscv', 'powerpc', 's390', 'loongarch', 'mips', 'parisc', 'sh', 'm68k', 'sparc', 'xtensa', 'microblaze'}

UNKNOWN = set()

DEF = re.compile(r'^(COMPAT_)?SYSCALL_DEFINE([0-6])\s*\((.*?)\)\s*$', re.S | re.M)


def classify(t, where):
    t = ' '.join(t.replace('const ', '').replace('volatile ', '').split())
    if '*' in t or '__user' in t:
        return 'ptr'
    if t.startswith('struct ') or t.startswith('union '):
        raise SystemExit(f'{where}: argument passed by value: {t}')
    t = t.replace('signed long', 'long') if t == 'signed long' else t
    if t.startswith('enum '):
        return 's32'
    if t in TYPE_CLASS:
        return TYPE_CLASS[t]
    UNKNOWN.add(f'{where}: unknown argument type {t!r}: add it to TYPE_CLASS')
    return '?'


def definitions(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if not fn.endswith('.c'):
                continue
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, root)
            if rel.startswith('arch/') and rel.split('/')[1] not in ARCHES:
                continue
            with open(path, encoding='utf-8', errors='replace') as f:
                text = f.read()
            # A definition's parameter list ends at the first ')' followed by a line that
            # starts the body; join continuation lines first.
            for m in re.finditer(r'^(COMPAT_SYSCALL|SYSCALL32|SYSCALL)_DEFINE([0-6])\s*\(', text, re.M):
                depth, i = 1, m.end()
                while depth and i < len(text):
                    depth += {'(': 1, ')': -1}.get(text[i], 0)
                    i += 1
                params = [p.strip() for p in text[m.end():i - 1].replace('\n', ' ').split(',')]
                n = int(m.group(2))
                name, rest = params[0], []
                for p in params[1:]:
                    # arg_u32p(x), compat_arg_u64_dual(x), SC_ARG64(x): a 64-bit value split over two registers.
                    split = re.fullmatch(r'(arg_u32p|compat_arg_u64_dual|SC_ARG64)\((\w+)\)', p)
                    rest += ['u32', split.group(2) + '_lo', 'u32', split.group(2) + '_hi'] if split else [p]
                if len(rest) != 2 * n:
                    raise SystemExit(f'{rel}: {name}: {n} arguments expected, got {rest}')
                line = text.count('\n', 0, m.start()) + 1
                where = f'{rel}:{line}'
                args = [f'{classify(rest[2 * k], where)}:{" ".join(rest[2 * k].split())}' for k in range(n)]
                scope = 'generic' if not rel.startswith('arch/') else rel.split('/')[1]
                yield name, 'native' if m.group(1) == 'SYSCALL' else 'compat', f'{scope}:{rel}', ';'.join(args)


def table_entries(root):
    """(abi, syscall name, entry point) from the x86 syscall tables, as a 64-bit kernel runs them."""
    tbl = os.path.join(root, 'arch/x86/entry/syscalls')
    for fn, abis in (('syscall_64.tbl', {'common': ('x86_64', 'x32'), '64': ('x86_64',), 'x32': ('x32',)}),
                     ('syscall_32.tbl', {'i386': ('x86',)})):
        with open(os.path.join(tbl, fn)) as f:
            for line in f:
                fields = line.split()
                if not fields or fields[0].startswith('#') or len(fields) < 4:
                    continue
                for abi in abis.get(fields[1], ()):
                    # 32-bit tasks on a 64-bit kernel run the compat entry point where one exists.
                    yield abi, fields[2], fields[4] if abi == 'x86' and len(fields) > 4 else fields[3]


def known_names(path):
    """Syscall names per ABI that ../shared/data/syscalls.csv (libseccomp's table) numbers."""
    import csv
    with open(path) as f:
        rows = csv.reader(f)
        header = next(rows)
        known = {}
        for row in rows:
            for i, col in enumerate(header):
                if i and not col.endswith('_kver') and row[i] != 'PNR':
                    known.setdefault(col, set()).add(row[0])
        return known


def generic_entries(root, known):
    """(abi, syscall name, entry point) from asm-generic's unistd.h for the 64-bit generic ABIs."""
    with open(os.path.join(root, 'include/uapi/asm-generic/unistd.h')) as f:
        text = f.read().replace('\\\n', ' ')
    names = {}
    for m in re.finditer(r'#define __NR(?:3264)?_(\w+)\s+(\d+)', text):
        names.setdefault(m.group(1), m.group(1))
    for m in re.finditer(r'(__SYSCALL|__SC_COMP|__SC_3264|__SC_COMP_3264)\(__NR(?:3264)?_(\w+),\s*([^)]*)\)', text):
        entries = [e.strip() for e in m.group(3).split(',')]
        # A 64-bit kernel's native table: __SC_3264 and __SC_COMP_3264 take the 64-bit entry,
        # __SC_COMP the non-compat one.
        entry = {'__SYSCALL': 0, '__SC_COMP': 0, '__SC_3264': 1, '__SC_COMP_3264': 1}[m.group(1)]
        # On 64-bit generic ABIs __NR3264_fstatat is newfstatat (asm-generic's __ARCH_WANT_NEW_STAT).
        name = {'fstatat': 'newfstatat'}.get(m.group(2), m.group(2))
        for abi in ('aarch64', 'riscv64', 'loongarch64'):
            # The header lists every architecture's options; keep the ABI's own calls only.
            if name in known.get(abi, ()):
                yield abi, name, entries[entry]


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    root, out = sys.argv[1], sys.argv[2]
    rows = sorted(set(definitions(root)))
    if UNKNOWN:
        raise SystemExit('\n'.join(sorted(UNKNOWN)))
    header = '# generated by scripts/gen-syscall-arg-types.py from Debian linux-source-6.1; do not edit\n'
    with open(os.path.join(out, 'syscall-arg-types.csv'), 'w') as f:
        f.write(header + '# name,kind,scope:file,args\n')
        for r in rows:
            f.write(','.join(r) + '\n')
    entries = sorted(set(table_entries(root)) | set(generic_entries(root, known_names(os.path.join(os.path.dirname(__file__), '../../shared/data/syscalls.csv')))))
    with open(os.path.join(out, 'syscall-entry-points.csv'), 'w') as f:
        f.write(header + '# abi,name,entry point\n')
        for r in entries:
            f.write(','.join(r) + '\n')


main()
