// Goals.swift: `seccompose-scale-bench goals [ITERATIONS]`, issue 15's "Programs" and "Library
// compile time" goals in one run. Numbers, not a pass/fail test.
//
// Programs: for @system-service (systemd 252; x86-64, x32, i386), Docker's default profile
// (amd64: x86-64, x86, x32) and the hardened 9-directive recipe (systemd 252, native x86-64),
// per ABI: R (the maximal ranges of numbers with one outcome), the bound 4 + ⌈log2 R⌉ (+ 1 per
// AUDIT_ARCH value tested before the ABI's: i386 pays for x86-64's), the
// worst path over numbers decided without arguments (the dispatch), over argument-checked
// syscalls (instructions executed minus the argument tests on that path: the dispatch part,
// held to the same bound) and overall (arguments sampled around every constant and mask bit).
//
// The paths are measured with the compiler's `PathMeasure` (the before numbers in
// docs/compiler-scale.md came from a copy of it kept in this file, built at the older commit).
//
// Library compile time: Seccompose's `Compiler.compile` (policy → verified, self-checked
// program) and libseccomp 2.5.4 (seccomp_init, arch adds, one rule per syscall as systemd and
// runc add them, seccomp_export_bpf) for @system-service and Docker's profile on three ABIs,
// medians (and fastest) of the thread's CPU time per compile, in the same process.

import CLibseccomp
import Foundation
import SeccomposeCompiler
import SeccomposeInput
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd

enum Goals {
    // MARK: the policies

    static func systemService() throws -> Policy {
        let context = try SystemdContext(version: .v252, native: .x86_64)
        var s = SystemCallSettings(context: context)
        _ = s.applyFilter("@system-service", source: ValueSource(file: nil, line: 1))
        return try SystemdPolicyBuilder.build(s).policy
    }

    /// The hardened recipe: DiffBench's nine directives, native ABI only (systemd 252).
    static let hardenedSettings = [
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EPERM",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "RestrictNamespaces=yes", "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    ]

    static func hardened() throws -> Policy {
        var r = FilterRequest(context: try SystemdContext(version: .v252, native: .x86_64))
        r.unitSettings = hardenedSettings
        return try r.policy().policy
    }

    static func docker(_ path: String) throws -> (Policy, OCIProfile) {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let policy = try OCIProfileImporter.load(json: bytes, file: path, target: OCITarget(architecture: .x86_64)).policy
        return (policy, try JSONDecoder().decode(OCIProfile.self, from: Data(bytes)))
    }

    // MARK: libseccomp

    static func newContext(_ defaultAction: UInt32, _ abis: [Architecture]) throws -> scmp_filter_ctx {
        guard let ctx = seccomp_init(defaultAction) else { throw BenchError.libseccomp("seccomp_init", -1) }
        let native = seccomp_arch_native()
        let tokens = abis.map { seccomp_arch_resolve_name($0 == .x86 ? "x86" : $0 == .x32 ? "x32" : "x86_64") }
        if !tokens.contains(native) { _ = seccomp_arch_remove(ctx, native) }
        for t in tokens where t != native {
            let rc = seccomp_arch_add(ctx, t)
            guard rc == 0 else { throw BenchError.libseccomp("seccomp_arch_add", rc) }
        }
        return ctx
    }

    /// @system-service as systemd 252 adds it: one unconditional rule per syscall of the allow-list.
    static func libseccompSystemService(_ policy: Policy, exportTo fd: Int32) throws {
        let ctx = try newContext(policy.defaultAction.returnValue, policy.architectures)
        defer { seccomp_release(ctx) }
        for (name, d) in policy.syscalls where d.action != policy.defaultAction {
            let nr = seccomp_syscall_resolve_name(name)
            guard nr >= 0 else { continue }
            _ = seccomp_rule_add_array(ctx, d.action.returnValue, nr, 0, nil)
        }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else { throw BenchError.libseccomp("seccomp_export_bpf", rc) }
    }

    static func kernelAtLeast(_ s: String?) -> Bool {
        guard let s else { return true }
        let parts = s.split(separator: ".").compactMap { Int($0) }
        return parts.count < 2 || (6, 1) >= (parts[0], parts[1])
    }

