// Policy.swift: the value every front end produces and the compiler consumes.

import SeccomposeDiagnostics
import SeccomposeSyscalls

/// Where a decision came from: the word of some setting at a position in some text (an
/// expression, a unit file line, a profile).
public struct Origin: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the word that decided is.
    public var position: SourcePosition
    /// The setting the text belongs to, e.g. `SystemCallFilter`.
    public var setting: String
    /// The word as written, e.g. `~@privileged:EPERM`.
    public var text: String

    /// The file, or nil for a value given on the command line or through the API.
    public var file: String? { position.file }
    /// 1-based line; for command-line values, the index of the value (first value = 1).
    public var line: Int { position.line }
    /// 1-based column of the word that decided.
    public var column: Int { position.column }

    /// The word `text` of `setting` at `position`. (Inlinable, as the other initializers below: the
    /// front ends make an origin and a decision for every name of a policy, and a call into this
    /// module copies each through an outlined value witness.)
    @inlinable
    public init(position: SourcePosition, setting: String, text: String) {
        self.position = position
        self.setting = setting
        self.text = text
    }

    /// The word `text` of `setting` at `file`:`line`:`column`.
    @inlinable
    public init(file: String?, line: Int, column: Int, setting: String, text: String) {
        self.init(position: SourcePosition(file: file, line: line, column: column), setting: setting, text: text)
    }

    private enum CodingKeys: String, CodingKey { case file, line, column, setting, text }

    /// Decodes the flat form (`file`, `line`, `column`, `setting`, `text`; docs/json.md).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(file: try c.decodeIfPresent(String.self, forKey: .file), line: try c.decode(Int.self, forKey: .line),
            column: try c.decode(Int.self, forKey: .column), setting: try c.decode(String.self, forKey: .setting),
            text: try c.decode(String.self, forKey: .text))
    }

    /// Encodes the flat form (`file` only when there is one).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(column, forKey: .column)
        try c.encode(setting, forKey: .setting)
        try c.encode(text, forKey: .text)
    }

    /// `FILE:LINE:COL: SETTING=… TEXT`.
    public var description: String {
        "\(file.map { $0 + ":" } ?? "")\(line):\(column): \(setting)=… \(text)"
    }
}

/// One syscall's decision in a policy.
///
/// The `rules` are tried in order; the first whose conditions all hold decides. When none
/// holds (or there are none), `action` decides.
public struct SyscallDecision: Sendable, Hashable, Codable {
    /// The action when no rule matches.
    public var action: Action
    /// The text that set it, when known.
    public var origin: Origin?
    /// Argument-dependent rules, tried first, in order.
    public var rules: [Rule]
    /// A hint that the syscall is frequent (higher = hotter), as libseccomp's
    /// `seccomp_syscall_priority`; it may shorten its path but never changes a decision.
    public var priority: Int

    @inlinable
    public init(action: Action, origin: Origin? = nil, rules: [Rule] = [], priority: Int = 0) {
        self.action = action
        self.origin = origin
        self.rules = rules
        self.priority = priority
    }

    /// The action for a call with these argument values on an ABI with `argumentBits` (32 or 64).
    public func action(arguments: [UInt64], argumentBits: Int) -> Action {
        for rule in rules where rule.matches(arguments, argumentBits: argumentBits) { return rule.action }
        return action
    }

    /// The rule that decides, or nil when `action` does.
    public func decidingRule(arguments: [UInt64], argumentBits: Int) -> Rule? {
        rules.first { $0.matches(arguments, argumentBits: argumentBits) }
    }
}

/// A comparison of one syscall argument with a constant.
public struct ArgumentCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the argument is compared.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        /// `(argument & mask) == value`.
        case maskedEqual = "&=="
    }

    /// The argument index, 0...5.
    public var index: Int
    public var op: Operator
    /// The constant (for `maskedEqual`: the value the masked argument must equal).
    public var value: UInt64
    /// The mask for `maskedEqual` (ignored otherwise).
    public var mask: UInt64
    /// Compare only the low 32 bits (for arguments the kernel reads as `int`), whatever the ABI.
    public var is32Bit: Bool
    /// Compare all 64 bits even on an ABI whose arguments are otherwise judged on 32 (x32,
    /// MIPS n32): for arguments the kernel reads as `long` there. Ignored when `is32Bit` is set.
    public var isFullRegister: Bool

    public init(index: Int, _ op: Operator, _ value: UInt64, mask: UInt64 = .max, is32Bit: Bool = false,
        isFullRegister: Bool = false)
    {
        self.index = index
        self.op = op
        self.value = value
        self.mask = mask
        self.is32Bit = is32Bit
        self.isFullRegister = isFullRegister
    }

    /// The number of bits compared on an ABI whose registers have `argumentBits` bits.
    public func comparedBits(argumentBits: Int) -> Int {
        if is32Bit { return 32 }
        return isFullRegister ? 64 : min(argumentBits, 64)
    }

    /// Whether the argument value satisfies the condition (unsigned comparison on the compared bits).
    public func holds(for argument: UInt64, argumentBits: Int) -> Bool {
        let width = comparedBits(argumentBits: argumentBits)
        let keep: UInt64 = width >= 64 ? .max : (1 << UInt64(width)) - 1
        let a = argument & keep, v = value & keep
        switch op {
        case .equal: return a == v
        case .notEqual: return a != v
        case .less: return a < v
        case .lessOrEqual: return a <= v
        case .greater: return a > v
        case .greaterOrEqual: return a >= v
        case .maskedEqual: return a & mask & keep == v & mask & keep
        }
    }

    public var description: String {
        let v = "0x" + String(value, radix: 16)
        let w = is32Bit ? "(u32)" : isFullRegister ? "(u64)" : ""
        if op == .maskedEqual { return "\(w)a\(index) & 0x\(String(mask, radix: 16)) == \(v)" }
        return "\(w)a\(index) \(op.rawValue) \(v)"
    }
}

