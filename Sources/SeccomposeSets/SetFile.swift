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
    static func isValidGroupName(_ s: Substring) -> Bool { isValidGroupName(s.utf8) }

    static func isValidGroupName(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    /// Characters a syscall name may use.
    static func isValidSyscallName(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
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
        var seen: Set<String> = []
        var lineNumber = 0
        // Lines and words are found in the UTF-8 bytes, with integer offsets into one array
        // (start-up reads every built-in set file; grapheme breaking, and then generic slicing
        // of the UTF-8 view, were most of that). Columns count bytes, which equal characters
        // everywhere a column is reported: only ASCII (names, spaces) precedes those positions.
        let bytes = Array(text.utf8)
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func hasPrefix(_ prefix: String, at offset: Int, before end: Int) -> Bool {
            var i = offset
            for b in prefix.utf8 {
                guard i < end, bytes[i] == b else { return false }
                i += 1
            }
            return true
        }
        func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }
        // Where a non-ASCII byte follows, the text decides by characters as before: a combining
        // mark joins the ASCII character before it into a different character.
        func startsLine(_ prefix: String, at start: Int, before end: Int) -> Bool {
            guard hasPrefix(prefix, at: start, before: end) else { return false }
            let next = start + prefix.utf8.count
            return next < end && bytes[next] >= 0x80 ? string(start..<end).hasPrefix(prefix) : true
        }
        /// The text after `prefix` with leading blanks dropped, as characters would drop them.
        func value(after prefix: String, at start: Int, before end: Int) -> String {
            var i = start + prefix.utf8.count
            while i < end, isBlank(bytes[i]) { i += 1 }
            if bytes[(start + prefix.utf8.count)..<end].contains(where: { $0 >= 0x80 }) {
                return String(Substring(string(start..<end)).dropFirst(prefix.count).drop { $0 == " " || $0 == "\t" })
            }
            return string(i..<end)
        }
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != newline { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            var end = lineEnd
            if end > lineStart, bytes[end - 1] == carriageReturn { end -= 1 }
            var contentStart = lineStart
            while contentStart < end, isBlank(bytes[contentStart]) { contentStart += 1 }
            let indent = contentStart - lineStart
            if contentStart == end || bytes[contentStart] == hash { continue }
            if startsLine("description:", at: contentStart, before: end) {
                guard description == nil else {
                    throw fail(lineNumber, indent + 1, "a second 'description:' line", "keep exactly one description line")
                }
                guard members.isEmpty else {
                    throw fail(lineNumber, indent + 1, "'description:' after the first member",
                        "move the description line above the members")
                }
                let text = value(after: "description:", at: contentStart, before: end)
                guard !text.isEmpty else {
                    throw fail(lineNumber, indent + 1, "empty description", "write a one-line description after 'description:'")
                }
                description = text
                continue
            }
            if startsLine("since:", at: contentStart, before: end) {
                guard members.isEmpty, since == nil else {
                    throw fail(lineNumber, indent + 1, "'since:' must come once, before the members",
                        "move it right below the description line")
                }
                let v = value(after: "since:", at: contentStart, before: end)
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
            var bodyEnd = contentStart
            while bodyEnd < end, bytes[bodyEnd] != hash { bodyEnd += 1 }
            // The words, found one at a time (byte range and column).
            var index = contentStart
            func nextWord() -> (Range<Int>, Int)? {
                while index < bodyEnd, isBlank(bytes[index]) { index += 1 }
                guard index < bodyEnd else { return nil }
                let start = index
                while index < bodyEnd, !isBlank(bytes[index]) { index += 1 }
                return (start..<index, indent + 1 + (start - contentStart))
            }
            guard let (nameRange, nameColumn) = nextWord() else { continue }
            let nameWord = string(nameRange)
            let second = nameRange.lowerBound + 1
            let isGroup = second < nameRange.upperBound && bytes[second] >= 0x80
                ? nameWord.hasPrefix("@") : bytes[nameRange.lowerBound] == UInt8(ascii: "@")
            let bare = bytes[(isGroup ? second : nameRange.lowerBound)..<nameRange.upperBound]
            guard isGroup ? isValidGroupName(bare) : isValidSyscallName(bare) else {
                throw fail(lineNumber, nameColumn, "invalid member '\(nameWord)'",
                    isGroup ? "group references are '@' and lower-case letters, digits, '-' or '_'"
                        : "syscall names use lower-case letters, digits and '_'")
            }
            var member = SetMember(name: nameWord, since: nil, until: nil,
                position: SourcePosition(file: file, line: lineNumber, column: nameColumn))
            while let (range, column) = nextWord() {
                let word = Substring(string(range))
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
            if !seen.insert(member.name).inserted {
                let previous = members.first { $0.name == member.name }?.position.line ?? 0
                throw fail(lineNumber, nameColumn, "duplicate member '\(nameWord)' (first on line \(previous))",
                    "delete one of the two lines; use since=/until= for version differences")
            }
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
