// ArgumentFindings.swift: `check`'s findings about argument widths and multiplexers (issue 6):
// where the filter systemd installs for the unit and Seccompose's default decide differently,
// found by evaluating both policies on argument samples, never from a fixed list.

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSyscalls

extension UnitChecker {
    /// Argument samples for argument `index` under `rules`: 0, upper-half-only bits, sign-extended
    /// negatives and boundaries, and around every constant the rules compare (the constant, its
    /// neighbours, a masked comparison's bits), each also with junk or a sign extension in the
    /// upper half.
    static func argumentSamples(index: Int, rules: [Rule]) -> [UInt64] {
        var out: [UInt64] = []
        var seen: Set<UInt64> = []
        func add(_ v: UInt64) { if seen.insert(v).inserted { out.append(v) } }
        for v: UInt64 in [0, 1 << 32, 0xFFFF_FFFF_0000_0000, .max, 0xFFFF_FFFF_8000_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF] {
            add(v)
        }
        for rule in rules {
            for c in rule.conditions where c.index == index {
                var constants = [c.value, c.value &+ 1, c.value &- 1]
                if c.op == .maskedEqual { constants += [c.mask & 0xFFFF_FFFF, (c.mask & ~c.value) & 0xFFFF_FFFF] }
                for k in constants {
                    let low = k & 0xFFFF_FFFF
                    add(low)
                    add(low | 1 << 32)
                    if low & 0x8000_0000 != 0 { add(low | 0xFFFF_FFFF_0000_0000) }
                }
            }
        }
        return out
    }

    /// One call decided differently.
    struct ArgumentDifference {
        var abi: Architecture
        var name: String
        var index: Int
        var value: UInt64
        var systemd: Action
        var seccompose: Action
        var origin: Origin?
        /// What it is: systemd's decision changed by bits the kernel ignores, a multiplexer
        /// sub-call, an ABI systemd leaves unfiltered, or strict mode's refusal of an unclean value.
        var kind: Kind

        enum Kind { case ignoredBits, multiplexer, coverage, strict }
    }

