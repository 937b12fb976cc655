// Seccompose.swift: the command-line front end. Each subcommand is a thin layer over the library.

import ArgumentParser
import SeccomposeCompiler
import SeccomposeDiagnostics
import SeccomposeRuntime
import SeccomposePolicy
import FoundationEssentials
import SeccomposeSets
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Seccompose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seccompose",
        abstract: "A systemd-style syscall-set policy engine.",
        discussion: String(ExitStatus.commandLineTableText.dropLast()),
        version: SeccomposeVersion.current,
        subcommands: [
            SyscallFilterCommand.self, ExpandCommand.self, ResolveCommand.self, CompileCommand.self, SimulateCommand.self,
            ExplainCommand.self, RunCommand.self, LearnCommand.self, CheckCommand.self, BenchCommand.self, DiffCommand.self,
            DumpCommand.self,
        ]
    )

    /// Runs the command line; `help NAME` with a NAME that is no subcommand is a usage error.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "help", let name = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }),
            !configuration.subcommands.contains(where: { $0.configuration.commandName == name })
        {
            Terminal.error("Error: no subcommand '\(name)'\nUsage: seccompose help <subcommand>\n  See 'seccompose --help' for the subcommands.")
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        // `run [--systemd V] UNIT`, `run --filter EXPR -- CMD`, `run --program FILE -- CMD` and
        // `check [--systemd V] UNIT…`, read without ArgumentParser (start-up time); anything else,
        // or SECCOMPOSE_NO_FAST_PATH set, takes the full parser.
        let fastPaths = getenv("SECCOMPOSE_NO_FAST_PATH") == nil
        if fastPaths {
            if let shape = RunFastPath.shape(arguments), let status = RunFastPath.run(shape) {
                Glibc.exit(status.rawValue)
            }
            if let shape = CheckFastPath.shape(arguments), let status = CheckFastPath.run(shape) {
                Glibc.exit(status.rawValue)
            }
        }
        // Valid command lines, read by their subcommand's own parser (`subcommandParsed`) unless
        // SECCOMPOSE_NO_FAST_PATH is set, else by the root's; run, and errors reported, alike.
        let (parsed, moreUnits) = CheckCommand.setAsideUnits(arguments)
        do {
            var command: any ParsableCommand
            if fastPaths, let own = subcommandParsed(parsed) {
                command = own
            } else {
                command = try parseAsRoot(parsed)
            }
            if var check = command as? CheckCommand, !moreUnits.isEmpty {
                check.units += moreUnits
                command = check
            }
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

extension Seccompose {
    /// The subcommands read with their own type as the parser's root (`subcommandParsed`): all
    /// but `learn` and `bench`, which run commands for long or time themselves.
    static let separatelyParsed: [any ParsableCommand.Type] = [
        SyscallFilterCommand.self, ExpandCommand.self, ResolveCommand.self, CompileCommand.self, SimulateCommand.self,
        ExplainCommand.self, RunCommand.self, CheckCommand.self, DiffCommand.self, DumpCommand.self,
    ]

    /// `arguments` read by the named subcommand's own parser, when the first argument names one of
    /// `separatelyParsed`, no argument asks for help, a version or a completion script, and that
    /// parser reads the rest without an error; nil otherwise (the root's parser then reads the
    /// whole command line, help and errors included, as before). The root has no options of its
    /// own, so a command line the subcommand's parser reads is the command the root's parser
    /// makes of it; the root's parser also finds every other subcommand's options first (for
    /// `compile`, about 1 ms of each run: 3.7 M instructions and the conformance look-ups
    /// behind them).
    static func subcommandParsed(_ arguments: [String]) -> (any ParsableCommand)? {
        guard let name = arguments.first,
            let type = separatelyParsed.first(where: { $0.configuration.commandName == name }),
            !arguments.contains(where: { $0 == "help" || $0 == "-h" || $0 == "--help" || $0 == "--version"
                || $0.hasPrefix("--generate-completion") || $0.hasPrefix("--experimental") })
        else { return nil }
        return try? type.parseAsRoot(Array(arguments.dropFirst()))
    }
}

/// Output formats shared by the subcommands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// When to colour output (`--color`).
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// Whether output on `fd` is coloured: `always` and `never` decide; `auto` colours a terminal
    /// unless `NO_COLOR` is set to a non-empty value (no-color.org) or `TERM` is `dumb`.
    /// The two variables are read with getenv: `ProcessInfo`'s environment dictionary made the
    /// runtime scan the binary's conformance records at every `check` (docs/launch-performance.md).
    func enabled(fd: Int32) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
            if let t = getenv("TERM"), String(cString: t) == "dumb" { return false }
            return isatty(fd) == 1
        }
    }
}

