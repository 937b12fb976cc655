// The fast paths of the fifth fuzzing pass (issue 15) against the computations they replace: a
// finding's text appended into one String against the interpolation, the report's counts against
// filtered copies, specifier values told apart by byte against the Character comparison, and the
// unit reader's '=' search behind a byte test against the Character search.

import SeccomposeDiagnostics
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("the fifth fuzzing pass's fast paths give what the computations they replace give")
struct FuzzFifthPassTests {
    static let pieces = ["", "a", "unit.service", "é", "e\u{301}", "line\nbreak", "%n", "🙂", "\r\n", " ", "[x]", "0"]

    @Test("a finding's description: the same text as the interpolation")
    func descriptionMatchesInterpolation() {
        var rng = SplitMix(state: 51)
        for _ in 0..<5000 {
            func piece() -> String { (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng) ?? "" }.joined() }
            let d = Diagnostic(severity: [.note, .warning, .error].randomElement(using: &rng) ?? .note, code: piece(),
                message: piece(), setting: piece(), file: Bool.random(using: &rng) ? piece() : nil,
                line: Int.random(in: -3...100_000, using: &rng), column: Int.random(in: Int.min...Int.max, using: &rng),
                text: piece(), note: Bool.random(using: &rng) ? piece() : nil, fix: Bool.random(using: &rng) ? piece() : nil)
            var expected = "\(d.file ?? "<command line>"):\(d.line):\(d.column): \(d.severity.rawValue): \(d.message) [\(d.code)]"
            if let note = d.note { expected += "\n  note: \(note)" }
            if let fix = d.fix { expected += "\n  fix: \(fix)" }
            #expect(d.description == expected)
        }
    }

    @Test("a report's counts: the same as counting filtered copies")
    func reportCounts() {
        var rng = SplitMix(state: 52)
        for _ in 0..<500 {
            let findings = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                Diagnostic(severity: [.note, .warning, .error].randomElement(using: &rng) ?? .note, code: "c", message: "m",
                    setting: "", file: nil, line: 1, column: 1, text: "")
            }
            let r = CheckReport(unit: "u.service", files: [], findings: findings)
            #expect(r.errorCount == findings.filter { $0.severity == .error }.count)
            #expect(r.warningCount == findings.filter { $0.severity == .warning }.count)
            #expect(r.noteCount == findings.filter { $0.severity == .note }.count)
        }
    }

    @Test("specifier values told apart by byte: the value of the letter the Character equals, for every scalar")
    func specifierValuesByByte() throws {
        let unit = try #require(UnitName(validating: "a-b\\x2dc@in\\x2fst.service"))
        let ctx = SpecifierContext(unit: unit, fragmentPath: "/etc/systemd/system/a-b\\x2dc@.service", hostname: "h.example",
            machineID: "m", bootID: "b", kernelRelease: "6.1")
        // The old switch: the case of the letter `c` equals (Character equality), or nil.
        func reference(_ c: Character) -> String? {
            SpecifierContext.letters.first { $0 == c }.flatMap { ctx.value(of: $0) }
        }
        for letter in SpecifierContext.letters { #expect(ctx.value(of: letter) != nil) }
        var characters: [Character] = []
        for v in 0...0x10FFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            characters.append(Character(s))
        }
        // Letters with combining marks and other joiners, CR LF, and the singletons that decompose
        // to ASCII (KELVIN SIGN, GREEK QUESTION MARK, GREEK VARIA).
        for l in SpecifierContext.letters {
            for mark in ["\u{301}", "\u{327}", "\u{200D}", "\u{FE0F}", "\u{1F3FB}"] { characters.append(Character(String(l) + mark)) }
        }
        characters += ["\r\n", "\u{212A}", "\u{37E}", "\u{1FEF}", "\u{212B}", "\u{2126}"]
        var mismatches = 0
        for c in characters where ctx.value(of: c) != reference(c) { mismatches += 1 }
        #expect(mismatches == 0)
    }

    @Test("the unit reader's '=' search behind the byte test: the same assignments and findings")
    func readerEqualsSearch() {
        var rng = SplitMix(state: 53)
        let parts = ["[Service]", "Key=Value", "K\u{301}=v", "x\u{301}", "=\u{301}", "é", "a = b", "#c", ";c", "\\", " ", "\t",
            "SystemCallFilter=@mount", "no equals é", "\u{FEFF}", "\r", "[Unit]", "é=é"]
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                (0..<Int.random(in: 1...3, using: &rng)).map { _ in parts.randomElement(using: &rng) ?? "" }.joined()
            }.joined(separator: "\n")
            let (assignments, diagnostics) = UnitSettingsReader.assignments(of: text, file: "f")
            // Reference: the same reading with the '=' found Character by Character.
            var expected: [(String, String)] = []
            var section: String?
            for logical in UnitSettingsReader.logicalLines(of: text) where !logical.isTooLong {
                let content = Substring(logical.text).trimmingWhitespace()
                if content.isEmpty || content.hasPrefix("#") || content.hasPrefix(";") { continue }
                if content.hasPrefix("[") {
                    guard content.hasSuffix("]"), content.count > 2 else { break }
                    section = String(content.dropFirst().dropLast())
                    continue
                }
                guard let eq = content.firstIndex(of: "="), section != nil else { continue }
                expected.append((String(content[..<eq].trimmingWhitespace()), String(content[content.index(after: eq)...].trimmingWhitespace())))
            }
            #expect(assignments.map(\.key) == expected.map(\.0), "\(text.debugDescription)")
            #expect(assignments.map(\.value) == expected.map(\.1), "\(text.debugDescription)")
            #expect(diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 })
        }
    }
}
