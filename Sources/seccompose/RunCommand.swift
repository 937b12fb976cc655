// RunCommand.swift: `seccompose run UNIT`, `seccompose run … -- CMD ARGS` and `seccompose run
// --program FILE -- CMD ARGS`: parses the options into a UnitLaunch, CommandLaunch or
// ProgramLaunch (SeccomposeLaunch does all process control) and prints what came of it.

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
            in the journal when one runs. With --program FILE the command runs under a \
            precompiled program instead (what 'compile --format raw' writes), checked as the \
            kernel would before anything runs; its violations name the syscall, ABI and number \
            (there is no setting to name). UNIT and --unit UNIT are the same. With a unit, --filter, --unit-setting, --architectures, \
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

    @Option(help: ArgumentHelp("Run the command under this precompiled program (the raw file 'compile --format raw' writes) "
        + "instead of building a filter; the kernel's load-time checks run first, and a file that fails them runs nothing "
        + "(228). Violations name the syscall, not a setting. No option that builds a filter goes with it.",
        valueName: "file"))
    var program: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command (ad-hoc form), or extra arguments for ExecStart= (with UNIT).", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if let program {
            try Self.validateProgramOnly(program: program, self)
            if command.isEmpty { throw ValidationError("--program \(program): give the command after '--'") }
            return
        }
        if unitName != nil, input.settings.unit != nil {
            throw ValidationError("give the unit either as UNIT or with --unit, not both")
        }
        let hasUnit = unitName != nil || input.settings.unit != nil
        if !hasUnit, command.isEmpty { throw ValidationError("give a UNIT, or the command after '--'") }
        if !hasUnit, strict { throw ValidationError("--strict applies to UNIT only (the ad-hoc form applies no directives)") }
    }

    /// With --program nothing builds a filter: every option that would (or that judges input) is
    /// an error, never silently ignored.
    static func validateProgramOnly(program: String, _ c: RunCommand) throws {
        let s = c.input.settings
        var given: [String] = []
        if c.unitName != nil { given.append("UNIT '\(c.unitName ?? "")'") }
        if s.unit != nil { given.append("--unit") }
        if s.root != nil { given.append("--root") }
        if !c.input.filter.isEmpty { given.append("--filter") }
        if c.input.profile != nil { given.append("--profile") }
        if c.input.caps != nil { given.append("--caps") }
        if c.input.kernel != nil { given.append("--kernel") }
        if !s.unitSettings.isEmpty { given.append("--unit-setting") }
        if !s.architectures.isEmpty { given.append("--architectures") }
        if s.errorNumber != nil { given.append("--error-number") }
        if !s.log.isEmpty { given.append("--log") }
        if s.systemd.version != nil { given.append("--systemd") }
        if !s.systemd.setDirectories.isEmpty { given.append("--sets") }
        // Options with defaults: whether they were written at all (before '--').
        for name in ["--native", "--argument-widths"] where Self.written(name) { given.append(name) }
        if c.lenient { given.append("--lenient") }
        if c.strict { given.append("--strict") }
        guard given.isEmpty else {
            throw ValidationError("--program \(program) is a precompiled filter, so \(given.joined(separator: ", ")) would be ignored; "
                + "give either --program FILE or the options that build a filter (compile those into the file with 'seccompose compile --format raw')")
        }
    }

    /// Whether `option` (`--name` or `--name=value`) was written on the command line before `--`.
    static func written(_ option: String) -> Bool {
        for a in CommandLine.arguments.dropFirst() {
            if a == "--" { break }
            if a == option || a.hasPrefix(option + "=") { return true }
        }
        return false
    }

    func run() throws {
        if let program {
            throw ExitCode(Self.runProgram(program, argv: command, keepPrivileges: keepPrivileges))
        }
        let request = try input.request(positionalUnit: unitName)
        if request.unit != nil {
            throw ExitCode(Self.runUnit(request, extraArguments: command, lenient: lenient, strict: strict,
                keepPrivileges: keepPrivileges))
        }
        throw ExitCode(Self.runCommand(request, argv: command, lenient: lenient, keepPrivileges: keepPrivileges))
    }

    /// The unit form: the unit `request` names, with `extraArguments` for its ExecStart= (shared
    /// with `RunFastPath`).
    static func runUnit(_ request: FilterRequest, extraArguments: [String], lenient: Bool, strict: Bool,
        keepPrivileges: Bool) -> ExitStatus
    {
        var launch = UnitLaunch(request: request)
        launch.extraArguments = extraArguments
        launch.strictness = LaunchStrictness(lenient: lenient, refuseUnappliedDirectives: strict)
        launch.neverSetNoNewPrivileges = keepPrivileges
        return execute { () throws(LaunchFailure) in try launch.prepare() }
    }

    /// The ad-hoc form: `argv` under the filter `request` describes (shared with `RunFastPath`).
    static func runCommand(_ request: FilterRequest, argv: [String], lenient: Bool, keepPrivileges: Bool) -> ExitStatus {
        var launch = CommandLaunch(request: request, argv: argv)
        launch.strictness = LaunchStrictness(lenient: lenient)
        launch.neverSetNoNewPrivileges = keepPrivileges
        return execute { () throws(LaunchFailure) in try launch.prepare() }
    }

    /// `--program FILE`: `argv` under a precompiled program (shared with `RunFastPath`).
    static func runProgram(_ path: String, argv: [String], keepPrivileges: Bool) -> ExitStatus {
        var launch = ProgramLaunch(programAt: path, argv: argv)
        launch.neverSetNoNewPrivileges = keepPrivileges
        return execute { () throws(LaunchFailure) in try launch.prepare() }
    }

    /// Prepares the launch, prints its diagnostics and notices, runs it, prints its violations,
    /// logged calls and warnings, and returns the status to exit with. The one way `run` ends,
    /// whichever parser read the command line (`RunFastPath` or ArgumentParser).
    static func execute(_ prepare: () throws(LaunchFailure) -> PreparedLaunch) -> ExitStatus {
        let prepared: PreparedLaunch
        do { prepared = try prepare() } catch {
            reportDiagnostics(error.diagnostics)
            Terminal.report(error)
            return error.exitStatus
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
        return report.exitStatus
    }
}
