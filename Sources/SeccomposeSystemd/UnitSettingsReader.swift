// UnitSettingsReader.swift: reads the [Service]-style SystemCall*= assignments of a unit file.
//
// The line syntax follows systemd.syntax(7): `#`/`;` comment lines, a trailing odd number of
// backslashes continues a line (comment lines inside a continuation are skipped), keys and
// values are whitespace-stripped. systemd reports an assignment at the line where its logical
// line ends; Seccompose positions every value, word and key at the physical line and column where
// it is written (`SourcePosition.advanced(by:)` maps a column of the joined line back). The complete unit reader (drop-ins, specifiers, every directive) builds on this.

import SeccomposeDiagnostics

/// One `Key=Value` assignment of a unit file.
public struct UnitAssignment: Sendable, Hashable {
    /// The section, without brackets.
    public var section: String
    /// The key, stripped of surrounding whitespace.
    public var key: String
    /// The value, stripped of surrounding whitespace.
    public var value: String
    /// Where the value starts: the physical line and column of its first character (systemd
    /// itself reports the line where a continued logical line ends). `source.advanced(by:)`
    /// positions later characters of the value.
    public var source: ValueSource
    /// The 1-based column where the key starts on its physical line.
    public var keyColumn: Int
    /// The 1-based physical line where the key starts.
    public var keyLine: Int

    /// An assignment of `key` in `section`; `keyColumn` is where the key starts (1 for
    /// command-line settings).
    /// `keyLine` defaults to the value's line.
    public init(section: String, key: String, value: String, source: ValueSource, keyColumn: Int = 1, keyLine: Int? = nil) {
        self.section = section
        self.key = key
        self.value = value
        self.source = source
        self.keyColumn = keyColumn
        self.keyLine = keyLine ?? source.line
    }
}

/// Reads unit files line by line.
public enum UnitSettingsReader {
    /// systemd's limit for one logical line (LONG_LINE_MAX).
    public static let maximumLineLength = 1 << 20

    /// The assignments of `text`, in order, and diagnostics for malformed lines.
    ///
    /// A diagnostic of severity `.error` means systemd refuses to load the whole unit (an empty,
    /// i.e. masked, file; an invalid section header; a logical line over 1 MiB); reading stops there and the assignments read
    /// so far must not be used.
    public static func assignments(of text: String, file: String) -> ([UnitAssignment], [Diagnostic]) {
        assignments(of: text, file: file, byteLines: true)
    }

