// The catalog's group order (`SetCatalog.groups`, `groupNames`: @default first, @known last, the
// others by their bytes) is found by sorting names with their ranks. Held here to the sort of the
// groups themselves it replaced, on both built-in catalogs and on random names.

import Testing

@testable import SeccomposeSets

@Suite("group order")
struct GroupOrderTests {
    /// The order before: the groups sorted, ranks and names compared in each comparison.
    static func previous(_ names: [String]) -> [String] {
        names.sorted { a, b in
            func rank(_ n: String) -> Int { n == "@default" ? 0 : n == "@known" ? 2 : 1 }
            if rank(a) != rank(b) { return rank(a) < rank(b) }
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }

    @Test("built-in catalogs: the same order, and groups follows groupNames", arguments: [SystemdVersion.v252, .v262])
    func builtin(_ version: SystemdVersion) throws {
        let catalog = try SetCatalog.builtin(version)
        #expect(catalog.groupNames == Self.previous(catalog.groupNames))
        #expect(catalog.groupNames.first == "@default" && catalog.groupNames.last == "@known")
        #expect(catalog.groups.map { $0.name } == catalog.groupNames)
    }

    @Test("random names (prefixes, non-ASCII, canonically equivalent, empty): the same order")
    func random() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["@", "a", "b", "-", "@default", "@known", "\u{E9}", "e\u{301}", "Z", ""]
        for _ in 0..<300 {
            var names = Set<String>()
            for _ in 0..<Int.random(in: 0...20, using: &rng) {
                names.insert((0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined())
            }
            let list = Array(names)
            #expect(SetCatalog.ordered(list) == Self.previous(list), "\(list)")
        }
    }
}
