// The fast paths of the ninth fuzzing pass (issue 15, the unit target) against the computations
// they replace: the ASCII test four words a turn against a byte loop, a '%' Character found in
// place against the Character search, `unescape` without a '-' or '\' byte against the byte loop,
// the `%j`/`%J` and `%Y` parts of ASCII text on bytes against the Character split and search, the
// 252/262 comparison from the map's recorded steps against applying every line again (and against
// the whole-map reference), the group differences looked up in the cache first against the
// expansions' symmetric difference, and the unit reader's dispatch (sections compared as Strings,
// one look-up of a key's kind, an unknown key's places from one table) against the sets and the
// per-version look-ups.

import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("the ninth fuzzing pass's fast paths give what the computations they replace give")
struct FuzzNinthPassTests {
    /// Random texts of pieces that Character breaking treats specially: combining marks after and
    /// prepended scalars before the ASCII bytes, joiners, regional indicators, CR LF.
    static func texts(_ count: Int, seed: UInt64, extra: [String] = []) -> [String] {
        var rng = SplitMix(state: seed)
        let pieces = ["a", "%", "%n", "/", "-", ".", "\\", "\\x2d", " ", "\t", "\r\n", "\r", "\n", "é", "\u{301}", "\u{200D}",
            "\u{600}", "\u{903}", "\u{1F1E9}\u{1F1EA}", "\u{1F1E9}", "👩\u{200D}💻", "\u{FEFF}", "🦀", "x", "%%", "%\u{301}",
            "\u{600}%", "/\u{301}", "-\u{301}", "\u{600}/"] + extra
        var out = ["", "%", "a", "é", "%\u{301}", "\u{600}%", "/", "-", "--", "a-", "-a", "a--b-", "/a/b", "a/", "é/a"]
        for _ in 0..<count {
            out.append((0..<Int.random(in: 0...14, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
        }
        return out
    }

    @Test("the ASCII test four words a turn: every byte below 0x80, for every length and place of a high byte")
    func asciiTest() {
        var rng = SplitMix(state: 91)
        for length in 0...100 {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...0x7F, using: &rng) }
            #expect(bytes.withUnsafeBytes { ByteSearch.isASCII($0) }, "\(length)")
            for place in 0..<length {
                let kept = bytes[place]
                bytes[place] = UInt8.random(in: 0x80...0xFF, using: &rng)
                #expect(!bytes.withUnsafeBytes { ByteSearch.isASCII($0) }, "\(length) \(place)")
                bytes[place] = kept
            }
        }
        for text in Self.texts(3000, seed: 92) {
            #expect(ByteSearch.isASCII(text) == text.utf8.allSatisfy { $0 < 0x80 }, "\(Array(text.unicodeScalars))")
        }
    }

    @Test("a '%' Character found in place: whether the Character search finds one")
    func percentCharacter() {
        var found = 0
        for text in Self.texts(30_000, seed: 93) {
            for byte in [UInt8(ascii: "%"), UInt8(ascii: "/"), UInt8(ascii: "-")] {
                let expected = text.firstIndex(of: Character(Unicode.Scalar(byte))) != nil
                #expect(ByteSearch.hasCharacter(byte, in: text) == expected, "\(byte) \(Array(text.unicodeScalars))")
                #expect(ByteSearch.hasCharacter(byte, in: text) == (ByteSearch.firstCharacter(byte, in: text) != nil))
                if expected { found += 1 }
            }
        }
        #expect(found > 10_000, "too few texts with the Character: \(found)")
    }

    @Test("words between lone space and tab Characters found in place: the Character split's first 16")
    func words() {
        var many = 0
        for text in Self.texts(30_000, seed: 98, extra: [" ", "\t", " \u{301}", "\u{600} ", "\t\u{200D}", "ab c"]) {
            for limit in [16, 2, 0] {
                let expected = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).prefix(limit).map(String.init)
                #expect(ByteSearch.words(text, separatedBy: 0x20, 0x09, limit: limit) == expected, "\(limit) \(Array(text.unicodeScalars))")
                if limit == 16, expected.count > 2 { many += 1 }
            }
            #expect(ByteSearch.words(text, separatedBy: 0x2D, 0x2D, limit: 99)
                == text.split(separator: "-").prefix(99).map(String.init), "\(Array(text.unicodeScalars))")
        }
        #expect(many > 1000, "too few texts of several words: \(many)")
    }

    @Test("an Exec*= prefix Character told by its byte: `\"-@:+!|\".contains(c)`")
    func commandPrefixes() {
        var characters: [Character] = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }
        for base in ["-", "@", ":", "+", "!", "|", "a", "é"] {
            for mark in ["\u{301}", "\u{200D}", "\u{903}"] { characters.append(Character(base + mark)) }
            characters.append(Character("\u{600}" + base))
        }
        characters += ["\r\n", "🦀", "\u{1F1E9}\u{1F1EA}", "－", "＠", "﹣"]
        for c in characters {
            #expect(ServiceDescription.isCommandPrefix(c) == "-@:+!|".contains(c), "\(Array(String(c).unicodeScalars))")
        }
    }

    @Test("unescape without a '-' or '\\' byte: the byte loop's result")
    func unescape() {
        for text in Self.texts(10_000, seed: 94, extra: ["\\x41", "\\xzz", "\\x4", "ab"]) {
            #expect(UnitName.unescape(text) == UnitName.unescapeBytes(text), "\(Array(text.unicodeScalars))")
        }
    }

    @Test("%j/%J's last part and %Y's directory on bytes: the Character split and search")
    func parts() throws {
        for text in Self.texts(20_000, seed: 95) {
            #expect(SpecifierContext.lastComponent(text, separator: UInt8(ascii: "-"))
                == String(text.split(separator: "-").last ?? ""), "\(Array(text.unicodeScalars))")
            var dir = Substring(text)
            if let slash = dir.lastIndex(of: "/") { dir = dir[..<slash] }
            #expect(SpecifierContext.directory(of: text) == String(dir), "\(Array(text.unicodeScalars))")
        }
        // Through the specifiers, for names with dashes and escapes.
        for name in ["a.service", "a-b-c.service", "a-b-@x.service", "foo\\x2dbar-baz@i-j.service", "a--.service", "-a.service"] {
            let unit = try #require(UnitName(validating: name))
            for path in ["", "/", "/etc/systemd/system/a.service", "a", "é/x/y", "x/\u{301}y"] {
                let c = SpecifierContext(unit: unit, fragmentPath: path)
                let last = String(unit.prefix.split(separator: "-").last ?? "")
                #expect(c.value(of: "j") == last)
                #expect(c.value(of: "J") == UnitName.unescapeBytes(last))
                var dir = Substring(path)
                if let slash = dir.lastIndex(of: "/") { dir = dir[..<slash] }
                #expect(c.value(of: "Y") == String(dir), "\(path)")
                #expect(c.value(of: "P") == UnitName.unescapeBytes(unit.prefix))
            }
        }
    }

    /// A unit's SystemCall*= lines, with resets, refused words (actions on allow lines, malformed
    /// actions), groups whose members differ between the versions and names only one resolves.
    static func filterUnit(_ rng: inout SplitMix) -> String {
        let words = ["@system-service", "@mount", "@file-system", "@default", "@known", "@sandbox", "@privileged",
            "@io-event", "mseal", "uretprobe", "open_tree", "read", "write", "uname", "@nosuch", "nosuch", "mseal:EPERM",
            "@mount:kill", "@file-system:EACCES", "open_tree:0", "uname:EPERM", "@system-service:ENOSYS", "bad:", "~x",
            "mseal:NOPE", "read:", "@clock", "@basic-io"]
        var lines: [String] = []
        for _ in 0..<Int.random(in: 1...7, using: &rng) {
            let n = Int.random(in: 0...4, using: &rng)
            let line = (0..<n).map { _ in words.randomElement(using: &rng) ?? "read" }.joined(separator: " ")
            lines.append("SystemCallFilter=" + (Bool.random(using: &rng) && !line.isEmpty ? "~" : "") + line)
            if Int.random(in: 0..<8, using: &rng) == 0 { lines.append("[Socket]") }
            if Int.random(in: 0..<8, using: &rng) == 0 { lines.append("[Service]") }
        }
        if Bool.random(using: &rng) { lines.append("SystemCallErrorNumber=EPERM") }
        if Bool.random(using: &rng) { lines.append("SystemCallLog=@mount") }
        return "[Service]\nExecStart=/bin/true\n" + lines.joined(separator: "\n") + "\n"
    }

    @Test("the other version's map from the recorded steps: what applying every line again gives")
    func replayedMap() throws {
        var rng = SplitMix(state: 96)
        var steps = 0
        for round in 0..<400 {
            let text = Self.filterUnit(&rng)
            let dropIn = Bool.random(using: &rng) ? Self.filterUnit(&rng) : nil
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let other = try SystemdContext(version: version == .v252 ? .v262 : .v252, native: .x86_64)
                var sources = [UnitSource(path: "a.service", text: text, isDropIn: false)]
                if let dropIn { sources.append(UnitSource(path: "a.service.d/b.conf", text: dropIn, isDropIn: true)) }
                let unit = LoadedUnit(name: try #require(UnitName(validating: "a.service")), sources: sources, masked: false)
                let service = ServiceDescription(unit, context: context)
                steps += service.syscalls.filterSteps.count
                for only in [nil, Set(["mseal", "open_tree", "read", "uname", "write", "mount", "chown"])] as [Set<String>?] {
                    for target in [context, other] {
                        var replayed = SystemCallSettings(context: target, suggestions: false)
                        replayed.onlyNames = only
                        replayed.diagnosing = false
                        replayed.replayFilter(service.syscalls.filterSteps)
                        var applied = SystemCallSettings(context: target, suggestions: false)
                        applied.onlyNames = only
                        applied.diagnosing = false
                        for x in service.assignments where x.key == "SystemCallFilter" { _ = applied.apply(x) }
                        #expect(replayed.filterMode == applied.filterMode && replayed.filter == applied.filter,
                            "\(round) \(version) → \(target.version) \(String(describing: only)): \(text)")
                        #expect(replayed.removals.map { "\($0.name) \($0.by) \($0.had)" }
                            == applied.removals.map { "\($0.name) \($0.by) \($0.had)" }, "\(round): \(text)")
                    }
                }
            }
        }
        #expect(steps > 2000, "too few steps: \(steps)")
    }

    @Test("the 252/262 comparison from the recorded steps: the whole-map reference's findings")
    func versionDifferences() throws {
        var rng = SplitMix(state: 97)
        var differing = 0
        for round in 0..<400 {
            let text = Self.filterUnit(&rng)
            for version in [SystemdVersion.v252, .v262] {
                let context = try SystemdContext(version: version, native: .x86_64)
                let unit = LoadedUnit(name: try #require(UnitName(validating: "a.service")),
                    sources: [UnitSource(path: "a.service", text: text, isDropIn: false)], masked: false)
                let service = ServiceDescription(unit, context: context)
                let found = UnitChecker.versionDifferences(service, context: context)
                let expected = try FastPathTests.referenceVersionDifferences(service, context: context)
                #expect(found.map(\.message) == FastPathTests.versionDifferenceMessages(expected, version),
                    "\(round) \(version): \(text)")
                if !expected.isEmpty { differing += 1 }
                // Settings that recorded no steps (made outside `ServiceDescription`) record them from the lines.
                #expect(service.syscalls.recordsSteps)
                var plain = service
                plain.syscalls = SystemCallSettings(context: context)
                for x in service.assignments { _ = plain.syscalls.apply(x) }
                #expect(!plain.syscalls.recordsSteps && plain.syscalls.filterSteps.isEmpty)
                #expect(UnitChecker.versionDifferences(plain, context: context).map(\.message) == found.map(\.message),
                    "\(round) \(version) without steps: \(text)")
            }
        }
        #expect(differing > 100, "too few units whose versions differ to tell anything: \(differing)")
    }

    @Test("a group's difference looked up in the cache first: the expansions' symmetric difference, asked twice")
    func groupDifferences() throws {
        let a = try SystemdContext(version: .v252, native: .x86_64)
        let b = try SystemdContext(version: .v262, native: .x86_64)
        for pair in [(a, b), (b, a)] {
            for group in pair.0.catalog.groupNames + ["@nosuch"] {
                let x = Set(pair.0.catalog.expand(group, resolvedBy: pair.0.version) ?? [])
                let expected = x.symmetricDifference(pair.1.catalog.expand(group, resolvedBy: pair.1.version) ?? [])
                #expect(UnitChecker.groupDifference(group, pair.0, pair.1) == expected, "\(group)")
                #expect(UnitChecker.groupDifference(group, pair.0, pair.1) == expected, "\(group) again")
            }
        }
    }

    /// The unknown-key finding as first written: `isKnown` asked for each version and section.
    static func referenceUnknownKey(_ a: UnitAssignment, version: SystemdVersion) -> String? {
        guard !a.key.hasPrefix("X-"), let known = UnitKeys.knownKeys(in: a.section, version: version), !known.contains(a.key) else {
            return nil
        }
        let suggestion = UnitKeys.suggestion(for: a.key, in: a.section, version: version)
        var note: String?
        let fix: String
        if let other = SystemdVersion.allCases.first(where: {
            $0 != version && UnitKeys.isKnown(a.key, in: a.section, version: $0) == true
        }) {
            note = "\(a.key)= exists in systemd \(other), not in \(version)"
            fix = "remove the line, or emulate systemd \(other)"
        } else if let elsewhere = UnitKeys.sections.first(where: {
            $0 != a.section && UnitKeys.isKnown(a.key, in: $0, version: version) == true
        }) {
            note = "\(a.key)= is a key of the [\(elsewhere)] section"
            fix = "move the line into [\(elsewhere)]"
        } else if let suggestion {
            fix = "did you mean '\(suggestion)'?"
        } else {
            fix = "see \(UnitKeys.manualPages[a.section] ?? "systemd.unit(5)") for the [\(a.section)] keys; prefix a custom key with X-"
        }
        return "Unknown key '\(a.key)' in section [\(a.section)], ignoring.|\(note ?? "-")|\(fix)|\(a.keyLine):\(a.keyColumn)"
    }

    @Test("an unknown key's finding from one look-up of where it is known: the per-version and per-section look-ups'")
    func unknownKeys() {
        var keys: Set<String> = ["", "X-Foo", "Foo", "systemcallfilter", "SystemCallFilterX", "ExecStart", "WantedBy", "Description"]
        for version in SystemdVersion.allCases {
            for section in UnitKeys.sections { keys.formUnion(UnitKeys.keys(in: section, version: version) ?? []) }
        }
        var rng = SplitMix(state: 99)
        for key in Array(keys).sorted().prefix(400) {
            var chars = Array(key)
            if !chars.isEmpty { chars.remove(at: Int.random(in: 0..<chars.count, using: &rng)) }
            keys.insert(String(chars))
            keys.insert(key.lowercased())
        }
        var unknown = 0, elsewhere = 0
        for key in keys.sorted() {
            for section in ["Unit", "Service", "Install", "Socket", "Mount", "X-A", "", "service"] {
                let a = UnitAssignment(section: section, key: key, value: "v", source: ValueSource(file: "a.service", line: 3, column: 9),
                    keyColumn: 2, keyLine: 3)
                for version in SystemdVersion.allCases {
                    let found = UnitKeys.unknownKeyDiagnostic(a, version: version)
                        .map { "\($0.message)|\($0.note ?? "-")|\($0.fix ?? "")|\($0.line):\($0.column)" }
                    let expected = Self.referenceUnknownKey(a, version: version)
                    #expect(found == expected, "\(key) [\(section)] \(version)")
                    if expected != nil { unknown += 1 }
                    if expected?.contains("exists in systemd") == true || expected?.contains("is a key of the") == true { elsewhere += 1 }
                }
            }
        }
        #expect(unknown > 5000 && elsewhere > 500, "too few unknown keys: \(unknown), \(elsewhere)")
    }

    @Test("sections compared as Strings and a key's kind from one table: the sets and lists apply tells them apart by")
    func dispatch() {
        var sections = ["Service", "Socket", "Mount", "Swap", "Unit", "Install", "", "service", "Service ", "X-Service", "Swapx",
            "Servic", "Mount\u{301}", "Ｓervice", "ServiceServiceServiceService"]
        sections += Self.texts(2000, seed: 100, extra: ["Service", "Unit", "Mount"])
        for section in sections {
            #expect(SystemCallSettings.isExecSection(section) == SystemCallSettings.sections.contains(section), "\(section)")
            #expect(ServiceDescription.isKnownSection(section) == ServiceDescription.knownSections.contains(section), "\(section)")
        }
        var keys = Set(ServiceDescription.keyKinds.keys).union(ExecDirectives.keys).union(ServiceDescription.execSettings)
        keys.formUnion(["Type", "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "UMask", "Foo", "type", ""])
        for version in SystemdVersion.allCases { keys.formUnion(UnitKeys.keys(in: "Service", version: version) ?? []) }
        for key in keys {
            let kind = ServiceDescription.keyKinds[key]
            let systemCall = ["SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures", "SystemCallLog"].contains(key)
            #expect((kind == .systemCall) == systemCall, "\(key)")
            #expect((kind == .directive) == (!systemCall && ExecDirectives.keys.contains(key)), "\(key)")
            let rest = !systemCall && !ExecDirectives.keys.contains(key)
            #expect((kind == .command) == (rest && ServiceDescription.execSettings.contains(key)), "\(key)")
            let named: [String: ServiceDescription.KeyKind] = ["Type": .type, "User": .user, "Group": .group,
                "WorkingDirectory": .workingDirectory, "Environment": .environment, "EnvironmentFile": .environmentFile, "UMask": .umask]
            if rest, !ServiceDescription.execSettings.contains(key) { #expect(kind == named[key], "\(key)") }
        }
    }
}
