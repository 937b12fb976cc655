// LearnCommand.swift: `seccompose learn -- CMD`, `learn UNIT` and `learn --merge A.json B.json`:
// parses the options, hands the run to SeccomposeLearn's `Learner` and prints the result.

import ArgumentParser
import FoundationEssentials
import Glibc
import SeccomposeInput
import SeccomposeLaunch
import SeccomposeLearn
import SeccomposeRuntime
import SeccomposeSyscalls
import SeccomposeSystemd

struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Run a command (after '--') or a unit and learn the filter it needs.",
        discussion: """
            The command and every process it starts run under a recording filter from their exec on, \
            on every ABI: each call is logged (read from the audit netlink group and attributed to the \
            run's processes), and the few calls an argument-backed directive would refuse are shown to \
            Seccompose (user notification) and continued. Stdin, stdout and stderr pass through. \
            Afterwards the result goes to --output (default stdout): a [Service] drop-in (default) \
            with SystemCallFilter= as a group cover, SystemCallArchitectures= and the directives the \
            run proves safe; the one-line SystemCallFilter= value (--format expression, for run \
            --filter); or the evidence as JSON (--format json, schema seccompose.learn/1), which \
            --merge combines from several runs. A unit's Exec*= commands run with its other \
            settings, but not under its own SystemCall*= filter. Exit status: the command's; 1 \
            when it succeeded but the evidence is incomplete (a record was lost, a process not \
            followed: the drop-in says so); 2 when an input file cannot be read.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dropin, expression, json
    }

    @OptionGroup var systemd: SystemdOptions

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the result to this file instead of stdout.", valueName: "file"))
    var output: String?

    @Option(help: "The result: dropin (a [Service] drop-in), expression (one SystemCallFilter= value) or json (the evidence).")
    var format: Format = .dropin

    @Option(name: .customLong("errno-unobserved"),
        help: ArgumentHelp("Make never-observed calls fail with this errno instead of killing (e.g. ENOSYS, so libc fallbacks work).", valueName: "errno"))
    var errnoUnobserved: String?

    @Option(name: .customLong("merge"), parsing: .upToNextOption,
        help: ArgumentHelp("Merge these JSON evidence files (from --format json) instead of running anything.", valueName: "file"))
    var mergeFiles: [String] = []

    @Option(help: ArgumentHelp("With a unit: the root directory for the unit search paths.", valueName: "dir"))
    var root: String?

    @Flag(help: "Learn UNIT from the seccomp audit records already in the journal instead of running it (it ran with SystemCallLog=).")
    var journal = false

    @Option(help: ArgumentHelp("With --journal: only records since this time: @SECONDS, YYYY-MM-DD [HH:MM[:SS]] (local time), or -N[s|min|h|d] ago.", valueName: "time"))
    var since: String?

    @Option(name: .customLong("journal-directory"), help: ArgumentHelp("With --journal: read the journal files in this directory instead of the system journal.", valueName: "dir"))
    var journalDirectory: String?

    @Option(name: .customLong("pid"), help: ArgumentHelp("With --journal: a process id of the unit (repeatable), for processes that wrote nothing to the journal.", valueName: "pid"))
    var pids: [Int32] = []

    @Argument(help: ArgumentHelp("A unit name or file whose commands to learn.", valueName: "unit"))
    var unit: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to learn, or extra arguments for the unit's ExecStart=.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if !journal, since != nil || journalDirectory != nil || !pids.isEmpty {
            throw ValidationError("--since, --journal-directory and --pid apply to --journal only")
        }
        if journal {
            if unit == nil || !mergeFiles.isEmpty || !command.isEmpty || root != nil {
                throw ValidationError("--journal takes a UNIT name only (no command, --merge or --root)")
            }
            if let since, Self.parseTime(since) == nil {
                throw ValidationError("--since \(since): give @SECONDS, YYYY-MM-DD [HH:MM[:SS]] or -N[s|min|h|d]")
            }
            return
        }
        if !mergeFiles.isEmpty {
            if unit != nil || !command.isEmpty { throw ValidationError("--merge runs nothing: give no UNIT and no command after '--'") }
            if root != nil { throw ValidationError("--root applies to a unit only, not to --merge") }
            return
        }
        if unit == nil, command.isEmpty { throw ValidationError("give a UNIT, or the command after '--' (or --merge FILE…)") }
        if unit == nil, root != nil { throw ValidationError("--root applies to a unit only: give UNIT") }
        if format == .json, errnoUnobserved != nil {
            throw ValidationError("--errno-unobserved shapes the filter, which --format json does not write")
        }
    }

    func run() throws {
        let context = SystemdContext(version: try systemd.systemdVersion(), native: .native, catalog: try systemd.catalog(),
            argumentWidths: systemd.argumentWidths)
        var evidence: LearnEvidence
        var status = ExitStatus.success
        if !mergeFiles.isEmpty {
            evidence = try mergedEvidence()
        } else if journal, let unit {
            do {
                let learner = try Learner(context: context)
                evidence = try learner.learn(journalUnit: unit, pids: Set(pids), since: since.flatMap(Self.parseTime),
                    directory: journalDirectory)
            } catch {
                Terminal.report(error)
                throw ExitCode(.unreadable)
            }
        } else {
            let learner: Learner
            do { learner = try Learner(context: context) } catch {
                Terminal.report(error)
                throw ExitCode(.seccomp)
            }
            let run: Learner.Run
            if let unit {
                var request = FilterRequest(context: context)
                request.unit = UnitArgument.reference(unit, root: root)
                var launch = UnitLaunch(request: request)
                launch.extraArguments = command
                do { run = try learner.learn(unit: launch) } catch {
                    reportDiagnostics(error.diagnostics)
                    Terminal.report(error)
                    throw ExitCode(error.exitStatus)
                }
            } else {
                run = learner.learn(command: command)
            }
            if let failure = run.report.failure {
                Terminal.report(failure)
                throw ExitCode(failure.exitStatus)
            }
            evidence = run.evidence
            status = run.report.exitStatus
        }
        for p in evidence.problems { Terminal.error("seccompose: warning: \(p)") }
        if !evidence.complete {
            Terminal.error("seccompose: warning: the evidence is incomplete: the learned filter may deny calls the program makes")
        }
        let text: String
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            text = String(decoding: try encoder.encode(evidence), as: UTF8.self) + "\n"
        } else {
            let learned: LearnedFilter
            do { learned = try LearnedFilter(evidence: evidence, context: context, errorNumber: errnoUnobserved) } catch {
                Terminal.report(error)
                throw ExitCode(error.message.hasPrefix("--errno-unobserved") ? .usage : .findings)
            }
            text = format == .dropin ? learned.dropIn() : learned.expression + "\n"
        }
        try writeOutput(Array(text.utf8), to: output)
        if status == .success, !evidence.complete { status = .findings }
        if status != .success { throw ExitCode(status) }
    }

    private func mergedEvidence() throws -> LearnEvidence {
        var merged: LearnEvidence?
        for file in mergeFiles {
            let text: String
            do { text = try TextFile.read(file) } catch {
                Terminal.report(error)
                throw ExitCode(.unreadable)
            }
            let one: LearnEvidence
            do {
                one = try JSONDecoder().decode(LearnEvidence.self, from: Data(text.utf8))
            } catch {
                Terminal.error("\(file): error: not learn evidence (\(LearnEvidence.schemaName)): \(error)\n"
                    + "  fix: give files written by 'seccompose learn --format json'")
                throw ExitCode(.unreadable)
            }
            guard one.schema == LearnEvidence.schemaName else {
                Terminal.error("\(file): error: schema '\(one.schema)' is not \(LearnEvidence.schemaName)\n"
                    + "  fix: give files written by 'seccompose learn --format json'")
                throw ExitCode(.unreadable)
            }
            if merged == nil {
                merged = one
            } else {
                do { try merged?.merge(one) } catch {
                    Terminal.error("\(file): error: \(error.message)\n  fix: \(error.fix)")
                    throw ExitCode(.findings)
                }
            }
        }
        guard let merged else { throw ValidationError("--merge needs the JSON evidence files to merge") }
        return merged
    }

    /// `--since`: @SECONDS, `YYYY-MM-DD [HH:MM[:SS]]` in local time, or `-N` with a unit ago;
    /// µs since the epoch.
    static func parseTime(_ text: String) -> UInt64? {
        if text.hasPrefix("@"), let s = UInt64(text.dropFirst()) { return s * 1_000_000 }
        if text.hasPrefix("-") {
            let body = text.dropFirst()
            let digits = body.prefix { $0.isNumber }
            guard let n = UInt64(digits) else { return nil }
            let units: [String: UInt64] = ["": 1, "s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400]
            guard let unit = units[String(body.dropFirst(digits.count))] else { return nil }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let nowUS = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec / 1000)
            let back = n * unit * 1_000_000
            return back > nowUS ? 0 : nowUS - back
        }
        // YYYY-MM-DD [HH:MM[:SS]], local time.
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard (1...2).contains(parts.count) else { return nil }
        let date = parts[0].split(separator: "-").map { Int32($0) }
        let time = parts.count == 2 ? parts[1].split(separator: ":").map { Int32($0) } : []
        guard date.count == 3, date.allSatisfy({ $0 != nil }), parts.count == 1 || (2...3).contains(time.count),
            time.allSatisfy({ $0 != nil })
        else { return nil }
        var t = tm()
        t.tm_year = (date[0] ?? 1970) - 1900
        t.tm_mon = (date[1] ?? 1) - 1
        t.tm_mday = date[2] ?? 1
        t.tm_hour = time.first.flatMap { $0 } ?? 0
        t.tm_min = time.count > 1 ? time[1] ?? 0 : 0
        t.tm_sec = time.count > 2 ? time[2] ?? 0 : 0
        t.tm_isdst = -1
        guard (0...11).contains(t.tm_mon), (1...31).contains(t.tm_mday), (0...23).contains(t.tm_hour),
            (0...59).contains(t.tm_min), (0...60).contains(t.tm_sec)
        else { return nil }
        let seconds = mktime(&t)
        return seconds >= 0 ? UInt64(seconds) * 1_000_000 : nil
    }
}
