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
        guard arguments.first == "check", let (version, rest) = RunFastPath.versionPrefix(arguments.dropFirst()),
            !rest.isEmpty, rest.allSatisfy(RunFastPath.isUnitValue)
        else { return nil }
        return (version, Array(rest))
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
