// JournalAuditReader.swift: reading the kernel's seccomp audit records back from the systemd
// journal with sd-journal (libsystemd, loaded on first use: JournalLibrary). journald stores each
// record from the audit netlink socket (`_TRANSPORT=audit`, `_AUDIT_TYPE=1326`, the serial in
// `_AUDIT_ID`) and, without auditd, a printk copy from /dev/kmsg (`_TRANSPORT=kernel`,
// `MESSAGE=audit: type=1326 audit(T:SERIAL): …`, rate-limited); neither carries `_SYSTEMD_UNIT`.
// Records are attributed to a unit through the process ids its own entries (and its live control
// group) name, each in the boot it ran in (process ids start again at every boot), and
// de-duplicated by boot and serial.

import CSeccomp
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// Seccomp audit records read from a journal.
public struct JournalAuditRecords: Sendable {
    /// The unit's records (each once), oldest first.
    public var records: [SeccompAuditRecord]
    /// The process ids attributed to the unit (from its entries, its control group and the
    /// caller's list), in any boot: a record counts only in the boot where its process was the
    /// unit's (its entries' `_BOOT_ID`; the running boot for the control group and the list when
    /// the system journal is read).
    public var unitPIDs: Set<Int32>
    /// Records stored twice (an audit entry and its kernel copy) and counted once.
    public var duplicates: Int
    /// Seccomp records of other processes, left out.
    public var others: Int
    /// Records made before `since` by their own audit timestamp although journald stored them
    /// later (the lines of the kernel's log buffer it imports when it starts are stamped with
    /// the time it reads them), left out.
    public var earlier: Int = 0
}

