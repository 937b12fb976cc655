// DirectiveLayers.swift: the seccomp filters systemd installs for the exec directives, one
// `Policy` per directive, in installation order (reference: systemd-argument-directives.md §1.7
// and §2, systemd-syscallfilter.md §3.5).

import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import Synchronization

/// One stacked filter (or one directive's set of per-ABI filters, which judge disjoint ABIs and
/// so act as one filter).
public struct FilterLayer: Sendable, Hashable {
    /// The setting that installs it, e.g. `RestrictNamespaces`.
    public var setting: String
    /// Its decisions: the ABIs systemd installs it for, ALLOW for every other ABI.
    public var policy: Policy
    /// Whether systemd installs it after SystemCallArchitectures=, so that it skips the ABIs
    /// that filter blocks (LockPersonality=, SystemCallLog=, SystemCallFilter=).
    public var afterArchitectureFilter: Bool

    /// A layer of `setting` with `policy`.
    public init(setting: String, policy: Policy, afterArchitectureFilter: Bool) {
        self.setting = setting
        self.policy = policy
        self.afterArchitectureFilter = afterArchitectureFilter
    }
}

extension ExecDirectives {
    /// The filters systemd installs for these directives, in installation order, each as a
    /// `Policy` over the ABIs it is installed for (default and other-ABI action ALLOW).
    ///
    /// `settings` supplies SystemCallArchitectures=: LockPersonality= is installed after that
    /// filter and skips the ABIs it blocks. SystemCallArchitectures=, SystemCallLog= and
    /// SystemCallFilter= themselves are not included (`SystemdPolicyBuilder` adds them).
    public func layers(settings: SystemCallSettings) -> [Policy] {
        filterLayers(settings: settings).map(\.policy)
    }

    /// `layers(settings:)` with the setting each filter belongs to.
    ///
    /// The filters depend on the unit only through the origins of their decisions: they are
    /// made once per set of directive values (with a stand-in origin per directive, in
    /// `LayerCache`) and each unit's origins are put in.
    public func filterLayers(settings: SystemCallSettings) -> [FilterLayer] {
        standInLayers(settings: settings).layers.map { layer in
            var layer = layer
            layer.policy = LayerCache.withOrigins(origins, layer.policy)
            return layer
        }
    }

    /// The filters with stand-in origins (`LayerCache.standIn(for:)`), made once per key, and the key.
    func standInLayers(settings: SystemCallSettings) -> (layers: [FilterLayer], key: LayerCache.Key) {
        let local = context.native.localABIs
        let allowed = SystemdPolicyBuilder.architectureRestriction(settings).map { set in local.filter { set.contains($0) } }
            ?? local
        let key = LayerCache.Key(self, allowed: allowed)
        let reuse = ReuseGate.isOpen
        if reuse, let hit = LayerCache.shared.withLock({ $0[key] }) { return (hit, key) }
        var standIn = self
        standIn.origins = Dictionary(uniqueKeysWithValues: origins.keys.map { ($0, LayerCache.standIn(for: $0)) })
        let layers = standIn.makeLayers(local: local, allowed: allowed)
        if reuse { LayerCache.remember(layers, for: key, in: LayerCache.shared) }
        return (layers, key)
    }

    /// The filters for the local ABIs `local`, of which SystemCallArchitectures= leaves `allowed`.
    private func makeLayers(local: [Architecture], allowed: [Architecture]) -> [FilterLayer] {
        var out: [FilterLayer] = []
        func add(_ setting: String, _ policy: Policy?, after: Bool = false) {
            if let policy { out.append(FilterLayer(setting: setting, policy: policy, afterArchitectureFilter: after)) }
        }
        // 1. At namespace setup, before NO_NEW_PRIVS.
        add("ProtectHostname", protectHostnameLayer(local))
        // 3…12, after NO_NEW_PRIVS.
        add("RestrictAddressFamilies", addressFamiliesLayer(local))
        add("MemoryDenyWriteExecute", memoryDenyWriteExecuteLayer(local))
        add("RestrictRealtime", restrictRealtimeLayer(local))
        add("RestrictSUIDSGID", restrictSUIDSGIDLayer(local))
        add("RestrictNamespaces", namespacesLayer(local))
        add("ProtectKernelTunables", protectKernelTunables ? plainLayer("ProtectKernelTunables", ["_sysctl"], local) : nil)
        add("ProtectKernelModules", protectKernelModules ? groupLayer("ProtectKernelModules", "@module", local) : nil)
        add("ProtectKernelLogs", protectKernelLogs ? plainLayer("ProtectKernelLogs", ["syslog"], local) : nil)
        add("ProtectClock", protectClock ? groupLayer("ProtectClock", "@clock", local) : nil)
        add("PrivateDevices", privateDevices ? groupLayer("PrivateDevices", "@raw-io", local) : nil)
        // 13 is SystemCallArchitectures=; 14 skips the ABIs it blocks.
        add("LockPersonality", lockPersonalityLayer(allowed), after: true)
        return out
    }

