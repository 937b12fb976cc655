// SetFileParserTests.swift: the set-file parser's results and errors, position by position.
// The parser scans bytes; these vectors pin what it reads and where it points, including the
// lines where a non-ASCII character decides by characters (a combining mark after an ASCII
// character makes a different character).

import SeccomposeDiagnostics
import SeccomposeSets
import Testing

@Suite("set file parser")
struct SetFileParserTests {
    struct Member: Equatable, CustomStringConvertible {
        var name: String, since: Int?, until: Int?, line: Int, column: Int
        var description: String { "\(name) since=\(since.map(String.init) ?? "-") until=\(until.map(String.init) ?? "-") @\(line):\(column)" }
    }

    static func members(_ d: SetDefinition) -> [Member] {
        d.members.map { Member(name: $0.name, since: $0.since, until: $0.until, line: $0.position.line, column: $0.position.column) }
    }

    @Test("members, versions, comments, indentation, CRLF and the trailing line")
    func parsesMembers() throws {
        let text = "# head\r\ndescription:  \tSome  text # kept\nsince: 253\n\n  read\t# why\n\t@other since=254 until=260\nwrite until=262\r\n"
        let d = try SetFileParser.parse(text, groupName: "mine", file: "f.set")
        #expect(d.name == "@mine")
        #expect(d.description == "Some  text # kept")
        #expect(d.since == 253)
        #expect(Self.members(d) == [
            Member(name: "read", since: nil, until: nil, line: 5, column: 3),
            Member(name: "@other", since: 254, until: 260, line: 6, column: 2),
            Member(name: "write", since: nil, until: 262, line: 7, column: 1),
        ])
    }

    @Test("a description or version keeps its non-ASCII characters as characters")
    func nonASCII() throws {
        let d = try SetFileParser.parse("description: Größe ✓\nread\n", groupName: "g", file: "f")
        #expect(d.description == "Größe ✓")
        // A space followed by a combining mark is one character that is not a space: kept.
        let e = try SetFileParser.parse("description: \u{301}x\nread\n", groupName: "g", file: "f")
        #expect(e.description == " \u{301}x")
    }

    static let errorVectors: [(String, String)] = [
        ("read\n", "f:1:1: member before the 'description:' line"),
        ("", "f:1:1: no 'description:' line"),
        ("# only\n\n", "f:3:1: no 'description:' line"),
        ("description: a\ndescription: b\n", "f:2:1: a second 'description:' line"),
        ("description: a\nread\n  description: b\n", "f:3:3: a second 'description:' line"),
        ("description:   \n", "f:1:1: empty description"),
        ("description: a\nsince: 2x\n", "f:2:7: '2x' is not a systemd version"),
        ("description: a\nread\nsince: 253\n", "f:3:1: 'since:' must come once, before the members"),
        ("description: a\nread\n wr!te\n", "f:3:2: invalid member 'wr!te'"),
        ("description: a\n@Bad\n", "f:2:1: invalid member '@Bad'"),
        ("description: a\nread since=1 until=1\n", "f:2:1: member 'read' belongs to no version (since=1 until=1)"),
        ("description: a\nread  since=x\n", "f:2:7: unexpected 'since=x' after the member"),
        ("description: a\nread since=1 since=2\n", "f:2:14: 'since=' given twice"),
        ("description: a\nread\n\tread\n", "f:3:2: duplicate member 'read' (first on line 2)"),
        // '@' with a combining mark is not '@': the name is judged as a syscall name.
        ("description: a\n@\u{301}x\n", "f:2:1: invalid member '@\u{301}x'"),
        // 'description:' followed by a combining mark is not the keyword: a member line.
        ("description\u{301}: a\n", "f:1:1: member before the 'description:' line"),
    ]

    @Test("errors name the line, the column and the problem", arguments: errorVectors)
    func reportsErrors(text: String, expected: String) {
        do {
            _ = try SetFileParser.parse(text, groupName: "g", file: "f")
            Issue.record("no error for \(text.debugDescription)")
        } catch {
            let p = error.position
            #expect("\(p.file ?? ""):\(p.line):\(p.column): \(error.message)" == expected)
        }
    }

    @Test("'@' with a combining mark gets the syscall-name fix")
    func combiningAt() {
        do {
            _ = try SetFileParser.parse("description: a\n@\u{301}x\n", groupName: "g", file: "f")
            Issue.record("no error")
        } catch {
            #expect(error.fix == "syscall names use lower-case letters, digits and '_'")
        }
    }
}
