// Evaluation.swift: one judgement of one call, giving the action and the reason together.

import SeccomposeSyscalls

/// The policy's judgement of one call: the action and what decided it, from one evaluation
/// (`Policy.evaluate(auditArch:number:arguments:)`), so that a reason can never disagree with
/// the action it explains.
public struct Evaluation: Sendable, Hashable {
    /// What decided the call.
    public enum Basis: Sendable, Hashable {
        /// No ABI the policy judges takes calls with this `AUDIT_ARCH` value and number.
        case otherArchitecture
        /// A rule of the syscall's decision matched (its position in the decision's rules).
        case rule(Rule, index: Int)
        /// The syscall is listed and its decision's own action applies (`rules` of them, none matched).
        case listed(rules: Int)
        /// The syscall exists on the ABI but the policy does not name it: the default action.
        case unlisted
        /// The number is not a syscall on the ABI: the default action.
        case notASyscall
    }

    /// The action the policy takes.
    public var action: Action
    /// The ABI the kernel attributes the call to (for `AUDIT_ARCH_X86_64`, x32 when the number
    /// carries the x32 bit), whether or not the policy judges it; nil for an unknown `AUDIT_ARCH` value.
    public var abi: Architecture?
    /// The syscall's name on `abi`, nil when the number is not a syscall there.
    public var name: String?
    /// The call's number as the kernel presents it (x32 bit and MIPS base included).
    public var number: UInt32
    /// What decided.
    public var basis: Basis
    /// The text that set the decision, when known.
    public var origin: Origin?
    /// The syscall's decision in the policy (with all its rules), nil when the default or the
    /// other-ABI action decides.
    public var decision: SyscallDecision?

    /// Why, in words: `uname is listed; set by SystemCallFilter= 'uname:EBADF' at f:14:19`.
    public var reason: String {
        var s: String
        switch basis {
        case .otherArchitecture:
            guard let abi else { return "no ABI has this AUDIT_ARCH value: the other-ABI action" }
            return "the policy does not cover \(abi.name): every call through it gets the other-ABI action"
        case .rule(let rule, _):
            s = "\(name ?? "#\(number)"): rule \"\(rule)\" matches"
        case .listed(let rules):
            let n = name ?? "#\(number)"
            s = rules == 0 ? "\(n) is listed" : "\(n) is listed; none of its \(rules) rules matches"
        case .unlisted:
            return "\(name ?? "#\(number)") is not listed: the default action"
        case .notASyscall:
            return "\(number) is not a syscall on \(abi?.name ?? "this ABI"): the default action"
        }
        if let o = origin { s += "; set by \(o.setting)= '\(o.text)' at \(o.position)" }
        return s
    }
}

extension Evaluation {
    /// The first ABI (declaration order) of each `AUDIT_ARCH` value.
    private static let byAuditArch: [UInt32: Architecture] = {
        var m: [UInt32: Architecture] = [:]
        for abi in Architecture.allCases where m[abi.auditArch] == nil { m[abi.auditArch] = abi }
        return m
    }()

    /// The ABI the kernel attributes a call to (`Architecture.abi(auditArch:number:among:)` over
    /// every ABI, without building the candidate list per call), nil for an unknown value.
    public static func abi(auditArch: UInt32, number: UInt32) -> Architecture? {
        if auditArch == Architecture.x86_64.auditArch { return Architecture.isX32Number(number) ? .x32 : .x86_64 }
        return byAuditArch[auditArch]
    }
}

extension Policy {
    /// Judges a call as the kernel presents it (`AUDIT_ARCH` value, number, arguments) and says
    /// what decided. `action(auditArch:number:arguments:)` is this evaluation's action.
    public func evaluate(auditArch: UInt32, number: UInt32, arguments: [UInt64]) -> Evaluation {
        let abi = Evaluation.abi(auditArch: auditArch, number: number)
        guard let abi, architectures.contains(abi) else {
            return Evaluation(action: otherArchitectureAction, abi: abi, name: nil, number: number, basis: .otherArchitecture)
        }
        return evaluate(abi: abi, number: Int(number), arguments: arguments)
    }

    /// Judges syscall `number` (base included) made through `abi`, which the caller has already
    /// attributed (an ABI the policy does not judge gets the other-ABI action).
    public func evaluate(abi: Architecture, number: Int, arguments: [UInt64]) -> Evaluation {
        Evaluator(self, abi: abi).evaluate(number: number, name: SyscallTable.name(of: number, on: abi), arguments: arguments)
    }

    /// Judges the calls of one ABI: `evaluate(abi:number:arguments:)` with the ABI's table of
    /// decisions looked up once, for callers that judge many numbers (the compiler's self-check,
    /// over the compiler's judged tables).
    public struct Evaluator: Sendable {
        /// The ABI judged.
        public let abi: Architecture
        let covered: Bool
        let decisions: JudgedTables.Table
        let defaultAction: Action
        let otherArchitectureAction: Action

        /// An evaluator of `policy`'s decisions for calls through `abi`.
        public init(_ policy: Policy, abi: Architecture) {
            // The ABI's own table only (`JudgedTables(unjudged:)` would make every ABI's, and
            // `evaluate(abi:number:arguments:)` makes an evaluator per call).
            self.abi = abi
            covered = policy.architectures.contains(abi)
            decisions = JudgedTables.Table(base: covered ? policy.decisions(for: abi) : [:])
            defaultAction = policy.defaultAction
            otherArchitectureAction = policy.otherArchitectureAction
        }

        /// An evaluator of the policy whose tables are `tables` (read in place, not written out),
        /// for calls through `abi`.
        package init(_ tables: JudgedTables, abi: Architecture) {
            let policy = tables.source
            self.abi = abi
            covered = policy.architectures.contains(abi)
            decisions = covered ? tables.table(for: abi) : JudgedTables.Table(base: [:])
            defaultAction = policy.defaultAction
            otherArchitectureAction = policy.otherArchitectureAction
        }

        /// Judges syscall `number` (base included), whose name on the ABI is `name`
        /// (`SyscallTable.name(of: number, on: abi)`, which the caller may have looked up in bulk).
        public func evaluate(number: Int, name: String?, arguments: [UInt64]) -> Evaluation {
            let nr = UInt32(truncatingIfNeeded: number)
            guard covered else {
                return Evaluation(action: otherArchitectureAction, abi: abi, name: nil, number: nr, basis: .otherArchitecture)
            }
            guard let name else {
                return Evaluation(action: defaultAction, abi: abi, name: nil, number: nr, basis: .notASyscall)
            }
            guard let d = decisions[name] else {
                return Evaluation(action: defaultAction, abi: abi, name: name, number: nr, basis: .unlisted)
            }
            for (i, rule) in d.rules.enumerated() where rule.matches(arguments, argumentBits: abi.argumentBits) {
                return Evaluation(action: rule.action, abi: abi, name: name, number: nr, basis: .rule(rule, index: i),
                    origin: rule.origin ?? d.origin, decision: d)
            }
            return Evaluation(action: d.action, abi: abi, name: name, number: nr, basis: .listed(rules: d.rules.count),
                origin: d.origin, decision: d)
        }
    }
}
