// The fast paths of the seventh fuzzing pass (issue 15) against the computations they replace: the
// word splitter's UTF-8 path passing ordinary bytes eight at a time against passing them one by
// one, a finding's text with its fixed pieces, severity, line and column written in place against
// the interpolation, scalars counted on the bytes against `unicodeScalars.count`, suggestions
// with the candidates of each length kept as positions against the plain edit distance, and the
// first ASCII Character found in a String's own buffer against the search through a Substring.

import SeccomposeDiagnostics
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("the seventh fuzzing pass's fast paths give what the computations they replace give")
struct FuzzSeventhPassTests {
    /// Pieces of values for the splitter: every byte it decides on (spaces, quotes, backslash, the
    /// letters of C escapes), the bytes next to the eight-byte test's bounds (0x27, 0x28, 0x5B,
    /// 0x5C, 0x5D), other control bytes, non-ASCII scalars, and runs shorter and longer than eight.
    static let splitPieces = [" ", "\t", "\n", "\r", "\0", "\u{1}", "\u{B}", "\u{1F}", "!", "\"", "#", "%", "&", "'", "(", ")", "[", "\\",
        "]", "\\\\", "\\n", "\\x41", "\\x4", "\\u00e9", "\\U0001F642", "\\101", "\\s", "\\é", "\\🙂", "a", "read", "@system-service",
        "0123456789abcdef", "x:EPERM", "~@mount", "abcdefg", "abcdefgh", "abcdefghi", "é", "ééééé", "🙂", "e\u{301}", "\u{7F}",
        "\u{80}", "\u{FFFD}", "\u{10FFFF}", "'a b'", "\"c d\"", "'", "\"x"]

    @Test("the splitter's UTF-8 path passing ordinary bytes eight at a time: the words, columns and error of one by one")
    func splitEightAtATime() {
        var rng = SplitMix(state: 71)
        var values = ["", " ", "abcdefgh", "abcdefg\\", "abcdefgh'", "ééééééééé é", "aaaaaaa(", "aaaaaaa'", "aaaaaaa\\n",
            String(repeating: "é", count: 40) + "\\", String(repeating: "x", count: 100)]
        for _ in 0..<30000 {
            values.append((0..<Int.random(in: 0...14, using: &rng)).map { _ in Self.splitPieces.randomElement(using: &rng) ?? "" }.joined())
        }
        for value in values {
            var bytes = value
            for unquote in [false, true] {
                for cUnescape in [false, true] {
                    let fast = bytes.withUTF8 { WordSplitter.splitUTF8($0, unquote: unquote, cUnescape: cUnescape) }
                    let reference = bytes.withUTF8 {
                        WordSplitter.splitUTF8($0, unquote: unquote, cUnescape: cUnescape, eightAtATime: false)
                    }
                    #expect(fast == reference, "\(value.debugDescription) unquote \(unquote) cUnescape \(cUnescape)")
                }
            }
        }
    }

    /// The index of the first byte of `x` (memory order, little-endian) that `splitUTF8` does not
    /// pass as ordinary, byte by byte.
    static func firstSpecialByte(_ x: UInt64) -> Int? {
        (0..<8).first { i in
            let b = UInt8(truncatingIfNeeded: x >> (8 * i))
            return !(b > 0x27 && b != 0x5C)
        }
    }

