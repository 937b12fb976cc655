// LearnedFilter.swift: from evidence to a filter a user can install: a group cover of the observed
// syscalls as SystemCallFilter= lines (allow-line groups, `~` lines for groups nothing used,
// explicit denials of risky calls never observed, re-adds of observed calls a subtracted group
// removed), SystemCallArchitectures=, and the argument-backed directives the runs prove safe.
// Every form is checked against the policy systemd would build from it before it is returned.

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

/// A filter learned from evidence.
public struct LearnedFilter: Sendable {
    /// What one ABI's part of the filter amounts to.
    public struct ABISummary: Sendable, Hashable, Codable {
        /// The ABI.
        public var abi: String
        /// Distinct syscalls observed (with a name).
        public var observed: Int
        /// Observed syscalls outside `@system-service`, sorted.
        public var systemServiceExtras: [String]
        /// Syscalls the drop-in's SystemCallFilter= allows that were never observed.
        public var allowedUnobserved: Int
        /// The same for the exact form (the observed names plus the implicit `@default`).
        public var allowedUnobservedExact: Int
    }

    /// The evidence it was learned from.
    public let evidence: LearnEvidence
    /// The systemd whose tables it is written for.
    public let context: SystemdContext
    /// The SystemCallFilter= values, in order (the drop-in resets the setting before them).
    public let filterLines: [String]
    /// The same allowed set as one allow-list value (groups wholly inside it, then names).
    public let expression: String
    /// SystemCallErrorNumber= for never-observed calls, when asked for (e.g. `ENOSYS`).
    public let errorNumber: String?
    /// SystemCallArchitectures=.
    public let architectures: String
    /// Each provable directive: its value, or the call that rules it out.
    public let directives: [DirectiveFinding]
    /// Per ABI, native first.
    public let summaries: [ABISummary]
    /// Risky calls denied explicitly (never observed, but a group allowed them), sorted.
    public let deniedRisky: [String]
    /// Why the filter may not be what the program needs, one sentence each (evidence problems
    /// and observed numbers no name can allow).
    public let warnings: [String]

    /// Learns the filter for `evidence` with `context`'s group tables; `errorNumber` (e.g.
    /// `ENOSYS`) makes never-observed calls fail with it instead of killing the process.
    ///
    /// - Throws: `LearnError` when `errorNumber` is not an errno, or when a form of the filter
    ///   would not allow every observed call (a bug: nothing is written then).
    public init(evidence: LearnEvidence, context: SystemdContext, errorNumber: String? = nil) throws(LearnError) {
        self.evidence = evidence
        self.context = context
        self.errorNumber = errorNumber
        let catalog = context.catalog
        let abis = evidence.abis
        var observed: Set<String> = []
        for abi in abis { observed.formUnion(evidence.names(on: abi)) }
        var warnings = evidence.problems
        if !evidence.complete {
            warnings.insert("the evidence is incomplete, so the filter may deny calls the program makes", at: 0)
        }
        for s in evidence.syscalls where s.name == nil {
            warnings.append("syscall \(s.number) on \(s.abi) has no name, so no SystemCallFilter= can allow it")
        }
        let cover = GroupCover(observed: observed, catalog: catalog, abis: abis)
        filterLines = cover.lines
        expression = cover.expression
        deniedRisky = cover.deniedRisky

        // SystemCallArchitectures=: native, plus the other ABIs calls were made through.
        let compat = abis.filter { $0 != context.native }.compactMap(\.systemdName)
        architectures = (["native"] + compat).joined(separator: " ")

        var findings: [DirectiveFinding] = []
        for d in ProvableDirective.allCases {
            guard evidence.argumentsRecorded else {
                findings.append(DirectiveFinding(directive: d.rawValue, value: nil, blockedBy: nil,
                    reason: "the arguments were not recorded (journal records carry none)"))
                continue
            }
            let (text, directives) = d.value(for: evidence.argumentCalls, context: context)
            let refused: ArgumentObservation?
            do {
                refused = ProvableDirective.firstRefused(evidence.argumentCalls,
                    by: try ProvableDirective.policy(directives, context: context))
            } catch {
                throw LearnError(message: "cannot build the \(d.rawValue)=\(text) filter", fix: "report this as a bug")
            }
            if let refused {
                let call = "\(refused.name ?? "#\(refused.number)") (\(refused.argumentClass)) on \(refused.abi)"
                findings.append(DirectiveFinding(directive: d.rawValue, value: nil, blockedBy: call, reason: "\(call) was observed"))
            } else {
                findings.append(DirectiveFinding(directive: d.rawValue, value: text, blockedBy: nil, reason: nil))
            }
        }
        directives = findings
        self.warnings = warnings

        // Check every form against the policy systemd builds from it: all observed calls
        // allowed, the risky ones denied, and both forms allowing exactly the same calls.
        let layered = try Self.policy(lines: filterLines, errorNumber: errorNumber, context: context)
        let single = try Self.policy(lines: [expression], errorNumber: errorNumber, context: context)
        let exact = try Self.policy(lines: [observed.sorted().joined(separator: " ")], errorNumber: nil, context: context)
        let service = Set(catalog.expand("@system-service") ?? [])
        var summaries: [ABISummary] = []
        for abi in abis {
            let names = evidence.names(on: abi)
            var unobserved = 0, unobservedExact = 0
            for (name, number) in SyscallTable.syscalls(on: abi) {
                let allowed = layered.action(abi: abi, number: number) == .allow
                guard allowed == (single.action(abi: abi, number: number) == .allow) else {
                    throw LearnError(message: "the learned expression and drop-in disagree on \(name) (\(abi.name))",
                        fix: "report this as a bug")
                }
                if names.contains(name), !allowed {
                    throw LearnError(message: "the learned filter would deny \(name) (\(abi.name)), which the program made",
                        fix: "report this as a bug")
                }
                if RiskyCalls.names.contains(name), !names.contains(name), allowed {
                    throw LearnError(message: "the learned filter would allow \(name) (\(abi.name)), a risky call never observed",
                        fix: "report this as a bug")
                }
                if allowed, !names.contains(name) { unobserved += 1 }
                if exact.action(abi: abi, number: number) == .allow, !names.contains(name) { unobservedExact += 1 }
            }
            summaries.append(ABISummary(abi: abi.name, observed: names.count,
                systemServiceExtras: names.subtracting(service).sorted(), allowedUnobserved: unobserved,
                allowedUnobservedExact: unobservedExact))
        }
        self.summaries = summaries
    }

