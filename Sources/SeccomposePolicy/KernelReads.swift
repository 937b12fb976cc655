// KernelReads.swift: make a policy judge the bits the kernel reads, and close the
// multiplexer routes (socketcall, ipc) around argument rules.
//
// A front end writes conditions as the user or systemd meant them; this pass, applied by the
// compiler, rewrites them per ABI from the argument-width table (SeccomposeSyscalls):
//   - an argument the kernel reads as 32 bits (int, unsigned int, clone's flags …) is compared
//     on its low half only, so `setns(fd, 1<<32)` is judged as nstype 0, the value the
//     kernel acts on;
//   - a 16-bit argument (umode_t) is compared on its low 16 bits where the comparison allows
//     it (equality and masked equality);
//   - a long argument on x32 and MIPS n32 is compared on all 64 bits (the kernel reads the whole
//     register);
//   - a constant the argument cannot hold is read twice (clean, and narrowed to its low bits)
//     and every call gets the stricter reading;
//   - socketcall(SYS_X, …) and ipc(X, …) get what the direct call X gets, or its most
//     restrictive outcome when that depends on arguments the multiplexer hides behind a
//     pointer. They are never made less restrictive than the policy already makes them.

import SeccomposeSyscalls
import Synchronization

/// How the compiler treats argument widths and multiplexers.
public enum ArgumentWidthMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The default: only the bits the kernel reads of each argument decide, and multiplexer
    /// sub-calls cannot reach what the direct calls are denied.
    case kernel
    /// As `kernel`; in addition, an argument the kernel reads as 32 bits whose upper half is
    /// not a clean zero or sign extension gets the syscall's deny action (its most
    /// restrictive outcome) on ABIs with 64-bit registers.
    case strict
    /// Compatibility: every comparison as written, over the ABI's register width, and the
    /// multiplexers left alone, decision for decision as systemd 252 (libseccomp) installs it.
    case systemd
}

/// The multiplexed calls: which sub-call number of `socketcall`/`ipc` reaches which syscall.
public enum Multiplexer: String, Sendable, Hashable, CaseIterable {
    /// `socketcall(call, args)`: the socket calls, arguments behind a pointer.
    case socketcall
    /// `ipc(call, first, second, third, ptr, fifth)`: the SysV IPC calls, arguments in registers.
    case ipc

    /// Sub-call numbers by syscall name (linux/net.h SYS_*, linux/ipc.h).
    public var subcalls: [(name: String, call: UInt64)] {
        switch self {
        case .socketcall: return Multiplexer.socketcallSubcalls
        case .ipc: return Multiplexer.ipcSubcalls
        }
    }

    // Made once: the kernel-reads pass reads them on every compile for a multiplexing ABI.
    private static let socketcallSubcalls: [(name: String, call: UInt64)] = [
        ("socket", 1), ("bind", 2), ("connect", 3), ("listen", 4), ("accept", 5),
        ("getsockname", 6), ("getpeername", 7), ("socketpair", 8), ("send", 9), ("recv", 10),
        ("sendto", 11), ("recvfrom", 12), ("shutdown", 13), ("setsockopt", 14), ("getsockopt", 15),
        ("sendmsg", 16), ("recvmsg", 17), ("accept4", 18), ("recvmmsg", 19), ("sendmmsg", 20),
    ]
    private static let ipcSubcalls: [(name: String, call: UInt64)] = [
        ("semop", 1), ("semget", 2), ("semctl", 3), ("semtimedop", 4), ("msgsnd", 11),
        ("msgrcv", 12), ("msgget", 13), ("msgctl", 14), ("shmat", 21), ("shmdt", 22),
        ("shmget", 23), ("shmctl", 24),
    ]

    /// The condition selecting sub-call `call`: socketcall reads `int call`; ipc reads the low
    /// 16 bits of `unsigned int call` (the upper 16 carry a version).
    public func selects(_ call: UInt64) -> ArgumentCondition {
        switch self {
        case .socketcall: return ArgumentCondition(index: 0, .equal, call, is32Bit: true)
        case .ipc: return ArgumentCondition(index: 0, .maskedEqual, call, mask: 0xFFFF, is32Bit: true)
        }
    }

