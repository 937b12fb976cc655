#!/usr/bin/env python3
"""Generate data/syscall-arg-types.csv: the declared type of every syscall argument.

Source: the kernel's SYSCALL_DEFINEn / COMPAT_SYSCALL_DEFINEn definitions, read from
Debian 12's `linux-source-6.1` package (apt-get install linux-source-6.1; the tarball
is /usr/src/linux-source-6.1.tar.xz). It needs the .c, .S and .tbl files, asm-generic's
unistd.h and arch/mips/include/asm/sim.h:

    tar -xJf /usr/src/linux-source-6.1.tar.xz -C /tmp --wildcards '*.c' '*.S' '*.tbl' \\
        '*/include/uapi/asm-generic/unistd.h' '*/arch/mips/include/asm/sim.h'
    scripts/gen-syscall-arg-types.py /tmp/linux-source-6.1 data

It writes data/syscall-entry-points.csv, `abi,name,entry`: the kernel function each syscall
of every syscalls.csv ABI enters, from the arch syscall tables (TABLES) and asm-generic's
unistd.h (aarch64, riscv64, loongarch64). The kernel is a 64-bit one wherever one exists:
64-bit ABIs take the table's entry; the 32-bit ABIs of 64-bit kernels (x86, ppc, s390,
parisc, mips o32) its compat entry where the row has one; n32 and x32 their own rows; arm,
m68k and sh, the 32-bit kernels' tables (arm: EABI rows; arm64's compat table, unistd32.h,
is not read). The entry is then resolved (Resolver) to a function with a declaration:
- an assembly wrapper that passes the argument registers on to one C function becomes that
  function (WRAPPERS, each checked against its source);
- an arch's own plain C function (`asmlinkage long parisc_pread64(...)`, no SYSCALL_DEFINE)
  stays, and its declaration is added to the type table as kind `plain`;
- `sys_X` defined nowhere but listed by COND_SYSCALL in kernel/sys_ni.c is the weak alias
  the kernel links to sys_ni_syscall, and becomes that (s390's `-` too);
- what cannot be read from a declaration (pt_regs readers, seven parameters, plain C with
  int-sized parameters on a 64-bit ABI) is `?`: UNRESOLVED lists each with the reason.
Anything else makes the script fail, so every entry is accounted for.

data/syscall-arg-types.csv has one row per definition: `name,kind,scope:file,args`, sorted, where
- kind is `native` (SYSCALL_DEFINE), `compat` (COMPAT_SYSCALL_DEFINE, SYSCALL32_DEFINE,
  powerpc's PPC32_SYSCALL_DEFINE: what 32-bit ABIs on a 64-bit kernel, and x32 for some
  calls, reach) or `plain` (a C function an entry table names that has no SYSCALL_DEFINE
  wrapper; name is the function's own name, e.g. parisc_pread64, sys_mmap2);
- scope is `generic` for definitions outside arch/, else the arch directory (x86, arm64 …),
  followed by the source file, so that a syscall defined per architecture or under
  different #ifdefs (clone's argument orders) keeps every definition;
- args is `;`-separated `class:type`, where class is what the kernel reads of the
  register: s32/u32 (int-sized: only the low 32 bits decide on a 64-bit ABI),
  s16/u16 (umode_t and friends: only the low 16 bits), s64/u64 (long-sized), ptr.
  For `plain` rows the class is the declared type's (no cast wrapper; on 64-bit ABIs such
  entries with int-sized parameters are `?` in the entry table).
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
            # PPC32_SYSCALL_DEFINEn (arch/powerpc/kernel/sys_ppc32.c) is COMPAT_SYSCALL_DEFINEn on a
            # 64-bit kernel, SYSCALL32_DEFINEn (include/linux/syscalls.h) too.
            for m in re.finditer(r'^(COMPAT_SYSCALL|SYSCALL32|PPC32_SYSCALL|SYSCALL)_DEFINE([0-6])\s*\(', text, re.M):
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


# The syscall tables (`nr abi name entry [second entry]`) and which of Seccompose's ABIs
# each table ABI feeds: (ABI, column), column 3 the entry, 4 the second entry (falls back to
# the entry where the row has none). The second entry is the compat one a 64-bit kernel runs
# for its 32-bit ABI (x86 i386, ppc, s390, parisc, mips o32); arm's is the OABI entry, unused
# (syscalls.csv's arm is EABI; `oabi` rows are skipped); n32 exists on 64-bit kernels only, its
# entry is what they run. powerpc's `spu` rows (Cell SPU programs) feed no ABI. arm, m68k and
# sh are the 32-bit kernels' own tables.
TABLES = (
    ('arch/x86/entry/syscalls/syscall_64.tbl',
     {'common': (('x86_64', 3), ('x32', 3)), '64': (('x86_64', 3),), 'x32': (('x32', 3),)}),
    ('arch/x86/entry/syscalls/syscall_32.tbl', {'i386': (('x86', 4),)}),
    ('arch/arm/tools/syscall.tbl', {'common': (('arm', 3),), 'eabi': (('arm', 3),)}),
    ('arch/powerpc/kernel/syscalls/syscall.tbl',
     {'common': (('ppc64', 3), ('ppc', 4)), 'nospu': (('ppc64', 3), ('ppc', 4)),
      '64': (('ppc64', 3),), '32': (('ppc', 4),)}),
    ('arch/s390/kernel/syscalls/syscall.tbl',
     {'common': (('s390x', 3), ('s390', 4)), '64': (('s390x', 3),), '32': (('s390', 4),)}),
    ('arch/mips/kernel/syscalls/syscall_n64.tbl', {'n64': (('mips64', 3),), 'common': (('mips64', 3),)}),
    ('arch/mips/kernel/syscalls/syscall_n32.tbl', {'n32': (('mips64n32', 3),)}),
    ('arch/mips/kernel/syscalls/syscall_o32.tbl', {'o32': (('mips', 4),)}),
    ('arch/parisc/kernel/syscalls/syscall.tbl',
     {'common': (('parisc64', 3), ('parisc', 4)), '64': (('parisc64', 3),), '32': (('parisc', 4),)}),
    ('arch/m68k/kernel/syscalls/syscall.tbl', {'common': (('m68k', 3),)}),
    ('arch/sh/kernel/syscalls/syscall.tbl', {'common': (('sh', 3),)}),
)

# syscalls.csv ABI -> the kernel's arch directory (where its own definitions live).
ARCH_DIR = {'x86': 'x86', 'x86_64': 'x86', 'x32': 'x86', 'arm': 'arm', 'aarch64': 'arm64',
            'riscv64': 'riscv', 'loongarch64': 'loongarch', 'ppc': 'powerpc', 'ppc64': 'powerpc',
            's390': 's390', 's390x': 's390', 'mips': 'mips', 'mips64': 'mips', 'mips64n32': 'mips',
            'parisc': 'parisc', 'parisc64': 'parisc', 'm68k': 'm68k', 'sh': 'sh'}


def table_entries(root):
    """(abi, syscall name, table entry) from the arch syscall tables (see TABLES)."""
    for path, abis in TABLES:
        with open(os.path.join(root, path)) as f:
            for line in f:
                fields = line.split()
                if not fields or fields[0].startswith('#') or len(fields) < 4:
                    continue  # a number without an entry point: ENOSYS (the addendum)
                for abi, col in abis.get(fields[1], ()):
                    entry = fields[col] if len(fields) > col else fields[3]
                    # s390's "-": no entry for this ABI; its syscalltbl script makes it sys_ni_syscall.
                    yield abi, fields[2], 'sys_ni_syscall' if entry == '-' else entry


def known_names(path):
    """Syscall names per ABI that data/syscalls.csv (libseccomp's table) numbers."""
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


# ABIs with 64-bit registers: a plain C entry point (no SYSCALL_DEFINE cast of the `long`
# register) whose parameter is narrower than the register may, by the C calling convention,
# take the whole register as already extended; what it reads is then not what it declares.
SIXTY_FOUR_BIT = {'x86_64', 'x32', 'aarch64', 'riscv64', 'loongarch64', 'ppc64', 's390x',
                  'mips64', 'mips64n32', 'parisc64'}

# Entry points written in assembly (or asm stubs) that pass the argument registers on
# unchanged to one C function: the table's entry is replaced by that function. Each is
# checked against the source: every (file, regex, count) proof must match exactly count
# times (the wrapper's body, the macro that makes it, what the target takes).
# arch -> wrapper -> (target, proofs, what it does).
_ARM = 'arch/arm/kernel/entry-common.S'
_NO_ARGS = lambda n: ('kernel/fork.c', rf'^SYSCALL_DEFINE0\({n}\)$', 1)
WRAPPERS = {
    'arm': {
        f'sys_{n}_wrapper': (f'sys_{n}',
            ((_ARM, rf'^sys_{n}_wrapper:\n\s+teq\s+r1, #88\n\s+moveq\s+r1, #84\n\s+b\s+sys_{n}\n', 1),),
            f'turns sz (r1) 88 into 84 (the OABI struct size), then branches to sys_{n}')
        for n in ('statfs64', 'fstatfs64')
    } | {
        'sys_mmap2': ('sys_mmap_pgoff',
            ((_ARM, r'^sys_mmap2:\n\s+str\s+r5, \[sp, #4\]\n\s+b\s+sys_mmap_pgoff\n', 1),),
            'stores r5 in the sixth (stack) argument slot, then branches to sys_mmap_pgoff'),
    },
    'parisc': {
        f'sys_{n}_wrapper': (f'sys_{n}',
            (('arch/parisc/kernel/entry.S',
              r'^\t\.macro\tfork_like name\nENTRY_CFI\(sys_\\name\\\(\)_wrapper\)\n(?:(?!\t\.endm).*\n)*?'
              r'\tldil\tL%sys_\\name, %r31\n\tbe\tR%sys_\\name\(%sr4,%r31\)\n', 1),
             ('arch/parisc/kernel/entry.S', rf'^fork_like {n}$', 1)),
            f'fork_like macro: saves the callee-saved registers (r1, r28, r31 as scratch), then branches to sys_{n}')
        for n in ('clone', 'clone3', 'fork', 'vfork')
    } | {
        'sys32_unimplemented': ('sys_ni_syscall',
            (('arch/parisc/kernel/sys_parisc32.c',
              r'^asmlinkage long sys32_unimplemented\([^)]*\)\n\{\n\s*printk\([^;]*\);\n\s*return -ENOSYS;\n\}', 1),),
            'C, seven parameters: logs the syscall number (r20) and returns -ENOSYS, like sys_ni_syscall'),
    },
    'mips': {
        f'__sys_{n}': (f'sys_{n}',
            (('arch/mips/kernel/syscall.c', rf'^save_static_function\(sys_{n}\);$', 1),
             # both variants (32- and 64-bit) of the macro end in a jump to the named function
             ('arch/mips/include/asm/sim.h', r'^\t"j\\t" #symbol "\\n\\t"\t*\\$', 2)),
            f'save_static_function (arch/mips/include/asm/sim.h): saves s0-s8, then j sys_{n}')
        for n in ('clone', 'clone3', 'fork', 'sysmips')
    },
    'm68k': {
        f'__sys_{n}': (f'sys_{n}',
            (('arch/m68k/kernel/entry.S', rf'^ENTRY\(__sys_{n}\)\n\tSAVE_SWITCH_STACK\n\tjbsr\tsys_{n}\n', 1),
             _NO_ARGS(n)),
            f'pushes the switch stack, then calls sys_{n}, which takes no arguments (so the shift does not matter)')
        for n in ('fork', 'vfork')
    },
}

# Entry points whose argument reading is not derivable from a declaration: the entry table
# says `?` (unknown) for them. (arch, entry) -> (ABIs or None for every ABI of the arch, why).
_NARROW = 'plain C on a 64-bit ABI: int-sized parameters without the SYSCALL_DEFINE cast'
UNRESOLVED = {
    ('arm', 'sys_sigreturn_wrapper'): (None, 'r0 := saved registers, then sys_sigreturn(struct pt_regs *)'),
    ('arm', 'sys_rt_sigreturn_wrapper'): (None, 'r0 := saved registers, then sys_rt_sigreturn(struct pt_regs *)'),
    ('parisc', 'sys_rt_sigreturn_wrapper'): (None, 'r26 := saved registers, then sys_rt_sigreturn(struct pt_regs *, int in_syscall)'),
    ('m68k', '__sys_clone'): (None, 'asm: calls m68k_clone(struct pt_regs *), which reads d1-d5 from the saved registers'),
    ('m68k', '__sys_clone3'): (None, 'asm: calls m68k_clone3(struct pt_regs *), which reads d1-d2 from the saved registers'),
    ('m68k', 'sys_sigreturn'): (None, 'asm: calls do_sigreturn(struct pt_regs *, struct switch_stack *)'),
    ('m68k', 'sys_rt_sigreturn'): (None, 'asm: calls do_rt_sigreturn(struct pt_regs *, struct switch_stack *)'),
    ('mips', 'sys32_syscall'): (None, 'asm (scall64-o32.S): indirect syscall, argument 0 is a syscall number, the rest shift'),
    ('mips', 'sys32_fadvise64_64'): (None, 'seven parameters (o32 passes the 7th on the user stack); seccomp sees six'),
    ('mips', 'sys32_sync_file_range'): (None, 'seven parameters (o32 passes the 7th on the user stack); seccomp sees six'),
    ('parisc', 'parisc_eventfd2'): (('parisc64',), _NARROW),
    ('parisc', 'parisc_inotify_init1'): (('parisc64',), _NARROW),
    ('parisc', 'parisc_madvise'): (('parisc64',), _NARROW),
    ('parisc', 'parisc_pipe2'): (('parisc64',), _NARROW),
    ('parisc', 'parisc_signalfd4'): (('parisc64',), _NARROW),
    ('parisc', 'parisc_timerfd_create'): (('parisc64',), _NARROW),
    ('parisc', 'parisc_userfaultfd'): (('parisc64',), _NARROW),
    ('parisc', 'sys_fcntl64'): (('parisc64',), _NARROW),
    ('parisc', 'sys_ftruncate64'): (('parisc64',), _NARROW),
}


def source(root, rel, cache={}):
    if rel not in cache:
        with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as f:
            cache[rel] = f.read()
    return cache[rel]


def arch_files(root, arch, suffix):
    """The arch's own source files (user-mode Linux, arch/x86/um, is not a kernel Seccompose filters)."""
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, 'arch', arch)):
        dirnames.sort()
        for fn in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, fn), root)
            if fn.endswith(suffix) and not rel.startswith('arch/x86/um/'):
                yield rel