    // MARK: Building blocks

    /// The directive filters made so far, by everything they depend on but the origins.
    enum LayerCache {
        /// Everything the filters depend on except the directives' origins (which settings have
        /// one counts). Built-in groups cannot be redefined by user sets, so the catalog's
        /// version stands for the groups the filters use.
        struct Key: Hashable {
            var version: SystemdVersion, catalog: SystemdVersion, native: Architecture
            var argumentWidths: ArgumentWidthMode
            var allowed: [Architecture]
            var addressFamilies: Set<Int>?, addressFamiliesAllowList: Bool
            var namespacesRetained: UInt64
            var memoryDenyWriteExecute: Bool, kernelHasMDWE: Bool
            var lockPersonality: Bool, personality: UInt64?, managerPersonality: UInt64
            var restrictRealtime: Bool, restrictSUIDSGID: Bool
            var protectClock: Bool, protectKernelModules: Bool, protectKernelLogs: Bool, protectKernelTunables: Bool
            var protectHostname: HostnameProtection, privateDevices: Bool
            var withOrigin: Set<String>

            init(_ d: ExecDirectives, allowed: [Architecture]) {
                version = d.context.version
                catalog = d.context.catalog.version
                native = d.context.native
                argumentWidths = d.context.argumentWidths
                self.allowed = allowed
                addressFamilies = d.addressFamilies
                addressFamiliesAllowList = d.addressFamiliesAllowList
                namespacesRetained = d.namespacesRetained
                memoryDenyWriteExecute = d.memoryDenyWriteExecute
                kernelHasMDWE = d.kernelHasMDWE
                lockPersonality = d.lockPersonality
                personality = d.personality
                managerPersonality = d.managerPersonality
                restrictRealtime = d.restrictRealtime
                restrictSUIDSGID = d.restrictSUIDSGID
                protectClock = d.protectClock
                protectKernelModules = d.protectKernelModules
                protectKernelLogs = d.protectKernelLogs
                protectKernelTunables = d.protectKernelTunables
                protectHostname = d.protectHostname
                privateDevices = d.privateDevices
                withOrigin = Set(d.origins.keys)
            }
        }

        static let shared = Mutex<[Key: [FilterLayer]]>([:])
        /// The most entries a cache keeps (a fuzzer makes new keys without end).
        static let limit = 512

        /// Stores `value` for `key` in `cache`, emptied first when it holds `limit` entries.
        static func remember<K: Hashable & Sendable, V: Sendable>(_ value: V, for key: K, in cache: borrowing Mutex<[K: V]>) {
            cache.withLock { entries in
                if entries.count >= limit { entries.removeAll() }
                entries[key] = value
            }
        }

        /// The origin the cached filters of `setting` carry instead of the unit's.
        static func standIn(for setting: String) -> Origin {
            Origin(file: nil, line: 0, column: 0, setting: setting, text: "")
        }

        /// The stacked directive filters (and SystemCallArchitectures=, when `restricted`) with
        /// stand-in origins, by key: what `SystemdPolicyBuilder.build(_:directives:)` stacks the
        /// unit's SystemCallLog= and SystemCallFilter= on.
        struct StackKey: Hashable {
            var layers: Key
            var restricted: Bool
        }

        static let stacks = Mutex<[StackKey: Policy]>([:])

