// UnitLaunch.swift: running a service unit's start sequence under its filter, as systemd would
// start it: ExecStartPre=, ExecStart=, ExecStartPost= with the unit's environment, credentials,
// working directory and umask, each command under the unit's one merged filter (except `+`
// commands, which systemd runs unfiltered).

import SeccomposeCompiler
import SeccomposeInput
import SeccomposeRuntime
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// A service unit to run.
///
/// ```swift
/// let outcome = try UnitLaunch(unitAt: "hello.service").run()
/// for v in outcome.violations { print(v) }
/// exit(outcome.exitStatus.rawValue)
/// ```
public struct UnitLaunch: Sendable {
    /// The unit and any extra inputs layered on it (`filters`, `unitSettings` … apply after the
    /// unit's own lines, as a drop-in would).
    public var request: FilterRequest
    /// Appended to the last ExecStart= command.
    public var extraArguments: [String] = []
    /// How strictly the input is judged.
    public var strictness = LaunchStrictness()
    /// Never set no_new_privs, even where systemd would (needs CAP_SYS_ADMIN).
    public var neverSetNoNewPrivileges = false
    /// The environment the commands inherit before the unit's own (systemd's manager passes a
    /// minimal one; the default is this process's).
    public var inheritedEnvironment: [String: String] = UnitLaunch.processEnvironment()

    /// A unit looked up by name (or path) under `root`, emulating `systemd`.
    ///
    /// - Throws: `SetFileError` when the version's built-in groups cannot be loaded.
    public init(unitAt unit: String, systemd: SystemdVersion = .newest, root: String = "/") throws {
        request = FilterRequest(context: try SystemdContext(version: systemd))
        request.unit = .named(unit, root: root)
    }

    /// A unit given by `request.unit`, with the request's other inputs layered on it.
    public init(request: FilterRequest) {
        self.request = request
    }

    /// Reads, checks and compiles the unit, without running anything.
    ///
    /// - Throws: `LaunchFailure` (exit status 228, nothing runs) when the unit cannot be read
    ///   or loaded, its filter cannot be built, compiled or would be weaker than written, or it
    ///   has no ExecStart=.
    public func prepare() throws(LaunchFailure) -> PreparedLaunch {
        var request = request
        request.kernelHasMDWE = KernelFeatures.hasMemoryDenyWriteExecute
        let compiled = try PreparedLaunch.compile(request, strictness)
        guard let service = compiled.built.settings?.service else {
            throw LaunchFailure(exitStatus: .usage, message: "no unit to run", fix: "give a unit name or file")
        }
        let plan = ExecPlan(service, extraArguments: extraArguments, inherited: inheritedEnvironment)
        let unapplied = service.unappliedDirectives
        var prepared = PreparedLaunch(filter: compiled, unit: service.name.name,
            diagnostics: compiled.built.diagnostics + plan.diagnostics, notices: unapplied, steps: [])
        if !plan.diagnostics.isEmpty {
            throw LaunchFailure(exitStatus: .seccomp, message: "not running \(service.name.name): it cannot start",
                diagnostics: plan.diagnostics)
        }
        if strictness.refuseUnappliedDirectives, !unapplied.isEmpty {
            throw LaunchFailure(exitStatus: .seccomp,
                message: "not running \(service.name.name): it asks for sandboxing Seccompose does not apply",
                fix: "remove the directives, run the unit with systemd, or drop --strict",
                diagnostics: unapplied.map(\.diagnostic))
        }
        // no_new_privs as systemd implies it: NoNewPrivileges=yes, or a seccomp option while
        // CAP_SYS_ADMIN is not effective. The user is switched before the filter is installed,
        // so a non-root User= always needs it (as systemd 252 does).
        let switchesUser = service.user.map { $0 != "root" && $0 != "0" } ?? false
        let isRoot = getuid() == 0
        let impliedNNP = service.directives.setsNoNewPrivileges(settings: service.syscalls,
            keepsCapSysAdmin: isRoot && !switchesUser)
        let environment = plan.variables.map { "\($0.key)=\($0.value)" }.sorted()
        prepared.steps = plan.steps.map { step in
            let c = step.command
            let credentialsSwitch = switchesUser && !c.fullPrivileges && !c.noCredentialChange
            let nnp = !c.fullPrivileges && (impliedNNP || credentialsSwitch || !isRoot) && !neverSetNoNewPrivileges
            var command = LaunchCommand(step.argv, environment: environment, noNewPrivileges: nnp, filtered: !c.fullPrivileges)
            command.argv0 = step.argv0
            command.workingDirectory = service.workingDirectory.map { $0.hasPrefix("-") ? String($0.dropFirst()) : $0 }
            command.umask = service.umask
            if !c.fullPrivileges && !c.noCredentialChange {
                command.user = service.user
                command.group = service.group
            }
            return PreparedLaunch.Step(command: command, isMain: step.isMain, ignoreFailure: c.ignoreFailure)
        }
        return prepared
    }

