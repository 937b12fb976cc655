// Diagnostic.swift: what every stage reports about the text it reads (unit files, expressions,
// set files, profiles), positioned at the word concerned.

/// A warning or error about a setting, positioned at the word it concerns.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious the problem is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// Information worth knowing that needs no change (e.g. how other systemd versions differ);
        /// affects the exit status only under `check --strict`.
        case note
        /// The word or value is ignored, or the result is probably not what was meant.
        case warning
        /// The setting makes the service fail (systemd: 228/SECCOMP), or input is unusable.
        case error
    }

    public var severity: Severity
    /// A stable identifier, e.g. `unknown-syscall` (listed in docs/diagnostics.md).
    public var code: String
    /// The message; where systemd itself warns, its exact text.
    public var message: String
    /// Whether `message` is what systemd itself logs for this input.
    public var isSystemdMessage: Bool
    /// The setting, e.g. `SystemCallFilter`.
    public var setting: String
    /// File, or nil for command-line values.
    public var file: String?
    /// 1-based line.
    public var line: Int
    /// 1-based column of the word.
    public var column: Int
    /// The word or value concerned.
    public var text: String
    /// Why, when the message alone does not say.
    public var note: String?
    /// How to fix it.
    public var fix: String?

    /// A finding at `file`:`line`:`column` (for front ends outside this module, e.g. OCI profiles).
    /// Inlinable: every front end makes its findings through it.
    @inlinable
    public init(severity: Severity, code: String, message: String, isSystemdMessage: Bool = false, setting: String,
        file: String?, line: Int, column: Int, text: String, note: String? = nil, fix: String? = nil)
    {
        self.severity = severity
        self.code = code
        self.message = message
        self.isSystemdMessage = isSystemdMessage
        self.setting = setting
        self.file = file
        self.line = line
        self.column = column
        self.text = text
        self.note = note
        self.fix = fix
    }

    /// Where the word concerned is.
    public var position: SourcePosition { SourcePosition(file: file, line: line, column: column) }

    /// `FILE:LINE:COL: severity: message [code]`, then `note:` and `fix:` lines.
    public var description: String {
        // The pieces copied into one String made with room for all of them: the same text as the
        // interpolation `"\(file ?? "<command line>"):\(line):\(column): …"`, without its
        // generic per-piece appends (a String append costs a few hundred instructions, a copy of
        // a piece's bytes a few dozen; a finding's text is made for every finding shown). The
        // fixed pieces and the severity are copied from static strings and the line and column
        // written as decimal digits in place (no String for any of them).
        let place = file ?? "<command line>"
        let severityText: StaticString
        switch severity {
        case .note: severityText = "note"
        case .warning: severityText = "warning"
        case .error: severityText = "error"
        }
        var count = place.utf8.count + Self.decimalCount(line) + Self.decimalCount(column) + severityText.utf8CodeUnitCount
            + message.utf8.count + code.utf8.count + 9  // ":", ":", ": ", ": ", " [", "]"
        if let note { count += note.utf8.count + 9 }  // "\n  note: "
        if let fix { count += fix.utf8.count + 8 }  // "\n  fix: "
        return String(unsafeUninitializedCapacity: count) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var at = Self.copy(place, to: base, at: 0)
            at = Self.copyLiteral(":", to: base, at: at)
            at = Self.writeDecimal(line, to: base, at: at)
            at = Self.copyLiteral(":", to: base, at: at)
            at = Self.writeDecimal(column, to: base, at: at)
            at = Self.copyLiteral(": ", to: base, at: at)
            at = Self.copyLiteral(severityText, to: base, at: at)
            at = Self.copyLiteral(": ", to: base, at: at)
            at = Self.copy(message, to: base, at: at)
            at = Self.copyLiteral(" [", to: base, at: at)
            at = Self.copy(code, to: base, at: at)
            at = Self.copyLiteral("]", to: base, at: at)
            if let note {
                at = Self.copyLiteral("\n  note: ", to: base, at: at)
                at = Self.copy(note, to: base, at: at)
            }
            if let fix {
                at = Self.copyLiteral("\n  fix: ", to: base, at: at)
                at = Self.copy(fix, to: base, at: at)
            }
            return at
        }
    }

    /// Copies the UTF-8 of `piece` to `base + at` (room made by the caller); returns the offset
    /// after it.
    private static func copy(_ piece: String, to base: UnsafeMutablePointer<UInt8>, at: Int) -> Int {
        var piece = piece
        return piece.withUTF8 { bytes in
            guard let source = bytes.baseAddress else { return at }
            (base + at).initialize(from: source, count: bytes.count)
            return at + bytes.count
        }
    }

    /// Copies the UTF-8 of a string literal to `base + at` (room made by the caller); returns the
    /// offset after it.
    private static func copyLiteral(_ piece: StaticString, to base: UnsafeMutablePointer<UInt8>, at: Int) -> Int {
        (base + at).initialize(from: piece.utf8Start, count: piece.utf8CodeUnitCount)
        return at + piece.utf8CodeUnitCount
    }

    /// The length of `String(n)`: its decimal digits, and a '-' when negative.
    static func decimalCount(_ n: Int) -> Int {
        var magnitude = n.magnitude
        var digits = 1
        while magnitude >= 10 {
            magnitude /= 10
            digits += 1
        }
        return n < 0 ? digits + 1 : digits
    }

    /// Writes `String(n)` (a '-' when negative, then the decimal digits of its magnitude, which
    /// `Int.min` has too) to `base + at` (room made by the caller); returns the offset after it.
    static func writeDecimal(_ n: Int, to base: UnsafeMutablePointer<UInt8>, at: Int) -> Int {
        let end = at + decimalCount(n)
        if n < 0 { (base + at).initialize(to: UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var i = end
        repeat {
            i -= 1
            (base + i).initialize(to: UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        return end
    }
}

extension Diagnostic {
    /// Codes of findings that mean the input is not applied as written, so that a service
    /// started anyway would run under a weaker filter or sandbox than its unit (or command line)
    /// asks for: systemd ignores a word, a value, a line, a key or a section, or refuses the
    /// unit. `seccompose run` refuses to start on them (exit 228) unless `--lenient`.
    /// The table with reasons is docs/diagnostics.md ("Blocks run").
    public static let blockingCodes: Set<String> = [
        // SystemCall*= and the line reader
        "unknown-syscall", "unknown-group", "invalid-entry", "errno-on-allow", "invalid-syntax", "invalid-errno",
        "zero-errno", "unknown-architecture", "action-in-log", "tilde-not-first", "quote-in-value", "comment-in-value",
        "specifier-in-value", "write-forced", "action-equals-default", "bad-section", "line-too-long",
        "missing-equals", "no-section",
        // unit files
        "masked-unit", "unknown-section", "unknown-key", "unknown-specifier", "invalid-environment", "invalid-value",
        "default-removed",
        // the other seccomp-backed directives
        "invalid-boolean", "unknown-address-family", "unknown-namespace", "unknown-personality",
        "invalid-protect-hostname", "invalid-hostname",
        // OCI profiles
        "profile", "libseccomp-refuses", "ored-conditions",
        // what the launcher refuses
        "not-seccomp-backed", "environment-file", "no-exec-start", "multiple-exec-start", "unapplied-directive",
    ]

    /// Codes of advisory findings: the input is applied as written, and the finding is about
    /// its quality (`deny-list`, `overlap` …), about how systemd's own filter differs from
    /// Seccompose's (`ignored-bits`, `multiplexer`, `abi-coverage` …), or information (notes).
    /// They never block `seccompose run`.
    public static let advisoryCodes: Set<String> = [
        "unsafe-user", "unfiltered-command", "deny-list", "no-native-only", "overlap", "version-difference",
        "ignored-bits", "multiplexer", "abi-coverage", "wide-read", "unclean-upper-half",
        // OCI profiles: rules that never decide, or whose outcome is libseccomp's order, not the profile's
        "shadowed", "precedence", "ignored-rule",
    ]

    /// Whether this finding means the filter, a seccomp-backed directive or the unit as a whole
    /// is weaker than written (or cannot be used), so `seccompose run` must not start the
    /// service unless `--lenient`: every error; a warning whose code is in `blockingCodes`, or
    /// that is in neither table (unknown codes block: fail closed). Notes and the
    /// `advisoryCodes` warnings never block.
    public var weakensFilter: Bool {
        switch severity {
        case .error: return true
        case .note: return false
        case .warning: return !Self.advisoryCodes.contains(code)
        }
    }
}
