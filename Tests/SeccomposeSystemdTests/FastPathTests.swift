// The fast paths of `check` (issue 15) against the plain definitions they replace: suggestions
// through the length and bigram index against a scan of every candidate, the byte-level line
// splitter against the Character-level one, and unit loading with a directory cache against
// loading without.

import Foundation
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("check's fast paths decide as the plain definitions")
struct FastPathTests {
    /// The suggestion as first written: the first candidate at the smallest distance within the limit.
    static func referenceNearest(_ name: String, in candidates: [String]) -> String? {
        let target = Array(name.utf8)
        guard target.count <= 64 else { return nil }
        let limit = min(2, max(1, target.count / 4))
        var best: (String, Int)?
        for c in candidates {
            let cand = Array(c.utf8)
            if abs(cand.count - target.count) > limit { continue }
            let d = Suggestions.distance(target, cand)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// Names near the candidates (one or two edits), and random ones.
    static func probes(_ candidates: [String], count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix(state: seed)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz_0123456789-@".utf8)
        var out: [String] = ["", "a", "ab", String(repeating: "x", count: 65)]
        for _ in 0..<count {
            var bytes = Array((candidates.randomElement(using: &rng) ?? "read").utf8)
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let pos = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
                let c = alphabet.randomElement(using: &rng) ?? 0x61
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[pos] = c
                case 1 where !bytes.isEmpty: bytes.remove(at: pos)
                default: bytes.insert(c, at: pos)
                }
            }
            out.append(String(decoding: bytes, as: UTF8.self))
            out.append(String(decoding: (0..<Int.random(in: 1...14, using: &rng)).map { _ in
                alphabet.randomElement(using: &rng) ?? 0x61 }, as: UTF8.self))
        }
        return out
    }

