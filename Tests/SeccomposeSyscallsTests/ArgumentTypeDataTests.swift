import Foundation
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSyscalls

/// The argument-type data (issue 6, step 1): data/syscall-arg-types.csv and
/// data/syscall-entry-points.csv, generated from Debian's linux-source-6.1 by
/// scripts/gen-syscall-arg-types.py, and the hand-kept data/syscall-arg-types-addendum.csv.
@Suite("argument-type data")
struct ArgumentTypeDataTests {
    static let classes: Set<String> = ["s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "ptr"]
    /// The ABIs the entry-point table covers: every column of syscalls.csv (the endian twins
    /// ppc64le, mipsel*, sheb run the same kernel tables and have no column of their own).
    static let coveredABIs: [Architecture] = [
        .x86_64, .x32, .x86, .aarch64, .riscv64, .loongarch64, .arm, .ppc64, .ppc, .s390x, .s390,
        .mips, .mips64, .mips64n32, .parisc, .parisc64, .m68k, .sh,
    ]
    /// The kernel's arch directory per covered ABI: an entry point must be defined there or in
    /// generic code (outside arch/).
    static let archDirectory: [Architecture: String] = [
        .x86_64: "x86", .x32: "x86", .x86: "x86", .aarch64: "arm64", .riscv64: "riscv",
        .loongarch64: "loongarch", .arm: "arm", .ppc64: "powerpc", .ppc: "powerpc", .s390x: "s390",
        .s390: "s390", .mips: "mips", .mips64: "mips", .mips64n32: "mips", .parisc: "parisc",
        .parisc64: "parisc", .m68k: "m68k", .sh: "sh",
    ]
    /// Entries the generator leaves unknown (`?`, its UNRESOLVED list): pinned here so that a
    /// change shows in review.
    static let unresolvedEntries: Set<String> = [
        "arm rt_sigreturn", "arm sigreturn", "m68k clone", "m68k clone3", "m68k rt_sigreturn",
        "m68k sigreturn", "mips fadvise64", "mips sync_file_range", "mips syscall", "parisc rt_sigreturn",
        "parisc64 eventfd2", "parisc64 fcntl64", "parisc64 ftruncate64", "parisc64 inotify_init1",
        "parisc64 madvise", "parisc64 pipe2", "parisc64 rt_sigreturn", "parisc64 signalfd4",
        "parisc64 timerfd_create", "parisc64 userfaultfd",
    ]

    struct Definition: Hashable {
        var name: String
        var kind: String
        var scope: String
        var args: [String]
        /// The class of each argument (the part before the first ':').
        var classes: [String] { args.map { String($0.split(separator: ":", maxSplits: 1)[0]) } }
    }

    /// The data lines of a file (comments dropped), failing the test on a missing file.
    static func lines(_ file: String) throws -> [String] {
        let text = try TextFile.read(repositoryRoot + "/data/" + file)
        #expect(text.hasSuffix("\n"), "\(file) must end with a newline")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            .filter { !$0.hasPrefix("#") }
    }

    static func parseArgs(_ field: Substring) -> [String] {
        field.isEmpty ? [] : field.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    }

    static func definitions() throws -> [Definition] {
        try lines("syscall-arg-types.csv").map { line in
            let f = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            try #require(f.count == 4, "malformed row: \(line)")
            return Definition(name: String(f[0]), kind: String(f[1]), scope: String(f[2]), args: parseArgs(f[3]))
        }
    }

    static func addendum() throws -> [(name: String, status: String, args: [String], source: String)] {
        try lines("syscall-arg-types-addendum.csv").map { line in
            let f = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            try #require(f.count == 4, "malformed row: \(line)")
            return (String(f[0]), String(f[1]), parseArgs(f[2]), String(f[3]))
        }
    }

    static func entries() throws -> [(abi: String, name: String, entry: String)] {
        try lines("syscall-entry-points.csv").map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            try #require(f.count == 3, "malformed row: \(line)")
            return (String(f[0]), String(f[1]), String(f[2]))
        }
    }

    @Test("every file is sorted, without duplicates")
    func sorted() throws {
        for file in ["syscall-arg-types.csv", "syscall-entry-points.csv", "syscall-arg-types-addendum.csv"] {
            let rows = try Self.lines(file)
            #expect(!rows.isEmpty)
            for (a, b) in zip(rows, rows.dropFirst()) {
                #expect(a.utf8.lexicographicallyPrecedes(b.utf8), "\(file): \(a) / \(b) out of order or duplicated")
            }
        }
    }

