// PathMeasure.swift: how many instructions a program executes per call, split into the
// dispatch (number and arch) and the argument tests, over every number of each ABI and over
// arguments sampled around each rule's constants: what the benchmarks print and the tests bound.

import SeccomposePolicy
import SeccomposeSyscalls

/// Executed-path measurements of a compiled program against its policy.
public enum PathMeasure {
    /// One ABI's paths.
    public struct ABIPaths: Sendable, Hashable {
        /// The ABI.
        public var abi: Architecture
        /// R: the maximal ranges of numbers with one outcome (`ProgramStats`).
        public var ranges: Int
        /// The dispatch bound 4 + ⌈log2 R⌉ (+ 1 per AUDIT_ARCH value tested before this ABI's).
        public var bound: Int
        /// The worst path over numbers decided without arguments.
        public var dispatchWorst = 0
        /// The worst path over argument-checked numbers.
        public var argumentWorst = 0
        /// The worst path over argument-checked numbers with their argument tests taken off.
        public var argumentDispatchWorst = 0
        /// The worst path overall, and the call that takes it (a name, or the number).
        public var worst = 0
        /// The call of the worst path.
        public var worstCall = ""
        /// The mean path over every number with all-zero arguments.
        public var mean = 0.0
    }

    /// The paths of `program` (compiled from `policy`, the compiler's effective policy) for
    /// numbers 0…1023 of each ABI, argument-checked ones with `argumentSamples` of their rules.
    ///
    /// - Throws: `SimulationError` when the program cannot be run.
    public static func paths(policy: Policy, program: Program) throws(SimulationError) -> [ABIPaths] {
        let stats = ProgramStats.measure(policy: policy, program: program)
        var out: [ABIPaths] = []
        for abi in policy.architectures {
            guard let measured = stats.abis.first(where: { $0.abi == abi }) else { continue }
            var p = ABIPaths(abi: abi, ranges: measured.ranges, bound: measured.bound)
            var total = 0, calls = 0
            let decisions = policy.decisions(for: abi)
            for n in 0...1023 {
                let nr = n + abi.syscallBase
                let name = SyscallTable.name(of: nr, on: abi)
                let rules = name.flatMap { decisions[$0] }?.rules ?? []
                for args in rules.isEmpty ? [[UInt64](repeating: 0, count: 6)] : argumentSamples(rules) {
                    let r = try Simulator.run(program.instructions, SeccompData(abi: abi, number: nr, args: args))
                    let steps = r.instructionsExecuted
                    if args.allSatisfy({ $0 == 0 }) {
                        total += steps
                        calls += 1
                    }
                    if rules.isEmpty {
                        p.dispatchWorst = max(p.dispatchWorst, steps)
                    } else {
                        p.argumentWorst = max(p.argumentWorst, steps)
                        let tests = r.firstArgumentLoad == 0 ? 0 : steps - r.firstArgumentLoad
                        p.argumentDispatchWorst = max(p.argumentDispatchWorst, steps - tests)
                    }
                    if steps > p.worst {
                        p.worst = steps
                        p.worstCall = name ?? String(nr)
                    }
                }
            }
            p.mean = calls == 0 ? 0 : Double(total) / Double(calls)
            out.append(p)
        }
        return out
    }

    /// Argument vectors around a decision's rules: all zero, then per rule its conditions met
    /// together, each compared argument at the constant's neighbours, the other word, its sign
    /// extension, zero and all ones, and (masked comparisons) every mask bit flipped.
    public static func argumentSamples(_ rules: [Rule]) -> [[UInt64]] {
        var out: [[UInt64]] = [[UInt64](repeating: 0, count: 6)]
        for rule in rules {
            var base = [UInt64](repeating: 0, count: 6)
            for c in rule.conditions where (0...5).contains(c.index) {
                base[c.index] = c.op == .maskedEqual ? c.value & c.mask : c.value
            }
            out.append(base)
            for c in rule.conditions where (0...5).contains(c.index) {
                let v = base[c.index]
                var values: [UInt64] = [0, .max, v &- 1, v &+ 1, v & 0xFFFF_FFFF, v ^ 0x1_0000_0000,
                    UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))]
                if c.op == .maskedEqual {
                    values.append(v | ~c.mask)
                    for bit in 0..<64 where c.mask >> UInt64(bit) & 1 == 1 { values.append(v ^ (1 << UInt64(bit))) }
                }
                for x in values {
                    var s = base
                    s[c.index] = x
                    out.append(s)
                }
            }
        }
        return out
    }
}
