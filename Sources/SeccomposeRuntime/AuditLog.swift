// AuditLog.swift: the kernel's seccomp audit records (type=1326, AUDIT_SECCOMP), parsed from
// either transport: the text of an audit netlink message or a /dev/kmsg line.
//
// Record format (kernel/auditsc.c, audit_seccomp):
//   audit(SEC.MSEC:SERIAL): auid= uid= gid= ses= [subj=] pid= comm= exe= sig= arch= syscall=
//   compat= ip= code=
// `pid` is the thread group id in the initial pid namespace; `comm` and `exe` are quoted, or
// hex-encoded when they contain a space, a quote or a control character.

import SeccomposePolicy
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// When the kernel stamped an audit record: `audit(SECONDS.MILLISECONDS:SERIAL)`.
public struct AuditTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the epoch.
    public var seconds: Int64
    /// Milliseconds within the second (0…999).
    public var milliseconds: Int32

    /// A timestamp of `seconds` and `milliseconds`.
    public init(seconds: Int64, milliseconds: Int32) {
        self.seconds = seconds
        self.milliseconds = milliseconds
    }

    /// Orders by time.
    public static func < (a: AuditTimestamp, b: AuditTimestamp) -> Bool {
        (a.seconds, a.milliseconds) < (b.seconds, b.milliseconds)
    }

    /// `SECONDS.MMM`, as the kernel writes it.
    public var description: String {
        let ms = String(milliseconds)
        return "\(seconds).\(String(repeating: "0", count: max(0, 3 - ms.count)))\(ms)"
    }
}

/// One `type=1326` record: a seccomp action the kernel logged for a process.
public struct SeccompAuditRecord: Sendable, Hashable {
    /// The thread group id (process id, not thread id) in the initial pid namespace.
    public var pid: Int32
    /// The system call number as the filter saw it (for x32 with the x32 bit, 0x40000000, set).
    public var syscall: Int
    /// The `AUDIT_ARCH` value (`c000003e` x86-64 and x32, `40000003` i386).
    public var arch: UInt32
    /// The filter's return value's action part (e.g. 0x80000000 kill-process, 0x7ffc0000 log).
    /// The data bits (the errno) are not recorded by the kernel.
    public var code: UInt32
    /// The process's `comm` (at most 15 bytes), decoded from quotes or hex.
    public var command: String
    /// The executable's path (`exe=`), decoded; nil when the record has none.
    public var executable: String?
    /// The signal recorded (`sig=`; 31, SIGSYS, for the kills); nil when absent.
    public var signal: Int32?
    /// Whether the call came through a compat entry point (`compat=1`, e.g. i386 `int 0x80`).
    public var compat: Bool?
    /// The instruction pointer of the call (`ip=`).
    public var instructionPointer: UInt64?
    /// The real user id (`uid=`).
    public var uid: UInt32?
    /// The record's serial number (`audit(…:SERIAL)`); nil when the text did not carry it.
    public var serial: UInt64?
    /// When the kernel stamped the record; nil when the text did not carry it.
    public var timestamp: AuditTimestamp?

    /// A record from its parts (for tests and fake sources).
    public init(
        pid: Int32, syscall: Int, arch: UInt32, code: UInt32, command: String, executable: String? = nil,
        signal: Int32? = nil, compat: Bool? = nil, instructionPointer: UInt64? = nil, uid: UInt32? = nil,
        serial: UInt64? = nil, timestamp: AuditTimestamp? = nil
    ) {
        self.pid = pid
        self.syscall = syscall
        self.arch = arch
        self.code = code
        self.command = command
        self.executable = executable
        self.signal = signal
        self.compat = compat
        self.instructionPointer = instructionPointer
        self.uid = uid
        self.serial = serial
        self.timestamp = timestamp
    }

    /// Parses a kmsg or audit.log line (`… type=1326 audit(…): …`); nil when it is not a seccomp
    /// record or lacks `pid`, `syscall`, `arch` or `code`.
    public init?(line: Substring) {
        guard line.contains("type=1326 ") || line.contains("type=SECCOMP ") else { return nil }
        self.init(fields: line)
    }

    /// Parses the text of an audit netlink message of type 1326 (`audit(…): auid=… code=…`,
    /// without the `type=` prefix); nil when a required field is missing.
    public init?(auditMessage: Substring) {
        self.init(fields: auditMessage)
    }