    /// Where `name`'s arguments sit among the multiplexer's (direct index → multiplexer index),
    /// or nil when the multiplexer passes them behind a pointer a filter cannot read (every
    /// socketcall() sub-call; msgrcv, whose version-0 form packs them in a struct). From ipc/syscall.c.
    public func argumentMap(for name: String, on abi: Architecture) -> [Int: Int]? {
        guard self == .ipc else { return nil }
        // ipc(call, first=1, second=2, third=3, ptr=4, fifth=5)
        switch name {
        case "semop": return [0: 1, 1: 4, 2: 2]
        // s390's ipc has five arguments and passes `third` as semtimedop's timeout.
        case "semtimedop": return abi == .s390 || abi == .s390x ? [0: 1, 1: 4, 2: 2, 3: 3] : [0: 1, 1: 4, 2: 2, 3: 5]
        case "semget": return [0: 1, 1: 2, 2: 3]
        case "semctl": return [0: 1, 1: 2, 2: 3]
        case "msgsnd": return [0: 1, 1: 4, 2: 2, 3: 3]
        case "msgget": return [0: 1, 1: 2]
        case "msgctl": return [0: 1, 1: 2, 2: 4]
        case "shmat": return [0: 1, 1: 4, 2: 2]
        case "shmdt": return [0: 4]
        case "shmget": return [0: 1, 1: 2, 2: 3]
        case "shmctl": return [0: 1, 1: 2, 2: 4]
        default: return nil
        }
    }

    /// The `cmd` argument of a direct semctl/msgctl/shmctl whose entry point is the old one
    /// (`sys_old_semctl`, `compat_sys_old_*`: arm, mips64, n32), which clears IPC_64 from it too.
    public static func directIPC64Command(of name: String, on abi: Architecture) -> Int? {
        switch abi {
        case .arm, .mips64, .mipsel64, .mips64n32, .mipsel64n32: return Multiplexer.ipc.versionParsedArgument(of: name)
        default: return nil
        }
    }

    /// An equality test of `cmd` as the kernel reads it after clearing IPC_64, or nil when the
    /// comparison cannot ignore that bit (it is then kept as written).
    static func ignoringIPC64(_ c: ArgumentCondition) -> ArgumentCondition? {
        let ipc64: UInt64 = 0x100
        var m = c
        switch c.op {
        case .equal where c.value & ipc64 == 0:
            m.op = .maskedEqual
            m.mask = ~ipc64
        case .maskedEqual where c.value & c.mask & ipc64 == 0:
            m.mask = c.mask & ~ipc64
            m.value = c.value & m.mask
        default:
            return nil
        }
        return m
    }

    /// The direct argument that ipc() passes through `ipc_parse_version` (the `cmd` of semctl,
    /// msgctl and shmctl): the kernel clears IPC_64 (0x100) from it on this route only.
    public func versionParsedArgument(of name: String) -> Int? {
        guard self == .ipc else { return nil }
        switch name {
        case "semctl": return 2
        case "msgctl", "shmctl": return 1
        default: return nil
        }
    }

    /// `c` (a condition on the direct call's argument) as a condition on the multiplexer's
    /// registers for the sub-call `name`, or nil when it cannot be expressed there.
    func moved(_ c: ArgumentCondition, of name: String, on abi: Architecture) -> ArgumentCondition? {
        guard let map = argumentMap(for: name, on: abi), let index = map[c.index] else { return nil }
        var m = c
        m.index = index
        if versionParsedArgument(of: name) == c.index {
            // The kernel acts on cmd & ~IPC_64 here: only equality tests of values without that
            // bit carry over (masked to ignore it); anything else cannot be judged on this route.
            guard let masked = Multiplexer.ignoringIPC64(m) else { return nil }
            return masked
        }
        return m
    }

    /// How a judged multiplexer decision (`Policy.judgingKernelReads`) treats sub-call `call`.
    public enum Closure: Sendable, Hashable {
        /// The direct call's argument rules apply on the multiplexer's registers.
        case moved
        /// Every such sub-call gets this action.
        case refused(Action)
    }

