// ProgramStats.swift: measurements of a compiled program (bench).

import SeccomposePolicy
import SeccomposeSyscalls

/// Measurements of a compiled program, per ABI (from the simulator).
public struct ProgramStats: Sendable {
    public struct PerABI: Sendable {
        public var abi: Architecture
        /// Maximal ranges of numbers with one outcome in the ABI's dispatch tree (R).
        public var ranges: Int
        /// Mean and maximum instructions executed over the probed numbers (arguments zero).
        public var meanInstructions: Double
        public var maxInstructions: Int
        /// The maximum over numbers whose decision needs no argument checks: the dispatch alone.
        public var maxDispatchInstructions: Int
        /// The bound the dispatch should not exceed: 4 + ⌈log2 R⌉ (load arch, test it, load the
        /// number, a balanced search, return), plus one test per `AUDIT_ARCH` value checked
        /// before the ABI's own.
        public var bound: Int
        /// Syscalls of the ABI's table the kernel caches as ALLOW.
        public var cacheable: Int
        /// Syscalls of the ABI's table the policy allows unconditionally.
        public var unconditionalAllows: Int
    }

    public var length: Int
    public var abis: [PerABI]

    /// Measures `program` (compiled from `policy`) over numbers 0…`highest` of each ABI (base added).
    public static func measure(policy: Policy, program: Program, highest: Int = 600) -> ProgramStats {
        var out: [PerABI] = []
        var audits: [UInt32] = []  // in the order the program tests them
        for abi in policy.architectures.sorted() where !audits.contains(abi.auditArch) { audits.append(abi.auditArch) }
        for abi in policy.architectures {
            var total = 0, maxRun = 0, maxDispatch = 0
            for n in 0...highest {
                let data = SeccompData(abi: abi, number: n + abi.syscallBase)
                let steps = (try? Simulator.run(program.instructions, data).instructionsExecuted) ?? 0
                total += steps
                maxRun = max(maxRun, steps)
                let hasRules = SyscallTable.name(of: n + abi.syscallBase, on: abi).flatMap { policy.decisions(for: abi)[$0] }
                    .map { !$0.rules.isEmpty } ?? false
                if !hasRules { maxDispatch = max(maxDispatch, steps) }
            }
            let r = Compiler.numberIntervals(policy, audit: abi.auditArch).count
            var log2 = 0
            while (1 << log2) < r { log2 += 1 }
            let allows = SyscallTable.syscalls(on: abi).filter {
                policy.decisions(for: abi)[$0.name].map { $0.rules.isEmpty && $0.action == .allow } ?? (policy.defaultAction == .allow)
            }.count
            out.append(PerABI(abi: abi, ranges: r, meanInstructions: Double(total) / Double(highest + 1), maxInstructions: maxRun,
                maxDispatchInstructions: maxDispatch, bound: 4 + log2 + (audits.firstIndex(of: abi.auditArch) ?? 0), cacheable: CacheAnalysis.cacheableNumbers(program.instructions, abi: abi).count,
                unconditionalAllows: allows))
        }
        return ProgramStats(length: program.instructions.count, abis: out)
    }
}
