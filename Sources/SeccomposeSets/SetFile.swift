// SetFile.swift: the parser for sets/*.set files (format: sets/README.md).

import SeccomposeDiagnostics
import SeccomposeSyscalls

/// One member line of a set file: a syscall name or an `@group` reference, with the systemd
/// versions it belongs to.
public struct SetMember: Sendable, Hashable {
    /// The syscall name, or the group name including its `@`.
    public var name: String
    /// The first version that has the member, if it is newer than the oldest supported one.
    public var since: Int?
    /// The first version that no longer has the member.
    public var until: Int?
    /// Where the member was written.
    public var position: SourcePosition

    /// Whether the member names a nested group.
    public var isGroup: Bool { name.hasPrefix("@") }

    /// Whether the member is part of the group in systemd `version`.
    public func belongs(to version: Int) -> Bool {
        if let s = since, version < s { return false }
        if let u = until, version >= u { return false }
        return true
    }
}

/// A parsed set file: one syscall group in all versions.
public struct SetDefinition: Sendable {
    /// The group name with its `@`, taken from the file name.
    public var name: String
    public var description: String
    /// The first version that has the group at all.
    public var since: Int?
    public var members: [SetMember]
    /// Where the file came from.
    public var file: String

    /// Whether the group exists in systemd `version`.
    public func exists(in version: Int) -> Bool { since.map { version >= $0 } ?? true }
}

/// A problem in a set file, with its position and a way to fix it.
public struct SetFileError: ReportableError, Sendable, Equatable {
    public var position: SourcePosition
    public var message: String
    public var fix: String

    /// `FILE:LINE:COL: error: MESSAGE` and the fix.
    public var report: ErrorReport { ErrorReport(message, at: position, fix: fix) }

    public init(position: SourcePosition, message: String, fix: String) {
        self.position = position
        self.message = message
        self.fix = fix
    }

    /// Wraps a file access error (reported at line 1, column 1 of the file).
    public init(_ error: FileAccessError) {
        self.init(position: SourcePosition(file: error.path, line: 1, column: 1), message: error.message, fix: error.fix)
    }
}

