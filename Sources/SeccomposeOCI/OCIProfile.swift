// OCIProfile.swift: Docker and OCI seccomp profiles (JSON) → Policy, for one target.

import FoundationEssentials
import SeccomposePolicy
import SeccomposeSyscalls

/// A Docker/OCI seccomp profile as JSON gives it (moby/profiles `seccomp.Seccomp`, which
/// extends the OCI runtime-spec `LinuxSeccomp` with `archMap` and `includes`/`excludes`).
public struct OCIProfile: Decodable, Sendable, Equatable {
    public struct ArchMap: Decodable, Sendable, Equatable {
        public var architecture: String
        public var subArchitectures: [String]?
    }

    public struct Argument: Decodable, Sendable, Equatable {
        public var index: Int
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: String
    }

    public struct Filter: Decodable, Sendable, Equatable {
        public var caps: [String]?
        public var arches: [String]?
        public var minKernel: String?
    }

    public struct SyscallRule: Decodable, Sendable, Equatable {
        public var names: [String]?
        public var name: String?
        public var action: String
        public var errnoRet: UInt32?
        public var args: [Argument]?
        public var comment: String?
        public var includes: Filter?
        public var excludes: Filter?
    }

    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var archMap: [ArchMap]?
    public var flags: [String]?
    public var listenerPath: String?
    public var syscalls: [SyscallRule]?
}

/// What the profile is evaluated for: Docker evaluates `includes`/`excludes` on the host.
public struct OCITarget: Sendable, Hashable {
    /// The host ABI (Docker's `amd64` is `.x86_64`).
    public var architecture: Architecture
    /// The container's capabilities, `CAP_` prefixed.
    public var capabilities: Set<String>
    /// The host kernel (major, minor).
    public var kernel: (major: Int, minor: Int)

    /// Docker's default capability set.
    public static let dockerDefaultCapabilities: Set<String> = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    public init(architecture: Architecture = .native, capabilities: Set<String> = OCITarget.dockerDefaultCapabilities,
        kernel: (major: Int, minor: Int) = (6, 1))
    {
        self.architecture = architecture
        self.capabilities = capabilities
        self.kernel = kernel
    }

    public static func == (a: OCITarget, b: OCITarget) -> Bool {
        a.architecture == b.architecture && a.capabilities == b.capabilities && a.kernel == b.kernel
    }

    public func hash(into h: inout Hasher) {
        h.combine(architecture)
        h.combine(capabilities)
        h.combine(kernel.major)
        h.combine(kernel.minor)
    }

    /// Docker's (Go's) name of an ABI: amd64, arm64, ppc64le, loong64 ….
    public static func goName(_ a: Architecture) -> String {
        switch a {
        case .x86_64: return "amd64"
        case .x86: return "x86"
        case .aarch64: return "arm64"
        case .loongarch64: return "loong64"
        case .mipsel: return "mipsle"
        case .mipsel64: return "mips64le"
        case .mips64n32: return "mipsn32"
        case .mipsel64n32: return "mipsn32le"
        default: return a.name
        }
    }
}

/// A problem with a profile: where (JSON path) and how to fix it.
public struct OCIDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var severity: String
    /// Where in the profile, e.g. `syscalls[3].args[0].op`.
    public var path: String
    public var message: String
    public var fix: String
    /// A short name for the kind of finding (`ignored-bits`, `multiplexer`, `unknown-syscall` …).
    public var code: String = "profile"
    public var description: String { "\(path): \(severity): \(message)\n  fix: \(fix)" }

    /// The JSON path inside the profile (`syscalls[3].args[0]`), when `path` names one in `file`
    /// (`FILE: PATH`, or `FILE:LINE:COLUMN: PATH` for findings that carry their position).
    public func jsonPath(file: String) -> String? {
        guard path.hasPrefix(file + ":") else { return nil }
        var rest = path.dropFirst(file.count + 1)
        if rest.hasPrefix(" ") { return String(rest.dropFirst()) }
        // LINE:COLUMN: PATH
        for _ in 0..<2 {
            let digits = rest.prefix { $0.isNumber }
            guard !digits.isEmpty, rest.dropFirst(digits.count).first == ":" else { return nil }
            rest = rest.dropFirst(digits.count + 1)
        }
        return rest.hasPrefix(" ") ? String(rest.dropFirst()) : nil
    }
}