        /// `policy` (made from cached filters) with the unit's origins for its stand-in origins
        /// (by setting); tables the ABIs share stay shared.
        static func withOrigins(_ origins: [String: Origin], _ policy: Policy) -> Policy {
            func put(_ o: Origin?) -> Origin? { o.map { origins[$0.setting] ?? $0 } }
            var done: [(cached: [String: SyscallDecision], put: [String: SyscallDecision])] = []
            func table(_ t: [String: SyscallDecision]) -> [String: SyscallDecision] {
                if let hit = done.first(where: { Policy.sharesStorage($0.cached, t) }) { return hit.put }
                let made = t.mapValues { d in
                    var d = d
                    d.origin = put(d.origin)
                    for i in d.rules.indices { d.rules[i].origin = put(d.rules[i].origin) }
                    return d
                }
                done.append((t, made))
                return made
            }
            var out = policy
            out.syscalls = table(policy.syscalls)
            for (abi, t) in policy.abiSyscalls { out.abiSyscalls[abi] = table(t) }
            return out
        }
    }

    /// Collects one directive's per-ABI rules as libseccomp would accept them.
    private struct Tables {
        let context: SystemdContext
        let origin: Origin?
        var views: [ABIDecisions] = []

        /// Whether systemd can add a rule for `name` on `abi` (libseccomp resolves the name, and
        /// the ABI has the call; otherwise `seccomp_rule_add_exact` fails).
        func has(_ name: String, _ abi: Architecture) -> Bool {
            context.version.resolvesSyscall(name) && SyscallTable.number(of: name, on: abi) != nil
        }

        /// Adds a rule to `table`; false (nothing added) when the rule cannot be added.
        @discardableResult
        func add(_ table: inout [String: SyscallDecision], _ action: Action, _ name: String, on abi: Architecture,
            _ conditions: [ArgumentCondition] = []) -> Bool
        {
            guard has(name, abi) else { return false }
            // Changed in place: a copy of the decision would copy its rules for every rule added.
            func change(_ d: inout SyscallDecision) {
                if conditions.isEmpty {
                    d.action = action
                    d.origin = origin
                } else {
                    d.rules.append(Rule(conditions, action: action, origin: origin))
                }
            }
            change(&table[name, default: SyscallDecision(action: .allow)])
            return true
        }

        /// Records the filter for `abi` (it is loaded).
        mutating func install(_ abi: Architecture, _ table: [String: SyscallDecision]) {
            views.append(ABIDecisions(abi: abi, defaultAction: .allow, syscalls: table))
        }

        /// The per-ABI filters as one policy (nil when no ABI got one).
        func policy() -> Policy? {
            guard !views.isEmpty else { return nil }
            // The shared table: the last (native) ABI's, plus names only other ABIs have.
            var shared = views.last?.syscalls ?? [:]
            for v in views.reversed() {
                for (name, d) in v.syscalls where shared[name] == nil { shared[name] = d }
            }
            return Policy.assemble(views, otherArchitectureAction: .allow, preferredTable: shared)
        }
    }

    private func tables(_ setting: String) -> Tables {
        Tables(context: context, origin: origins[setting])
    }

    /// `(argument & flag) == flag`.
    private func hasBits(_ index: Int, _ flag: UInt64) -> ArgumentCondition {
        ArgumentCondition(index: index, .maskedEqual, flag, mask: flag)
    }

    /// Fixed syscalls refused with EPERM on every ABI that has all of them
    /// (`seccomp_protect_sysctl`, `seccomp_protect_syslog`, `seccomp_protect_hostname`: a rule
    /// that cannot be added skips the ABI).
    private func plainLayer(_ setting: String, _ names: [String], _ abis: [Architecture]) -> Policy? {
        var t = tables(setting)
        for abi in abis {
            var table: [String: SyscallDecision] = [:]
            guard names.allSatisfy({ t.add(&table, .errno(1), $0, on: abi) }) else { continue }
            t.install(abi, table)
        }
        return t.policy()
    }

    /// A group refused with EPERM (`seccomp_load_syscall_filter_set`): every member the ABI has;
    /// unknown names and names the ABI lacks are skipped.
    private func groupLayer(_ setting: String, _ group: String, _ abis: [Architecture]) -> Policy? {
        let members = context.catalog.expand(group) ?? []
        var t = tables(setting)
        for abi in abis {
            var table: [String: SyscallDecision] = [:]
            for name in members { t.add(&table, .errno(1), name, on: abi) }
            t.install(abi, table)
        }
        return t.policy()
    }