    /// `assignments(of:file:)`; `byteLines: false` reads ASCII lines through Substrings of the line
    /// (the tests compare the two: `byteLines` reads them on the line's bytes).
    static func assignments(of text: String, file: String, byteLines: Bool) -> ([UnitAssignment], [Diagnostic]) {
        var out: [UnitAssignment] = []
        var diags: [Diagnostic] = []
        if text.isEmpty {
            // systemd treats an empty unit file like a link to /dev/null: the unit is masked.
            diags.append(Diagnostic(severity: .error, code: "masked-unit", message: "the unit file is empty, so the unit is masked",
                isSystemdMessage: false, setting: "", file: file, line: 1, column: 1, text: "",
                note: "systemd: \"Unit … is masked.\"; it cannot be started",
                fix: "write the unit's settings into the file, or remove it to unmask"))
            return (out, diags)
        }
        var section: String?
        func diag(_ severity: Diagnostic.Severity, _ code: String, _ message: String, systemd: Bool, line: Int,
            column: Int = 1, _ fix: String)
        {
            diags.append(Diagnostic(severity: severity, code: code, message: message, isSystemdMessage: systemd,
                setting: "", file: file, line: line, column: column, text: "", note: nil, fix: fix))
        }
        /// `process` of an ASCII line, on its bytes: every byte is a Character (a logical line holds
        /// no LF, so no CR LF pair either), so a Character's column is its byte offset + 1, trimming
        /// drops the same bytes `trimmingASCIIWhitespace` drops, and the first '=' byte is the first
        /// '=' Character. The same steps as `process`, with offsets for indices.
        /// `place` gives the physical place of a 1-based column of the line.
        func processASCII(_ bytes: UnsafeBufferPointer<UInt8>, place: (Int) -> ValueSource) -> Bool {
            func text(_ from: Int, _ to: Int) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
            }
            // The content: [s, e), surrounding whitespace dropped.
            let n = bytes.count
            var s = 0
            while s < n, ByteSearch.isSpace(bytes[s]) { s += 1 }
            if s == n { return true }
            var e = n
            while ByteSearch.isSpace(bytes[e - 1]) { e -= 1 }
            let first = bytes[s]
            if first == UInt8(ascii: "#") || first == UInt8(ascii: ";") { return true }
            // Line-level findings point at the first character of the line's content.
            let start = place(s + 1)
            if first == UInt8(ascii: "[") {
                guard bytes[e - 1] == UInt8(ascii: "]"), e - s > 2 else {
                    diag(.error, "bad-section", "Invalid section header '\(text(s, e))'", systemd: true, line: start.line,
                        column: start.column,
                        "write the section name in brackets, e.g. [Service]; systemd refuses to load this unit")
                    return false
                }
                section = text(s + 1, e - 1)
                return true
            }
            // The bytes after the content are whitespace, so the first '=' from s is the content's.
            guard let eq = ByteSearch.firstOffset(of: UInt8(ascii: "="), in: bytes, from: s) else {
                diag(.warning, "missing-equals", "Missing '=', ignoring line.", systemd: true, line: start.line,
                    column: start.column,
                    "write Key=Value")
                return true
            }
            guard let section else {
                diag(.warning, "no-section", "Assignment outside of section. Ignoring.", systemd: true, line: start.line,
                    column: start.column,
                    "add a [Service] line above it")
                return true
            }
            // The key: [s, eq) trimmed (bytes[s] is not whitespace; an empty key starts at eq).
            let keyStart = eq > s ? s : eq
            var keyEnd = eq
            while keyEnd > keyStart, ByteSearch.isSpace(bytes[keyEnd - 1]) { keyEnd -= 1 }
            // The value: [eq + 1, e) trimmed (an empty value starts at e).
            var valueStart = eq + 1
            while valueStart < e, ByteSearch.isSpace(bytes[valueStart]) { valueStart += 1 }
            var valueEnd = e
            while valueEnd > valueStart, ByteSearch.isSpace(bytes[valueEnd - 1]) { valueEnd -= 1 }
            // Column of the value's first character: after the '=' and the spaces and tabs that follow.
            var leading = 0
            while eq + 1 + leading < e, bytes[eq + 1 + leading] == 0x20 || bytes[eq + 1 + leading] == 0x09 { leading += 1 }
            let keyPlace = place(keyStart + 1)
            out.append(UnitAssignment(section: section, key: text(keyStart, keyEnd), value: text(valueStart, valueEnd),
                source: place(eq + 2 + leading), keyColumn: keyPlace.column, keyLine: keyPlace.line))
            return true
        }
        /// Handles one complete logical line; false when systemd would stop loading the unit.
        func process(_ logicalLine: LogicalLine) -> Bool {
            let logical = logicalLine.text
            // An ASCII line (almost every one) has one Character per byte (a logical line holds no
            // LF, so no CR LF pair either): columns and trimming work on the bytes.
            let ascii = ByteSearch.isASCII(logical)
            if ascii, byteLines, let done = logical.utf8.withContiguousStorageIfAvailable({ bytes in
                processASCII(bytes) { ValueSource(file: file, logicalColumn: $0, pieces: logicalLine.pieces) }
            }) {
                return done
            }
            func trimmed(_ s: Substring) -> Substring { ascii ? s.trimmingASCIIWhitespace() : s.trimmingWhitespace() }
            /// The 1-based column of `index` in the logical line.
            func column(_ index: String.Index) -> Int {
                (ascii ? logical.utf8.distance(from: logical.startIndex, to: index)
                    : logical.distance(from: logical.startIndex, to: index)) + 1
            }
            let content = trimmed(Substring(logical))
            /// The physical place of the logical line's 1-based column `column`.
            func place(_ column: Int) -> ValueSource {
                ValueSource(file: file, logicalColumn: column, pieces: logicalLine.pieces)
            }
            // Line-level findings point at the first character of the line's content.
            let start = place(column(content.startIndex))
            let line = start.line
            // The first and last Character of ASCII content are its first and last bytes. Otherwise
            // a one-Character prefix (suffix) is the first (last) Character: `hasPrefix("#")` is
            // `first == "#"` without the generic `starts(with:)`.
            let first = ascii ? content.utf8.first : nil
            let firstCharacter = ascii ? nil : content.first
            if content.isEmpty || (ascii ? first == UInt8(ascii: "#") || first == UInt8(ascii: ";")
                : firstCharacter == "#" || firstCharacter == ";")
            {
                return true
            }
            if ascii ? first == UInt8(ascii: "[") : firstCharacter == "[" {
                guard ascii ? content.utf8.last == UInt8(ascii: "]") : content.last == "]",
                    (ascii ? content.utf8.count : content.count) > 2
                else {
                    diag(.error, "bad-section", "Invalid section header '\(content)'", systemd: true, line: line,
                        column: start.column,
                        "write the section name in brackets, e.g. [Service]; systemd refuses to load this unit")
                    return false
                }
                section = String(content.dropFirst().dropLast())
                return true
            }
            let eqIndex = ascii
                ? ByteSearch.firstOffset(of: UInt8(ascii: "="), in: content).map { content.utf8.index(content.startIndex, offsetBy: $0) }
                // No '=' byte, no '=' Character (it is that scalar alone): the Character search
                // only when the byte is there.
                : ByteSearch.firstOffset(of: UInt8(ascii: "="), in: content) == nil ? nil : content.firstIndex(of: "=")
            guard let eq = eqIndex else {
                diag(.warning, "missing-equals", "Missing '=', ignoring line.", systemd: true, line: line,
                    column: start.column,
                    "write Key=Value")
                return true
            }
            guard let section else {
                diag(.warning, "no-section", "Assignment outside of section. Ignoring.", systemd: true, line: line,
                    column: start.column,
                    "add a [Service] line above it")
                return true
            }
            let key = trimmed(content[..<eq])
            let afterEq = content[content.index(after: eq)...]
            let value = trimmed(afterEq)
            // Column of the value's first character within the logical line.
            let leading = ascii ? afterEq.utf8.prefix { $0 == 0x20 || $0 == 0x09 }.count : afterEq.prefix { $0 == " " || $0 == "\t" }.count
            let valueColumn = column(afterEq.startIndex) + leading
            let keyPlace = place(column(key.startIndex))
            out.append(UnitAssignment(section: section, key: String(key), value: String(value),
                source: place(valueColumn), keyColumn: keyPlace.column, keyLine: keyPlace.line))
            return true
        }
        // Without a backslash no line is continued: every physical line is a logical line of one
        // piece (whose place of column c is line n, column c), read where it lies in the text's
        // bytes, with the line ends and the byte-order mark `physicalLines` drops.
        if byteLines, !ByteSearch.contains(text, UInt8(ascii: "\\")) {
            var text = text
            text.withUTF8 { bytes in
                var start = 0
                var lineNumber = 0
                while start < bytes.count {
                    let lf = ByteSearch.firstOffset(of: 0x0A, in: bytes, from: start)
                    var from = start
                    var to = lf ?? bytes.count
                    // The CR of a CR LF, and one more CR at the end.
                    if let lf, lf > start, bytes[lf - 1] == 0x0D { to -= 1 }
                    if lineNumber == 0, to - from >= 3, bytes[from] == 0xEF, bytes[from + 1] == 0xBB, bytes[from + 2] == 0xBF {
                        from += 3
                    }
                    if to > from, bytes[to - 1] == 0x0D { to -= 1 }
                    lineNumber += 1
                    let line = lineNumber
                    if to - from > maximumLineLength {
                        diag(.error, "line-too-long", "line longer than \(maximumLineLength) bytes (LONG_LINE_MAX)",
                            systemd: false, line: line,
                            "split the value over several assignments; systemd refuses to load this unit")
                        return
                    }
                    let lineBytes = UnsafeBufferPointer(rebasing: bytes[from..<to])
                    let goOn = ByteSearch.isASCII(UnsafeRawBufferPointer(lineBytes))
                        ? processASCII(lineBytes) { ValueSource(file: file, line: line, column: $0) }
                        : process(LogicalLine(text: String(decoding: lineBytes, as: UTF8.self), line: line, isTooLong: false))
                    if !goOn { return }
                    start = (lf ?? bytes.count) + 1
                }
            }
            return (out, diags)
        }
        for logical in logicalLines(of: text) {
            if logical.isTooLong {
                diag(.error, "line-too-long", "line longer than \(maximumLineLength) bytes (LONG_LINE_MAX)",
                    systemd: false, line: logical.line,
                    "split the value over several assignments; systemd refuses to load this unit")
                return (out, diags)
            }
            if !process(logical) { return (out, diags) }
        }
        return (out, diags)
    }
}

