// OCIDiagnostic+Diagnostic.swift: profile findings as the one Diagnostic every stage reports,
// positioned at the JSON value they concern (file:line:column), and as reportable errors.

import SeccomposeDiagnostics

extension OCIDiagnostic: ReportableError {
    /// The severity as a `Diagnostic` severity (`error` for anything that is not a warning or note).
    public var level: Diagnostic.Severity {
        switch severity {
        case "warning": return .warning
        case "note": return .note
        default: return .error
        }
    }

    /// The finding where, what and how to fix it (the JSON path is part of the position's text).
    public var report: ErrorReport { ErrorReport("\(path): \(message)", fix: fix) }

    /// The finding as a `Diagnostic` at the line and column of its JSON value in `text` (the
    /// profile `file`), or at 1:1 when the finding names no value; the setting is the JSON path.
    public func diagnostic(file: String, text: String) -> Diagnostic {
        let jsonPath = jsonPath(file: file)
        let at = jsonPath.flatMap { JSONLocator.locate($0, in: text) } ?? (line: 1, column: 1)
        return Diagnostic(severity: level, code: code, message: message, setting: jsonPath ?? "profile", file: file,
            line: at.line, column: at.column, text: "", fix: fix)
    }
}