def plain_definitions(root, rels, name):
    """Plain C definitions `[asmlinkage] type name(params) {` of name: [(rel, line, [param types])]."""
    found = []
    for rel in rels:
        text = source(root, rel)
        if name not in text:
            continue
        for m in re.finditer(rf'^([\w \t*]*?)\b{name}[ \t]*\(', text, re.M):
            if re.search(r'\b(return|if|while|for|switch|else|case|goto)\b|=', m.group(1)):
                continue
            depth, i = 1, m.end()
            while depth and i < len(text):
                depth += {'(': 1, ')': -1}.get(text[i], 0)
                i += 1
            if not text[i:].lstrip().startswith('{'):
                continue  # a declaration or a call
            params = re.sub(r'/\*.*?\*/', ' ', text[m.end():i - 1], flags=re.S)
            params = [' '.join(p.split()) for p in params.split(',')]
            if params in ([''], ['void']):
                params = []
            types = []
            for p in params:
                t = re.fullmatch(r'(.*?[\s*])(\w+)', p)
                if not t or not t.group(1).strip():
                    raise SystemExit(f'{rel}: {name}: cannot read parameter {p!r}')
                types.append(' '.join(t.group(1).split()))
            found.append((rel, text.count('\n', 0, m.start()) + 1, types))
    return found


