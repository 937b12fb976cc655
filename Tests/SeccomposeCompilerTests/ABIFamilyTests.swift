// Issue 11 part 4: the program means what the policy says, on every ABI.
//  - ABIs that share a kernel table file (x86-64/x32 in syscall_64.tbl, ppc/ppc64, s390/s390x,
//    parisc/parisc64 …) have only the calls the file's ABI column gives them: x32 has no
//    map_shadow_stack (453 is `64` only), so x32's 453 gets the default, not the decision
//    meant for x86-64's map_shadow_stack;
//  - random OCI profiles: the program equals the policy on every number of every ABI, and x32's
//    453 means the default (the kernel's meaning, not the table's);
//  - the compiler's self-check refuses a program that does not implement its policy;
//  - explain's action and reason come from one evaluation;
//  - raw exports are in the target's byte order; both orders in one policy are refused.

import Foundation
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("ABI families: shared numbers, shared AUDIT_ARCH values, byte order")
struct ABIFamilyTests {
    static let x32Bit = Int(Architecture.x32SyscallBit)

    @Test("x32 has no map_shadow_stack (syscall_64.tbl: '453 64'); x86-64 has it at 453")
    func x32LacksMapShadowStack() throws {
        #expect(SyscallTable.number(of: "map_shadow_stack", on: .x86_64) == 453)
        #expect(SyscallTable.number(of: "map_shadow_stack", on: .x32) == nil)
        #expect(SyscallTable.name(of: Self.x32Bit + 453, on: .x32) == nil)
        // A policy allowing map_shadow_stack, everything else refused: x32's 453 is not that call.
        var p = Policy(.errno(38), architectures: [.x86_64, .x32, .x86])
        try p.addRule(.allow, syscall: "map_shadow_stack")
        let program = try Compiler.compile(p)
        let x32 = SeccompData(abi: .x32, number: Self.x32Bit + 453)
        #expect(try Simulator.run(program.instructions, x32).action == .errno(38))
        #expect(p.action(auditArch: x32.arch, number: x32.nr, arguments: []) == .errno(38))
        #expect(try Simulator.run(program.instructions, SeccompData(abi: .x86_64, number: 453)).action == .allow)
    }

    /// The kernel's table files: (ABI, file in the 6.1 tree, the ABI-column values that give the
    /// ABI a call). ABIs that share a file are the families whose columns can disagree.
    static let kernelTables: [(Architecture, String, Set<String>)] = [
        (.x86_64, "arch/x86/entry/syscalls/syscall_64.tbl", ["common", "64"]),
        (.x32, "arch/x86/entry/syscalls/syscall_64.tbl", ["common", "x32"]),
        (.x86, "arch/x86/entry/syscalls/syscall_32.tbl", ["i386"]),
        (.arm, "arch/arm/tools/syscall.tbl", ["common", "eabi"]),
        (.mips, "arch/mips/kernel/syscalls/syscall_o32.tbl", ["o32"]),
        (.mips64, "arch/mips/kernel/syscalls/syscall_n64.tbl", ["common", "n64"]),
        (.mips64n32, "arch/mips/kernel/syscalls/syscall_n32.tbl", ["n32"]),
        (.ppc, "arch/powerpc/kernel/syscalls/syscall.tbl", ["common", "32", "nospu"]),
        (.ppc64, "arch/powerpc/kernel/syscalls/syscall.tbl", ["common", "64", "nospu"]),
        (.s390, "arch/s390/kernel/syscalls/syscall.tbl", ["common", "32"]),
        (.s390x, "arch/s390/kernel/syscalls/syscall.tbl", ["common", "64"]),
        (.parisc, "arch/parisc/kernel/syscalls/syscall.tbl", ["common", "32"]),
        (.parisc64, "arch/parisc/kernel/syscalls/syscall.tbl", ["common", "64"]),
        (.sh, "arch/sh/kernel/syscalls/syscall.tbl", ["common"]),
        (.m68k, "arch/m68k/kernel/syscalls/syscall.tbl", ["common"]),
    ]

