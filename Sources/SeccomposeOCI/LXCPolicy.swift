// LXCPolicy.swift: LXC seccomp policies (`lxc.seccomp.profile`, versions 1 and 2) → Policy,
// with the semantics LXC gives them through libseccomp (modelled from LXC's documentation and
// its parser; one policy checked against real liblxc; docs/lxc.md).

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSyscalls

/// An LXC policy the importer refuses (LXC would fail to start the container): what, where
/// (file:line:column) and how to fix it.
public struct LXCPolicyError: Error, Sendable, ReportableError {
    /// The finding, at the line and column concerned.
    public var diagnostic: Diagnostic

    /// Where, what and how to fix it.
    public var report: ErrorReport { ErrorReport(diagnostic.message, at: diagnostic.position, fix: diagnostic.fix) }
}

/// The result of importing an LXC policy.
public struct LXCImport: Sendable {
    /// The policy the container gets on the host.
    public var policy: Policy
    /// The policy language version (1 or 2).
    public var version: Int
    /// Warnings (lines LXC skips, rules that never decide, argument bits the kernel ignores).
    public var warnings: [Diagnostic]
}

/// Reads LXC seccomp policies.
///
/// Version 1: `1`, a line containing `allowlist` (LXC 5.0 refuses the older `whitelist`), then one syscall
/// number of the host's ABI per line, each allowed; everything else kills the thread.
///
/// Version 2: `2`, then `allowlist|denylist [ACTION]` (also `whitelist`/`blacklist`), then rule
/// lines `NAME [ACTION] [[INDEX,VALUE,OP(,MASK)]…]`, `[ARCH]` section headers and `#` comments.
/// ACTION is `kill` (the thread), `errno N`, `allow`, `trap` or `notify`. The header's action is
/// the policy's default (without one: `kill` for an allowlist, `allow` for a denylist); a rule
/// without an action gets `allow` in an allowlist and `kill` in a denylist. As LXC does it: the
/// host's ABIs are x86-64, x86 and x32 on an x86-64 host (AArch64 and ARM on AArch64, …); a
/// section of an ABI the host does not run is skipped, and every other rule goes to every ABI
/// of the host that knows the syscall; rules for one name combine by libseccomp's precedence.
public enum LXCPolicyImporter {
    /// Whether `text` is an LXC policy: its first line is the version `1` or `2`.
    public static func isLXCPolicy(_ text: String) -> Bool {
        let first = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return ["1", "2"].contains(first.lxcTrimmed)
    }

    /// The ABIs LXC filters on `host` (the host's own first, then its compat ABIs).
    public static func abis(host: Architecture) -> [Architecture] {
        switch host {
        case .x86_64: return [.x86_64, .x86, .x32]
        case .aarch64: return [.aarch64, .arm]
        case .ppc64: return [.ppc64, .ppc]
        case .mips64: return [.mips64, .mips64n32, .mips]
        case .mipsel64: return [.mipsel64, .mipsel64n32, .mipsel]
        default: return [host]
        }
    }

    /// The section headers LXC knows (lower- and upper-case spellings) and their ABIs; nil for `[all]`.
    static let sections: [String: Architecture?] = {
        let named: [(String, Architecture?)] = [
            ("all", nil), ("x86", .x86), ("x32", .x32), ("x86_64", .x86_64), ("arm", .arm), ("arm64", .aarch64),
            ("ppc64le", .ppc64le), ("ppc64", .ppc64), ("ppc", .ppc), ("mips64", .mips64), ("mips64n32", .mips64n32),
            ("mips", .mips), ("mipsel64", .mipsel64), ("mipsel64n32", .mipsel64n32), ("mipsel", .mipsel),
            ("s390x", .s390x), ("s390", .s390),
        ]
        var out: [String: Architecture?] = [:]
        for (n, a) in named {
            out["[\(n)]"] = a
            out["[\(n.uppercased())]"] = a
        }
        return out
    }()

    static let actionFix = "use kill, errno N (0 to 4095), allow, trap or notify"

