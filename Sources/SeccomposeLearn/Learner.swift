// Learner.swift: runs commands (or a unit's Exec*= commands) under the recording filter and
// turns what the kernel reported into `LearnEvidence`.

import SeccomposeInput
import SeccomposeLaunch
import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSyscalls
import SeccomposeSystemd
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Learns which syscalls (and which arguments of the argument-checked ones) a program needs, by
/// running it: every process it starts is followed from its exec on, on every ABI.
///
/// ```swift
/// let learner = try Learner(context: SystemdContext(version: .v252))
/// let run = try learner.learn(PreparedLaunch(…))        // or learn(command:) / learn(unit:)
/// let filter = try LearnedFilter(evidence: run.evidence, context: learner.context)
/// print(filter.dropIn())
/// ```
public struct Learner: Sendable {
    /// The systemd whose group tables and directive filters are used.
    public let context: SystemdContext
    /// The filter the runs execute under.
    public let filter: RecordingFilter

    /// A learner for `context`.
    ///
    /// - Throws: `LearnError` when the recording filter cannot be built.
    public init(context: SystemdContext) throws(LearnError) {
        self.context = context
        filter = try RecordingFilter(context: context)
    }

    /// What came of a learning run.
    public struct Run: Sendable {
        /// The evidence.
        public var evidence: LearnEvidence
        /// The launch's report (exit status, outcomes, warnings).
        public var report: LaunchReport
    }

    /// Runs `argv` (stdin, stdout, stderr and the exit status pass through) in `environment`.
    public func learn(command argv: [String], environment: [String] = UnitLaunch.processEnvironmentEntries())
        -> Run
    {
        let step = PreparedLaunch.Step(command: LaunchCommand(argv, environment: environment), isMain: false,
            ignoreFailure: false)
        return learn(PreparedLaunch(filter: filter.compiled, unit: nil, diagnostics: [], notices: [], steps: [step]))
    }

    /// Runs the unit's Exec*= commands with its other settings (user, environment, working
    /// directory, …); its own SystemCall*= settings are not installed (a second filter would
    /// hide what it refuses).
    ///
    /// - Throws: `LaunchFailure` when the unit cannot be read or started.
    public func learn(unit: UnitLaunch) throws(LaunchFailure) -> Run {
        var launch = unit
        launch.strictness = LaunchStrictness(lenient: true)
        var prepared = try launch.prepare()
        prepared.filter = .compiled(filter.compiled)
        return learn(prepared)
    }

    /// Runs a prepared launch with its filter replaced by the recording filter.
    public func learn(_ prepared: PreparedLaunch) -> Run {
        var prepared = prepared
        prepared.filter = .compiled(filter.compiled)
        let store = NotifiedCalls(filter: filter)
        // Every call is logged: the kernel may still be queueing records when a command ends.
        let report = prepared.run(notificationHandler: { store.record($0) }, recordFlushTimeout: .seconds(60))
        return Run(evidence: evidence(report, notified: store), report: report)
    }

    /// Learns from the seccomp audit records of `unit` already in the journal (the unit ran
    /// with `SystemCallLog=` or a logging action): its processes are the ones its own journal
    /// entries and its control group name, plus `pids`. Records journald stored twice count
    /// once. The arguments are not recorded there, so no argument-backed directive is proven,
    /// and the evidence is never complete (journald and the kernel may drop records unseen).
    /// `since`: µs since the epoch; `directory`: a journal directory instead of the system's.
    ///
    /// - Throws: `LearnError` when the journal cannot be read or no process of the unit is known.
    public func learn(journalUnit unit: String, pids: Set<Int32> = [], since: UInt64? = nil, directory: String? = nil)
        throws(LearnError) -> LearnEvidence
    {
        let found: JournalAuditRecords
        do { found = try JournalAuditReader.records(unit: unit, pids: pids, since: since, directory: directory) } catch {
            // libsystemd missing (ENOPKG) is not the directory's fault: no file to name.
            throw LearnError(message: error.message, fix: error.fix, file: error.code == ENOPKG ? nil : directory)
        }
        guard !found.unitPIDs.isEmpty else {
            throw LearnError(message: "no process of \(unit) is named in the journal or running now",
                fix: "give its process ids with --pid, or check the unit name and --since")
        }
        var e = LearnEvidence(systemd: context.version, native: context.native)
        e.runs = 1
        e.commands = [["journal:\(unit)"]]
        e.exitStatuses = [0]
        e.argumentsRecorded = false
        e.complete = false
        e.problems = ["records read back from the journal cannot be proven complete (journald's and the kernel's rate limits drop records unseen)"]
        if found.records.isEmpty {
            e.problems.append("the journal has no seccomp record of \(unit)'s processes (\(found.unitPIDs.count) known): did it run with SystemCallLog=?")
        }
        for r in found.records {
            guard let abi = r.abi else { continue }
            e.add(ObservedSyscall(abi: abi.name, number: r.syscall, name: SyscallTable.name(of: r.syscall, on: abi),
                count: 1, firstPid: r.pid, firstCommand: r.command, firstExecutable: r.executable, argumentClasses: []))
        }
        e.sort()
        return e
    }