    @Test("every ABI with a kernel table file has exactly the calls its ABI column gives it (Linux 6.1's files)",
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/src/linux-source-6.1.tar.xz")))
    func kernelTableColumns() throws {
        let files = Set(Self.kernelTables.map(\.1))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("seccompose-tbl-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let r = try Support.run("/bin/sh", ["-c", "mkdir -p \"$0\" && tar -xJf /usr/src/linux-source-6.1.tar.xz -C \"$0\" "
            + files.sorted().map { "'linux-source-6.1/\($0)'" }.joined(separator: " "), tmp])
        try #require(r.status == 0, "\(r)")
        var checked = 0
        for (abi, file, columns) in Self.kernelTables {
            let text = try String(contentsOfFile: tmp + "/linux-source-6.1/" + file, encoding: .utf8)
            var mine: [String: Int] = [:]
            var listed: Set<String> = []
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard f.count >= 3, let n = Int(f[0]) else { continue }
                listed.insert(String(f[2]))
                if columns.contains(String(f[1])) { mine[String(f[2])] = n }
            }
            // Reserved slots have placeholder names no syscall table carries.
            for name in listed where SyscallTable.isKnown(name) || !(name.hasPrefix("unused") || name.hasPrefix("reserved")) {
                let got = SyscallTable.number(of: name, on: abi).map { $0 - abi.syscallBase }
                #expect(got == mine[name], "\(abi) \(name): table \(got.map(String.init) ?? "absent"), kernel \(mine[name].map(String.init) ?? "absent")")
                checked += 1
            }
        }
        #expect(checked > 5000)
    }

    /// A random Docker/OCI profile for an x86-64 host (archMap: x86-64, x86, x32), naming calls
    /// that exist on only some of the three (map_shadow_stack, socketcall, the x32-only numbers' calls).
    static func randomProfile(_ rng: inout SplitMix) -> String {
        let actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG"]
        let names = ["map_shadow_stack", "read", "write", "ioctl", "rt_sigaction", "execve", "socketcall", "socket",
            "readv", "preadv2", "uretprobe", "cachestat", "futex_wake", "getpid", "mmap", "personality", "clone",
            "set_thread_area", "arch_prctl", "ipc", "mount", "restart_syscall"]
        var rules: [String] = []
        for _ in 0..<Int.random(in: 2...10, using: &rng) {
            let chosen = names.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng))
            var args = ""
            if Int.random(in: 0..<3, using: &rng) == 0 {
                let op = ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"].randomElement(using: &rng) ?? "SCMP_CMP_EQ"
                let value = [0, 1, 2, 40, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 32 | 17].randomElement(using: &rng) ?? 0
                args = #","args":[{"index":\#(Int.random(in: 0...2, using: &rng)),"value":\#(value),"valueTwo":1,"op":"\#(op)"}]"#
            }
            let action = actions.randomElement(using: &rng) ?? "SCMP_ACT_ALLOW"
            rules.append(#"{"names":[\#(chosen.map { "\"\($0)\"" }.joined(separator: ","))],"action":"\#(action)","errnoRet":\#(Int.random(in: 1...40, using: &rng))\#(args)}"#)
        }
        let defaultAction = ["SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", "SCMP_ACT_KILL_THREAD"].randomElement(using: &rng) ?? "SCMP_ACT_ERRNO"
        return """
            {"defaultAction":"\(defaultAction)","defaultErrnoRet":38,
             "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],
             "syscalls":[\(rules.joined(separator: ","))]}
            """
    }

    @Test("150 random OCI profiles: the program equals the policy on every number of x86-64, x32 and i386; x32's 453 gets the default")
    func randomOCIProfiles() throws {
        var rng = SplitMix(state: 0x5EC_C0DE_0453)
        var refused = 0
        for round in 0..<150 {
            let json = Self.randomProfile(&rng)
            // A profile libseccomp refuses cannot be loaded by runc either (docs/oci-profiles.md):
            // there is no meaning to compare with.
            guard let imported = try Self.loadUnlessLibseccompRefuses(json, file: "r\(round).json") else {
                refused += 1
                continue
            }
            let (policy, program) = try Compiler.compiled(imported.policy)
            // The kernel's meaning, independent of the syscall table: x32's 453 is no call.
            let x32 = SeccompData(abi: .x32, number: Self.x32Bit + 453)
            let got453 = try Simulator.run(program.instructions, x32).action
            #expect(got453 == policy.defaultAction, "round \(round): x32 453 \(got453), default \(policy.defaultAction)\n\(json)")
            for abi in [Architecture.x86_64, .x32, .x86] {
                let numbers = Array(0...1023).map { $0 + abi.syscallBase } + [0xFFFF_FFFF, 0x7FFF_FFFF, 0x3FFF_FFFF]
                for nr in numbers {
                    let d = policy.decisions(for: abi)
                    let hasRules = SyscallTable.name(of: nr, on: abi).flatMap { d[$0] }.map { !$0.rules.isEmpty } ?? false
                    for args: [UInt64] in hasRules ? [[0, 0, 0], [1, 2, 40], [40, 0xFFFF_FFFF, 1 << 32 | 17], [17, 1, 1]] : [[]] {
                        let data = SeccompData(abi: abi, number: nr, args: args)
                        let expected = policy.action(auditArch: data.arch, number: data.nr, arguments: data.args)
                        let got = try Simulator.run(program.instructions, data).action
                        if got != expected {
                            Issue.record("round \(round) \(abi) \(nr) \(args): program \(got), policy \(expected)\n\(json)")
                            return
                        }
                    }
                }
            }
        }
        #expect(refused < 50, "most random profiles must load: \(refused) of 150 refused")
    }

    /// The profile's import, or nil when libseccomp would refuse the profile (EEXIST …).
    static func loadUnlessLibseccompRefuses(_ json: String, file: String) throws -> OCIImport? {
        let result = Result { () throws(OCIDiagnostic) -> OCIImport in
            try OCIProfileImporter.load(json: Array(json.utf8), file: file, target: OCITarget(architecture: .x86_64, kernel: (6, 12)))
        }
        if case .failure(let error) = result, error.message.contains("libseccomp refuses") { return nil }
        return try result.get()
    }
}