    /// Imports an LXC policy as LXC applies it on `host`.
    ///
    /// `argumentWidths` is the compiler mode the warnings describe; `libseccomp` the release whose
    /// rule merging is followed.
    ///
    /// - Throws: `LXCPolicyError` at `file:line:col` for anything LXC refuses (it then fails to
    ///   start the container): a bad version or header line, an unknown action or section, a
    ///   malformed argument condition, two conditions on one argument, a rule whose action is
    ///   the default action, or a version 1 line that is not a syscall number of the host.
    public static func load(text: String, file: String, host: Architecture = .native, argumentWidths: ArgumentWidthMode = .kernel,
        libseccomp: LibseccompRuleDatabase.Release = .v2_6_1) throws(LXCPolicyError) -> LXCImport
    {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        func fail(_ line: Int, _ column: Int, _ message: String, fix: String, code: String = "lxc-policy") -> LXCPolicyError {
            LXCPolicyError(diagnostic: Diagnostic(severity: .error, code: code, message: message, setting: "lxc", file: file,
                line: line, column: column, text: line <= lines.count ? lines[line - 1] : "", fix: fix))
        }
        func warning(_ line: Int, _ column: Int, _ message: String, fix: String, code: String) -> Diagnostic {
            Diagnostic(severity: .warning, code: code, message: message, setting: "lxc", file: file, line: line, column: column,
                text: line <= lines.count ? lines[line - 1] : "", fix: fix)
        }
        guard let first = lines.first, let version = Int(first.lxcTrimmed), version == 1 || version == 2 else {
            throw fail(1, 1, "not an LXC seccomp policy: the first line must be the version, 1 or 2", fix: "write 2 on the first line")
        }
        guard lines.count >= 2 else {
            throw fail(2, 1, "the policy ends after its version line; LXC needs the policy style on line 2",
                fix: version == 1 ? "write allowlist on line 2" : "write allowlist or denylist (and a default action) on line 2")
        }
        let header = lines[1]
        if let r = header.firstRange(of: "debug") {
            throw fail(2, header.distance(from: header.startIndex, to: r.lowerBound) + 1, "LXC refuses 'debug' (not implemented)",
                fix: "remove 'debug'")
        }
        var warnings: [Diagnostic] = []
        let abis = version == 1 ? [host] : self.abis(host: host)
        var rules: [RuncRule] = []
        var defaultAction: Action = .killThread
        if version == 1 {
            guard header.contains("allowlist") else {
                if header.contains("whitelist") {
                    throw fail(2, 1, "LXC (5.0) reads only 'allowlist' in a version 1 policy and fails to start the container on 'whitelist'",
                        fix: "write allowlist on line 2")
                }
                throw fail(2, 1, "a version 1 policy must be an allowlist", fix: "write allowlist on line 2, or use version 2 for a denylist")
            }
            for n in 2..<lines.count {
                let raw = lines[n], trimmed = raw.lxcTrimmed
                let column = (raw.firstIndex { $0 != " " && $0 != "\t" }.map { raw.distance(from: raw.startIndex, to: $0) } ?? 0) + 1
                guard let number = Int(trimmed) else {
                    throw fail(n + 1, column, "a version 1 policy has one syscall number per line; LXC stops at '\(trimmed)' and the container does not start",
                        fix: "write a syscall number (no names, comments or blank lines in version 1), or use version 2")
                }
                guard let name = SyscallTable.name(of: number, on: host) else {
                    throw fail(n + 1, column, "\(number) is not a syscall number on \(host.name) in Seccompose's tables (Linux \(SyscallTable.sourceVersion))",
                        fix: "remove the line, or check the number for \(host.name)")
                }
                rules.append(RuncRule(index: n + 1, name: name, action: .allow, conditions: [],
                    origin: Origin(file: file, line: n + 1, column: column, setting: "lxc", text: trimmed)))
            }
        } else {
            let style = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            let word = String(style.first ?? "")
            let deny = word.hasPrefix("denylist") || word.hasPrefix("blacklist")
            guard deny || word.hasPrefix("allowlist") || word.hasPrefix("whitelist") else {
                throw fail(2, 1, "unknown policy style '\(word)'", fix: "write allowlist or denylist, optionally followed by a default action")
            }
            let ruleDefault: Action = deny ? .killThread : .allow
            defaultAction = deny ? .allow : .killThread
            if style.count == 2 {
                let rest = String(style[1])
                let column = word.count + 2
                if let a = try parseAction(rest, line: 2, column: column, fail: fail) { defaultAction = a.action }
            }
            var skipping = false
            var firstArgumentRule: [String: Int] = [:]
            for n in 2..<lines.count {
                let line = lines[n], lineNo = n + 1
                if line.isEmpty || line.hasPrefix("#") { continue }
                if line.hasPrefix("[") {
                    guard let section = sections[line] else {
                        let fix = line.lowercased().hasPrefix("[i386") ? "write [x86] (LXC's name for i386)"
                            : "use [all], [x86], [x32], [x86_64], [arm], [arm64], [ppc], [ppc64], [ppc64le], [mips…], [s390] or [s390x], alone on the line"
                        throw fail(lineNo, 1, "unsupported architecture section '\(line)'; LXC fails to start the container", fix: fix)
                    }
                    skipping = section.map { !abis.contains($0) } ?? false
                    continue
                }
                if skipping { continue }
                if line.first == " " || line.first == "\t" {
                    warnings.append(warning(lineNo, 1, "the line starts with a blank, so LXC reads an empty syscall name and skips it",
                        fix: "start the line with the syscall name", code: "skipped-line"))
                    continue
                }
                let nameEnd = line.firstIndex(of: " ") ?? line.endIndex
                let name = String(line[..<nameEnd])
                var action = ruleDefault
                var argumentsStart = line.firstIndex(of: "[")
                if nameEnd < line.endIndex {
                    var p = line.index(after: nameEnd)
                    while p < line.endIndex, line[p] == " " { p = line.index(after: p) }
                    if p < line.endIndex, line[p] != "#" {
                        let column = line.distance(from: line.startIndex, to: p) + 1
                        if line[p] == "[" {
                            throw fail(lineNo, column, "an argument condition where LXC expects the action; it fails to start the container",
                                fix: "write the action before the conditions, e.g. '\(name) errno 1 \(line[p...])'")
                        }
                        if let a = try parseAction(String(line[p...]), line: lineNo, column: column, fail: fail) { action = a.action }
                    } else {
                        argumentsStart = nil
                    }
                }
                if name.hasPrefix("reject_force_umount") {
                    // umount2(…, flags & MNT_FORCE) fails with EACCES.
                    let c = ArgumentCondition(index: 1, .maskedEqual, 1, mask: 1)
                    rules.append(RuncRule(index: lineNo, name: "umount2", action: .errno(13), conditions: [c],
                        origin: Origin(file: file, line: lineNo, column: 1, setting: "lxc", text: line)))
                    if defaultAction == .errno(13) {
                        throw fail(lineNo, 1, "reject_force_umount's action errno 13 is the default action: libseccomp refuses the rule and LXC fails to start the container",
                            fix: "remove the line, or change the default action")
                    }
                    continue
                }
                var conditions: [(ArgumentCondition, Int)] = []
                if let start = argumentsStart {
                    conditions = try parseConditions(line, from: start, lineNo: lineNo, fail: fail)
                }
                guard SyscallTable.isKnown(name) else {
                    warnings.append(warning(lineNo, 1, "unknown syscall '\(name)': LXC skips names libseccomp cannot resolve",
                        fix: "check the spelling; Seccompose's tables are Linux \(SyscallTable.sourceVersion)", code: "unknown-syscall"))
                    continue
                }
                if action == defaultAction {
                    throw fail(lineNo, 1, "this rule's action \(action) is the default action: libseccomp refuses such rules and LXC fails to start the container",
                        fix: "remove the line, or give it another action")
                }
                for (c, column) in conditions {
                    if let w = OCIProfileImporter.ignoredBits(c, name: name, abis: abis, argument: "") {
                        warnings.append(warning(lineNo, column, w.message, fix: w.fix, code: w.code))
                    }
                }
                if !conditions.isEmpty, firstArgumentRule[name] == nil { firstArgumentRule[name] = lineNo }
                rules.append(RuncRule(index: lineNo, name: name, action: action, conditions: conditions.map(\.0),
                    origin: Origin(file: file, line: lineNo, column: 1, setting: "lxc", text: line)))
            }
            let built = try build(rules, abis: abis, defaultAction: defaultAction, file: file, argumentWidths: argumentWidths,
                libseccomp: libseccomp, fail: fail)
            var policy = built.policy
            warnings += built.findings.map { convert($0, file: file, lines: lines) }
            if argumentWidths != .systemd {
                warnings += OCIProfileImporter.multiplexerWarnings(policy, file: file, firstArgumentRule: firstArgumentRule,
                    mode: argumentWidths).map { convert($0, file: file, lines: lines) }
            }
            policy.otherArchitectureAction = .killThread
            return LXCImport(policy: policy, version: 2, warnings: warnings)
        }
        var policy = try build(rules, abis: abis, defaultAction: defaultAction, file: file, argumentWidths: argumentWidths,
            libseccomp: libseccomp, fail: fail).policy
        policy.otherArchitectureAction = .killThread
        return LXCImport(policy: policy, version: 1, warnings: warnings)
    }

