// The environment a launched command inherits (`UnitLaunch.processEnvironmentEntries`): the
// process's NAME=value entries, one per name (the last wins), sorted, made without a dictionary.
// Held here to the dictionary-based reading it replaced, on environments with duplicates,
// entries without '=', empty names and values, and names that are prefixes of each other.

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
