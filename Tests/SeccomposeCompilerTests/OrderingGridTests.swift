// Issue 19, "never refuse what fits": rules with ordering comparisons on two 64-bit arguments make
// libseccomp trees whose paths are too many to write down one by one (eight such rules needed over
// 65 536); the importer writes the same decision as disjoint boxes of values (GridDecision.swift).
// Checked on every corner of the grid the rules' constants make: the compiled program against the
// policy, and both against libseccomp 2.5.4 (libseccomp-export). Where 2.5.4's program departs,
// its own PFC listing (rendered from its rule tree) must decide as Seccompose: the known defect
// of its code generator (a test after a fallen-through sub-level compares a stale argument
// word), which LibseccompProfileDifferentialTests counts the same way.

import Foundation
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("OCI profiles: two-argument ordering rules decide as libseccomp, however many paths they make")
struct OrderingGridTests {
    static let operators = ["SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE"]

    @Test("4–24 rules of two ordering comparisons each, on one and three ABIs", arguments: [[Architecture.x86_64], [.x86_64, .x32, .x86]])
    func grid(abis: [Architecture]) throws {
        try Self.check(abis: abis, syscall: "mmap", arguments: 2, counts: [4, 5, 6, 8, 12, 24])
    }

    @Test("20–60 rules of one ordering comparison on a 64-bit and on a 32-bit argument (mmap, personality)",
        arguments: ["mmap", "personality"])
    func oneArgument(syscall: String) throws {
        try Self.check(abis: [.x86_64, .x32, .x86], syscall: syscall, arguments: 1, counts: [20, 60])
    }

    static func check(abis: [Architecture], syscall: String, arguments: Int, counts: [Int]) throws {
        let exporter = try Support.requireBuilt("libseccomp-export")
        var rng = SplitMix(state: 0x6e1d + UInt64(abis.count) + (arguments == 2 ? 0 : UInt64(syscall.count) << 16))
        let wide: [UInt64] = [0, 1, 7, 0xFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0007, 0xFFFF_FFFF_FFFF_FFFE]
        var queries = 0, departures = 0, wrong: [String] = []
        for count in counts {
            var rules: [(Int, String, UInt64)] = []
            var json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"architectures\": ["
                + abis.map { "\"\($0.ociName)\"" }.joined(separator: ", ") + "], \"syscalls\": [\n"
                + "{\"names\": [\"read\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}"
            var spec = "default errno 1\nbadarch kill_thread\nrules translated\n" + abis.map { "arch \($0.name)\n" }.joined()
            spec += "rule allow read\nrule allow exit_group\n"
            var constants: [[UInt64]] = [[0], [0]]
            for _ in 0..<count {
                var conds: [String] = [], line = "rule allow \(syscall)"
                for index in 0..<arguments {
                    let op = Self.operators[Int(rng.next() % 4)]
                    let v = rng.next() % 2 == 0 ? wide[Int(rng.next() % UInt64(wide.count))] : rng.next() % 0x1_0000
                    conds.append("{\"index\": \(index), \"value\": \(v), \"op\": \"\(op)\"}")
                    line += " \(index) \(op.dropFirst("SCMP_CMP_".count).lowercased()) \(v)"
                    constants[index].append(v)
                    rules.append((index, op, v))
                }
                json += ",\n{\"names\": [\"\(syscall)\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [" + conds.joined(separator: ", ") + "]}"
                spec += line + "\n"
            }
            json += "\n]}\n"
            let theirs = try Support.withTemporaryDirectory { dir -> RunResult in
                let f = dir.appendingPathComponent("spec")
                try Support.write(spec, to: f)
                return try Support.run("/bin/sh", ["-c", "exec \(Support.shellQuote(exporter)) < \(Support.shellQuote(f.path))"], timeout: 120)
            }
            let lib = try #require(theirs.status == 0 ? Program(rawBytes: Array(theirs.stdoutData)) : nil, "libseccomp: \(theirs.stderr)")
            let pfcRun = try LibseccompProfileDifferentialTests.export(exporter, spec + "output pfc\n")
            let pfc = try #require(PFC(pfcRun.stdout), "unreadable PFC:\n\(pfcRun.stdout)")
            // Loaded, not refused, and compiled within the kernel's limit.
            let imported = try OCIProfileImporter.load(json: Array(json.utf8), file: "g.json", target: OCITarget(architecture: .x86_64),
                argumentWidths: .systemd)
            let ours = try Compiler.compile(imported.policy, options: CompileOptions(argumentWidths: .systemd)).instructions
            #expect(ours.count <= BPF.maximumInstructions)
            // Every corner of the grid: each constant, its neighbours, and the words' edges.
            func around(_ cs: [UInt64]) -> [UInt64] {
                var out: Set<UInt64> = [0, .max, 0xFFFF_FFFF, 0x1_0000_0000]
                for c in cs { out.formUnion([c, c &- 1, c &+ 1]) }
                return out.sorted()
            }
            let xs = around(constants[0]), ys = around(constants[1])
            for abi in abis {
                guard let nr = SyscallTable.number(of: syscall, on: abi) else { continue }
                for x in xs {
                    for y in ys {
                        let data = SeccompData(abi: abi, number: nr, args: [x, y, 0, 0, 0, 0])
                        let l = try Simulator.run(lib.instructions, data).action
                        let o = try Simulator.run(ours, data).action
                        let p = imported.policy.action(auditArch: abi.auditArch, number: UInt32(nr), arguments: data.args.map { $0 })
                        queries += 1
                        if o == p, o == l { continue }
                        if o == p, pfc.action(data, wide: abi.argumentBits == 64) == o {
                            departures += 1
                        } else if wrong.count < 5 {
                            wrong.append("\(count) rules, \(abi) \(syscall)(0x\(String(x, radix: 16)), 0x\(String(y, radix: 16))): ours \(o), policy \(p), libseccomp \(l)")
                        }
                    }
                }
            }
        }
        print("ordering grid \(syscall), \(arguments) argument(s), \(abis.map(\.name).joined(separator: "+")): \(queries) queries, \(departures) where libseccomp 2.5.4's program contradicts its PFC listing")
        #expect(queries > 1_000)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }
}
