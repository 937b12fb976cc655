// FilterInputError.swift: why no filter could be built from a request.

import SeccomposeDiagnostics
import SeccomposeSystemd

/// Why a `FilterRequest` produced no policy or program. Nothing half-built is returned.
public struct FilterInputError: ReportableError, Sendable {
    /// The kind of failure, which decides the exit status.
    public enum Reason: Sendable, Hashable {
        /// A unit, drop-in or profile file could not be read.
        case unreadable
        /// The request itself is malformed (a `--unit-setting` without `=`, a profile combined
        /// with systemd inputs).
        case invalidRequest
        /// systemd would refuse to load the unit (masked, a bad section header …).
        case unitNotLoaded
        /// systemd would fail to apply the filter (228/SECCOMP).
        case filterNotApplied
        /// The profile is not a usable Docker/OCI seccomp profile.
        case invalidProfile
        /// The compiler refused the policy.
        case compileFailed
    }

    /// The kind of failure.
    public var reason: Reason
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String?
    /// The file concerned, nil for the command line.
    public var file: String?
    /// The line concerned, when one is known.
    public var line: Int?
    /// The diagnostics that led here (systemd inputs), in input order.
    public var diagnostics: [Diagnostic]

    /// A failure with its position and the diagnostics that led to it.
    public init(reason: Reason, message: String, fix: String?, file: String? = nil, line: Int? = nil,
        diagnostics: [Diagnostic] = [])
    {
        self.reason = reason
        self.message = message
        self.fix = fix
        self.file = file
        self.line = line
        self.diagnostics = diagnostics
    }

    /// A profile given together with unit or SystemCall*= inputs.
    static let profileCombined = FilterInputError(reason: .invalidRequest,
        message: "a profile cannot be combined with a unit, unit settings or SystemCall*= values",
        fix: "give either --profile FILE or the systemd inputs")

    /// `WHERE: error: message` and a `fix:` line (the diagnostics are not included).
    public var report: ErrorReport {
        ErrorReport(message, at: file == nil && line == nil ? nil : SourcePosition(file: file, line: line ?? 0, column: 0),
            fix: fix)
    }
}