/// Argument conditions (all must hold) and the action they lead to.
public struct Rule: Sendable, Hashable, Codable, CustomStringConvertible {
    public var conditions: [ArgumentCondition]
    public var action: Action
    /// The text that made the rule, when known.
    public var origin: Origin?

    public init(_ conditions: [ArgumentCondition], action: Action, origin: Origin? = nil) {
        self.conditions = conditions
        self.action = action
        self.origin = origin
    }

    /// Whether every condition holds.
    public func matches(_ arguments: [UInt64], argumentBits: Int) -> Bool {
        conditions.allSatisfy { c in c.holds(for: c.index < arguments.count ? arguments[c.index] : 0, argumentBits: argumentBits) }
    }

    public var description: String {
        (conditions.isEmpty ? "always" : conditions.map(\.description).joined(separator: " && ")) + " -> \(action)"
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
    public var syscalls: [String: SyscallDecision] { didSet { abiDifferences = [:] } }
    /// Per-ABI tables that replace `syscalls` for their ABI (made by `merge`).
    public var abiSyscalls: [Architecture: [String: SyscallDecision]] = [:] { didSet { abiDifferences = [:] } }
    /// What the front end that wrote `abiSyscalls` knows of them: for an ABI listed here, its
    /// table holds `syscalls`' decision for every name but these (which it changes, adds or
    /// removes). A hint for the compiler (it then reads such a table as `syscalls` with these
    /// names written over it), not part of the policy's value: outside its equality, hashing and
    /// coding, and emptied by any change to `syscalls` or `abiSyscalls`, so it never outlives the
    /// tables it describes.
    package var abiDifferences: [Architecture: [String]] = [:]
    /// How the policy's argument rules are meant to be judged, as the front end that built it
    /// says (systemd settings and profiles are built for one mode); nil leaves it to the
    /// compiler's options (default `.kernel`). The compiler refuses options that ask for another
    /// mode, so the mode is given once.
    public var argumentWidths: ArgumentWidthMode?

    /// The decisions that apply to `abi`: its own table if it has one, else `syscalls`.
    public func decisions(for abi: Architecture) -> [String: SyscallDecision] { abiSyscalls[abi] ?? syscalls }

    // The policy's value: every stored property but the `abiDifferences` hint.
    private enum CodingKeys: String, CodingKey {
        case defaultAction, architectures, otherArchitectureAction, syscalls, abiSyscalls, argumentWidths
    }

    /// Whether the two policies decide alike as written (`abiDifferences` is no part of a policy's value).
    public static func == (a: Policy, b: Policy) -> Bool {
        a.defaultAction == b.defaultAction && a.architectures == b.architectures
            && a.otherArchitectureAction == b.otherArchitectureAction && a.syscalls == b.syscalls
            && a.abiSyscalls == b.abiSyscalls && a.argumentWidths == b.argumentWidths
    }

    /// Hashes the fields `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(defaultAction)
        hasher.combine(architectures)
        hasher.combine(otherArchitectureAction)
        hasher.combine(syscalls)
        hasher.combine(abiSyscalls)
        hasher.combine(argumentWidths)
    }

    public init(
        defaultAction: Action, architectures: [Architecture], otherArchitectureAction: Action,
        syscalls: [String: SyscallDecision] = [:]
    ) {
        self.defaultAction = defaultAction
        self.architectures = architectures
        self.otherArchitectureAction = otherArchitectureAction
        self.syscalls = syscalls
    }

    /// The action for syscall `number` made through `abi` with `arguments`.
    /// (`evaluate(abi:number:arguments:)`'s action.)
    public func action(abi: Architecture, number: Int, arguments: [UInt64]) -> Action {
        evaluate(abi: abi, number: number, arguments: arguments).action
    }

    /// The action for a call as the kernel presents it: `AUDIT_ARCH` value, number, arguments
    /// (`evaluate(auditArch:number:arguments:)`'s action, so it always matches its reason).
    public func action(auditArch: UInt32, number: UInt32, arguments: [UInt64]) -> Action {
        evaluate(auditArch: auditArch, number: number, arguments: arguments).action
    }

    /// The action for syscall `number` made through `abi` (arguments all zero).
    public func action(abi: Architecture, number: Int) -> Action {
        guard architectures.contains(abi) else { return otherArchitectureAction }
        if let name = SyscallTable.name(of: number, on: abi), let d = decisions(for: abi)[name] { return d.action }
        return defaultAction
    }

    /// The action for syscall `name` made through `abi`, or nil when the ABI has no such call.
    public func action(abi: Architecture, name: String) -> Action? {
        guard let number = SyscallTable.number(of: name, on: abi) else { return nil }
        return action(abi: abi, number: number)
    }
}