    /// Docker's profile as runc adds it for amd64 with Docker's default capabilities: one rule per
    /// name (a rule naming one argument twice split per condition), default-action rules dropped.
    static func libseccompDocker(_ p: OCIProfile, exportTo fd: Int32) throws {
        let errno = UInt32(min(p.defaultErrnoRet ?? 1, 4095))
        func action(_ name: String, _ ret: UInt32?) -> UInt32 {
            switch name {
            case "SCMP_ACT_ALLOW": return 0x7FFF_0000
            case "SCMP_ACT_ERRNO": return 0x0005_0000 | UInt32(min(ret ?? 1, 4095))
            case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
            case "SCMP_ACT_TRAP": return 0x0003_0000
            case "SCMP_ACT_LOG": return 0x7FFC_0000
            case "SCMP_ACT_TRACE": return 0x7FF0_0000 | UInt32(min(ret ?? 1, 4095))
            default: return 0
            }
        }
        let defaultAction = action(p.defaultAction, errno)
        let ctx = try newContext(defaultAction, [.x86_64, .x86, .x32])
        defer { seccomp_release(ctx) }
        let caps = OCITarget.dockerDefaultCapabilities
        for rule in p.syscalls ?? [] {
            if let inc = rule.includes {
                if let a = inc.arches, !a.contains("amd64") { continue }
                if let c = inc.caps, !c.allSatisfy(caps.contains) { continue }
                if !kernelAtLeast(inc.minKernel) { continue }
            }
            if let exc = rule.excludes {
                if let a = exc.arches, a.contains("amd64") { continue }
                if let c = exc.caps, c.contains(where: caps.contains) { continue }
                if exc.minKernel != nil, kernelAtLeast(exc.minKernel) { continue }
            }
            let act = action(rule.action, rule.errnoRet)
            guard act != defaultAction else { continue }
            let conditions = (rule.args ?? []).map { a -> scmp_arg_cmp in
                let ops: [String: scmp_compare] = [
                    "SCMP_CMP_NE": SCMP_CMP_NE, "SCMP_CMP_LT": SCMP_CMP_LT, "SCMP_CMP_LE": SCMP_CMP_LE, "SCMP_CMP_EQ": SCMP_CMP_EQ,
                    "SCMP_CMP_GE": SCMP_CMP_GE, "SCMP_CMP_GT": SCMP_CMP_GT, "SCMP_CMP_MASKED_EQ": SCMP_CMP_MASKED_EQ,
                ]
                return scmp_arg_cmp(arg: UInt32(a.index), op: ops[a.op] ?? SCMP_CMP_EQ, datum_a: a.value, datum_b: a.valueTwo ?? 0)
            }
            let split = Set(conditions.map(\.arg)).count != conditions.count
            for name in rule.names ?? rule.name.map({ [$0] }) ?? [] {
                let nr = seccomp_syscall_resolve_name(name)
                guard nr >= 0 else { continue }
                for group in split ? conditions.map({ [$0] }) : [conditions] {
                    if group.isEmpty {
                        _ = seccomp_rule_add_array(ctx, act, nr, 0, nil)
                    } else {
                        _ = group.withUnsafeBufferPointer { seccomp_rule_add_array(ctx, act, nr, UInt32($0.count), $0.baseAddress) }
                    }
                }
            }
        }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else { throw BenchError.libseccomp("seccomp_export_bpf", rc) }
    }

    /// Median and fastest CPU time of this thread over `runs` calls of `body`, in ms (on a
    /// machine shared with other work, wall-clock medians mostly measure the scheduler).
    /// The calling thread's CPU time, in seconds.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func cpuTimed(_ runs: Int, _ body: () throws -> Void) rethrows -> (median: Double, fastest: Double) {
        func now() -> Double { threadCPUSeconds() * 1e3 }
        var ms: [Double] = []
        for _ in 0..<runs {
            let start = now()
            try body()
            ms.append(now() - start)
        }
        ms.sort()
        return (ms[ms.count / 2], ms[0])
    }

    // MARK: the report

    static func run(iterations: Int, dockerProfile: String) throws {
        let service = try systemService()
        let (docker, dockerProfile) = try docker(dockerProfile)
        let recipe = try hardened()
        print("## Programs (executed instructions per call; bound = 4 + ⌈log2 R⌉, + 1 per earlier AUDIT_ARCH test)\n")
        print("| policy | ABI | length | R | bound | dispatch worst | arg-checked worst − arg tests | arg-checked worst | worst (call) | mean |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for (label, policy) in [("@system-service", service), ("Docker default", docker), ("hardened recipe", recipe)] {
            let (effective, program) = try Compiler.compiled(policy)
            for s in try PathMeasure.paths(policy: effective, program: program) {
                let met = s.dispatchWorst <= s.bound && s.argumentDispatchWorst <= s.bound ? "met" : "MISSED"
                let arg = s.argumentWorst == 0 ? "-" : "\(s.argumentDispatchWorst) (\(met))"
                print("| \(label) | \(s.abi.name) | \(program.instructions.count) | \(s.ranges) | \(s.bound) | \(s.dispatchWorst) | \(arg) |"
                    + " \(s.argumentWorst == 0 ? "-" : "\(s.argumentWorst)") | \(s.worst) (\(s.worstCall)) | \(String(format: "%.2f", s.mean)) |")
            }
        }
        print("\n## Library compile time (three ABIs: x86_64, x32, i386; thread CPU time, median of \(iterations), same process)\n")
        print("| policy | Seccompose compile | libseccomp 2.5.4 | ratio |")
        print("| --- | --- | --- | --- |")
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let us = { (x: Double) in String(format: "%.1f µs", x * 1000) }
        var parts: [(String, Double, Double)] = []
        for (label, policy, theirs) in [
            ("@system-service", service, { try libseccompSystemService(service, exportTo: devNull) }),
            ("Docker default", docker, { try libseccompDocker(dockerProfile, exportTo: devNull) }),
        ] as [(String, Policy, () throws -> Void)] {
            for _ in 0..<20 { _ = try Compiler.compile(policy) }
            let ours = try cpuTimed(iterations) { _ = try Compiler.compile(policy) }
            try theirs()
            let lib = try cpuTimed(iterations) { try theirs() }
            print("| \(label) | \(us(ours.median)) (fastest \(us(ours.fastest))) | \(us(lib.median)) (fastest \(us(lib.fastest)))"
                + " | \(String(format: "%.0f×", lib.median / ours.median)) |")
            let mode = policy.argumentWidths ?? .kernel
            parts.append((label, ours.median, cpuTimed(iterations) { _ = policy.judgedTables(mode) }.median))
        }
        // Where the compile's time goes: the tables of the policy the program implements
        // (SeccomposePolicy's kernel-reads pass, `judgedTables`, run by every compile; not written
        // out as `Compiler.effectivePolicy` writes them) and the rest (names, intervals, tree,
        // layout, the checks).
        print("\n| policy | of which the kernel-reads pass (judgedTables) | the rest |")
        print("| --- | --- | --- |")
        for (label, total, effective) in parts {
            print("| \(label) | \(us(effective)) | \(us(max(0, total - effective))) |")
        }
    }
}
