import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import Testing

@testable import SeccomposeSystemd

/// Applies SystemCallFilter= values (one per line) and optional other settings, then builds.
struct Scenario {
    var version: SystemdVersion = .v252
    var filter: [String] = []
    var errorNumber: String?
    var architectures: [String] = []
    var log: [String] = []

    func settings() throws -> (SystemCallSettings, [Diagnostic]) {
        var s = SystemCallSettings(context: try SystemdContext(version: version, native: .x86_64, argumentWidths: .systemd))
        var d: [Diagnostic] = []
        for (i, v) in architectures.enumerated() { d += s.applyArchitectures(v, source: ValueSource(file: nil, line: i + 1)) }
        if let errorNumber { d += s.applyErrorNumber(errorNumber, source: ValueSource(file: nil, line: 1)) }
        for (i, v) in log.enumerated() { d += s.applyLog(v, source: ValueSource(file: nil, line: i + 1)) }
        for (i, v) in filter.enumerated() { d += s.applyFilter(v, source: ValueSource(file: nil, line: i + 1)) }
        return (s, d)
    }

    func policy() throws -> Policy {
        try SystemdPolicyBuilder.build(try settings().0).policy
    }
}

/// The action for a syscall on x86-64 (nil when x86-64 lacks the call).
func x86(_ p: Policy, _ name: String) -> Action? { p.action(abi: .x86_64, name: name) }

/// The repository root, found from this file's path.
