// The compiler's name resolution (Resolution.swift): each ABI's table in number order must be the
// table, and the resolved entries the policy's (the name index itself: SyscallTableTests).

@testable import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("compiler: names resolved to table ids")
struct ResolutionTests {
    @Test("each ABI's table in number order is its table", arguments: Architecture.allCases)
    func numberOrder(abi: Architecture) {
        let order = NumberOrder.of(abi)
        #expect(order.numbers == SyscallTable.syscalls(on: abi).map { UInt32(truncatingIfNeeded: $0.number) })
        for (id, number) in SyscallTable.numbersByID(on: abi).enumerated() {
            let rank = order.rankByID[id]
            if number < 0 {
                #expect(rank == -1)
            } else {
                #expect(rank >= 0 && Int(order.numbers[Int(rank)]) == number, "id \(id): rank \(rank)")
            }
        }
        #expect(NumberOrder.of(abi).numbers == order.numbers, "made once, then the same table")
    }

    @Test("the resolved tables hold every known name of the policy's tables, with its action or rules")
    func entries() throws {
        var p = Policy(.errno(1), architectures: [.x86_64, .x86])
        for name in ["read", "write", "openat", "not_a_syscall"] { try? p.addRule(.allow, syscall: name) }
        try p.addRule(.killProcess, syscall: "ptrace")
        try p.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1)])
        let e = Compiler.resolvedEntries(p)
        let table = e[.x86_64]
        #expect(table.ids.count == p.syscalls.keys.filter { SyscallTable.id(of: $0) != nil }.count)
        for (k, id) in table.ids.enumerated() {
            let name = SyscallTable.allNames[Int(id)]
            let d = try #require(p.syscalls[name])
            let kind = Int(table.kinds[k])
            if d.rules.isEmpty {
                #expect(kind >= 0 && e.actions[kind] == d.action, "\(name)")
            } else {
                #expect(kind < 0 && e.ruled[-kind - 1] == d, "\(name)")
            }
        }
    }

    @Test("the judged tables (the policy's own with the kernel-reads pass's changes over them) are the written-out effective policy, and compile() and compiled() make one program",
        arguments: [ArgumentWidthMode.kernel, .strict, .systemd])
    func judgedTables(mode: ArgumentWidthMode) throws {
        let dockerPath = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        let docker = try OCIProfileImporter.load(json: Array(try TextFile.read(dockerPath).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64)).policy
        // Multiplexers closed on x86, a constant setns' int cannot hold, a per-ABI table.
        var mixed = Policy(.errno(1), architectures: [.x86_64, .x32, .x86])
        try mixed.addRule(.allow, syscall: "read")
        try mixed.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1)])
        try mixed.addRule(.allow, syscall: "setns", [ArgumentCondition(index: 1, .equal, 1 << 32)])
        try mixed.addRule(.errno(2), syscall: "shmctl", [ArgumentCondition(index: 1, .equal, 0)])
        var own = mixed
        own.abiSyscalls[.x86] = mixed.syscalls.filter { $0.key != "read" }
        for policy in [docker, mixed, own] {
            let effective = policy.judgingKernelReads(mode)
            let tables = policy.judgedTables(mode)
            #expect(tables.policy == effective)
            let e = Compiler.resolvedEntries(tables)
            for abi in policy.architectures {
                let table = e[abi]
                let written = effective.decisions(for: abi)
                #expect(table.ids.count == written.keys.filter { SyscallTable.id(of: $0) != nil }.count, "\(abi)")
                let judged = e.judgedTable(table)
                for (k, id) in table.ids.enumerated() {
                    let name = SyscallTable.allNames[Int(id)]
                    let d = try #require(judged[name], "\(abi) \(name)")
                    #expect(written[name] == d, "\(abi) \(name)")
                    let kind = Int(table.kinds[k])
                    #expect(d.rules.isEmpty ? kind >= 0 && e.actions[kind] == d.action : kind < 0 && e.ruled[-kind - 1] == d)
                    #expect(table.priorities[k] == d.priority)
                    #expect(table.returns[k] == (d.rules.isEmpty ? UInt64(d.action.returnValue) : Compiler.Entries.byArguments))
                }
            }
            guard mode != .systemd || policy.argumentWidths == nil else { continue }
            let options = CompileOptions(argumentWidths: mode)
            let (compiledPolicy, program) = try Compiler.compiled(policy, options: options)
            #expect(compiledPolicy == Compiler.effectivePolicy(policy, options: options))
            #expect(try Compiler.compile(policy, options: options).instructions == program.instructions)
        }
    }
}
