// UnitChecker.swift: `seccompose check`: everything systemd warns about, and what it does not
// say but users need to know, each finding with file:line:column and a fix.

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import Synchronization

/// The findings for one unit.
public struct CheckReport: Sendable {
    public var unit: String
    public var files: [String]
    public var masked: Bool
    public var findings: [Diagnostic]
    /// The policy systemd would enforce, when there is one.
    public var policy: Policy?

    /// A report for something other than a unit (e.g. an OCI profile checked alongside units).
    public init(unit: String, files: [String], masked: Bool = false, findings: [Diagnostic], policy: Policy? = nil) {
        self.unit = unit
        self.files = files
        self.masked = masked
        self.findings = findings
        self.policy = policy
    }

    /// How many findings are errors.
    public var errorCount: Int { count(of: .error) }
    /// How many findings are warnings.
    public var warningCount: Int { count(of: .warning) }
    /// How many findings are notes.
    public var noteCount: Int { count(of: .note) }

    /// Counted in place (no filtered copy of the findings).
    private func count(of severity: Diagnostic.Severity) -> Int {
        var n = 0
        for d in findings where d.severity == severity { n += 1 }
        return n
    }
}

/// Checks service units.
public enum UnitChecker {
    /// Checks a loaded unit under `context`.
    public static func check(_ unit: LoadedUnit, context: SystemdContext) -> CheckReport {
        let service = ServiceDescription(unit, context: context)
        var findings = service.diagnostics
        var report = CheckReport(unit: unit.name.name, files: service.files, masked: unit.masked, findings: [], policy: nil)
        if unit.masked || findings.contains(where: { $0.severity == .error && $0.code != "write-forced" }) {
            report.findings = findings
            return report
        }
        let s = service.syscalls
        do {
            let result = try SystemdPolicyBuilder.build(s, directives: service.directives)
            findings += result.diagnostics
            report.policy = result.policy
        } catch {
            findings += error.diagnostics
        }
        findings += lint(service, context: context)
        findings += argumentFindings(service, context: context, built: report.policy)
        report.findings = findings
        return report
    }

    static func make(_ severity: Diagnostic.Severity, _ code: String, _ message: String, at o: SystemCallSettings.WordOrigin?,
        setting: String = "SystemCallFilter", note: String? = nil, fix: String?) -> Diagnostic
    {
        let place = o.map { $0.source.place(advancedBy: $0.column - 1) }
        return Diagnostic(severity: severity, code: code, message: message, isSystemdMessage: false, setting: setting,
            file: o?.source.file, line: place?.line ?? 1, column: place?.column ?? 1,
            text: o?.word ?? "", note: note, fix: fix)
    }

