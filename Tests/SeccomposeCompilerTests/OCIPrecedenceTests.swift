// Issue 18: a profile means what runc makes of it with libseccomp: several rules for one
// syscall combine by libseccomp's precedence (not the profile's order), libseccomp's refusals
// are refusals, and socketcall()/ipc() sub-calls of unconditional rules decide as the direct call.

import Foundation
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("OCI profiles: libseccomp's rule precedence")
struct OCIPrecedenceTests {
    static func profile(_ defaultAction: String, arches: [String] = ["SCMP_ARCH_X86_64"], _ rules: [String]) -> String {
        """
        {
          "defaultAction": "\(defaultAction)",
          "architectures": [\(arches.map { "\"\($0)\"" }.joined(separator: ", "))],
          "syscalls": [
            \(rules.joined(separator: ",\n    "))
          ]
        }
        """
    }

    static func rule(_ name: String, _ action: String, errno: Int? = nil, _ args: [(Int, String, UInt64)] = []) -> String {
        let a = args.map { "{\"index\": \($0.0), \"value\": \($0.2), \"op\": \"\($0.1)\"}" }.joined(separator: ", ")
        return "{\"names\": [\"\(name)\"], \"action\": \"\(action)\"\(errno.map { ", \"errnoRet\": \($0)" } ?? "")\(args.isEmpty ? "" : ", \"args\": [\(a)]")}"
    }

    static func load(_ json: String, _ mode: ArgumentWidthMode = .kernel, arch: Architecture = .x86_64) throws -> OCIImport {
        try OCIProfileImporter.load(json: Array(json.utf8), file: "p.json", target: OCITarget(architecture: arch), argumentWidths: mode)
    }

    /// The decision of the compiled program (each mode) and of the policy, which must agree.
    static func decide(_ json: String, _ abi: Architecture, _ name: String, _ args: [UInt64]) throws -> Action {
        var seen: Set<Action> = []
        for mode in ArgumentWidthMode.allCases {
            let p = try load(json, mode).policy
            let program = try Compiler.compile(p, options: CompileOptions(argumentWidths: mode))
            let nr = try #require(SyscallTable.number(of: name, on: abi))
            seen.insert(try Simulator.run(program.instructions, SeccompData(abi: abi, number: nr, args: args)).action)
            if mode == .systemd { seen.insert(p.action(abi: abi, number: nr, arguments: args)) }
        }
        #expect(seen.count == 1, "modes disagree for \(name)\(args): \(seen)")
        return try #require(seen.first)
    }

    @Test("§1.1 two ordering comparisons on one argument: the larger `>` constant decides, in either order")
    func largerThresholdFirst() throws {
        let a = Self.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(2, "SCMP_CMP_GT", 128)])
        let b = Self.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(2, "SCMP_CMP_GT", 256)])
        for rules in [[a, b], [b, a]] {
            let json = Self.profile("SCMP_ACT_KILL", rules)
            #expect(try Self.decide(json, .x86_64, "read", [0, 0, 300]) == .errno(6))
            #expect(try Self.decide(json, .x86_64, "read", [0, 0, 200]) == .errno(5))
            #expect(try Self.decide(json, .x86_64, "read", [0, 0, 100]) == .killThread)
        }
        // In profile order (128 first) the later rule wins where both match: check says so, naming both.
        let w = try Self.load(Self.profile("SCMP_ACT_KILL", [a, b])).warnings.filter { $0.code == "precedence" }
        #expect(w.count == 1)
        #expect(w.first?.path == "p.json:6:5: syscalls[1]")
        #expect(w.first?.message.contains("syscalls[0]") == true)
        #expect(try Self.load(Self.profile("SCMP_ACT_KILL", [b, a])).warnings.filter { $0.code == "precedence" }.isEmpty)
    }

    @Test("§1.2 rules on different arguments: the higher argument is tested first, in either order")
    func higherArgumentFirst() throws {
        let a = Self.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1)])
        let b = Self.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(1, "SCMP_CMP_EQ", 2)])
        for rules in [[a, b], [b, a]] {
            let json = Self.profile("SCMP_ACT_KILL", rules)
            #expect(try Self.decide(json, .x86_64, "read", [1, 2, 9]) == .errno(6))
            #expect(try Self.decide(json, .x86_64, "read", [1, 3, 9]) == .errno(5))
            #expect(try Self.decide(json, .x86_64, "read", [2, 2, 9]) == .errno(6))
        }
        let w = try Self.load(Self.profile("SCMP_ACT_KILL", [a, b])).warnings.filter { $0.code == "precedence" }
        #expect(w.count == 1)
        #expect(w.first.map { $0.message.contains("syscalls[0]") && $0.message.contains("read(1, 2)") } == true)
    }

    @Test("§1.3 an unconditional rule replaces the conditional rules of its syscall, in either order")
    func unconditionalWins() throws {
        let a = Self.rule("close", "SCMP_ACT_ERRNO", errno: 1)
        let b = Self.rule("close", "SCMP_ACT_LOG", [(0, "SCMP_CMP_GT", 100)])
        for rules in [[a, b], [b, a]] {
            let json = Self.profile("SCMP_ACT_ALLOW", rules)
            #expect(try Self.decide(json, .x86_64, "close", [200]) == .errno(1))
            #expect(try Self.decide(json, .x86_64, "close", [3]) == .errno(1))
            let shadowed = try Self.load(json).warnings.filter { $0.code == "shadowed" }
            #expect(shadowed.count == 1)
            #expect(shadowed.first.map { $0.message.contains("unconditional") && $0.path.hasSuffix("syscalls[\(rules[0] == b ? 0 : 1)]") } == true)
        }
    }

    @Test("§1.4 the same conditions with another action: refused as libseccomp refuses it (EEXIST), at file:line:col")
    func sameConditionsRefused() throws {
        let a = Self.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(2, "SCMP_CMP_GT", 128)])
        let b = Self.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(2, "SCMP_CMP_GT", 128)])
        for arch in ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] {
            let json = Self.profile("SCMP_ACT_KILL", arches: [arch], [a, b])
            for mode in ArgumentWidthMode.allCases {
                #expect {
                    _ = try Self.load(json, mode)
                } throws: { e in
                    guard let d = e as? OCIDiagnostic else { return false }
                    return d.code == "libseccomp-refuses" && d.path == "p.json:6:5: syscalls[1]" && d.message.contains("EEXIST")
                        && d.message.contains("syscalls[0]") && d.message.contains("runc fails") && !d.fix.isEmpty
                }
            }
        }
        // The same action twice is merged, not refused; the second rule is reported as redundant.
        let same = try Self.load(Self.profile("SCMP_ACT_KILL", [a, a]))
        #expect(same.warnings.contains { $0.code == "shadowed" && $0.path.hasSuffix("syscalls[1]") })
    }

    @Test("Docker's default profile: no precedence findings (its rules are disjoint), no refusal")
    func dockerDefault() throws {
        let path = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        let imported = try OCIProfileImporter.load(json: Array(try TextFile.read(path).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64))
        #expect(imported.warnings.filter { ["shadowed", "precedence", "libseccomp-refuses"].contains($0.code) }.isEmpty,
            "\(imported.warnings.map(\.description))")
    }

    @Test("a shorter rule may not replace a longer one's different action (EEXIST); a longer one below an action is absorbed")
    func prefixRules() throws {
        let long = Self.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(0, "SCMP_CMP_EQ", 1), (1, "SCMP_CMP_EQ", 2)])
        let short = Self.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1)])
        #expect(throws: OCIDiagnostic.self) { try Self.load(Self.profile("SCMP_ACT_KILL", [long, short])) }
        let json = Self.profile("SCMP_ACT_KILL", [short, long])
        #expect(try Self.decide(json, .x86_64, "read", [1, 2]) == .errno(5))
        #expect(try Self.load(json).warnings.contains { $0.code == "shadowed" && $0.path.hasSuffix("syscalls[1]") })
    }

    @Test("runc drops rules with the default action and splits rules that compare one argument twice")
    func runcTranslation() throws {
        let dropped = Self.rule("read", "SCMP_ACT_KILL", [(0, "SCMP_CMP_EQ", 1)])
        let allow = Self.rule("read", "SCMP_ACT_ALLOW")
        let json = Self.profile("SCMP_ACT_KILL", [dropped, allow])
        #expect(try Self.decide(json, .x86_64, "read", [1]) == .allow)
        #expect(try Self.load(json).warnings.contains { $0.code == "ignored-rule" })
        let ored = Self.rule("write", "SCMP_ACT_ALLOW", [(0, "SCMP_CMP_EQ", 1), (0, "SCMP_CMP_EQ", 2)])
        let j2 = Self.profile("SCMP_ACT_KILL", [ored])
        #expect(try Self.decide(j2, .x86_64, "write", [1]) == .allow)
        #expect(try Self.decide(j2, .x86_64, "write", [2]) == .allow)
        #expect(try Self.decide(j2, .x86_64, "write", [3]) == .killThread)
        #expect(try Self.load(j2).warnings.contains { $0.code == "ored-conditions" })
    }

    @Test("GHSA-4q85-33p6-j5g6: two `<` rules sharing an upper word keep the smaller constant's action (libseccomp 2.6.1)")
    func advisoryMerge() throws {
        // mmap's addr is a whole register. Both match a0 = 5; the smaller `<` constant is the more specific rule and decides.
        // libseccomp 2.5.4 lost that update and allowed: the weakened filter of the advisory.
        let allow = Self.rule("mmap", "SCMP_ACT_ALLOW", [(0, "SCMP_CMP_LT", 0x1_0000_0010)])
        let deny = Self.rule("mmap", "SCMP_ACT_ERRNO", errno: 1, [(0, "SCMP_CMP_LT", 0x1_0000_0005)])
        for rules in [[allow, deny], [deny, allow]] {
            let json = Self.profile("SCMP_ACT_KILL", rules)
            #expect(try Self.decide(json, .x86_64, "mmap", [5]) == .errno(1))
            #expect(try Self.decide(json, .x86_64, "mmap", [0x1_0000_0007]) == .allow)
            #expect(try Self.decide(json, .x86_64, "mmap", [0x1_0000_0003]) == .errno(1))
            #expect(try Self.decide(json, .x86_64, "mmap", [0x1_0000_0010]) == .killThread)
        }
        // The model of 2.5.4's merge reproduces the weakening (the differential test uses it to
        // label such departures of libseccomp 2.5.4 as the advisory's).
        var old = LibseccompRuleDatabase(wide: true, defaultAction: .killThread, release: .v2_5_4)
        try old.add(.allow, syscall: "read", [ArgumentCondition(index: 0, .less, 0x1_0000_0010)], source: 0)
        try old.add(.errno(1), syscall: "read", [ArgumentCondition(index: 0, .less, 0x1_0000_0005)], source: 1)
        #expect(old.evaluate("read", arguments: [5])?.action == .allow)
    }
}

