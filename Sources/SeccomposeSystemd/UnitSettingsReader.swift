// UnitSettingsReader.swift: reads the [Service]-style SystemCall*= assignments of a unit file.
//
// The line syntax follows systemd.syntax(7): `#`/`;` comment lines, a trailing odd number of
// backslashes continues a line (comment lines inside a continuation are skipped), keys and
// values are whitespace-stripped, and assignments are reported at the line where the logical
// line ends. The complete unit reader (drop-ins, specifiers, every directive) builds on this.

/// One `Key=Value` assignment of a unit file.
public struct UnitAssignment: Sendable, Hashable {
    /// The section, without brackets.
    public var section: String
    public var key: String
    /// The value, stripped of surrounding whitespace.
    public var value: String
    /// Where the value starts (line of the logical line's end, as systemd reports it).
    public var source: ValueSource
}

/// Reads unit files line by line.
public enum UnitSettingsReader {
    /// systemd's limit for one logical line (LONG_LINE_MAX).
    public static let maximumLineLength = 1 << 20

    /// The assignments of `text`, in order, and diagnostics for malformed lines.
    public static func assignments(of text: String, file: String) -> ([UnitAssignment], [Diagnostic]) {
        var out: [UnitAssignment] = []
        var diags: [Diagnostic] = []
        var section: String?
        var pending: String?
        var lineNumber = 0
        var physical = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        if physical.last == "" { physical.removeLast() }
        if let first = physical.first, first.hasPrefix("\u{FEFF}") { physical[0] = String(first.dropFirst()) }
        func diag(_ code: String, _ message: String, _ column: Int, _ fix: String) {
            diags.append(Diagnostic(severity: .warning, code: code, message: message, isSystemdMessage: false,
                setting: "", file: file, line: lineNumber, column: column, text: "", note: nil, fix: fix))
        }
        for raw in physical {
            lineNumber += 1
            var line = raw
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmedStart = line.drop { $0 == " " || $0 == "\t" }
            if pending != nil, trimmedStart.hasPrefix("#") || trimmedStart.hasPrefix(";") { continue }
            var logical: String
            if let p = pending { logical = p + line } else { logical = line }
            if logical.utf8.count > maximumLineLength {
                diag("line-too-long", "line longer than \(maximumLineLength) bytes, ignoring", 1,
                    "split the value over several assignments")
                pending = nil
                continue
            }
            let backslashes = logical.reversed().prefix { $0 == "\\" }.count
            if backslashes % 2 == 1 {
                logical.removeLast()
                pending = logical + " "
                continue
            }
            pending = nil
            let content = Substring(logical).trimmingWhitespace()
            if content.isEmpty || content.hasPrefix("#") || content.hasPrefix(";") { continue }
            if content.hasPrefix("[") {
                guard content.hasSuffix("]") else {
                    diag("bad-section", "invalid section header '\(content)'", 1, "write [Section]")
                    continue
                }
                section = String(content.dropFirst().dropLast())
                continue
            }
            guard let eq = content.firstIndex(of: "=") else {
                diag("missing-equals", "missing '=', ignoring line", 1, "write Key=Value")
                continue
            }
            let key = content[..<eq].trimmingWhitespace()
            let afterEq = content[content.index(after: eq)...]
            let value = afterEq.trimmingWhitespace()
            guard let section else {
                diag("no-section", "assignment outside of any section, ignoring", 1, "add a [Service] line above it")
                continue
            }
            // Column of the value's first character within the logical line.
            let leading = afterEq.prefix { $0 == " " || $0 == "\t" }.count
            let column = logical.distance(from: logical.startIndex, to: afterEq.startIndex) + leading + 1
            out.append(UnitAssignment(section: section, key: String(key), value: String(value),
                source: ValueSource(file: file, line: lineNumber, valueColumn: column)))
        }
        return (out, diags)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        let ws: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !ws($0) }), let last = lastIndex(where: { !ws($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
