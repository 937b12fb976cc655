// ErrnoParsing.swift: systemd's parse_errno() and seccomp_parse_errno_or_action().

import SeccomposeSyscalls

/// The action part of a `NAME:ACTION` entry, or a SystemCallErrorNumber= value.
public enum EntryAction: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Fail with this errno (0...4095; 0 fakes success).
    case errno(Int)
    /// Kill the process (`kill`).
    case kill

    public var description: String {
        switch self {
        case .errno(let e): return ErrnoTable.name(of: e) ?? String(e)
        case .kill: return "kill"
        }
    }
}

enum ErrnoParsing {
    /// `parse_errno()`: an errno name (any case), or a number 0...4095 written as C's strtol
    /// with base 0 reads it (`0x` hex, leading-`0` octal), or with a `0b`/`0o` prefix.
    static func parseErrno(_ s: String) -> Int? {
        if let n = ErrnoTable.number(named: s), n > 0 { return n }
        guard let n = safeAtoi(s) else { return nil }
        return (0...ErrnoTable.maximum).contains(n) ? n : nil
    }

    /// `seccomp_parse_errno_or_action()`: `kill` (lower case only) or `parse_errno()`.
    static func parseErrnoOrAction(_ s: String) -> EntryAction? {
        if s == "kill" { return .kill }
        return parseErrno(s).map { .errno($0) }
    }

    /// systemd's `safe_atoi()`: `0b`/`0o` prefixes, then `strtol(s, &end, 0)` with nothing left over.
    static func safeAtoi(_ s: String) -> Int? {
        var bytes = Array(s.utf8)
        var base = 0
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "0") {
            switch bytes[1] {
            case UInt8(ascii: "b"), UInt8(ascii: "B"): base = 2; bytes.removeFirst(2)
            case UInt8(ascii: "o"), UInt8(ascii: "O"): base = 8; bytes.removeFirst(2)
            default: break
            }
        }
        // strtol: leading whitespace, an optional sign, then digits of the base.
        var i = 0
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(bytes[i]) { i += 1 }
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        if base == 0 {
            if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] | 0x20 == UInt8(ascii: "x"),
                i + 2 < bytes.count, digit(bytes[i + 2]).map({ $0 < 16 }) == true
            {
                base = 16
                i += 2
            } else if i < bytes.count, bytes[i] == UInt8(ascii: "0") {
                base = 8
            } else {
                base = 10
            }
        }
        let digitsStart = i
        var value = 0
        while i < bytes.count, let d = digit(bytes[i]), d < base {
            value = value * base + d
            if value > Int(Int32.max) + 1 { return nil }  // out of int range: ERANGE
            i += 1
        }
        guard i > digitsStart, i == bytes.count else { return nil }
        let signed = negative ? -value : value
        guard signed >= Int(Int32.min), signed <= Int(Int32.max) else { return nil }
        return signed
    }

    private static func digit(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(b - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(b - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}
