// Supervisor.swift: starts commands under one filter, forwards signals, waits, and reports what
// the filter did to every process the commands started.

import SeccomposeCompiler
import SeccomposeDiagnostics
import SeccomposeInput
import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// Starts commands under one program and reports the outcome of each.
///
/// The supervisor becomes a child subreaper (orphaned descendants are reparented to it), reads
/// the kernel's seccomp audit records while the commands run and attributes them to the
/// launched processes and their descendants, forwards SIGINT, SIGTERM and SIGHUP to the running
/// main process, and writes start, violation and exit entries to the journal.
public final class Supervisor {
    /// What every filtered command runs under: a compiled program and its policy, or a
    /// precompiled program.
    public let filter: LaunchFilter
    /// The policy the program implements (for the reasons in reports); nil for a precompiled
    /// program, whose reports name the syscall without a setting.
    public var policy: Policy? { filter.policy }
    /// The filter every filtered command runs under.
    public var program: Program { filter.program }
    /// Set `PR_SET_MDWE` in each filtered command (MemoryDenyWriteExecute= left to the kernel).
    public let memoryDenyWriteExecute: Bool
    /// The unit name for journal entries, when a unit is run.
    public let unit: String?
    /// Whether to forward SIGINT, SIGTERM and SIGHUP to the running command.
    public var forwardSignals = true
    /// How long remaining descendants get after SIGTERM before SIGKILL, once the main process ended.
    public var stopTimeout = 2.0
    /// How long to wait, once a command ended, for the audit records the kernel queued while it
    /// ran (a run that logged every call can leave tens of thousands behind).
    public var recordFlushTimeout: Duration = .seconds(2)
    /// When set, the program's `SECCOMP_RET_USER_NOTIF` calls are shown to this handler (on a
    /// listener thread, while the caller waits) and then continued as if allowed; `learn`
    /// reads the arguments of the few calls that decide argument-backed directives this way.
    /// Set it before the first `start`.
    public var notificationHandler: (@Sendable (NotificationListener.Context) -> Void)?
    private let journal: any JournalSink
    private let records: RecordCollector
    private var listeners: [NotificationListener] = []

    /// A supervisor for a compiled `filter`, reporting to `journal`; see
    /// `init(launching:unit:journal:audit:)`.
    public convenience init(filter: FilterRequest.Compiled, unit: String? = nil, journal: any JournalSink = SystemJournal(),
        audit: OpenedAuditSource? = nil)
    {
        self.init(launching: .compiled(filter), unit: unit, journal: journal, audit: audit)
    }

    /// A supervisor for `filter` (compiled or precompiled), reporting to `journal`. The kernel's
    /// audit records are read from `audit` (default: the audit netlink group, else /dev/kmsg
    /// with a warning), and attributed through a `ProcessTree` that follows every process the
    /// commands start.
    public init(launching filter: LaunchFilter, unit: String? = nil, journal: any JournalSink = SystemJournal(),
        audit: OpenedAuditSource? = nil)
    {
        self.filter = filter
        memoryDenyWriteExecute = filter.needsMemoryDenyWriteExecutePrctl
        self.unit = unit
        self.journal = journal
        let tree = ProcessTree()
        if let audit {
            records = RecordCollector(source: audit.source, warning: audit.warning, tree: tree)
        } else {
            do {
                let opened = try AuditSources.open()
                records = RecordCollector(source: opened.source, warning: opened.warning, tree: tree)
            } catch {
                records = RecordCollector(source: nil,
                    warning: "no audit records can be read, so violations cannot be named: \(error.message); fix: \(error.fix)",
                    tree: tree)
            }
        }
        _ = KernelFeatures.becomeChildSubreaper()
    }

    /// A started command.
    public struct Running: Sendable {
        /// The main process.
        public var pid: pid_t
        /// The command.
        public var command: LaunchCommand
    }

    /// FNV-1a of the program bytes: the filter's identity in the journal.
    public var filterHash: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in Export.raw(program) {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return String(h, radix: 16)
    }

    /// Starts `command` and waits for it and its descendants.
    ///
    /// - Throws: `LaunchFailure` when it could not be started; nothing ran unless `ranCommand`.
    public func run(_ command: LaunchCommand) throws(LaunchFailure) -> LaunchOutcome {
        let outcome = finish(try start(command))
        stopRemaining()
        return outcome
    }