    /// The checks beyond systemd's own warnings.
    static func lint(_ service: ServiceDescription, context: SystemdContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let s = service.syscalls
        // The first non-empty SystemCallFilter= assignment in parse order anchors unit-wide findings.
        let firstFilter: SystemCallSettings.WordOrigin? = service.assignments
            .first { $0.key == "SystemCallFilter" && !$0.value.isEmpty && SystemCallSettings.isExecSection($0.section) }
            .map { SystemCallSettings.WordOrigin(source: $0.source, column: 1, word: $0.value, implicitDefault: false) }
        // `+` commands run with no filter at all.
        if s.filterMode != nil || !s.architectures.isEmpty {
            for (_, cmds) in service.commands.sorted(by: { $0.key < $1.key }) {
                for c in cmds where c.fullPrivileges {
                    out.append(Diagnostic(severity: .warning, code: "unfiltered-command",
                        message: "\(c.setting)=+\(c.argv.first ?? "") runs with full privileges and without any seccomp filter",
                        isSystemdMessage: false, setting: c.setting, file: c.source.file, line: c.source.line,
                        column: c.source.valueColumn, text: "+", note: "the '+' prefix skips sandboxing, including SystemCallFilter=",
                        fix: "drop the '+' unless the command really needs to run unconfined"))
                }
            }
        }
        guard let mode = s.filterMode else { return out }
        if mode == .denyList {
            out.append(make(.warning, "deny-list", "SystemCallFilter= is a deny-list: every syscall not listed, including ones added to the kernel later, is allowed",
                at: firstFilter, fix: "prefer an allow-list, e.g. SystemCallFilter=@system-service, then ~ lines for what to take away"))
        }
        if s.architectures.isEmpty || s.architectures != [context.native] {
            out.append(make(.warning, "no-native-only", s.architectures.isEmpty
                ? "SystemCallArchitectures= is not set: calls through the other ABIs (\(context.native.localABIs.filter { $0 != context.native }.map(\.name).joinedPlainly(separator: ", "))) stay possible"
                : "SystemCallArchitectures= allows ABIs besides native",
                at: firstFilter, note: "i386's socketcall()/ipc() multiplexers and extra ABIs widen what a compromised service can reach",
                fix: "add SystemCallArchitectures=native"))
        }
        // Both findings below are about removals: without any, there is nothing to look at.
        if mode == .allowList, !s.removals.isEmpty {
            // Removed @default members: the service cannot even start.
            let defaults = Set(context.catalog.expand("@default", resolvedBy: context.version) ?? [])
            var reported: Set<String> = []
            // The name a word names directly (`~uname:EBADF` → uname), or nil for a group.
            func directName(_ word: String) -> String? {
                let n = ByteSearch.prefix(before: UInt8(ascii: ":"), in: word.hasPrefix("~") ? String(word.dropFirst()) : word)
                return n.first == "@" ? nil : String(n)  // hasPrefix("@"), without the generic starts(with:)
            }
            // Denied in the end, and not by a word that names it directly (that is deliberate).
            let denied: (String) -> Bool = { name in
                guard let e = s.filter[name] else { return true }
                return e.action != nil && directName(e.origin.word) != name
            }
            // Both loops read the fields of each removal in place (`removals[i].name` …): a removal
            // copied whole is its name, two word origins and an entry, each with its own retains.
            let removals = s.removals
            for i in removals.indices {
                let name = removals[i].name
                guard defaults.contains(name), denied(name), reported.insert(name).inserted else { continue }
                let by = removals[i].by
                out.append(make(.error, "default-removed",
                    "'\(by.word)' removes \(name), a member of @default, from the allow-list: the service cannot start",
                    at: by, note: "@default holds what every process needs (execve, exit_group, mmap …); systemd pre-seeds it but does not protect it",
                    fix: "do not remove \(name); deny a narrower set"))
            }
            // Overlaps: a ~ line taking back what an earlier allow line's group granted.
            // In the order the removals happened: the ~ word, the names, the allow words that granted them.
            var byWord: [(SystemCallSettings.WordOrigin, [String], [SystemCallSettings.WordOrigin])] = []
            for k in removals.indices {
                let name = removals[k].name
                guard !defaults.contains(name), removals[k].had.action == nil, !removals[k].had.origin.implicitDefault,
                    directName(removals[k].by.word) != name, directName(removals[k].had.origin.word) != name, denied(name)
                else { continue }
                let by = removals[k].by, granted = removals[k].had.origin
                if let i = byWord.firstIndex(where: { $0.0 == by }) {
                    byWord[i].1.append(name)
                    if !byWord[i].2.contains(granted) { byWord[i].2.append(granted) }
                } else {
                    byWord.append((by, [name], [granted]))
                }
            }
            /// `'@group' (line N)`, with the file when it is not the ~ word's.
            func granting(_ g: SystemCallSettings.WordOrigin, for origin: SystemCallSettings.WordOrigin) -> String {
                let place = g.source.file == origin.source.file
                    ? "line \(g.source.line)" : "\(g.source.file ?? "<command line>"):\(g.source.line)"
                return "'\(g.word)' (\(place))"
            }
            for (origin, names, grantedBy) in byWord {
                let sorted = names.sorted()
                let shown = Array(sorted.prefix(8)).joinedPlainly(separator: ", ") + (sorted.count > 8 ? ", … (\(sorted.count) in all)" : "")
                out.append(make(.warning, "overlap",
                    "'\(origin.word)' also removes syscalls an earlier allow line granted: \(shown)",
                    at: origin, note: "granted by " + grantedBy.map { granting($0, for: origin) }.joinedPlainly(separator: ", ")
                        + "; '\(origin.word)' names them too, and the later line wins",
                    fix: "re-add what the service needs after the ~ line, e.g. SystemCallFilter=\(Array(sorted.prefix(3)).joinedPlainly(separator: " "))"))
            }
        }
        out += versionDifferences(service, context: context)
        return out
    }