extension UnitSettingsReader {
    /// A value as systemd's configuration parser sees it, surrounding whitespace stripped (as
    /// the reader strips keys and values), with the 1-based column where it starts in `raw`.
    public static func strippedValue(_ raw: String) -> (value: String, column: Int) {
        let text = Substring(raw), value = text.trimmingWhitespace()
        return (String(value), text.distance(from: text.startIndex, to: value.startIndex) + 1)
    }

    /// One logical line: physical lines joined at their continuations.
    public struct LogicalLine: Sendable, Hashable {
        /// The joined text (each continuation's backslash becomes a space).
        public var text: String
        /// The 1-based physical line where it ends (where systemd reports its assignment).
        public var line: Int
        /// Whether it grew over `maximumLineLength`; reading stops after it.
        public var isTooLong: Bool
        /// Where each physical line's text starts in `text` (one piece for a line that is not
        /// continued; skipped comment lines have none).
        public var pieces: [ContinuationMap.Piece]

        /// A logical line `text` ending at physical line `line`, made of `pieces` (by default
        /// the one physical line `line`).
        public init(text: String, line: Int, isTooLong: Bool, pieces: [ContinuationMap.Piece]? = nil) {
            self.text = text
            self.line = line
            self.isTooLong = isTooLong
            self.pieces = pieces ?? [ContinuationMap.Piece(offset: 0, line: line)]
        }
    }