/// Parses set files.
public enum SetFileParser {
    /// Characters a group name (the file name without `.set`) may use.
    static func isValidGroupName(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    /// Characters a syscall name may use.
    static func isValidSyscallName(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// Parses the text of one set file.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - groupName: the group's name without `@` (the file name without `.set`).
    ///   - file: the path or label used in error positions.
    public static func parse(_ text: String, groupName: String, file: String) throws(SetFileError)
        -> SetDefinition
    {
        func fail(_ line: Int, _ column: Int, _ message: String, _ fix: String) -> SetFileError {
            SetFileError(position: SourcePosition(file: file, line: line, column: column), message: message, fix: fix)
        }
        guard isValidGroupName(Substring(groupName)) else {
            throw fail(1, 1, "invalid group name '\(groupName)' (from the file name)",
                "name the file with lower-case letters, digits, '-' and '_' only, ending in .set")
        }
        var description: String?
        var since: Int?
        var members: [SetMember] = []
        var seen: [String: Int] = [:]
        var lineNumber = 0
        // Lines and words are found in the UTF-8 bytes (start-up reads every built-in set file;
        // grapheme breaking was most of that). Columns count bytes, which equal characters
        // everywhere a column is reported: only ASCII (names, spaces) precedes those positions.
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var lineBytes = rawLine
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            let indent = lineBytes.prefix { $0 == space || $0 == tab }.count
            let contentBytes = lineBytes.dropFirst(indent)
            if contentBytes.isEmpty || contentBytes.first == hash { continue }
            let content = Substring(contentBytes)
            if content.hasPrefix("description:") {
                guard description == nil else {
                    throw fail(lineNumber, indent + 1, "a second 'description:' line", "keep exactly one description line")
                }
                guard members.isEmpty else {
                    throw fail(lineNumber, indent + 1, "'description:' after the first member",
                        "move the description line above the members")
                }
                let text = content.dropFirst("description:".count).drop { $0 == " " || $0 == "\t" }
                guard !text.isEmpty else {
                    throw fail(lineNumber, indent + 1, "empty description", "write a one-line description after 'description:'")
                }
                description = String(text)
                continue
            }
            if content.hasPrefix("since:") {
                guard members.isEmpty, since == nil else {
                    throw fail(lineNumber, indent + 1, "'since:' must come once, before the members",
                        "move it right below the description line")
                }
                let v = content.dropFirst("since:".count).drop { $0 == " " || $0 == "\t" }
                guard let n = Int(v) else {
                    throw fail(lineNumber, indent + 7, "'\(v)' is not a systemd version", "write a number such as 'since: 262'")
                }
                since = n
                continue
            }
            guard description != nil else {
                throw fail(lineNumber, indent + 1, "member before the 'description:' line",
                    "start the file with 'description: TEXT'")
            }
            // Split off a trailing comment, then the words.
            var body = contentBytes
            if let h = body.firstIndex(of: hash) { body = body[..<h] }
            var words: [(Substring, Int)] = []
            var index = body.startIndex
            while index < body.endIndex {
                if body[index] == space || body[index] == tab {
                    index = body.index(after: index)
                    continue
                }
                let start = index
                while index < body.endIndex, body[index] != space, body[index] != tab { index = body.index(after: index) }
                words.append((Substring(body[start..<index]), indent + 1 + body.distance(from: body.startIndex, to: start)))
            }
            guard let (nameWord, nameColumn) = words.first else { continue }
            let isGroup = nameWord.hasPrefix("@")
            let bare = isGroup ? nameWord.dropFirst() : nameWord
            guard isGroup ? isValidGroupName(bare) : isValidSyscallName(bare) else {
                throw fail(lineNumber, nameColumn, "invalid member '\(nameWord)'",
                    isGroup ? "group references are '@' and lower-case letters, digits, '-' or '_'"
                        : "syscall names use lower-case letters, digits and '_'")
            }
            var member = SetMember(name: String(nameWord), since: nil, until: nil,
                position: SourcePosition(file: file, line: lineNumber, column: nameColumn))
            for (word, column) in words.dropFirst() {
                let parts = word.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let v = Int(parts[1]), parts[0] == "since" || parts[0] == "until" else {
                    throw fail(lineNumber, column, "unexpected '\(word)' after the member",
                        "only 'since=VERSION' or 'until=VERSION' may follow a member; put remarks after '#'")
                }
                if parts[0] == "since" {
                    guard member.since == nil else { throw fail(lineNumber, column, "'since=' given twice", "keep one") }
                    member.since = v
                } else {
                    guard member.until == nil else { throw fail(lineNumber, column, "'until=' given twice", "keep one") }
                    member.until = v
                }
            }
            if let s = member.since, let u = member.until, s >= u {
                throw fail(lineNumber, nameColumn, "member '\(nameWord)' belongs to no version (since=\(s) until=\(u))",
                    "make 'since' smaller than 'until' or delete the line")
            }
            if let previous = seen[member.name] {
                throw fail(lineNumber, nameColumn, "duplicate member '\(nameWord)' (first on line \(previous))",
                    "delete one of the two lines; use since=/until= for version differences")
            }
            seen[member.name] = lineNumber
            members.append(member)
        }
        guard let description else {
            throw fail(max(lineNumber, 1), 1, "no 'description:' line", "start the file with 'description: TEXT'")
        }
        return SetDefinition(name: "@" + groupName, description: description, since: since, members: members, file: file)
    }

    /// The member order the data files keep: `@` references first, then names, each in byte order.
    public static func isCanonicallyOrdered(_ names: [String]) -> Bool {
        zip(names, names.dropFirst()).allSatisfy { precedes($0, $1) }
    }

    static func precedes(_ a: String, _ b: String) -> Bool {
        let ga = a.hasPrefix("@"), gb = b.hasPrefix("@")
        if ga != gb { return ga }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