    /// What the compiler's pass did to sub-call `call` in `decision` (the multiplexer's judged
    /// decision), or nil when it added nothing for it.
    public func closure(in decision: SyscallDecision, call: UInt64) -> Closure? {
        let selector = selects(call)
        let rules = decision.rules.filter { $0.conditions.first == selector }
        guard let first = rules.first else { return nil }
        return rules.contains { $0.conditions.count > 1 } ? .moved : .refused(first.action)
    }

    /// Why a filter cannot judge a refused sub-call's arguments on this route (for messages).
    public var unjudgedReason: String {
        switch self {
        case .socketcall: return "the arguments sit behind a pointer"
        case .ipc: return "an argument behind a pointer, or a comparison of cmd other than ==, which the kernel's IPC_64 handling defeats"
        }
    }

    /// The ABIs on which libseccomp (2.6; 2.5.4 lacks m68k and sh) turns a rule for a socket or
    /// SysV IPC call into a socketcall()/ipc() rule as well, `call == SYS_X` replacing the
    /// rule's condition on argument 0 (docs/argument-widths.md lists the same ABIs; a test
    /// compares them).
    public static let libseccompMultiplexingABIs: Set<Architecture> = [
        .x86, .s390, .s390x, .ppc, .ppc64, .ppc64le, .mips, .mipsel, .m68k, .sh, .sheb,
    ]

    /// The sub-call a rule selects when its only condition is this multiplexer's selector.
    func selectorOnly(_ rule: Rule) -> UInt64? {
        guard rule.conditions.count == 1, let c = rule.conditions.first else { return nil }
        return subcalls.first { selects($0.call) == c }?.call
    }

    /// The multiplexer that reaches `name`, with its sub-call number.
    public static func reaching(_ name: String) -> (Multiplexer, UInt64)? {
        for m in allCases { if let s = m.subcalls.first(where: { $0.name == name }) { return (m, s.call) } }
        return nil
    }
}

extension SyscallDecision {
    /// Every action the decision can lead to.
    public var outcomes: [Action] {
        var out: [Action] = []
        for a in rules.map(\.action) + [action] where !out.contains(a) { out.append(a) }
        return out
    }

    /// The most restrictive action the decision can lead to (the kernel's precedence order).
    public var mostRestrictiveOutcome: Action {
        // Without rules the action is the only outcome (no array of one made).
        guard !rules.isEmpty else { return action }
        return outcomes.max { $0.precedence < $1.precedence } ?? action
    }
}

