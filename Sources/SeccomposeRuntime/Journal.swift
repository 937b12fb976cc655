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

    /// Why entries cannot be written although a journal is listening (libsystemd cannot be
    /// loaded), or nil: they can, or no journal listens.
    public static var failure: AuditSourceError? {
        guard isAvailable else { return nil }
        do { try JournalLibrary.require() } catch { return error }
        return nil
    }

    /// Sends one entry with `fields` (`KEY` → value; keys in upper case, e.g. `MESSAGE`,
    /// `PRIORITY`, `SECCOMPOSE_UNIT`). Returns false when no journal is listening, libsystemd
    /// cannot be loaded (see `failure`) or sending failed. libsystemd is loaded on the first entry
    /// sent to a listening journal.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Bool {
        guard isAvailable, (try? JournalLibrary.require()) != nil else { return false }
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
        return r >= 0
    }
}
