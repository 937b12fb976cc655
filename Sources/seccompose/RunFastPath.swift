// RunFastPath.swift: the `run` shapes whose start-up time matters, read by hand before
// ArgumentParser is touched (building its parser for every subcommand costs milliseconds: about
// fifty of its first look-ups scan the binary's conformance records).
// What they mean is not decided here: the options become the same SystemdContext,
// FilterRequest, UnitLaunch, CommandLaunch or ProgramLaunch, through the same functions, as the
// full parser's (SettingsOptions.context, UnitArgument.reference, RunCommand.runUnit,
// RunCommand.runCommand, RunCommand.runProgram). Anything else, however close (`--filter=X`, two
// --filter, a value starting with '-', an unknown version, a unit with extra arguments or any
// other option), is left to ArgumentParser, which reads it or explains the error.

import SeccomposeInput
import SeccomposeRuntime
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

enum RunFastPath {
    /// A command line the fast path reads.
    enum Shape: Equatable {
        /// `run [--systemd V] --filter EXPR -- CMD ARGS…`
        case filter(systemd: SystemdVersion?, expression: String, argv: [String])
        /// `run --program FILE -- CMD ARGS…`
        case program(path: String, argv: [String])
        /// `run [--systemd V] UNIT` (a unit file or name)
        case unit(systemd: SystemdVersion?, unit: String)
    }

    /// The shape of `arguments` (the command line without argv[0]), or nil when it is not
    /// exactly one of the fast path's shapes.
    static func shape(_ arguments: [String]) -> Shape? {
        guard arguments.first == "run" else { return nil }
        guard let dash = arguments.firstIndex(of: "--") else { return unitShape(Array(arguments.dropFirst())) }
        guard dash + 1 < arguments.count else { return nil }
        let options = Array(arguments[1..<dash])
        let argv = Array(arguments[(dash + 1)...])
        // Every value must be one ArgumentParser reads as a value, not as an option.
        for (i, value) in options.enumerated() where i % 2 == 1 {
            if value.hasPrefix("-") { return nil }
        }
        switch options.count {
        case 2 where options[0] == "--filter":
            return .filter(systemd: nil, expression: options[1], argv: argv)
        case 2 where options[0] == "--program":
            return .program(path: options[1], argv: argv)
        case 4 where options[0] == "--systemd" && options[2] == "--filter":
            guard let version = SystemdVersion(string: options[1]) else { return nil }
            return .filter(systemd: version, expression: options[3], argv: argv)
        default:
            return nil
        }
    }

    /// `run`'s options without `--`, when they are exactly `[--systemd V] UNIT`.
    static func unitShape(_ options: [String]) -> Shape? {
        guard let (version, rest) = versionPrefix(options[...]), rest.count == 1, let unit = rest.first, isUnitValue(unit)
        else { return nil }
        return .unit(systemd: version, unit: unit)
    }

    /// `options` after a leading `--systemd V`, and V read (nil without one); nil when V is
    /// missing, starts with '-' (the full parser would not take it as the value) or names no
    /// version this build knows (the full parser explains that). Shared with `CheckFastPath`.
    static func versionPrefix(_ options: ArraySlice<String>) -> (version: SystemdVersion?, rest: ArraySlice<String>)? {
        guard options.first == "--systemd" else { return (nil, options) }
        let value = options.dropFirst().first
        guard let value, !value.hasPrefix("-"), let version = SystemdVersion(string: value) else { return nil }
        return (version, options.dropFirst(2))
    }

    /// Whether the full parser reads `value` as a unit: not empty, not an option, and not `help`
    /// (which it may read as a request for help). Shared with `CheckFastPath`.
    static func isUnitValue(_ value: String) -> Bool { !value.isEmpty && !value.hasPrefix("-") && value != "help" }

    /// Runs `shape` as `seccompose run` would, returning the status to exit with; nil (nothing
    /// done) when the systemd context cannot be made, so that the full parser's path reports it.
    static func run(_ shape: Shape) -> ExitStatus? {
        switch shape {
        case .program(let path, let argv):
            return RunCommand.runProgram(path, argv: argv, keepPrivileges: false)
        case .filter(let version, let expression, let argv):
            guard let context = defaultContext(version) else { return nil }
            var request = FilterRequest(context: context)
            request.filters = [expression]
            return RunCommand.runCommand(request, argv: argv, lenient: false, keepPrivileges: false)
        case .unit(let version, let unit):
            guard let context = defaultContext(version) else { return nil }
            var request = FilterRequest(context: context)
            request.unit = UnitArgument.reference(unit, root: nil)
            return RunCommand.runUnit(request, extraArguments: [], lenient: false, strict: false, keepPrivileges: false)
        }
    }

    /// The systemd context of the options' defaults (`--native`, no `--sets`, `--argument-widths
    /// kernel`) for `version` (default: `SystemdOptions.defaultVersion`); nil when it cannot be made.
    static func defaultContext(_ version: SystemdVersion?) -> SystemdContext? {
        try? SettingsOptions.context(version: version ?? SystemdOptions.defaultVersion, native: .native,
            setDirectories: [], argumentWidths: .kernel)
    }
}
