// Journal.swift: structured log entries through libsystemd's sd_journal_sendv().

import CSystemd

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
    /// `PRIORITY`, `SECCOMPOSE_UNIT`). Returns false when no journal is listening or sending failed.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Bool {
        guard isAvailable else { return false }
        // All fields in one buffer, so every iovec points into memory that lives for the call.
        var bytes: [UInt8] = []
        var ranges: [(Int, Int)] = []
        for (key, value) in fields {
            let field = Array("\(key)=\(value)".utf8)
            ranges.append((bytes.count, field.count))
            bytes += field
        }
        let r: Int32 = bytes.withUnsafeMutableBytes { raw in
            var iov = ranges.map { start, count in iovec(iov_base: raw.baseAddress?.advanced(by: start), iov_len: count) }
            return iov.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        return r >= 0
    }
}
