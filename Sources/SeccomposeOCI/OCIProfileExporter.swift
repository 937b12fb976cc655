// OCIProfileExporter.swift: Policy → an OCI runtime-spec `linux.seccomp` object (also a Docker
// profile), with what the format cannot say listed.

import FoundationEssentials
import SeccomposePolicy
import SeccomposeSyscalls

/// Writes a policy as an OCI runtime-spec `linux.seccomp` object, which Docker also reads as a
/// profile: `defaultAction` (and `defaultErrnoRet`), `architectures`, and `syscalls` rules with
/// `SCMP_ACT_*` actions, `errnoRet` numbers and `args` with `SCMP_CMP_*` operators.
///
/// Every name the policy decides is written out, including the ones an implicit `@default`
/// added; kill is `SCMP_ACT_KILL_PROCESS` (plain `SCMP_ACT_KILL` only kills the thread).
/// What the format cannot express is listed in `Export.losses`; whether the runtime decides as
/// the policy does is a question for an exact comparison of the re-imported profile (what
/// `compile --format oci` does before it writes anything).
public enum OCIProfileExporter {
    /// A written profile and what it leaves out.
    public struct Export: Sendable {
        /// The JSON text (pretty-printed, keys sorted, newline-terminated).
        public var json: String
        /// What the format cannot express, one sentence each (empty when nothing is lost).
        public var losses: [String]
    }

    struct Argument: Encodable {
        var index: Int
        var value: UInt64
        var valueTwo: UInt64?
        var op: String
    }

    struct SyscallRule: Encodable {
        var names: [String]
        var action: String
        var errnoRet: UInt32?
        var args: [Argument]?
    }

    struct Document: Encodable {
        var defaultAction: String
        var defaultErrnoRet: UInt32?
        var architectures: [String]
        var syscalls: [SyscallRule]
    }

    /// The OCI spelling of an action and its errno (ERRNO and TRACE carry one), and a loss
    /// when the action's data cannot be written.
    static func spelling(_ action: Action) -> (name: String, errno: UInt32?, loss: String?) {
        switch action {
        case .allow: return ("SCMP_ACT_ALLOW", nil, nil)
        case .errno(let e): return ("SCMP_ACT_ERRNO", UInt32(e), nil)
        case .killProcess: return ("SCMP_ACT_KILL_PROCESS", nil, nil)
        case .killThread: return ("SCMP_ACT_KILL_THREAD", nil, nil)
        case .trap(let v): return ("SCMP_ACT_TRAP", nil, v == 0 ? nil : "trap(\(v)): OCI's SCMP_ACT_TRAP carries no value (it becomes trap(0))")
        case .log: return ("SCMP_ACT_LOG", nil, nil)
        case .trace(let v): return ("SCMP_ACT_TRACE", UInt32(v), nil)
        case .userNotif:
            return ("SCMP_ACT_NOTIFY", nil, "user-notif: SCMP_ACT_NOTIFY needs the runtime's listenerPath, which a policy does not name")
        }
    }

    static func argument(_ c: ArgumentCondition) -> Argument {
        switch c.op {
        case .equal: return Argument(index: c.index, value: c.value, op: "SCMP_CMP_EQ")
        case .notEqual: return Argument(index: c.index, value: c.value, op: "SCMP_CMP_NE")
        case .less: return Argument(index: c.index, value: c.value, op: "SCMP_CMP_LT")
        case .lessOrEqual: return Argument(index: c.index, value: c.value, op: "SCMP_CMP_LE")
        case .greater: return Argument(index: c.index, value: c.value, op: "SCMP_CMP_GT")
        case .greaterOrEqual: return Argument(index: c.index, value: c.value, op: "SCMP_CMP_GE")
        // MASKED_EQ: value is the mask, valueTwo the expected value.
        case .maskedEqual: return Argument(index: c.index, value: c.mask, valueTwo: c.value, op: "SCMP_CMP_MASKED_EQ")
        }
    }

    /// The rules that give a decision whose conditions all test one argument (by value, or
    /// under a mask that keeps a prefix of high bits: a range) as intervals of that argument,
    /// in libseccomp's order of tests: `==` first, then `<=` from the smallest constant, then
    /// `>=` from the largest. Intervals with the profile's default action get no rule (runc
    /// drops such rules), so they must lie between the `<=` and the `>=` intervals, with only
    /// single values (`==`) among them. Nil for any other decision.
    static func intervalRules(_ d: SyscallDecision, defaultAction: Action) -> [IntervalRule]? {
        guard let first = d.rules.first?.conditions.first else { return nil }
        let index = first.index, narrow = first.is32Bit
        let top: UInt64 = narrow ? 0xFFFF_FFFF : .max
        var starts: Set<UInt64> = [0]
        func cut(_ v: UInt64) {
            if v <= top { starts.insert(v) }
        }
        for r in d.rules {
            for c in r.conditions {
                guard c.index == index, c.is32Bit == narrow, !c.isFullRegister else { return nil }
                let value = c.value & top
                switch c.op {
                case .equal, .notEqual:
                    cut(value)
                    if value < top { cut(value + 1) }
                case .less, .greaterOrEqual: cut(value)
                case .lessOrEqual, .greater: if value < top { cut(value + 1) }
                case .maskedEqual:
                    // A mask keeping high bits only: the values v…v + ~mask.
                    let mask = c.mask & top, low = ~mask & top
                    guard low & (low &+ 1) == 0 else { return nil }
                    if mask == 0 { continue }
                    cut(value & mask)
                    if (value & mask) < top - low { cut((value & mask) + low + 1) }
                }
            }
        }
        let sorted = starts.sorted()
        var segments: [(first: UInt64, last: UInt64, action: Action)] = []
        for (i, start) in sorted.enumerated() {
            var args = [UInt64](repeating: 0, count: 6)
            args[index] = start
            let action = d.action(arguments: args, argumentBits: 64)
            let last = i + 1 < sorted.count ? sorted[i + 1] - 1 : top
            if segments.last?.action == action { segments[segments.count - 1].last = last } else {
                segments.append((start, last, action))
            }
        }
        let defaults = segments.indices.filter { segments[$0].action == defaultAction }
        var out: [IntervalRule] = []
        for (i, seg) in segments.enumerated() where seg.action != defaultAction {
            if let lo = defaults.first, let hi = defaults.last, i > lo, i < hi {
                guard seg.first == seg.last else { return nil }
                out.append(IntervalRule(index: index, op: "SCMP_CMP_EQ", value: seg.first, action: seg.action))
            } else if let lo = defaults.first, i < lo {
                out.append(IntervalRule(index: index, op: "SCMP_CMP_LE", value: seg.last, action: seg.action))
            } else {
                out.append(IntervalRule(index: index, op: "SCMP_CMP_GE", value: seg.first, action: seg.action))
            }
        }
        return out
    }

