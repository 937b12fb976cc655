// Seccompose.swift: the command-line front end. Each subcommand is a thin layer over the library.

import ArgumentParser
import SeccomposeCompiler
import SeccomposeDiagnostics
import SeccomposeRuntime
import SeccomposePolicy
import Foundation
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
        discussion: """
            Exit status: 0 success; 1 the input produced warnings or errors (printed on stderr), or a \
            query found nothing; 2 an input file or set directory could not be read; 64 bad usage; \
            228 `run` did not start the command because no filter could be compiled or installed, \
            or the input would have been ignored (--lenient runs anyway); `run` otherwise exits \
            with the command's status (200, 216, 217, 227: systemd's, when a set-up step failed).
            """,
        version: SeccomposeVersion.current,
        subcommands: [
            SyscallFilterCommand.self, ExpandCommand.self, ResolveCommand.self, CompileCommand.self, SimulateCommand.self,
            ExplainCommand.self, RunCommand.self, CheckCommand.self, BenchCommand.self, DiffCommand.self, DumpCommand.self,
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
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Output formats shared by the subcommands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every subcommand that reads groups takes.
struct SystemdOptions: ParsableArguments {
    @Option(name: .customLong("systemd"), help: "The systemd version to emulate: 252 (Debian 12) or 262 (262.1).")
    var version: String = SystemdVersion.newest.description

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
        guard let v = SystemdVersion(string: version) else {
            throw ValidationError("unknown systemd version '\(version)'; use one of: "
                + SystemdVersion.allCases.map(\.description).joined(separator: ", "))
        }
        return v
    }

    /// The catalog of groups, or exit 2 with the set-file error.
    func catalog() throws -> SetCatalog {
        let v = try systemdVersion()
        do {
            return try SetCatalog.load(version: v, userDirectories: setDirectories)
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
