// The fast paths of the fourth fuzzing pass (issue 15) against the computations they replace:
// the builder's decision tables made with `mapValues` against insertion name by name, the `:`
// search through bytes against the Character search, the ASCII word splitter against the
// scalar-by-scalar one, the version comparison's silent re-evaluation against the full one, and
// the group-name suggestion index against the index under its joined key.

import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposePolicy
@testable import SeccomposeSystemd

@Suite("the fourth fuzzing pass's fast paths decide as the computations they replace")
struct FuzzFastPathTests {
    static let words = ["@system-service", "@mount", "@file-system", "@default", "@known", "@sandbox", "@privileged",
        "@io-event", "@nosuch", "mseal", "uretprobe", "open_tree", "read", "write", "uname", "nosuch", "mseal:EPERM",
        "@mount:kill", "@file-system:EACCES", "open_tree:0", "uname:EPERM", "@system-service:ENOSYS", "bad:", "~x",
        "write:EPERM", "read:kill", "x:y:z", ":EPERM", "rea\u{301}d", "\"read\"", "%n", "#c", "é:EPERM", "ptrace:E\u{301}"]

    /// Random SystemCall*= lines (filter, error number, log), `(key, value)`.
    static func randomLines(_ rng: inout SplitMix) -> [(String, String)] {
        var lines: [(String, String)] = []
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            let n = Int.random(in: 0...4, using: &rng)
            let line = (0..<n).map { _ in words.randomElement(using: &rng) ?? "read" }.joined(separator: " ")
            lines.append(("SystemCallFilter", (Bool.random(using: &rng) && !line.isEmpty ? "~" : "") + line))
        }
        if Bool.random(using: &rng) { lines.append(("SystemCallErrorNumber", ["EPERM", "kill", "38", "EACCES"].randomElement(using: &rng) ?? "")) }
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let log = ["@mount", "~read write", "@default uname", "~@file-system", "mseal", "read @mount", "@system-service",
                "~@mount", "@default @file-system", "", "@nosuch write", "@io-event:EPERM"].randomElement(using: &rng) ?? ""
            lines.append(("SystemCallLog", log))
        }
        return lines
    }

    static func settings(_ lines: [(String, String)], _ context: SystemdContext, diagnosing: Bool = true,
        groupTables: Bool = true, onlyNames: Set<String>? = nil) -> (SystemCallSettings, [Diagnostic])
    {
        var s = SystemCallSettings(context: context)
        s.diagnosing = diagnosing
        s.groupTables = groupTables
        s.onlyNames = onlyNames
        var diags: [Diagnostic] = []
        for (i, (key, value)) in lines.enumerated() {
            diags += s.apply(UnitAssignment(section: "Service", key: key, value: value,
                source: ValueSource(file: "a.service", line: i + 1, valueColumn: key.count + 2)))
        }
        return (s, diags)
    }

    /// `filterDecisions` as before the fourth pass: every decision inserted name by name.
    static func referenceFilterRules(_ s: SystemCallSettings) -> [String: SyscallDecision]? {
        guard let mode = s.filterMode else { return [:] }
        let ctx = s.context
        let negative = SystemdPolicyBuilder.action(for: s.errorNumber)
        var entries = s.filter
        var rules: [String: SyscallDecision] = [:]
        var forceWrite = false
        if ctx.version >= .v262 {
            switch mode {
            case .allowList:
                if let e = entries["write"], e.action != nil { return nil }
                forceWrite = entries["write"] == nil
            case .denyList: entries["write"] = nil
            }
        }
        switch mode {
        case .allowList:
            var filterDefault = negative
            if ctx.version >= .v262, negative != .errno(38) {
                filterDefault = .errno(38)
                rules = SystemdPolicyBuilder.knownNativesTable(ctx, negative)
            }
            for (name, e) in entries {
                let a = e.action.map(SystemdPolicyBuilder.action(for:)) ?? .allow
                if a == filterDefault { return nil }
                rules[name] = SyscallDecision(action: a, origin: SystemdPolicyBuilder.origin(e.origin, setting: "SystemCallFilter"))
            }
            if forceWrite {
                rules["write"] = SyscallDecision(action: .allow,
                    origin: Origin(file: nil, line: 0, column: 0, setting: "SystemCallFilter",
                        text: "(write, forced by systemd \(ctx.version))"))
            }
        case .denyList:
            for (name, e) in entries {
                rules[name] = SyscallDecision(action: e.action.map(SystemdPolicyBuilder.action(for:)) ?? negative,
                    origin: SystemdPolicyBuilder.origin(e.origin, setting: "SystemCallFilter"))
            }
        }
        return rules
    }

    /// `logDecisions` as before the fourth pass.
    static func referenceLogRules(_ s: SystemCallSettings) -> [String: SyscallDecision] {
        guard let mode = s.logMode else { return [:] }
        var rules: [String: SyscallDecision] = [:]
        for (name, o) in s.log {
            rules[name] = SyscallDecision(action: mode == .allowList ? .log : .allow,
                origin: SystemdPolicyBuilder.origin(o, setting: "SystemCallLog"))
        }
        return rules
    }

    @Test("filter and log decisions made in the map's own table: the same decisions as inserted name by name")
    func decisionTables() throws {
        var rng = SplitMix(state: 4)
        var built = 0, failed = 0
        for _ in 0..<600 {
            let lines = Self.randomLines(&rng)
            for version in [SystemdVersion.v252, .v262] {
                let (s, _) = Self.settings(lines, try SystemdContext(version: version, native: .x86_64))
                let expected = Self.referenceFilterRules(s)
                do throws(PolicyBuildError) {
                    let made = try SystemdPolicyBuilder.filterDecisions(s)
                    #expect(made.syscalls == expected, "\(version) \(lines)")
                    built += 1
                } catch {
                    #expect(expected == nil, "\(version) \(lines): \(error)")
                    failed += 1
                }
                #expect(SystemdPolicyBuilder.logDecisions(s) == Self.referenceLogRules(s), "\(version) \(lines)")
            }
        }
        #expect(built > 300 && failed > 10, "too few of either outcome: \(built) built, \(failed) failed")
    }

    @Test("applyFilter without diagnostics: the same map, removals and mode, and nothing reported")
    func silentFilter() throws {
        var rng = SplitMix(state: 5)
        for _ in 0..<600 {
            let lines = Self.randomLines(&rng).filter { $0.0 == "SystemCallFilter" }
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let (loud, _) = Self.settings(lines, context)
                let (quiet, reported) = Self.settings(lines, context, diagnosing: false)
                #expect(reported.isEmpty)
                #expect(quiet.filter == loud.filter && quiet.filterMode == loud.filterMode, "\(version) \(lines)")
                #expect(quiet.removals.map(\.name) == loud.removals.map(\.name)
                    && quiet.removals.map(\.by) == loud.removals.map(\.by)
                    && quiet.removals.map(\.had) == loud.removals.map(\.had), "\(version) \(lines)")
            }
        }
    }

    @Test("built-in groups added through their member tables: the same map, removals and diagnostics as member by member")
    func groupTables() throws {
        var rng = SplitMix(state: 8)
        for _ in 0..<800 {
            let lines = Self.randomLines(&rng)
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let (fast, fastDiags) = Self.settings(lines, context)
                let (slow, slowDiags) = Self.settings(lines, context, groupTables: false)
                #expect(fast.filter == slow.filter && fast.filterMode == slow.filterMode && fastDiags == slowDiags,
                    "\(version) \(lines)")
                #expect(fast.removals.map(\.name) == slow.removals.map(\.name)
                    && fast.removals.map(\.by) == slow.removals.map(\.by)
                    && fast.removals.map(\.had) == slow.removals.map(\.had), "\(version) \(lines)")
                #expect(fast.log == slow.log && fast.errorNumber == slow.errorNumber)
            }
        }
        // Maps kept for a few names only (the 252/262 comparison's).
        let known = try SetCatalog.builtin(.v262).expand("@known") ?? []
        for _ in 0..<400 {
            let lines = Self.randomLines(&rng)
            var only = Set((0..<Int.random(in: 0...30, using: &rng)).map { _ in known.randomElement(using: &rng) ?? "read" })
            if Bool.random(using: &rng) { only.insert("nosuch") }
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let (fast, _) = Self.settings(lines, context, onlyNames: only)
                let (slow, _) = Self.settings(lines, context, groupTables: false, onlyNames: only)
                #expect(fast.filter == slow.filter && fast.filterMode == slow.filterMode, "\(version) \(lines) \(only)")
                #expect(fast.removals.map(\.name) == slow.removals.map(\.name)
                    && fast.removals.map(\.by) == slow.removals.map(\.by), "\(version) \(lines) \(only)")
            }
        }
        // A group resolved by the other version (the 252/262 comparison's contexts).
        let other = SystemdContext(version: .v262, native: .x86_64, catalog: try SetCatalog.builtin(.v252))
        for lines in [[("SystemCallFilter", "@system-service @mount")], [("SystemCallFilter", "~@file-system read")],
            [("SystemCallFilter", "read"), ("SystemCallFilter", "@known")]]
        {
            #expect(Self.settings(lines, other).0.filter == Self.settings(lines, other, groupTables: false).0.filter)
        }
    }

    @Test("trailing backslashes through the last byte: the same count as on Characters")
    func trailingBackslashes() {
        var rng = SplitMix(state: 10)
        let scalars: [UInt32] = [0x5C, 0x5C, 0x5C, 0x41, 0x20, 0x0D, 0x0A, 0x301, 0x600, 0x200D, 0xE9, 0x1F600, 0x0]
        var texts = ["", "\\", "\\\\", "a\\", "\\\u{301}", "\u{600}\\", "\\\r\n"]
        for _ in 0..<20000 {
            var s = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                s.unicodeScalars.append(Unicode.Scalar(scalars.randomElement(using: &rng) ?? 0x61) ?? "a")
            }
            texts.append(s)
        }
        for s in texts {
            #expect(UnitSettingsReader.trailingBackslashes(s) == s.reversed().prefix { $0 == "\\" }.count, "\(s.debugDescription)")
        }
    }

    @Test("the first ':' Character through bytes: the same index as the Character search")
    func colonSearch() {
        var rng = SplitMix(state: 6)
        let scalars: [UInt32] = [0x3A, 0x3A, 0x41, 0x61, 0x20, 0x0D, 0x0A, 0x301, 0x308, 0x20DD, 0xE9, 0x1F600, 0x200D,
            0xFE0F, 0x1100, 0x1161, 0x600, 0x0]
        var texts = ["", ":", "::", "a:", ":\u{301}", ":\u{301}:", "\r\n:", "\u{600}:", "é:a"]
        for _ in 0..<20000 {
            var s = ""
            for _ in 0..<Int.random(in: 0...(Bool.random(using: &rng) ? 6 : 40), using: &rng) {
                s.unicodeScalars.append(Unicode.Scalar(scalars.randomElement(using: &rng) ?? 0x61) ?? "a")
            }
            texts.append(s)
        }
        for s in texts {
            for ascii in [UInt8(ascii: ":"), UInt8(ascii: "a"), UInt8(ascii: " ")] {
                #expect(ByteSearch.firstCharacter(ascii, in: s) == s.firstIndex(of: Character(Unicode.Scalar(ascii))),
                    "\(s.debugDescription) \(ascii)")
            }
        }
    }

    @Test("ASCII values without escapes or quotes: the same words as scalar by scalar")
    func plainASCIISplitting() {
        var rng = SplitMix(state: 7)
        let pieces = ["a", "read", "@system-service", ":EPERM", " ", "  ", "\t", "\n", "\r", "\r\n", "\0", "\u{0B}",
            "\u{0C}", "~", "#", "%n", "'", "\"", "\\", "\u{7F}", "\u{1F}"]
        var texts = ["", " ", "a", " a ", "\r\n", "a\0b"]
        for _ in 0..<5000 {
            texts.append((0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        var plain = 0
        for t in texts {
            for (unquote, cUnescape) in [(false, false), (true, false), (true, true), (false, true)] {
                if WordSplitter.plainASCIIWords(t, unquote: unquote) != nil { plain += 1 }
                #expect(WordSplitter.split(t, unquote: unquote, cUnescape: cUnescape)
                    == FastPathTests.referenceSplit(t, unquote: unquote, cUnescape: cUnescape),
                    "\(t.debugDescription) \(unquote) \(cUnescape)")
            }
        }
        #expect(plain > 5000, "too few values took the ASCII path: \(plain)")
    }

    @Test("splitting on UTF-8 bytes: the same words, raw texts, columns and errors as scalar by scalar")
    func utf8Splitting() {
        var rng = SplitMix(state: 11)
        let pieces = ["a", "read", " ", "\t", "\n", "\r", "\r\n", "\\", "'", "\"", "é", "\u{301}", "\u{600}", "🦀",
            "\u{FEFF}", "\u{10FFFF}", "\0", "~", ":", "\\é", "\\🦀", "'é x'", "\"a\\\" b\"", "\u{85}", "\u{2028}", "ß"]
        var texts = ["", "é", "\\", "é\\", "\\é", "'é", "\"é x", "é 'a b' \\🦀 c"]
        for _ in 0..<20000 {
            texts.append((0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for t in texts {
            for unquote in [false, true] {
                #expect(WordSplitter.split(t, unquote: unquote, cUnescape: false)
                    == FastPathTests.referenceSplit(t, unquote: unquote, cUnescape: false), "\(t.debugDescription) \(unquote)")
            }
            var copy = t
            copy.withUTF8 { #expect(WordSplitter.scalarCount($0) == t.unicodeScalars.count, "\(t.debugDescription)") }
        }
    }

    @Test("remembered suggestions for names of up to 64 bytes: the computed answers, hits and misses")
    func longRememberedSuggestions() throws {
        var rng = SplitMix(state: 12)
        let keys = try #require(UnitKeys.keys(in: "Service", version: .v262))
        let index = Suggestions.index("FuzzFastPathTests.longRememberedSuggestions") { keys }
        var probes = FastPathTests.probes(keys, count: 1500, seed: 13)
        probes += [String(repeating: "é", count: 32), String(repeating: "a", count: 64), String(repeating: "a", count: 65),
            "SystemCallFilter", "SystemCallFilterr", "systemcallfilter", "ProtectKernelTunablesX", "\u{0}SystemCallLog"]
        for _ in 0..<200 {
            // Long keys with a few edits, up to 70 bytes.
            var bytes = Array((keys.randomElement(using: &rng) ?? "User").utf8)
            bytes += Array(repeating: UInt8(ascii: "x"), count: Int.random(in: 0...40, using: &rng))
            if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8(ascii: "Q") }
            probes.append(String(decoding: bytes, as: UTF8.self))
        }
        for _ in 0..<2 {
            for probe in probes {
                #expect(Suggestions.nearest(probe, in: index) == FastPathTests.referenceNearest(probe, in: keys), "\(probe)")
                #expect(Suggestions.nearest(probe, in: Suggestions.syscallNames)
                    == FastPathTests.referenceNearest(probe, in: SyscallTable.allNames), "\(probe)")
            }
        }
        // Names equal in their first bytes but not in length or later bytes are different keys.
        #expect(Suggestions.InlineName("ab") != Suggestions.InlineName("ab\u{0}"))
        #expect(Suggestions.InlineName(String(repeating: "a", count: 64)) != nil && Suggestions.InlineName(String(repeating: "a", count: 65)) == nil)
    }

    @Test("a byte from an offset with memchr: the same offset as the plain search")
    func byteFromOffset() {
        for s in FastPathTests.mixedStrings(count: 5000, seed: 14) {
            var copy = s
            copy.withUTF8 { bytes in
                for start in [-1, 0, 1, 3, bytes.count - 1, bytes.count, bytes.count + 1] {
                    for byte in [UInt8(0x0A), 0x0D, 0x22, 0xCC] {
                        let plain = start < 0 || start >= bytes.count ? nil : bytes[start...].firstIndex(of: byte)
                        #expect(ByteSearch.firstOffset(of: byte, in: bytes, from: start) == plain, "\(s.debugDescription) \(start)")
                    }
                }
            }
        }
    }

    @Test("specifiers in ASCII text expanded on bytes: the same text and unknown specifiers as by Characters")
    func asciiSpecifiers() throws {
        var rng = SplitMix(state: 15)
        let contexts = [SpecifierContext(unit: try #require(UnitName(validating: "a-b@x\\x2dy.service")), fragmentPath: "/etc/a/b"),
            SpecifierContext(unit: try #require(UnitName(validating: "b.service")), fragmentPath: "/etc/é")]
        let pieces = ["%", "%", "%%", "n", "i", "I", "f", "y", "Y", "q", "z", "%\r\n", "\r", "\n", "\r\n", "a", "/x ", "\0",
            "é", "\u{301}", "%é", "%\u{301}", "%d", "%j", "%J", "%H", "%p%P"]
        var texts = ["%", "a%", "%%", "%n%", "%\r\n", "%\r"]
        for _ in 0..<20000 {
            texts.append((0..<Int.random(in: 0...10, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for t in texts {
            for context in contexts {
                let (out, unknown) = context.expand(t)
                let (refOut, refUnknown) = context.expandCharacterArray(t)
                #expect(out == refOut && Array(out.utf8) == Array(refOut.utf8), "\(t.debugDescription)")
                #expect(unknown.map(\.0) == refUnknown.map(\.0) && unknown.map(\.1) == refUnknown.map(\.1), "\(t.debugDescription)")
            }
        }
    }

    @Test("the group-name index: the index under the joined key, for changing lists")
    func groupNameIndex() throws {
        let lists = [try SetCatalog.builtin(.v252).groupNames, try SetCatalog.builtin(.v262).groupNames, ["@a", "@b"],
            ["@a", "@b"], ["@a", "@c"]]
        for _ in 0..<2 {
            for names in lists {
                let index = Suggestions.groupIndex(names)
                #expect(index.names == names && index.memoKey == "groups " + names.joined(separator: " "))
                for probe in ["@moun", "@a", "@sytem-service", "@b ", "@nosuch"] {
                    #expect(Suggestions.nearest(probe, in: index) == FastPathTests.referenceNearest(probe, in: names))
                }
            }
        }
    }
}