    /// The physical lines of a unit file, numbered from 1 by their index + 1, without line ends
    /// (LF or CRLF) and without a leading byte-order mark: the text an editor shows at a
    /// position of a diagnostic (check's carets).
    public static func physicalLines(of text: String) -> [String] {
        // Byte by byte: a line ends at LF, or at CRLF (one Character); a CR is never part of
        // another Character, so the Character rules reduce to these byte rules.
        var text = text
        return text.withUTF8 { bytes -> [String] in
            var physical: [String] = []
            var start = 0
            func line(_ from: Int, _ to: Int, first: Bool) -> String {
                var from = from, to = to
                // A leading byte-order mark (EF BB BF) on the first line.
                if first, to - from >= 3, bytes[from] == 0xEF, bytes[from + 1] == 0xBB, bytes[from + 2] == 0xBF { from += 3 }
                // One more CR at the end (the one before a LF belongs to the line end).
                if to > from, bytes[to - 1] == 0x0D { to -= 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
            }
            // LF to LF with memchr (a byte loop costs a traced comparison a byte in the fuzz builds).
            while let i = ByteSearch.firstOffset(of: 0x0A, in: bytes, from: start) {
                let end = i > start && bytes[i - 1] == 0x0D ? i - 1 : i
                physical.append(line(start, end, first: physical.isEmpty))
                start = i + 1
            }
            // The text after the last LF is one more line unless it is empty.
            if start < bytes.count { physical.append(line(start, bytes.count, first: physical.isEmpty)) }
            return physical
        }
    }

    /// How many Characters at the end of `line` are backslashes (`line.reversed().prefix { $0 ==
    /// "\\" }.count`), counted on Characters only when the last byte is a backslash: a Character
    /// equal to "\\" is that scalar alone, so without the byte at the end there is none there.
    static func trailingBackslashes(_ line: String) -> Int {
        line.utf8.last != UInt8(ascii: "\\") ? 0 : line.reversed().prefix { $0 == "\\" }.count
    }

    /// The logical lines of a unit file as systemd joins them: a trailing odd number of
    /// backslashes continues a line, comment lines inside a continuation are skipped, a
    /// continuation still open at the end of the file is one more line, CR before LF and a
    /// leading byte-order mark are dropped. The one implementation of these rules, for the
    /// reader and for anything that shows a logical line (check's carets).
    public static func logicalLines(of text: String) -> [LogicalLine] {
        let physical = physicalLines(of: text)
        var out: [LogicalLine] = []
        var pending: String?
        var pieces: [ContinuationMap.Piece] = []
        var lineNumber = 0
        for raw in physical {
            lineNumber += 1
            let line = raw
            // Comment lines count only inside a continuation (looked at only there).
            if pending != nil {
                let trimmedStart = line.drop { $0 == " " || $0 == "\t" }
                if let c = trimmedStart.first, c == "#" || c == ";" { continue }
            }
            if pending == nil { pieces = [] }
            pieces.append(ContinuationMap.Piece(offset: pending?.count ?? 0, line: lineNumber))
            var logical = (pending ?? "") + line
            if logical.utf8.count > maximumLineLength {
                out.append(LogicalLine(text: logical, line: lineNumber, isTooLong: true, pieces: pieces))
                return out
            }
            let backslashes = trailingBackslashes(logical)
            if backslashes % 2 == 1 {
                logical.removeLast()
                pending = logical + " "
                continue
            }
            pending = nil
            out.append(LogicalLine(text: logical, line: lineNumber, isTooLong: false, pieces: pieces))
        }
        if let p = pending { out.append(LogicalLine(text: p, line: lineNumber + 1, isTooLong: false, pieces: pieces)) }
        return out
    }
}

extension Substring {
    /// `trimmingWhitespace()` for ASCII text, on its bytes.
    func trimmingASCIIWhitespace() -> Substring {
        guard let first = utf8.firstIndex(where: { !ByteSearch.isSpace($0) }),
            let last = utf8.lastIndex(where: { !ByteSearch.isSpace($0) })
        else {
            return self[endIndex...]
        }
        return self[first...last]
    }

    func trimmingWhitespace() -> Substring {
        let ws: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !ws($0) }), let last = lastIndex(where: { !ws($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
