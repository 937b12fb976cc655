// SystemdPolicyBuilder.swift: the Policy equal to the stack of filters systemd installs.

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import Synchronization

/// Why systemd would refuse to start the service (exit status 228/SECCOMP), and so why no
/// policy is produced.
public struct PolicyBuildError: ReportableError, Sendable {
    public var diagnostics: [Diagnostic]
    /// The first error, as every stage reports errors; `description` lists every diagnostic.
    public var report: ErrorReport {
        let first = diagnostics.first { $0.severity == .error } ?? diagnostics.first
        return ErrorReport(first?.message ?? "systemd would fail to apply this filter (228/SECCOMP)", at: first?.position,
            fix: first?.fix)
    }

    /// Every diagnostic, one after the other.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Turns `SystemCallSettings` into one `Policy` with the decisions of the filters systemd
/// would stack for them: SystemCallArchitectures=, then SystemCallLog=, then
/// SystemCallFilter= (the kernel takes the most restrictive result; on a tie the later
/// filter's data wins).
public enum SystemdPolicyBuilder {
    /// What the builder derived, for display.
    public struct Result: Sendable {
        /// The merged policy.
        public var policy: Policy
        /// The action SystemCallFilter= gives rejected syscalls (SystemCallErrorNumber=).
        public var negativeAction: Action
        /// Warnings about how systemd treats the settings (e.g. `write` forced in by 262).
        public var diagnostics: [Diagnostic]
        /// The stacked filters in installation order (filled by `build(_:directives:)`).
        public var layers: [FilterLayer] = []
    }

    /// Builds the policy.
    ///
    /// - Throws: `PolicyBuildError` when systemd would fail to apply the filter: an entry whose
    ///   action equals the filter's default action (libseccomp refuses it) or, under 262, an
    ///   explicit action on `write` in an allow-list.
    public static func build(_ s: SystemCallSettings) throws(PolicyBuildError) -> Result {
        defer { ReuseGate.noteBuild() }
        let ctx = s.context
        var diagnostics: [Diagnostic] = []

        // SystemCallArchitectures=: one filter that kills the thread for other ABIs; later
        // filters skip the blocked ABIs.
        var abis = ctx.native.localABIs
        var otherABIs = Action.allow
        if let allowed = architectureRestriction(s) {
            abis = abis.filter { allowed.contains($0) }
            otherABIs = .killThread
        }

        // SystemCallFilter=.
        let filter = try filterDecisions(s)
        diagnostics += filter.diagnostics
        let filterDefault = filter.defaultAction, filterRules = filter.syscalls

        // SystemCallLog=: installed before SystemCallFilter=, so it only shows where the filter allows.
        var logDefault = Action.allow
        var logRules: [String: SyscallDecision] = [:]
        if let mode = s.logMode {
            logDefault = mode == .allowList ? .allow : .log
            logRules = logDecisions(s)
        }

        // Stack log (earlier) under filter (later).
        let defaultAction = Action.stacked(earlier: logDefault, later: filterDefault)
        var rules: [String: SyscallDecision]
        if logRules.isEmpty && logDefault == .allow {
            // No log filter: ALLOW under the filter changes none of its decisions (nor origins).
            rules = filterRules
        } else {
            rules = [:]
            rules.reserveCapacity(filterRules.count + logRules.count)
            for (name, f) in filterRules {
                let l = logRules[name]
                let a = Action.stacked(earlier: l?.action ?? logDefault, later: f.action)
                rules[name] = SyscallDecision(action: a, origin: a == f.action ? f.origin : (l?.origin ?? f.origin))
            }
            for (name, l) in logRules where filterRules[name] == nil {
                rules[name] = SyscallDecision(action: Action.stacked(earlier: l.action, later: filterDefault), origin: l.origin)
            }
        }
        var policy = Policy(defaultAction: defaultAction, architectures: abis, otherArchitectureAction: otherABIs,
            syscalls: rules)
        if emulatesLibseccompMultiplexing(ctx, abis) {
            var layers: [Policy] = []
            if s.logMode != nil {
                layers.append(Policy(defaultAction: logDefault, architectures: abis, otherArchitectureAction: .allow, syscalls: logRules))
            }
            layers.append(Policy(defaultAction: filterDefault, architectures: abis, otherArchitectureAction: .allow, syscalls: filterRules))
            policy = libseccompMultiplexing(policy, layers: layers)
        }
        policy.argumentWidths = ctx.argumentWidths
        return Result(policy: policy, negativeAction: filter.negativeAction, diagnostics: diagnostics)
    }

