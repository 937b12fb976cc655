// Per-ABI tables read in step with the shared one or described by their differences
// (Resolution.swift, Policy.abiDifferences), and the self-check's
// argument samples resumed at the first argument load (Simulator.runToFirstArgument / resume):
// both are shortcuts that must give what the long way gives.

@testable import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("compiler: per-ABI tables read in step, samples resumed")
struct SharedLayoutTests {
    static func docker() throws -> Policy {
        let path = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        return try OCIProfileImporter.load(json: Array(try TextFile.read(path).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64)).policy
    }

    /// A resolved table as (id, kind's action or rules, priority, return) per id, in id order.
    static func rows(_ e: Compiler.Entries, _ abi: Architecture) -> [String] {
        let t = e[abi]
        return t.ids.indices.map { k -> String in
            let kind = Int(t.kinds[k])
            let what = kind >= 0 ? "\(e.actions[kind])" : "\(e.ruled[-kind - 1])"
            return "\(t.ids[k]) \(what) \(t.priorities[k]) \(t.returns[k])"
        }.sorted()
    }

    @Test("Docker's per-ABI tables resolve as the same tables rebuilt entry by entry (not laid out as the shared one)")
    func dockerTables() throws {
        let docker = try Self.docker()
        #expect(!docker.abiSyscalls.isEmpty, "the profile makes per-ABI tables")
        var rebuilt = docker
        for (abi, table) in docker.abiSyscalls {
            var fresh: [String: SyscallDecision] = [:]
            for name in table.keys.sorted().reversed() { fresh[name] = table[name] }
            rebuilt.abiSyscalls[abi] = fresh
        }
        #expect(rebuilt == docker)
        for mode in [ArgumentWidthMode.kernel, .strict, .systemd] {
            let a = Compiler.resolvedEntries(docker.judgedTables(mode)), b = Compiler.resolvedEntries(rebuilt.judgedTables(mode))
            for abi in docker.architectures { #expect(Self.rows(a, abi) == Self.rows(b, abi), "\(mode) \(abi)") }
            let options = CompileOptions(argumentWidths: mode)
            #expect(try Compiler.compile(docker, options: options).instructions == Compiler.compile(rebuilt, options: options).instructions)
        }
    }

    @Test("a per-ABI table with names added, removed and changed against the shared one resolves as its lookups do")
    func tablesOutOfStep() throws {
        var rng = SplitMix(state: 15)
        let names = Array(SyscallTable.allNames.prefix(400)) + ["not_a_syscall", "neither_this"]
        for _ in 0..<40 {
            var shared: [String: SyscallDecision] = [:]
            for name in names where Int.random(in: 0..<3, using: &rng) > 0 {
                shared[name] = SyscallDecision(action: Bool.random(using: &rng) ? .allow : .errno(1))
            }
            var own = shared
            for name in names {
                switch Int.random(in: 0..<20, using: &rng) {
                case 0: own[name] = nil
                case 1: own[name] = SyscallDecision(action: .killProcess)
                case 2: own[name] = SyscallDecision(action: .allow, rules: [Rule([ArgumentCondition(index: 0, .equal, 3)], action: .errno(2))])
                default: break
                }
            }
            var p = Policy(.errno(38), architectures: [.x86_64, .x86])
            p.syscalls = shared
            p.abiSyscalls[.x86] = own
            var q = p
            var fresh: [String: SyscallDecision] = [:]
            for name in own.keys.sorted() { fresh[name] = own[name] }
            q.abiSyscalls[.x86] = fresh
            let a = Compiler.resolvedEntries(p), b = Compiler.resolvedEntries(q)
            #expect(Self.rows(a, .x86) == Self.rows(b, .x86))
            #expect(Self.rows(a, .x86_64) == Self.rows(b, .x86_64))
        }
    }

    @Test("per-ABI tables described by their differences (Policy.abiDifferences) resolve, judge and compile as the same tables without the hint")
    func tablesByDifferences() throws {
        var rng = SplitMix(state: 21)
        // Names with argument rules the kernel-reads pass rewrites (int and unsigned int
        // arguments, a constant an int cannot hold) or leaves alone, and multiplexed calls.
        let ruledNames = ["socket", "personality", "clone", "setns", "mmap", "shmctl", "bind", "connect"]
        let names = Array(SyscallTable.allNames.prefix(300)) + ruledNames + ["socketcall", "ipc", "not_a_syscall"]
        func decision(_ rng: inout SplitMix, ruled: Bool) -> SyscallDecision {
            let action: Action = [.allow, .errno(1), .errno(38), .killProcess][Int.random(in: 0..<4, using: &rng)]
            guard ruled else { return SyscallDecision(action: action, priority: Int.random(in: 0..<8, using: &rng) == 0 ? 5 : 0) }
            let value: UInt64 = [1, 39, 1 << 32, 0xFFFF_FFFF][Int.random(in: 0..<4, using: &rng)]
            let op: ArgumentCondition.Operator = [.equal, .less, .greater, .notEqual][Int.random(in: 0..<4, using: &rng)]
            return SyscallDecision(action: action, rules: [Rule([ArgumentCondition(index: Int.random(in: 0..<2, using: &rng), op, value)],
                action: .allow)])
        }
        var compiled = 0
        for round in 0..<60 {
            var shared: [String: SyscallDecision] = [:]
            for name in names where Int.random(in: 0..<4, using: &rng) > 0 {
                shared[name] = decision(&rng, ruled: ruledNames.contains(name) && Bool.random(using: &rng))
            }
            // (i386 first: the shared table's own changes close its multiplexers, which the
            // x86-64 table keeps as written.)
            let abis: [Architecture] = [[.x86_64, .x32, .x86], [.x86_64, .x86], [.x86, .x86_64, .x32]][round % 3]
            var p = Policy(.errno(38), architectures: abis)
            p.syscalls = shared
            var differences: [Architecture: [String]] = [:]
            for abi in abis.dropFirst() where Int.random(in: 0..<5, using: &rng) > 0 {
                // The importer's way: a copy of the shared table with its differences written over.
                var own = shared
                var differing: [String] = []
                for name in names where Int.random(in: 0..<25, using: &rng) == 0 {
                    if Bool.random(using: &rng) { own[name] = nil } else {
                        own[name] = decision(&rng, ruled: ruledNames.contains(name) && Bool.random(using: &rng))
                    }
                    differing.append(name)
                }
                p.abiSyscalls[abi] = own
                differences[abi] = differing
            }
            let plain = p
            p.abiDifferences = differences
            #expect(p == plain)
            // A policy's evaluator reads the ABI's own table, as one over the unjudged tables does.
            for abi in abis + [.aarch64] {
                let direct = Policy.Evaluator(p, abi: abi), viaTables = Policy.Evaluator(JudgedTables(unjudged: p), abi: abi)
                for (name, number) in SyscallTable.syscalls(on: abi).prefix(120) {
                    let args: [UInt64] = [UInt64(number % 50), 1 << 32, 0, 0, 0, 0]
                    #expect(direct.evaluate(number: number, name: name, arguments: args)
                        == viaTables.evaluate(number: number, name: name, arguments: args), "\(round) \(abi) \(name)")
                }
            }
            for mode in ArgumentWidthMode.allCases {
                let hinted = p.judgedTables(mode), unhinted = plain.judgedTables(mode)
                #expect(hinted.policy == unhinted.policy, "\(round) \(mode)")
                if mode != .systemd {
                    for abi in differences.keys where hinted.perABI[abi] != nil { #expect(hinted.perABI[abi]?.sharesSharedBase == true) }
                }
                let a = Compiler.resolvedEntries(hinted), b = Compiler.resolvedEntries(unhinted)
                for abi in abis { #expect(Self.rows(a, abi) == Self.rows(b, abi), "\(round) \(mode) \(abi)") }
                guard round % 6 == 0 else { continue }
                let options = CompileOptions(argumentWidths: mode)
                let x = try? Compiler.compile(p, options: options), y = try? Compiler.compile(plain, options: options)
                #expect(x?.instructions == y?.instructions, "\(round) \(mode)")
                if x != nil { compiled += 1 }
            }
        }
        #expect(compiled > 0)
        // A change to the tables drops the hint.
        var docker = try Self.docker()
        #expect(!docker.abiDifferences.isEmpty, "the profile importer describes its per-ABI tables")
        docker.syscalls["read"] = SyscallDecision(action: .allow)
        #expect(docker.abiDifferences.isEmpty)
        var other = try Self.docker()
        other.abiSyscalls[.x86]?["read"] = SyscallDecision(action: .allow)
        #expect(other.abiDifferences.isEmpty)
    }

    @Test("Policy's hand-written ==, hash and coding cover every stored property but the abiDifferences hint")
    func policyValueCoversEveryField() throws {
        // A stored property added to Policy must be added to ==, hash(into:) and CodingKeys too.
        let policy = try Self.docker()
        let stored = Set(Mirror(reflecting: policy).children.compactMap(\.label))
        #expect(stored == ["defaultAction", "architectures", "otherArchitectureAction", "syscalls", "abiSyscalls",
            "abiDifferences", "argumentWidths"])
        var withoutHint = policy
        withoutHint.abiSyscalls = policy.abiSyscalls
        #expect(withoutHint.abiDifferences.isEmpty && withoutHint == policy && withoutHint.hashValue == policy.hashValue)
        var widths = policy
        widths.argumentWidths = policy.argumentWidths == .strict ? .kernel : .strict
        #expect(widths != policy)
    }

