// Invariants of sets/*.set and the embedded copy, and agreement with systemd 262.1's tables.

import Foundation
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSets

func runScript(_ args: [String]) throws -> (Int32, String) {
    let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", repositoryRoot, "/usr/bin/env"] + args)
    return (r.status, r.stdout + r.stderr)
}

@Suite("sets/ data invariants")
struct SetDataTests {
    static let files: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/sets")) ?? [])
            .filter { $0.hasSuffix(".set") }.sorted()
    }()

    static let allowedUnknown: Set<String> = {
        let text = (try? TextFile.read(repositoryRoot + "/sets/unknown-allowed.txt")) ?? ""
        return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(separator: " ").first.map(String.init)
        })
    }()

    static func definition(_ file: String) throws -> SetDefinition {
        try SetFileParser.parse(try TextFile.read(repositoryRoot + "/sets/" + file),
            groupName: String(file.dropLast(4)), file: "sets/" + file)
    }

    @Test("there are 30 group files") func count() { #expect(Self.files.count == 30) }

    @Test("each file parses, is described, sorted, duplicate-free, and uses only supported versions",
        arguments: files)
    func invariants(file: String) throws {
        let d = try Self.definition(file)
        #expect(!d.description.isEmpty)
        #expect(SetFileParser.isCanonicallyOrdered(d.members.map(\.name)), "\(file) is not sorted")
        #expect(Set(d.members.map(\.name)).count == d.members.count)
        let supported = Set(SystemdVersion.allCases.map(\.rawValue))
        for m in d.members {
            if let s = m.since { #expect(supported.contains(s), "\(file): \(m.name) since=\(s)") }
            if let u = m.until { #expect(supported.contains(u), "\(file): \(m.name) until=\(u)") }
        }
        let text = try TextFile.read(repositoryRoot + "/sets/" + file)
        #expect(!text.contains("\n\n"), "\(file) has a blank line")
        #expect(text.hasSuffix("\n"))
    }

    @Test("every member is a syscall on at least one ABI, or listed in sets/unknown-allowed.txt", arguments: files)
    func membersKnown(file: String) throws {
        for m in try Self.definition(file).members where !m.isGroup {
            #expect(SyscallTable.isKnown(m.name) || Self.allowedUnknown.contains(m.name),
                "\(m.position): \(m.name) is in no ABI's table")
        }
    }

    @Test("unknown-allowed.txt is sorted and lists only names that really are unknown and used")
    func allowList() throws {
        let text = try TextFile.read(repositoryRoot + "/sets/unknown-allowed.txt")
        let names = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").first }
            .map(String.init)
        #expect(names == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        var used: Set<String> = []
        for f in Self.files { for m in try Self.definition(f).members { used.insert(m.name) } }
        for n in names {
            #expect(!SyscallTable.isKnown(n), "\(n) is known; remove it from the list")
            #expect(used.contains(n), "\(n) is used by no group")
        }
    }

    @Test("for every version: references resolve, no cycles, @default first and @known last",
        arguments: SystemdVersion.allCases)
    func catalog(version: SystemdVersion) throws {
        let c = try SetCatalog.load(version: version, userDirectories: [])
        // load() checks only catalogs with user sets; the built-in groups are checked here.
        try c.checkReferences()
        #expect(c.groups.first?.name == "@default")
        #expect(c.groups.last?.name == "@known")
        #expect(c.groups.count == (version == .v252 ? 29 : 30))
    }

    @Test("the embedded copy equals the files (run scripts/gen-builtin-sets.py after editing sets/)")
    func embeddedIsFresh() throws {
        let (status, output) = try runScript(["python3", "scripts/gen-builtin-sets.py", "--check"])
        #expect(status == 0, "\(output)")
        for (name, text) in BuiltinData.setFiles {
            #expect(try TextFile.read(repositoryRoot + "/sets/\(name).set") == text)
        }
    }

    @Test("the generated rows are what the set-file parser reads from the embedded files")
    func rowsEqualParsedFiles() throws {
        #expect(BuiltinData.definitions.count == BuiltinData.setFiles.count)
        for (name, text) in BuiltinData.setFiles {
            let parsed = try SetFileParser.parse(text, groupName: name, file: "<builtin>/sets/\(name).set")
            let row = try #require(BuiltinData.definitions.first { $0.name == "@" + name })
            #expect(row.description == parsed.description, "\(name)")
            #expect(row.since == parsed.since, "\(name)")
            #expect(row.file == parsed.file, "\(name)")
            // SetMember is Hashable over name, since, until and position (file, line, column).
            #expect(row.members == parsed.members, "\(name)")
        }
        #expect(BuiltinData.definitions.map(\.name) == BuiltinData.setFiles.map { "@" + $0.0 })
    }

    @Test("a cycle in user sets is an error with a position")
    func cycle() throws {
        let dir = NSTemporaryDirectory() + "seccompose-cycle-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "description: a\n@b\n".write(toFile: dir + "/a.set", atomically: true, encoding: .utf8)
        try "description: b\n@a\nread\n".write(toFile: dir + "/b.set", atomically: true, encoding: .utf8)
        #expect {
            try SetCatalog.load(version: .v262, userDirectories: [dir])
        } throws: { error in
            (error as? SetFileError)?.message.contains("cycle") == true
        }
    }

    @Test("user sets may nest built-in groups; a clash with a built-in name is an error")
    func userSets() throws {
        let dir = NSTemporaryDirectory() + "seccompose-user-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "description: My daemon\n@basic-io\nuname\n".write(toFile: dir + "/mine.set", atomically: true, encoding: .utf8)
        let c = try SetCatalog.load(version: .v252, userDirectories: [dir])
        #expect(c.expand("@mine")?.contains("uname") == true)
        #expect(c.expand("@mine")?.contains("pread64") == true)
        try "description: x\nread\n".write(toFile: dir + "/sandbox.set", atomically: true, encoding: .utf8)
        #expect(throws: SetFileError.self) { try SetCatalog.load(version: .v252, userDirectories: [dir]) }
    }

    @Test(
        "set-file syntax errors carry file:line:col and a fix",
        arguments: [
            ("read\n", 1, 1), ("description: x\nRead\n", 2, 1), ("description: x\nread since=abc\n", 2, 6),
            ("description: x\nread\nread\n", 3, 1), ("description: x\ndescription: y\n", 2, 1),
            ("description: x\nread since=262 until=252\n", 2, 1), ("", 1, 1),
        ])
    func syntaxErrors(text: String, line: Int, column: Int) {
        #expect {
            try SetFileParser.parse(text, groupName: "t", file: "t.set")
        } throws: { error in
            guard let e = error as? SetFileError else { return false }
            return e.position.line == line && e.position.column == column && !e.fix.isEmpty
        }
    }
}

