// ExpandCommand.swift: `seccompose expand`: SystemCall*= values → the policy systemd would enforce.

import ArgumentParser
import SeccomposeDiagnostics
import SeccomposeRuntime
import SeccomposeInput
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

struct ExpandCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expand",
        abstract: "Expand SystemCallFilter= values into the per-syscall decisions systemd would enforce.",
        discussion: """
            Each VALUE is one SystemCallFilter= line, applied in order (the first non-empty one fixes \
            allow- or deny-list mode; an empty one resets). --unit reads a unit file first: its \
            drop-ins and every seccomp-backed directive (UNIT among the VALUEs is the same). Diagnostics go to stderr as FILE:LINE:COLUMN (for VALUEs: \
            <command line>:INDEX:COLUMN); a warning or error makes the exit status 1.
            """
    )

    @OptionGroup var settings: SettingsOptions

    @Option(help: ArgumentHelp("Also list every syscall number of this ABI with its action (repeatable; 'all' for the policy's ABIs).", valueName: "abi"))
    var arch: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Argument(help: ArgumentHelp("SystemCallFilter= values, one line each; an argument with a '/' or ending in "
        + ".service is a unit (the same as --unit UNIT).", valueName: "value"))
    var values: [String] = []

    /// The unit among the arguments, if one is given there.
    var positionalUnits: [String] { values.filter(UnitArgument.looksLikeUnit) }

    func validate() throws {
        if positionalUnits.count > 1 { throw ValidationError("give one unit, not \(positionalUnits.count): \(positionalUnits.joined(separator: ", "))") }
        for a in arch where a != "all" && Architecture(name: a) == nil {
            throw ValidationError("unknown ABI '\(a)' for --arch")
        }
    }

    func run() throws {
        let context = try settings.context()
        let result: SystemdPolicyBuilder.Result
        let syscallSettings: SystemCallSettings
        let diagnostics: [Diagnostic]
        do {
            let built = try settings.request(filters: values.filter { !UnitArgument.looksLikeUnit($0) },
                positionalUnit: positionalUnits.first).policy()
            guard let r = built.systemd, let s = built.settings else { throw ValidationError("expand reads systemd inputs only") }
            (result, syscallSettings, diagnostics) = (r, s.syscalls, built.diagnostics)
        } catch let error as FilterInputError {
            switch error.reason {
            case .unitNotLoaded: try fail(.unitNotLoaded, context: context, diagnostics: error.diagnostics, message: error.message)
            case .filterNotApplied: try fail(.filterNotApplied, context: context, diagnostics: error.diagnostics, message: error.message)
            default: throw failureExit(error)
            }
        }
        let abis = try selectedABIs(result.policy)
        switch format {
        case .text: Terminal.out(ExpandReport.text(settings: syscallSettings, result: result, abis: abis))
        case .json:
            try Terminal.json(ExpandReport.json(settings: syscallSettings, result: result, abis: abis, diagnostics: diagnostics))
        }
        reportDiagnostics(diagnostics)
        if hasFindings(diagnostics) { throw ExitCode(.findings) }
    }

    /// Reports a failure (no policy exists) and exits with status 1.
    func fail(_ outcome: ExpandReport.Outcome, context: SystemdContext, diagnostics: [Diagnostic], message: String)
        throws -> Never
    {
        if format == .json {
            try Terminal.json(ExpandReport.FailureJSON(systemd: context.version.rawValue, native: context.native.name,
                outcome: outcome, message: message, diagnostics: diagnostics))
        }
        reportDiagnostics(diagnostics)
        Terminal.error("seccompose: " + message)
        throw ExitCode(.findings)
    }

    func selectedABIs(_ policy: Policy) throws -> [Architecture] {
        var out: [Architecture] = []
        for a in arch {
            if a == "all" {
                out += policy.architectures
            } else if let abi = Architecture(name: a) {
                out.append(abi)
            } else {
                throw ValidationError("unknown ABI '\(a)' for --arch")
            }
        }
        return out
    }
}

