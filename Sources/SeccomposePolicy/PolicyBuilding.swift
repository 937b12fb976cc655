// PolicyBuilding.swift: building policies in code, with the operations libseccomp offers.

import SeccomposeDiagnostics
import SeccomposeSyscalls

/// A mistake in building a policy through the API, with a way to fix it.
public struct PolicyError: ReportableError, Sendable, Hashable {
    /// What is wrong with the call.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// `error: MESSAGE` and the fix (an API call has no position).
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}

extension Policy {
    /// A policy judging `architectures` with `defaultAction` for every syscall it does not name
    /// (libseccomp's `seccomp_init`); calls through other ABIs kill the thread, as libseccomp's
    /// default bad-architecture action does.
    public init(_ defaultAction: Action, architectures: [Architecture] = [.native]) {
        self.init(defaultAction: defaultAction, architectures: architectures, otherArchitectureAction: .killThread)
    }

    /// Adds a rule (libseccomp's `seccomp_rule_add`). Without conditions it sets the syscall's
    /// unconditional action; with conditions (all must hold) it appends a rule, tried in the
    /// order added, before the unconditional action.
    ///
    /// - Throws: `PolicyError` for a name no ABI knows, an argument index outside 0…5, or two
    ///   conditions on the same argument in one rule that can never hold together.
    public mutating func addRule(_ action: Action, syscall name: String, _ conditions: [ArgumentCondition] = [],
        origin: Origin? = nil) throws(PolicyError)
    {
        guard SyscallTable.isKnown(name) else {
            throw PolicyError(message: "'\(name)' is not a syscall on any ABI (tables: Linux \(SyscallTable.sourceVersion))",
                fix: "check the spelling; `seccompose resolve NAME` lists the ABIs that have it")
        }
        for c in conditions where !(0...5).contains(c.index) {
            throw PolicyError(message: "argument index \(c.index) in a rule for \(name)", fix: "arguments are numbered 0 to 5")
        }
        let fresh = SyscallDecision(action: defaultAction)
        func add(_ table: inout [String: SyscallDecision]) {
            // Changed in place: a copy of the decision would copy its rules for every rule added.
            func change(_ d: inout SyscallDecision) {
                if conditions.isEmpty {
                    d.action = action
                    d.origin = origin ?? d.origin
                } else {
                    d.rules.append(Rule(conditions, action: action, origin: origin))
                }
            }
            change(&table[name, default: fresh])
        }
        add(&syscalls)
        for abi in abiSyscalls.keys { add(&abiSyscalls[abi, default: [:]]) }
    }

    /// Marks a syscall as frequent (libseccomp's `seccomp_syscall_priority`): the compiler places
    /// it nearer the root of the search tree; decisions do not change.
    public mutating func setPriority(_ priority: Int, syscall name: String) throws(PolicyError) {
        guard SyscallTable.isKnown(name) else {
            throw PolicyError(message: "'\(name)' is not a syscall on any ABI", fix: "check the spelling")
        }
        let fresh = SyscallDecision(action: defaultAction)
        func set(_ table: inout [String: SyscallDecision]) {
            var d = table[name] ?? fresh
            d.priority = priority
            table[name] = d
        }
        set(&syscalls)
        for abi in abiSyscalls.keys { set(&abiSyscalls[abi, default: [:]]) }
    }

    /// Adds an ABI (libseccomp's `seccomp_arch_add`); nothing happens if it is present.
    public mutating func addArchitecture(_ abi: Architecture) {
        if !architectures.contains(abi) { architectures.append(abi) }
    }

    /// Removes an ABI (libseccomp's `seccomp_arch_remove`): its calls then get `otherArchitectureAction`.
    public mutating func removeArchitecture(_ abi: Architecture) {
        architectures.removeAll { $0 == abi }
    }

    /// Merges another policy into this one (libseccomp's `seccomp_merge`): the ABIs must not
    /// overlap and both policies must agree on the default and other-ABI actions; each ABI keeps
    /// exactly the decisions of the policy it came from (per-ABI tables, `abiSyscalls`).
    ///
    /// - Throws: `PolicyError` when the ABIs overlap or the actions differ.
    public mutating func merge(_ other: Policy) throws(PolicyError) {
        let shared = architectures.filter { other.architectures.contains($0) }
        guard shared.isEmpty else {
            throw PolicyError(message: "both policies judge \(shared.map(\.name).joined(separator: ", "))",
                fix: "remove the ABI from one of them; use stacking (`Action.stacked`) to combine decisions for one ABI")
        }
        guard defaultAction == other.defaultAction, otherArchitectureAction == other.otherArchitectureAction else {
            throw PolicyError(message: "the default or other-ABI actions differ (\(defaultAction) vs \(other.defaultAction))",
                fix: "give both policies the same default and other-ABI actions")
        }
        // Each ABI keeps the decisions of the policy it came from: the other policy's ABIs get
        // their own tables.
        for abi in other.architectures { abiSyscalls[abi] = other.decisions(for: abi) }
        architectures += other.architectures
    }
}