@Suite("compiler self-check")
struct SelfCheckTests {
    static func policy() throws -> Policy {
        var p = Policy(.errno(1), architectures: [.x86_64, .x32, .x86])
        for name in ["read", "write", "close", "exit_group", "getpid", "map_shadow_stack"] { try p.addRule(.allow, syscall: name) }
        try p.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1, is32Bit: true)])
        try p.addRule(.errno(13), syscall: "ioctl", [ArgumentCondition(index: 1, .greater, 0x5400)])
        return p
    }

    /// Compiles with the check, then returns the program and the policy it implements.
    static func compiled() throws -> (Policy, [BPFInstruction]) {
        let (policy, program) = try Compiler.compiled(try policy())
        #expect(SelfCheck.firstDifference(program.instructions, policy) == nil)
        return (policy, program.instructions)
    }

    @Test("a changed RET is found and refused, naming ABI, number, expected and actual")
    func corruptedReturn() throws {
        let (policy, program) = try Self.compiled()
        var bad = program
        let allow = Action.allow.returnValue
        let at = try #require(bad.firstIndex { $0.code == BPF.ret | BPF.k && $0.k == allow })
        bad[at].k = Action.log.returnValue
        let d = try #require(SelfCheck.firstDifference(bad, policy))
        #expect(d.expected == .allow && d.actual == .log, "\(d)")
        #expect(throws: CompileError.self) { try SelfCheck.verify(bad, implements: policy) }
        do {
            try SelfCheck.verify(bad, implements: policy)
        } catch {
            #expect(error.message.contains(d.abi?.name ?? "?") && error.message.contains("syscall \(d.number)"), "\(error)")
            #expect(error.message.contains("the policy says allow, the program log"), "\(error)")
            #expect(error.fix.contains("report"), "\(error)")
        }
    }

    @Test("a moved range boundary in the dispatch tree is found")
    func corruptedBoundary() throws {
        let (policy, program) = try Self.compiled()
        // Every JGE on the syscall number, one at a time, moved by one: each moves a decision.
        var found = 0, tried = 0
        var missed: [UInt32] = []
        for (i, ins) in program.enumerated() where ins.code == BPF.jmp | BPF.jge | BPF.k && ins.k > 0 && ins.k < 0x4000_0400 {
            var bad = program
            bad[i].k += 1
            tried += 1
            if SelfCheck.firstDifference(bad, policy) != nil { found += 1 } else { missed.append(ins.k) }
        }
        #expect(tried > 3 && found == tried, "found \(found) of \(tried); missed \(missed.map { String($0, radix: 16) })")
    }

    @Test("a changed argument constant is found through the argument samples")
    func corruptedArgumentConstant() throws {
        let (policy, program) = try Self.compiled()
        // ioctl's `a1 > 0x5400` and socket's `a0 == 1`: change each constant.
        for k: UInt32 in [0x5400, 1] {
            let at = try #require(program.indices.first { program[$0].k == k && program[$0].code & 0x07 == BPF.jmp })
            var bad = program
            bad[at].k = k + 1
            let d = try #require(SelfCheck.firstDifference(bad, policy), "constant \(k)")
            #expect(!d.arguments.allSatisfy { $0 == 0 } || k == 1, "\(d)")
        }
    }

    @Test("x32's numbers sent down x86-64's path are found (the shared AUDIT_ARCH value)")
    func x32Routing() throws {
        let (policy, program) = try Self.compiled()
        // The x32 guard: the JGE 0x40000000 test, moved past the x32 window.
        let at = try #require(program.indices.first { program[$0].code == BPF.jmp | BPF.jge | BPF.k && program[$0].k == 0x4000_0000 })
        var bad = program
        bad[at].k = 0x4000_0400
        let d = try #require(SelfCheck.firstDifference(bad, policy))
        #expect(d.abi == .x32 || d.abi == .x86_64, "\(d)")
    }

    @Test("a program that runs off its end is a difference, not a crash")
    func runsOffTheEnd() throws {
        let (policy, program) = try Self.compiled()
        let d = try #require(SelfCheck.firstDifference(Array(program.dropLast()), policy))
        #expect(d.actual == nil || d.actual != d.expected, "\(d)")
    }

    @Test("cost: @system-service and Docker's default profile, with and without the check")
    func cost() throws {
        let service = try systemdPolicy("SystemCallFilter=@system-service")
        let dockerPath = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        let docker = try OCIProfileImporter.load(json: Array(try TextFile.read(dockerPath).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64, kernel: (6, 1))).policy
        for (label, p) in [("@system-service", service), ("Docker default", docker)] {
            func time(_ check: Bool) throws -> Double {
                let options = CompileOptions(checkDecisions: check)
                _ = try Compiler.compile(p, options: options)
                let clock = ContinuousClock()
                var best = Duration.seconds(1000)
                for _ in 0..<5 {
                    let t = try clock.measure { _ = try Compiler.compile(p, options: options) }
                    best = min(best, t)
                }
                return Double(best.components.attoseconds) / 1e15 + Double(best.components.seconds) * 1000
            }
            let with = try time(true), without = try time(false)
            print("self-check cost | \(label) | compile \(String(format: "%.2f", without)) ms without, \(String(format: "%.2f", with)) ms with the check (debug build)")
        }
    }
}

