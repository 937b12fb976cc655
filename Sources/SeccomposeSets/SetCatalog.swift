// SetCatalog.swift: the syscall groups of one systemd version, plus user groups.

import SeccomposeDiagnostics
import SeccomposeSyscalls
import Synchronization

/// A syscall group as one systemd version defines it.
public struct SyscallGroup: Sendable {
    /// The name, starting with `@`.
    public var name: String
    /// The one-line help text `systemd-analyze syscall-filter` prints.
    public var description: String
    /// Direct members in file order: syscall names and `@group` references.
    public var members: [SetMember]
    /// Whether the group ships with Seccompose (false for `--sets DIR` groups).
    public var isBuiltin: Bool
    /// The file the group came from.
    public var file: String

    /// The direct member names, in order.
    public var memberNames: [String] { members.map(\.name) }
}

/// The groups available under one systemd version: the built-in ones and any user sets.
public struct SetCatalog: Sendable {
    /// The systemd version whose tables were selected.
    public let version: SystemdVersion
    private var groupsByName: [String: SyscallGroup] {
        didSet {
            expansions = ExpansionCache(groups: groupsByName, version: version)
            groupNames = Self.ordered(Array(groupsByName.keys))
        }
    }
    /// The names of `groups`, in the same order (made once).
    public private(set) var groupNames: [String] = []
    /// Each group's expansion, made when first asked for (a launch needs a few groups, not
    /// all of them; groups never change after loading).
    private var expansions: ExpansionCache

    private init(version: SystemdVersion, groupsByName: [String: SyscallGroup]) {
        self.version = version
        self.groupsByName = groupsByName
        self.expansions = ExpansionCache(groups: groupsByName, version: version)
        self.groupNames = Self.ordered(Array(groupsByName.keys))
    }

    /// The expansions of one set of groups, each made once when first asked for and shared by
    /// every copy of the catalog that holds these groups.
    final class ExpansionCache: Sendable {
        let groups: [String: SyscallGroup]
        let version: SystemdVersion
        /// name → (expansion, the expansion without names `version` does not resolve).
        private let made = Mutex<[String: (all: [String], resolved: [String])]>([:])

        init(groups: [String: SyscallGroup], version: SystemdVersion) {
            self.groups = groups
            self.version = version
        }

        /// The expansion of `name` and its resolved part, or nil for an unknown group.
        func expansion(_ name: String) -> (all: [String], resolved: [String])? {
            if let known = made.withLock({ $0[name] }) { return known }
            guard groups[name] != nil else { return nil }
            let all = SetCatalog.expand(name, in: groups)
            let entry = (all: all, resolved: all.filter { version.resolvesSyscall($0) })
            made.withLock { $0[name] = entry }
            return entry
        }
    }

    /// The names `name` stands for in `groups`: nested groups depth-first, each name once, in
    /// first-seen order.
    static func expand(_ name: String, in groups: [String: SyscallGroup]) -> [String] {
        var seenGroups: [String] = []
        // Names the syscall table knows are marked by id (a set of Strings hashed each of the
        // hundreds of names of @system-service and grew as it went: about 1,000 instructions a
        // name, at every launch); other names (user sets) in a set.
        let index = SyscallTable.nameIndex
        var seenIDs = [Bool](repeating: false, count: SyscallTable.allNames.count)
        var seenOthers: Set<String> = []
        var list: [String] = []
        func walk(_ g: String) {
            guard !seenGroups.contains(g), let group = groups[g] else { return }
            seenGroups.append(g)
            for m in group.members {
                if m.isGroup {
                    walk(m.name)
                    continue
                }
                if let id = index.id(of: m.name), id < seenIDs.count {
                    if seenIDs[id] { continue }
                    seenIDs[id] = true
                } else if !seenOthers.insert(m.name).inserted {
                    continue
                }
                list.append(m.name)
            }
        }
        walk(name)
        return list
    }

    /// The built-in groups of `version`.
    public static func builtin(_ version: SystemdVersion) throws(SetFileError) -> SetCatalog {
        switch version {
        case .v252: return builtin252
        case .v262: return builtin262
        }
    }

    /// The built-in catalogs, each made once, when first used.
    static let builtin252 = makeBuiltin(.v252)
    static let builtin262 = makeBuiltin(.v262)

    static func makeBuiltin(_ version: SystemdVersion) -> SetCatalog {
        var groups = [String: SyscallGroup](minimumCapacity: BuiltinData.definitions.count)
        for d in BuiltinData.definitions where d.exists(in: version.rawValue) {
            // Made at their size (a filtered copy grew as it went: about 150 instructions a member).
            var members: [SetMember] = []
            members.reserveCapacity(d.members.count)
            for m in d.members where m.belongs(to: version.rawValue) { members.append(m) }
            groups[d.name] = SyscallGroup(
                name: d.name, description: d.description, members: members, isBuiltin: true, file: d.file)
        }
        return SetCatalog(version: version, groupsByName: groups)
    }

