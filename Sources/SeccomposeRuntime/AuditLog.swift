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
        var fields: [Substring: Substring] = [:]
        var stamp: Substring?
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\0" }) {
            if word.hasPrefix("audit(") {
                stamp = word
                continue
            }
            guard let eq = word.firstIndex(of: "=") else { continue }
            let key = word[..<eq]
            // The first occurrence wins (a kmsg line's continuation lines repeat nothing we use).
            if fields[key] == nil { fields[key] = word[word.index(after: eq)...] }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }), let nr = fields["syscall"].flatMap({ Int($0) }),
            let arch = fields["arch"].flatMap({ UInt32($0, radix: 16) }),
            let code = fields["code"].flatMap(Self.hexNumber).flatMap({ UInt32(exactly: $0) })
        else { return nil }
        self.init(
            pid: pid, syscall: nr, arch: arch, code: code, command: fields["comm"].map(Self.decodeString) ?? "",
            executable: fields["exe"].map(Self.decodeString), signal: fields["sig"].flatMap { Int32($0) },
            compat: fields["compat"].flatMap { $0 == "1" ? true : $0 == "0" ? false : nil },
            instructionPointer: fields["ip"].flatMap(Self.hexNumber), uid: fields["uid"].flatMap { UInt32($0) })
        if let stamp { (timestamp, serial) = Self.parseStamp(stamp) }
    }

    /// `0x1f` → 31.
    static func hexNumber(_ s: Substring) -> UInt64? {
        s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : UInt64(s, radix: 16)
    }

    /// `audit(1796602033.081:42):` → (timestamp, 42).
    static func parseStamp(_ word: Substring) -> (AuditTimestamp?, UInt64?) {
        guard let open = word.firstIndex(of: "("), let close = word.firstIndex(of: ")"), open < close else {
            return (nil, nil)
        }
        let inner = word[word.index(after: open)..<close]
        let parts = inner.split(separator: ":", maxSplits: 1)
        var time: AuditTimestamp?
        if let first = parts.first {
            let secMs = first.split(separator: ".", maxSplits: 1)
            if let s = secMs.first.flatMap({ Int64($0) }) {
                time = AuditTimestamp(seconds: s, milliseconds: secMs.count > 1 ? Int32(secMs[1]) ?? 0 : 0)
            }
        }
        return (time, parts.count > 1 ? UInt64(parts[1]) : nil)
    }

    /// Decodes an audit string field: `"text"` → text; hex (used when the value has a space,
    /// quote or control character) → its bytes; anything else (`(null)`) as written.
    static func decodeString(_ value: Substring) -> String {
        if value.count >= 2, value.first == "\"", value.last == "\"" {
            return String(value.dropFirst().dropLast())
        }
        let utf8 = Array(value.utf8)
        guard !utf8.isEmpty, utf8.count % 2 == 0,
            utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) })
        else { return String(value) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let b = UInt8(String(decoding: utf8[i..<i + 2], as: UTF8.self), radix: 16) else { return String(value) }
            bytes.append(b)
            i += 2
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
