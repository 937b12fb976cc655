// ByteSearch.swift: byte scans of a string's UTF-8: one byte found with the C library's memchr,
// the ASCII test eight bytes at a time.
//
// A byte loop in Swift is compiled into this module, so in the fuzz builds every byte it looks at
// costs a traced comparison; memchr is not instrumented, and both are faster anyway.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ByteSearch {
    /// Whether the UTF-8 of `text` contains `byte` (the same answer as `text.utf8.contains(byte)`).
    static func contains(_ text: String, _ byte: UInt8) -> Bool {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        if let found = text.utf8.withContiguousStorageIfAvailable({ buffer -> Bool in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return false }
            return memchr(base, Int32(byte), buffer.count) != nil
        }) {
            return found
        }
        #endif
        return text.utf8.contains(byte)
    }

    /// Whether every byte of `text`'s UTF-8 is below 0x80 (the same answer as
    /// `text.utf8.allSatisfy { $0 < 0x80 }`), eight bytes at a time.
    static func isASCII(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ isASCII(UnsafeRawBufferPointer($0)) }) {
            return answer
        }
        return text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Whether every byte of `bytes` is below 0x80.
    ///
    /// Thirty-two bytes a turn, then eight, then the last eight bytes in one load that may overlap
    /// bytes already looked at (looking at a byte twice changes nothing); a buffer of fewer than
    /// eight bytes is copied into one word. Each test of a loop is a traced comparison in the fuzz
    /// builds (about 36 instructions), so the fewer turns the better.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var high: UInt64 = 0
        guard n >= 8 else {
            // Fewer than eight bytes: copied into one word (no loop), the rest of it zeros.
            if n > 0 { withUnsafeMutableBytes(of: &high) { $0.copyMemory(from: bytes) } }
            return high & 0x8080_8080_8080_8080 == 0
        }
        var i = 0
        while i + 32 <= n {
            high |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)
            i += 32
        }
        while i + 8 <= n {
            high |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        high |= bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// Whether `text` holds a Character equal to `ascii` (an ASCII byte other than CR and LF): the
    /// same answer as `firstCharacter(ascii, in: text) != nil`, without grapheme breaking over the
    /// whole text. Such a Character is that one scalar alone (no other scalar or sequence is equal
    /// to it), so it is one of the text's `ascii` bytes (found with memchr) where a Character starts
    /// (`samePosition(in:)`: the byte may follow a prepended scalar in the same Character) and the
    /// next Character starts right after the byte (no mark extends it), as `expandCharacters` finds
    /// its `%` Characters.
    static func hasCharacter(_ ascii: UInt8, in text: String) -> Bool {
        precondition(ascii < 0x80 && ascii != 0x0A && ascii != 0x0D, "hasCharacter: not a lone ASCII Character")
        let offsets = text.utf8.withContiguousStorageIfAvailable { buffer -> (all: [Int], ascii: Bool) in
            var found: [Int] = []
            appendOffsets(of: ascii, in: buffer, to: &found)
            return (found, found.isEmpty || isASCII(UnsafeRawBufferPointer(buffer)))
        }
        guard let offsets else { return firstCharacter(ascii, in: text) != nil }
        // No such byte: none; in ASCII text every such byte is a Character of its own.
        if offsets.ascii { return !offsets.all.isEmpty }
        return offsets.all.contains { isLoneCharacter(at: $0, in: text) }
    }

    /// Appends the offset of every `byte` in `bytes` to `offsets`, in ascending order (memchr).
    static func appendOffsets(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, to offsets: inout [Int]) {
        var from = 0
        while let p = firstOffset(of: byte, in: bytes, from: from) {
            offsets.append(p)
            from = p + 1
        }
    }

    /// The offset of the last `byte` in `bytes`, or nil (memchr from one to the next).
    static func lastOffset(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var last: Int?
        var from = 0
        while let p = firstOffset(of: byte, in: bytes, from: from) {
            last = p
            from = p + 1
        }
        return last
    }

    /// Whether the ASCII byte at UTF-8 offset `p` of `text` is a Character of its own: a Character
    /// starts there (`samePosition(in:)`: not after a prepended scalar of the same Character) and
    /// the next one starts right after it (no mark extends it).
    static func isLoneCharacter(at p: Int, in text: String) -> Bool {
        let utf8 = text.utf8
        let at = utf8.index(utf8.startIndex, offsetBy: p)
        return at.samePosition(in: text) != nil && text.index(after: at) == utf8.index(after: at)
    }

    /// `text.firstIndex(of: Character(Unicode.Scalar(ascii)))` for an ASCII byte other than CR and
    /// LF, without grapheme breaking when it can: no such byte means no such Character, and in an
    /// all-ASCII string every byte but a CR before an LF is a Character of its own (every rule that
    /// joins scalars into one Character but CR LF involves a non-ASCII scalar), so the first byte is
    /// the first Character. Other strings take the Character search.
    ///
    /// The byte and the ASCII test are looked for in the String's own UTF-8 buffer, in one call
    /// (through a Substring of the whole text, that buffer is reached through the generic slice
    /// code, which cost more than the search).
    static func firstCharacter(_ ascii: UInt8, in text: String) -> String.Index? {
        precondition(ascii < 0x80 && ascii != 0x0A && ascii != 0x0D, "firstCharacter: not a lone ASCII Character")
        let found = text.utf8.withContiguousStorageIfAvailable { buffer -> (offset: Int, ascii: Bool)? in
            guard let offset = firstOffset(of: ascii, in: buffer, from: 0) else { return nil }
            return (offset, isASCII(UnsafeRawBufferPointer(buffer)))
        }
        switch found {
        case .some(.none): return nil
        case .some(.some(let hit)) where hit.ascii: return text.utf8.index(text.utf8.startIndex, offsetBy: hit.offset)
        case .some(.some): return text.firstIndex(of: Character(Unicode.Scalar(ascii)))
        case .none: return firstCharacterThroughSubstring(ascii, in: text)
        }
    }

    /// `firstCharacter` through a Substring of the whole text (for a String without contiguous
    /// UTF-8; the tests compare the two).
    static func firstCharacterThroughSubstring(_ ascii: UInt8, in text: String) -> String.Index? {
        guard let offset = firstOffset(of: ascii, in: Substring(text)) else { return nil }
        if isASCII(text) { return text.utf8.index(text.utf8.startIndex, offsetBy: offset) }
        return text.firstIndex(of: Character(Unicode.Scalar(ascii)))
    }

    /// `text.split(whereSeparator: { $0 == a || $0 == b }).prefix(limit)` with `a` and `b` the
    /// Characters of two ASCII bytes other than CR and LF, each word as a String. A separator
    /// Character is its byte alone, so the separators are the `a` and `b` bytes (found with memchr)
    /// that are Characters of their own (every one in ASCII text; otherwise looked at in place, as
    /// `hasCharacter` does), and the words are the non-empty runs of bytes between them.
    static func words(_ text: String, separatedBy a: UInt8, _ b: UInt8, limit: Int) -> [String] {
        precondition(a < 0x80 && b < 0x80 && a != 0x0A && a != 0x0D && b != 0x0A && b != 0x0D, "words: not lone ASCII Characters")
        let found = text.utf8.withContiguousStorageIfAvailable { buffer -> (cuts: [Int], ascii: Bool) in
            var cuts: [Int] = []
            appendOffsets(of: a, in: buffer, to: &cuts)
            if b != a {
                let firsts = cuts.count
                appendOffsets(of: b, in: buffer, to: &cuts)
                if firsts > 0, cuts.count > firsts { cuts.sort() }
            }
            return (cuts, cuts.isEmpty || isASCII(UnsafeRawBufferPointer(buffer)))
        }
        guard let found else {
            let separator: (Character) -> Bool = { $0 == Character(Unicode.Scalar(a)) || $0 == Character(Unicode.Scalar(b)) }
            return text.split(whereSeparator: separator).prefix(limit).map(String.init)
        }
        let utf8 = text.utf8
        var words: [String] = []
        var start = 0
        func word(to end: Int) {
            if end > start, words.count < limit {
                words.append(String(text[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)]))
            }
        }
        for p in found.cuts {
            if !found.ascii, !isLoneCharacter(at: p, in: text) { continue }
            word(to: p)
            if words.count == limit { return words }
            start = p + 1
        }
        word(to: utf8.count)
        return words
    }

    /// Whether `b` is space, tab, LF or CR: the whitespace of unit values (all at most 0x20, so
    /// one comparison rules out most bytes).
    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b <= 0x20 && (b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D) }

    /// `text.prefix { $0 != Character(Unicode.Scalar(ascii)) }` (everything before the first such
    /// Character, or all of `text`), found as `firstCharacter` finds it.
    static func prefix(before ascii: UInt8, in text: String) -> Substring {
        text[..<(firstCharacter(ascii, in: text) ?? text.endIndex)]
    }

    /// Whether the UTF-8 of `text` contains each of `a`, `b` and `c` (as `contains(text, a)` …), the
    /// three looked for with memchr in one visit of its buffer.
    static func contains(_ text: String, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> (Bool, Bool, Bool) {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        if let found = text.utf8.withContiguousStorageIfAvailable({ buffer -> (Bool, Bool, Bool) in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return (false, false, false) }
            return (memchr(base, Int32(a), buffer.count) != nil, memchr(base, Int32(b), buffer.count) != nil,
                memchr(base, Int32(c), buffer.count) != nil)
        }) {
            return found
        }
        #endif
        return (text.utf8.contains(a), text.utf8.contains(b), text.utf8.contains(c))
    }

    /// The offset (from the start of `bytes`) of the first `byte` at or after `start`, or nil.
    static func firstOffset(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start >= 0, start < bytes.count, let base = bytes.baseAddress else { return nil }
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        guard let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
        #else
        return bytes[start...].firstIndex(of: byte)
        #endif
    }

    /// The offset of the first `byte` in `text`'s UTF-8, or nil (as `text.utf8.firstIndex(of:)`,
    /// counted from the start).
    static func firstOffset(of byte: UInt8, in text: Substring) -> Int? {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        if let found = text.utf8.withContiguousStorageIfAvailable({ buffer -> Int? in
            guard let base = buffer.baseAddress, !buffer.isEmpty,
                let hit = memchr(base, Int32(byte), buffer.count)
            else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
        }) {
            return found
        }
        #endif
        return text.utf8.firstIndex(of: byte).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
    }
}
