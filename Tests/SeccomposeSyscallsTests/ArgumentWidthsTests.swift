import Foundation
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSyscalls

/// The embedded argument-width table (issue 6): generated from the data files by
/// scripts/gen-argument-widths.py, with the hand-kept narrower reads of data/syscall-arg-reads.csv.
@Suite("argument widths")
struct ArgumentWidthsTests {
    @Test("the embedded table is what the script makes from the data files")
    func regenerated() throws {
        try Support.withTemporaryDirectory { dir in
            let out = dir.appendingPathComponent("widths.swift").path
            let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec python3 scripts/gen-argument-widths.py \"$1\" \"$2\"",
                repositoryRoot, repositoryRoot + "/data/syscalls.csv", out])
            try #require(r.status == 0, "\(r)")
            let fresh = try TextFile.read(out)
            let committed = try TextFile.read(repositoryRoot + "/Sources/SeccomposeSyscalls/Generated/ArgumentWidths+Data.swift")
            #expect(fresh == committed, "run scripts/gen-argument-widths.py and commit the result")
        }
    }

    @Test("data/syscall-arg-reads.csv: sorted, known classes, narrower than the declaration, for defined calls")
    func reads() throws {
        let rows = try ArgumentTypeDataTests.lines("syscall-arg-reads.csv").map { $0.split(separator: ",", maxSplits: 4).map(String.init) }
        #expect(!rows.isEmpty)
        #expect(rows.map { $0.prefix(3).joined(separator: ",") } == rows.map { $0.prefix(3).joined(separator: ",") }.sorted())
        for row in rows {
            try #require(row.count == 5, "\(row)")
            let width = try #require(ArgumentWidth.allCases.first { $0.className == row[3] }, "\(row)")
            #expect(width.bits < 64, "a read override narrows: \(row)")
            #expect(SyscallTable.isKnown(row[0]), "\(row)")
            let index = try #require(Int(row[2]))
            for abi in row[1] == "*" ? [Architecture.x86_64] : row[1].split(separator: " ").compactMap({ Architecture(rawValue: String($0)) }) {
                #expect(ArgumentWidths.width(of: row[0], argument: index, on: abi) == width, "\(row) on \(abi)")
            }
            #expect(!row[4].isEmpty, "every read says where in the kernel it happens")
        }
    }

    @Test("every numbered syscall has known argument widths, except the entries the data marks unresolved")
    func complete() throws {
        func rows(_ file: String) throws -> [[Substring]] {
            try ArgumentTypeDataTests.lines(file).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        }
        let unresolvedEntries = Set(try rows("syscall-entry-points.csv").filter { $0.count == 3 && $0[2] == "?" }.map { "\($0[0]),\($0[1])" })
        let unresolvedNames = Set(try rows("syscall-arg-types-addendum.csv").filter { $0.count > 1 && $0[1] == "unresolved" }.map { String($0[0]) })
        #expect(!unresolvedEntries.isEmpty && !unresolvedNames.isEmpty)
        var unknown = 0
        for abi in Architecture.allCases {
            for name in SyscallTable.allNames where SyscallTable.number(of: name, on: abi) != nil {
                guard ArgumentWidths.lookup(name, on: abi) == .unknown else { continue }
                unknown += 1
                #expect(unresolvedEntries.contains("\(abi.tableColumn),\(name)") || unresolvedNames.contains(name), "\(abi) \(name)")
            }
        }
        #expect(unknown < 40, "\(unknown) unknown calls")
    }

    @Test("known widths: the arguments issue 6 is about, and the x32 / n32 rules")
    func known() {
        for abi in Architecture.allCases where SyscallTable.number(of: "setns", on: abi) != nil {
            #expect(ArgumentWidths.lookup("setns", on: abi) == .arguments([.signed32, .signed32]), "\(abi)")
            #expect(ArgumentWidths.lookup("socket", on: abi) == .arguments([.signed32, .signed32, .signed32]), "\(abi)")
            #expect(ArgumentWidths.width(of: "unshare", argument: 0, on: abi) == .unsigned64, "\(abi)")
        }
        // clone's flags: declared unsigned long, read through lower_32_bits(); s390 passes newsp first.
        #expect(ArgumentWidths.width(of: "clone", argument: 0, on: .x86_64) == .unsigned32)
        #expect(ArgumentWidths.width(of: "clone", argument: 0, on: .aarch64) == .unsigned32)
        #expect(ArgumentWidths.width(of: "clone", argument: 1, on: .s390x) == .unsigned32)
        #expect(ArgumentWidths.width(of: "clone", argument: 0, on: .s390x) == .unsigned64)
        // x32 enters compat_sys_ioctl (compat_ulong_t arg); x86-64 the native one (unsigned long).
        #expect(ArgumentWidths.width(of: "ioctl", argument: 2, on: .x32) == .unsigned32)
        #expect(ArgumentWidths.width(of: "ioctl", argument: 2, on: .x86_64) == .unsigned64)
        // n32, like x32, enters compat_sys_ioctl; mips64 the native one.
        #expect(ArgumentWidths.width(of: "ioctl", argument: 2, on: .mips64n32) == .unsigned32)
        #expect(ArgumentWidths.width(of: "ioctl", argument: 2, on: .mips64) == .unsigned64)
        // 32-bit kernels: a loff_t takes two registers, so later declared positions are unknown.
        #expect(ArgumentWidths.lookup("pread64", on: .arm) == .arguments([.unsigned32, .pointer, .unsigned64, nil]))
        #expect(ArgumentWidths.width(of: "fchmod", argument: 1, on: .x86_64) == .unsigned16)
        #expect(ArgumentWidths.width(of: "personality", argument: 0, on: .x86_64) == .unsigned32)
        #expect(ArgumentWidths.lookup("rseq_slice_yield", on: .x86_64) == .arguments([]))
        #expect(ArgumentWidths.lookup("socketcall", on: .x86_64) == .absent)
        #expect(ArgumentWidths.lookup("socketcall", on: .x86) == .arguments([.signed32, .pointer]))
        #expect(ArgumentWidths.lookup("tuxcall", on: .x86_64) == .absent, "ENOSYS: nothing is read")
    }

    /// The table as text: name → cells, by splitting the embedded text on Characters (how it was
    /// read before the byte path, kept here as the reference).
    static func referenceRows() -> (columns: [String], rows: [String: [Substring]]) {
        var lines = ArgumentWidths.embeddedTSV.split(separator: "\n")
        let header = lines.isEmpty ? [] : lines.removeFirst().split(separator: "\t")
        var rows: [String: [Substring]] = [:]
        for line in lines {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            if let name = cells.first { rows[String(name)] = Array(cells.dropFirst()) }
        }
        return (header.dropFirst().map(String.init), rows)
    }

    @Test("the rows are sorted by name byte by byte, each name once (the lookup's binary search needs it)")
    func sortedRows() {
        let names = (0..<ArgumentWidths.data.rowCount).map { Array(ArgumentWidths.data.rowName($0)) }
        #expect(names.count > 400)
        for i in names.indices.dropFirst() {
            #expect(names[i - 1].lexicographicallyPrecedes(names[i]),
                "\(String(decoding: names[i - 1], as: UTF8.self)) before \(String(decoding: names[i], as: UTF8.self))")
        }
        #expect(ArgumentWidths.data.columns == Self.referenceRows().columns)
        #expect(ArgumentWidths.names == Self.referenceRows().rows.keys.sorted())
    }

    @Test("a lookup on the bytes reads what the text's cells say, for every name and ABI")
    func byteLookupMatchesText() {
        let (columns, rows) = Self.referenceRows()
        func expected(_ name: String, _ abi: Architecture) -> ArgumentWidths.Lookup {
            guard let column = columns.firstIndex(of: abi.tableColumn), let row = rows[name], column < row.count else {
                return .absent
            }
            switch row[column] {
            case "-": return .absent
            case "*": return .unknown
            case "0": return .arguments([])
            default: return .arguments(row[column].map { ArgumentWidth(rawValue: $0) })
            }
        }
        // Every name of the table, names around them (prefixes, extensions, neighbours), and none.
        var names = Array(rows.keys) + ["", "a", "zzzz", "read\u{0}", "\u{E9}", "accept4x", "acces", "_llseek", "~"]
        for name in rows.keys {
            names.append(String(name.dropLast()))
            names.append(name + "_")
            names.append(name + "0")
        }
        for abi in Architecture.allCases {
            for name in names {
                #expect(ArgumentWidths.lookup(name, on: abi) == expected(name, abi), "\(name) on \(abi)")
            }
        }
    }
}
