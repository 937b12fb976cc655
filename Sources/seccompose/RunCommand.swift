// RunCommand.swift: `seccompose run UNIT` and `seccompose run … -- CMD ARGS`: parses the options
// into a UnitLaunch or CommandLaunch (SeccomposeLaunch does all process control) and prints
// what came of it.

import ArgumentParser
import SeccomposeInput
import SeccomposeLaunch
import SeccomposeRuntime
import SeccomposeSystemd

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a unit, or a command (after '--'), under the compiled filter.",
        discussion: """
            Fails closed: if the settings cannot be compiled or installed, or any input would be \
            ignored (an unknown syscall, group, key or value: what systemd warns about and skips), \
            nothing is executed and the exit status is 228 (systemd's SECCOMP status); --lenient \
            warns, ignores and runs as systemd does. Directives Seccompose does not apply \
            (ProtectSystem=, PrivateTmp=, …) are named before the unit starts; --strict refuses \
            them. Otherwise the exit status is the main command's (128+N when signal N ended it). \
            Every kill by the filter in any process the command started is reported with the \
            syscall and the setting that denied it, and logged calls are counted, on stderr and \
            in the journal when one runs. UNIT and --unit UNIT are the same. With a unit, --filter, --unit-setting, --architectures, \
            --error-number and --log add to the unit's settings as a drop-in would.
            """
    )

    @OptionGroup var input: PolicyOptions

    @Flag(name: .customLong("no-new-privs-off"), help: "Do not set no_new_privs (needs CAP_SYS_ADMIN).")
    var keepPrivileges = false

    @Flag(help: "Warn about ignored input and run anyway, as systemd does (errors still stop the launch).")
    var lenient = false

    @Flag(help: "Refuse to run a unit whose sandboxing directives Seccompose does not apply.")
    var strict = false

    @Argument(help: ArgumentHelp("A unit name or unit file to run (its ExecStartPre=, ExecStart=, ExecStartPost=).",
        valueName: "unit"))
    var unitName: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command (ad-hoc form), or extra arguments for ExecStart= (with UNIT).", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if unitName != nil, input.settings.unit != nil {
            throw ValidationError("give the unit either as UNIT or with --unit, not both")
        }
        let hasUnit = unitName != nil || input.settings.unit != nil
        if !hasUnit, command.isEmpty { throw ValidationError("give a UNIT, or the command after '--'") }
        if !hasUnit, strict { throw ValidationError("--strict applies to UNIT only (the ad-hoc form applies no directives)") }
    }

    func run() throws {
        let prepared: PreparedLaunch
        do {
            let request = try input.request(positionalUnit: unitName)
            if request.unit != nil {
                var launch = UnitLaunch(request: request)
                launch.extraArguments = command
                launch.strictness = LaunchStrictness(lenient: lenient, refuseUnappliedDirectives: strict)
                launch.neverSetNoNewPrivileges = keepPrivileges
                prepared = try launch.prepare()
            } else {
                var launch = CommandLaunch(request: request, argv: command)
                launch.strictness = LaunchStrictness(lenient: lenient)
                launch.neverSetNoNewPrivileges = keepPrivileges
                prepared = try launch.prepare()
            }
        } catch let failure as LaunchFailure {
            reportDiagnostics(failure.diagnostics)
            Terminal.report(failure)
            throw ExitCode(failure.exitStatus)
        }
        reportDiagnostics(prepared.diagnostics)
        if !prepared.notices.isEmpty {
            Terminal.error("seccompose: notice: \(prepared.unit ?? "the unit") asks for sandboxing Seccompose does not apply "
                + "(--strict refuses such units): " + prepared.notices.map { "\($0.key)= at \($0.file ?? "<command line>"):\($0.line):\($0.column)" }
                    .joined(separator: ", "))
        }
        let report = prepared.run()
        if let failure = report.failure { Terminal.report(failure) }
        var warned: Set<String> = []
        for outcome in report.commands {
            for v in outcome.violations { Terminal.error("seccompose: \(v)") }
            for l in outcome.logged { Terminal.error("seccompose: \(outcome.command[0]) \(l)") }
            for w in outcome.warnings where warned.insert(w).inserted { Terminal.error("seccompose: warning: \(w)") }
        }
        throw ExitCode(report.exitStatus)
    }
}