    /// Starts `command`; the caller must `finish` it.
    ///
    /// - Throws: `LaunchFailure` when it could not be started.
    public func start(_ command: LaunchCommand) throws(LaunchFailure) -> Running {
        guard let first = command.argv.first else {
            throw LaunchFailure(exitStatus: .notFound, message: "no command to run", fix: "give the command after '--'")
        }
        let hash = command.filtered ? filterHash : "none"
        journal.send([
            ("MESSAGE", "Starting \(command.argv.joinedPlainly(separator: " ")) under seccomp filter \(hash)"), ("PRIORITY", "6"),
            ("SECCOMPOSE_UNIT", unit ?? ""), ("SECCOMPOSE_FILTER_HASH", hash),
            ("SECCOMPOSE_FILTER_LENGTH", String(command.filtered ? program.instructions.count : 0)),
        ])
        var uid: uid_t?, gid: gid_t?
        if let group = command.group {
            guard let gr = getgrnam(group) ?? UInt32(group).flatMap({ getgrgid($0) }) else {
                throw LaunchFailure(exitStatus: .group, message: "not running \(first): unknown group \(group)",
                    fix: "create the group or change Group=")
            }
            gid = gr.pointee.gr_gid
        }
        if let user = command.user {
            guard let pw = getpwnam(user) ?? UInt32(user).flatMap({ getpwuid($0) }) else {
                throw LaunchFailure(exitStatus: .user, message: "not running \(first): unknown user \(user)",
                    fix: "create the user or change User=")
            }
            uid = pw.pointee.pw_uid
            if gid == nil { gid = pw.pointee.pw_gid }
        }
        let pid: pid_t
        do {
            let options = InstallOptions(noNewPrivileges: command.noNewPrivileges, synchronizeThreads: false)
            if command.filtered, let handler = notificationHandler {
                let started = try Launcher.spawnWithListener(command.argv, argv0: command.argv0,
                    environment: command.environment, program: program, options: options,
                    memoryDenyWriteExecute: memoryDenyWriteExecute, workingDirectory: command.workingDirectory,
                    umask: command.umask, uid: uid, gid: gid)
                pid = started.pid
                listeners.append(NotificationListener(listener: started.listener, handler: handler))
            } else {
                pid = try Launcher.spawn(command.argv, argv0: command.argv0, environment: command.environment,
                    program: command.filtered ? program : nil, options: options,
                    memoryDenyWriteExecute: command.filtered && memoryDenyWriteExecute,
                    workingDirectory: command.workingDirectory, umask: command.umask, uid: uid, gid: gid)
            }
        } catch {
            if let p = error.pid {
                var status: Int32 = 0
                while waitpid(p, &status, 0) < 0 && errno == EINTR {}
            }
            let ran = error.stage == .exec
            throw LaunchFailure(exitStatus: error.exitStatus,
                message: "\(ran ? "could not run" : "not running") \(first): \(error.message)", fix: error.fix, ranCommand: ran)
        }
        records.tree.add(root: pid)
        // The periodic attribution starts once the command runs: its first read is 20 ms away
        // and the audit reader keeps every record until then, so its thread is made while the
        // command starts instead of before.
        records.start()
        return Running(pid: pid, command: command)
    }

    /// Waits for a started command (forwarding signals) and reports what the filter did to it
    /// and its descendants.
    public func finish(_ running: Running) -> LaunchOutcome {
        let termination = wait(for: running.pid)
        let outcome = report(running, termination)
        journal.send([
            ("MESSAGE", "\(running.command.argv[0]) exited with status \(outcome.exitStatus)"),
            ("PRIORITY", outcome.exitStatus == .success ? "6" : "4"), ("SECCOMPOSE_UNIT", unit ?? ""),
            ("SECCOMPOSE_FILTER_HASH", running.command.filtered ? filterHash : "none"),
            ("EXIT_STATUS", outcome.exitStatus.description),
        ])
        return outcome
    }

    /// Stops reading audit records (call when done with the supervisor).
    public func close() {
        // Every reader is told first and waited for after, so their wake-ups overlap.
        records.source?.stopReading()
        records.tree.stopFollowing()
        records.stop()
        for l in listeners { l.stop() }
    }

    /// Once every started command finished and `stopRemaining` ran, waits until the
    /// notification listeners hang up (no process uses the filter any more; `timeout` at most)
    /// and stops them. Returns what went wrong while answering, one sentence each (empty: every
    /// notified call was seen and continued).
    public func finishNotifications(timeout: Duration = .seconds(2)) -> [String] {
        var problems: [String] = []
        for l in listeners {
            if !l.finish(timeout: timeout) {
                problems.append("a process under the filter outlived the launch, so its later calls were not seen")
            }
            problems += l.failures
        }
        listeners = []
        return problems
    }

    deinit { close() }

    // MARK: Waiting