@Suite("agreement with systemd 262.1 (Tests/Fixtures/systemd262.1-groups.txt)")
struct Systemd262Tests {
    /// The fixture's lines: "@GROUP MEMBER", one member (a nested @group or a syscall name) a line.
    static func lines() throws -> [String] {
        let text = try TextFile.read(repositoryRoot + "/Tests/Fixtures/systemd262.1-groups.txt")
        #expect(text.hasSuffix("\n"), "the groups fixture must end with a newline")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Each group's members as systemd-analyze syscall-filter prints them: nested groups first,
    /// then syscall names, each part in byte order, which is the file's order ('@' sorts first).
    static func appendix() throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for line in try lines() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2 else { continue }
            out[fields[0], default: []].append(fields[1])
        }
        return out
    }

    @Test("the groups fixture: two fields a line, sorted, no duplicates, nested groups are groups of the file")
    func fixtureInvariants() throws {
        let lines = try Self.lines()
        #expect(lines.count == 1062)
        #expect(lines == lines.sorted(), "keep the file sorted (LC_ALL=C sort)")
        #expect(Set(lines).count == lines.count, "duplicate lines")
        let groups = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            try #require(fields.count == 2 && fields.allSatisfy { !$0.isEmpty }, "not 'GROUP MEMBER': \(line)")
            #expect(fields[0].hasPrefix("@"), "\(line)")
            if fields[1].hasPrefix("@") {
                #expect(groups.contains(String(fields[1])), "includes an unknown group: \(line)")
            } else {
                #expect(fields[1].allSatisfy { $0 == "_" || $0.isLowercase || $0.isNumber }, "not a syscall name: \(line)")
            }
        }
    }

    @Test("every 262.1 group has exactly the fixture's includes and members, in order")
    func groups() throws {
        let expected = try Self.appendix()
        #expect(expected.count == 30)
        let c = try SetCatalog.builtin(.v262)
        for (name, e) in expected {
            let g = try #require(c.group(named: name), "\(name) missing")
            #expect(g.memberNames == e, "\(name)")
        }
        #expect(c.groups.count == expected.count)
        #expect(c.ungrouped.count == 83)
        #expect(c.expand("@system-service")?.count == 395)
        #expect(c.expand("@known")?.count == 561)
    }
}