@Suite("byte order of exported programs")
struct ByteOrderTests {
    @Test("a raw s390x program is big-endian: code, jt, jf, k as the s390x kernel reads them")
    func s390xRaw() throws {
        var p = Policy(.errno(1), architectures: [.s390x, .s390])
        try p.addRule(.allow, syscall: "read")
        let program = try Compiler.compile(p)
        #expect(program.byteOrder == .bigEndian)
        let raw = Export.raw(program)
        #expect(raw.count == program.instructions.count * 8)
        // Decoded big-endian, the bytes are the program; decoded little-endian they are not.
        #expect(Program(rawBytes: raw, bigEndian: true)?.instructions == program.instructions)
        #expect(Program(rawBytes: raw, bigEndian: false)?.instructions != program.instructions)
        // The first instruction loads seccomp_data.arch: BPF_LD|BPF_W|BPF_ABS (0x0020), k = 4.
        #expect(Array(raw[0..<8]) == [0x00, 0x20, 0, 0, 0, 0, 0, 4])
        // The arch test's constant is AUDIT_ARCH_S390X (0x80000016), most significant byte first.
        let arch = try #require(program.instructions.firstIndex { $0.k == Architecture.s390x.auditArch })
        #expect(Array(raw[arch * 8 + 4..<arch * 8 + 8]) == [0x80, 0x00, 0x00, 0x16])
        // The C array and the JSON are values: they do not change with the byte order.
        #expect(Export.cArray(program).contains("0x80000016"))
    }