    @Test("the eight-byte test: zero exactly without a special byte, its lowest bit at the first one")
    func specialBytes() {
        var rng = SplitMix(state: 72)
        let interesting: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x21, 0x22, 0x26, 0x27, 0x28, 0x29, 0x5B, 0x5C, 0x5D, 0x7F, 0x80,
            0x81, 0xA7, 0xA8, 0xC3, 0xDC, 0xDD, 0xFE, 0xFF]
        for round in 0..<200_000 {
            var x: UInt64 = 0
            for i in 0..<8 {
                let b = round % 2 == 0 ? interesting.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
                x |= UInt64(b) << (8 * i)
            }
            let special = WordSplitter.specialBytes(x)
            if let first = Self.firstSpecialByte(x) {
                #expect(special != 0 && special.trailingZeroBitCount == 8 * first + 7, "\(String(x, radix: 16))")
            } else {
                #expect(special == 0, "\(String(x, radix: 16))")
            }
        }
    }

    @Test("a finding's text with its fixed pieces, severity, line and column written in place: the interpolation's text")
    func descriptionInPlace() {
        var rng = SplitMix(state: 73)
        let pieces = ["", "a", "é", "🙂", "\r\n", "unknown-syscall", String(repeating: "x", count: 15), String(repeating: "y", count: 16)]
        var numbers = [0, 1, -1, 9, 10, -9, -10, 99, 100, 999, 1000, 123_456_789, Int.max, Int.min, Int.max - 1, Int.min + 1]
        for digits in 1...18 {
            let p = (0..<digits).reduce(1) { r, _ in r * 10 }
            numbers += [p - 1, p, p + 1, -(p - 1), -p, -(p + 1)]
        }
        for _ in 0..<3000 { numbers.append(Int.random(in: Int.min...Int.max, using: &rng)) }
        for (k, line) in numbers.enumerated() {
            let column = numbers[(k * 7 + 3) % numbers.count]
            func piece() -> String { (0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined() }
            let severity: Diagnostic.Severity = [.note, .warning, .error][k % 3]
            let d = Diagnostic(severity: severity, code: piece(), message: piece(), setting: piece(),
                file: k % 5 == 0 ? nil : piece(), line: line, column: column, text: piece(),
                note: k % 2 == 0 ? piece() : nil, fix: k % 3 == 0 ? piece() : nil)
            var expected = "\(d.file ?? "<command line>"):\(d.line):\(d.column): \(d.severity.rawValue): \(d.message) [\(d.code)]"
            if let note = d.note { expected += "\n  note: \(note)" }
            if let fix = d.fix { expected += "\n  fix: \(fix)" }
            #expect(Array(d.description.utf8) == Array(expected.utf8), "\(line) \(column)")
        }
    }

    @Test("scalars counted on the bytes of a String: unicodeScalars.count")
    func scalarsOnBytes() {
        var rng = SplitMix(state: 74)
        let pieces = ["", "a", "é", "e\u{301}", "🙂", "\u{80}", "\u{7FF}", "\u{800}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "\r\n", "abcdefgh",
            "ééééé", "👩‍👩‍👧"]
        for _ in 0..<20000 {
            var text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let counted = text.withUTF8 { WordSplitter.scalarCount($0) }
            #expect(counted == text.unicodeScalars.count, "\(text.debugDescription)")
        }
        // Invalid UTF-8 decoded into a String is repaired first (U+FFFD): still one scalar per non-continuation byte.
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 0...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var text = String(decoding: bytes, as: UTF8.self)
            #expect(text.withUTF8 { WordSplitter.scalarCount($0) } == text.unicodeScalars.count, "\(bytes)")
        }
    }

    @Test("suggestions with the candidates of each length kept as positions: the plain edit distance's answers")
    func suggestionsByPositions() throws {
        var rng = SplitMix(state: 75)
        var lists: [[String]] = [SyscallTable.allNames, try SetCatalog.builtin(.v262).groupNames,
            ["SystemCallFilter", "SystemCallLog", "SystemCallArchitectures", "ab", "ba", "abc", "aaaa", "aaaaaaaa", "é", "éé", "", ""]]
        for _ in 0..<20 {
            lists.append((0..<Int.random(in: 1...60, using: &rng)).map { _ in
                String(decoding: (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                    [UInt8(0x61), 0x62, 0x63, 0x5F, 0xC3, 0xA9].randomElement(using: &rng) ?? 0x61
                }, as: UTF8.self)
            })
        }
        for (k, list) in lists.enumerated() {
            let index = Suggestions.Index(list)
            var probes = FastPathTests.probes(list, count: k < 2 ? 3000 : 300, seed: UInt64(80 + k))
            probes += ["aaaa", "aaaaa", "aaaaaaaaaa", "abab", "éééé", "readd", "wirte", "@system-servic", String(repeating: "a", count: 64)]
            for probe in probes {
                #expect(Suggestions.computeNearest(probe, in: index) == FastPathTests.referenceNearest(probe, in: list), "\(probe) in list \(k)")
            }
        }
    }

    @Test("the first ASCII Character found in the String's own buffer: what the search through a Substring and firstIndex(of:) find")
    func firstCharacterInBuffer() {
        var rng = SplitMix(state: 78)
        let pieces = ["", "a", ":", "%", "=", "\"", "'", "~", "é", "\u{301}", ":\u{301}", "%\u{301}", "\u{600}", "\r\n", "\r", "\n", "🙂",
            "\u{1F1E9}", "abcdefghijklmnop", "x:EPERM", "\0"]
        for _ in 0..<30000 {
            let text = (0..<Int.random(in: 0...10, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            for ascii in [UInt8(ascii: ":"), UInt8(ascii: "%"), UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "'"), 0] {
                let found = ByteSearch.firstCharacter(ascii, in: text)
                #expect(found == ByteSearch.firstCharacterThroughSubstring(ascii, in: text), "\(text.debugDescription) \(ascii)")
                #expect(found == text.firstIndex(of: Character(Unicode.Scalar(ascii))), "\(text.debugDescription) \(ascii)")
            }
        }
    }

    @Test("a one-Character prefix or suffix of a Substring is its first or last Character: hasPrefix's and hasSuffix's answers")
    func oneCharacterAffixes() {
        var rng = SplitMix(state: 79)
        let pieces = ["", "#", ";", "[", "]", "@", "~", "#\u{301}", "]\u{301}", "@\u{301}", "\u{301}", "\u{600}", "\u{200D}", "a", "é", " ", "\r\n",
            "🙂", "\u{1F1E9}"]
        for _ in 0..<30000 {
            let text = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let utf8 = Array(text.utf8)
            // Substrings at scalar boundaries, as the reader's and the lint's are.
            let scalars = text.unicodeScalars
            let from = Int.random(in: 0...scalars.count, using: &rng)
            let sub = text[scalars.index(scalars.startIndex, offsetBy: from)...]
            for c in ["#", ";", "[", "@", "~"] {
                #expect((sub.first == Character(c)) == sub.hasPrefix(c), "\(utf8) \(from) \(c)")
            }
            #expect((sub.last == "]") == sub.hasSuffix("]"), "\(utf8) \(from)")
        }
    }
}
