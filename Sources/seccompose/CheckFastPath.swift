// CheckFastPath.swift: `check [--systemd V] UNIT…`, read by hand before ArgumentParser is touched
// (building its parser made about fifty conformance scans, some 2 ms, at every check). What it
// means is not decided here: the same SystemdContext as the options' defaults give
// (`RunFastPath.defaultContext`) and the same `CheckCommand.check`. Anything else (another option,
// `--`, a value starting with '-', `help`, an unknown version) is left to ArgumentParser.

import SeccomposeRuntime
import SeccomposeSets

enum CheckFastPath {
    /// The systemd version asked for (nil: the default) and the units of `check [--systemd V]
    /// UNIT…`, when `arguments` (the command line without argv[0]) are exactly that.
    static func shape(_ arguments: [String]) -> (systemd: SystemdVersion?, units: [String])? {
        guard arguments.first == "check" else { return nil }
        var rest = Array(arguments.dropFirst())
        var version: SystemdVersion?
        if rest.first == "--systemd" {
            guard rest.count >= 2, !rest[1].hasPrefix("-"), let v = SystemdVersion(string: rest[1]) else { return nil }
            version = v
            rest.removeFirst(2)
        }
        guard !rest.isEmpty, rest.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && $0 != "help" }) else { return nil }
        return (version, rest)
    }

    /// Checks the units as `seccompose check` would, with every other option at its default;
    /// the status to exit with, or nil (nothing done) when the systemd context cannot be made.
    static func run(_ shape: (systemd: SystemdVersion?, units: [String])) -> ExitStatus? {
        guard let context = RunFastPath.defaultContext(shape.systemd) else { return nil }
        do {
            return try CheckCommand.check(units: shape.units, profiles: [], context: context, root: nil, user: false,
                strict: false, format: .text, color: .auto)
        } catch {
            // Only JSON encoding throws, and this is text: a defect if it happens.
            Terminal.error("seccompose: \(error)")
            return .internalError
        }
    }
}
