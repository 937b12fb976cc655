// Journal.swift: structured log entries through libsystemd's sd_journal_sendv().

import CSeccomp

#if canImport(Glibc)
    import Glibc
#endif

/// Writing structured entries to the systemd journal.
public enum Journal {
    /// journald's native socket: entries are sent only when it exists.
    public static let socketPath = "/run/systemd/journal/socket"

    /// Whether a journal is listening here.
    public static var isAvailable: Bool { access(socketPath, F_OK) == 0 }

    /// Sends one entry with `fields` (`KEY` → value; keys in upper case, e.g. `MESSAGE`,
    /// `PRIORITY`, `SECCOMPOSE_UNIT`). Returns false when no journal is listening or the entry
    /// could not be written (`write` says why). libsystemd is loaded on the first entry sent to a
    /// listening journal.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Bool {
        (try? write(fields)) ?? false
    }

    /// Sends one entry with `fields` as `send` does; does nothing and returns false when no
    /// journal listens.
    ///
    /// - Throws: `AuditSourceError` when a journal listens but the entry was not written:
    ///   libsystemd cannot be loaded, or `sd_journal_sendv` failed (its errno).
    @discardableResult
    public static func write(_ fields: [(String, String)]) throws(AuditSourceError) -> Bool {
        guard isAvailable else { return false }
        try JournalLibrary.require()
        // All fields in one buffer, so every iovec points into memory that lives for the call.
        var bytes: [UInt8] = []
        var ranges: [(Int, Int)] = []
        for (key, value) in fields {
            let field = Array("\(key)=\(value)".utf8)
            ranges.append((bytes.count, field.count))
            bytes += field
        }
        let r: Int32 = bytes.withUnsafeMutableBytes { raw in
            let iov = ranges.map { start, count in iovec(iov_base: raw.baseAddress?.advanced(by: start), iov_len: count) }
            return iov.withUnsafeBufferPointer { cseccomp_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        guard r >= 0 else {
            throw AuditSourceError(code: -r, message: "cannot write to the journal at \(socketPath): \(String(cString: strerror(-r)))",
                fix: "check that systemd-journald runs (systemctl status systemd-journald)")
        }
        return true
    }
}
