// Explain.swift: why a policy decides what it decides for one call.

import SeccomposePolicy
import SeccomposeSyscalls

/// The decision for one call, with its reason and the compiled program's behaviour.
public struct Explanation: Sendable, Hashable {
    public var abi: Architecture
    public var number: Int
    /// The syscall's name on the ABI that judges the call, nil when the number is not a syscall there.
    public var name: String?
    /// The ABI the kernel attributes the call to (x86-64 for an x32 number without the x32
    /// bit, and the reverse), whether or not the policy judges it.
    public var judgedABI: Architecture?
    public var arguments: [UInt64]
    /// What the policy decides (the same evaluation as `reason`).
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
        // One evaluation gives both the action and its reason.
        let evaluation = policy.evaluate(auditArch: abi.auditArch, number: nr, arguments: data.args)
        var reason = evaluation.reason
        if let judged = evaluation.abi, judged != abi {
            // x32 and x86-64 share AUDIT_ARCH_X86_64: the number decides which ABI judges the call.
            let form = judged == .x32 ? "carries the x32 bit (0x40000000)" : "lacks the x32 bit (0x40000000)"
            let call = evaluation.name.map { "\(judged.name)'s \($0)" } ?? "a call through \(judged.name)"
            reason = "\(number) \(form), so the kernel takes it as \(call); " + reason
        }
        let cached = CacheAnalysis.isConstantAllow(program.instructions, auditArch: abi.auditArch, nr: nr) && abi != .x32
        return Explanation(abi: abi, number: number, name: evaluation.name, judgedABI: evaluation.abi, arguments: data.args, action: evaluation.action,
            reason: reason, origin: evaluation.origin, programAction: run.action, instructionsExecuted: run.instructionsExecuted, cached: cached)
    }
}
