// JSONLocator.swift: where a JSON path (`syscalls[3].args[0]`) starts in a profile's text, so
// that diagnostics about a profile can say file:line:column like those about unit files.

/// Finds the line and column of a value in JSON text by its path.
public enum JSONLocator {
    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    /// Parses `a.b[2].c` (an optional leading `.` is allowed); nil for anything else.
    static func steps(_ path: String) -> [Step]? {
        var out: [Step] = []
        var i = path.startIndex
        while i < path.endIndex {
            let c = path[i]
            if c == "." {
                i = path.index(after: i)
                continue
            }
            if c == "[" {
                guard let close = path[i...].firstIndex(of: "]"), let n = Int(path[path.index(after: i)..<close]) else { return nil }
                out.append(.index(n))
                i = path.index(after: close)
                continue
            }
            let end = path[i...].firstIndex { $0 == "." || $0 == "[" } ?? path.endIndex
            out.append(.key(String(path[i..<end])))
            i = end
        }
        return out
    }

    /// The 1-based line and column (in characters) where the value at `path` starts, or nil
    /// when the text has no such value or is not JSON.
    public static func locate(_ path: String, in text: String) -> (line: Int, column: Int)? {
        guard let steps = steps(path) else { return nil }
        var scanner = Scanner(bytes: Array(text.utf8))
        for step in steps { guard scanner.enter(step) else { return nil } }
        guard scanner.atValue(), let at = scanner.positions([scanner.p]).first else { return nil }
        return at
    }

    /// Where each element of the array at `path` starts (line and column, as `locate` gives
    /// them), found in one pass over the text; nil when the value at `path` is not an array.
    public static func elementPositions(of path: String, in text: String) -> [(line: Int, column: Int)]? {
        guard let steps = steps(path) else { return nil }
        var scanner = Scanner(bytes: Array(text.utf8))
        for step in steps { guard scanner.enter(step) else { return nil } }
        scanner.skipSpace()
        guard scanner.p < scanner.bytes.count, scanner.bytes[scanner.p] == UInt8(ascii: "[") else { return nil }
        scanner.p += 1
        var offsets: [Int] = []
        while scanner.atValue() {
            offsets.append(scanner.p)
            guard scanner.skipValue() else { return nil }
            scanner.skipSpace()
            guard scanner.p < scanner.bytes.count, scanner.bytes[scanner.p] == UInt8(ascii: ",") else { break }
            scanner.p += 1
        }
        return scanner.positions(offsets)
    }

    /// The line and column (as `locate` gives them) of each byte offset into `bytes`, in
    /// ascending order: for offsets a parser found itself.
    static func positions(ofOffsets offsets: [Int], in bytes: [UInt8]) -> [(line: Int, column: Int)] {
        Scanner(bytes: bytes).positions(offsets)
    }

    /// A cursor over JSON text that steps into objects and arrays without building them.
    struct Scanner {
        let bytes: [UInt8]
        var p = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() { while p < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[p]) { p += 1 } }

        /// Whether a value (not the end of its container) starts at the next non-blank byte.
        mutating func atValue() -> Bool {
            skipSpace()
            return p < bytes.count && bytes[p] != UInt8(ascii: "]") && bytes[p] != UInt8(ascii: "}")
        }

        /// Skips one value starting at p (after whitespace); false on malformed input.
        mutating func skipValue() -> Bool {
            skipSpace()
            guard p < bytes.count else { return false }
            switch bytes[p] {
            case UInt8(ascii: "\""): return readString() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while p < bytes.count {
                    let b = bytes[p]
                    if b == UInt8(ascii: "\"") {
                        guard readString() != nil else { return false }
                        continue
                    }
                    if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
                    if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 {
                            p += 1
                            return true
                        }
                    }
                    p += 1
                }
                return false
            default:
                while p < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[p]) { p += 1 }
                return true
            }
        }

        /// Reads a string starting at the quote at p; returns its raw bytes.
        mutating func readString() -> [UInt8]? {
            guard p < bytes.count, bytes[p] == UInt8(ascii: "\"") else { return nil }
            p += 1
            var out: [UInt8] = []
            while p < bytes.count {
                let b = bytes[p]
                if b == UInt8(ascii: "\\") {
                    out.append(b)
                    if p + 1 < bytes.count { out.append(bytes[p + 1]) }
                    p += 2
                    continue
                }
                p += 1
                if b == UInt8(ascii: "\"") { return out }
                out.append(b)
            }
            return nil
        }

        /// Moves p to the start of the value `step` names inside the value at p.
        mutating func enter(_ step: Step) -> Bool {
            skipSpace()
            guard p < bytes.count else { return false }
            switch step {
            case .key(let key):
                guard bytes[p] == UInt8(ascii: "{") else { return false }
                p += 1
                let wanted = Array(key.utf8)
                while true {
                    skipSpace()
                    guard p < bytes.count, bytes[p] != UInt8(ascii: "}"), let k = readString() else { return false }
                    skipSpace()
                    guard p < bytes.count, bytes[p] == UInt8(ascii: ":") else { return false }
                    p += 1
                    if k == wanted { return true }
                    guard skipValue() else { return false }
                    skipSpace()
                    if p < bytes.count, bytes[p] == UInt8(ascii: ",") { p += 1 }
                }
            case .index(let n):
                guard bytes[p] == UInt8(ascii: "[") else { return false }
                p += 1
                for _ in 0..<n {
                    guard skipValue() else { return false }
                    skipSpace()
                    guard p < bytes.count, bytes[p] == UInt8(ascii: ",") else { return false }
                    p += 1
                }
                return true
            }
        }

        /// Line and column (characters, not bytes) of each offset, ascending, in one pass.
        func positions(_ offsets: [Int]) -> [(line: Int, column: Int)] {
            var out: [(line: Int, column: Int)] = []
            out.reserveCapacity(offsets.count)
            // Columns are counted from the previous offset on the same line (values start at
            // character boundaries), so a one-line profile is not recounted from its start.
            var line = 1, lineStart = 0, i = 0
            var counted = 0, column = 1
            for offset in offsets {
                while i < offset {
                    if bytes[i] == 0x0A {
                        line += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                if counted < lineStart { (counted, column) = (lineStart, 1) }
                // Within a line, ASCII is one character a byte (no line break to pair with CR).
                if bytes[counted..<offset].allSatisfy({ $0 < 0x80 }) {
                    column += offset - counted
                } else {
                    column += String(decoding: bytes[counted..<offset], as: UTF8.self).count
                }
                counted = offset
                out.append((line, column))
            }
            return out
        }
    }
}