    /// The names a group has under one context and not the other (built-in groups: worked out
    /// once per version pair and group).
    ///
    /// The cache is looked at first: it holds only groups that were built in under both catalogs'
    /// versions when stored, and such a group is built in under every catalog of those versions (a
    /// catalog holds its version's built-in groups, and a user set may not take a built-in group's
    /// name, `SetCatalog.load`), so a hit needs no look-up of the group in either catalog.
    static func groupDifference(_ name: String, _ a: SystemdContext, _ b: SystemdContext) -> Set<String> {
        let key = DifferenceKey(a: a.version, aCatalog: a.catalog.version, b: b.version, bCatalog: b.catalog.version, group: name)
        if let hit = differenceCache.withLock({ $0[key] }) { return hit }
        let builtin = a.catalog.group(named: name)?.isBuiltin == true && b.catalog.group(named: name)?.isBuiltin == true
        let x = Set(a.catalog.expand(name, resolvedBy: a.version) ?? [])
        let difference = x.symmetricDifference(b.catalog.expand(name, resolvedBy: b.version) ?? [])
        if builtin { differenceCache.withLock { $0[key] = difference } }
        return difference
    }

    /// What a built-in group's difference depends on: both versions and both catalogs' versions.
    struct DifferenceKey: Hashable {
        var a: SystemdVersion
        var aCatalog: SystemdVersion
        var b: SystemdVersion
        var bCatalog: SystemdVersion
        var group: String
    }

    private static let differenceCache = Mutex<[DifferenceKey: Set<String>]>([:])

    /// Every name that some SystemCallFilter= word of the unit puts in the map under one of `a` and
    /// `b` and not under the other. Only these names can be decided differently: a name's entry is
    /// the work of the words that name it, in order, and every other name is named by the same
    /// words under both. The implicit `@default` is no such word: a name only it puts in one map
    /// (its members differ between the versions) has an implicit entry there and none in the other
    /// until a word names it, which (naming it under both) then gives it the same entry, or none,
    /// in both maps; `versionDifferences` passes over names whose entries are implicit or missing
    /// in both and names with equal actions, so such a name never differs.
    ///
    /// The words are the map's steps (`SystemCallSettings.filterSteps`): the words that reached the
    /// map since its last reset, already split and parsed. Words before a reset and words
    /// `applyFilter` refuses whatever the version (a malformed `NAME:ACTION`, an action on an allow
    /// line) touch neither map, so they add no name that can differ (they were once taken too, from
    /// every line split again: more names than needed, which only cost a look-up).
    static func namesResolvingDifferently(_ steps: [SystemCallSettings.FilterStep], _ a: SystemdContext, _ b: SystemdContext)
        -> Set<String>
    {
        var names: Set<String> = []
        for case .word(let name, _, _, _) in steps {
            if name.hasPrefix("@") {
                // The first group's names taken as they are (`formUnion` into an empty set
                // hashes every name again).
                let difference = groupDifference(name, a, b)
                if names.isEmpty { names = difference } else { names.formUnion(difference) }
            } else if a.version.resolvesSyscall(name) != b.version.resolvesSyscall(name) {
                names.insert(name)
            }
        }
        return names
    }