/// The result of importing a profile.
public struct OCIImport: Sendable {
    public var policy: Policy
    /// The filter flags the profile asks for (`SECCOMP_FILTER_FLAG_…`).
    public var flags: [String]
    /// Warnings (unknown syscall names, rules that do not apply to the target).
    public var warnings: [OCIDiagnostic]
}

public enum OCIProfileImporter {
    /// Parses and evaluates a profile for `target`.
    ///
    /// Semantics: `includes` needs every listed condition, `excludes` drops the rule if any
    /// holds (as Docker evaluates them); then the rules mean what runc makes of them with
    /// libseccomp: a rule whose action is the default action is dropped, a rule naming one
    /// argument twice becomes one rule per condition, a rule's conditions are ANDed, and several
    /// rules for one name combine by libseccomp's precedence, not by their order
    /// (`LibseccompRuleDatabase`, docs/oci-profiles.md).
    ///
    /// - Throws: `OCIDiagnostic` for invalid JSON, unknown actions, operators or
    ///   architectures, an argument index outside 0…5, `architectures` with `archMap`, or a
    ///   rule libseccomp refuses (so runc fails to load the profile), at `file:line:col`.
    /// `argumentWidths` is the compiler mode the warnings describe (the multiplexer closures exist
    /// outside `.systemd` only). `libseccomp` is the release whose rule merging is followed
    /// (2.6.1's by default; `.v2_5_4` reproduces the merge fixed by GHSA-4q85-33p6-j5g6).
    public static func load(json: [UInt8], file: String, target: OCITarget, argumentWidths: ArgumentWidthMode = .kernel,
        libseccomp: LibseccompRuleDatabase.Release = .v2_6_1) throws(OCIDiagnostic) -> OCIImport
    {
        // The byte-level reader takes the profiles it is sure of (and says where each rule
        // starts); JSONDecoder the rest.
        if let (profile, offsets) = OCIProfileReader.readWithRuleOffsets(json) {
            return try evaluate(profile, file: file, target: target,
                rulePositions: JSONLocator.positions(ofOffsets: offsets, in: json), argumentWidths: argumentWidths, libseccomp: libseccomp)
        }
        let profile: OCIProfile
        do {
            profile = try JSONDecoder().decode(OCIProfile.self, from: Data(json))
        } catch let error as DecodingError {
            if let problem = numberProblem(json: json, file: file) { throw problem }
            throw OCIDiagnostic(severity: "error", path: file + ": " + decodingPath(error), message: decodingMessage(error),
                fix: "see the OCI runtime-spec LinuxSeccomp schema and docs/json.md")
        } catch {
            throw OCIDiagnostic(severity: "error", path: file, message: "\(error)", fix: "check the file is JSON")
        }
        return try evaluate(profile, file: file, target: target, text: String(decoding: json, as: UTF8.self),
            argumentWidths: argumentWidths, libseccomp: libseccomp)
    }

    static func action(_ name: String, errno: UInt32?, path: String) throws(OCIDiagnostic) -> Action {
        let data = UInt16(min(errno ?? 1, 4095))
        switch name {
        case "SCMP_ACT_ALLOW": return .allow
        case "SCMP_ACT_ERRNO": return .errno(data)
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return .killThread
        case "SCMP_ACT_KILL_PROCESS": return .killProcess
        case "SCMP_ACT_TRAP": return .trap(0)
        case "SCMP_ACT_TRACE": return .trace(data)
        case "SCMP_ACT_LOG": return .log
        case "SCMP_ACT_NOTIFY": return .userNotif
        default:
            throw OCIDiagnostic(severity: "error", path: path, message: "unknown action '\(name)'",
                fix: "use SCMP_ACT_ALLOW, _ERRNO, _KILL, _KILL_THREAD, _KILL_PROCESS, _TRAP, _TRACE, _LOG or _NOTIFY")
        }
    }