    // MARK: The directives

    /// ProtectHostname=: sethostname and setdomainname get EPERM (252: when yes; 258+: only
    /// for `yes`, not `private`).
    private func protectHostnameLayer(_ abis: [Architecture]) -> Policy? {
        guard protectHostname == .yes else { return nil }
        return plainLayer("ProtectHostname", ["sethostname", "setdomainname"], abis)
    }

    /// The ABIs `seccomp_restrict_address_families` filters; all others (the socketcall()
    /// multiplexing ones and parisc) are skipped silently. Outside the systemd compatibility
    /// mode every ABI is filtered (the compiler closes socketcall(SYS_SOCKET) as well).
    private var addressFamilyABIs: Set<Architecture> {
        if context.argumentWidths != .systemd { return Set(Architecture.allCases) }
        return Self.systemdAddressFamilyABIs(context.version)
    }

    /// The ABIs systemd's `seccomp_restrict_address_families` filters.
    static func systemdAddressFamilyABIs(_ version: SystemdVersion) -> Set<Architecture> {
        var s: Set<Architecture> = [.x86_64, .x32, .arm, .aarch64, .mips64, .mipsel64, .mips64n32, .mipsel64n32, .riscv64]
        if version >= .v262 { s.insert(.loongarch64) }
        return s
    }

    /// What systemd's MemoryDenyWriteExecute= filter does on `abi`: the mmap it filters by
    /// PROT_EXEC|PROT_WRITE, the one it refuses outright, and whether it filters shmat(); nil
    /// where it installs nothing.
    static func systemdMemoryDenyWriteExecute(on abi: Architecture, _ version: SystemdVersion)
        -> (filtered: String, blocked: String?, shmat: Bool)?
    {
        switch abi {
        case .x86, .s390: return ("mmap2", "mmap", false)
        case .ppc, .ppc64, .ppc64le, .s390x: return ("mmap", nil, false)
        case .arm: return ("mmap2", nil, true)
        case .x86_64, .x32, .aarch64, .riscv64: return ("mmap", nil, true)
        case .loongarch64 where version >= .v262: return ("mmap", nil, true)
        default: return nil  // mips*, parisc* and the rest: no filter
        }
    }

    /// Whether MemoryDenyWriteExecute= installs a seccomp filter at all (v254+ uses PR_SET_MDWE
    /// where the kernel has it; a launcher then sets `PR_SET_MDWE` itself).
    public var memoryDenyWriteExecuteFilters: Bool {
        memoryDenyWriteExecute && !(context.version >= .v262 && kernelHasMDWE)
    }

    /// Whether outside the systemd mode this directive set filters `abi` where systemd does not
    /// (RestrictAddressFamilies= on the ABIs systemd skips, shmat for MemoryDenyWriteExecute=).
    func widensCoverage(on abi: Architecture) -> Bool {
        (restrictsAddressFamilies && !Self.systemdAddressFamilyABIs(context.version).contains(abi))
            || (memoryDenyWriteExecuteFilters && Self.systemdMemoryDenyWriteExecute(on: abi, context.version)?.shmat == false)
    }

    /// RestrictAddressFamilies=: rules on socket() with EAFNOSUPPORT.
    private func addressFamiliesLayer(_ abis: [Architecture]) -> Policy? {
        guard restrictsAddressFamilies else { return nil }
        let families = (addressFamilies ?? []).sorted()
        var ruleConditions: [[ArgumentCondition]] = []
        if addressFamiliesAllowList {
            let inRange = families.filter { (1..<AddressFamily.max).contains($0) }
            if let first = inRange.first, let last = inRange.last {
                ruleConditions.append([ArgumentCondition(index: 0, .less, UInt64(first))])
                ruleConditions.append([ArgumentCondition(index: 0, .greater, UInt64(last))])
                for af in 1..<AddressFamily.max where !inRange.contains(af) {
                    ruleConditions.append([ArgumentCondition(index: 0, .equal, UInt64(af))])
                }
            } else {
                ruleConditions.append([])
            }
        } else {
            for af in families {
                // 252 compares all 64 bits on 64-bit ABIs; 262 only the low 32 (the kernel reads an int).
                ruleConditions.append([context.version >= .v262
                    ? ArgumentCondition(index: 0, .maskedEqual, UInt64(af), mask: 0xFFFF_FFFF)
                    : ArgumentCondition(index: 0, .equal, UInt64(af))])
            }
        }
        var t = tables("RestrictAddressFamilies")
        for abi in abis where addressFamilyABIs.contains(abi) {
            var table: [String: SyscallDecision] = [:]
            guard ruleConditions.allSatisfy({ t.add(&table, .errno(97), "socket", on: abi, $0) }) else { continue }
            t.install(abi, table)
        }
        return t.policy()
    }

