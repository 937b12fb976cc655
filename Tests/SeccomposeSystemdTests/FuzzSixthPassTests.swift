// The fast paths of the sixth fuzzing pass (issue 15) against the computations they replace: the
// unit reader's ASCII lines read on their bytes against the reading through Substrings, the
// unknown-key finding without classifying known keys against `classify`, specifiers of any text
// expanded from one '%' byte to the next against the expansion through an array of Characters,
// the 252/262 comparison without the implicit @default's differing members against the
// comparison of the whole maps, plain ASCII words found on bytes, eight at a time, against the
// walk by String indices, and a finding's text copied piece by piece into one String against the
// interpolation.

import SeccomposeDiagnostics
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("the sixth fuzzing pass's fast paths give what the computations they replace give")
struct FuzzSixthPassTests {
    @Test("ASCII unit lines read on their bytes: the same assignments, positions and findings as through Substrings")
    func readerOnBytes() {
        var rng = SplitMix(state: 61)
        let parts = ["[Service]", "[Unit]", "[", "]", "[]", "[x", "x]", "[a]b", "Key=Value", "K = V", "=", "==", "a=", "=b", " ", "\t",
            "  ", "\r", "\r\r", "#c", ";c", " #x=y", "\\", "\\\\", "SystemCallFilter=@mount ~x", "no equals", "X-A=1",
            "\u{FEFF}", "é=é", "k\t=\t v \t", "\u{B}", "\u{C}"]
        let long = String(repeating: "a", count: UnitSettingsReader.maximumLineLength)
        var texts = ["", "\n", "[Service]\na=b", "[Service]\n=\n", "[S]\n k = \t", "[S]\na=b\\\nc\n#d\n;e\\\n f",
            "\u{FEFF}[S]\r\na=b\r\r\n\u{FEFF}c=d\r", "\r\n\r\n", "[S]\nx=" + long, "[S]\nx=" + long + "\ny=z", "[S]\n" + long + "\\\nq"]
        for _ in 0..<6000 {
            texts.append((0..<Int.random(in: 1...8, using: &rng)).map { _ in
                (0..<Int.random(in: 1...4, using: &rng)).map { _ in parts.randomElement(using: &rng) ?? "" }.joined()
            }.joined(separator: Bool.random(using: &rng) ? "\n" : "\r\n"))
        }
        for text in texts {
            let (fast, fastDiagnostics) = UnitSettingsReader.assignments(of: text, file: "f", byteLines: true)
            let (reference, referenceDiagnostics) = UnitSettingsReader.assignments(of: text, file: "f", byteLines: false)
            #expect(fast == reference, "\(text.debugDescription)")
            // Equality of positions leaves out the continuation map; compare it too.
            #expect(fast.map(\.source.continuation) == reference.map(\.source.continuation), "\(text.debugDescription)")
            #expect(fastDiagnostics == referenceDiagnostics, "\(text.debugDescription)")
        }
    }

    /// `UnitKeys.unknownKeyDiagnostic` as it was: unknown when `classify` says so, with its suggestion.
    static func referenceUnknownKey(_ a: UnitAssignment, version: SystemdVersion) -> Diagnostic? {
        guard case .unknown(let suggestion) = UnitKeys.classify(a.key, section: a.section, version: version) else { return nil }
        return UnitKeys.unknownKeyFinding(a, version: version, suggestion: suggestion)
    }

