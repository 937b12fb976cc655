// DiagnosticCodes.swift: what each diagnostic code means, for reports that describe codes
// (SARIF rule entries). The table is generated from docs/diagnostics.md.

/// The documented diagnostic codes (docs/diagnostics.md) and their meanings.
public enum DiagnosticCodes {
    /// The meaning of `code` as docs/diagnostics.md gives it, or nil for an undocumented code.
    public static func help(for code: String) -> String? { table[code] }

    /// Every documented code, sorted.
    public static var all: [String] { table.keys.sorted() }
}