    @Test("every argument has a known class and a type; at most six arguments")
    func classesAndArity() throws {
        let all = try Self.definitions().map { ($0.name, $0.args) } + Self.addendum().map { ($0.name, $0.args) }
        #expect(all.count > 700)
        for (name, args) in all {
            #expect(args.count <= 6, "\(name): \(args.count) arguments")
            for arg in args {
                let parts = arg.split(separator: ":", maxSplits: 1)
                #expect(parts.count == 2 && Self.classes.contains(String(parts[0])), "\(name): bad argument \(arg)")
            }
        }
        for def in try Self.definitions() {
            #expect(["native", "compat", "plain"].contains(def.kind), "\(def.name): kind \(def.kind)")
        }
        for row in try Self.addendum() {
            #expect(["added", "arch", "enosys", "unresolved"].contains(row.status), "\(row.name): status \(row.status)")
            #expect(row.status != "enosys" || row.args.isEmpty, "\(row.name): an ENOSYS call has no arguments")
            #expect(row.status != "unresolved" || row.args.isEmpty, "\(row.name): an unresolved call has no arguments")
            #expect(!row.source.isEmpty, "\(row.name): source missing")
        }
    }

    @Test("every entry point has a definition, and every numbered syscall of the covered ABIs an entry or an addendum row")
    func complete() throws {
        let defs = try Self.definitions()
        // The symbol each definition provides, in its scope (`generic` or the arch directory):
        // SYSCALL_DEFINE sys_X, COMPAT_SYSCALL_DEFINE compat_sys_X, a plain C function its own name.
        let defined = Set(defs.map { def -> String in
            let symbol = def.kind == "plain" ? def.name : (def.kind == "compat" ? "compat_sys_" : "sys_") + def.name
            return symbol + " " + def.scope.prefix { $0 != ":" }
        })
        let addendum = Dictionary(uniqueKeysWithValues: try Self.addendum().map { ($0.name, $0.status) })
        var covered = Set<String>()
        var unresolved = Set<String>()
        for e in try Self.entries() {
            let abi = try #require(Architecture(rawValue: e.abi), "unknown ABI \(e.abi)")
            #expect(Self.coveredABIs.contains(abi))
            #expect(SyscallTable.number(of: e.name, on: abi) != nil, "\(e.abi) \(e.name): not in the syscall table")
            if e.entry == "?" {
                unresolved.insert(e.abi + " " + e.name)
            } else {
                let arch = try #require(Self.archDirectory[abi])
                #expect(
                    defined.contains(e.entry + " generic") || defined.contains(e.entry + " " + arch),
                    "\(e.abi) \(e.name): no definition of \(e.entry) in generic code or arch/\(arch)")
            }
            covered.insert(e.abi + " " + e.name)
        }
        #expect(unresolved == Self.unresolvedEntries)
        for abi in Self.coveredABIs {
            for (name, _) in SyscallTable.syscalls(on: abi) where !covered.contains(abi.rawValue + " " + name) {
                #expect(addendum[name] != nil, "\(abi) \(name): neither an entry point nor an addendum row")
            }
        }
        for (name, status) in addendum where status == "added" {
            #expect(!defs.contains { $0.name == name && $0.kind == "native" }, "\(name) is defined in 6.1: not 'added'")
        }
    }

    @Test(
        "the arguments issue 6 is about have the widths the kernel declares",
        arguments: [
            ("setns", ["s32", "s32"]), ("socket", ["s32", "s32", "s32"]), ("socketpair", ["s32", "s32", "s32", "ptr"]),
            ("unshare", ["u64"]), ("personality", ["u32"]), ("mprotect", ["u64", "u64", "u64"]),
            ("fchmod", ["u32", "u16"]), ("ioctl", ["u32", "u32", "u64"]), ("prctl", ["s32", "u64", "u64", "u64", "u64"]),
        ])
    func knownWidths(name: String, classes: [String]) throws {
        let natives = try Self.definitions().filter { $0.name == name && $0.kind == "native" && $0.scope.hasPrefix("generic:") }
        #expect(natives.count == 1, "\(name): \(natives.count) generic native definitions")
        #expect(natives.first?.classes == classes)
    }

    @Test("clone keeps every argument order the kernel builds (CLONE_BACKWARDS variants)")
    func cloneVariants() throws {
        let clones = try Self.definitions().filter { $0.name == "clone" && $0.kind == "native" }
        #expect(clones.count >= 3)
        #expect(clones.allSatisfy { $0.args.count >= 5 })
    }

    @Test("the generated files are what the script makes from linux-source-6.1 (when the source is installed)",
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/src/linux-source-6.1.tar.xz")))
    func regenerate() throws {
        let script = """
            set -e
            tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
            tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$tmp" --wildcards '*.c' '*.S' '*.tbl' \\
                '*/include/uapi/asm-generic/unistd.h' '*/arch/mips/include/asm/sim.h'
            mkdir "$tmp/out"
            python3 "$0/scripts/gen-syscall-arg-types.py" "$tmp"/linux-source-6.1 "$tmp/out"
            cmp "$tmp/out/syscall-arg-types.csv" "$0/data/syscall-arg-types.csv"
            cmp "$tmp/out/syscall-entry-points.csv" "$0/data/syscall-entry-points.csv"
            """
        // Unpacking and parsing the kernel sources takes ~70 s on a busy two-core machine: more
        // than the default timeout.
        let r = try Support.run("/bin/sh", ["-c", script, repositoryRoot], timeout: 600)
        #expect(r.status == 0, "regeneration differs:\n\(r)")
    }
}