    /// Where systemd 252 and 262 decide differently for this unit (group changes, name resolution).
    /// Only names the unit's own lines put in either version's filter map count: names neither
    /// lists fall to the defaults (262's ENOSYS for unknown calls is a deliberate change), and
    /// names only the implicit @default seeded are systemd's, not the unit's.
    static func versionDifferences(_ service: ServiceDescription, context: SystemdContext) -> [Diagnostic] {
        let other: SystemdVersion = context.version == .v252 ? .v262 : .v252
        guard let otherCatalog = try? SetCatalog.builtin(other) else { return [] }
        let otherContext = SystemdContext(version: other, native: context.native, catalog: otherCatalog)
        let a = service.syscalls
        // Only the names the words resolve differently can differ (see namesResolvingDifferently).
        // When there are none, both maps are equal: no need to apply the lines again. Otherwise the
        // other version's map is made for those names only, from the steps that made this map (the
        // SystemCallFilter= lines' words since the last reset, split and parsed once, by `applyFilter`).
        guard a.filterMode != nil else { return [] }
        // Settings that did not record their steps (not read by `ServiceDescription`) record them
        // now, from the same lines.
        var steps = a.filterSteps
        if !a.recordsSteps {
            var recorder = SystemCallSettings(context: context, suggestions: false)
            recorder.recordsSteps = true
            recorder.diagnosing = false
            for x in service.assignments where x.key == "SystemCallFilter" { _ = recorder.apply(x) }
            steps = recorder.filterSteps
        }
        let candidates = namesResolvingDifferently(steps, context, otherContext)
        if candidates.isEmpty { return [] }
        var b = SystemCallSettings(context: otherContext, suggestions: false)
        b.onlyNames = candidates
        b.diagnosing = false  // what it reports is not used; the map is the same without
        b.replayFilter(steps)
        guard let mode = a.filterMode, b.filterMode == mode else { return [] }
        let negative = SystemdPolicyBuilder.action(for: a.errorNumber)
        func decide(_ e: SystemCallSettings.Entry?) -> Action {
            guard let e else { return mode == .allowList ? negative : .allow }
            return e.action.map(SystemdPolicyBuilder.action(for:)) ?? (mode == .allowList ? .allow : negative)
        }
        // Only names in either map can differ, and only where the unit's own lines put them there.
        var decided: [String: (Action, Action)] = [:]
        func consider(_ name: String, _ ea: SystemCallSettings.Entry?, _ eb: SystemCallSettings.Entry?) {
            if (ea?.origin.implicitDefault ?? true) && (eb?.origin.implicitDefault ?? true) { return }
            // The same action decides alike.
            if let ea, let eb, ea.action == eb.action { return }
            let x = decide(ea), y = decide(eb)
            if x != y { decided[name] = (x, y) }
        }
        for name in candidates { consider(name, a.filter[name], b.filter[name]) }
        var differ: [String] = []
        // In the order of the native ABI's table (which drops the names the ABI lacks).
        for (name, _) in SyscallTable.syscalls(on: context.native, among: Array(decided.keys)) {
            guard let (x, y) = decided[name] else { continue }
            differ.append("\(name) (\(context.version): \(x), \(other): \(y))")
        }
        guard !differ.isEmpty else { return [] }
        let first = service.assignments.first { $0.key == "SystemCallFilter" }
        return [Diagnostic(severity: .note, code: "version-difference",
            message: "systemd \(context.version) and \(other) decide differently for \(differ.count) syscalls: " + Array(differ.prefix(6)).joinedPlainly(separator: ", ")
                + (differ.count > 6 ? ", …" : ""),
            isSystemdMessage: false, setting: "SystemCallFilter", file: first?.source.file, line: first?.source.line ?? 1,
            column: first?.source.valueColumn ?? 1, text: first?.value ?? "",
            note: "group membership and name resolution changed between the versions (e.g. open_tree moved from @mount to @file-system; 252 cannot resolve mseal or uretprobe)",
            fix: "pin the version you deploy with --systemd, or list the calls explicitly")]
    }
}
