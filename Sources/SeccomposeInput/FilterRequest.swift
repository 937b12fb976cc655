// FilterRequest.swift: the one way from any input (a unit with its drop-ins, SystemCall*=
// values, `KEY=VALUE` unit settings, a Docker/OCI profile) to a policy and its program.

import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd

/// What to build a filter from. Every command and every library user goes through this type,
/// so the inputs combine the same way everywhere: a unit's own lines first (fragment, then
/// drop-ins), then `unitSettings` as if written in a later drop-in's `[Service]` section, then
/// `architectures`, `errorNumber`, `log` and `filters` as further `SystemCall*=` lines. A profile
/// stands alone and cannot be combined with the systemd inputs.
public struct FilterRequest: Sendable {
    /// Where a unit comes from.
    public enum UnitReference: Sendable, Hashable {
        /// A unit file path; its drop-ins are read from beside it.
        case file(String)
        /// A unit name (or path) looked up in systemd's search paths under `root`.
        case named(String, root: String)
    }

    /// A Docker/OCI seccomp profile (JSON) or an LXC seccomp policy (a file whose first line is
    /// the version `1` or `2`), and the container it is evaluated for (for LXC, the host ABI only).
    public struct Profile: Sendable {
        /// The JSON file or LXC policy.
        public var path: String
        /// The ABI, capabilities and kernel the profile's conditions are evaluated against.
        public var target: OCITarget

        /// A profile at `path` evaluated for `target`.
        public init(path: String, target: OCITarget = OCITarget()) {
            self.path = path
            self.target = target
        }
    }

    /// The systemd being emulated, including the argument-width mode (given once, here: the
    /// compiler judges arguments in the same mode the directives were built for).
    public var context: SystemdContext
    /// The unit to read first.
    public var unit: UnitReference?
    /// `KEY=VALUE` seccomp-backed settings, applied after the unit (as a drop-in would).
    public var unitSettings: [String] = []
    /// `SystemCallArchitectures=` values.
    public var architectures: [String] = []
    /// A `SystemCallErrorNumber=` value.
    public var errorNumber: String?
    /// `SystemCallLog=` values.
    public var log: [String] = []
    /// `SystemCallFilter=` values, one line each.
    public var filters: [String] = []
    /// A Docker/OCI profile instead of the systemd inputs.
    public var profile: Profile?
    /// Whether the kernel that will run the program has `PR_SET_MDWE`: systemd 262 then
    /// enforces MemoryDenyWriteExecute= through it instead of a seccomp filter. A launcher must
    /// set this from the running kernel and then set `PR_SET_MDWE` itself.
    public var kernelHasMDWE = true

    /// A request with no input yet.
    public init(context: SystemdContext) {
        self.context = context
    }

    /// Whether any input is given.
    public var isEmpty: Bool {
        unit == nil && profile == nil && unitSettings.isEmpty && architectures.isEmpty && errorNumber == nil
            && log.isEmpty && filters.isEmpty
    }

    /// The systemd inputs, read: the unit (when one is given) and every setting applied.
    public struct Settings: Sendable {
        /// The unit, when one was read.
        public var service: ServiceDescription?
        /// The SystemCall*= settings after every input.
        public var syscalls: SystemCallSettings
        /// The other seccomp-backed directives after every input.
        public var directives: ExecDirectives
        /// Everything the inputs gave rise to, in input order.
        public var diagnostics: [Diagnostic]
    }

    /// A policy built from the request.
    public struct Built: Sendable {
        /// The policy as written (before the compiler's argument-width and multiplexer passes).
        public var policy: Policy
        /// The settings it came from (nil for a profile).
        public var settings: Settings?
        /// systemd's layers and negative action (nil for a profile).
        public var systemd: SystemdPolicyBuilder.Result?
        /// Every diagnostic of the input: the systemd inputs' and the policy builder's, or the
        /// profile's findings (at their JSON values).
        public var diagnostics: [Diagnostic]

        /// A built policy and what it came from.
        public init(policy: Policy, settings: Settings?, systemd: SystemdPolicyBuilder.Result?, diagnostics: [Diagnostic]) {
            self.policy = policy
            self.settings = settings
            self.systemd = systemd
            self.diagnostics = diagnostics
        }
    }