    /// The policy systemd builds from SystemCallFilter= `lines` (and SystemCallErrorNumber=).
    static func policy(lines: [String], errorNumber: String?, context: SystemdContext) throws(LearnError) -> Policy {
        var s = SystemCallSettings(context: context)
        if let errorNumber,
            let bad = s.applyErrorNumber(errorNumber, source: ValueSource(file: nil, line: 1, valueColumn: 1)).first
        {
            throw LearnError(message: "--errno-unobserved \(errorNumber): \(bad.message)",
                fix: bad.fix ?? "give an errno name such as ENOSYS or EPERM")
        }
        for (i, line) in lines.enumerated() {
            if let bad = s.applyFilter(line, source: ValueSource(file: nil, line: i + 2, valueColumn: 1))
                .first(where: { $0.severity != .note })
            {
                throw LearnError(message: "the learned SystemCallFilter=\(line) draws a finding: \(bad.message)",
                    fix: "report this as a bug")
            }
        }
        do { return try SystemdPolicyBuilder.build(s).policy } catch {
            throw LearnError(message: "systemd \(context.version) would refuse the learned filter", fix: "report this as a bug")
        }
    }

    /// The drop-in: comments with the evidence's summary, then a `[Service]` section to install
    /// as is (each setting reset first, so the unit's own values do not merge in).
    public func dropIn() -> String {
        var out: [String] = []
        let runs = evidence.runs == 1 ? "1 run" : "\(evidence.runs) runs"
        out.append("# Learned by seccompose \(SeccomposeVersion.current) from \(runs), with systemd \(context.version)'s group tables.")
        for (cmd, status) in zip(evidence.commands, evidence.exitStatuses) {
            out.append("#   \(cmd.joined(separator: " ")) (exit status \(status))")
        }
        if evidence.complete && warnings.isEmpty {
            out.append("# Evidence complete: no audit record lost, every process followed, every notified call seen.")
        } else {
            for w in warnings { out.append("# WARNING: \(w)") }
        }
        for s in summaries {
            let extras = s.systemServiceExtras
            out.append("# \(s.abi): \(s.observed) syscalls observed: @system-service + \(extras.count) extra\(extras.count == 1 ? "" : "s")"
                + (extras.isEmpty ? "" : " (\(extras.joined(separator: " ")))")
                + "; allowed but never observed: \(s.allowedUnobserved) (group form), \(s.allowedUnobservedExact) (exact form)")
        }
        if !deniedRisky.isEmpty {
            out.append("# Denied although a group allows them (never observed): \(deniedRisky.joined(separator: " "))")
        }
        for d in directives where d.value == nil {
            out.append("# \(d.directive)= not set: \(d.reason ?? "")")
        }
        out.append("[Service]")
        out.append("SystemCallFilter=")
        for line in filterLines { out.append("SystemCallFilter=\(line)") }
        if let errorNumber { out.append("SystemCallErrorNumber=\(errorNumber)") }
        out.append("SystemCallArchitectures=")
        out.append("SystemCallArchitectures=\(architectures)")
        for d in directives {
            guard let value = d.value else { continue }
            if d.directive == ProvableDirective.restrictAddressFamilies.rawValue {
                out.append("RestrictAddressFamilies=")
            }
            out.append("\(d.directive)=\(value)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// The group cover of an observed set.
struct GroupCover {
    var lines: [String] = []
    var expression = ""
    var deniedRisky: [String] = []

    /// Groups no cover uses: `@default` is implied, `@known` is everything.
    static let excluded: Set<String> = ["@default", "@known"]

    /// Never-observed calls the filter allows, weighed against its words: four such calls cost
    /// as much as one more word on the lines.
    static let unobservedCost = 0.25

    /// The cover, among those built with each group weight, with the least words plus
    /// `unobservedCost` per never-observed call allowed (ties: the lighter weight, fewer groups).
    init(observed: Set<String>, catalog: SetCatalog, abis: [Architecture]) {
        let defaults = Set(catalog.expand("@default") ?? [])
        let groups = catalog.groups.filter { !Self.excluded.contains($0.name) }
            .map { (name: $0.name, members: Set(catalog.expand($0.name) ?? [])) }
        let existing = Set(abis.flatMap { SyscallTable.syscalls(on: $0).map(\.name) })
        var best: (cover: GroupCover, cost: Double)?
        for weight in [0.1, 0.25, 0.5, 1.0] {
            let (cover, words, unobserved) = GroupCover.build(observed: observed, defaults: defaults, groups: groups,
                existing: existing, weight: weight)
            let cost = Double(words) + Self.unobservedCost * Double(unobserved)
            if let b = best, b.cost <= cost { continue }
            best = (cover, cost)
        }
        self = best?.cover ?? GroupCover()
    }

    private init() {}

    /// One cover: its lines, the words on them, and the never-observed calls it allows.
    private static func build(observed: Set<String>, defaults: Set<String>, groups: [(name: String, members: Set<String>)],
        existing: Set<String>, weight: Double) -> (GroupCover, words: Int, unobserved: Int)
    {
        var cover = GroupCover()
        // 1. Allow line: weighted set cover of what @default does not give. A group costs one
        //    token plus `weight` per never-observed call it adds; a name costs one token.
        var need = observed.subtracting(defaults)
        var allowed = defaults
        var allowGroups: [String] = []
        while !need.isEmpty {
            var best: (name: String, members: Set<String>, score: Double)?
            for g in groups {
                let covered = g.members.intersection(need).count
                guard covered > 0 else { continue }
                let added = g.members.subtracting(observed).subtracting(allowed).intersection(existing).count
                let score = (1 + weight * Double(added)) / Double(covered)
                if let b = best, b.score <= score { continue }
                best = (g.name, g.members, score)
            }
            guard let pick = best, pick.score < 1 else { break }
            allowGroups.append(pick.name)
            allowed.formUnion(pick.members)
            need.subtract(pick.members)
        }
        let extras = need.sorted()
        allowed.formUnion(extras)
        // An empty first line would reset the setting: @default is the smallest allow-list.
        cover.lines.append(allowGroups.isEmpty && extras.isEmpty ? "@default" : (allowGroups + extras).joined(separator: " "))

        // 2. `~` groups: remove never-observed calls in chunks; a group pays one token and one
        //    re-add per observed call it takes away. Groups sharing a call with @default stay.
        var subtracted: [String] = []
        var readd: Set<String> = []
        while true {
            var best: (name: String, members: Set<String>, gain: Int)?
            for g in groups where !subtracted.contains(g.name) && !allowGroups.contains(g.name)
                && g.members.isDisjoint(with: defaults)
            {
                let removable = g.members.intersection(allowed).subtracting(observed).intersection(existing).count
                let readds = g.members.intersection(allowed).intersection(observed).subtracting(readd).count
                let gain = removable - 1 - readds
                guard gain > 0 else { continue }
                if let b = best, b.gain >= gain { continue }
                best = (g.name, g.members, gain)
            }
            guard let pick = best else { break }
            subtracted.append(pick.name)
            readd.formUnion(pick.members.intersection(allowed).intersection(observed))
            allowed.subtract(pick.members)
        }
        if !subtracted.isEmpty { cover.lines.append("~" + subtracted.sorted().joined(separator: " ")) }

        // 3. Risky calls never observed that are still allowed.
        cover.deniedRisky = RiskyCalls.names.filter { allowed.contains($0) && !observed.contains($0) }
        allowed.subtract(cover.deniedRisky)
        if !cover.deniedRisky.isEmpty { cover.lines.append("~" + cover.deniedRisky.joined(separator: " ")) }

        // 4. Observed calls a subtracted group took away.
        allowed.formUnion(readd)
        if !readd.isEmpty { cover.lines.append(readd.sorted().joined(separator: " ")) }

        // The same set as one allow-list value: groups wholly inside it, then the rest by name.
        var left = allowed.subtracting(defaults).intersection(existing)
        var oneLine: [String] = []
        while true {
            var best: (name: String, members: Set<String>, covered: Int)?
            for g in groups where g.members.isSubset(of: allowed) {
                let covered = g.members.intersection(left).count
                guard covered > 1 else { continue }
                if let b = best, b.covered >= covered { continue }
                best = (g.name, g.members, covered)
            }
            guard let pick = best else { break }
            oneLine.append(pick.name)
            left.subtract(pick.members)
        }
        cover.expression = oneLine.isEmpty && left.isEmpty ? "@default" : (oneLine + left.sorted()).joined(separator: " ")
        let words = cover.lines.reduce(0) { $0 + $1.split(separator: " ").count }
        return (cover, words, allowed.intersection(existing).subtracting(observed).count)
    }
}
