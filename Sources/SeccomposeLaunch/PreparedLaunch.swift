// PreparedLaunch.swift: a checked and compiled launch, ready to run: the filter, the commands in
// order, and what to tell the user before they start.

import SeccomposeInput
import SeccomposeRuntime
import SeccomposeSystemd

/// A launch that passed every check: running it starts the commands under `filter`.
public struct PreparedLaunch: Sendable {
    /// One command of the sequence.
    public struct Step: Sendable {
        /// The command and its process set-up.
        public var command: LaunchCommand
        /// Whether it is the main process (later steps run while it runs; its status is the
        /// launch's).
        public var isMain: Bool
        /// systemd's `-` prefix: a failure status does not stop the sequence.
        public var ignoreFailure: Bool

        /// A step running `command`.
        public init(command: LaunchCommand, isMain: Bool, ignoreFailure: Bool) {
            self.command = command
            self.isMain = isMain
            self.ignoreFailure = ignoreFailure
        }
    }

    /// The filter: compiled (with what it was built from) or precompiled.
    public var filter: LaunchFilter
    /// The unit's name, when a unit is run.
    public var unit: String?
    /// Every diagnostic of the input (warnings that did not stop the launch included).
    public var diagnostics: [Diagnostic]
    /// Directives of the unit the launcher does not apply (ProtectSystem=, PrivateTmp=, …): to
    /// be named before the commands start.
    public var notices: [UnappliedDirective]
    /// The commands, in order.
    public var steps: [Step]

    /// A launch of `steps` under the compiled `filter`.
    public init(filter: FilterRequest.Compiled, unit: String?, diagnostics: [Diagnostic], notices: [UnappliedDirective],
        steps: [Step])
    {
        self.init(launching: .compiled(filter), unit: unit, diagnostics: diagnostics, notices: notices, steps: steps)
    }

    /// A launch of `steps` under `filter` (compiled or precompiled).
    public init(launching filter: LaunchFilter, unit: String?, diagnostics: [Diagnostic], notices: [UnappliedDirective],
        steps: [Step])
    {
        self.filter = filter
        self.unit = unit
        self.diagnostics = diagnostics
        self.notices = notices
        self.steps = steps
    }

    /// Builds and compiles the request, refusing input that would weaken the filter.
    static func compile(_ request: FilterRequest, _ strictness: LaunchStrictness) throws(LaunchFailure)
        -> FilterRequest.Compiled
    {
        let compiled: FilterRequest.Compiled
        do { compiled = try request.compile() } catch {
            let status: ExitStatus = error.reason == .invalidRequest ? .usage : .seccomp
            throw LaunchFailure(exitStatus: status, message: "not running: " + error.message, fix: error.fix,
                diagnostics: error.diagnostics, file: error.file, line: error.line)
        }
        let blocking = LaunchGate.blocking(compiled.built.diagnostics, strictness)
        if !blocking.isEmpty {
            throw LaunchFailure(exitStatus: .seccomp,
                message: "not running: the filter would be weaker than the input asks for (\(blocking.count) problem\(blocking.count == 1 ? "" : "s") above)",
                fix: "fix the input, or pass --lenient to warn, ignore and run as systemd does",
                diagnostics: compiled.built.diagnostics)
        }
        return compiled
    }

    /// Runs the steps in order under one supervisor: a failing step stops the sequence (unless
    /// its `-` prefix says otherwise); the main process is waited for after the later steps.
    /// `forwardSignals`: SIGINT, SIGTERM and SIGHUP sent to this process go to the running
    /// command (a program that handles them itself passes false).
    /// `notificationHandler`: see `Supervisor.notificationHandler` (the report's
    /// `notificationProblems` say whether every notified call was seen);
    /// `recordFlushTimeout`: see `Supervisor.recordFlushTimeout`.
    public func run(journal: any JournalSink = SystemJournal(), forwardSignals: Bool = true,
        notificationHandler: (@Sendable (NotificationListener.Context) -> Void)? = nil,
        recordFlushTimeout: Duration = .seconds(2)) -> LaunchReport
    {
        let supervisor = Supervisor(launching: filter, unit: unit, journal: journal)
        supervisor.forwardSignals = forwardSignals
        supervisor.recordFlushTimeout = recordFlushTimeout
        supervisor.notificationHandler = notificationHandler
        defer { supervisor.close() }
        var outcomes: [LaunchOutcome] = []
        var failure: LaunchFailure?
        var status: ExitStatus = .success
        var main: (Supervisor.Running, Step)?
        for step in steps {
            let running: Supervisor.Running
            do { running = try supervisor.start(step.command) } catch {
                if step.ignoreFailure { continue }
                failure = error
                status = error.exitStatus
                break
            }
            if step.isMain {
                main = (running, step)
                continue
            }
            let outcome = supervisor.finish(running)
            outcomes.append(outcome)
            if outcome.exitStatus != .success && !step.ignoreFailure {
                status = outcome.exitStatus
                break
            }
        }
        if let (running, step) = main {
            let outcome = supervisor.finish(running)
            outcomes.append(outcome)
            if status == .success, !step.ignoreFailure { status = outcome.exitStatus }
        } else if steps.count == 1, let only = outcomes.first {
            status = only.exitStatus
        }
        supervisor.stopRemaining()
        var report = LaunchReport(exitStatus: status, commands: outcomes, failure: failure)
        if notificationHandler != nil { report.notificationProblems = supervisor.finishNotifications() }
        return report
    }
}

/// What came of a launch: every command's outcome, and the status to exit with.
public struct LaunchReport: Sendable {
    /// The unit's status: the main process's (Type=simple/exec), or the first failing
    /// command's; 128+N when signal N ended it; systemd's status when a command could not start.
    public var exitStatus: ExitStatus
    /// The commands that ran, in the order they ended.
    public var commands: [LaunchOutcome]
    /// The command that could not be started, when one could not.
    public var failure: LaunchFailure?
    /// With a notification handler: what went wrong while answering notified calls (empty when
    /// every one was seen).
    public var notificationProblems: [String] = []

    /// A report of `commands`.
    public init(exitStatus: ExitStatus, commands: [LaunchOutcome], failure: LaunchFailure?) {
        self.exitStatus = exitStatus
        self.commands = commands
        self.failure = failure
    }

    /// Every violation of every command, in order.
    public var violations: [Violation] { commands.flatMap(\.violations) }
    /// Whether every report is complete (lossless records, nothing lost).
    public var reportsComplete: Bool { commands.allSatisfy(\.reportsComplete) }
}
