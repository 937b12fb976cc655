// SourcePosition.swift: the one source-position type of every stage: a place in a unit file, a
// set file, a profile, or the n-th value on the command line.

/// A 1-based place in some text.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it (or a label such as `<builtin>/basic-io.set`); nil for a
    /// command-line or API value.
    public var file: String?
    /// The 1-based line (for command-line values: the value's index, from 1); 0 for the file as a
    /// whole.
    public var line: Int
    /// The 1-based column; 0 for the line as a whole.
    public var column: Int

    /// The place `file`:`line`:`column`.
    public init(file: String?, line: Int, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A whole file (for errors about the file itself: it cannot be read).
    public init(wholeFile file: String) {
        self.init(file: file, line: 0, column: 0)
    }

    /// `FILE:LINE:COL` (`<command line>` for values without a file; `FILE` alone for a whole file).
    public var description: String {
        let name = file ?? "<command line>"
        if line == 0 { return name }
        return column == 0 ? "\(name):\(line)" : "\(name):\(line):\(column)"
    }
}

/// What an error says, the same way in every stage: where, what, and how to fix it.
public struct ErrorReport: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is; nil when it concerns no input text (a kernel refusal, say).
    public var position: SourcePosition?
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String?

    /// A report of `message` at `position`, with `fix`.
    public init(_ message: String, at position: SourcePosition? = nil, fix: String?) {
        self.position = position
        self.message = message
        self.fix = fix
    }

    /// `WHERE: error: MESSAGE` (`error: MESSAGE` without a position), then `  fix: FIX`.
    public var description: String {
        (position.map { "\($0): error: " } ?? "error: ") + message + (fix.map { "\n  fix: \($0)" } ?? "")
    }

    /// The report as an error diagnostic with `code`, for lists of findings.
    public func diagnostic(code: String, setting: String = "") -> Diagnostic {
        Diagnostic(severity: .error, code: code, message: message, setting: setting, file: position?.file,
            line: position?.line ?? 0, column: position?.column ?? 0, text: "", fix: fix)
    }
}

/// An error a user can cause. Every stage's errors conform, so they print alike and a caller
/// can handle them alike.
public protocol ReportableError: Error, CustomStringConvertible {
    /// Where, what and how to fix it.
    var report: ErrorReport { get }
}

extension ReportableError {
    /// The report's rendering: `WHERE: error: MESSAGE` and a `fix:` line.
    public var description: String { report.description }
}
