// The fast paths of the fifth fuzzing pass (issue 15) against the computations they replace: a
// finding's text appended into one String against the interpolation, the report's counts against
// filtered copies, specifier values told apart by byte against the Character comparison, and the
// unit reader's '=' search behind a byte test against the Character search, and unit names
// validated on bytes against the Character validation, and architectures looked up by name in a
// table against the scan over every ABI, and unknown-key suggestions through tables made once per
// section against the lists searched afresh.

import SeccomposeDiagnostics
import SeccomposeSets
import SeccomposeSyscalls
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

    /// `UnitName(validating:)` as it was, on Characters: (stem, type, prefix, instance) or nil.
    static func referenceName(_ name: String) -> [String?]? {
        guard !name.isEmpty, name.utf8.count < 256, let dot = name.lastIndex(of: ".") else { return nil }
        let stem = String(name[..<dot])
        let type = String(name[name.index(after: dot)...])
        let types: Set<String> = ["service", "socket", "mount", "swap", "target", "timer", "path", "slice", "scope",
            "device", "automount"]
        guard types.contains(type), !stem.isEmpty else { return nil }
        let allowed: (Character) -> Bool = {
            $0.isASCII && ($0.isLetter || $0.isNumber || ":-_.\\@".contains($0))
        }
        guard stem.allSatisfy(allowed) else { return nil }
        if let at = stem.firstIndex(of: "@") {
            let prefix = String(stem[..<at])
            guard !prefix.isEmpty else { return nil }
            return [stem, type, prefix, String(stem[stem.index(after: at)...])]
        }
        return [stem, type, stem, nil]
    }

    @Test("unit names validated on bytes: the same names, parts and refusals as on Characters")
    func unitNamesOnBytes() {
        var rng = SplitMix(state: 54)
        let parts = ["a", "foo", "-", "_", ":", "\\x2d", "@", ".", ".service", ".socket", ".timer", ".servic", "service", "0", "Z",
            "é", "e\u{301}", ".\u{301}", "\u{301}", "@\u{301}", "\r\n", "\r", "\n", " ", "/", "%", "🙂", "\u{212A}", "\0", "ß"]
        var names: [String] = ["", ".service", "a.service", "a@.service", "@a.service", "a@b.service", "a.service\u{301}",
            "a.\u{301}service", "a\r\n.service", String(repeating: "a", count: 247) + ".service",
            String(repeating: "a", count: 248) + ".service"]
        for _ in 0..<20_000 {
            names.append((0..<Int.random(in: 1...6, using: &rng)).map { _ in parts.randomElement(using: &rng) ?? "" }.joined())
        }
        var mismatches: [String] = []
        for name in names {
            let n = UnitName(validating: name)
            let got: [String?]? = n.map { [$0.stem, $0.type, $0.prefix, $0.instance] }
            if got != Self.referenceName(name) || (n != nil && n?.name != name) { mismatches.append(name) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map(\.debugDescription))")
    }

    @Test("architectures by name through one table: the same ABI as the libseccomp, systemd, OCI and alias scan")
    func architecturesByName() {
        func reference(_ name: String) -> Architecture? {
            if let a = Architecture(rawValue: name) { return a }
            if let a = Architecture.allCases.first(where: { $0.systemdName == name || $0.ociName == name }) { return a }
            switch name {
            case "i386", "i686": return .x86
            case "amd64", "x86-64": return .x86_64
            case "arm64": return .aarch64
            default: return nil
            }
        }
        var names = ["i386", "i686", "amd64", "x86-64", "arm64", "", "native", "X86_64", "scmp_arch_x86_64", "x86 ", "SCMP_ARCH_"]
        for a in Architecture.allCases {
            names += [a.rawValue, a.ociName, a.systemdName ?? "", a.rawValue.uppercased(), a.rawValue + "x", String(a.rawValue.dropLast())]
        }
        for name in names { #expect(Architecture(name: name) == reference(name), "\(name)") }
    }

    @Test("unknown-key suggestions through per-section tables: the same key as searching the lists afresh")
    func keySuggestions() {
        func reference(_ key: String, _ section: String, _ version: SystemdVersion) -> String? {
            guard let keys = UnitKeys.keys(in: section, version: version) else { return nil }
            if let same = keys.first(where: { $0.lowercased() == key.lowercased() }) { return same }
            if section == "Service", let near = Suggestions.nearest(key, in: keys.filter(UnitKeys.seccompBackedKeys.contains)) {
                return near
            }
            return Suggestions.nearest(key, in: keys)
        }
        var rng = SplitMix(state: 55)
        for version in SystemdVersion.allCases {
            for section in UnitKeys.sections + ["Socket", "X-Foo"] {
                let keys = UnitKeys.keys(in: section, version: version) ?? ["SystemCallFilter", "ExecStart"]
                for _ in 0..<150 {
                    var k = Array(keys.randomElement(using: &rng) ?? "K")
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: if !k.isEmpty { k.remove(at: Int.random(in: 0..<k.count, using: &rng)) }
                    case 1: k.insert("x", at: Int.random(in: 0...k.count, using: &rng))
                    case 2: k = Array(String(k).uppercased())
                    case 3: k = Array("Zq" + String(k.prefix(3)))
                    default: break
                    }
                    let key = String(k)
                    #expect(UnitKeys.suggestion(for: key, in: section, version: version) == reference(key, section, version),
                        "\(version) \(section) \(key)")
                }
            }
        }
    }
}
