// CompileError.swift: why a policy could not be compiled.

import SeccomposeDiagnostics

/// Why a policy could not be compiled.
public struct CompileError: ReportableError, Sendable, Hashable {
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String

    /// `error: MESSAGE` and the fix (a policy has no position of its own).
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}
