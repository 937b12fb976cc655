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

    static let entries: [Entry] = TextFile.split(embeddedTSV, at: 0x0A).compactMap { line in
        let c = TextFile.split(line, at: 0x09)
        guard c.count == 3, let n = Int(c[1]) else { return nil }
        return Entry(name: c[0], number: n, isAlias: c[2] == "alias")
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
