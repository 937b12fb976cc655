// ResolveCommand.swift: `seccompose resolve`, like libseccomp's scmp_sys_resolver, for every ABI.

import ArgumentParser
import SeccomposeDiagnostics
import SeccomposeRuntime
import SeccomposeSyscalls

struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Translate syscall names to numbers and numbers to names, per ABI.",
        discussion: "Prints one line per query and ABI: ABI, name, number ('-' where the ABI lacks the call)."
    )

    @Option(help: ArgumentHelp("Only this ABI (libseccomp, systemd or OCI spelling).", valueName: "abi"))
    var arch: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Argument(parsing: .allUnrecognized,
        help: ArgumentHelp("Syscall names or numbers (decimal, 0x hex, negative as two's complement; x32 numbers with or "
            + "without the 0x40000000 bit).", valueName: "name|number"))
    var queries: [String]

    struct Row: Encodable {
        var query: String
        var abi: String
        var name: String?
        var number: Int?
    }

    func validate() throws {
        if let arch, Architecture(name: arch) == nil {
            throw ValidationError("unknown ABI '\(arch)'; use one of: "
                + Architecture.allCases.map(\.name).joined(separator: " "))
        }
        if queries.isEmpty { throw ValidationError("give at least one syscall name or number") }
        try rejectOptions(queries)
    }

    func run() throws {
        let abis = arch.flatMap { Architecture(name: $0) }.map { [$0] } ?? Architecture.allCases
        var rows: [Row] = []
        var unresolved: [String] = []
        for q in queries {
            var found = false
            for abi in abis {
                if let (name, n) = NumberSyntax.syscall(q, on: abi) {
                    found = found || name != nil
                    rows.append(Row(query: q, abi: abi.name, name: name, number: name == nil ? nil : n))
                } else {
                    let n = SyscallTable.number(of: q, on: abi)
                    found = found || n != nil
                    rows.append(Row(query: q, abi: abi.name, name: q, number: n))
                }
            }
            if !found { unresolved.append(q) }
        }
        switch format {
        case .text:
            var s = ""
            for r in rows { s += "\(r.abi)\t\(r.name ?? "-")\t\(r.number.map(String.init) ?? "-")\n" }
            Terminal.out(s)
        case .json:
            try Terminal.json([
                "schema": AnyEncodable("seccompose.resolve/1"), "seccomposeVersion": AnyEncodable(SeccomposeVersion.current),
                "results": AnyEncodable(rows),
            ])
        }
        for q in unresolved {
            let where_ = abis.count == 1 ? "on \(abis[0].name)" : "on any ABI"
            Terminal.error("seccompose: '\(q)' is not a syscall \(where_) (tables: Linux \(SyscallTable.sourceVersion))")
        }
        if !unresolved.isEmpty { throw ExitCode(.findings) }
    }
}

/// Refuses a word of a list that takes negative numbers (`parsing: .allUnrecognized`) when it
/// is an option no command knows rather than a number: `--fliter` is a typo, `-1` a number.
func rejectOptions(_ words: [String]) throws {
    for w in words where w.hasPrefix("-") && NumberSyntax.value(w) == nil {
        throw ValidationError("unknown option '\(w)' (a negative number is written -N or -0xN)")
    }
}

/// Type erasure for heterogeneous JSON objects.
struct AnyEncodable: Encodable {
    let encodeTo: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeTo = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeTo(encoder) }
}
