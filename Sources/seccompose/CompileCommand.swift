// CompileCommand.swift: `seccompose compile`, `simulate` and `explain`.

import ArgumentParser
import SeccomposeDiagnostics
import SeccomposeRuntime
import FoundationEssentials
import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile SystemCall*= settings into one seccomp BPF program for all ABIs.",
        discussion: """
            Fails closed: if the settings cannot be turned into a policy, nothing is written and \
            the exit status is 1. When the input gave warnings (parts systemd ignores), the program \
            is written and the exit status is 1.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case raw, c, pfc, asm, json, oci, lxc
    }

    @OptionGroup var input: PolicyOptions

    @Argument(help: ArgumentHelp("A unit to compile (the same as --unit UNIT).", valueName: "unit"))
    var unitName: String?

    @Option(help: "Output: raw (struct sock_filter bytes), c, pfc (pseudo code), asm (disassembly), json, oci (an OCI linux.seccomp object / Docker profile) or lxc (an LXC version 2 seccomp policy).")
    var format: Format = .asm

    @Flag(help: "With --format oci or lxc: write the profile even when it cannot express every decision (the losses are listed on stderr).")
    var lossy = false

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func run() throws {
        if lossy, format != .oci, format != .lxc { throw ValidationError("--lossy is used with --format oci or lxc only") }
        if format == .oci || format == .lxc {
            return try ProfileExport.run(input: input, positionalUnit: unitName, lxc: format == .lxc, lossy: lossy, output: output)
        }
        // The PFC and JSON renderings show the policy as the program implements it (widths, multiplexers).
        let (policy, program, findings, systemd) = try input.compiledWithVersion(positionalUnit: unitName)
        let bytes: [UInt8]
        let header = OutputHeader.text(systemd: systemd)
        switch format {
        case .raw: bytes = Export.raw(program)
        case .c: bytes = Array(Export.cArray(program, header: header).utf8)
        case .pfc: bytes = Array(Export.pseudoCode(policy, header: header).utf8)
        case .asm: bytes = Array(Export.disassembly(program, header: header).utf8)
        case .json: bytes = Array(try ProgramJSON.encode(policy: policy, program: program, systemd: systemd).utf8)
        case .oci, .lxc: return  // written by ProfileExport above
        }
        try writeOutput(bytes, to: output)
        if findings { throw ExitCode(.findings) }
    }
}

/// The JSON rendering of a compiled program (schema `seccompose.program/1`, docs/json.md).
enum ProgramJSON {
    struct Instruction: Encodable {
        var code: UInt16
        var jt: UInt8
        var jf: UInt8
        var k: UInt32
    }

    struct ABIStats: Encodable {
        var abi: String
        var auditArch: UInt32
        var cacheable: Int
    }

    struct Document: Encodable {
        var schema = "seccompose.program/1"
        /// The Seccompose version that wrote this document.
        var seccomposeVersion = SeccomposeVersion.current
        /// The systemd version the settings were read as (absent for a profile).
        var systemd: Int?
        var length: Int
        var architectures: [ABIStats]
        var otherArchitectures: String
        var defaultAction: String
        var instructions: [Instruction]
    }

    static func encode(policy: Policy, program: Program, systemd: SystemdVersion?) throws -> String {
        let doc = Document(
            systemd: systemd?.rawValue,
            length: program.instructions.count,
            architectures: policy.architectures.map {
                ABIStats(abi: $0.name, auditArch: $0.auditArch,
                    cacheable: CacheAnalysis.cacheableNumbers(program.instructions, abi: $0).count)
            },
            otherArchitectures: policy.otherArchitectureAction.description, defaultAction: policy.defaultAction.description,
            instructions: program.instructions.map { Instruction(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
    }
}

/// The call to simulate or explain: ABI, syscall (name or number) and arguments.
struct CallArguments: ParsableArguments {
    @Option(help: ArgumentHelp("The ABI of the call.", valueName: "abi"))
    var arch: String = Architecture.native.name

    @Argument(parsing: .allUnrecognized,
        help: ArgumentHelp("An optional unit (a path, or a name ending in .service; the same as --unit UNIT), "
            + "then the syscall (name, or the number the kernel sees in nr) and up to six arguments (decimal, 0x hex, "
            + "negative as two's complement; no '--' needed).", valueName: "syscall"))
    var call: [String]

    func validate() throws {
        try rejectOptions(Array(syscallAndArguments))
    }

    /// The unit given positionally (first, recognised by a `/` or `.service`).
    var positionalUnit: String? { call.first.flatMap { UnitArgument.looksLikeUnit($0) ? $0 : nil } }

    /// The syscall and its arguments, after the unit.
    var syscallAndArguments: ArraySlice<String> { positionalUnit == nil ? call[...] : call.dropFirst() }

    /// Compiles `input`'s policy and explains this call against it; whether the input gave
    /// warnings (exit status 1 after the output).
    func explain(_ input: PolicyOptions) throws -> (Explanation, findings: Bool, systemd: SystemdVersion?) {
        let (abi, number, args) = try resolved()
        let (policy, program, findings, systemd) = try input.compiledWithVersion(positionalUnit: positionalUnit)
        return (try Explanation.explain(policy: policy, program: program, abi: abi, number: number, arguments: args), findings,
            systemd)
    }

    func resolved() throws -> (Architecture, Int, [UInt64]) {
        guard let abi = Architecture(name: arch) else { throw ValidationError("unknown ABI '\(arch)'") }
        let call = syscallAndArguments
        guard let first = call.first else { throw ValidationError("give the syscall (name or number)") }
        let number: Int
        if let n = NumberSyntax.syscallNumber(first) {
            number = n
        } else if let n = SyscallTable.number(of: first, on: abi) {
            number = n
        } else {
            throw ValidationError("'\(first)' is not a syscall on \(abi.name)")
        }
        guard call.count <= 7 else { throw ValidationError("at most six arguments") }
        var args: [UInt64] = []
        for a in call.dropFirst() {
            guard let v = NumberSyntax.value(a) else {
                throw ValidationError("argument '\(a)' is not a number: write decimal, 0x hex, or a negative number")
            }
            args.append(v)
        }
        return (abi, number, args)
    }
}

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the compiled program on one call and print the action and the instructions executed."
    )

    @OptionGroup var input: PolicyOptions
    @OptionGroup var callArguments: CallArguments

    @Option(help: "Output format: text or json (schema seccompose.call/1, docs/json.md).")
    var format: OutputFormat = .text

    func run() throws {
        let (e, findings, systemd) = try callArguments.explain(input)
        if format == .json {
            try Terminal.json(CallJSON(e, systemd: systemd))
        } else {
            // One parenthesis for what is said about the line: the kernel's cache, the systemd version.
            let notes = [e.cached ? "cached by the kernel" : nil, systemd.map { "systemd \($0)" }].compactMap { $0 }
            Terminal.out("\(e.programAction)\t\(e.instructionsExecuted) instructions"
                + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")") + "\n")
        }
        if findings { throw ExitCode(.findings) }
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say which setting or rule decides a call, and what the compiled program does with it."
    )

    @OptionGroup var input: PolicyOptions
    @OptionGroup var callArguments: CallArguments

    @Option(help: "Output format: text or json (schema seccompose.call/1, docs/json.md).")
    var format: OutputFormat = .text

    func run() throws {
        let (e, findings, systemd) = try callArguments.explain(input)
        if format == .json {
            try Terminal.json(CallJSON(e, systemd: systemd))
            if e.programAction != e.action { throw ExitCode(.internalError) }
            if findings { throw ExitCode(.findings) }
            return
        }
        // A number the kernel attributes to the other ABI of AUDIT_ARCH_X86_64 says so.
        let judged = e.judgedABI.flatMap { $0 == e.abi ? nil : $0 }
        let call = judged.map { "#\(e.number) = \($0.name) \(e.name ?? "#\(e.number)")" } ?? (e.name ?? "#\(e.number)")
        var s = "\(e.abi.name) \(call) (\(e.number)): \(e.action)\(OutputHeader.suffix(systemd: systemd))\n"
        s += "  because: \(e.reason)\n"
        s += "  program: \(e.programAction) after \(e.instructionsExecuted) instructions"
        s += e.cached ? "; the kernel caches it (no instructions run)\n" : "\n"
        Terminal.out(s)
        if e.programAction != e.action {
            Terminal.error("seccompose: internal error: the program disagrees with the policy")
            throw ExitCode(.internalError)
        }
        if findings { throw ExitCode(.findings) }
    }
}

/// What the text outputs say about the versions that made them, as the JSON documents do with
/// `seccomposeVersion` and `systemd` (absent for an OCI profile, which has no systemd version).
enum OutputHeader {
    /// `seccompose 0.9.0, systemd 262` (without the systemd part for a profile): the comment
    /// line heading `compile --format asm|pfc|c`.
    static func text(systemd: SystemdVersion?) -> String {
        "seccompose \(SeccomposeVersion.current)" + (systemd.map { ", systemd \($0)" } ?? "")
    }

    /// ` (systemd 262)`, or nothing for a profile: the end of simulate's line and of explain's first line.
    static func suffix(systemd: SystemdVersion?) -> String {
        systemd.map { " (systemd \($0))" } ?? ""
    }
}

/// One call, explained and simulated (schema `seccompose.call/1`, docs/json.md): what `explain`
/// and `simulate --format json` print.
struct CallJSON: Encodable {
    var schema = "seccompose.call/1"
    /// The Seccompose version that wrote this document.
    var seccomposeVersion = SeccomposeVersion.current
    /// The systemd version the settings were read as (absent for a profile).
    var systemd: Int?
    var abi: String
    var number: Int
    var name: String?
    /// The ABI the kernel attributes the number to, when it is the other x86-64/x32 ABI.
    var judgedAs: String?
    var arguments: [UInt64]
    var action: String
    var reason: String
    var origin: Origin?
    var programAction: String
    var instructionsExecuted: Int
    var cachedByKernel: Bool

    init(_ e: Explanation, systemd: SystemdVersion?) {
        self.systemd = systemd?.rawValue
        abi = e.abi.name
        number = e.number
        name = e.name
        judgedAs = e.judgedABI.flatMap { $0 == e.abi ? nil : $0.name }
        arguments = e.arguments
        action = e.action.description
        reason = e.reason
        origin = e.origin
        programAction = e.programAction.description
        instructionsExecuted = e.instructionsExecuted
        cachedByKernel = e.cached
    }
}
