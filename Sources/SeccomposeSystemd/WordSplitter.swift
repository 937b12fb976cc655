// WordSplitter.swift: systemd's extract_first_word(), for the flag sets the SystemCall*= settings use.

/// A word of a setting value, with its 1-based column within the value.
public struct ValueWord: Sendable, Hashable {
    /// The word after backslash (and, where enabled, quote) processing.
    public var text: String
    /// The word as written.
    public var raw: String
    /// 1-based column of the word's first character within the value.
    public var column: Int
}

/// Splits setting values into words as systemd does.
public enum WordSplitter {
    /// The outcome: the words before any error, and the column where an error was found.
    public struct Result: Sendable, Hashable {
        public var words: [ValueWord]
        /// Set when the value has a trailing backslash or (with quotes) an unterminated quote;
        /// systemd then logs "Invalid syntax" and ignores the rest of the value.
        public var errorColumn: Int?
    }

    /// Splits `value` on whitespace (space, tab, CR, LF).
    ///
    /// - `unquote: false` is `extract_first_word(…, 0)`, used by SystemCallFilter= and
    ///   SystemCallLog=: quotes are ordinary characters; a backslash makes the next character
    ///   literal; a trailing backslash is an error.
    /// - `unquote: true` is `EXTRACT_UNQUOTE`, used by SystemCallArchitectures=: `'…'` and `"…"`
    ///   group characters (the quotes are removed); an unterminated quote is an error.
    public static func split(_ value: String, unquote: Bool) -> Result {
        let chars = Array(value.unicodeScalars)
        var words: [ValueWord] = []
        var i = 0
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        while true {
            while i < chars.count, isSpace(chars[i]) { i += 1 }
            if i >= chars.count { return Result(words: words, errorColumn: nil) }
            let start = i
            var text = String.UnicodeScalarView()
            var quote: Unicode.Scalar?
            while i < chars.count {
                let c = chars[i]
                if c == "\\" {
                    guard i + 1 < chars.count else { return Result(words: words, errorColumn: start + 1) }
                    text.append(chars[i + 1])
                    i += 2
                    continue
                }
                if let q = quote {
                    if c == q { quote = nil } else { text.append(c) }
                    i += 1
                    continue
                }
                if unquote, c == "'" || c == "\"" {
                    quote = c
                    i += 1
                    continue
                }
                if isSpace(c) { break }
                text.append(c)
                i += 1
            }
            if quote != nil { return Result(words: words, errorColumn: start + 1) }
            var raw = String.UnicodeScalarView()
            raw.append(contentsOf: chars[start..<i])
            words.append(ValueWord(text: String(text), raw: String(raw), column: start + 1))
        }
    }
}