@Suite("docs/oci-profiles.md: every row of the precedence table holds")
struct OCIPrecedenceTableTests {
    typealias T = OCIPrecedenceTests
    /// (row, default, arch, rules, call, arguments, expected action or nil for a refusal).
    static let rows: [(Int, String, String, [String], String, [UInt64], Action?)] = [
        (1, "SCMP_ACT_ALLOW", "SCMP_ARCH_X86_64", [T.rule("close", "SCMP_ACT_LOG", [(0, "SCMP_CMP_GT", 100)]), T.rule("close", "SCMP_ACT_ERRNO", errno: 1)], "close", [200], .errno(1)),
        (2, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ALLOW"), T.rule("read", "SCMP_ACT_ERRNO", errno: 5)], "read", [0], .allow),
        (3, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1)]), T.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(1, "SCMP_CMP_EQ", 2)])], "read", [1, 2, 0], .errno(6)),
        (4, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(2, "SCMP_CMP_GT", 3)]), T.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(2, "SCMP_CMP_EQ", 7)])], "read", [0, 0, 7], .errno(6)),
        (5, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(2, "SCMP_CMP_GT", 128)]), T.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(2, "SCMP_CMP_GT", 256)])], "read", [0, 0, 300], .errno(6)),
        (6, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1), (1, "SCMP_CMP_EQ", 2)]), T.rule("read", "SCMP_ACT_ALLOW", [(0, "SCMP_CMP_EQ", 1), (2, "SCMP_CMP_GT", 5)])], "read", [1, 2, 9], .allow),
        (7, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(2, "SCMP_CMP_GT", 128)]), T.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(2, "SCMP_CMP_GT", 128)])], "read", [0, 0, 200], nil),
        (8, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(0, "SCMP_CMP_EQ", 1), (1, "SCMP_CMP_EQ", 2)]), T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1)])], "read", [1, 2], nil),
        (9, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("mmap", "SCMP_ACT_ALLOW", [(0, "SCMP_CMP_LT", 0x1_0000_0010)]), T.rule("mmap", "SCMP_ACT_ERRNO", errno: 1, [(0, "SCMP_CMP_LT", 0x1_0000_0005)])], "mmap", [5], .errno(1)),
        (10, "SCMP_ACT_LOG", "SCMP_ARCH_X86_64", [T.rule("close", "SCMP_ACT_KILL_PROCESS", [(0, "SCMP_CMP_GE", 0x1_0000_0010), (1, "SCMP_CMP_EQ", 0x1_0000_0005)]), "{\"names\": [\"close\"], \"action\": \"SCMP_ACT_TRAP\", \"args\": [{\"index\": 0, \"value\": 4294967312, \"op\": \"SCMP_CMP_GE\"}, {\"index\": 2, \"value\": 240, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"], "close", [0], nil),
        (11, "SCMP_ACT_KILL", "SCMP_ARCH_X86", [T.rule("read", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1)]), T.rule("read", "SCMP_ACT_ERRNO", errno: 6, [(0, "SCMP_CMP_EQ", 0x1_0000_0001)])], "read", [1], nil),
        (11, "SCMP_ACT_KILL", "SCMP_ARCH_X86_64", [T.rule("mmap", "SCMP_ACT_ERRNO", errno: 5, [(0, "SCMP_CMP_EQ", 1)]), T.rule("mmap", "SCMP_ACT_ERRNO", errno: 6, [(0, "SCMP_CMP_EQ", 0x1_0000_0001)])], "mmap", [0x1_0000_0001], .errno(6)),
        (12, "SCMP_ACT_KILL", "SCMP_ARCH_X86", [T.rule("socket", "SCMP_ACT_ALLOW")], "socketcall", [1], .allow),
    ]

    @Test("each row's example decides as the table says, in every mode", arguments: 0..<13)
    func row(_ i: Int) throws {
        let (n, def, arch, rules, name, args, expected) = Self.rows[i]
        let json = T.profile(def, arches: [arch], rules)
        let abi = try #require(Architecture(name: arch))
        guard let expected else {
            #expect(throws: OCIDiagnostic.self, "row \(n)") { try T.load(json) }
            return
        }
        var seen: Set<Action> = []
        for mode in ArgumentWidthMode.allCases {
            let p = try T.load(json, mode).policy
            let program = try Compiler.compile(p, options: CompileOptions(argumentWidths: mode))
            let nr = try #require(SyscallTable.number(of: name, on: abi))
            seen.insert(try Simulator.run(program.instructions, SeccompData(abi: abi, number: nr, args: args)).action)
        }
        #expect(seen == [expected], "row \(n)")
        #expect(try TextFile.read(repositoryRoot + "/docs/oci-profiles.md").contains("| \(n) |"))
    }
}

