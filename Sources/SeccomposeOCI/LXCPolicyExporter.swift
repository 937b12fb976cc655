// LXCPolicyExporter.swift: Policy → an LXC version 2 seccomp policy, with what the format
// cannot say listed.

import SeccomposePolicy
import SeccomposeSyscalls

/// Writes a policy as an LXC version 2 seccomp policy (`lxc.seccomp.profile`): the header
/// `allowlist ACTION` (or `denylist allow` for a default of allow), then one `[all]` section with
/// one line per syscall name and action, and argument rules as `[INDEX,VALUE,OP(,MASK)]`.
///
/// LXC's format has no kill-process (its `kill` kills the thread), no `log` and no `trace`, no
/// trap value, no per-ABI rules (on an x86-64 host every rule applies to x86-64, x86 and x32) and
/// no choice of ABIs. Such losses are listed in `Export.losses` and written as the nearest LXC
/// action (kill-process and trace as `kill`, log as `allow`); whether LXC decides as the policy
/// does is a question for an exact comparison of the re-imported text (`compile --format lxc`).
public enum LXCPolicyExporter {
    /// The LXC spelling of an action, and a loss when it is not the action itself.
    static func spelling(_ action: Action) -> (text: String, loss: String?) {
        switch action {
        case .allow: return ("allow", nil)
        case .errno(let e): return ("errno \(e)", nil)
        case .killThread: return ("kill", nil)
        case .killProcess: return ("kill", "kill-process: LXC's kill kills the thread only (written as kill)")
        case .trap(let v): return ("trap", v == 0 ? nil : "trap(\(v)): LXC's trap carries no value (written as trap)")
        case .log: return ("allow", "log: LXC has no log action (written as allow)")
        case .trace: return ("kill", "trace: LXC has no trace action (written as kill)")
        case .userNotif: return ("notify", nil)
        }
    }

    static func condition(_ c: ArgumentCondition) -> String {
        switch c.op {
        case .equal: return "[\(c.index),\(c.value),SCMP_CMP_EQ]"
        case .notEqual: return "[\(c.index),\(c.value),SCMP_CMP_NE]"
        case .less: return "[\(c.index),\(c.value),SCMP_CMP_LT]"
        case .lessOrEqual: return "[\(c.index),\(c.value),SCMP_CMP_LE]"
        case .greater: return "[\(c.index),\(c.value),SCMP_CMP_GT]"
        case .greaterOrEqual: return "[\(c.index),\(c.value),SCMP_CMP_GE]"
        case .maskedEqual: return "[\(c.index),\(c.value),SCMP_CMP_MASKED_EQ,\(c.mask)]"
        }
    }

    static func comparison(_ op: String) -> String {
        switch op {
        case "SCMP_CMP_EQ": return "SCMP_CMP_EQ"
        case "SCMP_CMP_LE": return "SCMP_CMP_LE"
        default: return "SCMP_CMP_GE"
        }
    }

    /// Writes `policy` as an LXC version 2 policy for a host of ABI `host`.
    ///
    /// The returned `Export.json` holds the LXC text (newline-terminated).
    public static func export(_ policy: Policy, host: Architecture = .native) -> OCIProfileExporter.Export {
        var losses: [String] = []
        func note(_ loss: String?) {
            if let loss, !losses.contains(loss) { losses.append(loss) }
        }
        let hostABIs = LXCPolicyImporter.abis(host: host)
        if Set(policy.architectures) != Set(hostABIs) {
            note("ABIs: the policy filters \(policy.architectures.map(\.name).joined(separator: ", ")); LXC on a \(host.name) host filters \(hostABIs.map(\.name).joined(separator: ", ")) and kills the thread on any other")
        }
        if policy.otherArchitectureAction != .killThread {
            note("other ABIs get \(policy.otherArchitectureAction) in the policy; LXC's libseccomp filter kills the thread (kill-thread)")
        }
        var def = spelling(policy.defaultAction)
        note(def.loss)
        if policy.defaultAction == .log { def = ("allow", def.loss) }
        let written: Action = {
            switch policy.defaultAction {
            case .killProcess, .trace: return .killThread
            case .log: return .allow
            case .trap: return .trap(0)
            default: return policy.defaultAction
            }
        }()
        // One rule list serves every ABI of the host: the host's table is written.
        let table = policy.decisions(for: policy.architectures.contains(host) ? host : (policy.architectures.first ?? host))
        var lines: [String] = ["2", written == .allow ? "denylist allow" : "allowlist \(def.text)",
            "# Written by seccompose compile --format lxc. Rules apply to every ABI of the host."]
        lines.append("[all]")
        func add(_ name: String, _ action: Action, _ conditions: [String] = []) {
            let s = spelling(action)
            note(s.loss)
            // libseccomp refuses a rule whose action is the default's: LXC would not start.
            guard s.text != def.text else {
                if action != policy.defaultAction { note("\(name): \(action) is written as the default action \(def.text), so it has no rule") }
                return
            }
            lines.append(([name, s.text] + (conditions.isEmpty ? [] : [conditions.joined()])).joined(separator: " "))
        }
        for (name, d) in table.sorted(by: { $0.key < $1.key }) {
            if d.rules.isEmpty {
                if d.action != policy.defaultAction { add(name, d.action) }
                continue
            }
            if d.rules.contains(where: { $0.conditions.contains { $0.is32Bit || $0.isFullRegister } }) {
                note("\(name): comparisons of a chosen width ((u32)/(u64)); LXC's arguments are compared as libseccomp compares them")
            }
            if let interval = OCIProfileExporter.intervalRules(d, defaultAction: policy.defaultAction) {
                for r in interval {
                    add(name, r.action, [condition(ArgumentCondition(index: r.index, r.op == "SCMP_CMP_EQ" ? .equal
                        : r.op == "SCMP_CMP_LE" ? .lessOrEqual : .greaterOrEqual, r.value))])
                }
                continue
            }
            for rule in d.rules {
                let indexes = rule.conditions.map(\.index)
                guard Set(indexes).count == indexes.count else {
                    note("\(name): a rule compares one argument twice, which LXC cannot load (left out)")
                    continue
                }
                add(name, rule.action, rule.conditions.map(condition))
            }
            if d.action != policy.defaultAction {
                // As for OCI: the fallback is a condition that always holds on the argument the
                // equality rules test, so that it does not replace them in libseccomp.
                let indexes = Set(d.rules.flatMap { $0.conditions.map(\.index) })
                let equalities = d.rules.allSatisfy { r in
                    r.conditions.count == 1 && [.equal, .notEqual, .maskedEqual].contains(r.conditions[0].op)
                }
                if indexes.count == 1, let index = indexes.first, equalities {
                    add(name, d.action, ["[\(index),0,SCMP_CMP_GE]"])
                } else {
                    add(name, d.action)
                }
            }
        }
        return OCIProfileExporter.Export(json: lines.joined(separator: "\n") + "\n", losses: losses)
    }
}
