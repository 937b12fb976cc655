// Support.swift: JSON mirrors for the CLI tests; the process helpers live in SeccomposeTestSupport.

import Foundation
@_exported import SeccomposeTestSupport

// MARK: - Mirrors of the JSON documents (docs/json.md)

/// One diagnostic, as `expand --format json` prints it.
struct DiagnosticJSON: Decodable, Hashable {
    var severity: String
    var code: String
    var message: String
    var isSystemdMessage: Bool
    var setting: String
    var file: String?
    var line: Int
    var column: Int
    var text: String
    var note: String?
    var fix: String?
}

/// `seccompose.expand/1`.
struct ExpandJSON: Decodable {
    struct Origin: Decodable, Hashable {
        var file: String?
        var line: Int
        var column: Int
        var setting: String
        var text: String
    }

    struct Syscall: Decodable, Hashable {
        var name: String
        var action: String
        var origin: Origin?
    }

    struct Number: Decodable, Hashable {
        var number: Int
        var name: String
        var action: String
    }

    struct ABI: Decodable {
        var abi: String
        var auditArch: UInt32
        var judged: Bool
        var syscalls: [Number]
        var otherNumbers: String
    }

    var schema: String
    var systemd: Int
    var native: String
    var mode: String?
    var errorNumber: String
    var log: String?
    var architectures: [String]
    var otherArchitectures: String
    var defaultAction: String
    var syscalls: [Syscall]
    var abis: [ABI]
    var diagnostics: [DiagnosticJSON]

    /// The entry for `name`, if the policy lists it.
    func syscall(_ name: String) -> Syscall? { syscalls.first { $0.name == name } }
}

/// `seccompose.resolve/1`.
struct ResolveJSON: Decodable {
    struct Row: Decodable {
        var query: String
        var abi: String
        var name: String?
        var number: Int?
    }

    var schema: String
    var results: [Row]
}

// MARK: - systemd's line for a position

/// The line systemd reports for text on each physical line of a unit file: the line where its
/// logical line ends (a trailing odd number of backslashes continues a line; comment lines inside
/// a continuation are skipped; a continuation open at the end of the file ends one line after the
/// last). Seccompose positions diagnostics at the physical line; the differential tests compare
/// with systemd through this map. Written independently of the unit reader, from systemd.syntax(7).
func systemdReportedLines(of text: String) -> [Int: Int] {
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    if lines.last == "" { lines.removeLast() }
    var map: [Int: Int] = [:]
    var open: [Int] = []
    var continued = false
    for (i, raw) in lines.enumerated() {
        var line = raw
        if line.hasSuffix("\r") { line.removeLast() }
        let start = line.drop { $0 == " " || $0 == "\t" }
        if continued, start.hasPrefix("#") || start.hasPrefix(";") { continue }
        open.append(i + 1)
        continued = line.reversed().prefix { $0 == "\\" }.count % 2 == 1
        if !continued {
            for n in open { map[n] = i + 1 }
            open = []
        }
    }
    for n in open { map[n] = lines.count + 1 }
    return map
}