@Suite("OCI profiles: socketcall()/ipc() sub-calls of unconditional rules")
struct OCIMultiplexerPrecedenceTests {
    static let json = #"{"defaultAction":"SCMP_ACT_KILL","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["socket","semget"],"action":"SCMP_ACT_ALLOW"}]}"#

    @Test("§2 i386 socketcall(SYS_SOCKET) and ipc(SEMGET) decide as socket and semget, in every mode", arguments: ArgumentWidthMode.allCases)
    func unconditionalSubcalls(mode: ArgumentWidthMode) throws {
        let p = try OCIPrecedenceTests.load(Self.json, mode).policy
        let program = try Compiler.compile(p, options: CompileOptions(argumentWidths: mode))
        func run(_ nr: Int, _ args: [UInt64]) throws -> Action {
            try Simulator.run(program.instructions, SeccompData(abi: .x86, number: nr, args: args)).action
        }
        #expect(try run(102, [1, 0]) == .allow)  // socketcall(SYS_SOCKET)
        #expect(try run(117, [2, 0, 0]) == .allow)  // ipc(SEMGET)
        #expect(try run(102, [2, 0]) == .killThread)  // socketcall(SYS_BIND)
        #expect(try run(117, [1, 0, 0]) == .killThread)  // ipc(SEMOP)
        #expect(try run(359, [2, 1, 0]) == .allow)  // socket
    }

