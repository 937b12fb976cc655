// AuditNetlinkSource.swift: seccomp audit records from the kernel's audit netlink multicast
// group AUDIT_NLGRP_READLOG, read on a background thread. Needs CAP_AUDIT_READ; loss detection
// needs CAP_AUDIT_CONTROL (the kernel's `lost` counter) and the flush barrier CAP_AUDIT_WRITE.
//
// The barrier: kauditd multicasts the records of its queue in order, so a user message sent
// after the last record of interest comes back through the group after it. The message type
// matters: with auditing disabled (no auditd, `enabled 0`) the kernel drops every user message
// except AUDIT_USER_AVC (measured on 6.18: AUDIT_USER and AUDIT_USER_LOGIN vanish,
// AUDIT_USER_AVC comes back; with auditing enabled AUDIT_USER comes back too), so the marker is
// AUDIT_USER_AVC then and AUDIT_USER otherwise. Without auditd the kernel also prints the marker
// to the kernel log, and journald stores it: one record per flush.

import CSeccomp
import SeccomposeSyscalls
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Seccomp audit records from the audit netlink multicast group (lossless; loss is detected).
public final class AuditNetlinkSource: AuditRecordSource {
    /// AUDIT_SECCOMP.
    static let seccompType: Int32 = 1326
    /// AUDIT_USER: a user message (delivered only while auditing is enabled).
    static let userType: Int32 = 1005
    /// AUDIT_USER_AVC: the one user message the kernel passes while auditing is disabled.
    static let userAVCType: Int32 = 1107

    private let core: Core
    private let thread: pthread_t
    /// The receive buffer the kernel granted the socket, in bytes.
    public let receiveBufferBytes: Int

    /// Opens the reader (bound to AUDIT_NLGRP_READLOG) with a receive buffer of at least
    /// `receiveBufferBytes` (forced past `rmem_max` when root), reads the kernel's `lost`
    /// counter as the baseline, and starts the background reader.
    ///
    /// - Throws: `AuditSourceError` when the socket cannot be opened or bound (no
    ///   CAP_AUDIT_READ, no audit support in this kernel or network namespace).
    public init(receiveBufferBytes: Int = 32 << 20) throws(AuditSourceError) {
        var granted: Int32 = 0
        let fd = cnetlink_audit_open_reader(Int32(clamping: receiveBufferBytes), &granted)
        if fd < 0 {
            let e = -fd
            let why: String
            switch e {
            case EPERM, EACCES: why = "joining the audit netlink group needs CAP_AUDIT_READ"
            case EPROTONOSUPPORT, ECONNREFUSED, EAFNOSUPPORT:
                why = "this kernel or network namespace has no audit netlink socket"
            default: why = "the audit netlink socket failed"
            }
            throw AuditSourceError(code: e,
                message: "cannot read the audit netlink multicast group: \(why): \(AuditThread.errorText(e))",
                fix: "run as root in the initial user and network namespace, or grant CAP_AUDIT_READ")
        }
        let control = cnetlink_audit_open_control()
        let core = Core(readerFD: fd, controlFD: control >= 0 ? control : -1)
        if control < 0 {
            core.note("the audit control socket cannot be opened (\(AuditThread.errorText(-control))): "
                + "loss cannot be detected and flush cannot be confirmed")
        } else {
            core.readBaseline()
            if let problem = Self.markerProblem() {
                core.note(problem)
                core.state.withLock { $0.controlBroken = true }
            }
        }
        guard let thread = AuditThread.start({ core.readLoop() }) else {
            core.close()
            throw AuditSourceError(code: EAGAIN, message: "cannot start the audit reader thread",
                fix: "raise the process or thread limit (ulimit -u)")
        }
        self.core = core
        self.thread = thread
        self.receiveBufferBytes = Int(granted)
    }

    deinit {
        core.stop()
        pthread_join(thread, nil)
        core.close()
    }

    /// Tells the reader thread to end without waiting for it (`deinit` joins it); it may still
    /// file what it was reading when told.
    public func stopReading() { core.stop() }

    /// True when the kernel's loss counter could be read at opening (so every loss is seen)
    /// and the control socket works (so `flush` can be confirmed).
    public var isLossless: Bool { core.state.withLock { $0.baseline != nil && !$0.controlBroken } }

    /// The seccomp records received since the last call.
    public func drain() -> [SeccompAuditRecord] {
        core.state.withLock { state in
            defer { state.records.removeAll(keepingCapacity: true) }
            return state.records
        }
    }

