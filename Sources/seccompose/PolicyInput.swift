// PolicyInput.swift: reading SystemCall*= settings from a unit file and options into a Policy.

import ArgumentParser
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

/// The SystemCall*= inputs of one command, applied in systemd's order: the unit file's lines
/// first, then the options (architectures, error number, log, filter values).
struct SettingsInput {
    var unit: String?
    /// `KEY=VALUE` assignments applied as if written in the unit's [Service] section, after it.
    var unitSettings: [String] = []
    var architectures: [String] = []
    var errorNumber: String?
    var log: [String] = []
    var filters: [String] = []

    /// What came of the input.
    enum Outcome {
        case policy(SystemdPolicyBuilder.Result, SystemCallSettings, [Diagnostic])
        case failed(ExpandReport.Outcome, [Diagnostic], message: String)
    }

    /// Builds the policy; exits with status 2 when the unit file cannot be read.
    func build(context: SystemdContext) throws -> Outcome {
        var settings = SystemCallSettings(context: context)
        var directives = ExecDirectives(context: context)
        var diagnostics: [Diagnostic] = []
        if let unit {
            // The whole unit: its fragment and drop-ins, every seccomp-backed directive.
            let loaded: LoadedUnit
            do { loaded = try UnitLoader.load(unit, asFile: true) } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
            let service = ServiceDescription(loaded, context: context)
            diagnostics += service.diagnostics
            if service.masked || service.diagnostics.contains(where: { $0.severity == .error }) {
                return .failed(.unitNotLoaded, diagnostics, message: "systemd refuses to load \(unit); the service would not start")
            }
            settings = service.syscalls
            directives = service.directives
        }
        for (i, raw) in unitSettings.enumerated() {
            guard let eq = raw.firstIndex(of: "="), eq != raw.startIndex else {
                Terminal.error("<command line>: error: --unit-setting '\(raw)' is not KEY=VALUE\n  fix: write e.g. --unit-setting RestrictNamespaces=yes")
                throw ExitCode(2)
            }
            let key = String(raw[..<eq]).trimmingCharacters(in: .whitespaces)
            let (value, column) = Self.stripped(String(raw[raw.index(after: eq)...]))
            let a = UnitAssignment(section: "Service", key: key, value: value,
                source: ValueSource(file: nil, line: i + 1, valueColumn: key.count + 1 + column))
            if ExecDirectives.keys.contains(key) {
                diagnostics += directives.apply(a)
            } else if key.hasPrefix("SystemCall") {
                diagnostics += settings.apply(a)
            } else {
                Terminal.error("<command line>: error: --unit-setting \(key)= is not a seccomp-backed setting\n  fix: use SystemCall*=, RestrictAddressFamilies=, RestrictNamespaces=, MemoryDenyWriteExecute=, LockPersonality=, RestrictRealtime=, RestrictSUIDSGID=, Protect*= or PrivateDevices=")
                throw ExitCode(2)
            }
        }
        for (i, raw) in architectures.enumerated() {
            let (value, column) = Self.stripped(raw)
            diagnostics += settings.applyArchitectures(value, source: ValueSource(file: nil, line: i + 1, valueColumn: column))
        }
        if let errorNumber {
            let (value, column) = Self.stripped(errorNumber)
            diagnostics += settings.applyErrorNumber(value, source: ValueSource(file: nil, line: 1, valueColumn: column))
        }
        for (i, raw) in log.enumerated() {
            let (value, column) = Self.stripped(raw)
            diagnostics += settings.applyLog(value, source: ValueSource(file: nil, line: i + 1, valueColumn: column))
        }
        for (i, raw) in filters.enumerated() {
            let (value, column) = Self.stripped(raw)
            diagnostics += settings.applyFilter(value, source: ValueSource(file: nil, line: i + 1, valueColumn: column))
        }
        do {
            let result = try SystemdPolicyBuilder.build(settings, directives: directives)
            return .policy(result, settings, diagnostics + result.diagnostics)
        } catch {
            return .failed(.filterNotApplied, diagnostics + error.diagnostics,
                message: "no policy: systemd \(context.version) would fail to apply this filter (228/SECCOMP)")
        }
    }

    /// systemd's conf parser strips whitespace around a value; so do we, keeping the column.
    static func stripped(_ raw: String) -> (String, Int) {
        let isWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let lead = raw.prefix(while: isWS).count
        var v = Substring(raw).dropFirst(lead)
        while let last = v.last, isWS(last) { v = v.dropLast() }
        return (String(v), lead + 1)
    }
}