/// The text and JSON renderings of an expansion (schema: docs/json.md).
enum ExpandReport {
    static func text(settings: SystemCallSettings, result: SystemdPolicyBuilder.Result, abis: [Architecture]) -> String {
        let p = result.policy
        var s = "# systemd \(settings.context.version) on \(settings.context.native.name)\n"
        s += "mode: \(settings.filterMode?.rawValue ?? "none")\n"
        s += "error-number: \(settings.errorNumber)\n"
        s += "log: \(settings.logMode?.rawValue ?? "none")\n"
        s += "architectures: \(p.architectures.map(\.name).joined(separator: " "))\n"
        s += "other-architectures: \(p.otherArchitectureAction)\n"
        s += "default: \(p.defaultAction)\n"
        s += "syscalls:\n"
        for name in p.syscalls.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let d = p.syscalls[name] else { continue }
            s += "    \(name) \(d.action)"
            if let o = d.origin { s += "  # \(o.text)" }
            s += "\n"
        }
        for abi in abis {
            s += "abi \(abi.name) (audit 0x\(String(abi.auditArch, radix: 16))):\n"
            if !p.architectures.contains(abi) {
                s += "    * \(p.otherArchitectureAction)\n"
                continue
            }
            for (name, number) in SyscallTable.syscalls(on: abi) {
                s += "    \(number) \(name) \(p.action(abi: abi, number: number))\n"
            }
            s += "    * \(p.defaultAction)\n"
        }
        return s
    }

    struct SyscallJSON: Encodable {
        var name: String
        var action: String
        var origin: Origin?
    }

    struct NumberJSON: Encodable {
        var number: Int
        var name: String
        var action: String
    }

    struct ABIJSON: Encodable {
        var abi: String
        var auditArch: UInt32
        var judged: Bool
        var syscalls: [NumberJSON]
        var otherNumbers: String
    }

    /// Whether an expansion produced a policy.
    enum Outcome: String, Encodable {
        /// The settings give a policy (the other fields describe it).
        case policy
        /// systemd refuses to load the unit file at all.
        case unitNotLoaded = "unit-not-loaded"
        /// systemd loads the unit but fails to apply the filter (228/SECCOMP).
        case filterNotApplied = "filter-not-applied"
    }

    /// The document printed when there is no policy.
    struct FailureJSON: Encodable {
        var schema = "seccompose.expand/1"
        /// The Seccompose version that wrote this document.
        var seccomposeVersion = SeccomposeVersion.current
        var systemd: Int
        var native: String
        var outcome: Outcome
        var message: String
        var diagnostics: [Diagnostic]
    }

    struct ExpandJSON: Encodable {
        var schema = "seccompose.expand/1"
        /// The Seccompose version that wrote this document.
        var seccomposeVersion = SeccomposeVersion.current
        var outcome = Outcome.policy
        var systemd: Int
        var native: String
        var mode: String?
        var errorNumber: String
        var log: String?
        var architectures: [String]
        var otherArchitectures: String
        var defaultAction: String
        var syscalls: [SyscallJSON]
        var abis: [ABIJSON]
        var diagnostics: [Diagnostic]
    }

    static func json(settings: SystemCallSettings, result: SystemdPolicyBuilder.Result, abis: [Architecture],
        diagnostics: [Diagnostic]) -> ExpandJSON
    {
        let p = result.policy
        let names = p.syscalls.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        return ExpandJSON(
            systemd: settings.context.version.rawValue, native: settings.context.native.name,
            mode: settings.filterMode?.rawValue, errorNumber: settings.errorNumber.description,
            log: settings.logMode?.rawValue, architectures: p.architectures.map(\.name),
            otherArchitectures: p.otherArchitectureAction.description, defaultAction: p.defaultAction.description,
            syscalls: names.compactMap { n in p.syscalls[n].map { SyscallJSON(name: n, action: $0.action.description, origin: $0.origin) } },
            abis: abis.map { abi in
                let judged = p.architectures.contains(abi)
                return ABIJSON(abi: abi.name, auditArch: abi.auditArch, judged: judged,
                    syscalls: judged ? SyscallTable.syscalls(on: abi).map {
                        NumberJSON(number: $0.number, name: $0.name, action: p.action(abi: abi, number: $0.number).description)
                    } : [],
                    otherNumbers: (judged ? p.defaultAction : p.otherArchitectureAction).description)
            },
            diagnostics: diagnostics)
    }
}
