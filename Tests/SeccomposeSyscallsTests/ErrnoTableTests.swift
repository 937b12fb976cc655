// The errno table is read on the embedded TSV's bytes (`ErrnoTable.entries`, `entry(_:)`). Held
// here to the reading it replaced (lines and tab-separated fields as Strings, the number by
// `Int(_:)`), on the embedded table and on odd rows.

import Testing

@testable import SeccomposeSyscalls

@Suite("errno table")
struct ErrnoTableTests {
    /// The reading before: Strings split at LF and tab, the number by `Int(_:)`.
    static func previous(_ row: String) -> (String, Int, Bool)? {
        let c = TextFile.split(row, at: 0x09)
        guard c.count == 3, let n = Int(c[1]) else { return nil }
        return (c[0], n, c[2] == "alias")
    }

    static func read(_ row: String) -> (String, Int, Bool)? {
        var row = row
        return row.withUTF8 { ErrnoTable.entry($0) }.map { ($0.name, $0.number, $0.isAlias) }
    }

    @Test("the embedded table: every row as before, and a known name and alias")
    func embedded() {
        let rows = TextFile.split(ErrnoTable.embeddedTSV, at: 0x0A)
        let before = rows.compactMap(Self.previous)
        #expect(ErrnoTable.entries.map { "\($0.name) \($0.number) \($0.isAlias)" } == before.map { "\($0.0) \($0.1) \($0.2)" })
        #expect(before.count > 100)
        #expect(ErrnoTable.number(named: "eperm") == 1 && ErrnoTable.number(named: "EWOULDBLOCK") == 11)
        #expect(ErrnoTable.name(of: 11) == "EAGAIN")
    }

    @Test("odd rows: as before", arguments: [
        "EPERM\t1\tname", "EWOULDBLOCK\t11\talias", "E\t0\tname", "EX\t\t1\t\talias", "\tEX\t1\tname\t",
        "EX\t1", "EX\t1\tname\textra", "EX\tx1\tname", "EX\t-1\tname", "EX\t+1\tname", "EX\t1\taliased", "EX\t1\tALIAS",
        "", "\t\t", "EX\t99999999999999999999\tname", "EX\t007\tname",
    ])
    func oddRows(_ row: String) {
        let a = Self.read(row), b = Self.previous(row)
        #expect(a?.0 == b?.0 && a?.1 == b?.1 && a?.2 == b?.2, "\(row)")
    }
}