    @Test("the unknown-key finding without classifying known keys: the same finding as through classify")
    func unknownKeyFinding() {
        var rng = SplitMix(state: 62)
        var keys: [String] = ["", "X-", "X-Foo", "x-foo", "SystemCallFilter", "systemcallfilter", "Description", "WantedBy",
            "ExecStart", "Nonsense", "PrivateTmp", "RestrictAddressFamilies", "é"]
        for version in SystemdVersion.allCases {
            for section in UnitKeys.sections { keys += UnitKeys.keys(in: section, version: version) ?? [] }
        }
        let sections = UnitKeys.sections + ["Socket", "X-Custom", "service", ""]
        var probes: [String] = keys
        for _ in 0..<3000 {
            var k = Array(keys.randomElement(using: &rng) ?? "")
            switch Int.random(in: 0...3, using: &rng) {
            case 0 where !k.isEmpty: k.remove(at: Int.random(in: 0..<k.count, using: &rng))
            case 1: k.insert("x", at: Int.random(in: 0...k.count, using: &rng))
            case 2 where !k.isEmpty: k[Int.random(in: 0..<k.count, using: &rng)] = "Q"
            default: k = Array(String(k).lowercased())
            }
            probes.append(String(k))
        }
        for key in probes {
            let section = sections.randomElement(using: &rng) ?? "Service"
            let a = UnitAssignment(section: section, key: key, value: "v", source: ValueSource(file: "u", line: 3, valueColumn: 7),
                keyColumn: 2)
            for version in SystemdVersion.allCases {
                #expect(UnitKeys.unknownKeyDiagnostic(a, version: version) == Self.referenceUnknownKey(a, version: version),
                    "\(key) [\(section)] \(version)")
            }
        }
    }

    @Test("specifiers of any text from one '%' byte to the next: the same text and unknown specifiers as through Characters")
    func specifiersFromPercentToPercent() throws {
        var rng = SplitMix(state: 63)
        let contexts = [SpecifierContext(unit: try #require(UnitName(validating: "a-b@x\\x2dy.service")), fragmentPath: "/etc/a/b"),
            SpecifierContext(unit: try #require(UnitName(validating: "b.service")), fragmentPath: "/etc/é")]
        // Prepended scalars (U+0600, U+0D4E) join the next scalar, '%' included; marks, joiners and
        // variation selectors extend a '%'; regional indicators pair; CR LF is one Character.
        let pieces = ["%", "%", "%", "%%", "n", "i", "f", "q", "%n", "%q", "\u{600}", "\u{D4E}", "\u{301}", "\u{200D}", "\u{FE0F}",
            "\u{1F1E9}", "\u{1F1EA}", "🙂", "👩‍👩‍👧", "\r", "\n", "\r\n", "é", "e\u{301}", "a", " ", "\u{1100}", "\u{1161}", "\u{AC00}",
            "\u{915}", "\u{94D}", "\0"]
        var texts = ["%", "é%", "%é", "\u{600}%n", "%\u{301}n", "%n\u{301}", "%\r\n", "\u{1F1E9}%n", "é%%n", "é%"]
        for _ in 0..<30000 {
            texts.append((0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for t in texts {
            for context in contexts {
                let (out, unknown) = context.expandCharacters(t)
                let (refOut, refUnknown) = context.expandCharacterArray(t)
                #expect(Array(out.unicodeScalars) == Array(refOut.unicodeScalars), "\(t.debugDescription)")
                #expect(unknown.map(\.0) == refUnknown.map(\.0) && unknown.map(\.1) == refUnknown.map(\.1), "\(t.debugDescription)")
                let (public_, publicUnknown) = context.expand(t)
                #expect(Array(public_.unicodeScalars) == Array(refOut.unicodeScalars), "\(t.debugDescription)")
                #expect(publicUnknown.map(\.1) == refUnknown.map(\.1), "\(t.debugDescription)")
            }
        }
    }

    @Test("the 252/262 comparison without the implicit @default's differing members: what the whole maps give")
    func versionDifferencesWithoutDefault() throws {
        var rng = SplitMix(state: 64)
        let c252 = try SystemdContext(version: .v252, native: .x86_64), c262 = try SystemdContext(version: .v262, native: .x86_64)
        // The members @default has under one version and not the other, named in every way a word can.
        let defaultDifference = UnitChecker.groupDifference("@default", c252, c262).sorted()
        #expect(!defaultDifference.isEmpty, "@default has the same members in 252 and 262: nothing to test")
        var words = ["@system-service", "@default", "@known", "@sandbox", "@mount", "@file-system", "read", "write", "mseal",
            "uname:EPERM", "@default:EPERM", "@default:kill", "bad:", "~x", "@nosuch", "nosuch"]
        for name in defaultDifference.prefix(12) { words += [name, name + ":EPERM", name + ":kill", name + ":0"] }
        var differing = 0
        for round in 0..<800 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let line = (0..<Int.random(in: 0...4, using: &rng)).map { _ in words.randomElement(using: &rng) ?? "read" }
                    .joined(separator: " ")
                lines.append("SystemCallFilter=" + (Bool.random(using: &rng) && !line.isEmpty ? "~" : "") + line)
            }
            if Bool.random(using: &rng) { lines.append("SystemCallErrorNumber=" + (Bool.random(using: &rng) ? "EPERM" : "kill")) }
            let text = "[Service]\nExecStart=/bin/true\n" + lines.joined(separator: "\n") + "\n"
            for context in [c252, c262] {
                let unit = LoadedUnit(name: try #require(UnitName(validating: "a.service")),
                    sources: [UnitSource(path: "a.service", text: text, isDropIn: false)], masked: false)
                let service = ServiceDescription(unit, context: context)
                let found = UnitChecker.versionDifferences(service, context: context)
                let expected = try FastPathTests.referenceVersionDifferences(service, context: context)
                let other: SystemdVersion = context.version == .v252 ? .v262 : .v252
                let message = expected.isEmpty ? nil
                    : "systemd \(context.version) and \(other) decide differently for \(expected.count) syscalls: "
                        + expected.prefix(6).joined(separator: ", ") + (expected.count > 6 ? ", …" : "")
                #expect(found.map(\.message) == (message.map { [$0] } ?? []), "\(round) \(context.version): \(text)")
                if !expected.isEmpty { differing += 1 }
            }
        }
        #expect(differing > 100, "too few units whose versions differ to tell anything: \(differing)")
    }

    @Test("plain ASCII words on bytes, eight at a time: the words, texts and columns of the walk by indices")
    func plainASCIIWordsOnBytes() {
        var rng = SplitMix(state: 65)
        // Spaces, bytes at most 0x20 that are no spaces, 0x21 (the first byte the eight-byte test
        // lets through), and words shorter and longer than eight bytes.
        let pieces = [" ", "\t", "\n", "\r", "  ", "\0", "\u{B}", "\u{C}", "\u{1F}", "!", "~", "\u{7F}", "a", "read", "@system-service",
            "0123456789abcdef", "x:EPERM", "~@mount", "abcdefg", "abcdefgh", "abcdefghi"]
        var values = ["", " ", "a", "a ", " a", "abcdefgh", "abcdefgh ", " abcdefghijklmnop\t"]
        for _ in 0..<20000 {
            values.append((0..<Int.random(in: 0...10, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for value in values {
            let fast = value.utf8.withContiguousStorageIfAvailable { WordSplitter.plainASCIIWords($0) }
            let reference = WordSplitter.plainASCIIWordsByIndex(value)
            #expect(fast == reference, "\(value.debugDescription)")
            for unquote in [false, true] {
                #expect(WordSplitter.plainASCIIWords(value, unquote: unquote) == reference, "\(value.debugDescription)")
            }
        }
    }

    @Test("a finding's text copied into one String: the interpolation's text, for short, long and non-ASCII pieces")
    func descriptionCopied() {
        var rng = SplitMix(state: 66)
        let pieces = ["", "a", "é", "e\u{301}", "🙂", "\r\n", "\0", "unknown-syscall", String(repeating: "x", count: 15),
            String(repeating: "y", count: 16), String(repeating: "ü", count: 40), "Failed to parse system call, ignoring: "]
        for _ in 0..<5000 {
            func piece() -> String { (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined() }
            let d = Diagnostic(severity: [.note, .warning, .error].randomElement(using: &rng) ?? .note, code: piece(),
                message: piece(), setting: piece(), file: Bool.random(using: &rng) ? piece() : nil,
                line: Int.random(in: Int.min...Int.max, using: &rng), column: Int.random(in: -5...100_000, using: &rng),
                text: piece(), note: Bool.random(using: &rng) ? piece() : nil, fix: Bool.random(using: &rng) ? piece() : nil)
            var expected = "\(d.file ?? "<command line>"):\(d.line):\(d.column): \(d.severity.rawValue): \(d.message) [\(d.code)]"
            if let note = d.note { expected += "\n  note: \(note)" }
            if let fix = d.fix { expected += "\n  fix: \(fix)" }
            #expect(Array(d.description.utf8) == Array(expected.utf8))
        }
    }
}
