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
        let bytes = Array(text.utf8)
        var p = 0
        func skipSpace() { while p < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[p]) { p += 1 } }
        // Skips one value starting at p (after whitespace); false on malformed input.
        func skipValue() -> Bool {
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
        // Reads a string starting at the quote at p; returns its raw bytes.
        func readString() -> [UInt8]? {
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
        for step in steps {
            skipSpace()
            guard p < bytes.count else { return nil }
            switch step {
            case .key(let key):
                guard bytes[p] == UInt8(ascii: "{") else { return nil }
                p += 1
                var found = false
                while !found {
                    skipSpace()
                    guard p < bytes.count, bytes[p] != UInt8(ascii: "}"), let k = readString() else { return nil }
                    skipSpace()
                    guard p < bytes.count, bytes[p] == UInt8(ascii: ":") else { return nil }
                    p += 1
                    if k == Array(key.utf8) {
                        found = true
                    } else {
                        guard skipValue() else { return nil }
                        skipSpace()
                        if p < bytes.count, bytes[p] == UInt8(ascii: ",") { p += 1 }
                    }
                }
            case .index(let n):
                guard bytes[p] == UInt8(ascii: "[") else { return nil }
                p += 1
                for _ in 0..<n {
                    guard skipValue() else { return nil }
                    skipSpace()
                    guard p < bytes.count, bytes[p] == UInt8(ascii: ",") else { return nil }
                    p += 1
                }
            }
        }
        skipSpace()
        guard p < bytes.count, bytes[p] != UInt8(ascii: "]"), bytes[p] != UInt8(ascii: "}") else { return nil }
        // Line and column (characters, not bytes) of offset p.
        var line = 1, lineStart = 0
        for (i, b) in bytes[..<p].enumerated() where b == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<p], as: UTF8.self).count + 1
        return (line, column)
    }
}
