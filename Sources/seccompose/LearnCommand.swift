// LearnCommand.swift: `seccompose learn -- CMD`, `learn UNIT` and `learn --merge A.json B.json`:
// parses the options, hands the run to SeccomposeLearn's `Learner` and prints the result.

import ArgumentParser
import Foundation
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

    @Argument(help: ArgumentHelp("A unit name or file whose commands to learn.", valueName: "unit"))
    var unit: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to learn, or extra arguments for the unit's ExecStart=.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
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
                Terminal.error("\(file): error: not learn evidence (\(LearnEvidence.formatName)): \(error)\n"
                    + "  fix: give files written by 'seccompose learn --format json'")
                throw ExitCode(.unreadable)
            }
            guard one.format == LearnEvidence.formatName else {
                Terminal.error("\(file): error: format '\(one.format)' is not \(LearnEvidence.formatName)\n"
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
}
