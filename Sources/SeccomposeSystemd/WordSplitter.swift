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
        var value = value  // made contiguous UTF-8 if it is not (withUTF8)
        return value.withUTF8 { splitUTF8($0, unquote: unquote, cUnescape: cUnescape) }
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
        if let words = value.utf8.withContiguousStorageIfAvailable({ plainASCIIWords($0) }) { return words }
        return plainASCIIWordsByIndex(value)
    }

    /// The words of `plainASCIIWords` in the bytes of such a value: runs of non-space bytes, a word's
    /// bytes skipped eight at a time while none of them is at most 0x20 (every space is; in ASCII,
    /// a 64-bit word has a byte below 0x21 exactly when `(x - 0x21…21) & ~x & 0x80…80` is not
    /// zero), the rest byte by byte.
    static func plainASCIIWords(_ bytes: UnsafeBufferPointer<UInt8>) -> [ValueWord] {
        let raw = UnsafeRawBufferPointer(bytes)
        let n = bytes.count
        var words: [ValueWord] = []
        var i = 0
        while true {
            while i < n, ByteSearch.isSpace(bytes[i]) { i += 1 }
            if i == n { return words }
            let start = i
            while i + 8 <= n {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if bytesBelow(0x21, in: x) != 0 { break }
                i += 8
            }
            while i < n, !ByteSearch.isSpace(bytes[i]) { i += 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            words.append(ValueWord(text: text, raw: text, column: start + 1))
        }
    }

    /// `plainASCIIWords` of a value already checked, by String indices (for a value without
    /// contiguous UTF-8; the tests compare the byte version with it).
    static func plainASCIIWordsByIndex(_ value: String) -> [ValueWord] {
        let utf8 = value.utf8
        var words: [ValueWord] = []
        var i = 0
        var start: Int?
        var first = utf8.startIndex
        var index = utf8.startIndex
        while true {
            let atEnd = index == utf8.endIndex
            if atEnd || ByteSearch.isSpace(utf8[index]) {
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

    /// `split(_:unquote:cUnescape:)` on the value's UTF-8, without decoding scalars: every
    /// character the splitter looks for (space, tab, LF, CR, backslash, quotes, the letters and
    /// digits of a C escape) is ASCII, and an ASCII byte in UTF-8 is always that scalar (bytes of
    /// longer scalars are all 0x80 or more), so the same decisions fall at the same places. A
    /// backslash that starts no C escape takes the whole next scalar (its lead byte and
    /// continuation bytes), and columns count scalars: the bytes before a word that are not
    /// continuation bytes (`scalarCount`).
    static func splitUTF8(_ bytes: UnsafeBufferPointer<UInt8>, unquote: Bool, cUnescape: Bool) -> Result {
        splitUTF8(bytes, unquote: unquote, cUnescape: cUnescape, eightAtATime: true)
    }

    /// The bytes of `x` (eight bytes in memory order, as loaded on a little-endian machine) that
    /// are not ordinary for `splitUTF8`, as bit 7 of their byte: the bytes up to the quotes (0x27)
    /// and the backslash (0x5C). Exact up to and including the first such byte (the lowest set
    /// bit), and zero exactly when there is none: a 64-bit word has a byte below n (n ≤ 0x80)
    /// exactly when `(x - n…n) & ~x & 0x80…80` is not zero, whatever its bytes (the lowest such byte
    /// borrows nothing and sets its bit 7; below it nothing borrows, and a byte of 0x80 or more has
    /// bit 7 clear in `~x`); a byte equal to 0x5C is a zero byte of `x ^ 0x5C…5C`, a byte below 1.
    @inline(__always)
    static func specialBytes(_ x: UInt64) -> UInt64 {
        bytesBelow(0x28, in: x) | bytesBelow(1, in: x ^ 0x5C5C_5C5C_5C5C_5C5C)
    }

    /// Bit 7 of each byte of `x` below `n` (n ≤ 0x80): exact up to and including the lowest such
    /// byte, and zero exactly when there is none (see `specialBytes`). The word scans of
    /// `plainASCIIWords` (bytes below 0x21) and `splitUTF8` share it.
    @inline(__always)
    static func bytesBelow(_ n: UInt8, in x: UInt64) -> UInt64 {
        (x &- UInt64(n) &* 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// `splitUTF8`; `eightAtATime: false` passes ordinary bytes one by one, and `countingScalars: true`
    /// counts the scalars before each word even in an ASCII value (the tests compare them).
    static func splitUTF8(_ bytes: UnsafeBufferPointer<UInt8>, unquote: Bool, cUnescape: Bool, eightAtATime: Bool,
        countingScalars: Bool = false) -> Result
    {
        let n = bytes.count
        let raw = UnsafeRawBufferPointer(bytes)
        func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        var words: [ValueWord] = []
        // Scalars before byte `counted`, carried from word to word. In an ASCII value every byte is a
        // scalar, so a word's column is its offset + 1 without counting (the value is tested once,
        // eight bytes at a time; `countingScalars: true` counts anyway, for the tests).
        let ascii = !countingScalars && ByteSearch.isASCII(raw)
        var counted = 0, scalars = 0
        func column(_ at: Int) -> Int {
            if ascii { return at + 1 }
            scalars += scalarCount(UnsafeBufferPointer(rebasing: bytes[counted..<at]))
            counted = at
            return scalars + 1
        }
        var i = 0
        while true {
            while i < n, ByteSearch.isSpace(bytes[i]) { i += 1 }
            if i >= n { return Result(words: words, errorColumn: nil) }
            let start = i
            // As in `split`: the text is the raw bytes until an escape or a quote.
            var text: [UInt8] = []
            var plain = true
            var quote: UInt8 = 0  // 0: not in quotes (NUL is never a quote)
            while i < n {
                // Until the first escape or quote, an ordinary byte only moves on: the ordinary
                // bytes among the next eight are passed at once, up to the first other one
                // (`specialBytes`).
                if eightAtATime, plain, i + 8 <= n {
                    let special = specialBytes(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                    if special == 0 {
                        i += 8
                        continue
                    }
                    i += special.trailingZeroBitCount >> 3
                }
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
                    if cUnescape, let (decoded, used) = decodeEscape(bytes, at: i + 1) {
                        text.append(contentsOf: String(decoded).utf8)
                        i += 1 + used
                        continue
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
                if ByteSearch.isSpace(b) { break }
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

    /// Decodes the C escape whose letter is the byte at `i`; returns the scalar and how many bytes
    /// it used, or nil when no escape starts there (the escaped character then stands for
    /// itself). Every escape is ASCII: where a byte of the letter's or digits' window is not, the
    /// scalars there are not digits either, so reading bytes decides as reading scalars would.
    static func decodeEscape(_ c: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        func number(_ count: Int, from: Int, radix: Int) -> Unicode.Scalar? {
            guard from + count <= c.count else { return nil }
            return UInt32(String(decoding: UnsafeBufferPointer(rebasing: c[from..<(from + count)]), as: UTF8.self), radix: radix)
                .flatMap(Unicode.Scalar.init)
        }
        switch c[i] {
        case UInt8(ascii: "a"): return ("\u{07}", 1)
        case UInt8(ascii: "b"): return ("\u{08}", 1)
        case UInt8(ascii: "f"): return ("\u{0C}", 1)
        case UInt8(ascii: "n"): return ("\n", 1)
        case UInt8(ascii: "r"): return ("\r", 1)
        case UInt8(ascii: "t"): return ("\t", 1)
        case UInt8(ascii: "v"): return ("\u{0B}", 1)
        case UInt8(ascii: "s"): return (" ", 1)
        case UInt8(ascii: "x"): return number(2, from: i + 1, radix: 16).map { ($0, 3) }
        case UInt8(ascii: "u"): return number(4, from: i + 1, radix: 16).map { ($0, 5) }
        case UInt8(ascii: "U"): return number(8, from: i + 1, radix: 16).map { ($0, 9) }
        case UInt8(ascii: "0")...UInt8(ascii: "7"): return number(3, from: i, radix: 8).map { ($0, 3) }
        default: return nil
        }
    }
}