    /// The ABIs on which libseccomp turns a rule for a socket or SysV IPC call into a
    /// socketcall()/ipc() rule as well (`seccomp_rule_add` with a multiplexed syscall).
    static var libseccompMultiplexingABIs: Set<Architecture> { Multiplexer.libseccompMultiplexingABIs }

    /// Whether the build must model libseccomp's socketcall()/ipc() rules: in the systemd mode,
    /// when one of `abis` is multiplexed.
    static func emulatesLibseccompMultiplexing(_ ctx: SystemdContext, _ abis: [Architecture]) -> Bool {
        ctx.argumentWidths == .systemd && abis.contains { libseccompMultiplexingABIs.contains($0) }
    }

    /// systemd's filters as libseccomp builds them: in each filter, an unconditional rule for
    /// `socket` (or `bind`, `semget` …) also gives `socketcall(SYS_SOCKET, …)` (`ipc(SEMGET, …)`)
    /// its action, unless the filter lists the multiplexer itself. `layers` are the filters in
    /// installation order; the stacked result of each sub-call becomes a rule of `policy`.
    static func libseccompMultiplexing(_ policy: Policy, layers: [Policy]) -> Policy {
        var out = policy
        for abi in policy.architectures where libseccompMultiplexingABIs.contains(abi) {
            var table = out.decisions(for: abi)
            for m in Multiplexer.allCases where SyscallTable.number(of: m.rawValue, on: abi) != nil {
                let current = table[m.rawValue] ?? SyscallDecision(action: out.defaultAction)
                guard current.rules.isEmpty else { continue }
                var added: [Rule] = []
                for (name, call) in m.subcalls {
                    // What each filter returns for m(call, …), then the kernel's precedence over them.
                    var result = Action.allow
                    var origin: Origin?
                    for layer in layers {
                        let verdict: Action
                        if !layer.architectures.contains(abi) {
                            verdict = layer.otherArchitectureAction
                        } else if let listed = layer.decisions(for: abi)[m.rawValue] {
                            verdict = listed.action
                        } else if let listed = layer.decisions(for: abi)[name] {
                            verdict = listed.action
                            origin = listed.origin ?? origin
                        } else {
                            verdict = layer.defaultAction
                        }
                        result = Action.stacked(earlier: result, later: verdict)
                    }
                    if result != current.action {
                        added.append(Rule([ArgumentCondition(index: 0, .equal, call)], action: result, origin: origin))
                    }
                }
                guard !added.isEmpty else { continue }
                var d = current
                d.rules = added
                table[m.rawValue] = d
            }
            if out.abiSyscalls[abi] != nil || table != out.syscalls {
                out.abiSyscalls[abi] = table
            }
        }
        return out
    }