    static func build(_ rules: [RuncRule], abis: [Architecture], defaultAction: Action, file: String,
        argumentWidths: ArgumentWidthMode, libseccomp: LibseccompRuleDatabase.Release,
        fail: (Int, Int, String, String, String) -> LXCPolicyError) throws(LXCPolicyError) -> LibseccompPrecedence.Built
    {
        do {
            return try LibseccompPrecedence.build(rules, abis: abis, defaultAction: defaultAction, file: file,
                libseccompMultiplexing: argumentWidths == .systemd, release: libseccomp)
        } catch {
            let line = ruleLine(error.path) ?? 1
            throw fail(line, 1, error.message, error.fix, "lxc-policy")
        }
    }

    /// The line a finding of the rule database names: rules are numbered by their line here,
    /// so `syscalls[N]` is line N.
    static func ruleLine(_ path: String) -> Int? {
        guard let r = path.firstRange(of: "syscalls[") else { return nil }
        return Int(path[r.upperBound...].prefix { $0.isNumber })
    }

    static func convert(_ o: OCIDiagnostic, file: String, lines: [String]) -> Diagnostic {
        let line = ruleLine(o.path) ?? 1
        let message = o.message.replacing("syscalls[", with: "line [")
        return Diagnostic(severity: o.level, code: o.code, message: message, setting: "lxc", file: file, line: line, column: 1,
            text: line <= lines.count ? lines[line - 1] : "",
            fix: o.code == "multiplexer"
                ? "LXC filters the host's compat ABIs whatever the sections say; if 32-bit programs in the container use socketcall()/ipc(), keep argument rules off these calls"
                : o.fix)
    }