    static func evaluate(_ p: OCIProfile, file: String, target: OCITarget, text: String? = nil,
        rulePositions knownPositions: [(line: Int, column: Int)]? = nil, argumentWidths: ArgumentWidthMode = .kernel, libseccomp: LibseccompRuleDatabase.Release = .v2_6_1)
        throws(OCIDiagnostic) -> OCIImport
    {
        var warnings: [OCIDiagnostic] = []
        // The first rule with arguments per syscall name (its index in syscalls[]).
        var firstArgumentRule: [String: Int] = [:]
        let defaultAction = try action(p.defaultAction, errno: p.defaultErrnoRet, path: "\(file): defaultAction")
        // ABIs: `architectures`, or the archMap entry of the target.
        if p.architectures != nil, p.archMap != nil {
            throw OCIDiagnostic(severity: "error", path: "\(file): archMap", message: "both 'architectures' and 'archMap'",
                fix: "keep one of them (Docker rejects both)")
        }
        var names: [String] = p.architectures ?? []
        if let map = p.archMap {
            if let entry = map.first(where: { Architecture(name: $0.architecture) == target.architecture }) {
                names = [entry.architecture] + (entry.subArchitectures ?? [])
            }
        }
        var abis: [Architecture] = []
        for (i, n) in names.enumerated() {
            guard let a = Architecture(name: n) else {
                throw OCIDiagnostic(severity: "error", path: "\(file): architectures[\(i)]", message: "unknown architecture '\(n)'",
                    fix: "use SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, …")
            }
            if !abis.contains(a) { abis.append(a) }
        }
        if abis.isEmpty { abis = [target.architecture] }  // runc: the native ABI only
        for (i, f) in (p.flags ?? []).enumerated() where !knownFlags.contains(f) {
            throw OCIDiagnostic(severity: "error", path: "\(file): flags[\(i)]", message: "unknown flag '\(f)'",
                fix: "use " + knownFlags.sorted().joined(separator: ", "))
        }
        // The rules as runc hands them to libseccomp, in profile order: one per name, a rule whose
        // action is the default's dropped, a rule naming one argument twice split into one rule
        // per condition (runc's fallback, so those conditions are ORed).
        var added: [RuncRule] = []
        // Argument widths per (syscall, ABI), looked up once per syscall.
        var widths: [String: [ArgumentWidths.Lookup]] = [:]
        // Where each rule starts, found in one pass (per rule, a search from the top costs N²).
        let rulePositions = knownPositions ?? text.flatMap { JSONLocator.elementPositions(of: "syscalls", in: $0) }
        for (ri, rule) in (p.syscalls ?? []).enumerated() {
            let path = "\(file): syscalls[\(ri)]"
            if rule.name != nil, rule.names != nil {
                throw OCIDiagnostic(severity: "error", path: path, message: "both 'name' and 'names'", fix: "use 'names' only")
            }
            let ruleNames = rule.names ?? rule.name.map { [$0] } ?? []
            let act = try action(rule.action, errno: rule.errnoRet, path: path + ".action")
            var conditions: [ArgumentCondition] = []
            for (ai, a) in (rule.args ?? []).enumerated() {
                let apath = "\(path).args[\(ai)]"
                guard (0...5).contains(a.index) else {
                    throw OCIDiagnostic(severity: "error", path: apath + ".index", message: "argument index \(a.index)",
                        fix: "syscall arguments are numbered 0 to 5")
                }
                let op: ArgumentCondition.Operator
                switch a.op {
                case "SCMP_CMP_EQ": op = .equal
                case "SCMP_CMP_NE": op = .notEqual
                case "SCMP_CMP_LT": op = .less
                case "SCMP_CMP_LE": op = .lessOrEqual
                case "SCMP_CMP_GT": op = .greater
                case "SCMP_CMP_GE": op = .greaterOrEqual
                case "SCMP_CMP_MASKED_EQ": op = .maskedEqual
                default:
                    throw OCIDiagnostic(severity: "error", path: apath + ".op", message: "unknown operator '\(a.op)'",
                        fix: "use SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE or _MASKED_EQ")
                }
                // MASKED_EQ: value is the mask, valueTwo the expected value.
                conditions.append(op == .maskedEqual
                    ? ArgumentCondition(index: a.index, .maskedEqual, a.valueTwo ?? 0, mask: a.value)
                    : ArgumentCondition(index: a.index, op, a.value))
            }
            guard applies(rule, to: target) else { continue }
            let at = rulePositions.flatMap { ri < $0.count ? $0[ri] : nil } ?? (line: 1, column: 1)
            let origin = Origin(file: file, line: at.line, column: at.column, setting: "syscalls[\(ri)]",
                text: rule.comment ?? rule.action)
            if act == defaultAction {
                warnings.append(OCIDiagnostic(severity: "warning", path: path + ".action",
                    message: "this rule's action \(act) is the default action: runc drops it (libseccomp refuses such rules), so it decides nothing",
                    fix: "remove the rule, or give it another action", code: "ignored-rule"))
                continue
            }
            let indexes = conditions.map(\.index)
            let split = Set(indexes).count != indexes.count
            if split {
                warnings.append(OCIDiagnostic(severity: "warning", path: path + ".args",
                    message: "this rule compares one argument more than once: runc adds each of its \(conditions.count) conditions as a rule of its own, so they are ORed, not ANDed",
                    fix: "write one rule per alternative, or keep one condition per argument", code: "ored-conditions"))
            }
            for name in ruleNames {
                guard SyscallTable.isKnown(name) else {
                    warnings.append(OCIDiagnostic(severity: "warning", path: path, message: "unknown syscall '\(name)' is ignored",
                        fix: "check the spelling; Seccompose's tables are Linux \(SyscallTable.sourceVersion)", code: "unknown-syscall"))
                    continue
                }
                for (ai, c) in conditions.enumerated() {
                    if let w = ignoredBits(c, name: name, abis: abis, argument: "\(path).args[\(ai)]", widths: &widths) { warnings.append(w) }
                }
                if !conditions.isEmpty, firstArgumentRule[name] == nil { firstArgumentRule[name] = ri }
                for group in split ? conditions.map({ [$0] }) : [conditions] {
                    added.append(RuncRule(index: ri, name: name, action: act, conditions: group, origin: origin))
                }
            }
        }
        let built = try LibseccompPrecedence.build(added, abis: abis, defaultAction: defaultAction, file: file,
            libseccompMultiplexing: argumentWidths == .systemd, release: libseccomp)
        var policy = built.policy
        policy.otherArchitectureAction = .killThread
        warnings += built.findings
        if argumentWidths != .systemd {
            warnings += multiplexerWarnings(policy, file: file, firstArgumentRule: firstArgumentRule, mode: argumentWidths)
        }
        return OCIImport(policy: policy, flags: p.flags ?? [], warnings: warnings)
    }

