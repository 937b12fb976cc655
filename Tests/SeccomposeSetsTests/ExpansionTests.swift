// Group expansion (`SetCatalog.expand(_:in:)`) marks the names the syscall table knows by id and
// keeps a set only for other names. Held here to the set-of-Strings expansion it replaced: every
// group of both built-in catalogs, and random catalogs of nested groups with cycles, unknown and
// repeated names, and names that are canonically equivalent but not equal as bytes.

import SeccomposeDiagnostics
import SeccomposeSyscalls
import Testing

@testable import SeccomposeSets

@Suite("group expansion")
struct ExpansionTests {
    /// The expansion before: names and groups seen in sets of Strings.
    static func previous(_ name: String, in groups: [String: SyscallGroup]) -> [String] {
        var seenGroups: Set<String> = []
        var seenNames: Set<String> = []
        var list: [String] = []
        func walk(_ g: String) {
            guard seenGroups.insert(g).inserted, let group = groups[g] else { return }
            for m in group.members {
                if m.isGroup {
                    walk(m.name)
                } else if seenNames.insert(m.name).inserted {
                    list.append(m.name)
                }
            }
        }
        walk(name)
        return list
    }

    static func group(_ name: String, _ members: [String]) -> SyscallGroup {
        SyscallGroup(name: name, description: "", members: members.map {
            SetMember(name: $0, since: nil, until: nil, position: SourcePosition(file: nil, line: 1, column: 1))
        }, isBuiltin: false, file: "")
    }

    @Test("every built-in group of 252 and 262: as before", arguments: [SystemdVersion.v252, .v262])
    func builtin(_ version: SystemdVersion) throws {
        let catalog = try SetCatalog.builtin(version)
        var groups: [String: SyscallGroup] = [:]
        for name in catalog.groupNames { groups[name] = catalog.group(named: name) }
        #expect(groups.count >= 29)
        for name in catalog.groupNames {
            #expect(SetCatalog.expand(name, in: groups) == Self.previous(name, in: groups), "\(name)")
        }
    }

    @Test("random nested groups (cycles, unknown, repeated and canonically equivalent names): as before")
    func random() {
        var rng = SystemRandomNumberGenerator()
        let known = ["read", "write", "openat", "uname", "getpid", "clone", "ioctl"]
        let unknown = ["not_a_syscall", "caf\u{E9}", "cafe\u{301}", "READ", "read ", ""]
        for _ in 0..<300 {
            let names = (0..<Int.random(in: 1...6, using: &rng)).map { "@g\($0)" }
            var groups: [String: SyscallGroup] = [:]
            for g in names {
                let members = (0..<Int.random(in: 0...12, using: &rng)).map { _ -> String in
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0...1: return names.randomElement(using: &rng) ?? "@g0"
                    case 2: return "@missing"
                    case 3...4: return unknown.randomElement(using: &rng) ?? ""
                    default: return known.randomElement(using: &rng) ?? "read"
                    }
                }
                groups[g] = Self.group(g, members)
            }
            for g in names + ["@missing"] {
                #expect(SetCatalog.expand(g, in: groups) == Self.previous(g, in: groups), "\(g) in \(groups.mapValues(\.memberNames))")
            }
        }
    }

    @Test("resolvesSyscall by table id: as the name sets say, for every name of the table and names outside it")
    func resolvesByID() {
        let outside = ["", "not_a_syscall", "READ", "read ", "caf\u{E9}"] + Array(BuiltinData.libseccomp254Unknown)
        for name in SyscallTable.allNames + outside {
            let known = SyscallTable.isKnown(name)
            #expect(SystemdVersion.v262.resolvesSyscall(name) == known, "\(name)")
            #expect(SystemdVersion.v252.resolvesSyscall(name) == (known && !BuiltinData.libseccomp254Unknown.contains(name)), "\(name)")
        }
        #expect(!BuiltinData.libseccomp254Unknown.isEmpty)
        #expect(BuiltinData.libseccomp254Unknown.contains { SyscallTable.isKnown($0) }, "some name 2.5.4 lacks is in the table")
    }
}