    /// Builds the policy equal to the whole stack of seccomp filters systemd installs for a
    /// unit: the directive filters (`ExecDirectives.filterLayers(settings:)`), then
    /// SystemCallArchitectures=, LockPersonality=, SystemCallLog= and SystemCallFilter=, in
    /// systemd's order, folded with `Policy.stacked(under:)`.
    ///
    /// Filters installed before SystemCallArchitectures= judge every local ABI; the ones after
    /// it skip the ABIs it blocks, which end up KILL_THREAD unless an earlier filter's result
    /// outranks it. `Result.layers` lists the filters.
    ///
    /// - Throws: `PolicyBuildError` as `build(_:)`.
    public static func build(_ s: SystemCallSettings, directives: ExecDirectives) throws(PolicyBuildError) -> Result {
        let ctx = s.context
        let local = ctx.native.localABIs
        let restriction = architectureRestriction(s)
        let abis = restriction.map { allowed in local.filter { allowed.contains($0) } } ?? local

        let (standIns, key) = directives.standInLayers(settings: s)
        // Without directive layers the SystemCall*= stack is built directly (same decisions, much
        // cheaper than stacking; `run` pays this at start-up). `SystemCallLog=~` with an empty list
        // installs no log filter at all, which only the stacking path models.
        if standIns.isEmpty, !(s.logMode == .denyList && s.log.isEmpty) { return try build(s) }
        let filter = try filterDecisions(s)
        // The directive filters and SystemCallArchitectures=, in installation order.
        func unitFilters(_ directiveLayers: [FilterLayer]) -> [FilterLayer] {
            var layers = directiveLayers.filter { !$0.afterArchitectureFilter }
            if restriction != nil {
                layers.append(FilterLayer(setting: "SystemCallArchitectures",
                    policy: Policy(defaultAction: .allow, architectures: abis, otherArchitectureAction: .killThread),
                    afterArchitectureFilter: false))
            }
            return layers + directiveLayers.filter { $0.afterArchitectureFilter }
        }
        var layers = unitFilters(standIns.map { layer in
            var layer = layer
            layer.policy = ExecDirectives.LayerCache.withOrigins(directives.origins, layer.policy)
            return layer
        })
        // Start from "allow everything" on the local ABIs, so the result judges them in systemd's
        // order. Those filters, stacked, depend on the unit only through their origins: stacked once
        // per key with stand-in origins, and given the unit's.
        let stackKey = ExecDirectives.LayerCache.StackKey(layers: key, restricted: restriction != nil)
        let stacked: Policy
        if ReuseGate.isOpen, let hit = ExecDirectives.LayerCache.stacks.withLock({ $0[stackKey] }) {
            stacked = hit
        } else {
            var p = Policy(defaultAction: .allow, architectures: local, otherArchitectureAction: .allow)
            for layer in unitFilters(standIns) { p = p.stacked(under: layer.policy) }
            stacked = p
            if ReuseGate.isOpen { ExecDirectives.LayerCache.remember(p, for: stackKey, in: ExecDirectives.LayerCache.stacks) }
        }
        var policy = ExecDirectives.LayerCache.withOrigins(directives.origins, stacked)
        let unitLayerCount = layers.count
        // SystemCallLog=: a filter when it logs only some calls, or all but a non-empty list.
        if let mode = s.logMode, mode == .allowList || !s.log.isEmpty {
            var log = Policy(defaultAction: mode == .allowList ? .allow : .log, architectures: abis,
                otherArchitectureAction: .allow)
            log.syscalls = logDecisions(s)
            layers.append(FilterLayer(setting: "SystemCallLog", policy: log, afterArchitectureFilter: true))
        }
        if s.filterMode == .allowList || !s.filter.isEmpty {
            layers.append(FilterLayer(setting: "SystemCallFilter",
                policy: Policy(defaultAction: filter.defaultAction, architectures: abis, otherArchitectureAction: .allow,
                    syscalls: filter.syscalls),
                afterArchitectureFilter: true))
        }

        for layer in layers[unitLayerCount...] { policy = policy.stacked(under: layer.policy) }
        if emulatesLibseccompMultiplexing(ctx, local) {
            policy = libseccompMultiplexing(policy, layers: layers.map(\.policy))
        }
        policy.argumentWidths = ctx.argumentWidths
        var result = Result(policy: policy, negativeAction: filter.negativeAction, diagnostics: filter.diagnostics)
        result.layers = layers
        return result
    }