/// A policy's decision tables as `Policy.judgingKernelReads` makes them, without writing them
/// out: each table is one of the policy's own tables (shared, not copied) with the few decisions
/// the pass changes written over it. The compiler works from these; `policy` writes them out.
package struct JudgedTables: Sendable {
    /// One table: `base` with `changes` written over it (a nil change removes the name).
    package struct Table: Sendable {
        /// The policy's table this one starts from.
        package var base: [String: SyscallDecision]
        /// The decisions that replace base's, by name; nil where the name is removed.
        package var changes: [String: SyscallDecision?] = [:]
        /// Whether `base` is the shared table's base (`JudgedTables.shared.base`, the same
        /// dictionary): a per-ABI table read as the policy's `syscalls` with its differences
        /// (`Policy.abiDifferences`) among `changes`, whose base the compiler resolves once.
        package var sharesSharedBase = false

        /// The table `base` with `changes` written over it.
        package init(base: [String: SyscallDecision], changes: [String: SyscallDecision?] = [:], sharesSharedBase: Bool = false) {
            self.base = base
            self.changes = changes
            self.sharesSharedBase = sharesSharedBase
        }

        /// `own` (a table of `policy.abiSyscalls`, which the policy's `abiDifferences` describe as
        /// `differences`) as `policy.syscalls` with `differences` and then `changes` written over
        /// it (the same table as `own` with `changes` over it).
        init(_ policy: Policy, own: [String: SyscallDecision], differences: [String], changes: [String: SyscallDecision]) {
            var all: [String: SyscallDecision?] = [:]
            all.reserveCapacity(differences.count + changes.count)
            for name in differences { all.updateValue(own[name], forKey: name) }
            for (name, d) in changes { all.updateValue(d, forKey: name) }
            self.init(base: policy.syscalls, changes: all, sharesSharedBase: true)
        }

        /// The decision for `name`.
        package subscript(name: String) -> SyscallDecision? {
            if let i = changes.index(forKey: name) { return changes.values[i] }
            return base[name]
        }

        /// The number of names in the table.
        package var count: Int {
            var n = base.count
            for (name, d) in changes {
                let inBase = base.index(forKey: name) != nil
                if d == nil, inBase { n -= 1 }
                if d != nil, !inBase { n += 1 }
            }
            return n
        }

        /// The table written out.
        package var merged: [String: SyscallDecision] {
            guard !changes.isEmpty else { return base }
            var t = base
            for (name, d) in changes { t[name] = d }
            return t
        }
    }

    /// The policy judged (its tables are the unjudged ones; `shared` and `perABI` replace them).
    package var source: Policy
    /// The table of every judged ABI without one of its own (`Policy.syscalls`).
    package var shared: Table
    /// The ABIs' own tables (`Policy.abiSyscalls`).
    package var perABI: [Architecture: Table]

    /// `policy`'s tables as they are (no pass applied).
    package init(unjudged policy: Policy) {
        source = policy
        shared = Table(base: policy.syscalls)
        perABI = [:]
        for (abi, table) in policy.abiSyscalls {
            if let differences = policy.abiDifferences[abi] {
                perABI[abi] = Table(policy, own: table, differences: differences, changes: [:])
            } else {
                perABI[abi] = Table(base: table)
            }
        }
    }

    init(source: Policy, shared: Table, perABI: [Architecture: Table]) {
        self.source = source
        self.shared = shared
        self.perABI = perABI
    }

    /// The table that applies to `abi`: its own if it has one, else `shared`.
    package func table(for abi: Architecture) -> Table { perABI[abi] ?? shared }

    /// The judged policy, its tables written out.
    package var policy: Policy {
        var out = source
        out.syscalls = shared.merged
        out.abiSyscalls = perABI.mapValues(\.merged)
        return out
    }
}

extension Policy {
    /// The policy as the compiler judges it under `mode` (see `ArgumentWidthMode`). `.systemd`
    /// returns the policy unchanged.
    public func judgingKernelReads(_ mode: ArgumentWidthMode) -> Policy {
        guard mode != .systemd, !architectures.isEmpty else { return self }
        return judgedTables(mode).policy
    }