    /// A compiled filter.
    public struct Compiled: Sendable {
        /// The policy the program implements (argument widths and multiplexers applied): what
        /// `explain`, reports and exports describe.
        public var policy: Policy
        /// The program.
        public var program: Program
        /// What it was built from.
        public var built: Built

        /// `program`, compiled from `policy` (the compiler's effective policy of `built.policy`).
        public init(policy: Policy, program: Program, built: Built) {
            self.policy = policy
            self.program = program
            self.built = built
        }
        /// Whether MemoryDenyWriteExecute= is left to `PR_SET_MDWE` (systemd 262 on a kernel that
        /// has it): the launcher must set it, or the command runs with less than was asked.
        public var needsMemoryDenyWriteExecutePrctl: Bool {
            guard let s = built.settings else { return false }
            return s.directives.memoryDenyWriteExecute && !s.directives.memoryDenyWriteExecuteFilters
        }
    }

    /// Reads the unit and applies every systemd input.
    ///
    /// - Throws: `FilterInputError` when the unit cannot be read or loaded, a `--unit-setting`
    ///   is not `KEY=VALUE`, or a profile is combined with systemd inputs.
    public func settings() throws(FilterInputError) -> Settings {
        if profile != nil { throw FilterInputError.profileCombined }
        var syscalls = SystemCallSettings(context: context)
        var directives = ExecDirectives(context: context)
        var service: ServiceDescription?
        var diagnostics: [Diagnostic] = []
        if let unit {
            let loaded: LoadedUnit
            let given: String
            do {
                switch unit {
                case .file(let path):
                    given = path
                    loaded = try UnitLoader.load(path, asFile: true)
                case .named(let name, let root):
                    given = name
                    loaded = try UnitLoader.load(name, root: root)
                }
            } catch {
                throw FilterInputError(reason: .unreadable, message: error.message, fix: error.fix, file: error.unit)
            }
            let s = ServiceDescription(loaded, context: context)
            diagnostics += s.diagnostics
            if s.masked || s.diagnostics.contains(where: { $0.severity == .error }) {
                throw FilterInputError(reason: .unitNotLoaded,
                    message: "systemd refuses to load \(given); the service would not start",
                    fix: "fix the errors above", diagnostics: diagnostics)
            }
            syscalls = s.syscalls
            directives = s.directives
            service = s
        }
        directives.kernelHasMDWE = kernelHasMDWE
        for (i, raw) in unitSettings.enumerated() {
            guard let eq = raw.firstIndex(of: "="), eq != raw.startIndex else {
                throw FilterInputError(reason: .invalidRequest, message: "--unit-setting '\(raw)' is not KEY=VALUE",
                    fix: "write e.g. --unit-setting RestrictNamespaces=yes", file: nil, line: i + 1)
            }
            let key = UnitSettingsReader.strippedValue(String(raw[..<eq])).value
            let (value, column) = UnitSettingsReader.strippedValue(String(raw[raw.index(after: eq)...]))
            let source = ValueSource(file: nil, line: i + 1, valueColumn: key.count + 1 + column)
            let a = UnitAssignment(section: "Service", key: key, value: value, source: source)
            switch UnitKeys.classify(key, version: context.version) {
            case .seccompBacked:
                if ExecDirectives.keys.contains(key) {
                    diagnostics += directives.apply(a)
                } else {
                    diagnostics += syscalls.apply(a)
                }
            case .unknown:
                diagnostics += UnitKeys.unknownKeyDiagnostic(a, version: context.version).map { [$0] } ?? []
            case .known, .unappliedSandboxing, .extensionKey:
                diagnostics.append(Diagnostic(severity: .error, code: "not-seccomp-backed",
                    message: "--unit-setting \(key)= is not a seccomp-backed setting", setting: key, file: nil,
                    line: i + 1, column: 1, text: key,
                    fix: "use SystemCall*=, RestrictAddressFamilies=, RestrictNamespaces=, MemoryDenyWriteExecute=, LockPersonality=, RestrictRealtime=, RestrictSUIDSGID=, Protect*= or PrivateDevices= (others need the unit file)"))
            }
        }
        for (i, raw) in architectures.enumerated() {
            let (value, column) = UnitSettingsReader.strippedValue(raw)
            diagnostics += syscalls.applyArchitectures(value, source: ValueSource(file: nil, line: i + 1, valueColumn: column))
        }
        if let errorNumber {
            let (value, column) = UnitSettingsReader.strippedValue(errorNumber)
            diagnostics += syscalls.applyErrorNumber(value, source: ValueSource(file: nil, line: 1, valueColumn: column))
        }
        for (i, raw) in log.enumerated() {
            let (value, column) = UnitSettingsReader.strippedValue(raw)
            diagnostics += syscalls.applyLog(value, source: ValueSource(file: nil, line: i + 1, valueColumn: column))
        }
        for (i, raw) in filters.enumerated() {
            let (value, column) = UnitSettingsReader.strippedValue(raw)
            diagnostics += syscalls.applyFilter(value, source: ValueSource(file: nil, line: i + 1, valueColumn: column))
        }
        return Settings(service: service, syscalls: syscalls, directives: directives, diagnostics: diagnostics)
    }

