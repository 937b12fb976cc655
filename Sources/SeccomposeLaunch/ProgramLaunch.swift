// ProgramLaunch.swift: a command line to run under a precompiled program read from a file
// (`seccompose run --program FILE -- CMD`): the kernel's load-time checks first, nothing runs
// when they fail.

import SeccomposeCompiler

/// A command line to run under a precompiled raw program (the bytes `seccompose compile
/// --format raw` writes).
///
/// ```swift
/// let report = try ProgramLaunch(programAt: "service.bpf", argv: ["/bin/true"]).run()
/// for v in report.violations { print(v) }  // syscall, ABI and number (no policy to name a setting)
/// ```
public struct ProgramLaunch: Sendable {
    /// The raw program file.
    public var path: String
    /// The command and its arguments.
    public var argv: [String]
    /// Never set no_new_privs (needs CAP_SYS_ADMIN).
    public var neverSetNoNewPrivileges = false

    /// `argv` under the program in the file `path`.
    public init(programAt path: String, argv: [String]) {
        self.path = path
        self.argv = argv
    }

    /// Reads and checks the program, without running anything.
    ///
    /// - Throws: `LaunchFailure` (228, nothing runs) when the file cannot be read or holds no
    ///   program the kernel would accept (see `LaunchFilter.readProgram(at:)`), or (64) when no
    ///   command is given.
    public func prepare() throws(LaunchFailure) -> PreparedLaunch {
        guard !argv.isEmpty else {
            throw LaunchFailure(exitStatus: .usage, message: "no command to run", fix: "give the command after '--'")
        }
        let filter = try LaunchFilter.readProgram(at: path)
        let command = LaunchCommand(argv, environment: UnitLaunch.processEnvironmentEntries(),
            noNewPrivileges: !neverSetNoNewPrivileges)
        return PreparedLaunch(launching: filter, unit: nil, diagnostics: [], notices: [],
            steps: [PreparedLaunch.Step(command: command, isMain: false, ignoreFailure: false)])
    }

    /// Prepares and runs the command.
    ///
    /// - Throws: `LaunchFailure` when nothing could be run safely.
    public func run(journal: any JournalSink = SystemJournal()) throws(LaunchFailure) -> LaunchReport {
        try prepare().run(journal: journal)
    }
}