    /// `judgingKernelReads(mode)` with its tables not written out.
    package func judgedTables(_ mode: ArgumentWidthMode) -> JudgedTables {
        guard mode != .systemd, !architectures.isEmpty else { return JudgedTables(unjudged: self) }
        // Per ABI only the decisions that change are computed; ABIs then share one table where
        // their changes agree or concern calls the others do not have (socketcall on i386 only).
        var shared = JudgedTables.Table(base: [:])
        var perABI: [Architecture: JudgedTables.Table] = [:]
        var sharers: [Architecture] = []
        var changedNames: Set<String> = []
        // A per-ABI table the importer wrote as `syscalls` with a few names written over it
        // (`abiDifferences`) is judged and kept as that, when the shared table is `syscalls`: its
        // decisions with rules are those of `syscalls` (found once) but at the differing names.
        let sharedIsSyscalls = abiSyscalls[architectures[0]] == nil
        var ruledOfSyscalls: [Dictionary<String, SyscallDecision>.Index]?
        for abi in architectures {
            let base = decisions(for: abi)
            var changes: [String: SyscallDecision] = [:]
            let differences = sharedIsSyscalls && abiSyscalls[abi] != nil ? abiDifferences[abi] : nil
            // Records `d`'s judged form (the decision of `name`, which has rules) when it differs.
            func judge(_ d: SyscallDecision, _ name: String) {
                let judged = d.judgingKernelReads(name: name, on: abi, strict: mode == .strict)
                if judged != d { changes[name] = judged }
            }
            if let differences, let ruled = ruledOfSyscalls {
                // (A few names, as a profile's tables differ: compared in turn, not hashed.)
                let differing: Set<String>? = differences.count > 16 ? Set(differences) : nil
                for i in ruled where !(differing?.contains(syscalls.keys[i]) ?? differences.contains(syscalls.keys[i])) {
                    judge(syscalls.values[i], syscalls.keys[i])
                }
                for name in differences {
                    guard let d = base[name], !d.rules.isEmpty else { continue }
                    judge(d, name)
                }
            } else {
                // By index: only decisions with rules are read whole (most have none).
                let isSyscalls = abiSyscalls[abi] == nil && ruledOfSyscalls == nil
                var ruled: [Dictionary<String, SyscallDecision>.Index] = []
                var i = base.startIndex
                while i != base.endIndex {
                    defer { i = base.index(after: i) }
                    guard !base.values[i].rules.isEmpty else { continue }
                    if isSyscalls { ruled.append(i) }
                    judge(base.values[i], base.keys[i])
                }
                if isSyscalls { ruledOfSyscalls = ruled }
            }
            let judged = changes
            closeMultiplexers(on: abi, &changes, outcome: { name in
                // The most restrictive outcome, read in place (most sub-calls need no more); the
                // few judged decisions compared by name in turn rather than hashed.
                if judged.count <= 8 {
                    var i = judged.startIndex
                    while i != judged.endIndex {
                        if judged.keys[i] == name { return judged.values[i].mostRestrictiveOutcome }
                        i = judged.index(after: i)
                    }
                } else if let i = judged.index(forKey: name) {
                    return judged.values[i].mostRestrictiveOutcome
                }
                if let i = base.index(forKey: name) { return base.values[i].mostRestrictiveOutcome }
                return nil
            }) { judged[$0] ?? base[$0] }
            guard let first = sharers.first else {
                shared = JudgedTables.Table(base: base, changes: changes.mapValues { $0 })
                changedNames = Set(changes.keys)
                sharers = [abi]
                continue
            }
            // Sharing needs the same table as written (per-ABI tables from merge() are compared whole).
            var updates: [String: SyscallDecision?] = [:]
            var ok = abiSyscalls[abi] == nil && abiSyscalls[first] == nil
            if ok {
                for name in changedNames.union(changes.keys) where SyscallTable.number(of: name, on: abi) != nil {
                    let want = changes[name] ?? base[name], have = shared[name]
                    if want == have { continue }
                    if let w = want, let h = have, !w.rules.isEmpty, Policy.canonical(w, on: abi) == Policy.canonical(h, on: abi) { continue }
                    // A decision of its own: only where no ABI sharing the table has the call.
                    guard sharers.allSatisfy({ SyscallTable.number(of: name, on: $0) == nil }) else {
                        ok = false
                        break
                    }
                    updates[name] = want
                }
            } else {
                ok = Policy.judgeAlike(base, changedBy: changes, shared, on: abi)
            }
            if ok {
                for (name, d) in updates { shared.changes.updateValue(d, forKey: name) }
                changedNames.formUnion(updates.keys)
                sharers.append(abi)
            } else if let differences {
                perABI[abi] = JudgedTables.Table(self, own: base, differences: differences, changes: changes)
            } else {
                perABI[abi] = JudgedTables.Table(base: base, changes: changes.mapValues { $0 })
            }
        }
        return JudgedTables(source: self, shared: shared, perABI: perABI)
    }

    /// Whether `base` with `changes` written over it (the table is not made) and `b` decide every
    /// call on `abi` alike (their conditions compare the same bits there), comparing only the
    /// decisions that differ as written.
    static func judgeAlike(_ base: [String: SyscallDecision], changedBy changes: [String: SyscallDecision],
        _ b: JudgedTables.Table, on abi: Architecture) -> Bool
    {
        func alike(_ x: SyscallDecision, _ y: SyscallDecision) -> Bool {
            if x == y { return true }
            if x.rules.isEmpty || y.rules.isEmpty { return false }
            // The canonical forms differ in these as the decisions do: no need to make them.
            if x.action != y.action || x.priority != y.priority || x.rules.count != y.rules.count { return false }
            return canonical(x, on: abi) == canonical(y, on: abi)
        }
        // The changed decisions first: tables judged at other widths (a profile's per-ABI
        // tables) differ there, and the answer does not depend on the order of the checks.
        for (name, x) in changes {
            guard let y = b[name], alike(x, y) else { return false }
        }
        // The merged table's size: base's, plus the changed names base lacks.
        var count = base.count
        for name in changes.keys where base.index(forKey: name) == nil { count += 1 }
        guard count == b.count else { return false }
        // The decisions with rules first: tables of different widths (a profile's per-ABI
        // tables) differ there, so most answers come without a lookup of every name.
        for ruled in [true, false] {
            var i = base.startIndex
            while i != base.endIndex {
                defer { i = base.index(after: i) }
                guard base.values[i].rules.isEmpty != ruled else { continue }
                let name = base.keys[i]
                guard changes.index(forKey: name) == nil else { continue }
                guard let y = b[name], alike(base.values[i], y) else { return false }
            }
        }
        return true
    }

