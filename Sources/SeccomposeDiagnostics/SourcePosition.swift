// SourcePosition.swift: the one source-position type of every stage: a place in a unit file, a
// set file, a profile, or the n-th value on the command line.

/// A 1-based place in some text.
///
/// A value read from a logical line that systemd joined from continued (`\\`) physical lines
/// also carries where each physical line starts in the joined text, so that `advanced(by:)`
/// finds the physical line and column of any character of the value. That map is not part of
/// the position's identity (equality, hashing, JSON): a position is its file, line and column.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it (or a label such as `<builtin>/basic-io.set`); nil for a
    /// command-line or API value.
    public var file: String?
    /// The 1-based line (for command-line values: the value's index, from 1); 0 for the file as a
    /// whole.
    public var line: Int
    /// The 1-based column; 0 for the line as a whole.
    public var column: Int

    /// For a value on a continued logical line: the 1-based column where the value starts in
    /// the joined line, and where each physical line starts in it; nil for a value on one line.
    public var continuation: ContinuationMap? = nil

    private enum CodingKeys: String, CodingKey { case file, line, column }

    /// The place `file`:`line`:`column`. (Inlinable: every front end makes positions, and a call
    /// into this module copies each through an outlined value witness.)
    @inlinable
    public init(file: String?, line: Int, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The first character of a value at 1-based column `logicalColumn` of a logical line joined
    /// from the physical lines `pieces` describe: the physical line and column where it is, with
    /// the map kept for `advanced(by:)`.
    public init(file: String?, logicalColumn: Int, pieces: [ContinuationMap.Piece]) {
        let map = ContinuationMap(valueColumn: logicalColumn, pieces: pieces)
        let (line, column) = map.physical(logicalColumn: logicalColumn)
        self.init(file: file, line: line, column: column)
        if pieces.count > 1 { continuation = map }
    }

    /// The position `offset` characters after this one in the same (logical) line: on a
    /// continued line, the physical line and column where that character is.
    public func advanced(by offset: Int) -> SourcePosition {
        guard let continuation else { return SourcePosition(file: file, line: line, column: column + offset) }
        var map = continuation
        map.valueColumn += offset
        let (line, column) = map.physical(logicalColumn: map.valueColumn)
        var out = SourcePosition(file: file, line: line, column: column)
        out.continuation = map
        return out
    }

    /// The physical line and column of the character `offset` characters after this position:
    /// those of `advanced(by: offset)`, without making that position (a copy of the file and of the
    /// continuation map) when only its line and column are wanted.
    public func place(advancedBy offset: Int) -> (line: Int, column: Int) {
        guard let continuation else { return (line, column + offset) }
        var map = continuation
        map.valueColumn += offset
        return map.physical(logicalColumn: map.valueColumn)
    }

    public static func == (a: SourcePosition, b: SourcePosition) -> Bool {
        a.file == b.file && a.line == b.line && a.column == b.column
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(file)
        hasher.combine(line)
        hasher.combine(column)
    }

    /// A whole file (for errors about the file itself: it cannot be read).
    public init(wholeFile file: String) {
        self.init(file: file, line: 0, column: 0)
    }

    /// `FILE:LINE:COL` (`<command line>` for values without a file; `FILE` alone for a whole file).
    public var description: String {
        let name = file ?? "<command line>"
        if line == 0 { return name }
        return column == 0 ? "\(name):\(line)" : "\(name):\(line):\(column)"
    }
}

/// Where the physical lines of a continued logical line start in the joined text.
public struct ContinuationMap: Sendable, Hashable {
    /// One physical line's part of a logical line.
    public struct Piece: Sendable, Hashable {
        /// 0-based character offset in the logical line where this physical line's text starts.
        public var offset: Int
        /// The 1-based physical line.
        public var line: Int

        /// The physical line `line`, starting at character `offset` of the logical line.
        public init(offset: Int, line: Int) {
            self.offset = offset
            self.line = line
        }
    }

    /// The 1-based column in the logical line where the value starts.
    public var valueColumn: Int
    /// The physical lines, in order; the first starts at offset 0.
    public var pieces: [Piece]

    /// A value at `valueColumn` of a logical line made of `pieces`.
    public init(valueColumn: Int, pieces: [Piece]) {
        self.valueColumn = valueColumn
        self.pieces = pieces
    }

    /// The physical line and 1-based column of the logical line's 1-based column `logicalColumn`
    /// (the space that replaced a continuation's backslash maps to the backslash).
    public func physical(logicalColumn: Int) -> (line: Int, column: Int) {
        guard let piece = pieces.last(where: { $0.offset < logicalColumn }) ?? pieces.first else {
            return (0, logicalColumn)
        }
        return (piece.line, logicalColumn - piece.offset)
    }
}

/// What an error says, the same way in every stage: where, what, and how to fix it.
public struct ErrorReport: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is; nil when it concerns no input text (a kernel refusal, say).
    public var position: SourcePosition?
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String?

    /// A report of `message` at `position`, with `fix`.
    public init(_ message: String, at position: SourcePosition? = nil, fix: String?) {
        self.position = position
        self.message = message
        self.fix = fix
    }

    /// `WHERE: error: MESSAGE` (`error: MESSAGE` without a position), then `  fix: FIX`.
    public var description: String {
        (position.map { "\($0): error: " } ?? "error: ") + message + (fix.map { "\n  fix: \($0)" } ?? "")
    }

    /// The report as an error diagnostic with `code`, for lists of findings.
    public func diagnostic(code: String, setting: String = "") -> Diagnostic {
        Diagnostic(severity: .error, code: code, message: message, setting: setting, file: position?.file,
            line: position?.line ?? 0, column: position?.column ?? 0, text: "", fix: fix)
    }
}

/// An error a user can cause. Every stage's errors conform, so they print alike and a caller
/// can handle them alike.
public protocol ReportableError: Error, CustomStringConvertible {
    /// Where, what and how to fix it.
    var report: ErrorReport { get }
}

extension ReportableError {
    /// The report's rendering: `WHERE: error: MESSAGE` and a `fix:` line.
    public var description: String { report.description }
}
