// LaunchGate.swift: what stops a launch before anything runs. A launch never runs a command
// under a weaker filter than its input asks for: input systemd would warn about and ignore,
// an unknown key, an invalid value, stop it (exit 228), unless the caller asks for systemd's
// warn-and-ignore behaviour (`lenient`).

import SeccomposeSystemd

/// How strictly a launch treats its input.
public struct LaunchStrictness: Sendable, Hashable {
    /// systemd's behaviour: warn about ignored input and run anyway. Errors (a filter systemd
    /// would fail to apply) still stop the launch.
    public var lenient: Bool
    /// Refuse to run a unit with sandboxing directives the launcher does not apply
    /// (ProtectSystem=, PrivateTmp=, …) instead of naming them in a notice.
    public var refuseUnappliedDirectives: Bool

    /// The default: refuse ignored input, run units with unapplied directives after a notice.
    public init(lenient: Bool = false, refuseUnappliedDirectives: Bool = false) {
        self.lenient = lenient
        self.refuseUnappliedDirectives = refuseUnappliedDirectives
    }
}

/// Sorting diagnostics into what stops a launch and what is only reported.
public enum LaunchGate {
    /// The diagnostics that stop a launch under `strictness`: errors always; every warning
    /// whose input is ignored or weakens the filter unless `lenient`. Advisory findings (a
    /// special user, notes) never stop it.
    public static func blocking(_ diagnostics: [Diagnostic], _ strictness: LaunchStrictness) -> [Diagnostic] {
        diagnostics.filter { $0.severity == .error || (!strictness.lenient && $0.weakensFilter) }
    }
}

extension UnappliedDirective {
    /// This directive as an error of a launch that refuses unapplied sandboxing.
    public var diagnostic: Diagnostic {
        Diagnostic(severity: .error, code: "unapplied-directive",
            message: "\(key)=\(value) changes the sandbox, and Seccompose does not apply it", setting: key, file: file,
            line: line, column: column, text: key, note: UnitKeys.unappliedParts(of: key),
            fix: "run the unit with systemd, remove the line, or run without --strict (a notice names it)")
    }
}