    /// Gives each multiplexer sub-call at least the restriction of its direct call.
    /// `decision` looks a call up in the ABI's table; new multiplexer decisions go to `changes`.
    /// `outcome` gives a call's `mostRestrictiveOutcome` as `decision` would (nil where
    /// `decision` is nil) without the decision being copied out.
    func closeMultiplexers(on abi: Architecture, _ changes: inout [String: SyscallDecision],
        outcome: ((String) -> Action?)? = nil, decision: (String) -> SyscallDecision?)
    {
        for m in Multiplexer.allCases where SyscallTable.number(of: m.rawValue, on: abi) != nil {
            let mux = decision(m.rawValue) ?? SyscallDecision(action: defaultAction)
            let outcomes = mux.outcomes
            let least = outcomes.min { $0.precedence < $1.precedence } ?? mux.action
            let most = mux.mostRestrictiveOutcome
            var added: [Rule] = []
            for (name, call) in m.subcalls {
                // Already at least as restrictive whatever the multiplexer's own rules decide.
                if let outcome, (outcome(name) ?? defaultAction).precedence <= least.precedence { continue }
                let direct = decision(name) ?? SyscallDecision(action: defaultAction)
                let wanted = direct.mostRestrictiveOutcome
                if wanted.precedence <= least.precedence { continue }
                // Where the sub-call passes the arguments in registers, the direct call's rules
                // move over (judged at the direct call's widths), never below the multiplexer's action.
                // (The multiplexer's own rules may only select other sub-calls, e.g. the
                // exact rules a profile's importer gives sub-calls of unconditional calls.)
                if mux.rules.allSatisfy({ m.selectorOnly($0).map { $0 != call } ?? false }), !direct.rules.isEmpty,
                    case let movedRules = direct.rules.map({ r in r.conditions.compactMap { m.moved($0, of: name, on: abi) } }),
                    zip(direct.rules, movedRules).allSatisfy({ $0.conditions.count == $1.count })
                {
                    func atLeast(_ a: Action) -> Action { a.precedence >= mux.action.precedence ? a : mux.action }
                    for (r, moved) in zip(direct.rules, movedRules) {
                        added.append(Rule([m.selects(call)] + moved, action: atLeast(r.action), origin: r.origin))
                    }
                    added.append(Rule([m.selects(call)], action: atLeast(direct.action), origin: direct.origin))
                    continue
                }
                // Never loosen: with rules of its own the multiplexer may already be stricter.
                let target = wanted.precedence >= most.precedence ? wanted : most
                added.append(Rule([m.selects(call)], action: target, origin: direct.rules.first?.origin ?? direct.origin))
            }
            guard !added.isEmpty else { continue }
            var d = mux
            d.rules = added + mux.rules
            changes[m.rawValue] = d
        }
    }

    /// The decision with every condition's compared width made explicit for `abi`, so that two
    /// decisions judging alike on the ABI compare equal.
    static func canonical(_ d: SyscallDecision, on abi: Architecture) -> SyscallDecision {
        var d = d
        d.rules = d.rules.map { r in
            var r = r
            r.conditions = r.conditions.map { c in
                var c = c
                let bits = c.comparedBits(argumentBits: abi.argumentBits)
                c.is32Bit = bits == 32
                c.isFullRegister = bits == 64
                return c
            }
            return r
        }
        return d
    }
}