    private init?(fields text: Substring) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses the record's bytes: words separated by spaces, newlines or NULs, `key=value`
    /// (the first occurrence of a key wins) and the `audit(…)` stamp. Byte-level, because a
    /// learning run reads one record per call.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> SeccompAuditRecord? {
        var pid: Int32?, nr: Int?, arch: UInt32?, code: UInt32?, comm: String?, exe: String?
        var sig: Int32?, compat: Bool?, ip: UInt64?, uid: UInt32?
        var stamp: (AuditTimestamp?, UInt64?) = (nil, nil)
        var haveStamp = false
        let n = bytes.count
        var i = 0
        while i < n {
            while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0 { i += 1 }
            let start = i
            var eq = -1
            while i < n, bytes[i] != 0x20, bytes[i] != 0x0A, bytes[i] != 0 {
                if eq < 0, bytes[i] == 0x3D { eq = i }
                i += 1
            }
            guard i > start else { continue }
            let word = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
            if !haveStamp, word.count > 6, word[0] == 0x61, word[5] == 0x28, word.starts(with: "audit(".utf8) {
                stamp = parseStamp(UnsafeRawBufferPointer(rebasing: word[6...]))
                haveStamp = true
                continue
            }
            guard eq >= 0 else { continue }
            let key = UnsafeRawBufferPointer(rebasing: bytes[start..<eq])
            let value = UnsafeRawBufferPointer(rebasing: bytes[(eq + 1)..<i])
            switch key.count {
            case 2:
                if isKey(key, "ip"), ip == nil { ip = hexNumber(value) }
            case 3:
                if isKey(key, "pid"), pid == nil {
                    pid = decimal(value).flatMap { Int32(exactly: $0) }
                } else if isKey(key, "uid"), uid == nil {
                    uid = decimal(value).flatMap { UInt32(exactly: $0) }
                } else if isKey(key, "sig"), sig == nil {
                    sig = decimal(value).flatMap { Int32(exactly: $0) }
                } else if isKey(key, "exe"), exe == nil {
                    exe = decodeString(value)
                }
            case 4:
                if isKey(key, "arch"), arch == nil {
                    arch = hexNumber(value).flatMap { UInt32(exactly: $0) }
                } else if isKey(key, "code"), code == nil {
                    code = hexNumber(value).flatMap { UInt32(exactly: $0) }
                } else if isKey(key, "comm"), comm == nil {
                    comm = decodeString(value)
                }
            case 6:
                if isKey(key, "compat"), compat == nil {
                    compat = value.elementsEqual("1".utf8) ? true : value.elementsEqual("0".utf8) ? false : nil
                }
            case 7:
                if isKey(key, "syscall"), nr == nil { nr = decimal(value).flatMap { Int(exactly: $0) } }
            default: break
            }
        }
        guard let pid, let nr, let arch, let code else { return nil }
        var record = SeccompAuditRecord(
            pid: pid, syscall: nr, arch: arch, code: code, command: comm ?? "", executable: exe, signal: sig,
            compat: compat, instructionPointer: ip, uid: uid)
        (record.timestamp, record.serial) = stamp
        return record
    }

    /// `SECONDS.MILLISECONDS:SERIAL)…` (after `audit(`) → (timestamp, serial).
    static func parseStamp(_ b: UnsafeRawBufferPointer) -> (AuditTimestamp?, UInt64?) {
        guard let close = b.firstIndex(of: 0x29) else { return (nil, nil) }
        let inner = UnsafeRawBufferPointer(rebasing: b[..<close])
        let colon = inner.firstIndex(of: 0x3A) ?? inner.count
        let time = UnsafeRawBufferPointer(rebasing: inner[..<colon])
        let dot = time.firstIndex(of: 0x2E) ?? time.count
        var stamp: AuditTimestamp?
        if let seconds = decimal(UnsafeRawBufferPointer(rebasing: time[..<dot])) {
            let ms = dot < time.count ? decimal(UnsafeRawBufferPointer(rebasing: time[(dot + 1)...])) : 0
            stamp = AuditTimestamp(seconds: seconds, milliseconds: Int32(truncatingIfNeeded: ms ?? 0))
        }
        let serial = colon < inner.count ? decimal(UnsafeRawBufferPointer(rebasing: inner[(colon + 1)...])) : nil
        return (stamp, serial.flatMap { UInt64(exactly: $0) })
    }

    /// Whether `key` spells `name` (ASCII).
    @inline(__always) static func isKey(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount else { return false }
        let p = name.utf8Start
        for k in 0..<key.count where key[k] != p[k] { return false }
        return true
    }

    /// A decimal number (an optional `-`), nil when the bytes are not one.
    static func decimal(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard !b.isEmpty else { return nil }
        var negative = false
        var v: Int64 = 0
        for (k, c) in b.enumerated() {
            if k == 0, c == 0x2D {
                negative = true
                continue
            }
            guard c >= 0x30, c <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            guard !o1, !o2 else { return nil }
            v = a
        }
        if negative && b.count == 1 { return nil }
        return negative ? -v : v
    }

    /// A hexadecimal number with or without `0x`, nil when the bytes are not one.
    static func hexNumber(_ b: UnsafeRawBufferPointer) -> UInt64? {
        var digits = b[...]
        if b.count > 2, b[0] == 0x30, b[1] == 0x78 || b[1] == 0x58 { digits = b[2...] }
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var v: UInt64 = 0
        for c in digits {
            guard let d = hexDigit(c) else { return nil }
            v = v << 4 | UInt64(d)
        }
        return v
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// Decodes an audit string field: `"text"` → text; hex (used when the value has a space,
    /// quote or control character) → its bytes; anything else (`(null)`) as written.
    static func decodeString(_ value: UnsafeRawBufferPointer) -> String {
        if value.count >= 2, value[0] == 0x22, value[value.count - 1] == 0x22 {
            return String(decoding: value[1..<(value.count - 1)], as: UTF8.self)
        }
        guard !value.isEmpty, value.count % 2 == 0, value.allSatisfy({ hexDigit($0) != nil }) else {
            return String(decoding: value, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.count / 2)
        var k = 0
        while k < value.count {
            bytes.append((hexDigit(value[k]) ?? 0) << 4 | (hexDigit(value[k + 1]) ?? 0))
            k += 2
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The ABI of the call (x32 when the x32 bit is set on `c000003e`); nil for an `arch`
    /// Seccompose does not know.
    public var abi: Architecture? {
        Architecture.abi(auditArch: arch, number: UInt32(truncatingIfNeeded: syscall), among: Architecture.allCases)
    }

    /// The system call's name on its ABI, or nil when the ABI or number is unknown.
    public var syscallName: String? {
        guard let abi else { return nil }
        return SyscallTable.name(of: syscall, on: abi)
    }

    /// The filter action recorded (`code`), e.g. `.killProcess` or `.log`.
    public var action: Action { Action(returnValue: code) }

    /// Whether the record reports a kill (KILL_PROCESS or KILL_THREAD).
    public var isKill: Bool { code == 0x8000_0000 || code == 0 }
}
