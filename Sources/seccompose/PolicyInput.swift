// PolicyInput.swift: the options that say where a policy comes from, turned into the library's
// one FilterRequest; failures printed and mapped to exit statuses.

import ArgumentParser
import FoundationEssentials
import Glibc
import SeccomposeCompiler
import SeccomposeInput
import SeccomposeRuntime
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

/// Prints diagnostics to stderr, at most 1000 of them.
func reportDiagnostics(_ diagnostics: [Diagnostic]) {
    // Nothing to join for a clean run (joining even nothing costs a conformance look-up).
    guard !diagnostics.isEmpty else { return }
    let limit = 1000
    var s = Array(diagnostics.prefix(limit).map(\.description)).joinedPlainly(separator: "\n")
    if diagnostics.count > limit { s += "\n… and \(diagnostics.count - limit) more diagnostics" }
    if !s.isEmpty { Terminal.error(s) }
}

/// Writes a command's output to the file `-o/--output` names, or to stdout. A regular file (or
/// a new one) is replaced atomically; anything else that exists (a device such as /dev/null, a
/// FIFO, a terminal) is opened and written in place, never replaced.
func writeOutput(_ bytes: [UInt8], to output: String?) throws {
    guard let output else { return Terminal.out(bytes) }
    var st = stat()
    let special = stat(output, &st) == 0 && st.st_mode & S_IFMT != S_IFREG
    let written: Bool
    if special {
        let fd = open(output, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        written = fd >= 0 && bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        if fd >= 0 { close(fd) }
    } else {
        written = FileManager.default.createFile(atPath: output, contents: Data(bytes))
    }
    guard written else {
        Terminal.error("\(output): error: cannot write the output file\n  fix: check the directory and its permissions")
        throw ExitCode(.unreadable)
    }
}

/// Whether `diagnostics` make the exit status 1 (the exit-status table, `seccompose --help`):
/// warnings and errors do; notes only when `strict`.
func hasFindings(_ diagnostics: [Diagnostic], strict: Bool = false) -> Bool {
    diagnostics.contains { $0.severity != .note || strict }
}

/// The SystemCall*= settings given as options, shared by every command that builds a policy.
struct SettingsOptions: ParsableArguments {
    @OptionGroup var systemd: SystemdOptions

    @Option(help: ArgumentHelp("The ABI systemd runs on (what 'native' means).", valueName: "abi"))
    var native: String = Architecture.native.name

    @Option(name: .customLong("error-number"), help: ArgumentHelp("SystemCallErrorNumber= value.", valueName: "errno"))
    var errorNumber: String?

    @Option(help: ArgumentHelp("SystemCallArchitectures= value (repeatable).", valueName: "archs"))
    var architectures: [String] = []

    @Option(help: ArgumentHelp("SystemCallLog= value (repeatable).", valueName: "value"))
    var log: [String] = []

    @Option(help: ArgumentHelp("Read this unit first (with its drop-ins and every seccomp-backed directive): a unit name "
        + "searched in systemd's unit paths under --root, or a unit file's path; the same as giving it as UNIT.",
        valueName: "unit"))
    var unit: String?

    @Option(help: ArgumentHelp("With a unit: the root directory for the unit search paths.", valueName: "dir"))
    var root: String?

    @Option(name: .customLong("unit-setting"),
        help: ArgumentHelp("A unit setting such as RestrictNamespaces=yes, as if in [Service] (repeatable).", valueName: "key=value"))
    var unitSettings: [String] = []

    /// The systemd being emulated.
    func context() throws -> SystemdContext {
        guard let abi = Architecture(name: native) else { throw ValidationError("unknown ABI '\(native)' for --native") }
        return try Self.context(version: try systemd.systemdVersion(), native: abi, setDirectories: systemd.setDirectories,
            argumentWidths: systemd.argumentWidths)
    }

    /// The systemd being emulated, from the options' values (shared with `RunFastPath`).
    static func context(version: SystemdVersion, native: Architecture, setDirectories: [String],
        argumentWidths: ArgumentWidthMode) throws -> SystemdContext
    {
        SystemdContext(version: version, native: native,
            catalog: try SystemdOptions.catalog(version: version, setDirectories: setDirectories), argumentWidths: argumentWidths)
    }

    /// The request these options describe, with the given SystemCallFilter= values and the
    /// unit given positionally (`positionalUnit`), if any.
    func request(filters: [String], positionalUnit: String? = nil) throws -> FilterRequest {
        var r = FilterRequest(context: try context())
        if positionalUnit != nil, unit != nil { throw ValidationError("give the unit either as UNIT or with --unit, not both") }
        let given = positionalUnit ?? unit
        if given == nil, root != nil { throw ValidationError("--root applies to a unit only: give UNIT or --unit UNIT") }
        r.unit = given.map { UnitArgument.reference($0, root: root) }
        r.unitSettings = unitSettings
        r.architectures = architectures
        r.errorNumber = errorNumber
        r.log = log
        r.filters = filters
        return r
    }
}

/// A unit as every command takes it, positionally or with `--unit`: a path (it has a `/`, or
/// names a file in the current directory) or a unit name searched in systemd's unit paths.
enum UnitArgument {
    /// Whether a positional argument is a unit rather than a syscall, group or
    /// `SystemCallFilter=` value: those never contain a `/` or a `.`, so a unit is recognised
    /// by a `/` or a unit suffix.
    static func looksLikeUnit(_ argument: String) -> Bool {
        argument.contains("/") || argument.hasSuffix(".service")
    }

    /// The request's reference for `argument`, searched under `root` (default `/`).
    static func reference(_ argument: String, root: String?) -> FilterRequest.UnitReference {
        isPath(argument, root: root) ? .file(argument) : .named(argument, root: root ?? "/")
    }

    /// Whether `argument` is read as a file path: it has a `/`, or (without `--root`) names a
    /// regular file in the current directory.
    static func isPath(_ argument: String, root: String?) -> Bool {
        argument.contains("/") || (root == nil && TextFile.exists(argument))
    }
}

/// Prints a failed request's diagnostics and error, and exits with its status: 2 when a file
/// cannot be read, 64 for a malformed request, 1 otherwise.
func failureExit(_ error: FilterInputError) -> ExitCode {
    reportDiagnostics(error.diagnostics)
    // A profile's error is its one diagnostic already: not printed twice.
    if !error.diagnostics.contains(where: { $0.severity == .error && $0.message == error.message }) { Terminal.report(error) }
    switch error.reason {
    case .unreadable: return ExitCode(.unreadable)
    case .invalidRequest: return ExitCode(.usage)
    default: return ExitCode(.findings)
    }
}

/// The options of the commands that compile a policy: where the settings come from.
struct PolicyOptions: ParsableArguments {
    @OptionGroup var settings: SettingsOptions

    @Option(help: ArgumentHelp("A SystemCallFilter= value (repeatable, applied in order).", valueName: "value"))
    var filter: [String] = []

    @Option(help: ArgumentHelp("A Docker/OCI seccomp profile (JSON) or an LXC seccomp policy (version 1 or 2) instead of SystemCall*= settings.", valueName: "file"))
    var profile: String?

    @Option(help: ArgumentHelp("With --profile: the container's capabilities, comma-separated (default: Docker's).",
        valueName: "caps"))
    var caps: String?

    @Option(help: ArgumentHelp("With an OCI --profile: the host kernel version for minKernel, as X.Y (default: 6.1).", valueName: "version"))
    var kernel: String?

    /// The request these options describe (with the unit given positionally, if any).
    func request(positionalUnit: String? = nil) throws -> FilterRequest {
        var r = try settings.request(filters: filter, positionalUnit: positionalUnit)
        if let profile {
            guard let abi = Architecture(name: settings.native) else { throw ValidationError("unknown ABI for --native") }
            let parts = (kernel ?? "6.1").split(separator: ".").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--kernel takes MAJOR.MINOR, e.g. 6.1") }
            var target = OCITarget(architecture: abi, kernel: (parts[0], parts[1]))
            if let caps {
                target.capabilities = Set(caps.split(separator: ",").map {
                    let c = $0.uppercased()
                    return c.hasPrefix("CAP_") ? c : "CAP_" + c
                })
            }
            // An option that would be ignored is an error: LXC policies have no capabilities or minKernel.
            if caps != nil || kernel != nil, let text = try? String(contentsOfFile: profile, encoding: .utf8),
                LXCPolicyImporter.isLXCPolicy(text)
            {
                throw ValidationError("\(caps != nil ? "--caps" : "--kernel") applies to OCI profiles only; \(profile) is an LXC policy")
            }
            r.profile = FilterRequest.Profile(path: profile, target: target)
        } else if caps != nil || kernel != nil {
            throw ValidationError("\(caps != nil ? "--caps" : "--kernel") applies to --profile only")
        }
        return r
    }

    /// The policy as the compiled program judges it (argument widths, multiplexers), and the
    /// program, and whether the input gave warnings (the command then exits 1 after its output);
    /// diagnostics and profile warnings are printed, failures exit (1, 2 or 64).
    func compiled(positionalUnit: String? = nil) throws -> (policy: Policy, program: Program, findings: Bool) {
        let (policy, program, findings, _) = try compiledWithVersion(positionalUnit: positionalUnit)
        return (policy, program, findings)
    }

    /// `compiled(positionalUnit:)`, and the systemd version the settings were read as (nil for a profile).
    func compiledWithVersion(positionalUnit: String? = nil) throws
        -> (policy: Policy, program: Program, findings: Bool, systemd: SystemdVersion?)
    {
        let r = try request(positionalUnit: positionalUnit)
        guard !r.isEmpty else {
            throw ValidationError("nothing to compile: give UNIT, --filter VALUE…, --unit UNIT, --profile FILE, --architectures or --log")
        }
        do {
            let c = try r.compile()
            reportDiagnostics(c.built.diagnostics)
            return (c.policy, c.program, hasFindings(c.built.diagnostics),
                r.profile == nil ? r.context.version : nil)
        } catch {
            throw failureExit(error)
        }
    }
}