    /// Builds the policy.
    ///
    /// - Throws: `FilterInputError` as `settings()` does, when systemd would fail to apply the
    ///   filter (228/SECCOMP), or when the profile cannot be read or used.
    public func policy() throws(FilterInputError) -> Built {
        if let profile {
            guard unit == nil, unitSettings.isEmpty, architectures.isEmpty, errorNumber == nil, log.isEmpty,
                filters.isEmpty
            else { throw FilterInputError.profileCombined }
            let text: String
            do { text = try TextFile.read(profile.path) } catch {
                throw FilterInputError(reason: .unreadable, message: error.message, fix: error.fix, file: profile.path)
            }
            if LXCPolicyImporter.isLXCPolicy(text) {
                do {
                    let imported = try LXCPolicyImporter.load(text: text, file: profile.path, host: profile.target.architecture,
                        argumentWidths: context.argumentWidths)
                    var policy = imported.policy
                    policy.argumentWidths = context.argumentWidths
                    return Built(policy: policy, settings: nil, systemd: nil, diagnostics: imported.warnings)
                } catch {
                    let d = error.diagnostic
                    throw FilterInputError(reason: .invalidProfile, message: d.message, fix: d.fix, file: profile.path,
                        line: d.line, diagnostics: [d])
                }
            }
            do {
                let imported = try OCIProfileImporter.load(json: Array(text.utf8), file: profile.path, target: profile.target,
                    argumentWidths: context.argumentWidths)
                var policy = imported.policy
                policy.argumentWidths = context.argumentWidths
                // The profile's findings as the one Diagnostic, at their JSON values.
                let diagnostics = imported.warnings.map { w in
                    var d = w.diagnostic(file: profile.path, text: text)
                    if d.severity == .error { d.severity = .warning }
                    return d
                }
                return Built(policy: policy, settings: nil, systemd: nil, diagnostics: diagnostics)
            } catch {
                let d = error.diagnostic(file: profile.path, text: text)
                throw FilterInputError(reason: .invalidProfile, message: error.message, fix: error.fix, file: profile.path,
                    line: d.line, diagnostics: [d])
            }
        }
        let settings = try settings()
        do {
            let result = try SystemdPolicyBuilder.build(settings.syscalls, directives: settings.directives)
            return Built(policy: result.policy, settings: settings, systemd: result,
                diagnostics: settings.diagnostics + result.diagnostics)
        } catch {
            throw FilterInputError(reason: .filterNotApplied,
                message: "no policy: systemd \(context.version) would fail to apply this filter (228/SECCOMP)",
                fix: "fix the errors above", diagnostics: settings.diagnostics + error.diagnostics)
        }
    }

    /// Builds the policy and compiles it, judging arguments in `context.argumentWidths`.
    ///
    /// - Throws: `FilterInputError` as `policy()` does, or when the compiler refuses the policy.
    public func compile() throws(FilterInputError) -> Compiled {
        let built = try policy()
        do {
            // The mode travels with the policy (set by the systemd builder and above).
            let (policy, program) = try Compiler.compiled(built.policy)
            return Compiled(policy: policy, program: program, built: built)
        } catch {
            throw FilterInputError(reason: .compileFailed, message: error.message, fix: error.fix,
                diagnostics: built.diagnostics)
        }
    }
}