    /// SystemCallArchitectures=: the ABIs its filter allows (the native one always; x86-64 with
    /// x32 on an x32 build), or nil when it installs no filter.
    static func architectureRestriction(_ s: SystemCallSettings) -> Set<Architecture>? {
        guard !s.architectures.isEmpty else { return nil }
        let native = s.context.native
        var allowed = s.architectures
        allowed.insert(native)
        if native == .x32, allowed.contains(.x32) { allowed.insert(.x86_64) }
        return allowed
    }

    /// SystemCallFilter='s filter: its default action, per-syscall decisions, the action for
    /// rejected calls, and warnings.
    struct FilterDecisions {
        var defaultAction: Action
        var syscalls: [String: SyscallDecision]
        var negativeAction: Action
        var diagnostics: [Diagnostic]
    }

    static func filterDecisions(_ s: SystemCallSettings) throws(PolicyBuildError) -> FilterDecisions {
        let ctx = s.context
        let negative = action(for: s.errorNumber)
        var diagnostics: [Diagnostic] = []
        var filterDefault = Action.allow
        var filterRules: [String: SyscallDecision] = [:]
        var fatal: [Diagnostic] = []
        var forceWrite = false
        if let mode = s.filterMode {
            var entries = s.filter
            if ctx.version >= .v262 {
                // systemd 257.13+ keeps write usable for its own hand-off after the filter.
                switch mode {
                case .allowList:
                    if let e = entries["write"], e.action != nil {
                        fatal.append(entryDiagnostic(e, code: "write-forced",
                            message: "systemd \(ctx.version) forces 'write' into allow-lists; an action on it makes the filter fail (228/SECCOMP)",
                            fix: "remove the action on write"))
                    } else if entries["write"] == nil {
                        forceWrite = true
                        // A `~` line removed write from the allow-list: systemd puts it back.
                        if let removal = s.removals.last(where: { $0.name == "write" }) {
                            var d = entryDiagnostic(SystemCallSettings.Entry(action: nil, origin: removal.by), code: "write-forced",
                                message: "systemd \(ctx.version) keeps 'write' in allow-lists; removing it is ignored",
                                fix: "write cannot be denied under systemd \(ctx.version); emulate 252 (--systemd 252) to deny it")
                            d.severity = .warning
                            diagnostics.append(d)
                        }
                    }
                case .denyList:
                    if let e = entries.removeValue(forKey: "write") {
                        var d = entryDiagnostic(e, code: "write-forced",
                            message: "systemd \(ctx.version) never denies 'write' in a deny-list; this entry is dropped",
                            fix: "remove write from the deny list")
                        d.severity = .warning
                        diagnostics.append(d)
                    }
                }
            }
            switch mode {
            case .allowList:
                filterDefault = negative
                if ctx.version >= .v262, negative != .errno(38) {
                    // v255+: unknown syscalls get ENOSYS; every @known call the native ABI has
                    // (and that is not listed) gets the negative action.
                    filterDefault = .errno(38)
                    // Every listed name gets its own decision below, or the filter fails (an action
                    // equal to the default): the table of every known call is made once and the
                    // listed names overwrite it.
                    filterRules = knownNativesTable(ctx, negative)
                }
                // One finding per word, naming every syscall it affects, in word order: how many, and
                // the first few in byte order (all a finding shows).
                var equalToDefault: [(entry: SystemCallSettings.Entry, count: Int, least: [String])] = []
                let byteOrder: (String, String) -> Bool = { Bytewise.precedes($0, $1) }
                // Without a known-calls table the rules are the map's entries with their decisions:
                // `mapValues` keeps the map's hash table (no name is hashed again), and the few entries
                // equal to the default are taken out below (the same table as inserting the others).
                let mapped = filterRules.isEmpty
                // Whether `mapValues` met an entry with an action: without one, no entry can equal the
                // default (see below), and the mapped rules are the whole answer.
                var explicitEntries = false
                if mapped {
                    filterRules = entries.mapValues { e in
                        if e.action != nil { explicitEntries = true }
                        return filterDecision(e, otherwise: .allow)
                    }
                }
                // The map in any order (the rules are a dictionary); only the rare findings need names
                // in byte order, and only their first few, so each word keeps its `shown` least names
                // (a group word can name hundreds; sorting them all cost more than the rest of a build).
                // A plain entry's decision is ALLOW, which the default never is (`negative` is
                // KILL_PROCESS or an errno, and 262's default ENOSYS): only an entry with an action can
                // equal it, so a plain entry's action is not made nor compared
                // (`plainEntriesNeverEqualDefault`).
                for (name, e) in entries where !mapped || explicitEntries {
                    if let explicit = e.action, action(for: explicit) == filterDefault {
                        if let i = equalToDefault.firstIndex(where: { $0.entry.origin == e.origin }) {
                            equalToDefault[i].count += 1
                            Self.keepLeast(name, in: &equalToDefault[i].least, by: byteOrder)
                        } else {
                            equalToDefault.append((e, 1, [name]))
                        }
                        if mapped { filterRules.removeValue(forKey: name) }
                        continue
                    }
                    if !mapped { filterRules[name] = filterDecision(e, otherwise: .allow) }
                }
                // As if the names had been visited in byte order: the words in the order of their first
                // (least) name.
                equalToDefault.sort { byteOrder($0.least[0], $1.least[0]) }
                equalToDefault.sort {
                    ($0.entry.origin.source.file ?? "", $0.entry.origin.source.line, $0.entry.origin.column)
                        < ($1.entry.origin.source.file ?? "", $1.entry.origin.source.line, $1.entry.origin.column)
                }
                for (e, count, names) in equalToDefault {
                    let a = e.action.map(action(for:)) ?? .allow
                    let list = count == 1 ? names[0] : "\(count) syscalls (\(names.prefix(Self.shown).joined(separator: ", "))\(count > Self.shown ? ", …" : ""))"
                    fatal.append(entryDiagnostic(e, code: "action-equals-default",
                        message: "the action of '\(e.origin.word)' for \(list) equals the filter's default action \(a); libseccomp refuses such a rule and systemd \(ctx.version) fails the service with 228/SECCOMP",
                        fix: "drop the suffix (the call is denied with the default action anyway)"))
                }
                if forceWrite {
                    filterRules["write"] = SyscallDecision(action: .allow,
                        origin: Origin(file: nil, line: 0, column: 0, setting: "SystemCallFilter",
                            text: "(write, forced by systemd \(ctx.version))"))
                }
            case .denyList:
                // Each entry's decision, in the map's own hash table (`mapValues` hashes no name).
                filterRules = entries.mapValues { e in filterDecision(e, otherwise: negative) }
            }
        }
        if !fatal.isEmpty { throw PolicyBuildError(diagnostics: fatal) }
        return FilterDecisions(defaultAction: filterDefault, syscalls: filterRules, negativeAction: negative,
            diagnostics: diagnostics)
    }