    private func evidence(_ report: LaunchReport, notified: NotifiedCalls) -> LearnEvidence {
        var e = LearnEvidence(systemd: context.version, native: context.native)
        e.runs = 1
        e.commands = report.commands.map(\.command)
        e.exitStatuses = report.commands.map { Int($0.exitStatus.rawValue) }
        func add(abi: Architecture, number: Int, count: Int, pid: Int32, command: String, executable: String?,
            argumentClasses: [String] = [])
        {
            e.add(ObservedSyscall(abi: abi.name, number: number, name: SyscallTable.name(of: number, on: abi), count: count,
                firstPid: pid, firstCommand: command, firstExecutable: executable, argumentClasses: argumentClasses))
        }
        // The launcher's one call between installing the filter and exec (handing the listener
        // over) is not the program's.
        var launcherCalls = report.commands.count
        for outcome in report.commands {
            for l in outcome.logged {
                var l = l
                if l.abi == context.native, l.name == "sendmsg", launcherCalls > 0 {
                    let discounted = min(l.count, launcherCalls)
                    l.count -= discounted
                    launcherCalls -= discounted
                    if l.count == 0 { continue }
                }
                // LoggedCall numbers drop the x32 bit; the evidence keeps numbers as the filter saw them.
                let number = l.abi == .x32 ? l.number | 0x4000_0000 : l.number
                add(abi: l.abi, number: number, count: l.count, pid: l.firstPid, command: l.firstCommand,
                    executable: l.firstExecutable)
            }
            for v in outcome.violations {
                e.problems.append("the recording filter refused a call, which it never should: \(v)")
            }
            e.lostRecords += outcome.lostRecords
            for w in outcome.warnings where !e.problems.contains(w) { e.problems.append(w) }
        }
        let calls = notified.snapshot()
        for c in calls.observations {
            guard let abi = Architecture(name: c.abi) else { continue }
            add(abi: abi, number: c.number, count: c.count, pid: c.pid, command: c.command, executable: c.executable,
                argumentClasses: [c.observation.argumentClass])
            e.argumentCalls.append(c.observation)
        }
        e.problems += calls.problems + report.notificationProblems
        if let failure = report.failure { e.problems.append("a command could not be started: \(failure.message)") }
        e.complete = report.reportsComplete && e.problems.isEmpty && e.lostRecords == 0 && report.failure == nil
        e.sort()
        return e
    }
}

/// The notified calls of one run, recorded on the listener thread.
final class NotifiedCalls: Sendable {
    struct Call {
        var observation: ArgumentObservation
        var abi: String { observation.abi }
        var number: Int { observation.number }
        var count: Int { observation.count }
        var pid: Int32
        var command: String
        var executable: String?
    }

    private struct State {
        var calls: [String: Call] = [:]
        var order: [String] = []
        var problems: [String] = []
    }

    private let state = Mutex(State())
    private let filter: RecordingFilter

    init(filter: RecordingFilter) { self.filter = filter }

    /// Records one notified call (on the listener thread, while the caller waits).
    func record(_ context: NotificationListener.Context) {
        let n = context.notification
        guard let abi = Evaluation.abi(auditArch: n.arch, number: UInt32(bitPattern: n.number)) else {
            state.withLock { $0.problems.append("a call on an unknown ABI (arch 0x\(String(n.arch, radix: 16))) was notified") }
            return
        }
        let number = Int(n.number)
        let name = SyscallTable.name(of: number, on: abi)
        let compared = filter.comparedArguments(abi: abi, number: number)
        var args = n.arguments
        for i in args.indices where !compared.contains(i) { args[i] = 0 }
        var pointee: UInt64?
        if name == "clone3" {
            // struct clone_args starts with the 64-bit flags.
            if let bytes = context.readMemory(at: n.arguments[0], count: 8) {
                pointee = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            }
        }
        var observation = ArgumentObservation(abi: abi.name, number: number, name: name, arguments: args, pointee: pointee,
            count: 1, argumentClass: "")
        observation.argumentClass = ArgumentClass.describe(observation, bits: abi.argumentBits)
        let key = observation.key
        let isNew = state.withLock { $0.calls[key] == nil }
        // The process's name and executable, read while it waits in the call (first sighting only).
        let command = isNew ? Self.readProcFile(n.pid, "comm") : ""
        let executable = isNew ? Self.readLink("/proc/\(n.pid)/exe") : nil
        let tgid = isNew ? Self.threadGroup(of: n.pid) : n.pid
        state.withLock { st in
            if st.calls[key] != nil {
                st.calls[key]?.observation.count += 1
            } else {
                st.calls[key] = Call(observation: observation, pid: tgid, command: command, executable: executable)
                st.order.append(key)
            }
        }
    }

    func snapshot() -> (observations: [Call], problems: [String]) {
        state.withLock { st in (st.order.compactMap { st.calls[$0] }, st.problems) }
    }

    /// A /proc file of `pid` without its final newline; empty when it cannot be read (the
    /// process is gone).
    private static func readProcFile(_ pid: Int32, _ file: String) -> String {
        let text = (try? TextFile.read("/proc/\(pid)/\(file)")) ?? ""
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func threadGroup(of tid: Int32) -> Int32 {
        for line in readProcFile(tid, "status").split(separator: "\n") where line.hasPrefix("Tgid:") {
            if let v = line.dropFirst(5).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ Int32($0) }) {
                return v
            }
        }
        return tid
    }
}