    /// Compares systemd's filter for the unit with Seccompose's (in `context.argumentWidths`,
    /// `.kernel` when that is `.systemd`) and reports the differences per directive.
    /// `built` is the unit's policy under `context`, when check() has it already.
    static func argumentFindings(_ service: ServiceDescription, context: SystemdContext, built: Policy? = nil) -> [Diagnostic] {
        func build(_ mode: ArgumentWidthMode) -> Policy? {
            if mode == context.argumentWidths, let built { return built }
            var d = service.directives, settings = service.syscalls
            d.context.argumentWidths = mode
            settings.context.argumentWidths = mode
            return try? SystemdPolicyBuilder.build(settings, directives: d).policy
        }
        let safeMode: ArgumentWidthMode = context.argumentWidths == .strict ? .strict : .kernel
        // The kernel and strict modes build the same policy; only the compiler's pass differs.
        guard let written = built.flatMap({ context.argumentWidths == .systemd ? nil : $0 }) ?? build(safeMode) else { return [] }
        let hasRules = written.architectures.contains { abi in written.decisions(for: abi).values.contains { !$0.rules.isEmpty } }
        guard hasRules else { return [] }
        // The systemd-mode policy differs from the written one only where the directives cover
        // ABIs systemd skips; elsewhere the written comparisons are systemd's (no second build).
        // Multiplexer sub-calls are compared only where the direct call has argument rules, which on
        // the multiplexing ABIs systemd installs for no directive, so libseccomp's own socketcall/ipc
        // rules (which only the systemd build models) cannot change a finding.
        let wider = written.architectures.contains { service.directives.widensCoverage(on: $0) }
        guard let systemd = wider ? build(.systemd) : written else { return [] }
        let safe = written.judgingKernelReads(safeMode)
        var differences: [ArgumentDifference] = []
        for abi in safe.architectures {
            let table = safe.decisions(for: abi), sysTable = systemd.decisions(for: abi)
            // Only calls with argument rules on either side (and the multiplexers, probed by their
            // sub-calls' rules) can be decided differently by argument.
            var judged: Set<String> = []
            for (name, d) in table where !d.rules.isEmpty { judged.insert(name) }
            for (name, d) in sysTable where !d.rules.isEmpty { judged.insert(name) }
            for m in Multiplexer.allCases where table[m.rawValue] != nil || sysTable[m.rawValue] != nil {
                judged.insert(m.rawValue)
            }
            for name in judged.sorted() {
                guard SyscallTable.number(of: name, on: abi) != nil else { continue }
                let rules = (table[name]?.rules ?? []) + (sysTable[name]?.rules ?? [])
                let indexes = Set(rules.flatMap { $0.conditions.map(\.index) }).sorted()
                let samples = indexes.map { (index: $0, values: argumentSamples(index: $0, rules: rules)) }
                // Probes: each compared argument over the samples; a multiplexer's for each sub-call.
                var probes: [(Int, UInt64, [UInt64])] = []
                if let m = Multiplexer(rawValue: name) {
                    for sub in m.subcalls where !(table[sub.name]?.rules.isEmpty ?? true) {
                        probes.append((0, sub.call, [sub.call, 0, 0, 0, 0, 0]))
                        for (i, values) in samples where i != 0 {
                            for v in values {
                                var args = [sub.call, 0, 0, 0, 0, 0]
                                args[i] = v
                                probes.append((0, sub.call, args))
                            }
                        }
                    }
                } else {
                    for (i, values) in samples {
                        for v in values {
                            var args = [UInt64](repeating: 0, count: 6)
                            args[i] = v
                            probes.append((i, v, args))
                        }
                    }
                }
                // Both decisions for the call, looked up once.
                func decider(_ p: Policy, _ t: [String: SyscallDecision]) -> ([UInt64]) -> Action {
                    guard p.architectures.contains(abi) else { return { _ in p.otherArchitectureAction } }
                    let d = t[name] ?? SyscallDecision(action: p.defaultAction)
                    return { d.action(arguments: $0, argumentBits: abi.argumentBits) }
                }
                let systemdDecides = decider(systemd, sysTable), safeDecides = decider(safe, table)
                for (i, v, args) in probes {
                    let x = systemdDecides(args)
                    let y = safeDecides(args)
                    guard x != y else { continue }
                    // The same call with the upper half the kernel ignores cleared.
                    var low = args
                    low[i] = v & 0xFFFF_FFFF
                    let xLow = systemdDecides(low)
                    let kind: ArgumentDifference.Kind = Multiplexer(rawValue: name) != nil ? .multiplexer
                        : (v > 0xFFFF_FFFF && x != xLow) ? .ignoredBits
                        : v > 0xFFFF_FFFF && x == xLow && y != safeDecides(low) ? .strict
                        : .coverage
                    let d = table[name] ?? sysTable[name]
                    let origin = d?.decidingRule(arguments: args, argumentBits: abi.argumentBits)?.origin
                        ?? sysTable[name]?.decidingRule(arguments: args, argumentBits: abi.argumentBits)?.origin
                        ?? d?.rules.first?.origin ?? sysTable[name]?.rules.first?.origin
                    differences.append(ArgumentDifference(abi: abi, name: name, index: i, value: v, systemd: x,
                        seccompose: y, origin: origin, kind: kind))
                }
            }
        }
        return describe(differences, context: context, safeMode: safeMode, safe: safe)
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    /// The differences of one kind, in groups of equal `key`, sorted by key (for stable output).
    static func groups(_ differences: [ArgumentDifference], _ kind: ArgumentDifference.Kind,
        by key: (ArgumentDifference) -> String) -> [[ArgumentDifference]]
    {
        Dictionary(grouping: differences.filter { $0.kind == kind }, by: key).sorted { $0.key < $1.key }.map(\.value)
    }

    static func describe(_ differences: [ArgumentDifference], context: SystemdContext, safeMode: ArgumentWidthMode,
        safe: Policy) -> [Diagnostic]
    {
        var out: [Diagnostic] = []
        let version = context.version
        let enforced = context.argumentWidths == .systemd
            ? "with --argument-widths systemd Seccompose installs the same filter"
            : "Seccompose's default (\(safeMode.rawValue)) gives"
        // The directive line a finding points at: the rule's origin, else the first assignment of the setting.
        func at(_ o: Origin?) -> (file: String?, line: Int, column: Int, setting: String, text: String) {
            if let o { return (o.file, o.line, o.column, o.setting, o.text) }
            return (nil, 1, 1, "SystemCallFilter", "")
        }
        // Kind 1: bits the kernel ignores (the differing value has a non-zero upper half).
        for group in groups(differences, .ignoredBits, by: { $0.origin?.setting ?? "" }) {
            guard let first = group.min(by: { $0.value < $1.value }) else { continue }
            let setting = first.origin?.setting ?? ""
            let calls = Array(Set(group.map(\.name))).sorted()
            let width = ArgumentWidths.width(of: first.name, argument: first.index, on: first.abi)
            let read = width.map { "the kernel reads it as \($0.className)" } ?? "the kernel reads fewer bits"
            let w = at(first.origin)
            // systemd laxer: a way around the directive; systemd stricter: a harmless call refused.
            let hole = group.contains { $0.systemd.precedence < $0.seccompose.precedence }
            out.append(Diagnostic(severity: hole ? .warning : .note, code: "ignored-bits",
                message: "\(setting)=: systemd \(version)'s filter compares bits of \(first.name)()'s argument \(first.index) that the kernel ignores (\(read)): "
                    + "on \(first.abi.name), \(first.name)(a\(first.index)=\(hex(first.value))) gets \(first.systemd) although the kernel acts on \(hex(first.value & 0xFFFF_FFFF)); "
                    + "\(enforced) \(first.seccompose) (\(group.count) samples on \(calls.joined(separator: ", ")))",
                isSystemdMessage: false, setting: setting, file: w.file, line: w.line, column: w.column, text: w.text,
                note: "seccomp filters see 64-bit argument registers; a 32-bit argument's upper half is whatever the caller left there",
                fix: context.argumentWidths == .systemd
                    ? "drop --argument-widths systemd: the default judges the bits the kernel reads"
                    : hole ? "run the service with `seccompose run` (which judges the low 32 bits), or deny \(calls[0]) outright if the service does not need it"
                    : "nothing to do: here systemd's filter is only stricter than the kernel's reading"))
        }
        // Kind 2: multiplexer sub-calls Seccompose closes.
        for group in groups(differences, .multiplexer, by: { "\($0.origin?.setting ?? "")|\($0.abi.name)|\($0.name)" }) {
            guard let first = group.first, let m = Multiplexer(rawValue: first.name) else { continue }
            let subs = Set(group.map { $0.value & (m == .ipc ? 0xFFFF : 0xFFFF_FFFF) })
            let hit = m.subcalls.filter { subs.contains($0.call) }
            let direct = hit.map(\.name)
            let w = at(first.origin)
            let judged = safe.decisions(for: first.abi)[m.rawValue] ?? SyscallDecision(action: safe.defaultAction)
            let mapped = hit.allSatisfy { m.closure(in: judged, call: $0.call) == .moved }
            let message = mapped
                ? "\(w.setting)= restricts \(direct.joined(separator: "/"))() by argument, and \(first.abi.name) also reaches \(direct.count == 1 ? "it" : "them") through \(m.rawValue)(), "
                    + "which passes the same arguments in other registers: Seccompose applies the rule there too (\(first.seccompose)); systemd \(version) gives \(first.systemd)"
                : "\(w.setting)= restricts \(direct.joined(separator: "/"))() by argument, but \(first.abi.name) also reaches \(direct.count == 1 ? "it" : "them") through \(m.rawValue)(), "
                    + "where a seccomp filter cannot judge the rule (\(m.unjudgedReason)): Seccompose refuses those \(m.rawValue)() sub-calls with \(first.seccompose) "
                    + "(programs that use \(m.rawValue)() for them fail); systemd \(version) gives \(first.systemd)"
            out.append(Diagnostic(severity: .warning, code: "multiplexer", message: message,
                isSystemdMessage: false, setting: w.setting, file: w.file, line: w.line, column: w.column, text: w.text,
                note: mapped ? "ipc()'s sub-calls take their arguments in registers (shmat's shmflg is ipc's third argument)"
                    : "seccomp cannot inspect memory, so \(m.rawValue)()'s arguments cannot be filtered by family or flag",
                fix: first.abi == context.native
                    ? "nothing to add for the native ABI: if the service needs \(m.rawValue)() for \(direct.joined(separator: "/")), a seccomp filter cannot allow it more finely"
                    : "add SystemCallArchitectures=native, so that \(first.abi.name) is refused altogether"))
        }
        // Kind 3: ABIs systemd leaves unfiltered for the directive (clean values decided differently).
        for group in groups(differences, .coverage, by: { "\($0.origin?.setting ?? "")|\($0.abi.name)" }) {
            guard let first = group.min(by: { $0.value < $1.value }) else { continue }
            let calls = Array(Set(group.map(\.name))).sorted()
            let w = at(first.origin)
            out.append(Diagnostic(severity: .warning, code: "abi-coverage",
                message: "\(w.setting)=: systemd \(version) leaves \(calls.joined(separator: ", ")) unfiltered on \(first.abi.name): \(first.name)(a\(first.index)=\(hex(first.value))) gets \(first.systemd) there; "
                    + "\(enforced) \(first.seccompose) (\(group.count) samples on \(calls.joined(separator: ", ")))",
                isSystemdMessage: false, setting: w.setting, file: w.file, line: w.line, column: w.column, text: w.text,
                note: "systemd skips the ABIs whose calls it cannot filter the same way (i386's socketcall(), s390, ppc …)",
                fix: "add SystemCallArchitectures=native"))
        }
        // Kind 4: Seccompose reads more bits than systemd compares (a long on x32 / n32), or strict
        // mode's refusal of an unclean upper half.
        for group in groups(differences, .strict, by: { "\($0.origin?.setting ?? "")|\($0.abi.name)|\($0.name)" }) {
            guard let first = group.min(by: { $0.value < $1.value }) else { continue }
            let w = at(first.origin)
            let width = ArgumentWidths.width(of: first.name, argument: first.index, on: first.abi)
            let isWide = (width?.bits ?? 0) == 64
            out.append(Diagnostic(severity: .note, code: isWide ? "wide-read" : "unclean-upper-half",
                message: isWide
                    ? "\(w.setting)=: on \(first.abi.name) the kernel reads all 64 bits of \(first.name)()'s argument \(first.index), systemd \(version) compares the low 32: \(first.name)(a\(first.index)=\(hex(first.value))) gets \(first.systemd) from systemd, \(first.seccompose) from Seccompose (\(group.count) samples)"
                    : "\(w.setting)=: --argument-widths strict refuses \(first.name)(a\(first.index)=\(hex(first.value))) on \(first.abi.name) with \(first.seccompose): its upper half is not a clean extension of the 32 bits the kernel reads (\(group.count) samples)",
                isSystemdMessage: false, setting: w.setting, file: w.file, line: w.line, column: w.column, text: w.text,
                note: isWide ? "x32 and n32 pass 64-bit registers; libseccomp treats them as 32-bit ABIs" : nil,
                fix: isWide ? "nothing to do: Seccompose judges the whole register" : "nothing to do unless the service passes such values"))
        }
        return out
    }
}