    /// The decision of a SystemCallFilter= entry: its explicit action, or `listed` for a plain entry.
    static func filterDecision(_ e: SystemCallSettings.Entry, otherwise listed: Action) -> SyscallDecision {
        SyscallDecision(action: e.action.map(action(for:)) ?? listed, origin: origin(e.origin, setting: "SystemCallFilter"))
    }

    /// How many names an action-equals-default finding shows.
    static let shown = 5

    /// Keeps `least` the (at most `shown`) least names seen, in `order`: `name` (not in `least`)
    /// goes in at its place when it is among them.
    static func keepLeast(_ name: String, in least: inout [String], by order: (String, String) -> Bool) {
        if least.count == shown, let last = least.last, !order(name, last) { return }
        let at = least.firstIndex { order(name, $0) } ?? least.count
        least.insert(name, at: at)
        if least.count > shown { least.removeLast() }
    }

    /// What the known-calls table depends on: the groups' and the resolving systemd's version,
    /// the native ABI and the action for unlisted calls.
    struct KnownKey: Hashable {
        var catalog: SystemdVersion
        var version: SystemdVersion
        var native: Architecture
        var negative: Action
    }

    /// `negative` for each member of `@known` that `ctx`'s systemd resolves and its native ABI
    /// has (origin nil): the base of a 262 allow-list's table, made once per version, ABI and
    /// action (`@known` is a built-in group, which user sets cannot redefine) once the memo
    /// tables are open (`ReuseGate`: in a one-shot process the caller owns the only copy and
    /// writes the listed names into it in place).
    static func knownNativesTable(_ ctx: SystemdContext, _ negative: Action) -> [String: SyscallDecision] {
        let key = KnownKey(catalog: ctx.catalog.version, version: ctx.version, native: ctx.native, negative: negative)
        let reuse = ReuseGate.isOpen
        if reuse, let hit = knownCache.withLock({ $0[key] }) { return hit }
        let members = ctx.catalog.group(named: "@known")?.members ?? []
        // Room for every member: those the native ABI lacks leave room for listed names outside
        // @known, and the table's own headroom (a quarter of its buckets) adds more.
        var made = [String: SyscallDecision](minimumCapacity: members.count)
        // The members read in place (filtering them into a copy and mapping them through a key
        // path made arrays and the key path's metadata at every launch).
        for i in members.indices where !members[i].isGroup {
            let name = members[i].name
            guard ctx.resolves(name), SyscallTable.number(of: name, on: ctx.native) != nil else { continue }
            made[name] = SyscallDecision(action: negative, origin: nil)
        }
        // Kept for at most `knownCacheLimit` keys: the action may be any errno, and a long check
        // or fuzzing run must not keep a table for each one it meets.
        if reuse { knownCache.withLock { if $0.count < knownCacheLimit || $0[key] != nil { $0[key] = made } } }
        return made
    }