    /// The raw form as it was written before the bytes were stored in place: each field's
    /// in-memory bytes after `.bigEndian`/`.littleEndian`.
    static func previousRaw(_ p: Program) -> [UInt8] {
        var out: [UInt8] = []
        let big = p.byteOrder == .bigEndian
        for i in p.instructions {
            withUnsafeBytes(of: big ? i.code.bigEndian : i.code.littleEndian) { out += $0 }
            out += [i.jt, i.jf]
            withUnsafeBytes(of: big ? i.k.bigEndian : i.k.littleEndian) { out += $0 }
        }
        return out
    }

    @Test("raw bytes of random instructions, both byte orders: as before, and read back")
    func randomRaw() {
        var rng = SystemRandomNumberGenerator()
        for order in [ByteOrder.littleEndian, .bigEndian] {
            for n in [0, 1, 2, 37, 300] {
                let p = Program((0..<n).map { _ in
                    BPFInstruction(code: .random(in: 0...UInt16.max, using: &rng), jt: .random(in: 0...255, using: &rng),
                        jf: .random(in: 0...255, using: &rng), k: .random(in: 0...UInt32.max, using: &rng))
                }, byteOrder: order)
                #expect(p.rawBytes == Self.previousRaw(p), "\(order) \(n)")
                #expect(Program(rawBytes: p.rawBytes, bigEndian: order == .bigEndian) == p, "\(order) \(n)")
            }
        }
    }

    @Test("every big-endian ABI exports big-endian, every little-endian one little-endian", arguments: Architecture.allCases)
    func everyABI(abi: Architecture) throws {
        let program = try Compiler.compile(Policy(.allow, architectures: [abi]))
        #expect(program.byteOrder == (abi.isLittleEndian ? .littleEndian : .bigEndian))
        let raw = Export.raw(program)
        #expect(Program(rawBytes: raw, bigEndian: !abi.isLittleEndian)?.instructions == program.instructions)
        #expect(Array(raw[0..<2]) == (abi.isLittleEndian ? [0x20, 0x00] : [0x00, 0x20]), "\(abi)")
    }

    @Test("a policy over both byte orders is refused, saying which ABIs and how to fix it")
    func mixedRefused() throws {
        let p = Policy(.allow, architectures: [.x86_64, .s390x])
        #expect(throws: CompileError.self) { try Compiler.compile(p) }
        do {
            _ = try Compiler.compile(p)
        } catch {
            #expect(error.message.contains("little-endian ABIs (x86_64)") && error.message.contains("big-endian ones (s390x)"), "\(error)")
            #expect(error.fix.contains("one program per byte order"), "\(error)")
        }
        // Each half compiles.
        #expect(try Compiler.compile(sameByteOrder(p, as: .x86_64)).byteOrder == .littleEndian)
        #expect(try Compiler.compile(sameByteOrder(p, as: .s390x)).byteOrder == .bigEndian)
    }
}

