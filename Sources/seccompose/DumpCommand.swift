// DumpCommand.swift: `seccompose dump PID`: the filters a running process has.

import ArgumentParser
import FoundationEssentials
import SeccomposeCompiler
import SeccomposeDiagnostics
import SeccomposeDiff
import SeccomposeRuntime
import SeccomposeSyscalls

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the seccomp filters a running process has (newest first) and what they decide.",
        discussion: """
            Reads the filters with ptrace(PTRACE_SECCOMP_GET_FILTER): needs root (CAP_SYS_ADMIN) and \
            ptrace rights over the process, which keeps running. The summary judges the whole stack \
            as the kernel does, on the host's ABIs. Exit status: 0, or 2 when the filters cannot be read.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case asm, raw, json
    }

    @Argument(help: ArgumentHelp("The process id.", valueName: "pid"))
    var pid: Int32

    @Option(help: "Output: asm (disassembly and summary), raw (one filter's struct sock_filter bytes; see --index) or json (schema seccompose.dump/1).")
    var format: Format = .asm

    @Option(help: ArgumentHelp("With --format raw: which filter, 0 the newest (required when the process has several).", valueName: "n"))
    var index: Int?

    func run() throws {
        if index != nil, format != .raw { throw ValidationError("--index is used with --format raw only") }
        let filters: [Program]
        do {
            filters = try InstalledFilters.read(pid: pid)
        } catch {
            Terminal.report(error)
            throw ExitCode(.unreadable)
        }
        if format == .raw {
            guard !filters.isEmpty else {
                Terminal.error("seccompose: error: pid \(pid) has no seccomp filter\n  fix: dump a process that has one")
                throw ExitCode(.unreadable)
            }
            let i = index ?? 0
            guard index != nil || filters.count == 1 else {
                throw ValidationError("pid \(pid) has \(filters.count) filters: choose one with --index 0…\(filters.count - 1) (0 the newest)")
            }
            guard filters.indices.contains(i) else {
                throw ValidationError("--index \(i): pid \(pid) has \(filters.count) filter(s), 0…\(filters.count - 1)")
            }
            Terminal.out(Export.raw(filters[i]))
            return
        }
        let summary: [FilterSummary]
        do {
            summary = try FilterSummary.summarize(FilterStack(label: "pid:\(pid)", programs: filters.reversed()),
                abis: Architecture.native.localABIs.reversed())
        } catch {
            Terminal.report(error)
            throw ExitCode(.unreadable)
        }
        if format == .json { return try Terminal.json(DumpJSON(pid: pid, filters: filters, summary: summary)) }
        var s = "pid \(pid): \(filters.count) seccomp filter\(filters.count == 1 ? "" : "s")\(filters.isEmpty ? "" : ", newest first")\n"
        for (i, f) in filters.enumerated() {
            s += "\n# filter \(i)\(i == 0 ? " (newest)" : "")\(i == filters.count - 1 && i > 0 ? " (oldest)" : ""): \(f.instructions.count) instructions\n"
            s += Export.disassembly(f)
        }
        s += "\nsummary (the whole stack, as the kernel judges it):\n"
        for line in summary { s += "  \(line.line)\n" }
        Terminal.out(s)
    }
}

/// The JSON rendering of `dump` (schema `seccompose.dump/1`, docs/json.md).
struct DumpJSON: Encodable {
    struct Filter: Encodable {
        var index: Int
        var length: Int
        var instructions: [ProgramJSON.Instruction]
    }

    var schema = "seccompose.dump/1"
    var seccomposeVersion = SeccomposeVersion.current
    var pid: Int32
    var filters: [Filter]
    var summary: [FilterSummary]

    init(pid: Int32, filters: [Program], summary: [FilterSummary]) {
        self.pid = pid
        self.filters = filters.enumerated().map { i, p in
            Filter(index: i, length: p.instructions.count,
                instructions: p.instructions.map { ProgramJSON.Instruction(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) })
        }
        self.summary = summary
    }
}