    private static let knownCache = Mutex<[KnownKey: [String: SyscallDecision]]>([:])
    /// How many (version, ABI, action) tables `knownCache` keeps (two versions × a few actions
    /// cover real units; past it a table is made for each use).
    static let knownCacheLimit = 16

    /// Tests only: how many tables `knownCache` holds.
    static var knownCacheCount: Int { knownCache.withLock { $0.count } }

    /// SystemCallLog='s per-syscall decisions (its default: ALLOW for an allow-list, LOG otherwise).
    static func logDecisions(_ s: SystemCallSettings) -> [String: SyscallDecision] {
        guard let mode = s.logMode else { return [:] }
        let listed: Action = mode == .allowList ? .log : .allow
        // In the map's own hash table: `mapValues` hashes no name again.
        return s.log.mapValues { o in SyscallDecision(action: listed, origin: origin(o, setting: "SystemCallLog")) }
    }

    /// systemd's mapping of a stored action: kill is KILL_PROCESS (v243+), an errno is ERRNO(n).
    static func action(for e: EntryAction) -> Action {
        switch e {
        case .kill: return .killProcess
        case .errno(let n): return .errno(UInt16(n))
        }
    }

    static func origin(_ o: SystemCallSettings.WordOrigin, setting: String) -> Origin {
        let place = o.source.place(advancedBy: o.column - 1)
        return Origin(file: o.source.file, line: place.line, column: place.column,
            setting: setting, text: o.implicitDefault ? "(implicit @default)" : o.word)
    }

    static func entryDiagnostic(_ e: SystemCallSettings.Entry, code: String, message: String, fix: String) -> Diagnostic {
        let place = e.origin.source.place(advancedBy: e.origin.column - 1)
        return Diagnostic(severity: .error, code: code, message: message, isSystemdMessage: false,
            setting: "SystemCallFilter", file: e.origin.source.file, line: place.line, column: place.column,
            text: e.origin.word, note: nil, fix: fix)
    }
}
