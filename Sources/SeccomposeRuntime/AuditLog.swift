// AuditLog.swift: the kernel's seccomp audit records (type=1326) from /dev/kmsg.

#if canImport(Glibc)
    import Glibc
#endif

/// One `type=1326` record: a seccomp action the kernel logged for a process.
public struct SeccompAuditRecord: Sendable, Hashable {
    public var pid: Int32
    public var syscall: Int
    /// The `AUDIT_ARCH` value.
    public var arch: UInt32
    /// The filter's return value's action part (e.g. 0x80000000 kill-process, 0x7ffc0000 log).
    public var code: UInt32
    public var command: String

    /// Parses a kmsg or audit line; nil when it is not a seccomp record.
    public init?(line: Substring) {
        guard line.contains("type=1326") else { return nil }
        var fields: [Substring: Substring] = [:]
        for word in line.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let eq = word.firstIndex(of: "=") else { continue }
            fields[word[..<eq]] = word[word.index(after: eq)...]
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }), let nr = fields["syscall"].flatMap({ Int($0) }),
            let arch = fields["arch"].flatMap({ UInt32($0, radix: 16) }),
            let code = fields["code"].flatMap({ UInt32($0.dropFirst(2), radix: 16) })
        else { return nil }
        self.pid = pid
        self.syscall = nr
        self.arch = arch
        self.code = code
        command = fields["comm"].map { String($0.filter { $0 != "\"" }) } ?? ""
    }
}

/// Reads new records from /dev/kmsg (needs CAP_SYSLOG, or `kernel.dmesg_restrict=0`).
public final class KernelAuditLog {
    private let fd: Int32

    /// Opens /dev/kmsg at its end, so only records written from now on are read; nil when it
    /// cannot be opened.
    public init?() {
        fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        lseek(fd, 0, SEEK_END)
    }

    deinit { close(fd) }

    /// The seccomp records written since the last call (or since opening).
    public func newRecords() -> [SeccompAuditRecord] {
        var out: [SeccompAuditRecord] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                let line = String(decoding: buffer[0..<n], as: UTF8.self)
                if let r = SeccompAuditRecord(line: Substring(line)) { out.append(r) }
            } else if n < 0 && errno == EPIPE {
                continue  // records were overwritten; go on with the next one
            } else {
                break
            }
        }
        return out
    }
}