/// Prints diagnostics to stderr, at most 1000 of them.
func reportDiagnostics(_ diagnostics: [Diagnostic]) {
    let limit = 1000
    var s = diagnostics.prefix(limit).map(\.description).joined(separator: "\n")
    if diagnostics.count > limit { s += "\n… and \(diagnostics.count - limit) more diagnostics" }
    if !s.isEmpty { Terminal.error(s) }
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

    @Option(help: ArgumentHelp("Read this unit file first (with its drop-ins and every seccomp-backed directive).",
        valueName: "file"))
    var unit: String?

    @Option(name: .customLong("unit-setting"),
        help: ArgumentHelp("A unit setting such as RestrictNamespaces=yes, as if in [Service] (repeatable).", valueName: "key=value"))
    var unitSettings: [String] = []

    /// The systemd being emulated.
    func context() throws -> SystemdContext {
        guard let abi = Architecture(name: native) else { throw ValidationError("unknown ABI '\(native)' for --native") }
        return SystemdContext(version: try systemd.systemdVersion(), native: abi, catalog: try systemd.catalog(),
            argumentWidths: systemd.argumentWidths)
    }

    /// The input with these options and the given SystemCallFilter= values.
    func input(filters: [String]) -> SettingsInput {
        SettingsInput(unit: unit, unitSettings: unitSettings, architectures: architectures, errorNumber: errorNumber, log: log,
            filters: filters)
    }
}

/// The options of the commands that compile a policy: where the settings come from.
struct PolicyOptions: ParsableArguments {
    @OptionGroup var settings: SettingsOptions

    @Option(help: ArgumentHelp("A SystemCallFilter= value (repeatable, applied in order).", valueName: "value"))
    var filter: [String] = []

    @Option(help: ArgumentHelp("A Docker/OCI seccomp profile (JSON) instead of SystemCall*= settings.", valueName: "file"))
    var profile: String?

    @Option(help: ArgumentHelp("With --profile: the container's capabilities, comma-separated (default: Docker's).",
        valueName: "caps"))
    var caps: String?

    @Option(help: ArgumentHelp("With --profile: the host kernel version for minKernel, as X.Y.", valueName: "version"))
    var kernel: String = "6.1"

    /// The compiled policy, or exit 1 with the diagnostics (nothing half-built is returned).
    /// Warnings are printed but do not stop compilation.
    func policy() throws -> Policy {
        if let profile {
            guard settings.unit == nil, filter.isEmpty, settings.architectures.isEmpty, settings.log.isEmpty,
                settings.errorNumber == nil
            else {
                throw ValidationError("--profile cannot be combined with --unit, --filter, --architectures, --log or --error-number")
            }
            guard let abi = Architecture(name: settings.native) else { throw ValidationError("unknown ABI for --native") }
            return try profilePolicy(profile, native: abi)
        }
        if settings.unit == nil && filter.isEmpty && settings.architectures.isEmpty && settings.log.isEmpty
            && settings.unitSettings.isEmpty
        {
            throw ValidationError("nothing to compile: give --filter VALUE…, --unit FILE, --profile FILE, --architectures or --log")
        }
        let context = try settings.context()
        switch try settings.input(filters: filter).build(context: context) {
        case .failed(_, let diagnostics, let message):
            reportDiagnostics(diagnostics)
            Terminal.error("seccompose: " + message)
            throw ExitCode(1)
        case .policy(let result, _, let diagnostics):
            reportDiagnostics(diagnostics)
            return result.policy
        }
    }

    /// The policy as the compiled program judges it (argument widths, multiplexers), and the program.
    func compiled() throws -> (policy: Policy, program: Program) {
        let policy = try policy()
        do { return try Compiler.compiled(policy, options: settings.systemd.compileOptions) } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
    }

    func profilePolicy(_ path: String, native: Architecture) throws -> Policy {
        let parts = kernel.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--kernel takes MAJOR.MINOR, e.g. 6.1") }
        var target = OCITarget(architecture: native, kernel: (parts[0], parts[1]))
        if let caps {
            target.capabilities = Set(caps.split(separator: ",").map {
                let c = $0.uppercased()
                return c.hasPrefix("CAP_") ? c : "CAP_" + c
            })
        }
        let bytes: [UInt8]
        do { bytes = Array(try TextFile.read(path).utf8) } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        do {
            let imported = try OCIProfileImporter.load(json: bytes, file: path, target: target,
                argumentWidths: settings.systemd.argumentWidths)
            for w in imported.warnings { Terminal.error(w.description) }
            return imported.policy
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
    }
}
