// PolicyInput.swift: the options that say where a policy comes from, turned into the library's
// one FilterRequest; failures printed and mapped to exit statuses.

import ArgumentParser
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

    /// The request these options describe, with the given SystemCallFilter= values.
    func request(filters: [String]) throws -> FilterRequest {
        var r = FilterRequest(context: try context())
        r.unit = unit.map { .file($0) }
        r.unitSettings = unitSettings
        r.architectures = architectures
        r.errorNumber = errorNumber
        r.log = log
        r.filters = filters
        return r
    }
}

/// Prints a failed request's diagnostics and error, and exits with its status: 2 when a file
/// cannot be read, 64 for a malformed request, 1 otherwise.
func failureExit(_ error: FilterInputError) -> ExitCode {
    reportDiagnostics(error.diagnostics)
    Terminal.report(error)
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

    @Option(help: ArgumentHelp("A Docker/OCI seccomp profile (JSON) instead of SystemCall*= settings.", valueName: "file"))
    var profile: String?

    @Option(help: ArgumentHelp("With --profile: the container's capabilities, comma-separated (default: Docker's).",
        valueName: "caps"))
    var caps: String?

    @Option(help: ArgumentHelp("With --profile: the host kernel version for minKernel, as X.Y.", valueName: "version"))
    var kernel: String = "6.1"

    /// The request these options describe.
    func request() throws -> FilterRequest {
        var r = try settings.request(filters: filter)
        if let profile {
            guard let abi = Architecture(name: settings.native) else { throw ValidationError("unknown ABI for --native") }
            let parts = kernel.split(separator: ".").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--kernel takes MAJOR.MINOR, e.g. 6.1") }
            var target = OCITarget(architecture: abi, kernel: (parts[0], parts[1]))
            if let caps {
                target.capabilities = Set(caps.split(separator: ",").map {
                    let c = $0.uppercased()
                    return c.hasPrefix("CAP_") ? c : "CAP_" + c
                })
            }
            r.profile = FilterRequest.Profile(path: profile, target: target)
        } else if caps != nil {
            throw ValidationError("--caps applies to --profile only")
        }
        return r
    }

    /// The policy as the compiled program judges it (argument widths, multiplexers), and the
    /// program; diagnostics and profile warnings are printed, failures exit (1, 2 or 64).
    func compiled() throws -> (policy: Policy, program: Program) {
        let r = try request()
        guard !r.isEmpty else {
            throw ValidationError("nothing to compile: give --filter VALUE…, --unit FILE, --profile FILE, --architectures or --log")
        }
        do {
            let c = try r.compile()
            reportDiagnostics(c.built.diagnostics)
            return (c.policy, c.program)
        } catch {
            throw failureExit(error)
        }
    }
}
