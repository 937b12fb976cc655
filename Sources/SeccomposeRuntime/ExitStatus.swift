// ExitStatus.swift: the exit statuses of Seccompose, named, in one table. The child path's
// statuses come from CSeccomp's `enum cseccomp_exit_status`, the values the C code exits with.

import CSeccomp

/// An exit status of the `seccompose` command or of a launched command's start.
///
/// The command line's own statuses (`success`, `findings`, `unreadable`, `usage`) and the
/// statuses of the launch child path, which are systemd's where systemd has one
/// (`src/basic/exit-status.h`), so that a service started by Seccompose fails like one started
/// by systemd.
public struct ExitStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32

    /// A status with this value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Everything went as asked; for a launched command, the command's own status 0.
    public static let success = ExitStatus(rawValue: 0)
    /// The input produced warnings or errors (printed on stderr), or a query found nothing.
    public static let findings = ExitStatus(rawValue: 1)
    /// An input file or set directory could not be read.
    public static let unreadable = ExitStatus(rawValue: 2)
    /// The compiled program disagreed with its policy (a bug: please report it).
    public static let internalError = ExitStatus(rawValue: 3)
    /// The command line was not understood (sysexits' `EX_USAGE`).
    public static let usage = ExitStatus(rawValue: 64)
    /// The working directory could not be entered (systemd's `EXIT_CHDIR`).
    public static let changeDirectory = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_CHDIR.rawValue))
    /// The group could not be switched (systemd's `EXIT_GROUP`).
    public static let group = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_GROUP.rawValue))
    /// The user could not be switched (systemd's `EXIT_USER`).
    public static let user = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_USER.rawValue))
    /// `no_new_privs` could not be set (systemd's `EXIT_NO_NEW_PRIVILEGES`).
    public static let noNewPrivileges = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_NO_NEW_PRIVILEGES.rawValue))
    /// No filter: the settings could not be turned into one, it could not be installed, or the
    /// input asks for protection the launch would not give. Nothing ran (systemd's `EXIT_SECCOMP`).
    public static let seccomp = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_SECCOMP.rawValue))
    /// The command exists but could not be executed (the shell's 126).
    public static let notExecutable = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_NOT_EXECUTABLE.rawValue))
    /// The command was not found (the shell's 127).
    public static let notFound = ExitStatus(rawValue: Int32(CSECCOMP_EXIT_NOT_FOUND.rawValue))

    /// The status a command ended by signal `signal` reports (the shell's 128+N).
    public static func signaled(_ signal: Int32) -> ExitStatus { ExitStatus(rawValue: 128 + signal) }

    /// Every named status, for documentation and tests.
    public static let named: [(name: String, status: ExitStatus)] = [
        ("success", .success), ("findings", .findings), ("unreadable", .unreadable), ("internalError", .internalError),
        ("usage", .usage),
        ("notExecutable", .notExecutable), ("notFound", .notFound), ("changeDirectory", .changeDirectory),
        ("group", .group), ("user", .user), ("noNewPrivileges", .noNewPrivileges), ("seccomp", .seccomp),
    ]

    public var description: String { String(rawValue) }

    /// One row of the command line's exit-status table: the status (or a range such as `*`)
    /// and its meaning, pre-wrapped to lines short enough for an 80-column terminal.
    public struct TableRow: Sendable {
        /// The status as printed: a number, or `*` for "any other".
        public var status: String
        /// The meaning, one or more lines of at most 70 characters.
        public var meaning: [String]
    }

    /// The exit statuses of the `seccompose` command, the one table `seccompose --help`, the
    /// README and the man page print (tests compare them). Every command follows it.
    public static let commandLineTable: [TableRow] = [
        TableRow(status: "\(success)", meaning: ["success: the input is clean (no warnings or errors)"]),
        TableRow(status: "\(findings)", meaning: [
            "findings: the input gave warnings or errors (printed on stderr; the",
            "output is still printed), with check --strict notes too; a query found",
            "nothing; the output could not be written",
        ]),
        TableRow(status: "\(unreadable)", meaning: ["an input file, unit or set directory could not be read"]),
        TableRow(status: "\(internalError)", meaning: ["internal error: a compiled program disagreed with its policy"]),
        TableRow(status: "\(usage)", meaning: ["bad usage: an unknown, misplaced or malformed option or argument"]),
        TableRow(status: "\(seccomp)", meaning: [
            "run: nothing started: no filter could be compiled or installed, or",
            "input would be ignored (--lenient runs anyway)",
        ]),
        TableRow(status: "*", meaning: [
            "run: the command's own status (128+N: ended by signal N; "
                + "\(notExecutable), \(notFound),",
            "\(changeDirectory), \(group), \(user), \(noNewPrivileges): a set-up step failed, as with systemd)",
        ]),
    ]

    /// The table as text: a heading, then one status per row with its meaning indented.
    public static var commandLineTableText: String {
        var s = "Exit status:\n"
        for row in commandLineTable {
            for (i, line) in row.meaning.enumerated() {
                let label = i == 0 ? row.status : ""
                s += "  " + label + String(repeating: " ", count: max(1, 5 - label.count)) + line + "\n"
            }
        }
        return s
    }
}
