// ErrnoTable.swift: errno names and numbers as systemd accepts them.

/// The errno names systemd accepts in `SystemCallErrorNumber=` and `:errno` suffixes,
/// generated from `<errno.h>` by `scripts/gen-errno-table.py` (Linux generic values,
/// as on x86, ARM, RISC-V, s390, PowerPC and LoongArch).
public enum ErrnoTable {
    /// The largest errno value a seccomp ERRNO action carries (systemd's `ERRNO_MAX`).
    public static let maximum = 4095

    struct Entry: Sendable {
        var name: String
        var number: Int
        var isAlias: Bool
    }

    static let entries: [Entry] = {
        // The rows read on the TSV's bytes (`TextFile.pieces`): NAME TAB NUMBER TAB KIND per line,
        // only the name made a String (splitting lines and fields into Strings cost about 2,300
        // instructions a row at the first errno of every run).
        var text = embeddedTSV
        return text.withUTF8 { bytes in
            TextFile.pieces(of: bytes, at: 0x0A).compactMap { entry(UnsafeBufferPointer(rebasing: bytes[$0])) }
        }
    }()

    /// One row (`NAME\tNUMBER\tname|alias`), or nil when it is not three non-empty fields with a
    /// number `Int(_:)` reads.
    static func entry(_ row: UnsafeBufferPointer<UInt8>) -> Entry? {
        let fields = TextFile.pieces(of: row, at: 0x09)
        guard fields.count == 3 else { return nil }
        // The number as `Int(_:)` reads it: a sign, then decimal digits (at most 18 here).
        var digits = fields[1]
        let negative = row[digits.lowerBound] == 0x2D
        if negative || row[digits.lowerBound] == 0x2B { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var number = 0
        for i in digits {
            guard row[i] >= 0x30, row[i] <= 0x39 else { return nil }
            number = number * 10 + Int(row[i] - 0x30)
        }
        if negative { number = -number }
        let isAlias = UnsafeBufferPointer(rebasing: row[fields[2]]).elementsEqual("alias".utf8)
        return Entry(name: String(decoding: UnsafeBufferPointer(rebasing: row[fields[0]]), as: UTF8.self), number: number,
            isAlias: isAlias)
    }

    static let byUppercasedName: [String: Int] = Dictionary(
        entries.map { ($0.name, $0.number) }, uniquingKeysWith: { a, _ in a })

    static let canonicalName: [Int: String] = Dictionary(
        entries.filter { !$0.isAlias }.map { ($0.number, $0.name) }, uniquingKeysWith: { a, _ in a })

    /// The number of the errno called `name`, matched case-insensitively (ASCII) as systemd's
    /// gperf table does; nil for an unknown name.
    public static func number(named name: String) -> Int? {
        byUppercasedName[asciiUppercased(name)]
    }

    /// The canonical name of errno `number` (EAGAIN rather than EWOULDBLOCK), or nil.
    public static func name(of number: Int) -> String? { canonicalName[number] }

    /// Every accepted name, aliases included, sorted.
    public static var allNames: [String] { entries.map(\.name) }

    static func asciiUppercased(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }
}
