// PolicyDiff.swift: the result of comparing two filters by decision.

import SeccomposeDiagnostics
import SeccomposePolicy

/// What changed between two filters: every (ABI, syscall, argument class) whose decision differs.
public struct PolicyDiff: Sendable, Hashable, Codable {
    /// Whether a change lets more through or less.
    public enum Direction: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
        /// The new action is less restrictive (lower kernel precedence): a security review item.
        case loosened
        /// The new action is more restrictive: a breakage risk.
        case tightened
        /// Equally restrictive, different data (e.g. another errno or trap value).
        case changed

        var order: Int { Direction.allCases.firstIndex(of: self) ?? 0 }
        public static func < (l: Direction, r: Direction) -> Bool { l.order < r.order }

        /// The direction of a change from `old` to `new` (by the kernel's stacking precedence).
        public init(old: Action, new: Action) {
            if new.precedence < old.precedence {
                self = .loosened
            } else if new.precedence > old.precedence {
                self = .tightened
            } else {
                self = .changed
            }
        }
    }

    /// One decision that differs.
    public struct Change: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
        /// The ABI (libseccomp name), or `other` for AUDIT_ARCH values no known ABI has.
        public var abi: String
        /// The syscall's name; nil for numbers that are no syscall on the ABI.
        public var syscall: String?
        /// The first syscall number concerned (base included).
        public var firstNumber: UInt32
        /// The last syscall number concerned (equal to `firstNumber` for a named syscall).
        public var lastNumber: UInt32
        /// The argument class where only some argument values changed (`a0 == 0x26`,
        /// `(u32)a2 & 0x4 != 0`), nil when the change holds for every argument value.
        public var arguments: String?
        /// Argument values in the class (a0…a5), for reproducing the change with `explain`.
        public var example: [UInt64]
        /// The instruction pointer of the example, when the filters test it.
        public var instructionPointer: UInt64?
        /// The old decision (`Action.description`).
        public var old: String
        /// The new decision.
        public var new: String
        /// Loosened, tightened or changed.
        public var direction: Direction
        /// The position of the ABI in listings.
        var abiOrder: Int

        /// `ABI NAME[ (ARGCLASS)]: OLD -> NEW`; unnamed numbers as `#N` or `#FIRST-#LAST`.
        public var description: String {
            let what: String
            if let syscall {
                what = syscall
            } else if firstNumber == lastNumber {
                what = "#\(firstNumber)"
            } else {
                what = "#\(firstNumber)-#\(lastNumber)"
            }
            return "\(abi) \(what)\(arguments.map { " (\($0))" } ?? ""): \(old) -> \(new)"
        }

        public static func < (l: Change, r: Change) -> Bool {
            if l.direction != r.direction { return l.direction < r.direction }
            if l.abiOrder != r.abiOrder { return l.abiOrder < r.abiOrder }
            // Names first, alphabetically; unnamed numbers after them, by number.
            switch (l.syscall, r.syscall) {
            case (let a?, let b?) where a != b: return a < b
            case (nil, _?): return false
            case (_?, nil): return true
            default: break
            }
            if l.firstNumber != r.firstNumber { return l.firstNumber < r.firstNumber }
            return (l.arguments ?? "") < (r.arguments ?? "")
        }

        private enum CodingKeys: String, CodingKey {
            case abi, syscall, firstNumber, lastNumber, arguments, example, instructionPointer, old, new, direction
        }

        /// A change of one decision.
        public init(abi: String, abiOrder: Int, syscall: String?, firstNumber: UInt32, lastNumber: UInt32,
            arguments: String?, example: [UInt64], instructionPointer: UInt64?, old: Action, new: Action)
        {
            self.abi = abi
            self.abiOrder = abiOrder
            self.syscall = syscall
            self.firstNumber = firstNumber
            self.lastNumber = lastNumber
            self.arguments = arguments
            self.example = example
            self.instructionPointer = instructionPointer
            self.old = old.description
            self.new = new.description
            self.direction = Direction(old: old, new: new)
        }

        /// Decodes a change (the ABI order is recovered from the name).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            abi = try c.decode(String.self, forKey: .abi)
            syscall = try c.decodeIfPresent(String.self, forKey: .syscall)
            firstNumber = try c.decode(UInt32.self, forKey: .firstNumber)
            lastNumber = try c.decode(UInt32.self, forKey: .lastNumber)
            arguments = try c.decodeIfPresent(String.self, forKey: .arguments)
            example = try c.decode([UInt64].self, forKey: .example)
            instructionPointer = try c.decodeIfPresent(UInt64.self, forKey: .instructionPointer)
            old = try c.decode(String.self, forKey: .old)
            new = try c.decode(String.self, forKey: .new)
            direction = try c.decode(Direction.self, forKey: .direction)
            abiOrder = ABIOrder.order(of: abi)
        }

        /// Encodes the fields of docs/json.md (`seccompose.diff/1`).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(abi, forKey: .abi)
            try c.encodeIfPresent(syscall, forKey: .syscall)
            try c.encode(firstNumber, forKey: .firstNumber)
            try c.encode(lastNumber, forKey: .lastNumber)
            try c.encodeIfPresent(arguments, forKey: .arguments)
            try c.encode(example, forKey: .example)
            try c.encodeIfPresent(instructionPointer, forKey: .instructionPointer)
            try c.encode(old, forKey: .old)
            try c.encode(new, forKey: .new)
            try c.encode(direction, forKey: .direction)
        }
    }

    /// The old side's label.
    public var oldLabel: String
    /// The new side's label.
    public var newLabel: String
    /// Every change, sorted: loosened, tightened, changed; then ABI, syscall, argument class.
    public var changes: [Change]
    /// How many AUDIT_ARCH values were judged (every known one, plus one per class of unknown values).
    public var architecturesJudged: Int
    /// How many (arch, number class, argument class) cells were judged on both sides.
    public var cellsJudged: Int

    /// Whether the two sides decide alike everywhere.
    public var isIdentical: Bool { changes.isEmpty }

    /// The changes in one direction.
    public func changes(_ direction: Direction) -> [Change] { changes.filter { $0.direction == direction } }

    /// One line: `identical: …` or `N changes: L loosened, T tightened, C changed, on ABIs …`.
    public var summary: String {
        if changes.isEmpty {
            return "identical: \(oldLabel) and \(newLabel) decide alike for every ABI, syscall and argument class (\(cellsJudged) classes judged)"
        }
        var abis: [String] = []
        for c in changes.sorted(by: { $0.abiOrder < $1.abiOrder }) where abis.last != c.abi { abis.append(c.abi) }
        let counts = Direction.allCases.map { "\(changes($0).count) \($0.rawValue)" }.joined(separator: ", ")
        return "\(changes.count) change\(changes.count == 1 ? "" : "s"): \(counts); on \(abis.joined(separator: ", "))"
    }
}
