// ProcessTree.swift: which processes descend from a supervised command, so that audit records
// (which carry initial-pid-namespace TGIDs of every process on the host) are attributed to the
// supervisor's own processes only.
//
// Preferred mechanism: the kernel's proc connector (NETLINK_CONNECTOR, CN_IDX_PROC), which
// reports every fork synchronously inside fork() — before the child can run, let alone make a
// system call that produces an audit record. Subscribing before the command is spawned and
// following PROC_EVENT_FORK (parent TGID → child TGID) therefore sees every descendant, however
// short-lived, and remembers it after it exits. Fallback: walking /proc/PID/stat parent links
// when asked, which cannot place a process that already exited and was reaped.

import CSeccomp
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The set of processes descending from one or more root processes.
///
/// Create it before spawning the command, then `add(root:)` the command's pid; `contains(_:)`
/// answers for any descendant (not threads: they share their process's TGID, which is what
/// audit records carry), including ones that already exited.
public final class ProcessTree: Sendable {
    /// How descendants are found.
    public enum Mechanism: String, Sendable, Hashable {
        /// The proc connector's fork events (exact, remembers exited processes).
        case procConnector = "proc connector"
        /// Walking /proc/PID/stat parent links at query time (cannot place exited processes).
        case procWalk = "/proc parent walk"
    }

    /// Whether a process belongs to the tree.
    public enum Membership: String, Sendable, Hashable {
        /// A root or a descendant.
        case member
        /// Not part of the tree.
        case notMember
        /// Cannot be told: the process is gone and the mechanism does not remember it (procWalk),
        /// or fork events were lost.
        case unknown
    }

    struct State: Sendable {
        var mechanism: Mechanism
        var fallbackReason: String?
        var members: Set<Int32> = []
        /// Recent fork edges (parent TGID, child TGID), oldest first: `add(root:)` replays them
        /// for forks that happened between spawning and adding the root.
        var recentForks: [(parent: Int32, child: Int32)] = []
        var overruns = 0
        var stopping = false
    }

    static let recentForkLimit = 1 << 16

    private let core: Core
    private let thread: pthread_t?

    /// Subscribes to the proc connector (needs CAP_NET_ADMIN in the initial user and pid
    /// namespace) and starts following forks; when that is not possible the tree walks /proc
    /// instead and `fallbackReason` says why. Call this before spawning the command.
    public init() {
        var granted: Int32 = 0
        let fd = cnetlink_proc_open(8 << 20, &granted)
        if fd < 0 {
            core = Core(fd: -1, state: State(mechanism: .procWalk,
                fallbackReason: "the proc connector cannot be joined (\(AuditThread.errorText(-fd))): it needs "
                    + "root (CAP_NET_ADMIN) in the initial user and pid namespace; exited descendants cannot be "
                    + "attributed"))
            thread = nil
            return
        }
        let core = Core(fd: fd, state: State(mechanism: .procConnector))
        self.core = core
        thread = AuditThread.start { core.readLoop() }
        if thread == nil {
            core.state.withLock {
                $0.mechanism = .procWalk
                $0.fallbackReason = "the proc connector reader thread cannot be started"
            }
        }
    }

    /// Tells the proc connector reader to end without waiting for it (`deinit` joins it): no
    /// fork or exit is followed after it. For when every followed process has been waited for.
    public func stopFollowing() {
        core.state.withLock { $0.stopping = true }
        core.wakeup.signal()
    }

    deinit {
        stopFollowing()
        if let thread { pthread_join(thread, nil) }
        core.wakeup.close()
        if core.fd >= 0 { close(core.fd) }
    }

    /// The mechanism in use (it changes to `.procWalk` if the proc connector turns out not to
    /// deliver events, see `add(root:)`).
    public var mechanism: Mechanism { core.state.withLock { $0.mechanism } }

    /// Why the proc connector is not used; nil when it is.
    public var fallbackReason: String? { core.state.withLock { $0.fallbackReason } }

    /// True when every fork since the tree was created has been seen (proc connector, no
    /// receive-buffer overrun).
    public var isComplete: Bool { core.state.withLock { $0.mechanism == .procConnector && $0.overruns == 0 } }

    /// The members known so far (roots and descendants seen).
    public var members: Set<Int32> {
        core.state.withLock { st in
            core.drain(&st)
            return st.members
        }
    }