    @Test("suggestions over the syscall names: the same name as a scan of every candidate")
    func syscallSuggestions() {
        let names = SyscallTable.allNames
        for probe in Self.probes(names, count: 3000, seed: 15) {
            #expect(Suggestions.nearest(probe, in: Suggestions.syscallNames) == Self.referenceNearest(probe, in: names),
                "\(probe)")
        }
    }

    @Test("suggestions over unit keys and short lists, duplicates and ties included")
    func otherSuggestions() {
        let lists: [[String]] = [
            ["SystemCallFilter", "SystemCallLog", "SystemCallArchitectures", "SystemCallErrorNumber", "RestrictRealtime"],
            ["ab", "ba", "abc", "ab", "b", ""], ["@system-service", "@default", "@known", "@file-system", "@mount"],
            ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"],
        ]
        for list in lists {
            for probe in Self.probes(list, count: 500, seed: 7) {
                #expect(Suggestions.nearest(probe, in: list) == Self.referenceNearest(probe, in: list), "\(probe)")
            }
        }
    }

    @Test("banded distance: exact up to the limit, over it otherwise")
    func bandedDistance() {
        var rng = SplitMix(state: 99)
        for _ in 0..<5000 {
            let a = (0..<Int.random(in: 0...10, using: &rng)).map { _ in UInt8.random(in: 97...100, using: &rng) }
            let b = (0..<Int.random(in: 0...10, using: &rng)).map { _ in UInt8.random(in: 97...100, using: &rng) }
            let exact = Suggestions.distance(a, b)
            for limit in 1...2 {
                let banded = a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) {
                            Suggestions.distance(a, b, limit: limit, rows: $0)
                        }
                    }
                }
                #expect(exact <= limit ? banded == exact : banded == limit + 1, "\(a) \(b) limit \(limit)")
            }
        }
    }

    /// The physical lines as first written, Character by Character.
    static func referenceLines(_ text: String) -> [String] {
        var physical = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        if physical.last == "" { physical.removeLast() }
        if let first = physical.first, first.hasPrefix("\u{FEFF}") { physical[0] = String(first.dropFirst()) }
        for i in physical.indices where physical[i].hasSuffix("\r") { physical[i].removeLast() }
        return physical
    }

    @Test("physical lines by bytes: the same lines as by Characters (CR, CRLF, BOM, combining marks)")
    func physicalLines() {
        var rng = SplitMix(state: 3)
        let pieces = ["a", "\n", "\r", "\r\n", "\u{FEFF}", "\u{301}", "é", "\\", " ", "[Service]", "x=y"]
        var texts = ["", "\n", "\r", "\r\n", "\u{FEFF}", "\u{FEFF}\r\n", "a\r\r\n", "a\r", "\n\n", "a\n\u{301}b"]
        for _ in 0..<3000 {
            texts.append((0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for t in texts {
            #expect(UnitSettingsReader.physicalLines(of: t) == Self.referenceLines(t), "\(Array(t.unicodeScalars))")
        }
    }

    @Test("loading with a directory cache finds the same fragment and drop-ins as without")
    func directoryCache() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("units-examples/root").path
        let cache = UnitLoader.DirectoryCache()
        for name in ["webapp.service", "worker@.service", "worker@a.service", "missing.service", "webapp.socket"] {
            for _ in 0..<2 {
                let plain = Result { () throws(UnitLoadError) in try UnitLoader.load(name, root: root) }
                let cached = Result { () throws(UnitLoadError) in try UnitLoader.load(name, root: root, directories: cache) }
                switch (plain, cached) {
                case (.success(let a), .success(let b)):
                    #expect(a.sources == b.sources && a.masked == b.masked && a.fragmentPath == b.fragmentPath, "\(name)")
                case (.failure(let a), .failure(let b)): #expect(a == b)
                default: Issue.record("\(name): \(plain) vs \(cached)")
                }
            }
        }
    }

    @Test("action-equals-default: each word's count and first five names in byte order, words in line order")
    func actionEqualsDefaultListing() throws {
        let ctx = try SystemdContext(version: .v252, native: .x86_64)
        var s = SystemCallSettings(context: ctx)
        let lines = ["@system-service", "~@file-system:kill uname:kill", "~@signal:kill @io-event:kill"]
        for (i, line) in lines.enumerated() { _ = s.applyFilter(line, source: ValueSource(file: "u.service", line: i + 1)) }
        do throws(PolicyBuildError) {
            _ = try SystemdPolicyBuilder.build(s)
            Issue.record("the build should fail")
        } catch {
            // The plain definition: every name the word put in the map, sorted in byte order.
            func listing(_ word: String) -> String {
                let names = s.filter.filter { $0.value.origin.word == word }.keys
                    .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                return names.count == 1 ? names[0]
                    : "\(names.count) syscalls (\(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : ""))"
            }
            let words = ["@file-system:kill", "uname:kill", "@signal:kill", "@io-event:kill"]
            #expect(error.diagnostics.map(\.text) == words)
            for (d, word) in zip(error.diagnostics, words) {
                #expect(d.message.hasPrefix("the action of '\(word)' for \(listing(word)) equals"), "\(d.message)")
            }
        }
    }

    /// `WordSplitter.split` as first written: every word's text built scalar by scalar.
    static func referenceSplit(_ value: String, unquote: Bool, cUnescape: Bool) -> WordSplitter.Result {
        let chars = Array(value.unicodeScalars)
        var words: [ValueWord] = []
        var i = 0
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        while true {
            while i < chars.count, isSpace(chars[i]) { i += 1 }
            if i >= chars.count { return WordSplitter.Result(words: words, errorColumn: nil) }
            let start = i
            var text = String.UnicodeScalarView()
            var quote: Unicode.Scalar?
            while i < chars.count {
                let c = chars[i]
                if c == "\\" {
                    guard i + 1 < chars.count else { return WordSplitter.Result(words: words, errorColumn: start + 1) }
                    if cUnescape, let (decoded, used) = Self.referenceDecodeEscape(chars, at: i + 1) {
                        text.append(decoded)
                        i += 1 + used
                        continue
                    }
                    text.append(chars[i + 1])
                    i += 2
                    continue
                }
                if let q = quote {
                    if c == q { quote = nil } else { text.append(c) }
                    i += 1
                    continue
                }
                if unquote, c == "'" || c == "\"" {
                    quote = c
                    i += 1
                    continue
                }
                if isSpace(c) { break }
                text.append(c)
                i += 1
            }
            if quote != nil { return WordSplitter.Result(words: words, errorColumn: start + 1) }
            var raw = String.UnicodeScalarView()
            raw.append(contentsOf: chars[start..<i])
            words.append(ValueWord(text: String(text), raw: String(raw), column: start + 1))
        }
    }

    /// The C escape whose letter is at `i`, decoded scalar by scalar as first written (the
    /// library's decoder now reads bytes): the scalar and how many scalars it used.
    static func referenceDecodeEscape(_ c: [Unicode.Scalar], at i: Int) -> (Unicode.Scalar, Int)? {
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}", "s": " ",
        ]
        if let v = simple[c[i]] { return (v, 1) }
        func hex(_ count: Int, from: Int) -> Unicode.Scalar? {
            guard from + count <= c.count else { return nil }
            var s = ""
            s.unicodeScalars.append(contentsOf: c[from..<from + count])
            return UInt32(s, radix: 16).flatMap(Unicode.Scalar.init)
        }
        switch c[i] {
        case "x": return hex(2, from: i + 1).map { ($0, 3) }
        case "u": return hex(4, from: i + 1).map { ($0, 5) }
        case "U": return hex(8, from: i + 1).map { ($0, 9) }
        case "0"..."7":
            guard i + 2 < c.count else { return nil }
            var s = ""
            s.unicodeScalars.append(contentsOf: c[i...(i + 2)])
            return UInt32(s, radix: 8).flatMap(Unicode.Scalar.init).map { ($0, 3) }
        default: return nil
        }
    }

    @Test("word splitting: the same words, raw texts, columns and errors as scalar by scalar")
    func wordSplitting() {
        var rng = SplitMix(state: 9)
        let pieces = ["a", "@x", " ", "\t", "\n", "\r", "\\", "'", "\"", "é", "\u{301}", "~", ":", "\\x41", "\\n", "\\101",
            "\\u00e9", "\\s", "kill", "\u{FEFF}", "🦀",
            // Escape letters and digits beside what they may not take: signs, non-ASCII, surrogates.
            "\\x", "\\u", "\\U", "+1", "7", "\\ud800", "\\0", "\\7"]
        var texts = ["", " ", "a", "\\", "'a", "\"a b\"", "a\\", "é\\", "\\é", "a'b c'd", "\\x4", "\\U0001F980",
            "\\x+1", "\\xé1", "\\x1é", "\\ud800", "\\u+0e9", "\\07", "\\777", "\\400", "\\0é"]
        for _ in 0..<3000 {
            texts.append((0..<Int.random(in: 0...10, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for t in texts {
            for (unquote, cUnescape) in [(false, false), (true, false), (true, true), (false, true)] {
                #expect(WordSplitter.split(t, unquote: unquote, cUnescape: cUnescape)
                    == Self.referenceSplit(t, unquote: unquote, cUnescape: cUnescape), "\(Array(t.unicodeScalars)) \(unquote) \(cUnescape)")
            }
        }
    }

    /// The messages `UnitChecker.versionDifferences` gives under `version` for the names the
    /// reference found differing (none, or one naming the first six).
    static func versionDifferenceMessages(_ expected: [String], _ version: SystemdVersion) -> [String] {
        guard !expected.isEmpty else { return [] }
        let other: SystemdVersion = version == .v252 ? .v262 : .v252
        return ["systemd \(version) and \(other) decide differently for \(expected.count) syscalls: "
            + expected.prefix(6).joined(separator: ", ") + (expected.count > 6 ? ", …" : "")]
    }

    /// The 252/262 comparison as first written: the other version's whole map, from every SystemCall*= line.
    static func referenceVersionDifferences(_ service: ServiceDescription, context: SystemdContext) throws -> [String] {
        // (Names in the native ABI's table order, each "name (252: action, 262: action)".)
        let other: SystemdVersion = context.version == .v252 ? .v262 : .v252
        let otherContext = SystemdContext(version: other, native: context.native, catalog: try SetCatalog.builtin(other))
        let a = service.syscalls
        var b = SystemCallSettings(context: otherContext, suggestions: false)
        for x in service.assignments where x.key.hasPrefix("SystemCall") { _ = b.apply(x) }
        guard let mode = a.filterMode, b.filterMode == mode else { return [] }
        let negative = SystemdPolicyBuilder.action(for: a.errorNumber)
        func decide(_ e: SystemCallSettings.Entry?) -> String {
            guard let e else { return "\(mode == .allowList ? negative : .allow)" }
            return "\(e.action.map(SystemdPolicyBuilder.action(for:)) ?? (mode == .allowList ? .allow : negative))"
        }
        var decided: [String: (String, String)] = [:]
        for name in Set(a.filter.keys).union(b.filter.keys) {
            let ea = a.filter[name], eb = b.filter[name]
            if (ea?.origin.implicitDefault ?? true) && (eb?.origin.implicitDefault ?? true) { continue }
            if let ea, let eb, ea.action == eb.action { continue }
            if decide(ea) != decide(eb) { decided[name] = (decide(ea), decide(eb)) }
        }
        return SyscallTable.syscalls(on: context.native, among: decided.keys).compactMap { name, _ in
            decided[name].map { "\(name) (\(context.version): \($0.0), \(other): \($0.1))" }
        }
    }

    @Test("the 252/262 comparison made for the names the words resolve differently finds what the whole maps find")
    func versionDifferences() throws {
        var rng = SplitMix(state: 262)
        let words = ["@system-service", "@mount", "@file-system", "@default", "@known", "@sandbox", "@privileged",
            "@io-event", "mseal", "uretprobe", "open_tree", "read", "write", "uname", "@nosuch", "nosuch", "mseal:EPERM",
            "@mount:kill", "@file-system:EACCES", "open_tree:0", "uname:EPERM", "@system-service:ENOSYS", "bad:", "~x"]
        var differing = 0
        for round in 0..<300 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let n = Int.random(in: 0...4, using: &rng)
                let line = (0..<n).map { _ in words.randomElement(using: &rng) ?? "read" }.joined(separator: " ")
                lines.append("SystemCallFilter=" + (Bool.random(using: &rng) && !line.isEmpty ? "~" : "") + line)
            }
            if Bool.random(using: &rng) { lines.append("SystemCallErrorNumber=EPERM") }
            if Bool.random(using: &rng) { lines.append("SystemCallLog=@mount") }
            let text = "[Service]\nExecStart=/bin/true\n" + lines.joined(separator: "\n") + "\n"
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let name = try #require(UnitName(validating: "a.service"))
                let unit = LoadedUnit(name: name, sources: [UnitSource(path: "a.service", text: text, isDropIn: false)],
                    masked: false)
                let service = ServiceDescription(unit, context: context)
                let found = UnitChecker.versionDifferences(service, context: context)
                let expected = try Self.referenceVersionDifferences(service, context: context)
                #expect(found.map(\.message) == Self.versionDifferenceMessages(expected, version), "\(round) \(version): \(text)")
                if !expected.isEmpty { differing += 1 }
            }
        }
        #expect(differing > 100, "too few units whose versions differ to tell anything: \(differing)")
    }

    @Test("remembered suggestions: the same answers as computed, before and after the memo is emptied")
    func rememberedSuggestions() {
        let list = ["SystemCallFilter", "SystemCallLog", "SystemCallArchitectures", "RestrictRealtime", "ab", "ba", "abc"]
        let index = Suggestions.index("FastPathTests.rememberedSuggestions \(list)") { list }
        #expect(index.memoKey != nil && Suggestions.syscallNames.memoKey != nil)
        // More probes than the memo holds, twice: hits, misses and the emptying.
        // Distinct short names (remembered ones) fill the memo past its limit.
        let probes = Self.probes(list, count: 500, seed: 21) + (0..<Suggestions.memoLimit + 100).map { "ab\($0)" }
        let syscallProbes = Self.probes(SyscallTable.allNames, count: 1000, seed: 22)
        for _ in 0..<2 {
            for probe in probes {
                #expect(Suggestions.nearest(probe, in: index) == Suggestions.computeNearest(probe, in: Suggestions.Index(list)),
                    "\(probe)")
            }
            for probe in syscallProbes {
                #expect(Suggestions.nearest(probe, in: Suggestions.syscallNames) == Self.referenceNearest(probe, in: SyscallTable.allNames),
                    "\(probe)")
            }
        }
    }

    /// Random strings of ASCII, combining marks and other scalars, short (small strings) and long.
    static func mixedStrings(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix(state: seed)
        let scalars: [UInt32] = [0x22, 0x27, 0x25, 0x3B, 0x37E, 0x41, 0x61, 0x20, 0x0D, 0x0A, 0x301, 0x308, 0x20DD,
            0xE9, 0x1F600, 0x200D, 0xFE0F, 0x1100, 0x1161, 0x7E, 0x23]
        return (0..<count).map { _ in
            var s = ""
            for _ in 0..<Int.random(in: 0...(Bool.random(using: &rng) ? 6 : 40), using: &rng) {
                s.unicodeScalars.append(Unicode.Scalar(scalars.randomElement(using: &rng) ?? 0x61) ?? "a")
            }
            return s
        }
    }

    @Test("byte search and the Character test through it: the same answers as the plain searches")
    func byteAndCharacterSearch() {
        // Every scalar alone: a Character equal to '"', '\'' or '%' is that scalar only.
        for v in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let s = String(Character(scalar))
            for byte in [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "%")] {
                let plain = s.contains(Character(Unicode.Scalar(byte)))
                if plain != SystemCallSettings.hasCharacter(s, byte) {
                    Issue.record("U+\(String(v, radix: 16)) with \(byte)")
                }
            }
        }
        for s in Self.mixedStrings(count: 20000, seed: 23) {
            for byte in [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "%")] {
                #expect(SystemCallSettings.hasCharacter(s, byte) == s.contains(Character(Unicode.Scalar(byte))), "\(s.debugDescription)")
                #expect(ByteSearch.contains(s, byte) == s.utf8.contains(byte), "\(s.debugDescription)")
                let sub = String(s.dropFirst())
                #expect(ByteSearch.contains(sub, byte) == sub.utf8.contains(byte), "\(sub.debugDescription)")
            }
            #expect(ByteSearch.isASCII(s) == s.utf8.allSatisfy { $0 < 0x80 }, "\(s.debugDescription)")
            let ascii = String(decoding: s.utf8.filter { $0 < 0x80 }, as: UTF8.self)
            #expect(ByteSearch.isASCII(ascii), "\(ascii.debugDescription)")
            for piece in [Substring(s), s.dropFirst(), s.dropFirst(3).dropLast(2), Substring(ascii).dropFirst()] {
                for byte in [UInt8(ascii: "="), UInt8(ascii: "\n"), UInt8(ascii: "%"), 0xCC] {
                    #expect(ByteSearch.firstOffset(of: byte, in: piece)
                        == piece.utf8.firstIndex(of: byte).map { piece.utf8.distance(from: piece.utf8.startIndex, to: $0) },
                        "\(piece.debugDescription) \(byte)")
                }
            }
        }
    }
}