    private func wait(for pid: pid_t) -> Termination {
        // SIGINT, SIGTERM and SIGHUP go to the command from a plain handler (no dispatch
        // threads to start); the child path resets them for the command.
        let forwarding = forwardSignals && SignalForwarding.start(pid)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if forwarding { SignalForwarding.stop(pid) }
        return Termination(waitStatus: status)
    }

    /// Stops the processes the commands left behind (reparented to this subreaper): SIGTERM,
    /// then SIGKILL after `stopTimeout`, as systemd stops the rest of a service's control group
    /// once its main process ended. Call when every started command was finished.
    public func stopRemaining() {
        let me = getpid()
        var left = records.tree.members.filter { kill($0, 0) == 0 && ProcessTree.parentPID(of: $0) == me }.sorted()
        guard !left.isEmpty else { return }
        for p in left { kill(p, SIGTERM) }
        var waited = 0.0
        while !left.isEmpty {
            left.removeAll { p in
                var status: Int32 = 0
                return waitpid(p, &status, WNOHANG) == p
            }
            if left.isEmpty { break }
            if waited >= stopTimeout {
                for p in left { kill(p, SIGKILL) }
                for p in left {
                    var status: Int32 = 0
                    while waitpid(p, &status, 0) < 0 && errno == EINTR {}
                }
                break
            }
            usleep(10_000)
            waited += 0.01
        }
    }

    // MARK: Reports

    private func report(_ running: Running, _ termination: Termination) -> LaunchOutcome {
        let comm = String((running.command.argv[0].split(separator: "/").last ?? "").prefix(15))
        let killedBySIGSYS = termination == .signaled(SIGSYS)
        var taken = records.take(flushTimeout: recordFlushTimeout, fallbackCommand: nil)
        if killedBySIGSYS && !taken.contains(where: { $0.pid == running.pid && $0.isKill }) {
            // Inside another pid namespace the records' pids are not ours: match the command name.
            taken += records.take(flushTimeout: .milliseconds(500), fallbackCommand: comm)
        }
        var violations: [Violation] = []
        var logged: [String: LoggedCall] = [:]
        var loggedOrder: [String] = []
        for r in taken {
            let abi = r.abi ?? .x86_64
            let number = abi == .x32 ? r.syscall & ~0x4000_0000 : r.syscall
            let name = SyscallTable.name(of: r.syscall, on: abi)
            let action = r.action
            if action == .log {
                let key = "\(abi.name)/\(number)"
                if logged[key] == nil { loggedOrder.append(key) }
                logged[key, default: LoggedCall(abi: abi, number: number, name: name, count: 0, firstPid: r.pid,
                    firstCommand: r.command, firstExecutable: r.executable)].count += 1
                continue
            }
            let reason = running.command.filtered ? filter.reason(abi: abi, number: r.syscall) : ""
            let v = Violation(pid: r.pid, command: r.command, abi: abi, number: number, name: name, action: action,
                reason: reason)
            violations.append(v)
            journal.send([
                ("MESSAGE", "\(r.command) (pid \(r.pid)) \(v.isKill ? "killed by its seccomp filter" : "stopped by its seccomp filter"): \(name ?? "#\(number)")"),
                ("PRIORITY", v.isKill ? "3" : "5"), ("SECCOMPOSE_UNIT", unit ?? ""), ("SYSCALL", name ?? "#\(number)"),
                ("SYSCALL_NR", String(number)), ("ARCH", abi.name), ("SECCOMPOSE_ACTION", action.description),
                ("SECCOMPOSE_PID", String(r.pid)), ("SECCOMPOSE_COMM", r.command), ("SECCOMPOSE_REASON", reason),
            ])
        }
        let loggedCalls = loggedOrder.compactMap { logged[$0] }
        for c in loggedCalls {
            journal.send([
                ("MESSAGE", "\(running.command.argv[0]) \(c)"), ("PRIORITY", "5"), ("SECCOMPOSE_UNIT", unit ?? ""),
                ("SYSCALL", c.name ?? "#\(c.number)"), ("SYSCALL_NR", String(c.number)), ("ARCH", c.abi.name),
                ("SECCOMPOSE_ACTION", "log"), ("SECCOMPOSE_COUNT", String(c.count)),
            ])
        }
        var warnings = records.warnings
        if let failure = journal.failure { warnings.append(failure) }
        let lost = records.lostRecords
        let unexplainedKill = killedBySIGSYS && !violations.contains { $0.isKill }
        if unexplainedKill {
            warnings.append("\(running.command.argv[0]) was killed by SIGSYS, but the kernel's audit record was not found")
        }
        return LaunchOutcome(command: running.command.argv, pid: running.pid, termination: termination,
            violations: violations, logged: loggedCalls, lostRecords: lost,
            reportsComplete: records.isComplete && !unexplainedKill, warnings: warnings)
    }
}