class Resolver:
    """Maps each table entry to a function whose declaration says what it reads, or to `?`."""

    def __init__(self, root, rows):
        self.root = root
        self.defined = set()  # (symbol, scope) of every SYSCALL_DEFINE-style definition
        for name, kind, where, _ in rows:
            if not where.split(':', 1)[1].startswith('arch/x86/um/'):
                self.defined.add((('compat_sys_' if kind == 'compat' else 'sys_') + name, where.split(':')[0]))
        self.plain_rows = set()
        self.used = set()
        self.c_files, self.asm_labels = {}, {}
        text = source(root, 'kernel/sys_ni.c')
        # COND_SYSCALL(x): sys_x is a weak alias of sys_ni_syscall unless something defines it.
        self.cond = {'sys_' + n for n in re.findall(r'^COND_SYSCALL\((\w+)\);', text, re.M)}
        self.cond |= {'compat_sys_' + n for n in re.findall(r'^COND_SYSCALL_COMPAT\((\w+)\);', text, re.M)}

    def arch_c(self, arch, name):
        """The arch's .c files with a line that starts with, or declares, `name(`."""
        if arch not in self.c_files:
            index = {}
            for rel in arch_files(self.root, arch, '.c'):
                for n in set(re.findall(r'^[\w \t*]*?\b(\w+)[ \t]*\(', source(self.root, rel), re.M)):
                    index.setdefault(n, []).append(rel)
            self.c_files[arch] = index
        return self.c_files[arch].get(name, [])

    def asm_defined(self, arch, entry):
        if arch not in self.asm_labels:
            labels = set()
            for rel in arch_files(self.root, arch, '.S'):
                text = source(self.root, rel)
                labels |= set(re.findall(r'^(?:ENTRY|ENTRY_CFI|LEAF|NESTED|SYM_FUNC_START|SYM_CODE_START)\((\w+)', text, re.M))
                labels |= set(re.findall(r'^(\w+):', text, re.M))
            for rel in self.arch_c(arch, 'save_static_function'):
                labels |= {'__' + n for n in re.findall(r'^save_static_function\((\w+)\);', source(self.root, rel), re.M)}
            self.asm_labels[arch] = labels
        return entry in self.asm_labels[arch]

    def plain(self, abi, arch, entry, rels):
        """The plain C definitions of entry in rels as type rows; None if there are none."""
        defs = plain_definitions(self.root, rels, entry)
        if not defs:
            return None
        rows = []
        for rel, line, types in defs:
            where = f'{rel}:{line}'
            if len(types) > 6 or any('pt_regs' in t for t in types):
                raise SystemExit(f'{where}: {entry} reads saved registers or more than six: add it to UNRESOLVED')
            args = [f'{classify(t, where)}:{t}' for t in types]
            if abi in SIXTY_FOUR_BIT and any(a.split(':')[0] not in ('s64', 'u64', 'ptr') for a in args):
                raise SystemExit(f'{where}: {entry} on {abi}: {_NARROW}: add ({arch!r}, {entry!r}) to UNRESOLVED')
            scope = rel.split('/')[1] if rel.startswith('arch/') else 'generic'
            rows.append((entry, 'plain', f'{scope}:{rel}', ';'.join(args)))
        return rows

    def __call__(self, abi, name, entry):
        arch = ARCH_DIR[abi]
        if (arch, entry) in UNRESOLVED:
            abis, _ = UNRESOLVED[(arch, entry)]
            if abis is None or abi in abis:
                self.used.add(('unresolved', arch, entry))
                return '?'
        if entry in WRAPPERS.get(arch, {}):
            target, proofs, _ = WRAPPERS[arch][entry]
            for rel, proof, count in proofs:
                if len(re.findall(proof, source(self.root, rel), re.M)) != count:
                    raise SystemExit(f'{rel}: {entry}: {proof!r} does not match {count} times: re-check WRAPPERS')
            self.used.add(('wrapper', arch, entry))
            return self(abi, name, target)
        # An arch's own plain definition of the symbol wins: a generic SYSCALL_DEFINE of the same
        # symbol cannot be linked beside it (parisc64's sys_fcntl64, sys_truncate64 stubs).
        rows = self.plain(abi, arch, entry, self.arch_c(arch, entry))
        if rows is None and not ({(entry, arch), (entry, 'generic')} & self.defined):
            rows = self.plain(abi, arch, entry, ['kernel/sys_ni.c'])  # sys_ni_syscall
            if rows is None:
                if self.asm_defined(arch, entry):
                    raise SystemExit(f'{abi} {name}: {entry} is assembly: add it to WRAPPERS or UNRESOLVED')
                if entry in self.cond:
                    return self(abi, name, 'sys_ni_syscall')
                raise SystemExit(f'{abi} {name}: no definition of {entry}')
        for r in rows or ():
            self.plain_rows.add(r)
        return entry


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    root, out = sys.argv[1], sys.argv[2]
    rows = set(definitions(root))
    if UNKNOWN:
        raise SystemExit('\n'.join(sorted(UNKNOWN)))
    known = known_names(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'syscalls.csv'))
    resolve = Resolver(root, rows)
    entries = set()
    for abi, name, entry in sorted(set(table_entries(root)) | set(generic_entries(root, known))):
        if name not in known.get(abi, ()):
            # mips' tables name holes reservedNNN / unusedNNN; syscalls.csv does not number them.
            if re.fullmatch(r'(reserved|unused)\d+', name):
                continue
            raise SystemExit(f'{abi} {name}: in the syscall table, not in syscalls.csv')
        entries.add((abi, name, resolve(abi, name, entry)))
    listed = {('wrapper', a, e) for a in WRAPPERS for e in WRAPPERS[a]}
    listed |= {('unresolved', a, e) for a, e in UNRESOLVED}
    unused = sorted(listed - resolve.used)
    if unused:
        raise SystemExit(f'stale WRAPPERS / UNRESOLVED entries: {unused}')
    if UNKNOWN:
        raise SystemExit('\n'.join(sorted(UNKNOWN)))
    header = '# generated by scripts/gen-syscall-arg-types.py from Debian linux-source-6.1; do not edit\n'
    with open(os.path.join(out, 'syscall-arg-types.csv'), 'w') as f:
        f.write(header + '# name,kind,scope:file,args\n')
        for r in sorted(rows | resolve.plain_rows):
            f.write(','.join(r) + '\n')
    with open(os.path.join(out, 'syscall-entry-points.csv'), 'w') as f:
        f.write(header + '# abi,name,entry point (`?`: not derivable, see UNRESOLVED in the script)\n')
        for r in sorted(entries):
            f.write(','.join(r) + '\n')


main()
