// JournalAuditReader.swift: reading the kernel's seccomp audit records back from the systemd
// journal with sd-journal (libsystemd). journald stores each record from the audit netlink
// socket (`_TRANSPORT=audit`, `_AUDIT_TYPE=1326`, the serial in `_AUDIT_ID`) and, without auditd,
// a printk copy from /dev/kmsg (`_TRANSPORT=kernel`, `MESSAGE=audit: type=1326 audit(T:SERIAL): …`,
// rate-limited); neither carries `_SYSTEMD_UNIT`. Records are attributed to a unit through the
// process ids its own entries (and its live control group) name, and de-duplicated by boot and
// serial.

import CSystemd
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// Seccomp audit records read from a journal.
public struct JournalAuditRecords: Sendable {
    /// The unit's records (each once), oldest first.
    public var records: [SeccompAuditRecord]
    /// The process ids attributed to the unit (from its entries, its control group and the
    /// caller's list).
    public var unitPIDs: Set<Int32>
    /// Records stored twice (an audit entry and its kernel copy) and counted once.
    public var duplicates: Int
    /// Seccomp records of other processes, left out.
    public var others: Int
}

/// Reads seccomp audit records from the system journal or a journal directory.
public enum JournalAuditReader {
    /// Reads the records of `unit` (its processes as its own entries name them, those in its
    /// control group now, and `pids`) logged at or after `since` (µs since the epoch).
    /// `directory`: a journal directory (`journalctl -D`); nil: the local system journal.
    ///
    /// - Throws: `AuditSourceError` when the journal cannot be opened or read.
    public static func records(unit: String?, pids: Set<Int32>, since: UInt64?, directory: String?) throws(AuditSourceError)
        -> JournalAuditRecords
    {
        var journal: OpaquePointer?
        let r = directory.map { sd_journal_open_directory(&journal, $0, 0) }
            ?? sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard r >= 0, let j = journal else {
            throw AuditSourceError(code: -r, message: "cannot open the journal\(directory.map { " in \($0)" } ?? ""): \(String(cString: strerror(-r)))",
                fix: directory == nil ? "run as root or in the systemd-journal group" : "give a directory of journal files (journalctl -D)")
        }
        defer { sd_journal_close(j) }
        var unitPIDs = pids
        if let unit {
            unitPIDs.formUnion(try pidsOfEntries(j, match: "_SYSTEMD_UNIT=\(unit)", since: since))
            unitPIDs.formUnion(livePIDs(of: unit))
        }
        var seen: Set<String> = []
        var out: [SeccompAuditRecord] = []
        var duplicates = 0, others = 0
        // Both copies, audit entries first, so a kernel copy finds its twin.
        for match in ["_AUDIT_TYPE=1326", "_TRANSPORT=kernel"] {
            try forEachEntry(j, match: match, since: since) { fields in
                let boot = fields["_BOOT_ID"] ?? ""
                let record: SeccompAuditRecord?
                if match.hasPrefix("_AUDIT_TYPE") {
                    // MESSAGE is `SECCOMP ` and the record's fields; the serial is _AUDIT_ID.
                    let text = fields["MESSAGE"].map { $0.hasPrefix("SECCOMP ") ? String($0.dropFirst(8)) : $0 } ?? ""
                    var parsed = SeccompAuditRecord(auditMessage: Substring(text))
                    parsed?.serial = fields["_AUDIT_ID"].flatMap { UInt64($0) }
                    record = parsed
                } else {
                    guard let message = fields["MESSAGE"], message.contains("type=1326 ") else { return }
                    record = SeccompAuditRecord(line: Substring(message))
                }
                guard let record else { return }
                let key = "\(boot):\(record.serial.map(String.init) ?? "?\(out.count)-\(match)")"
                guard seen.insert(key).inserted else {
                    duplicates += 1
                    return
                }
                if unitPIDs.contains(record.pid) { out.append(record) } else { others += 1 }
            }
        }
        out.sort { ($0.timestamp ?? AuditTimestamp(seconds: 0, milliseconds: 0), $0.serial ?? 0)
            < ($1.timestamp ?? AuditTimestamp(seconds: 0, milliseconds: 0), $1.serial ?? 0) }
        return JournalAuditRecords(records: out, unitPIDs: unitPIDs, duplicates: duplicates, others: others)
    }

    /// The `_PID`s of the entries matching `match`.
    private static func pidsOfEntries(_ j: OpaquePointer, match: String, since: UInt64?) throws(AuditSourceError) -> Set<Int32> {
        var out: Set<Int32> = []
        try forEachEntry(j, match: match, since: since) { fields in
            if let p = fields["_PID"].flatMap({ Int32($0) }) { out.insert(p) }
        }
        return out
    }

    /// The processes in `unit`'s control group now (its path ends in `/UNIT`).
    private static func livePIDs(of unit: String) -> Set<Int32> {
        var out: Set<Int32> = []
        for name in (try? TextFile.listDirectory("/proc")) ?? [] {
            guard let pid = Int32(name), let text = try? TextFile.read("/proc/\(pid)/cgroup") else { continue }
            if text.split(separator: "\n").contains(where: { $0.hasSuffix("/\(unit)") }) { out.insert(pid) }
        }
        return out
    }

    private static let fieldsRead = ["MESSAGE", "_PID", "_BOOT_ID", "_AUDIT_ID"]

    /// Calls `body` with the fields of each entry matching `match`, from `since` on.
    private static func forEachEntry(_ j: OpaquePointer, match: String, since: UInt64?,
        _ body: ([String: String]) -> Void) throws(AuditSourceError)
    {
        sd_journal_flush_matches(j)
        let r = match.withCString { sd_journal_add_match(j, $0, 0) }
        guard r >= 0 else {
            throw AuditSourceError(code: -r, message: "cannot search the journal for \(match): \(String(cString: strerror(-r)))",
                fix: "check the journal files")
        }
        _ = since.map { sd_journal_seek_realtime_usec(j, $0) } ?? sd_journal_seek_head(j)
        while true {
            let n = sd_journal_next(j)
            if n < 0 {
                throw AuditSourceError(code: -n, message: "cannot read the journal: \(String(cString: strerror(-n)))",
                    fix: "check the journal files (journalctl --verify)")
            }
            if n == 0 { break }
            var fields: [String: String] = [:]
            for name in fieldsRead {
                var data: UnsafeRawPointer?
                var length = 0
                guard sd_journal_get_data(j, name, &data, &length) >= 0, let data else { continue }
                let bytes = UnsafeRawBufferPointer(start: data, count: length)
                let text = String(decoding: bytes, as: UTF8.self)
                if let eq = text.firstIndex(of: "=") { fields[name] = String(text[text.index(after: eq)...]) }
            }
            body(fields)
        }
    }
}
