// The fast paths of the ninth fuzzing pass (issue 15, the unit target) against the computations
// they replace: the ASCII test four words a turn against a byte loop, a '%' Character found in
// place against the Character search, `unescape` without a '-' or '\' byte against the byte loop,
// the `%j`/`%J` and `%Y` parts of ASCII text on bytes against the Character split and search, the
// 252/262 comparison from the map's recorded steps against applying every line again (and against
// the whole-map reference), and the group differences looked up in the cache first against the
// expansions' symmetric difference.

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
                let other: SystemdVersion = version == .v252 ? .v262 : .v252
                let message = expected.isEmpty ? nil
                    : "systemd \(version) and \(other) decide differently for \(expected.count) syscalls: "
                        + expected.prefix(6).joined(separator: ", ") + (expected.count > 6 ? ", …" : "")
                #expect(found.map(\.message) == (message.map { [$0] } ?? []), "\(round) \(version): \(text)")
                if !expected.isEmpty { differing += 1 }
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
}