extension Policy {
    /// `ArgumentWidths.lookup`'s widths of `name`'s first six arguments on `abi` (nil where not
    /// known), parsed once per process for names the syscall table knows.
    static func argumentWidths(of name: String, on abi: Architecture) -> [ArgumentWidth?] {
        let key = WidthKey(name: name, abi: abi)
        if let hit = widthCache.withLock({ $0[key] }) { return hit }
        var widths = [ArgumentWidth?](repeating: nil, count: 6)
        if case .arguments(let declared) = ArgumentWidths.lookup(name, on: abi) {
            for i in 0..<min(6, declared.count) { widths[i] = declared[i] }
        }
        // Only names of the table are kept, so that the cache stays bounded.
        if SyscallTable.isKnown(name) { widthCache.withLock { $0[key] = widths } }
        return widths
    }

    struct WidthKey: Hashable {
        var name: String
        var abi: Architecture
    }

    static let widthCache = Mutex<[WidthKey: [ArgumentWidth?]]>([:])
}

extension SyscallDecision {
    /// The decision with each condition compared on the bits the kernel reads of `name`'s
    /// arguments on `abi`; with `strict`, unclean upper halves of 32-bit arguments first get
    /// the most restrictive outcome.
    func judgingKernelReads(name: String, on abi: Architecture, strict: Bool) -> SyscallDecision {
        var d = self
        var narrowIndexes: [Int] = []
        // Two readings of every rule. The narrowed one compares the low bits of every constant;
        // the clean one reads a constant the argument cannot hold as what it means for values
        // without junk in the upper half (`==` never, `!=` always, ordering clamped).
        // The readings' conditions per rule (nil: that reading of the rule never holds); rules
        // are made only for the readings used.
        var narrowed: [[ArgumentCondition]?] = [], clean: [[ArgumentCondition]?] = []
        // Without a constant its argument cannot hold, the narrowed reading is every rule, made here.
        var direct: [Rule] = []
        let ipc64Command = Multiplexer.directIPC64Command(of: name, on: abi)
        // Each argument's width looked up once per decision (one lookup of the name), not once
        // per condition (`ArgumentWidths.width(of:argument:on:)` for each of the six).
        let widths = Policy.argumentWidths(of: name, on: abi)
        // Whether some constant is one its argument cannot hold (only then is the clean reading made).
        let anyAmbiguous = rules.contains { rule in
            rule.conditions.contains { cond in
                guard (0...5).contains(cond.index), let width = widths[cond.index] else { return false }
                return cond.cleanTruth(inBits: width.bits) != nil
            }
        }
        if anyAmbiguous { narrowed.reserveCapacity(rules.count) } else { direct.reserveCapacity(rules.count) }
        for rule in rules {
            var n: [ArgumentCondition] = [], c: [ArgumentCondition] = []
            n.reserveCapacity(rule.conditions.count)
            if anyAmbiguous { c.reserveCapacity(rule.conditions.count) }
            var cleanHolds = true, narrowedHolds = true
            for cond in rule.conditions {
                guard let width = (0...5).contains(cond.index) ? widths[cond.index] : nil else {
                    n.append(cond)
                    if anyAmbiguous { c.append(cond) }
                    continue
                }
                if width.bits <= 32, !narrowIndexes.contains(cond.index) { narrowIndexes.append(cond.index) }
                var judged = cond.judged(as: width, on: abi)
                // sys_old_semctl & co. clear IPC_64 from cmd before acting on it.
                if cond.index == ipc64Command, let masked = Multiplexer.ignoringIPC64(judged) { judged = masked }
                guard let truth = cond.cleanTruth(inBits: width.bits) else {
                    n.append(judged)
                    if anyAmbiguous { c.append(judged) }
                    continue
                }
                if !truth { cleanHolds = false }
                switch cond.op {
                case .equal, .notEqual, .maskedEqual:
                    // Junk in the upper half can equal the constant's: compare the low bits.
                    n.append(judged)
                default:
                    // Junk can put the value on either side: the other reading takes the other side.
                    if truth { narrowedHolds = false }
                }
            }
            if anyAmbiguous {
                narrowed.append(narrowedHolds ? n : nil)
                clean.append(cleanHolds ? c : nil)
            } else {
                direct.append(Rule(n, action: rule.action, origin: rule.origin))
            }
        }
        func readings(_ conditions: [[ArgumentCondition]?]) -> [Rule] {
            zip(rules, conditions).compactMap { rule, c in c.map { Rule($0, action: rule.action, origin: rule.origin) } }
        }
        if !anyAmbiguous {
            d.rules = direct
        } else {
            let narrowed = readings(narrowed), clean = readings(clean)
            // For every call, the more restrictive of the two readings: the product of the two
            // first-match lists (each with its fallback as a last, unconditional rule).
            func stricter(_ x: Action, _ y: Action) -> Action { x.precedence >= y.precedence ? x : y }
            let fallback = Rule([], action: action)
            let cs = clean + [fallback], ns = narrowed + [fallback]
            if cs.count * ns.count <= 1024 {
                d.rules = cs.flatMap { x in
                    ns.map { y in Rule(x.conditions + y.conditions, action: stricter(x.action, y.action), origin: x.origin ?? y.origin) }
                }
            } else {
                // Too many rules to pair: the narrowed reading, never below the clean one's worst.
                let worst = cs.map(\.action).max { $0.precedence < $1.precedence } ?? action
                d.rules = ns.map { Rule($0.conditions, action: stricter($0.action, worst), origin: $0.origin) }
            }
        }
        // Strict: only where registers are 64 bits wide (on 32-bit ABIs there is no upper half).
        if strict, abi.hasWideRegisters {
            let deny = mostRestrictiveOutcome
            if deny.precedence > 0 {
                let guards = narrowIndexes.sorted().map { i in
                    Rule([ArgumentCondition(index: i, .greater, 0xFFFF_FFFF, isFullRegister: true),
                          ArgumentCondition(index: i, .less, 0xFFFF_FFFF_8000_0000, isFullRegister: true)],
                        action: deny, origin: rules.first { $0.conditions.contains { $0.index == i } }?.origin)
                }
                d.rules = guards + d.rules
            }
        }
        return d
    }
}

