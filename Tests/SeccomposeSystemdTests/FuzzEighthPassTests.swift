// The fast paths of the eighth fuzzing pass (issue 15) against the computations they replace: the
// allow-list loop of `filterDecisions` looking only at entries with an action against comparing
// every entry's action with the default, the byte order of names through memcmp against
// `lexicographicallyPrecedes`, suggestions counting shared bigrams in 16 bits against the plain
// edit distance, the lint's removal findings read in place against the loops over copied
// removals, a name's resolution looked up once against `isKnown` and `resolvesSyscall` each
// looking it up, a place's line and column found without making the advanced position
// against `advanced(by:)`, the UTF-8 splitter's columns of an ASCII value as byte offsets against
// counting scalars, and the lint's quote and percent bytes looked for in one visit against the
// Character tests alone.

import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposePolicy
@testable import SeccomposeSets
@testable import SeccomposeSystemd

@Suite("the eighth fuzzing pass's fast paths give what the computations they replace give")
struct FuzzEighthPassTests {
    @Test("a plain entry never equals an allow-list's default: no default the builder makes is ALLOW")
    func plainEntriesNeverEqualDefault() {
        // The default of an allow-list is `negative` (the error number's action) or 262's ENOSYS.
        #expect(SystemdPolicyBuilder.action(for: .kill) != .allow)
        for n in 0...4095 { #expect(SystemdPolicyBuilder.action(for: .errno(n)) != .allow, "\(n)") }
        #expect(Action.errno(38) != .allow)
    }

    /// The action-equals-default findings as the loop over every entry made them: for each word, its
    /// names equal to the default in byte order (`lexicographicallyPrecedes`), the words by place.
    static func referenceEqualToDefault(_ s: SystemCallSettings) -> [String] {
        guard s.filterMode == .allowList else { return [] }
        let ctx = s.context
        let negative = SystemdPolicyBuilder.action(for: s.errorNumber)
        var filterDefault = negative
        if ctx.version >= .v262, negative != .errno(38) { filterDefault = .errno(38) }
        // (Under 262 an action on write is a finding of its own, and the entry stays: it is looked at here too.)
        let entries = s.filter
        var byWord: [(entry: SystemCallSettings.Entry, names: [String])] = []
        for (name, e) in entries {
            let a = e.action.map(SystemdPolicyBuilder.action(for:)) ?? .allow
            guard a == filterDefault else { continue }
            if let i = byWord.firstIndex(where: { $0.entry.origin == e.origin }) {
                byWord[i].names.append(name)
            } else {
                byWord.append((e, [name]))
            }
        }
        let order: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for i in byWord.indices { byWord[i].names.sort(by: order) }
        byWord.sort { order($0.names[0], $1.names[0]) }
        byWord.sort {
            ($0.entry.origin.source.file ?? "", $0.entry.origin.source.line, $0.entry.origin.column)
                < ($1.entry.origin.source.file ?? "", $1.entry.origin.source.line, $1.entry.origin.column)
        }
        return byWord.map { e, names in
            let a = e.action.map(SystemdPolicyBuilder.action(for:)) ?? .allow
            let list = names.count == 1 ? names[0]
                : "\(names.count) syscalls (\(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : ""))"
            return "the action of '\(e.origin.word)' for \(list) equals the filter's default action \(a); libseccomp refuses such a rule and systemd \(ctx.version) fails the service with 228/SECCOMP"
        }
    }

    @Test("the allow-list loop looking at entries with an action only: the same rules and the same findings")
    func filterDecisionsLoop() throws {
        var rng = SplitMix(state: 81)
        var built = 0, failed = 0
        for _ in 0..<1500 {
            var lines = FuzzFastPathTests.randomLines(&rng)
            // Actions equal to the default (an allow-list's '~word:ACTION' with the error number's action).
            if Bool.random(using: &rng) {
                lines.insert(("SystemCallFilter", ["@system-service", "read write", "@file-system @mount"].randomElement(using: &rng) ?? ""), at: 0)
                lines.append(("SystemCallFilter", ["~@mount:EPERM", "~@file-system:EACCES", "~read:kill", "~@privileged:kill",
                    "~@system-service:EPERM", "~@known:ENOSYS", "~uname:38 @io-event:EPERM"].randomElement(using: &rng) ?? ""))
            }
            for version in [SystemdVersion.v252, .v262] {
                let (s, _) = FuzzFastPathTests.settings(lines, try SystemdContext(version: version, native: .x86_64))
                let expected = FuzzFastPathTests.referenceFilterRules(s)
                do throws(PolicyBuildError) {
                    let made = try SystemdPolicyBuilder.filterDecisions(s)
                    #expect(made.syscalls == expected, "\(version) \(lines)")
                    #expect(Self.referenceEqualToDefault(s).isEmpty, "\(version) \(lines)")
                    built += 1
                } catch {
                    #expect(expected == nil, "\(version) \(lines): \(error)")
                    let found = error.diagnostics.filter { $0.code == "action-equals-default" }.map(\.message)
                    #expect(found == Self.referenceEqualToDefault(s), "\(version) \(lines)")
                    failed += 1
                }
            }
        }
        #expect(built > 1000 && failed > 300, "too few of either outcome: \(built) built, \(failed) failed")
    }

    @Test("names in byte order through memcmp: the order of lexicographicallyPrecedes")
    func utf8Precedes() {
        var rng = SplitMix(state: 82)
        let pieces = ["", "a", "b", "ab", "read", "readv", "z", "A", "_", "0", "é", "e\u{301}", "\u{7F}", "\u{80}", "🙂", "\u{FFFD}",
            "\u{10FFFF}", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaab", String(repeating: "x", count: 40)]
        var strings = pieces
        for _ in 0..<3000 {
            strings.append((0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for _ in 0..<60000 {
            let a = strings.randomElement(using: &rng) ?? "", b = Bool.random(using: &rng) ? a : strings.randomElement(using: &rng) ?? ""
            #expect(Bytewise.precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a.debugDescription) \(b.debugDescription)")
        }
        // Bridged or shared storage aside, a String made of a Substring and a long one.
        let long = String(repeating: "syscall", count: 30)
        #expect(Bytewise.precedes(String(long.dropLast()), long))
        #expect(!Bytewise.precedes(long, String(long.dropLast())))
        #expect(!Bytewise.precedes(long, long))
    }

    @Test("suggestions counting shared bigrams in 16 bits: the plain edit distance's answer, long candidates too")
    func nearestSixteenBitCounts() {
        var rng = SplitMix(state: 83)
        // Candidates whose counts wrap 16 bits (thousands of one bigram) beside ones near the probes.
        let lists: [[String]] = [
            [String(repeating: "a", count: 3000), String(repeating: "ab", count: 2000), String(repeating: "a", count: 66),
                String(repeating: "a", count: 64), "aaaa", "read"],
            [String(repeating: "ab", count: 33), String(repeating: "ab", count: 32), String(repeating: "ba", count: 5000), "abab"],
            SyscallTable.allNames + [String(repeating: "e", count: 70000)],
        ]
        for list in lists {
            let index = Suggestions.Index(list)
            var probes = FastPathTests.probes(list.filter { $0.utf8.count <= 66 }, count: 2000, seed: rng.next())
            probes += [String(repeating: "a", count: 64), String(repeating: "a", count: 63), String(repeating: "a", count: 65),
                String(repeating: "ab", count: 32), String(repeating: "ba", count: 32), String(repeating: "e", count: 64), "aaab"]
            for probe in probes {
                #expect(Suggestions.computeNearest(probe, in: index) == FastPathTests.referenceNearest(probe, in: list),
                    "\(probe)")
            }
        }
    }

    /// The removal findings as the loops over copied removals made them: code, message, note, line
    /// and column.
    static func referenceRemovalFindings(_ service: ServiceDescription, context: SystemdContext) -> [String] {
        let s = service.syscalls
        guard s.filterMode == .allowList, !s.removals.isEmpty else { return [] }
        var out: [String] = []
        let defaults = Set(context.catalog.expand("@default", resolvedBy: context.version) ?? [])
        var reported: Set<String> = []
        func directName(_ word: String) -> String? {
            let n = (word.hasPrefix("~") ? String(word.dropFirst()) : word).prefix { $0 != ":" }
            return n.hasPrefix("@") ? nil : String(n)
        }
        let denied: (String) -> Bool = { name in
            guard let e = s.filter[name] else { return true }
            return e.action != nil && directName(e.origin.word) != name
        }
        func place(_ o: SystemCallSettings.WordOrigin) -> String {
            let p = o.source.advanced(by: o.column - 1)
            return "\(p.line):\(p.column)"
        }
        for r in s.removals where defaults.contains(r.name) && denied(r.name) && reported.insert(r.name).inserted {
            out.append("default-removed|'\(r.by.word)' removes \(r.name), a member of @default, from the allow-list: the service cannot start|\(place(r.by))")
        }
        var byWord: [(SystemCallSettings.WordOrigin, [String], [SystemCallSettings.WordOrigin])] = []
        for r in s.removals where !defaults.contains(r.name) && r.had.action == nil && !r.had.origin.implicitDefault
            && directName(r.by.word) != r.name && directName(r.had.origin.word) != r.name && denied(r.name)
        {
            if let i = byWord.firstIndex(where: { $0.0 == r.by }) {
                byWord[i].1.append(r.name)
                if !byWord[i].2.contains(r.had.origin) { byWord[i].2.append(r.had.origin) }
            } else {
                byWord.append((r.by, [r.name], [r.had.origin]))
            }
        }
        for (origin, names, grantedBy) in byWord {
            let sorted = names.sorted()
            let shown = sorted.prefix(8).joined(separator: ", ") + (sorted.count > 8 ? ", … (\(sorted.count) in all)" : "")
            let granted = grantedBy.map { "'\($0.word)' (line \($0.source.line))" }.joined(separator: ", ")
            out.append("overlap|'\(origin.word)' also removes syscalls an earlier allow line granted: \(shown)|granted by \(granted); '\(origin.word)' names them too, and the later line wins|\(place(origin))")
        }
        return out
    }

    @Test("the lint's removal findings read in place: the findings of the loops over copied removals")
    func removalFindings() throws {
        var rng = SplitMix(state: 84)
        let allow = ["@system-service", "@file-system", "@mount @io-event", "@default", "read write uname", "@privileged", "@known",
            "@basic-io @clock"]
        let deny = ["~@mount", "~uname", "~@file-system", "~execve", "~@privileged:EPERM", "~@default", "~read:kill",
            "~mmap @io-event", "~@system-service", "~open_tree:EACCES", "~@clock", "~@basic-io"]
        var defaultRemoved = 0, overlaps = 0
        for round in 0..<400 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let pool = Bool.random(using: &rng) ? allow : deny
                lines.append("SystemCallFilter=" + (pool.randomElement(using: &rng) ?? ""))
            }
            let text = "[Service]\nExecStart=/bin/true\n" + lines.joined(separator: "\n") + "\n"
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let unit = LoadedUnit(name: try #require(UnitName(validating: "a.service")),
                    sources: [UnitSource(path: "a.service", text: text, isDropIn: false)], masked: false)
                let service = ServiceDescription(unit, context: context)
                let expected = Self.referenceRemovalFindings(service, context: context)
                let found = UnitChecker.lint(service, context: context).filter { $0.code == "default-removed" || $0.code == "overlap" }
                    .map { d in
                        d.code == "overlap" ? "\(d.code)|\(d.message)|\(d.note ?? "")|\(d.line):\(d.column)" : "\(d.code)|\(d.message)|\(d.line):\(d.column)"
                    }
                #expect(found == expected, "\(round) \(version): \(text)")
                defaultRemoved += expected.filter { $0.hasPrefix("default-removed") }.count
                overlaps += expected.filter { $0.hasPrefix("overlap") }.count
            }
        }
        #expect(defaultRemoved > 100 && overlaps > 100, "too few removal findings: \(defaultRemoved), \(overlaps)")
    }

    @Test("a name's resolution looked up once: isKnown and resolvesSyscall as defined, every name and unknown ones")
    func resolution() {
        var rng = SplitMix(state: 85)
        var names = SyscallTable.allNames + Array(BuiltinData.libseccomp254Unknown) + ["", "nosuch", "rea", "READ", "mseal:EPERM", "é"]
        for _ in 0..<2000 { names.append(FastPathTests.probes(SyscallTable.allNames, count: 1, seed: rng.next()).last ?? "") }
        for name in names {
            let known = SyscallTable.isKnown(name)
            #expect(SystemdVersion.v252.resolution(of: name) == (known, known && !BuiltinData.libseccomp254Unknown.contains(name)), "\(name)")
            #expect(SystemdVersion.v262.resolution(of: name) == (known, known), "\(name)")
        }
    }

    @Test("unknown names reported with the resolution looked up once: known names' fixes, suggestions and their budget as before")
    func unknownSyscallFindings() throws {
        let context = try SystemdContext(version: .v252, native: .x86_64)
        let lacking = BuiltinData.libseccomp254Unknown.sorted()
        let fixOfKnown = "the call is filtered only by a newer systemd (--systemd 262); allow-lists deny it in 252"
        // Known names 252 lacks take their turns of the 200 suggestions: after 190 of them, 10 typos get one.
        let words = (0..<190).map { lacking[$0 % lacking.count] } + (0..<20).map { _ in "reaad" }
        let suggestion = try #require(Suggestions.nearest("reaad", in: Suggestions.syscallNames).map { "did you mean '\($0)'?" })
        var s = SystemCallSettings(context: context)
        let diags = s.applyFilter("~" + words.joined(separator: " "), source: ValueSource(file: "a.service", line: 1, valueColumn: 1))
            .filter { $0.code == "unknown-syscall" }
        #expect(diags.count == 210)
        for (i, d) in diags.enumerated() {
            if i < 190 {
                #expect(d.fix == fixOfKnown && d.note?.hasSuffix("which does not know '\(words[i])'") == true, "\(i): \(d)")
            } else {
                #expect(d.fix == (i < 200 ? suggestion : nil) && d.note == nil, "\(i): \(d)")
            }
        }
        // SystemCallLog= as well, under 262 (where every known name resolves).
        var log = SystemCallSettings(context: try SystemdContext(version: .v262, native: .x86_64))
        let logged = log.applyLog("reaad mseal:EPERM nosuch", source: ValueSource(file: "a.service", line: 1, valueColumn: 1))
        #expect(logged.map(\.code) == ["unknown-syscall", "action-in-log", "unknown-syscall"])
        let nosuch = Suggestions.nearest("nosuch", in: Suggestions.syscallNames).map { "did you mean '\($0)'?" }
        #expect(logged.map(\.fix) == [suggestion, "write mseal without the suffix", nosuch])
    }

    @Test("a place's line and column without making the advanced position: those of advanced(by:), continued lines too")
    func placeAdvancedBy() {
        var rng = SplitMix(state: 86)
        for _ in 0..<30000 {
            let file: String? = Bool.random(using: &rng) ? "a.service" : nil
            var position: SourcePosition
            if Bool.random(using: &rng) {
                position = SourcePosition(file: file, line: Int.random(in: 1...500, using: &rng), column: Int.random(in: 1...200, using: &rng))
            } else {
                // A continued logical line: pieces at increasing offsets on increasing lines.
                var pieces = [ContinuationMap.Piece(offset: 0, line: Int.random(in: 1...50, using: &rng))]
                for _ in 0..<Int.random(in: 0...4, using: &rng) {
                    let last = pieces[pieces.count - 1]
                    pieces.append(ContinuationMap.Piece(offset: last.offset + Int.random(in: 1...40, using: &rng), line: last.line + 1))
                }
                position = SourcePosition(file: file, logicalColumn: Int.random(in: 1...120, using: &rng), pieces: pieces)
            }
            for offset in [0, 1, Int.random(in: 0...200, using: &rng), Int.random(in: -5...(-1), using: &rng)] {
                let advanced = position.advanced(by: offset)
                let place = position.place(advancedBy: offset)
                #expect(place.line == advanced.line && place.column == advanced.column, "\(position) + \(offset)")
            }
        }
    }

    @Test("the UTF-8 splitter's columns of an ASCII value as offsets: the columns of counting scalars")
    func asciiColumns() {
        var rng = SplitMix(state: 87)
        var values = ["", " ", "\\", "a\\ b", "'a b' c", "x \"y\" \\z", String(repeating: "ab\\c ", count: 30)]
        for _ in 0..<30000 {
            values.append((0..<Int.random(in: 0...14, using: &rng)).map { _ in FuzzSeventhPassTests.splitPieces.randomElement(using: &rng) ?? "" }.joined())
        }
        var asciiValues = 0
        for value in values {
            var bytes = value
            if value.utf8.allSatisfy({ $0 < 0x80 }) { asciiValues += 1 }
            for unquote in [false, true] {
                for cUnescape in [false, true] {
                    let fast = bytes.withUTF8 { WordSplitter.splitUTF8($0, unquote: unquote, cUnescape: cUnescape, eightAtATime: true) }
                    let counted = bytes.withUTF8 {
                        WordSplitter.splitUTF8($0, unquote: unquote, cUnescape: cUnescape, eightAtATime: true, countingScalars: true)
                    }
                    #expect(fast == counted, "\(value.debugDescription) unquote \(unquote) cUnescape \(cUnescape)")
                }
            }
        }
        #expect(asciiValues > 5000, "too few ASCII values: \(asciiValues)")
    }

    /// Pieces of words for the lint's byte tests: the characters looked for, with marks, joiners and
    /// prepended scalars before and after them, CR LF, and the scalars that decompose to ASCII.
    static let prefixPieces = ["~", "#", "@", ";", "\"", "'", "%", "\u{301}", "\u{200D}", "\u{600}", "\u{37E}", "\u{1FEF}", "\u{212A}",
        "\r\n", "\r", "\n", "a", "read", "é", "e\u{301}", "🙂", "\u{FE0F}", " ", ":", "\u{FF5E}", "\u{2033}"]

    @Test("three bytes looked for in one visit of a text: what contains finds for each")
    func threeBytes() {
        var rng = SplitMix(state: 88)
        var texts = Self.prefixPieces + [""]
        for _ in 0..<40000 {
            texts.append((0..<Int.random(in: 1...4, using: &rng)).map { _ in Self.prefixPieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for text in texts {
            let three = ByteSearch.contains(text, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "%"))
            #expect(three.0 == ByteSearch.contains(text, UInt8(ascii: "\"")) && three.1 == ByteSearch.contains(text, UInt8(ascii: "'"))
                && three.2 == ByteSearch.contains(text, UInt8(ascii: "%")), "\(text.debugDescription)")
            #expect(three == (text.utf8.contains(UInt8(ascii: "\"")), text.utf8.contains(UInt8(ascii: "'")), text.utf8.contains(UInt8(ascii: "%"))),
                "\(text.debugDescription)")
        }
    }

    /// The lint finding of a word as the Character tests made it (`lint` before the byte tests).
    static func referenceLintCode(_ word: ValueWord) -> String? {
        func has(_ text: String, _ c: Character) -> Bool { text.contains(c) }
        if word.text.hasPrefix("~") { return "tilde-not-first" }
        if has(word.raw, "\"") || has(word.raw, "'") { return "quote-in-value" }
        if word.raw.hasPrefix("#") || word.raw.hasPrefix(";") { return "comment-in-value" }
        if has(word.raw, "%") { return "specifier-in-value" }
        return nil
    }

    @Test("the lint's byte tests: each word's finding as the Character tests decide it")
    func lintByBytes() throws {
        var rng = SplitMix(state: 89)
        let context = try SystemdContext(version: .v262, native: .x86_64)
        let codes: Set<String> = ["tilde-not-first", "quote-in-value", "comment-in-value", "specifier-in-value"]
        var found = 0
        for _ in 0..<4000 {
            let words = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                (0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.prefixPieces.randomElement(using: &rng) ?? "" }.joined()
                    .filter { $0 != " " && $0 != "\r\n" && $0 != "\r" && $0 != "\n" }
            }.filter { !$0.isEmpty }
            let value = (["read"] + words).joined(separator: " ")  // a first word that does not start with '~'
            let invert = Bool.random(using: &rng)
            let body = value
            let expected = WordSplitter.split(body, unquote: false).words.compactMap { w in Self.referenceLintCode(w).map { ($0, w.column + (invert ? 1 : 0)) } }
            var s = SystemCallSettings(context: context)
            let diags = s.applyFilter((invert ? "~" : "") + value, source: ValueSource(file: "a.service", line: 1, valueColumn: 1))
                .filter { codes.contains($0.code) }
            #expect(diags.map { "\($0.code)@\($0.column)" } == expected.map { "\($0.0)@\($0.1)" }, "\(value.debugDescription)")
            found += expected.count
        }
        #expect(found > 2000, "too few lint findings: \(found)")
    }

