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
        split(value, unquote: unquote, cUnescape: false)
    }

    /// As `split(_:unquote:)`; with `cUnescape` (`EXTRACT_CUNESCAPE`, used by Exec*= and
    /// Environment=) C escapes are decoded: `\a \b \f \n \r \t \v \\ \" \' \s \xNN \NNN
    /// \uNNNN \UNNNNNNNN`; any other escaped character stands for itself.
    public static func split(_ value: String, unquote: Bool, cUnescape: Bool) -> Result {
        if let words = plainASCIIWords(value, unquote: unquote) { return Result(words: words, errorColumn: nil) }
        if !cUnescape, let result = value.utf8.withContiguousStorageIfAvailable({ splitUTF8($0, unquote: unquote) }) {
            return result
        }
        let chars = Array(value.unicodeScalars)
        let utf8 = value.utf8
        // The UTF-8 offset of every scalar (and of the end): a word's raw text is a slice of the
        // value. An ASCII value needs no table: scalar i is byte i.
        let ascii = utf8.count == chars.count
        var offsets: [Int] = []
        if !ascii {
            offsets.reserveCapacity(chars.count + 1)
            var offset = 0
            for c in chars {
                offsets.append(offset)
                offset += UTF8.width(c)
            }
            offsets.append(offset)
        }
        var words: [ValueWord] = []
        var i = 0
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        while true {
            while i < chars.count, isSpace(chars[i]) { i += 1 }
            if i >= chars.count { return Result(words: words, errorColumn: nil) }
            let start = i
            // The word's text is its raw text until an escape or a quote makes them differ; only
            // from then on is it built scalar by scalar (`plain` until then).
            var text = String.UnicodeScalarView()
            var plain = true
            var quote: Unicode.Scalar?
            while i < chars.count {
                let c = chars[i]
                if c == "\\" {
                    guard i + 1 < chars.count else { return Result(words: words, errorColumn: start + 1) }
                    if plain {
                        plain = false
                        text.append(contentsOf: chars[start..<i])
                    }
                    if cUnescape, let (decoded, used) = decodeEscape(chars, at: i + 1) {
                        text.append(decoded)
                        i += 1 + used
                        continue
                    }
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
                    if plain {
                        plain = false
                        text.append(contentsOf: chars[start..<i])
                    }
                    quote = c
                    i += 1
                    continue
                }
                if isSpace(c) { break }
                if !plain { text.append(c) }
                i += 1
            }
            if quote != nil { return Result(words: words, errorColumn: start + 1) }
            let from = ascii ? start : offsets[start], to = ascii ? i : offsets[i]
            let first = utf8.index(utf8.startIndex, offsetBy: from)
            let raw = String(Substring(utf8[first..<utf8.index(first, offsetBy: to - from)]))
            words.append(ValueWord(text: plain ? raw : String(text), raw: raw, column: start + 1))
        }
    }

    /// The words of an ASCII value without a backslash (and, with `unquote`, without quotes), or
    /// nil for any other value. In such a value no escape or quote applies, so every word is a
    /// maximal run of non-space bytes whose text is its raw text, scalar i is byte i (so a word's
    /// column is its byte offset plus one), and there is no error: the words of `split`, found
    /// on the bytes without decoding scalars. The escapes and quotes are looked for with memchr.
    static func plainASCIIWords(_ value: String, unquote: Bool) -> [ValueWord]? {
        guard ByteSearch.isASCII(value), !ByteSearch.contains(value, UInt8(ascii: "\\")),
            !unquote || (!ByteSearch.contains(value, UInt8(ascii: "'")) && !ByteSearch.contains(value, UInt8(ascii: "\"")))
        else { return nil }
        let utf8 = value.utf8
        // Spaces are space, tab, LF and CR, all at most 0x20: one comparison for most bytes.
        func isSpace(_ b: UInt8) -> Bool { b <= 0x20 && (b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D) }
        var words: [ValueWord] = []
        var i = 0
        var start: Int?
        var first = utf8.startIndex
        var index = utf8.startIndex
        while true {
            let atEnd = index == utf8.endIndex
            if atEnd || isSpace(utf8[index]) {
                if let s = start {
                    let raw = String(Substring(utf8[first..<index]))
                    words.append(ValueWord(text: raw, raw: raw, column: s + 1))
                    start = nil
                }
                if atEnd { return words }
            } else if start == nil {
                start = i
                first = index
            }
            i += 1
            index = utf8.index(after: index)
        }
    }

    /// `split(_:unquote:cUnescape: false)` on the value's UTF-8, without decoding scalars: every
    /// character the splitter looks for (space, tab, LF, CR, backslash, quotes) is ASCII, and an
    /// ASCII byte in UTF-8 is always that scalar (bytes of longer scalars are all 0x80 or more), so
    /// the same decisions fall at the same places. A backslash takes the whole next scalar (its
    /// lead byte and continuation bytes), and columns count scalars: the bytes before a word that
    /// are not continuation bytes (`scalarCount`).
    static func splitUTF8(_ bytes: UnsafeBufferPointer<UInt8>, unquote: Bool) -> Result {
        let n = bytes.count
        func isSpace(_ b: UInt8) -> Bool { b <= 0x20 && (b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D) }
        func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        var words: [ValueWord] = []
        // Scalars before byte `counted`, carried from word to word.
        var counted = 0, scalars = 0
        func column(_ at: Int) -> Int {
            scalars += scalarCount(UnsafeBufferPointer(rebasing: bytes[counted..<at]))
            counted = at
            return scalars + 1
        }
        var i = 0
        while true {
            while i < n, isSpace(bytes[i]) { i += 1 }
            if i >= n { return Result(words: words, errorColumn: nil) }
            let start = i
            // As in `split`: the text is the raw bytes until an escape or a quote.
            var text: [UInt8] = []
            var plain = true
            var quote: UInt8 = 0  // 0: not in quotes (NUL is never a quote)
            while i < n {
                let b = bytes[i]
                // Above the quotes and not a backslash: an ordinary byte in or out of quotes.
                if b > 0x27 && b != 0x5C {
                    if !plain { text.append(b) }
                    i += 1
                    continue
                }
                if b == 0x5C {
                    guard i + 1 < n else { return Result(words: words, errorColumn: column(start)) }
                    if plain {
                        plain = false
                        text.append(contentsOf: bytes[start..<i])
                    }
                    var end = i + 2
                    while end < n, isContinuation(bytes[end]) { end += 1 }
                    text.append(contentsOf: bytes[(i + 1)..<end])
                    i = end
                    continue
                }
                if quote != 0 {
                    if b == quote { quote = 0 } else { text.append(b) }
                    i += 1
                    continue
                }
                if unquote, b == 0x27 || b == 0x22 {
                    if plain {
                        plain = false
                        text.append(contentsOf: bytes[start..<i])
                    }
                    quote = b
                    i += 1
                    continue
                }
                if isSpace(b) { break }
                if !plain { text.append(b) }
                i += 1
            }
            if quote != 0 { return Result(words: words, errorColumn: column(start)) }
            let raw = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            words.append(ValueWord(text: plain ? raw : String(decoding: text, as: UTF8.self), raw: raw,
                column: column(start)))
        }
    }

    /// The scalars of valid UTF-8: its bytes that are not continuation bytes (10xxxxxx), counted
    /// eight at a time (a continuation byte has bit 7 set and bit 6 clear).
    static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var continuations = 0
        var i = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while i + 8 <= raw.count {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            continuations += (x & ~(x << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            i += 8
        }
        while i < raw.count {
            if raw[i] & 0xC0 == 0x80 { continuations += 1 }
            i += 1
        }
        return bytes.count - continuations
    }

    /// Decodes the C escape whose letter is at `i`; returns the scalar and how many scalars it used.
    static func decodeEscape(_ c: [Unicode.Scalar], at i: Int) -> (Unicode.Scalar, Int)? {
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}", "s": " ",
        ]
        if let v = simple[c[i]] { return (v, 1) }
        func hex(_ count: Int, from: Int) -> Unicode.Scalar? {
            guard from + count <= c.count else { return nil }
            var s = ""
            s.unicodeScalars.append(contentsOf: c[from..<from + count])
            return UInt32(s, radix: 16).flatMap(Unicode.Scalar.init)
        }
        switch c[i] {
        case "x": return hex(2, from: i + 1).map { ($0, 3) }
        case "u": return hex(4, from: i + 1).map { ($0, 5) }
        case "U": return hex(8, from: i + 1).map { ($0, 9) }
        case "0"..."7":
            guard i + 2 < c.count else { return nil }
            var s = ""
            s.unicodeScalars.append(contentsOf: c[i...(i + 2)])
            return UInt32(s, radix: 8).flatMap(Unicode.Scalar.init).map { ($0, 3) }
        default: return nil
        }
    }
}