    /// Parses an action at the start of `text` (what follows is ignored, as LXC ignores it).
    static func parseAction(_ text: String, line: Int, column: Int,
        fail: (Int, Int, String, String, String) -> LXCPolicyError) throws(LXCPolicyError) -> (action: Action, length: Int)?
    {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let word = words.first.map(String.init), !word.hasPrefix("#") else { return nil }
        switch word {
        case "kill": return (.killThread, 4)
        case "allow": return (.allow, 5)
        case "trap": return (.trap(0), 4)
        case "notify": return (.userNotif, 6)
        case "errno":
            guard words.count >= 2, let n = Int(words[1]), (0...4095).contains(n) else {
                throw fail(line, column + 6, "'errno' needs a number from 0 to 4095", actionFix, "lxc-policy")
            }
            return (.errno(UInt16(n)), text.distance(from: text.startIndex, to: words[1].endIndex))
        case "log", "trace":
            throw fail(line, column, "LXC's version 2 parser does not accept the action '\(word)'; the container does not start", actionFix,
                "lxc-policy")
        default:
            throw fail(line, column, "unknown action '\(word)'", actionFix, "lxc-policy")
        }
    }

    /// Parses `[INDEX,VALUE,OP]` and `[INDEX,VALUE,OP,MASK]` conditions from `start` to the end
    /// of the line, with each condition's column.
    static func parseConditions(_ line: String, from start: String.Index, lineNo: Int,
        fail: (Int, Int, String, String, String) -> LXCPolicyError) throws(LXCPolicyError) -> [(ArgumentCondition, Int)]
    {
        var out: [(ArgumentCondition, Int)] = []
        var p = start
        let fix = "write [INDEX,VALUE,OP] or [INDEX,VALUE,OP,MASK] without spaces, e.g. [0,1,SCMP_CMP_EQ] or [1,8192,&=,61440]"
        while p < line.endIndex {
            let column = line.distance(from: line.startIndex, to: p) + 1
            guard line[p] == "[" else {
                throw fail(lineNo, column, "text after the argument conditions; LXC fails to read the rule", fix, "lxc-policy")
            }
            guard let close = line[p...].firstIndex(of: "]") else {
                throw fail(lineNo, column, "the condition has no closing ']'", fix, "lxc-policy")
            }
            let fields = line[line.index(after: p)..<close].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 || fields.count == 4 else {
                throw fail(lineNo, column, "a condition has 3 or 4 fields, this one \(fields.count)", fix, "lxc-policy")
            }
            guard let index = number(fields[0]), index < 6 else {
                throw fail(lineNo, column + 1, "argument index '\(fields[0])' is not 0 to 5", fix, "lxc-policy")
            }
            guard let value = number(fields[1]) else {
                throw fail(lineNo, column + fields[0].count + 2, "value '\(fields[1])' is not an unsigned 64-bit number", fix, "lxc-policy")
            }
            let opColumn = column + fields[0].count + fields[1].count + 3
            let op: ArgumentCondition.Operator
            switch fields[2] {
            case "SCMP_CMP_NE", "!=": op = .notEqual
            case "SCMP_CMP_LT", "<": op = .less
            case "SCMP_CMP_LE", "<=": op = .lessOrEqual
            case "SCMP_CMP_EQ", "==": op = .equal
            case "SCMP_CMP_GE", ">=": op = .greaterOrEqual
            case "SCMP_CMP_GT", ">": op = .greater
            case "SCMP_CMP_MASKED_EQ", "&=": op = .maskedEqual
            default:
                throw fail(lineNo, opColumn, "unknown operator '\(fields[2])'",
                    "use SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE, _MASKED_EQ or ==, !=, <, <=, >, >=, &=", "lxc-policy")
            }
            var mask: UInt64 = 0
            if fields.count == 4 {
                guard let m = number(fields[3]) else {
                    throw fail(lineNo, opColumn + fields[2].count + 1, "mask '\(fields[3])' is not an unsigned 64-bit number", fix, "lxc-policy")
                }
                mask = m
            }
            if out.contains(where: { $0.0.index == Int(index) }) {
                throw fail(lineNo, column, "a second condition on argument \(index): libseccomp refuses the rule and LXC fails to start the container",
                    "keep one condition per argument, or write one rule per alternative", "lxc-policy")
            }
            // MASKED_EQ: (argument & MASK) == VALUE; a missing mask is 0, as LXC reads it.
            out.append((op == .maskedEqual ? ArgumentCondition(index: Int(index), .maskedEqual, value, mask: mask)
                : ArgumentCondition(index: Int(index), op, value), column))
            if out.count > 6 {
                throw fail(lineNo, column, "more than six conditions; LXC ignores the rest", "keep one condition per argument", "lxc-policy")
            }
            p = line.index(after: close)
            // LXC splits the conditions at ']' and looks for the next '[': commas and blanks between them are ignored.
            while p < line.endIndex, line[p] == "," || line[p] == " " { p = line.index(after: p) }
        }
        return out
    }

    /// A number as LXC reads one: decimal, `0x` hexadecimal or `0` octal.
    static func number(_ s: String) -> UInt64? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        if s.count > 1, s.hasPrefix("0") { return UInt64(s.dropFirst(), radix: 8) }
        return UInt64(s)
    }
}

extension StringProtocol {
    var lxcTrimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