    /// Sends a marker user message and waits until it comes back through the multicast group:
    /// kauditd delivers in queue order, so every record queued before has then arrived. Also
    /// refreshes `lostRecords` from the kernel's counter.
    public func flush(timeout: Duration) -> Bool {
        let deadline = AuditThread.now() &+ AuditThread.nanoseconds(timeout)
        guard let marker = core.sendMarker(timeoutMilliseconds: Self.milliseconds(until: deadline)) else {
            core.refreshLost()
            return false
        }
        var seen = false
        while true {
            seen = core.state.withLock { $0.markersSeen.remove(marker) != nil }
            if seen || AuditThread.now() >= deadline || core.state.withLock({ $0.readerFailed }) { break }
            // The reader signals each marker it files; at most 2 ms between looks in any case
            // (a failing reader says so only through its state).
            core.markerArrived.wait(timeoutMilliseconds: min(2, max(1, Self.milliseconds(until: deadline))))
        }
        core.refreshLost()
        if !seen {
            core.note("the flush marker did not come back within \(timeout) (the kernel is slow or "
                + "filters audit user messages out, the socket overran, or the reader stopped): records may be missing")
        }
        return seen
    }

    /// Lost records: the kernel's `lost` counter's increase since opening (as of the last
    /// flush) plus one per receive-buffer overrun (ENOBUFS; the true number may be larger).
    public var lostRecords: Int { core.state.withLock { $0.kernelLost + $0.overruns } }

    /// Why records were or may have been lost.
    public var lossReasons: [String] {
        core.state.withLock { state in
            var reasons = state.notes
            if state.kernelLost > 0 {
                reasons.append("the kernel dropped \(state.kernelLost) audit record(s) (its lost counter rose; "
                    + "raise the kernel's audit backlog limit (boot parameter audit_backlog_limit=, or auditctl -b) "
                    + "and lift its rate limit (auditctl -r 0))")
            }
            if state.overruns > 0 {
                reasons.append("the audit socket's receive buffer overran \(state.overruns) time(s) (ENOBUFS)")
            }
            return reasons
        }
    }

    /// Why the flush marker cannot be sent from this process, or nil: the kernel accepts audit
    /// user messages only with CAP_AUDIT_WRITE and from the initial pid namespace (checked from
    /// /proc/self/status: `CapEff` bit 29 and a one-level `NSpid`).
    static func markerProblem() -> String? {
        // Cannot tell without it: the first flush will say.
        guard let bytes = try? TextFile.readBytes("/proc/self/status", limit: 1 << 20) else { return nil }
        return markerProblem(status: bytes)
    }

