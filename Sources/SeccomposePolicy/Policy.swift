// Policy.swift: the value every front end produces and the compiler consumes.

import SeccomposeSyscalls

/// Where a decision came from: a position in some text (an expression, a unit file line).
public struct Origin: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, or nil for a value given on the command line or through the API.
    public var file: String?
    /// 1-based line; for command-line values, the index of the value (first value = 1).
    public var line: Int
    /// 1-based column of the word that decided.
    public var column: Int
    /// The setting the text belongs to, e.g. `SystemCallFilter`.
    public var setting: String
    /// The word as written, e.g. `~@privileged:EPERM`.
    public var text: String

    public init(file: String?, line: Int, column: Int, setting: String, text: String) {
        self.file = file
        self.line = line
        self.column = column
        self.setting = setting
        self.text = text
    }

    public var description: String {
        "\(file.map { $0 + ":" } ?? "")\(line):\(column): \(setting)=… \(text)"
    }
}

/// One syscall's decision in a policy.
public struct SyscallDecision: Sendable, Hashable, Codable {
    public var action: Action
    /// The text that set it, when known.
    public var origin: Origin?

    public init(action: Action, origin: Origin? = nil) {
        self.action = action
        self.origin = origin
    }
}

/// A complete syscall policy over a set of ABIs.
///
/// A syscall is judged as follows: an ABI not in `architectures` gets
/// `otherArchitectureAction`; a syscall named in `syscalls` that exists on the ABI gets its
/// decision; every other number gets `defaultAction`. Syscalls are keyed by name: a name that an
/// ABI lacks has no effect there (it is never given a pseudo number).
public struct Policy: Sendable, Hashable, Codable {
    /// The action for syscalls the policy does not name.
    public var defaultAction: Action
    /// The ABIs the policy judges, in the order they were requested.
    public var architectures: [Architecture]
    /// The action for syscalls made through any other ABI.
    public var otherArchitectureAction: Action
    /// Per-syscall decisions, by name.
    public var syscalls: [String: SyscallDecision]

    public init(
        defaultAction: Action, architectures: [Architecture], otherArchitectureAction: Action,
        syscalls: [String: SyscallDecision] = [:]
    ) {
        self.defaultAction = defaultAction
        self.architectures = architectures
        self.otherArchitectureAction = otherArchitectureAction
        self.syscalls = syscalls
    }

    /// The action for syscall `number` made through `abi`.
    public func action(abi: Architecture, number: Int) -> Action {
        guard architectures.contains(abi) else { return otherArchitectureAction }
        if let name = SyscallTable.name(of: number, on: abi), let d = syscalls[name] { return d.action }
        return defaultAction
    }

    /// The action for syscall `name` made through `abi`, or nil when the ABI has no such call.
    public func action(abi: Architecture, name: String) -> Action? {
        guard let number = SyscallTable.number(of: name, on: abi) else { return nil }
        return action(abi: abi, number: number)
    }
}