    static let knownFlags: Set<String> = [
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ]

    /// Docker's includes (all must hold) and excludes (any drops the rule).
    static func applies(_ r: OCIProfile.SyscallRule, to t: OCITarget) -> Bool {
        let arch = OCITarget.goName(t.architecture)
        func kernelAtLeast(_ s: String) -> Bool {
            let parts = s.split(separator: ".").compactMap { Int($0) }
            guard parts.count >= 2 else { return false }
            return (t.kernel.major, t.kernel.minor) >= (parts[0], parts[1])
        }
        if let inc = r.includes {
            if let arches = inc.arches, !arches.contains(arch) { return false }
            if let caps = inc.caps, !caps.allSatisfy({ t.capabilities.contains($0) }) { return false }
            if let k = inc.minKernel, !kernelAtLeast(k) { return false }
        }
        if let exc = r.excludes {
            if let arches = exc.arches, arches.contains(arch) { return false }
            if let caps = exc.caps, caps.contains(where: { t.capabilities.contains($0) }) { return false }
            if let k = exc.minKernel, kernelAtLeast(k) { return false }
        }
        return true
    }

    static func decodingPath(_ e: DecodingError) -> String {
        let ctx: DecodingError.Context
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): ctx = c
        @unknown default: return ""
        }
        return ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    static func decodingMessage(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): return "missing key '\(k.stringValue)'"
        case .typeMismatch(let t, let c): return "expected \(t): \(c.debugDescription)"
        case .valueNotFound(let t, _): return "missing \(t) value"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "invalid profile"
        }
    }
}

extension OCIProfileImporter {
    /// A warning when `c` compares bits of `name`'s argument that the kernel ignores on one of
    /// `abis`: a value or mask whose upper half is neither zero nor the sign extension of the low
    /// half, for an argument the kernel reads as 32 bits or fewer. `argument` is the JSON path of
    /// the rule's argument; the warning points at the field concerned.
    static func ignoredBits(_ c: ArgumentCondition, name: String, abis: [Architecture], argument: String) -> OCIDiagnostic? {
        var widths: [String: [ArgumentWidths.Lookup]] = [:]
        return ignoredBits(c, name: name, abis: abis, argument: argument, widths: &widths)
    }

