import Foundation
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSyscalls

@Suite("syscall tables")
struct SyscallTableTests {
    @Test("the generated files are fresh (scripts/gen-syscall-tables.py, gen-errno-table.py --check)")
    func generatedFresh() throws {
        for script in ["scripts/gen-syscall-tables.py", "scripts/gen-errno-table.py"] {
            let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec python3 \"$1\" --check", repositoryRoot, script])
            #expect(r.status == 0, "\(script) --check failed:\n\(r)")
        }
    }

    @Test("the embedded table's shape: names strictly in byte order, one row of cells per name, a column per ABI")
    func embeddedShape() {
        let names = SyscallTable.embeddedNames, columns = SyscallTable.embeddedColumns
        #expect(zip(names, names.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(SyscallTable.embeddedCells.count == names.count * columns.count)
        #expect(SyscallTable.embeddedCells.allSatisfy { $0 >= -1 })
        #expect(Set(columns).count == columns.count)
        for abi in Architecture.allCases { #expect(columns.contains(abi.tableColumn), "\(abi)") }
        // Every row names a call on some ABI.
        for id in names.indices {
            #expect(columns.indices.contains { SyscallTable.embeddedCells[id * columns.count + $0] >= 0 }, "\(names[id])")
        }
    }

    @Test("the name index: every name to its position in allNames; unknown, empty, long and non-ASCII names to nil")
    func nameIndex() {
        let names = SyscallTable.allNames
        for (position, name) in names.enumerated() { #expect(SyscallTable.id(of: name) == position, "\(name)") }
        let unknown = ["", "r", "reads", "read ", " read", "rea", "READ", "sched_get_priority_maxx", "sched_get_priority_ma",
            "a_name_longer_than_any_syscall_name_at_all", "réad", "read\u{0}", "clone4"]
        for name in unknown { #expect(SyscallTable.id(of: name) == nil && !names.contains(name), "\(name)") }
        // Names built at run time (native, non-literal strings) resolve the same, short and long.
        #expect(SyscallTable.id(of: ["open", "at"].joined()) == names.firstIndex(of: "openat"))
        #expect(SyscallTable.id(of: ["sched_get_", "priority_max"].joined()) == names.firstIndex(of: "sched_get_priority_max"))
        // Every name longer than sixteen bytes with one byte past the sixteenth changed is unknown.
        for name in names where name.utf8.count > 16 {
            var bytes = Array(name.utf8)
            bytes[bytes.count - 1] ^= 0x20
            let changed = String(decoding: bytes, as: UTF8.self)
            #expect(SyscallTable.id(of: changed) == names.firstIndex(of: changed), "\(changed)")
        }
    }

    @Test(
        "known numbers",
        arguments: [
            ("read", Architecture.x86_64, 0), ("read", .x32, 0x4000_0000), ("execve", .x32, 0x4000_0000 + 520),
            ("read", .x86, 3), ("read", .aarch64, 63), ("read", .mips, 4003), ("read", .mips64, 5000),
            ("read", .mips64n32, 6000), ("read", .ppc64le, 3), ("socketcall", .x86, 102), ("openat", .riscv64, 56),
            ("uretprobe", .x86_64, 335), ("read", .loongarch64, 63), ("read", .s390x, 3),
        ])
    func numbers(name: String, abi: Architecture, number: Int) {
        #expect(SyscallTable.number(of: name, on: abi) == number)
        #expect(SyscallTable.name(of: number, on: abi) == name)
    }

    @Test("a name an ABI lacks has no number there (never a pseudo number)")
    func absent() {
        #expect(SyscallTable.number(of: "socketcall", on: .x86_64) == nil)
        #expect(SyscallTable.number(of: "open", on: .aarch64) == nil)
        #expect(SyscallTable.number(of: "nosuchcall", on: .x86) == nil)
        #expect(SyscallTable.name(of: 100_000, on: .x86_64) == nil)
        #expect(!SyscallTable.isKnown("nosuchcall"))
    }

    @Test("numbers are unique per ABI and every name exists somewhere", arguments: Architecture.allCases)
    func unique(abi: Architecture) {
        let list = SyscallTable.syscalls(on: abi)
        #expect(Set(list.map(\.number)).count == list.count)
        #expect(list.count > 300)
        if abi == .x32 { #expect(list.allSatisfy { $0.number >= 0x4000_0000 }) }
    }

    @Test("the per-ABI list is every known name the ABI has, by number, and the ranks point into it",
        arguments: Architecture.allCases)
    func perABIOrder(abi: Architecture) {
        let expected = SyscallTable.allNames.compactMap { name in
            SyscallTable.number(of: name, on: abi).map { (name: name, number: $0) }
        }.sorted { $0.number < $1.number }
        let list = SyscallTable.syscalls(on: abi)
        #expect(list.map(\.name) == expected.map(\.name))
        #expect(list.map(\.number) == expected.map(\.number))
        let order = SyscallTable.numberOrder(on: abi)
        #expect(order.numbers == list.map { UInt32(truncatingIfNeeded: $0.number) })
        for (id, name) in SyscallTable.allNames.enumerated() {
            let rank = Int(order.rankByID[id])
            if let number = SyscallTable.number(of: name, on: abi) {
                #expect(rank >= 0 && list[rank].name == name && list[rank].number == number)
            } else {
                #expect(rank == -1)
            }
        }
        // name(of:) (a binary search) against a linear one, on every number near the table's.
        var byNumber: [Int: String] = [:]
        for entry in expected { byNumber[entry.number] = entry.name }
        var probes: Set<Int> = [-1, Int.min, Int.max, Int(UInt32.max), Int(UInt32.max) + 1]
        for entry in expected { probes.formUnion([entry.number - 1, entry.number, entry.number + 1]) }
        for n in probes { #expect(SyscallTable.name(of: n, on: abi) == byNumber[n], "\(abi) \(n)") }
    }

    @Test("AUDIT_ARCH values match <linux/audit.h>")
    func audit() {
        #expect(Architecture.x86_64.auditArch == 0xC000_003E)
        #expect(Architecture.x32.auditArch == 0xC000_003E)
        #expect(Architecture.x86.auditArch == 0x4000_0003)
        #expect(Architecture.aarch64.auditArch == 0xC000_00B7)
        #expect(Architecture.arm.auditArch == 0x4000_0028)
        #expect(Architecture.riscv64.auditArch == 0xC000_00F3)
        #expect(Architecture.ppc64le.auditArch == 0xC000_0015)
        #expect(Architecture.ppc64.auditArch == 0x8000_0015)
        #expect(Architecture.s390x.auditArch == 0x8000_0016)
        #expect(Architecture.loongarch64.auditArch == 0xC000_0102)
        #expect(Architecture.mips64n32.auditArch == 0xA000_0008)
        #expect(Set(Architecture.allCases.filter { $0 != .x32 }.map(\.auditArch)).count == Architecture.allCases.count - 1)
    }

    @Test("names: libseccomp, systemd and OCI spellings")
    func names() {
        #expect(Architecture(name: "x86-64") == .x86_64)
        #expect(Architecture(name: "SCMP_ARCH_X86_64") == .x86_64)
        #expect(Architecture(name: "i386") == .x86)
        #expect(Architecture(systemdName: "arm64") == .aarch64)
        #expect(Architecture(systemdName: "i386") == nil)
        #expect(Architecture(systemdName: "amd64") == nil)
        #expect(Architecture(systemdName: "ppc64le") == nil)
        #expect(Architecture.x86_64.localABIs == [.x86, .x32, .x86_64])
    }

    @Test("errno names: case-insensitive, aliases, canonical names")
    func errno() {
        #expect(ErrnoTable.number(named: "EPERM") == 1)
        #expect(ErrnoTable.number(named: "eperm") == 1)
        #expect(ErrnoTable.number(named: "EWOULDBLOCK") == 11)
        #expect(ErrnoTable.name(of: 11) == "EAGAIN")
        #expect(ErrnoTable.number(named: "ECANCELLED") == nil)
        #expect(ErrnoTable.allNames.count == 134)
    }
}
