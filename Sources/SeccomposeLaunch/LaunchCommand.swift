// LaunchCommand.swift: one command to start, with the process attributes systemd sets up
// before exec.

/// A command and how its process is set up before exec.
public struct LaunchCommand: Sendable, Hashable {
    /// The executable (a path, or a name looked up on the environment's `PATH`) and its arguments.
    public var argv: [String]
    /// What the program sees as argv[0], when it differs from `argv[0]` (systemd's `@` prefix).
    public var argv0: String?
    /// The whole environment, `NAME=value` each.
    public var environment: [String]
    /// The working directory; nil keeps the supervisor's.
    public var workingDirectory: String?
    /// The file mode creation mask; nil keeps the supervisor's.
    public var umask: UInt32?
    /// The user to switch to (name or number); nil keeps the supervisor's.
    public var user: String?
    /// The group to switch to (name or number); nil: the user's primary group when `user` is set.
    public var group: String?
    /// Set `no_new_privs` before installing the filter (required without CAP_SYS_ADMIN).
    public var noNewPrivileges: Bool
    /// Whether the command runs under the supervisor's filter; false only for systemd's `+`
    /// prefix, which runs a command with full privileges and no filter.
    public var filtered: Bool

    /// A command that runs under the filter, with no_new_privs, in the current environment's
    /// place `environment`.
    public init(_ argv: [String], environment: [String], noNewPrivileges: Bool = true, filtered: Bool = true) {
        self.argv = argv
        self.environment = environment
        self.noNewPrivileges = noNewPrivileges
        self.filtered = filtered
    }
}

/// Why a launch did not happen. Nothing ran, unless `ranCommand` says the filter was installed
/// but the executable could not be run.
public struct LaunchFailure: ReportableError, Sendable {
    /// The status to exit with (systemd's for the failing step; 228/SECCOMP when no filter).
    public var exitStatus: ExitStatus
    /// What went wrong.
    public var message: String
    /// How to fix it, when there is something to say.
    public var fix: String?
    /// The input's diagnostics that led here (each with file:line:col and a fix).
    public var diagnostics: [Diagnostic]
    /// The file concerned, when one is.
    public var file: String?
    /// The line concerned, when one is known.
    public var line: Int?
    /// Whether a process was started at all (it then failed to exec).
    public var ranCommand: Bool

    /// A failure with `exitStatus`.
    public init(exitStatus: ExitStatus, message: String, fix: String? = nil, diagnostics: [Diagnostic] = [],
        file: String? = nil, line: Int? = nil, ranCommand: Bool = false)
    {
        self.exitStatus = exitStatus
        self.message = message
        self.fix = fix
        self.diagnostics = diagnostics
        self.file = file
        self.line = line
        self.ranCommand = ranCommand
    }

    /// `WHERE: error: message` and a `fix:` line; the diagnostics are not included.
    public var report: ErrorReport {
        ErrorReport(message, at: file == nil && line == nil ? nil : SourcePosition(file: file, line: line ?? 0, column: 0),
            fix: fix)
    }
}

import SeccomposeDiagnostics
import SeccomposeRuntime
import SeccomposeSystemd