    @Test("§2 argument rules: the default mode closes the route and says so; the systemd mode copies libseccomp")
    func conditionalSubcalls() throws {
        let json = #"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":40,"op":"SCMP_CMP_EQ"}]},{"names":["bind"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":7,"op":"SCMP_CMP_EQ"}]}]}"#
        let kernel = try OCIPrecedenceTests.load(json, .kernel)
        #expect(kernel.warnings.contains { $0.code == "multiplexer" && $0.message.contains("socket") })
        let kp = try Compiler.compile(kernel.policy, options: CompileOptions(argumentWidths: .kernel))
        #expect(try Simulator.run(kp.instructions, SeccompData(abi: .x86, number: 102, args: [1, 0])).action == .errno(1))
        // libseccomp: socketcall(SYS_SOCKET) gets `a0 == 1` in place of `a0 == 40`, so every call is refused;
        // bind's `a1 == 7` stays on socketcall's a1 (a pointer).
        let sys = try OCIPrecedenceTests.load(json, .systemd)
        let sp = try Compiler.compile(sys.policy, options: CompileOptions(argumentWidths: .systemd))
        #expect(try Simulator.run(sp.instructions, SeccompData(abi: .x86, number: 102, args: [1, 0])).action == .errno(1))
        #expect(try Simulator.run(sp.instructions, SeccompData(abi: .x86, number: 102, args: [2, 7])).action == .errno(1))
        #expect(try Simulator.run(sp.instructions, SeccompData(abi: .x86, number: 102, args: [2, 8])).action == .allow)
    }

    @Test("docs/argument-widths.md names exactly the ABIs on which the code reproduces libseccomp's multiplexing")
    func docsAgree() throws {
        let text = try TextFile.read(repositoryRoot + "/docs/argument-widths.md")
        let line = try #require(text.split(separator: "\n").first { $0.contains("libseccomp's own multiplexing") })
        // "on ABI, ABI … and ABI a filter's unconditional rule"
        let listed = try #require(line.range(of: "multiplexing: on ").map { line[$0.upperBound...] })
        let names = listed.prefix { $0 != ":" && $0 != "(" }.components(separatedBy: " a filter")[0]
            .replacingOccurrences(of: " and ", with: ", ").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let abis = Set(names.compactMap { Architecture(name: String($0)) })
        #expect(names.count == abis.count, "unknown ABI names in: \(names)")
        #expect(abis == Multiplexer.libseccompMultiplexingABIs)
    }
}