extension ArgumentCondition {
    /// Whether the constant means one value of a `bits`-wide argument: for `==`, `!=` and the
    /// ordering comparisons a value that fits (or is the sign extension of a negative one); for
    /// masked equality one whose value has no bits the kernel does not read where the mask looks.
    public func isRepresentable(inBits bits: Int) -> Bool {
        guard bits < 64 else { return true }
        let keep: UInt64 = (1 << UInt64(bits)) - 1
        switch op {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            return value <= keep || value >= UInt64.max - (keep >> 1)
        case .maskedEqual:
            let upper = value & mask & ~keep
            return upper == 0 || (upper == mask & ~keep && value & mask & (1 << UInt64(bits - 1)) != 0)
        }
    }

    /// For a constant the argument cannot hold: whether the condition holds for the values the
    /// argument can carry without junk in its upper half (`==` never, `!=` always, `<`/`<=` always
    /// and `>`/`>=` never for a constant above them). nil when the constant is representable.
    func cleanTruth(inBits bits: Int) -> Bool? {
        guard !isRepresentable(inBits: bits) else { return nil }
        switch op {
        case .equal, .maskedEqual: return false
        case .notEqual, .less, .lessOrEqual: return true
        case .greater, .greaterOrEqual: return false
        }
    }

    /// The condition compared on what the kernel reads of an argument of `width` on `abi`.
    func judged(as width: ArgumentWidth, on abi: Architecture) -> ArgumentCondition {
        var c = self
        switch width.bits {
        case 64:
            c.is32Bit = false
            // x32 and MIPS n32 pass 64-bit registers (judged on 32 bits by default, as libseccomp
            // does); where the entry point reads a long, the whole register decides.
            c.isFullRegister = abi.hasWideRegisters && !abi.is64Bit
        case 32:
            c.is32Bit = true
            c.isFullRegister = false
        default:
            c.is32Bit = true
            c.isFullRegister = false
            let keep: UInt64 = (1 << UInt64(width.bits)) - 1
            if c.op == .equal {
                c.op = .maskedEqual
                c.mask = keep
                c.value &= keep
            } else if c.op == .maskedEqual {
                c.mask &= keep
                c.value &= c.mask
            }
        }
        return c
    }
}