    /// Adds a root process: a child this process forked after the tree was created. Its
    /// descendants forked before this call are added from the fork events already received.
    /// If no fork event for `pid` by this process was received, the proc connector is not
    /// delivering (e.g. in a pid namespace, where the kernel ignores the subscription) and the
    /// tree falls back to walking /proc.
    public func add(root pid: Int32) {
        core.state.withLock { st in
            core.drain(&st)
            st.members.insert(pid)
            guard st.mechanism == .procConnector else { return }
            let me = getpid()
            var forkedByUs = false
            for edge in st.recentForks {
                if edge.child == pid && edge.parent == me { forkedByUs = true }
                if st.members.contains(edge.parent) { st.members.insert(edge.child) }
            }
            if !forkedByUs {
                st.mechanism = .procWalk
                st.fallbackReason = "the proc connector delivered no fork event for pid \(pid) (not in the initial "
                    + "pid namespace, or \(pid) is not a child forked after the tree was created); exited "
                    + "descendants cannot be attributed"
            }
        }
    }

    /// Whether `pid` (a TGID in the initial pid namespace) is a root or a descendant.
    public func contains(_ pid: Int32) -> Bool { membership(of: pid) == .member }

    /// Whether `pid` is a root or a descendant, or whether that cannot be told.
    public func membership(of pid: Int32) -> Membership {
        core.state.withLock { st in
            if st.mechanism == .procConnector {
                core.drain(&st)
                if st.members.contains(pid) { return .member }
                if st.overruns == 0 { return .notMember }
            } else if st.members.contains(pid) {
                return .member
            }
            return Self.walk(pid, members: &st.members)
        }
    }

    // MARK: - proc connector

    /// The socket and the state the reader thread and the queries share.
    final class Core: Sendable {
        let fd: Int32
        let state: Mutex<State>
        let wakeup = AuditThread.Wakeup()
        /// The receive buffer; used only while `state` is locked.
        nonisolated(unsafe) let buffer = UnsafeMutableRawPointer.allocate(byteCount: Core.capacity, alignment: 8)
        static let capacity = 1 << 16

        init(fd: Int32, state: State) {
            self.fd = fd
            self.state = Mutex(state)
        }

        deinit { buffer.deallocate() }

        func readLoop() {
            while !state.withLock({ $0.stopping }) {
                if AuditThread.wait(for: fd, wake: wakeup, timeoutMilliseconds: 1000) {
                    state.withLock { drain(&$0) }
                }
            }
        }

        /// Reads every queued event (under the lock, so readers and queries see one order).
        func drain(_ st: inout State) {
            guard fd >= 0 else { return }
            var events = [cnetlink_proc_event](repeating: cnetlink_proc_event(), count: 16)
            while true {
                let n = cnetlink_receive(fd, buffer, Core.capacity, 0)
                if n == 0 { return }
                if n < 0 {
                    if Int32(-n) == ENOBUFS {
                        st.overruns += 1
                        continue
                    }
                    st.overruns += 1
                    st.fallbackReason = "the proc connector failed: \(AuditThread.errorText(Int32(-n)))"
                    return
                }
                let count = events.withUnsafeMutableBufferPointer { cnetlink_proc_parse(buffer, n, $0.baseAddress, 16) }
                for e in events.prefix(Int(count)) { apply(e, &st) }
            }
        }

        func apply(_ e: cnetlink_proc_event, _ st: inout State) {
            switch e.what {
            case 1:  // PROC_EVENT_FORK
                guard e.child_pid == e.child_tgid else { return }  // a new thread, not a process
                st.recentForks.append((e.parent_tgid, e.child_tgid))
                if st.recentForks.count > ProcessTree.recentForkLimit { st.recentForks.removeFirst(ProcessTree.recentForkLimit / 2) }
                if st.members.contains(e.parent_tgid) {
                    st.members.insert(e.child_tgid)
                } else if st.members.contains(e.child_tgid) {
                    st.members.remove(e.child_tgid)  // the pid was reused by an unrelated process
                }
            case 0:  // PROC_EVENT_NONE: the answer to PROC_CN_MCAST_LISTEN
                if e.error != 0 {
                    st.mechanism = .procWalk
                    st.fallbackReason = "the proc connector refused the subscription: \(AuditThread.errorText(e.error))"
                }
            default:
                return
            }
        }
    }

    // MARK: - /proc walk

    /// Walks parent links from `pid` until a member (then every process on the way is one) or
    /// init; `.unknown` when a process on the way has gone.
    static func walk(_ pid: Int32, members: inout Set<Int32>) -> Membership {
        var chain: [Int32] = []
        var current = pid
        for _ in 0..<4096 {
            if members.contains(current) {
                members.formUnion(chain)
                return .member
            }
            if current <= 1 { return .notMember }
            guard let parent = parentPID(of: current) else { return .unknown }
            chain.append(current)
            current = parent
        }
        return .unknown
    }

    /// The parent pid from /proc/PID/stat (`pid (comm) state ppid …`; comm may hold `)`).
    public static func parentPID(of pid: Int32) -> Int32? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 2 else { return nil }
        return Int32(fields[1])
    }
}