    /// MemoryDenyWriteExecute=: W+X mmap, executable mprotect/pkey_mprotect and SHM_EXEC shmat
    /// get EPERM; which mmap and whether shmat depend on the ABI.
    private func memoryDenyWriteExecuteLayer(_ abis: [Architecture]) -> Policy? {
        guard memoryDenyWriteExecuteFilters else { return nil }
        var t = tables("MemoryDenyWriteExecute")
        for abi in abis {
            guard let (filtered, blocked, shmat) = Self.systemdMemoryDenyWriteExecute(on: abi, context.version) else { continue }
            var table: [String: SyscallDecision] = [:]
            guard t.add(&table, .errno(1), filtered, on: abi, [hasBits(2, 0x6)]) else { continue }
            if let blocked { guard t.add(&table, .errno(1), blocked, on: abi) else { continue } }
            guard t.add(&table, .errno(1), "mprotect", on: abi, [hasBits(2, 0x4)]),
                t.add(&table, .errno(1), "pkey_mprotect", on: abi, [hasBits(2, 0x4)])
            else { continue }
            if shmat { guard t.add(&table, .errno(1), "shmat", on: abi, [hasBits(2, 0x8000)]) else { continue } }
            // systemd leaves shmat alone where it was once reached only through ipc(); these ABIs
            // have a direct shmat now, and outside the systemd mode the compiler closes ipc(SHMAT).
            if !shmat, context.argumentWidths != .systemd, SyscallTable.number(of: "shmat", on: abi) != nil {
                t.add(&table, .errno(1), "shmat", on: abi, [hasBits(2, 0x8000)])
            }
            t.install(abi, table)
        }
        return t.policy()
    }

    /// RestrictRealtime=: sched_setscheduler() with a policy other than SCHED_OTHER (0),
    /// SCHED_BATCH (3) or SCHED_IDLE (5) gets EPERM; 262 also refuses sched_setattr().
    private func restrictRealtimeLayer(_ abis: [Architecture]) -> Policy? {
        guard restrictRealtime else { return nil }
        let permitted: Set<UInt64> = [0, 3, 5]
        var t = tables("RestrictRealtime")
        for abi in abis {
            var table: [String: SyscallDecision] = [:]
            for p in UInt64(0)..<5 where !permitted.contains(p) {
                t.add(&table, .errno(1), "sched_setscheduler", on: abi, [ArgumentCondition(index: 1, .equal, p)])
            }
            guard t.add(&table, .errno(1), "sched_setscheduler", on: abi, [ArgumentCondition(index: 1, .greater, 5)])
            else { continue }
            if context.version >= .v262 { t.add(&table, .errno(1), "sched_setattr", on: abi) }
            t.install(abi, table)
        }
        return t.policy()
    }