/// Options every subcommand that reads groups takes.
struct SystemdOptions: ParsableArguments {
    @Option(name: .customLong("systemd"),
        help: ArgumentHelp("The systemd version to emulate: 252 (Debian 12) or 262 (262.1); default: the host's systemd "
            + "when it is one of these, otherwise 262. Outputs say which was used.", valueName: "version"))
    var version: String?

    @Option(name: .customLong("sets"), help: ArgumentHelp("A directory of extra .set files (repeatable).", valueName: "dir"))
    var setDirectories: [String] = []

    @Option(name: .customLong("argument-widths"),
        help: ArgumentHelp("How argument rules are judged: kernel (the bits the kernel reads; socketcall/ipc closed), strict (kernel, and 32-bit arguments with unclean upper halves denied) or systemd (systemd 252's comparisons, decision for decision).",
            valueName: "mode"))
    var argumentWidths: ArgumentWidthMode = .kernel

    func validate() throws {
        _ = try systemdVersion()
    }

    func systemdVersion() throws -> SystemdVersion {
        guard let version else { return SystemdOptions.defaultVersion }
        guard let v = SystemdVersion(string: version) else {
            throw ValidationError("unknown systemd version '\(version)'; use one of: "
                + SystemdVersion.allCases.map(\.description).joined(separator: ", "))
        }
        return v
    }

    /// The version used without --systemd: the host's when supported, otherwise the newest.
    /// The host's systemd is found in `SECCOMPOSE_SYSTEMD_LIBDIR` (colon-separated directories)
    /// when that is set, so that tests do not depend on the machine they run on.
    static let defaultVersion: SystemdVersion = {
        let env = getenv("SECCOMPOSE_SYSTEMD_LIBDIR").map { String(cString: $0) }
        let dirs = env.map { $0.split(separator: ":").map(String.init) } ?? SystemdVersion.hostLibraryDirectories
        return SystemdVersion.defaultVersion(hostMajorVersion: SystemdVersion.hostMajorVersion(directories: dirs))
    }()

    /// The catalog of groups, or exit 2 with the set-file error.
    func catalog() throws -> SetCatalog {
        try Self.catalog(version: try systemdVersion(), setDirectories: setDirectories)
    }

    /// The catalog of `version`'s groups and those in `setDirectories`, or exit 2 with the
    /// set-file error (what `--systemd` and `--sets` mean, for every parser).
    static func catalog(version: SystemdVersion, setDirectories: [String]) throws -> SetCatalog {
        do {
            return try SetCatalog.load(version: version, userDirectories: setDirectories)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(.unreadable)
        }
    }
}

/// Writing to stdout and stderr, through write(2): a full disk ends the command with
/// `seccompose: write error: …` (status 1), a closed pipe ends it quietly (status 141, as SIGPIPE
/// would); nothing crashes on an output error.
enum Terminal {
    static func out(_ s: String) {
        out(Array(s.utf8))
    }

    /// Writes bytes to stdout.
    static func out(_ bytes: [UInt8]) {
        if let e = write(bytes, to: 1) {
            if e == EPIPE { Glibc.exit(141) }
            _ = write(Array("seccompose: write error: \(String(cString: strerror(e)))\n".utf8), to: 2)
            Glibc.exit(ExitStatus.findings.rawValue)
        }
    }

    static func error(_ s: String) {
        _ = write(Array((s.hasSuffix("\n") ? s : s + "\n").utf8), to: 2)
    }

    /// Writes all of `bytes` to `fd`; the errno when that failed.
    private static func write(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return nil
    }

    /// Prints an error on stderr the way every stage reports one (`seccompose: ` first when it
    /// has no position of its own).
    static func report(_ error: any ReportableError) {
        Terminal.error((error.report.position == nil ? "seccompose: " : "") + error.description)
    }

    /// Encodes a value as stable, pretty-printed JSON with sorted keys, plus a newline.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        out(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }
}

extension ArgumentWidthMode: ExpressibleByArgument {}

extension ExitCode {
    /// The exit code for one of Seccompose's named statuses.
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