@Suite("explain: the action and the reason come from one evaluation")
struct ExplainAgreementTests {
    static func compiled(_ abis: [Architecture] = [.x86_64, .x32, .x86]) throws -> (Policy, Program) {
        var p = Policy(.errno(38), architectures: abis)
        p.otherArchitectureAction = .killProcess
        try p.addRule(.errno(5), syscall: "read")
        try p.addRule(.allow, syscall: "map_shadow_stack")
        try p.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1)])
        try p.addRule(.errno(13), syscall: "socket")
        return try Compiler.compiled(p)
    }

    static func explain(_ abi: Architecture, _ number: Int, _ args: [UInt64] = [], abis: [Architecture] = [.x86_64, .x32, .x86])
        throws -> Explanation
    {
        let (policy, program) = try compiled(abis)
        let e = try Explanation.explain(policy: policy, program: program, abi: abi, number: number, arguments: args)
        // One evaluation: the explanation's action is the policy's, and the program's.
        #expect(e.action == policy.action(auditArch: abi.auditArch, number: UInt32(truncatingIfNeeded: number), arguments: e.arguments))
        #expect(e.action == e.programAction, "\(e)")
        return e
    }

    @Test("x32 #0 (no x32 bit): x86-64's read decides, and the reason says so")
    func x32Zero() throws {
        let e = try Self.explain(.x32, 0)
        #expect(e.action == .errno(5))
        #expect(e.judgedABI == .x86_64 && e.name == "read")
        #expect(e.reason.contains("lacks the x32 bit") && e.reason.contains("x86_64's read") && e.reason.contains("read is listed"), "\(e.reason)")
    }

    @Test("x32 453: with the x32 bit it is no call (default); without it, x86-64's map_shadow_stack")
    func x32MapShadowStack() throws {
        let e = try Self.explain(.x32, 0x4000_0000 + 453)
        #expect(e.action == .errno(38) && e.name == nil)
        #expect(e.reason == "\(0x4000_0000 + 453) is not a syscall on x32: the default action", "\(e.reason)")
        let plain = try Self.explain(.x32, 453)
        #expect(plain.action == .allow && plain.judgedABI == .x86_64)
        #expect(plain.reason.contains("x86_64's map_shadow_stack") && plain.reason.contains("map_shadow_stack is listed"), "\(plain.reason)")
    }

    @Test("an unknown number gets the default, and the reason says it is no call")
    func unknownNumber() throws {
        let e = try Self.explain(.x86_64, 99_999)
        #expect(e.action == .errno(38))
        #expect(e.reason == "99999 is not a syscall on x86_64: the default action", "\(e.reason)")
    }

    @Test("an ABI the policy does not cover: the other-ABI action, for that reason")
    func uncoveredABI() throws {
        let e = try Self.explain(.aarch64, 63)
        #expect(e.action == .killProcess)
        #expect(e.reason.contains("does not cover aarch64"), "\(e.reason)")
        // x32 numbers through x86-64 when only x86-64 is covered.
        let x = try Self.explain(.x86_64, 0x4000_0000, abis: [.x86_64])
        #expect(x.action == .killProcess && x.judgedABI == .x32)
        #expect(x.reason.contains("carries the x32 bit") && x.reason.contains("does not cover x32"), "\(x.reason)")
    }

    @Test("i386: its own numbers (read is 3)")
    func i386() throws {
        let e = try Self.explain(.x86, 3)
        #expect(e.action == .errno(5) && e.name == "read" && e.judgedABI == .x86)
        #expect(e.reason.hasPrefix("read is listed"), "\(e.reason)")
        let unlisted = try Self.explain(.x86, 20)
        #expect(unlisted.action == .errno(38) && unlisted.reason == "getpid is not listed: the default action", "\(unlisted.reason)")
    }

    @Test("an argument rule: the matching rule, or none, decides and is named")
    func argumentRule() throws {
        let matched = try Self.explain(.x86_64, 41, [1, 1, 0])
        #expect(matched.action == .allow)
        #expect(matched.reason.contains("socket: rule") && matched.reason.contains("matches"), "\(matched.reason)")
        let other = try Self.explain(.x86_64, 41, [2, 1, 0])
        #expect(other.action == .errno(13))
        #expect(other.reason.contains("socket is listed; none of its 1 rules matches"), "\(other.reason)")
    }
}