    /// One interval rule: a single comparison and its action.
    struct IntervalRule {
        var index: Int
        var op: String
        var value: UInt64
        var action: Action
    }

    /// Writes `policy` as an OCI `linux.seccomp` object.
    ///
    /// - Throws: `EncodingError` if the JSON cannot be encoded (not expected for these types).
    public static func export(_ policy: Policy) throws -> Export {
        var losses: [String] = []
        func note(_ loss: String?) {
            if let loss, !losses.contains(loss) { losses.append(loss) }
        }
        let def = spelling(policy.defaultAction)
        note(def.loss)
        if policy.otherArchitectureAction != .killThread {
            note("other ABIs get \(policy.otherArchitectureAction) in the policy; runc's libseccomp filter kills the thread (kill-thread)")
        }
        // One rule list serves every architecture of a profile (libseccomp derives what differs
        // per ABI, as the importer does): per-ABI tables are written as the first ABI's (the
        // native one for an imported profile); the exact check judges the other ABIs.
        let table = policy.abiSyscalls.isEmpty ? policy.syscalls : policy.architectures.first.map(policy.decisions(for:)) ?? policy.syscalls
        // Unconditional decisions: one rule per action, names sorted.
        var byAction: [Action: [String]] = [:]
        var conditional: [(String, SyscallDecision)] = []
        for (name, d) in table {
            if d.rules.isEmpty {
                if d.action != policy.defaultAction { byAction[d.action, default: []].append(name) }
            } else {
                conditional.append((name, d))
            }
        }
        var rules: [SyscallRule] = []
        for (action, names) in byAction.sorted(by: { spelling($0.key).name + "\($0.key)" < spelling($1.key).name + "\($1.key)" }) {
            let s = spelling(action)
            note(s.loss)
            rules.append(SyscallRule(names: names.sorted(), action: s.name, errnoRet: s.errno))
        }
        for (name, d) in conditional.sorted(by: { $0.0 < $1.0 }) {
            let widths = d.rules.contains { $0.conditions.contains { $0.is32Bit || $0.isFullRegister } }
            if widths {
                note("\(name): comparisons of a chosen width ((u32)/(u64)); OCI arguments are compared as libseccomp compares them")
            }
            if let interval = intervalRules(d, defaultAction: policy.defaultAction) {
                for r in interval {
                    let s = spelling(r.action)
                    note(s.loss)
                    rules.append(SyscallRule(names: [name], action: s.name, errnoRet: s.errno,
                        args: [Argument(index: r.index, value: r.value, op: r.op)]))
                }
                continue
            }
            for rule in d.rules where rule.action != policy.defaultAction || d.action != policy.defaultAction {
                let s = spelling(rule.action)
                note(s.loss)
                rules.append(SyscallRule(names: [name], action: s.name, errnoRet: s.errno, args: rule.conditions.map(argument)))
            }
            if d.action != policy.defaultAction {
                // libseccomp lets an unconditional rule replace every conditional rule of its
                // syscall, so the fallback is a condition that always holds on the argument the
                // rules test: equality tests (==, !=, masked ==) come before >= there.
                let s = spelling(d.action)
                note(s.loss)
                let indexes = Set(d.rules.flatMap { $0.conditions.map(\.index) })
                let equalities = d.rules.allSatisfy { r in
                    r.conditions.count == 1 && [.equal, .notEqual, .maskedEqual].contains(r.conditions[0].op)
                }
                if indexes.count == 1, let index = indexes.first, equalities {
                    rules.append(SyscallRule(names: [name], action: s.name, errnoRet: s.errno,
                        args: [Argument(index: index, value: 0, op: "SCMP_CMP_GE")]))
                } else {
                    rules.append(SyscallRule(names: [name], action: s.name, errnoRet: s.errno))
                }
            }
        }
        let doc = Document(defaultAction: def.name, defaultErrnoRet: def.errno, architectures: policy.architectures.map(\.ociName),
            syscalls: rules)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(doc)
        return Export(json: String(decoding: data, as: UTF8.self) + "\n", losses: losses)
    }
}