    /// `ignoredBits`, with the argument widths of each syscall looked up once (`widths` caches them).
    static func ignoredBits(_ c: ArgumentCondition, name: String, abis: [Architecture], argument: String,
        widths: inout [String: [ArgumentWidths.Lookup]]) -> OCIDiagnostic?
    {
        let lookups: [ArgumentWidths.Lookup]
        if let known = widths[name] {
            lookups = known
        } else {
            lookups = abis.map { ArgumentWidths.lookup(name, on: $0) }
            widths[name] = lookups
        }
        for (abi, lookup) in zip(abis, lookups) {
            guard case .arguments(let declared) = lookup, c.index >= 0, c.index < declared.count,
                let width = declared[c.index], width.bits <= 32,
                !c.isRepresentable(inBits: width.bits)
                    || (c.op == .maskedEqual && c.mask >> UInt64(width.bits) != 0 && c.mask != .max)
            else { continue }
            let hex = { (v: UInt64) in "0x" + String(v, radix: 16) }
            let keep: UInt64 = (1 << UInt64(width.bits)) - 1
            let field = c.op == .maskedEqual && c.isRepresentable(inBits: width.bits) ? "mask" : "value"
            let shown = field == "mask" ? c.mask : c.value
            // MASKED_EQ: JSON `value` is the mask, `valueTwo` the expected value.
            let jsonField = c.op == .maskedEqual && field == "value" ? "valueTwo" : "value"
            return OCIDiagnostic(severity: "warning", path: "\(argument).\(jsonField)",
                message: "this rule compares bits of \(name)'s argument \(c.index) that the kernel ignores (it reads a \(width.className) on \(abi.name)): "
                    + "\(field) \(hex(shown)) is \(hex(shown & keep)) to the kernel; "
                    + (c.isRepresentable(inBits: width.bits)
                        ? "Seccompose judges the low \(width.bits) bits, libseccomp and runc compare all 64"
                        : "no value the kernel reads matches it exactly, so for \(hex(shown & keep)) Seccompose applies the more restrictive of this rule's action and what the call gets otherwise; libseccomp and runc compare all 64 bits"),
                fix: "write the \(width.bits)-bit \(field) \(hex(shown & keep)) (or its sign extension for negative numbers)", code: "ignored-bits")
        }
        return nil
    }

    static func refusal(_ c: Multiplexer.Closure) -> String {
        if case .refused(let a) = c { return a.description }
        return "the rules"
    }

    /// Warnings for argument rules on calls that an ABI of the policy also reaches through
    /// socketcall() or ipc(): what the compiler does with the sub-calls.
    static func multiplexerWarnings(_ policy: Policy, file: String, firstArgumentRule: [String: Int], mode: ArgumentWidthMode)
        -> [OCIDiagnostic]
    {
        var out: [OCIDiagnostic] = []
        let effective = policy.judgingKernelReads(mode)
        for abi in policy.architectures {
            for m in Multiplexer.allCases where SyscallTable.number(of: m.rawValue, on: abi) != nil {
                let muxDecision = effective.decisions(for: abi)[m.rawValue] ?? SyscallDecision(action: effective.defaultAction)
                for sub in m.subcalls {
                    guard let d = policy.decisions(for: abi)[sub.name], !d.rules.isEmpty,
                        let closure = m.closure(in: muxDecision, call: sub.call)
                    else { continue }
                    let mapped = closure == .moved
                    let where_ = firstArgumentRule[sub.name].map { "syscalls[\($0)]" } ?? "syscalls"
                    out.append(OCIDiagnostic(severity: "warning", path: "\(file): \(where_)",
                        message: mapped
                            ? "\(abi.name) also reaches \(sub.name) through \(m.rawValue)(), which passes its arguments in other registers: Seccompose's default applies the same rules there"
                            : "\(abi.name) also reaches \(sub.name) through \(m.rawValue)(), where a seccomp filter cannot judge these rules (\(m.unjudgedReason)): Seccompose's default gives every \(m.rawValue)(\(sub.name)) call \(refusal(closure)), the rules' most restrictive outcome (32-bit programs that use \(m.rawValue)() for it fail)",
                        fix: "drop \(abi.name) from the profile's architectures if the container runs no 32-bit programs",
                        code: "multiplexer"))
                }
            }
        }
        return out
    }
}