    /// Prepares and runs the unit.
    ///
    /// - Throws: `LaunchFailure` when nothing could be run safely (see `prepare()`).
    public func run(journal: any JournalSink = SystemJournal()) throws(LaunchFailure) -> LaunchReport {
        try prepare().run(journal: journal)
    }

    /// This process's environment, by name (split at the first `=` byte).
    public static func processEnvironment() -> [String: String] {
        let entries = environmentEntries(rawProcessEnvironment())
        // Made at its size: growing it from empty made the runtime scan its conformance records.
        var out = [String: String](minimumCapacity: entries.count)
        for entry in entries {
            guard let eq = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
            out[String(entry[..<eq])] = String(entry[entry.utf8.index(after: eq)...])
        }
        return out
    }

    /// This process's environment as `NAME=value` entries, sorted, one per name: what a command
    /// started by `run` inherits. The same entries as `processEnvironment()` written back as
    /// `NAME=value`, without making a dictionary on a launch's path.
    public static func processEnvironmentEntries() -> [String] {
        environmentEntries(rawProcessEnvironment())
    }

    /// `environ` as strings, in order.
    static func rawProcessEnvironment() -> [String] {
        var raw: [String] = []
        var p = environ
        while let entry = p.pointee {
            raw.append(String(cString: entry))
            p += 1
        }
        return raw
    }

    /// The entries of `raw` that have a `=`, one per name (the part before the first `=` byte,
    /// compared as bytes, as execve and getenv do): the last one given wins. Sorted.
    static func environmentEntries(_ raw: [String]) -> [String] {
        let equals = UInt8(ascii: "=")
        // Each entry's name as bytes, read once (comparing `Substring.UTF8View`s in the sort,
        // through the generic `lexicographicallyPrecedes`, cost about 3,000 instructions a
        // comparison: 0.7 M for a shell's forty variables, at every launch), compared with memcmp.
        var given: [String] = [], names: [[UInt8]] = []
        given.reserveCapacity(raw.count)
        names.reserveCapacity(raw.count)
        for entry in raw {
            var name: [UInt8] = []
            var hasEquals = false
            for byte in entry.utf8 {
                if byte == equals {
                    hasEquals = true
                    break
                }
                name.append(byte)
            }
            guard hasEquals else { continue }
            given.append(entry)
            names.append(name)
        }
        // Equal names next to each other, in the order given; the last of each run is kept.
        let order = given.indices.sorted { a, b in
            let c = Bytewise.compare(names[a], names[b])
            return c == 0 ? a < b : c < 0
        }
        var kept: [String] = []
        kept.reserveCapacity(order.count)
        for (k, i) in order.enumerated() where k + 1 == order.count || names[order[k + 1]] != names[i] {
            kept.append(given[i])
        }
        return kept.sorted()
    }
}

/// A command line to run under a filter built from a request (`seccompose run --filter … -- CMD`).
public struct CommandLaunch: Sendable {
    /// The filter's inputs.
    public var request: FilterRequest
    /// The command and its arguments.
    public var argv: [String]
    /// How strictly the input is judged.
    public var strictness = LaunchStrictness()
    /// Never set no_new_privs (needs CAP_SYS_ADMIN).
    public var neverSetNoNewPrivileges = false

    /// `argv` under the filter `request` describes.
    public init(request: FilterRequest, argv: [String]) {
        self.request = request
        self.argv = argv
    }

    /// Checks and compiles the filter, without running anything.
    ///
    /// - Throws: `LaunchFailure` (228, nothing runs) when the filter cannot be built or would
    ///   be weaker than written.
    public func prepare() throws(LaunchFailure) -> PreparedLaunch {
        var request = request
        request.kernelHasMDWE = KernelFeatures.hasMemoryDenyWriteExecute
        guard !request.isEmpty else {
            throw LaunchFailure(exitStatus: .usage, message: "no filter given",
                fix: "give --filter VALUE…, --unit-setting KEY=VALUE, --profile FILE, --architectures or --log")
        }
        let compiled = try PreparedLaunch.compile(request, strictness)
        let command = LaunchCommand(argv, environment: UnitLaunch.processEnvironmentEntries(),
            noNewPrivileges: !neverSetNoNewPrivileges)
        return PreparedLaunch(filter: compiled, unit: nil, diagnostics: compiled.built.diagnostics, notices: [],
            steps: [PreparedLaunch.Step(command: command, isMain: false, ignoreFailure: false)])
    }

    /// Prepares and runs the command.
    ///
    /// - Throws: `LaunchFailure` when nothing could be run safely.
    public func run(journal: any JournalSink = SystemJournal()) throws(LaunchFailure) -> LaunchReport {
        try prepare().run(journal: journal)
    }
}
