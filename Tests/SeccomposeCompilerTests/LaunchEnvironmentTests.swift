// The environment a launched command inherits (`UnitLaunch.processEnvironmentEntries`): the
// process's NAME=value entries, one per name (the last wins), sorted, made without a dictionary.
// Held here to the dictionary-based reading it replaced, on environments with duplicates,
// entries without '=', empty names and values, and names that are prefixes of each other; and to
// the byte-wise reading before names were read once, on random environments.

import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeLaunch

@Suite("launch environment")
struct LaunchEnvironmentTests {
    /// The reading `run` used before: a dictionary by name (last wins), written back and sorted.
    static func reference(_ raw: [String]) -> [String] {
        var byName: [String: String] = [:]
        for s in raw {
            guard let eq = s.firstIndex(of: "=") else { continue }
            byName[String(s[..<eq])] = String(s[s.index(after: eq)...])
        }
        return byName.map { "\($0.key)=\($0.value)" }.sorted()
    }

    static let environments: [[String]] = [
        [],
        ["PATH=/usr/bin:/bin", "HOME=/root", "TERM=xterm"],
        ["A=1", "B=2", "A=3"],
        ["A=1", "A=", "A=2", "A==x"],
        ["NOEQUALS", "X=1", "=empty-name", "=", "Y"],
        ["AB=1", "A=2", "A.B=3", "A-B=4", "A=5", "AB=6", "A_=7"],
        ["LANG=C.UTF-8", "NAME=ümlaut=1", "ÜBER=2", "über=3", "ÜBER=4"],
        (0..<300).map { "V\($0 % 97)=\($0)" },
    ]

    @Test("the entries are the dictionary reading's, written back and sorted", arguments: environments.indices)
    func sameAsDictionary(_ i: Int) {
        let raw = Self.environments[i]
        #expect(UnitLaunch.environmentEntries(raw) == Self.reference(raw), "\(raw)")
    }

    /// The byte-wise reading before names were read once (Substring.UTF8View comparisons in the
    /// sort): names equal as bytes are one name, canonically equivalent ones (`é`, `e` + U+0301)
    /// are not, as for execve and getenv.
    static func previous(_ raw: [String]) -> [String] {
        let equals = UInt8(ascii: "=")
        let given = raw.filter { $0.utf8.contains(equals) }
        func name(_ i: Int) -> Substring.UTF8View {
            let u = given[i].utf8
            return u[..<(u.firstIndex(of: equals) ?? u.endIndex)]
        }
        let order = given.indices.sorted { a, b in
            let (x, y) = (name(a), name(b))
            return x.elementsEqual(y) ? a < b : x.lexicographicallyPrecedes(y)
        }
        var kept: [String] = []
        for (k, i) in order.enumerated() where k + 1 == order.count || !name(order[k + 1]).elementsEqual(name(i)) {
            kept.append(given[i])
        }
        return kept.sorted()
    }

    @Test("random environments (names of bytes below and above '=', non-ASCII, canonically equivalent, prefixes, duplicates): as before")
    func randomEnvironments() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["A", "B", "a", "1", "-", ".", "_", "AB", "é", "Ü", "e\u{301}", ""]
        for _ in 0..<300 {
            let raw: [String] = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                let name = (0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: return name  // no '='
                case 1: return name + "=" + "=x"
                default: return name + "=" + String(Int.random(in: 0..<5, using: &rng))
                }
            }
            #expect(UnitLaunch.environmentEntries(raw) == Self.previous(raw), "\(raw)")
        }
    }

    @Test("names compare as bytes: memcmp, then the shorter first")
    func byteOrder() {
        let names: [[UInt8]] = [[], [0x41], [0x41, 0x42], [0x41, 0x2D], [0x42], [0xC3, 0xA9], [0x41, 0x00], [0xFF]]
        for a in names {
            for b in names {
                let c = Bytewise.compare(a, b)
                #expect((c < 0) == a.lexicographicallyPrecedes(b) && (c == 0) == (a == b), "\(a) \(b)")
            }
        }
    }

    @Test("one entry per name, the last given")
    func lastWins() {
        #expect(UnitLaunch.environmentEntries(["A=1", "B=x", "A=2", "A=3", "B=y"]) == ["A=3", "B=y"])
    }

    @Test("this process's entries and its dictionary agree")
    func processAgrees() {
        let byName = UnitLaunch.processEnvironment()
        let entries = UnitLaunch.processEnvironmentEntries()
        #expect(entries == byName.map { "\($0.key)=\($0.value)" }.sorted())
        #expect(!entries.isEmpty)
    }
}