    @Test("the initializers made inlinable keep what they are given: positions, origins, decisions, findings")
    func inlinableInitializers() {
        let position = SourcePosition(file: "a.service", line: 3, column: 7)
        #expect(position.file == "a.service" && position.line == 3 && position.column == 7 && position.continuation == nil)
        #expect(SourcePosition(file: nil, line: 2).column == 1)
        let origin = Origin(file: "a.service", line: 3, column: 7, setting: "SystemCallFilter", text: "@mount")
        #expect(origin.position == position && origin.setting == "SystemCallFilter" && origin.text == "@mount")
        #expect(Origin(position: position, setting: "SystemCallLog", text: "read") == Origin(file: "a.service", line: 3, column: 7,
            setting: "SystemCallLog", text: "read"))
        let decision = SyscallDecision(action: .errno(1), origin: origin)
        #expect(decision.action == .errno(1) && decision.origin == origin && decision.rules.isEmpty && decision.priority == 0)
        let rule = Rule([ArgumentCondition(index: 0, .equal, 1)], action: .allow)
        let full = SyscallDecision(action: .killProcess, origin: nil, rules: [rule], priority: 5)
        #expect(full.action == .killProcess && full.origin == nil && full.rules == [rule] && full.priority == 5)
        let d = Diagnostic(severity: .note, code: "c", message: "m", isSystemdMessage: true, setting: "S", file: nil, line: 4,
            column: 9, text: "t", note: "n", fix: "f")
        #expect(d.severity == .note && d.code == "c" && d.message == "m" && d.isSystemdMessage && d.setting == "S" && d.file == nil
            && d.line == 4 && d.column == 9 && d.text == "t" && d.note == "n" && d.fix == "f")
        let plain = Diagnostic(severity: .error, code: "c", message: "m", setting: "S", file: "f", line: 1, column: 1, text: "")
        #expect(!plain.isSystemdMessage && plain.note == nil && plain.fix == nil)
    }
}