    @Test("a run resumed where the run to the first argument load stopped returns what a whole run returns")
    func resumedRuns() throws {
        let docker = try Self.docker()
        let program = try Compiler.compile(docker).instructions
        var rng = SplitMix(state: 7)
        var resumed = 0
        for abi in docker.architectures {
            for (name, d) in docker.decisions(for: abi) where !d.rules.isEmpty {
                guard let nr = SyscallTable.number(of: name, on: abi) else { continue }
                var data = SeccompData(abi: abi, number: nr)
                var state = Simulator.State()
                let stopped = try Simulator.runToFirstArgument(program, data, &state) == nil
                if stopped { resumed += 1 }
                var samples: [[UInt64]] = [[0, 0, 0, 0, 0, 0]]
                var scratch = [UInt64](repeating: 0, count: 6)
                SelfCheck.forEachArgumentSample(d.rules, into: &scratch) { samples.append($0); return true }
                for _ in 0..<50 { samples.append((0..<6).map { _ in UInt64.random(in: 0...UInt64.max, using: &rng) }) }
                for args in samples {
                    for i in 0..<6 { data.args[i] = args[i] }
                    let whole = try Simulator.run(program, data)
                    let r = stopped ? try Simulator.resume(program, data, from: state) : whole
                    #expect(r == whole, "\(abi) \(name) \(args)")
                }
            }
        }
        #expect(resumed > 0, "argument-checked calls stop at their first argument load")
    }
}