/// Reads seccomp audit records from the system journal or a journal directory.
public enum JournalAuditReader {
    /// Reads the records of `unit` (its processes as its own entries name them, those in its
    /// control group now, and `pids`) made at or after `since` (µs since the epoch; by each
    /// record's own audit timestamp, not by when journald stored it).
    /// `directory`: a journal directory (`journalctl -D`); nil: the local system journal.
    ///
    /// - Throws: `AuditSourceError` when the journal cannot be opened or read.
    public static func records(unit: String?, pids: Set<Int32>, since: UInt64?, directory: String?) throws(AuditSourceError)
        -> JournalAuditRecords
    {
        try JournalLibrary.require()
        var journal: OpaquePointer?
        let r = directory.map { cseccomp_journal_open_directory(&journal, $0) } ?? cseccomp_journal_open_local(&journal)
        guard r >= 0, let j = journal else {
            throw AuditSourceError(code: -r, message: "cannot open the journal\(directory.map { " in \($0)" } ?? ""): \(String(cString: strerror(-r)))",
                fix: directory == nil ? "run as root or in the systemd-journal group" : "give a directory of journal files (journalctl -D)")
        }
        defer { cseccomp_journal_close(j) }
        // The unit's processes as its entries name them, each in its boot. Live processes and the
        // caller's list are of the running boot when the system journal is read; a journal
        // directory may hold another machine's boots, where the running boot means nothing, so
        // there they count in any boot (as the caller named them).
        var attribution = Attribution(processes: [], running: pids, runningBoot: directory == nil ? currentBootID() : nil)
        if let unit {
            attribution.processes = try processesOfEntries(j, match: "_SYSTEMD_UNIT=\(unit)", since: since)
            attribution.running.formUnion(livePIDs(of: unit))
        }
        let unitPIDs = attribution.pids
        var seen: Set<String> = []
        var out: [SeccompAuditRecord] = []
        var duplicates = 0, others = 0, earlier = 0
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
                // The journal's own time of an entry is when journald stored it; the record's is
                // when the kernel made it. A record whose whole millisecond is before `since` is not
                // one of these calls, whenever journald read it.
                if let since, let t = record.timestamp, t.seconds >= 0,
                    UInt64(t.seconds) * 1_000_000 + UInt64(max(0, t.milliseconds)) * 1000 + 999 < since
                {
                    earlier += 1
                    return
                }
                let key = "\(boot):\(record.serial.map(String.init) ?? "?\(out.count)-\(match)")"
                guard seen.insert(key).inserted else {
                    duplicates += 1
                    return
                }
                if attribution.owns(pid: record.pid, boot: boot) { out.append(record) } else { others += 1 }
            }
        }
        out.sort { ($0.timestamp ?? AuditTimestamp(seconds: 0, milliseconds: 0), $0.serial ?? 0)
            < ($1.timestamp ?? AuditTimestamp(seconds: 0, milliseconds: 0), $1.serial ?? 0) }
        return JournalAuditRecords(records: out, unitPIDs: unitPIDs, duplicates: duplicates, others: others, earlier: earlier)
    }

    /// A process of a boot (`_BOOT_ID`, 32 hex digits, as the journal writes it).
    struct BootProcess: Hashable {
        var boot: String
        var pid: Int32
    }

    /// Which records belong to the unit: those of a process its entries name, in the boot where
    /// they name it, and those of the `running` processes in `runningBoot` (in any boot when it is
    /// nil: a journal directory).
    struct Attribution {
        var processes: Set<BootProcess>
        var running: Set<Int32>
        var runningBoot: String?

        /// Whether a record of `pid` logged in `boot` is the unit's.
        func owns(pid: Int32, boot: String) -> Bool {
            if processes.contains(BootProcess(boot: boot, pid: pid)) { return true }
            guard running.contains(pid) else { return false }
            return runningBoot.map { $0 == boot } ?? true
        }

        /// Every process id attributed, in any boot.
        var pids: Set<Int32> { running.union(processes.map(\.pid)) }
    }

    /// The running boot's id as the journal writes `_BOOT_ID` (32 hex digits), or nil when it
    /// cannot be read.
    static func currentBootID() -> String? {
        guard let text = try? TextFile.read("/proc/sys/kernel/random/boot_id") else { return nil }
        let id = String(text.filter { $0.isHexDigit }).lowercased()
        return id.count == 32 ? id : nil
    }

    /// The (`_BOOT_ID`, `_PID`) of the entries matching `match`.
    private static func processesOfEntries(_ j: OpaquePointer, match: String, since: UInt64?) throws(AuditSourceError)
        -> Set<BootProcess>
    {
        var out: Set<BootProcess> = []
        try forEachEntry(j, match: match, since: since) { fields in
            if let p = fields["_PID"].flatMap({ Int32($0) }) { out.insert(BootProcess(boot: fields["_BOOT_ID"] ?? "", pid: p)) }
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
        cseccomp_journal_flush_matches(j)
        let r = match.withCString { cseccomp_journal_add_match(j, $0, 0) }
        guard r >= 0 else {
            throw AuditSourceError(code: -r, message: "cannot search the journal for \(match): \(String(cString: strerror(-r)))",
                fix: "check the journal files")
        }
        _ = since.map { cseccomp_journal_seek_realtime_usec(j, $0) } ?? cseccomp_journal_seek_head(j)
        while true {
            let n = cseccomp_journal_next(j)
            if n < 0 {
                throw AuditSourceError(code: -n, message: "cannot read the journal: \(String(cString: strerror(-n)))",
                    fix: "check the journal files (journalctl --verify)")
            }
            if n == 0 { break }
            var fields: [String: String] = [:]
            for name in fieldsRead {
                var data: UnsafeRawPointer?
                var length = 0
                guard cseccomp_journal_get_data(j, name, &data, &length) >= 0, let data else { continue }
                let bytes = UnsafeRawBufferPointer(start: data, count: length)
                let text = String(decoding: bytes, as: UTF8.self)
                if let eq = text.firstIndex(of: "=") { fields[name] = String(text[text.index(after: eq)...]) }
            }
            body(fields)
        }
    }
}
