// DiffCommand.swift: `seccompose diff OLD NEW`: what one filter decides differently from another.

import ArgumentParser
import FoundationEssentials
import SeccomposeCompiler
import SeccomposeDiagnostics
import SeccomposeDiff
import SeccomposeInput
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two filters by what they decide, exactly: every ABI, syscall and argument class.",
        discussion: """
            Operands: a unit file (with its drop-ins), a Docker/OCI profile (JSON), an LXC seccomp \
            policy (version 1 or 2, as LXC applies it on the --native host), a raw program \
            (.bpf, from compile --format raw), pid:N (the filters a running process has, read with \
            ptrace: needs root) or expr:VALUE (a SystemCallFilter= value). Prints one line per change, \
            'ABI NAME[ (ARGCLASS)]: OLD -> NEW', grouped loosened / tightened / changed, then a summary. \
            Exit status: 0 identical, 1 they differ, 2 an operand could not be read or compared \
            (64 bad usage). Options an operand does not use are errors.
            """
    )

    @Argument(help: ArgumentHelp("The old filter.", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("The new filter.", valueName: "new"))
    var new: String

    @Option(name: .customLong("systemd"), help: ArgumentHelp("The systemd version both unit/expr operands are built for: 252 or 262 (default 262).", valueName: "version"))
    var systemd: String?

    @Option(name: .customLong("old-systemd"), help: ArgumentHelp("The systemd version for OLD (a unit or expr:).", valueName: "version"))
    var oldSystemd: String?

    @Option(name: .customLong("new-systemd"), help: ArgumentHelp("The systemd version for NEW (a unit or expr:).", valueName: "version"))
    var newSystemd: String?

    @Option(name: .customLong("sets"), help: ArgumentHelp("A directory of extra .set files, for unit/expr operands (repeatable).", valueName: "dir"))
    var setDirectories: [String] = []

    @Option(name: .customLong("argument-widths"), help: ArgumentHelp("How policy operands' argument rules are judged: kernel (default), strict or systemd.", valueName: "mode"))
    var argumentWidths: ArgumentWidthMode?

    @Option(help: ArgumentHelp("The ABI policy operands are built on (what 'native' means; a profile's container ABI).", valueName: "abi"))
    var native: String?

    @Option(help: ArgumentHelp("For profile operands: the container's capabilities, comma-separated (default: Docker's).", valueName: "caps"))
    var caps: String?

    @Option(help: ArgumentHelp("For profile operands: the host kernel version for minKernel, as X.Y (default 6.1).", valueName: "version"))
    var kernel: String?

    @Option(help: "Output format: text or json (schema seccompose.diff/1, docs/json.md).")
    var format: OutputFormat = .text

    func run() throws {
        let sides: [DiffOperand]
        do {
            sides = [try DiffOperand(old), try DiffOperand(new)]
        } catch {
            throw Self.fail(error)
        }
        try checkOptions(sides)
        let stacks = try [stack(sides[0], label: old, version: oldSystemd ?? systemd),
            stack(sides[1], label: new, version: newSystemd ?? systemd)]
        let diff: PolicyDiff
        do {
            diff = try FilterComparison.compare(stacks[0], stacks[1])
        } catch {
            throw Self.fail(error)
        }
        if format == .json {
            try Terminal.json(DiffJSON(diff))
        } else {
            Terminal.out(Self.text(diff))
        }
        if !diff.isIdentical { throw ExitCode(.findings) }
    }

    /// The text report: groups with their lines, then the summary.
    static func text(_ diff: PolicyDiff) -> String {
        var s = ""
        for direction in PolicyDiff.Direction.allCases {
            let changes = diff.changes(direction)
            guard !changes.isEmpty else { continue }
            s += "\(direction.rawValue) (\(changes.count)):\n"
            for c in changes { s += "  \(c)\n" }
        }
        return s + diff.summary + "\n"
    }

    /// Prints an error and gives the diff's error status (2).
    static func fail(_ error: any ReportableError) -> ExitCode {
        Terminal.report(error)
        return ExitCode(.unreadable)
    }

    /// Refuses options that no operand uses (they would be silently ignored otherwise).
    func checkOptions(_ sides: [DiffOperand]) throws {
        func refuse(_ option: String, _ why: String) -> ValidationError {
            ValidationError("\(option) is not used: \(why)")
        }
        if oldSystemd != nil, !sides[0].usesSystemd { throw refuse("--old-systemd", "OLD is not a unit or expr: operand") }
        if newSystemd != nil, !sides[1].usesSystemd { throw refuse("--new-systemd", "NEW is not a unit or expr: operand") }
        if systemd != nil {
            let users = sides.indices.filter { sides[$0].usesSystemd && ($0 == 0 ? oldSystemd : newSystemd) == nil }
            if users.isEmpty {
                throw refuse("--systemd", "no unit or expr: operand is built without its own --old-systemd/--new-systemd")
            }
        }
        if !setDirectories.isEmpty, !sides.contains(where: \.usesSystemd) { throw refuse("--sets", "no unit or expr: operand") }
        if argumentWidths != nil, !sides.contains(where: \.isPolicy) {
            throw refuse("--argument-widths", "both operands are BPF (raw or pid:), judged as they are")
        }
        if native != nil, !sides.contains(where: \.isPolicy) {
            throw refuse("--native", "both operands are BPF (raw or pid:), judged as they are")
        }
        if caps != nil, !sides.contains(where: \.isProfile) { throw refuse("--caps", "no operand is a profile") }
        if kernel != nil, !sides.contains(where: \.isProfile) { throw refuse("--kernel", "no operand is a profile") }
        for v in [systemd, oldSystemd, newSystemd].compactMap({ $0 }) where SystemdVersion(string: v) == nil {
            throw ValidationError("unknown systemd version '\(v)'; use one of: "
                + SystemdVersion.allCases.map(\.description).joined(separator: ", "))
        }
    }

    /// The filter stack an operand stands for.
    func stack(_ operand: DiffOperand, label: String, version: String?) throws -> FilterStack {
        switch operand {
        case .raw(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Self.fail(DiffError("\(path): cannot read the file", fix: "check the path and its permissions"))
            }
            guard !data.isEmpty, let program = Program(rawBytes: Array(data)) else {
                throw Self.fail(DiffError("\(path): \(data.count) bytes is not a whole number of 8-byte instructions",
                    fix: "give a program written by 'seccompose compile --format raw' (struct sock_filter, little-endian)"))
            }
            do {
                try Verifier.verify(program.instructions)
            } catch {
                throw Self.fail(DiffError("\(path): the kernel would refuse this program: \(error)",
                    fix: "give a program the kernel accepts (seccompose compile --format raw writes one)"))
            }
            return FilterStack(label: label, programs: [program])
        case .pid(let pid):
            do {
                // The kernel lists the newest first; a stack is kept oldest first.
                return FilterStack(label: label, programs: try InstalledFilters.read(pid: pid).reversed())
            } catch {
                throw Self.fail(error)
            }
        case .unit, .expression, .profile, .lxc:
            let request = try request(operand, version: version)
            do {
                let built = try request.policy()
                reportDiagnostics(built.diagnostics)
                return try FilterStack(label: label, policy: built.policy)
            } catch let error as FilterInputError {
                reportDiagnostics(error.diagnostics)
                throw Self.fail(error)
            } catch let error as DiffError {
                throw Self.fail(error)
            }
        }
    }

    /// The library request for a policy operand.
    func request(_ operand: DiffOperand, version: String?) throws -> FilterRequest {
        let abi: Architecture
        if let native {
            guard let a = Architecture(name: native) else { throw ValidationError("unknown ABI '\(native)' for --native") }
            abi = a
        } else {
            abi = .native
        }
        let v = version.flatMap { SystemdVersion(string: $0) } ?? .newest
        let catalog: SetCatalog
        do {
            catalog = try SetCatalog.load(version: v, userDirectories: operand.usesSystemd ? setDirectories : [])
        } catch {
            Terminal.error(error.description)
            throw ExitCode(.unreadable)
        }
        var r = FilterRequest(context: SystemdContext(version: v, native: abi, catalog: catalog,
            argumentWidths: argumentWidths ?? .kernel))
        switch operand {
        case .unit(let path): r.unit = .file(path)
        case .expression(let value): r.filters = [value]
        case .profile(let path):
            var target = OCITarget(architecture: abi)
            if let kernel {
                let parts = kernel.split(separator: ".").compactMap { Int($0) }
                guard parts.count == 2 else { throw ValidationError("--kernel takes MAJOR.MINOR, e.g. 6.1") }
                target.kernel = (parts[0], parts[1])
            }
            if let caps {
                target.capabilities = Set(caps.split(separator: ",").map {
                    let c = $0.uppercased()
                    return c.hasPrefix("CAP_") ? c : "CAP_" + c
                })
            }
            r.profile = FilterRequest.Profile(path: path, target: target)
        case .lxc(let path):
            // FilterRequest reads it as an LXC policy (its first line); the host ABI is --native.
            r.profile = FilterRequest.Profile(path: path, target: OCITarget(architecture: abi))
        case .raw, .pid: break
        }
        return r
    }
}

/// The JSON rendering of a diff (schema `seccompose.diff/1`, docs/json.md).
struct DiffJSON: Encodable {
    var schema = "seccompose.diff/1"
    var seccomposeVersion = SeccomposeVersion.current
    var old: String
    var new: String
    var identical: Bool
    var counts: [String: Int]
    var changes: [PolicyDiff.Change]
    var architecturesJudged: Int
    var cellsJudged: Int
    var summary: String

    init(_ d: PolicyDiff) {
        old = d.oldLabel
        new = d.newLabel
        identical = d.isIdentical
        counts = Dictionary(uniqueKeysWithValues: PolicyDiff.Direction.allCases.map { ($0.rawValue, d.changes($0).count) })
        changes = d.changes
        architecturesJudged = d.architecturesJudged
        cellsJudged = d.cellsJudged
        summary = d.summary
    }
}
