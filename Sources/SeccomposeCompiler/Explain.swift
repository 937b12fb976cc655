// Explain.swift: why a policy decides what it decides for one call.

import SeccomposePolicy
import SeccomposeSyscalls

/// The decision for one call, with its reason and the compiled program's behaviour.
public struct Explanation: Sendable, Hashable {
    public var abi: Architecture
    public var number: Int
    /// The syscall's name on the ABI, nil when the number is not a syscall there.
    public var name: String?
    public var arguments: [UInt64]
    /// What the policy decides.
    public var action: Action
    /// Why, in words.
    public var reason: String
    /// The text that set the decision, when known.
    public var origin: Origin?
    /// The program's result for the same call (equal to `action` unless the compiler is wrong).
    public var programAction: Action
    /// Instructions the program executed.
    public var instructionsExecuted: Int
    /// Whether the kernel's constant-action cache takes this call without running the program.
    public var cached: Bool

    /// Explains the call `number` (base included) on `abi` with `arguments`.
    public static func explain(
        policy: Policy, program: Program, abi: Architecture, number: Int, arguments: [UInt64]
    ) throws(SimulationError) -> Explanation {
        let data = SeccompData(abi: abi, number: number, args: arguments)
        let run = try Simulator.run(program.instructions, data)
        let nr = UInt32(truncatingIfNeeded: number)
        let name = SyscallTable.name(of: number, on: abi)
        let action = policy.action(auditArch: abi.auditArch, number: nr, arguments: data.args)
        var reason: String
        var origin: Origin?
        if Architecture.abi(auditArch: abi.auditArch, number: nr, among: policy.architectures) == nil {
            reason = "the policy does not cover \(abi.name): every call through it gets the other-ABI action"
        } else if let name {
            if let d = policy.decisions(for: abi)[name] {
                if let rule = d.decidingRule(arguments: data.args, argumentBits: abi.argumentBits) {
                    reason = "\(name): rule \"\(rule)\" matches"
                    origin = rule.origin ?? d.origin
                } else {
                    reason = d.rules.isEmpty ? "\(name) is listed" : "\(name) is listed; none of its \(d.rules.count) rules matches"
                    origin = d.origin
                }
                if let o = origin { reason += "; set by \(o.setting)= '\(o.text)' at \(o.file ?? "<command line>"):\(o.line):\(o.column)" }
            } else {
                reason = "\(name) is not listed: the default action"
            }
        } else {
            reason = "\(number) is not a syscall on \(abi.name): the default action"
        }
        let cached = CacheAnalysis.isConstantAllow(program.instructions, auditArch: abi.auditArch, nr: nr) && abi != .x32
        return Explanation(abi: abi, number: number, name: name, arguments: data.args, action: action, reason: reason,
            origin: origin, programAction: run.action, instructionsExecuted: run.instructionsExecuted, cached: cached)
    }
}