    /// A catalog of the built-in groups of `version` plus the `*.set` files of each directory.
    ///
    /// - Throws: `SetFileError` for an unreadable directory or file, a syntax error, a group
    ///   whose name is also a built-in group (of any version), a reference to an unknown group,
    ///   or a cycle of references.
    public static func load(version: SystemdVersion, userDirectories: [String]) throws(SetFileError) -> SetCatalog {
        var catalog = try builtin(version)
        // The built-in groups alone are checked by the test suite (SetDataTests), not at every start.
        guard !userDirectories.isEmpty else { return catalog }
        for dir in userDirectories {
            try catalog.addUserSets(directory: dir)
        }
        try catalog.checkReferences()
        return catalog
    }

    /// Adds every `*.set` file of `directory`.
    mutating func addUserSets(directory: String) throws(SetFileError) {
        let entries: [String]
        do { entries = try TextFile.listDirectory(directory) } catch { throw SetFileError(error) }
        for entry in entries.sorted() where entry.hasSuffix(".set") && !entry.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            let text: String
            do { text = try TextFile.read(path) } catch { throw SetFileError(error) }
            let name = String(entry.dropLast(4))
            let definition = try SetFileParser.parse(text, groupName: name, file: path)
            let position = SourcePosition(file: path, line: 1, column: 1)
            if BuiltinData.groupNames.contains(definition.name) {
                throw SetFileError(position: position,
                    message: "group \(definition.name) clashes with the built-in group of the same name",
                    fix: "rename the file; a user group may include \(definition.name) as a member instead")
            }
            if let other = groupsByName[definition.name] {
                throw SetFileError(position: position,
                    message: "group \(definition.name) is defined twice (also in \(other.file))",
                    fix: "keep one definition")
            }
            guard definition.exists(in: version.rawValue) else { continue }
            groupsByName[definition.name] = SyscallGroup(
                name: definition.name, description: definition.description,
                members: definition.members.filter { $0.belongs(to: version.rawValue) }, isBuiltin: false,
                file: path)
        }
    }

    /// Checks that every reference resolves and that no group includes itself.
    func checkReferences() throws(SetFileError) {
        for group in groupsByName.values.sorted(by: { $0.name < $1.name }) {
            for member in group.members where member.isGroup && groupsByName[member.name] == nil {
                throw SetFileError(position: member.position,
                    message: "unknown group \(member.name) in \(group.name) (systemd \(version))",
                    fix: "define \(member.name) in a .set file, fix the spelling, or tag the line with since=/until=")
            }
        }
        var state: [String: Bool] = [:]  // false: on the stack, true: done
        func visit(_ name: String, path: [SetMember]) throws(SetFileError) {
            if state[name] == true { return }
            if state[name] == false, let last = path.last {
                throw SetFileError(position: last.position,
                    message: "cycle of group references: \(path.map(\.name).joined(separator: " -> "))",
                    fix: "remove one of the references so that no group includes itself")
            }
            state[name] = false
            for member in groupsByName[name]?.members ?? [] where member.isGroup {
                try visit(member.name, path: path + [member])
            }
            state[name] = true
        }
        for name in groupsByName.keys.sorted() { try visit(name, path: []) }
    }

    /// The group called `name` (with its `@`), or nil.
    public func group(named name: String) -> SyscallGroup? { groupsByName[name] }

    /// All groups in systemd's order: `@default` first, then by name, `@known` last.
    public var groups: [SyscallGroup] { groupNames.compactMap { groupsByName[$0] } }

    /// Group names in `groups`' order: @default first, @known last, the others by their bytes.
    /// (Sorted as names, with the ranks found once: sorting the groups themselves copied two of
    /// them and compared their names four times a comparison, at every launch.)
    static func ordered(_ names: [String]) -> [String] {
        let keyed = names.map { name -> (rank: Int, name: String) in
            (name == "@default" ? 0 : name == "@known" ? 2 : 1, name)
        }
        return keyed.sorted { a, b in a.rank != b.rank ? a.rank < b.rank : Bytewise.precedes(a.name, b.name) }.map { $0.name }
    }

    /// The syscall names a group stands for, nested groups expanded depth-first, each name
    /// once, in first-seen order. Nil when the group is unknown.
    public func expand(_ name: String) -> [String]? { expansions.expansion(name)?.all }

    /// `expand(name)` without the names `resolver` does not resolve as a syscall
    /// (`SystemdVersion.resolvesSyscall`), in the same order; made once per group for the
    /// catalog's own version.
    public func expand(_ name: String, resolvedBy resolver: SystemdVersion) -> [String]? {
        guard let made = expansions.expansion(name) else { return nil }
        return resolver == version ? made.resolved : made.all.filter { resolver.resolvesSyscall($0) }
    }

    /// Members of `@known` that are a direct member of no other group, sorted: the
    /// "Ungrouped System Calls" section of `systemd-analyze syscall-filter`.
    public var ungrouped: [String] {
        guard let known = groupsByName["@known"] else { return [] }
        var grouped: Set<String> = []
        for g in groupsByName.values where g.name != "@known" {
            for m in g.members where !m.isGroup { grouped.insert(m.name) }
        }
        return known.members.filter { !$0.isGroup && !grouped.contains($0.name) }.map(\.name)
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Direct members of every group, `@known` included.
    public var allDirectMembers: Set<String> {
        var all: Set<String> = []
        for g in groupsByName.values { for m in g.members where !m.isGroup { all.insert(m.name) } }
        return all
    }
}
