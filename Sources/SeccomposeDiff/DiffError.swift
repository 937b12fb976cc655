// DiffError.swift: why two filters could not be compared exactly.

import SeccomposeDiagnostics

/// Why two filters could not be compared exactly. The diff fails closed: it never falls back to
/// sampling, so a program it cannot analyse exactly is an error, not a partial answer.
public struct DiffError: ReportableError, Sendable, Hashable {
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String

    /// An error saying `message`, fixed by `fix`.
    public init(_ message: String, fix: String) {
        self.message = message
        self.fix = fix
    }

    /// The report every stage gives.
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}