    /// `markerProblem()` for the text of a /proc/PID/status file.
    static func markerProblem(status bytes: [UInt8]) -> String? {
        var capabilities: UInt64?
        var pidLevels = 1
        // Lines as bytes ("Key:\tvalue"), only two of which matter: each line found from the
        // one before (the generic `split` cost about 40 instructions a byte at every launch).
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = bytes[start..<end]
            start = end + 1
            guard line.first == UInt8(ascii: "C") || line.first == UInt8(ascii: "N") else { continue }
            if line.starts(with: "CapEff:".utf8) {
                let digits = line.dropFirst("CapEff:".utf8.count).filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                capabilities = UInt64(String(decoding: digits, as: UTF8.self), radix: 16)
            } else if line.starts(with: "NSpid:".utf8) {
                pidLevels = line.dropFirst("NSpid:".utf8.count)
                    .split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }).count
            }
        }
        let fix = "flush cannot be confirmed; run as root in the initial pid namespace, or grant CAP_AUDIT_WRITE"
        if let capabilities, capabilities & (1 << 29) == 0 {
            return "this process lacks CAP_AUDIT_WRITE, which the flush marker needs: " + fix
        }
        if pidLevels > 1 {
            return "this process runs in a child pid namespace, where the kernel refuses audit user messages: " + fix
        }
        return nil
    }

    /// Tests only: stops or resumes reading the socket.
    func setReaderPaused(_ paused: Bool) { core.state.withLock { $0.paused = paused } }

    static func milliseconds(until deadline: UInt64) -> Int32 {
        let now = AuditThread.now()
        return deadline > now ? Int32(clamping: (deadline - now) / 1_000_000) : 0
    }

    // MARK: -

    struct State: Sendable {
        var records: [SeccompAuditRecord] = []
        /// Flush markers read and not yet claimed.
        var markersSeen: Set<String> = []
        var markersSent = 0
        var baseline: UInt32?
        var kernelLost = 0
        var overruns = 0
        var notes: [String] = []
        var stopping = false
        /// Tests only: the reader leaves the socket alone (to provoke an overrun).
        var paused = false
        var readerFailed = false
        var controlBroken = false
    }

    /// What the reader thread and the caller share.
    final class Core: Sendable {
        let readerFD: Int32
        let controlFD: Int32
        let state = Mutex(State())
        /// Serializes requests on the control socket.
        let control = Mutex(0)
        let markerPrefix: String
        let wakeup = AuditThread.Wakeup()
        /// Signalled by the reader when it has filed a flush marker.
        let markerArrived = AuditThread.Wakeup()

        init(readerFD: Int32, controlFD: Int32) {
            self.readerFD = readerFD
            self.controlFD = controlFD
            let random = UInt64.random(in: 1...UInt64.max)
            markerPrefix = "seccompose-flush-\(getpid())-\(String(random, radix: 16))-"
            if controlFD < 0 { state.withLock { $0.controlBroken = true } }
        }

        func note(_ text: String) {
            state.withLock { if !$0.notes.contains(text) { $0.notes.append(text) } }
        }

        func stop() {
            state.withLock { $0.stopping = true }
            wakeup.signal()
        }

        func close() {
            wakeup.close()
            markerArrived.close()
            _ = Glibc.close(readerFD)
            if controlFD >= 0 { _ = Glibc.close(controlFD) }
        }

        func status() -> cnetlink_audit_status? {
            guard controlFD >= 0 else { return nil }
            var s = cnetlink_audit_status()
            let r = control.withLock { _ in cnetlink_audit_get_status(controlFD, &s, 2000) }
            return r == 0 ? s : nil
        }

        func readBaseline() {
            if let s = status() {
                state.withLock { $0.baseline = s.lost }
            } else {
                note("the kernel's audit status (lost counter) cannot be read: it needs CAP_AUDIT_CONTROL, "
                    + "so dropped records would go unnoticed")
            }
        }

        func refreshLost() {
            guard let s = status() else {
                state.withLock { $0.controlBroken = $0.controlBroken || $0.baseline != nil }
                return
            }
            state.withLock { st in
                if let base = st.baseline { st.kernelLost = Int(s.lost &- base) }
            }
        }

        /// Sends a unique marker; returns its text, or nil (with a note) when it cannot be sent.
        func sendMarker(timeoutMilliseconds: Int32) -> String? {
            guard controlFD >= 0 else { return nil }
            let counter = state.withLock { st -> Int in
                st.markersSent += 1
                return st.markersSent
            }
            let marker = markerPrefix + "\(counter)"
            let enabled = status()?.enabled ?? 0
            let type = enabled == 0 ? AuditNetlinkSource.userAVCType : AuditNetlinkSource.userType
            let r = control.withLock { _ in
                cnetlink_audit_send_user(controlFD, type, marker, max(100, timeoutMilliseconds))
            }
            if r != 0 {
                note("the flush marker cannot be sent (\(AuditThread.errorText(-r))): writing audit user "
                    + "messages needs CAP_AUDIT_WRITE in the initial user and pid namespace")
                state.withLock { $0.controlBroken = true }
                return nil
            }
            return marker
        }

        /// Reads datagrams until stopped.
        func readLoop() {
            let capacity = 1 << 16
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            defer { buffer.deallocate() }
            while !state.withLock({ $0.stopping }) {
                if state.withLock({ $0.paused }) {
                    usleep(5_000)
                    continue
                }
                guard AuditThread.wait(for: readerFD, wake: wakeup, timeoutMilliseconds: 1000) else { continue }
                let n = cnetlink_receive(readerFD, buffer, capacity, 0)
                if n == 0 { continue }
                if n < 0 {
                    let e = Int32(-n)
                    if e == ENOBUFS {
                        state.withLock { $0.overruns += 1 }
                        continue
                    }
                    note("the audit reader stopped: \(AuditThread.errorText(e))")
                    state.withLock { $0.readerFailed = true }
                    return
                }
                ingest(buffer, length: n)
            }
        }

        func ingest(_ buffer: UnsafeMutableRawPointer, length: Int) {
            var offset = 0
            var type: Int32 = 0
            var payload: UnsafeRawPointer?
            var payloadLength = 0
            var records: [SeccompAuditRecord] = []
            var markers: [String] = []
            while cnetlink_next_message(buffer, length, &offset, &type, &payload, &payloadLength) == 1 {
                guard let payload, payloadLength > 0 else { continue }
                let bytes = UnsafeRawBufferPointer(start: payload, count: payloadLength)
                if type == AuditNetlinkSource.seccompType {
                    let end = bytes.firstIndex(of: 0) ?? bytes.count
                    if let r = SeccompAuditRecord.parse(UnsafeRawBufferPointer(rebasing: bytes[..<end])) { records.append(r) }
                } else if type == AuditNetlinkSource.userAVCType || type == AuditNetlinkSource.userType {
                    let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    // `… msg='seccompose-flush-…'`: the marker is the quoted message.
                    for part in text.split(separator: "'") where part.hasPrefix(markerPrefix) {
                        markers.append(String(part))
                    }
                }
            }
            if records.isEmpty && markers.isEmpty { return }
            state.withLock { st in
                st.records += records
                st.markersSeen.formUnion(markers)
            }
            if !markers.isEmpty { markerArrived.signal() }
        }
    }
}