    /// RestrictSUIDSGID=: creating or chmod-ing files with S_ISUID or S_ISGID gets EPERM;
    /// openat2() gets ENOSYS.
    private func restrictSUIDSGIDLayer(_ abis: [Architecture]) -> Policy? {
        guard restrictSUIDSGID else { return nil }
        let oCreat: UInt64
        switch context.native {
        case .mips, .mipsel, .mips64, .mipsel64, .mips64n32, .mipsel64n32, .parisc, .parisc64: oCreat = 0x100
        default: oCreat = 0x40
        }
        var t = tables("RestrictSUIDSGID")
        for abi in abis {
            var table: [String: SyscallDecision] = [:]
            var added = 0
            func add(_ action: Action, _ name: String, _ conditions: [ArgumentCondition] = []) {
                if t.add(&table, action, name, on: abi, conditions) { added += 1 }
            }
            for m: UInt64 in [0o4000, 0o2000] {
                for name in ["chmod", "fchmod", "mkdir", "mknod", "creat"] { add(.errno(1), name, [hasBits(1, m)]) }
                for name in ["fchmodat", "mkdirat", "mknodat"] { add(.errno(1), name, [hasBits(2, m)]) }
                if context.version.resolvesSyscall("fchmodat2") {
                    add(.errno(1), "fchmodat2", [hasBits(2, m)])
                } else if SyscallTable.number(of: "fchmodat2", on: abi) != nil {
                    // systemd's own number for a call its libseccomp cannot name: refused outright.
                    var d = table["fchmodat2"] ?? SyscallDecision(action: .allow)
                    d.action = .errno(38)
                    d.origin = t.origin
                    table["fchmodat2"] = d
                    added += 1
                }
                add(.errno(1), "open", [hasBits(1, oCreat), hasBits(2, m)])
                add(.errno(1), "openat", [hasBits(2, oCreat), hasBits(3, m)])
                add(.errno(38), "openat2")
            }
            // The ABI is skipped only when no rule at all could be added.
            if added > 0 { t.install(abi, table) }
        }
        return t.policy()
    }

    /// RestrictNamespaces=: clone3 gets ENOSYS; setns(), unshare() and clone() creating or
    /// joining a namespace type that is not retained get EPERM.
    private func namespacesLayer(_ abis: [Architecture]) -> Policy? {
        guard restrictsNamespaces else { return nil }
        let all = NamespaceType.allFlags(context.version)
        let retained = namespacesRetained
        let blocked = NamespaceType.allCases.filter { retained & $0.flag == 0 }
        let setnsBlockedOutright = retained & all == 0
        var t = tables("RestrictNamespaces")
        abiLoop: for abi in abis {
            var table: [String: SyscallDecision] = [:]
            t.add(&table, .errno(38), "clone3", on: abi)
            if setnsBlockedOutright {
                guard t.add(&table, .errno(1), "setns", on: abi) else { continue }
            } else {
                // setns(fd, 0) joins any type: 252 tests all 64 bits, 262 only the low 32.
                let zero = context.version >= .v262
                    ? ArgumentCondition(index: 1, .maskedEqual, 0, mask: 0xFFFF_FFFF) : ArgumentCondition(index: 1, .equal, 0)
                guard t.add(&table, .errno(1), "setns", on: abi, [zero]) else { continue }
            }
            let cloneFlagsIndex = abi == .s390 || abi == .s390x ? 1 : 0
            for type in blocked {
                guard t.add(&table, .errno(1), "unshare", on: abi, [hasBits(0, type.flag)]),
                    t.add(&table, .errno(1), "clone", on: abi, [hasBits(cloneFlagsIndex, type.flag)])
                else { continue abiLoop }
                if !setnsBlockedOutright {
                    guard t.add(&table, .errno(1), "setns", on: abi, [hasBits(1, type.flag)]) else { continue abiLoop }
                }
            }
            t.install(abi, table)
        }
        return t.policy()
    }

    /// The one personality LockPersonality= allows: Personality= if set, else the manager's
    /// base personality.
    public var lockedPersonality: UInt64 { personality ?? Personality.opinionated(managerPersonality) }

    /// LockPersonality=: personality() with any other value than the locked one gets EPERM.
    private func lockPersonalityLayer(_ abis: [Architecture]) -> Policy? {
        guard lockPersonality else { return nil }
        let p = lockedPersonality
        // libseccomp refuses the datum (EINVAL): every ABI is skipped.
        guard p < 0xFFFF_FFFF else { return nil }
        var t = tables("LockPersonality")
        for abi in abis {
            var table: [String: SyscallDecision] = [:]
            guard t.add(&table, .errno(1), "personality", on: abi, [ArgumentCondition(index: 0, .notEqual, p)]) else { continue }
            t.install(abi, table)
        }
        return t.policy()
    }
}
