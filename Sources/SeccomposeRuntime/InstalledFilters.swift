// InstalledFilters.swift: reading the seccomp filters a running process has, with
// ptrace(PTRACE_SECCOMP_GET_FILTER).

import CSeccomp
import SeccomposeCompiler
import SeccomposeDiagnostics

#if canImport(Glibc)
    import Glibc
#endif

/// Why the filters of a process could not be read.
public struct FilterReadError: ReportableError, Sendable, Hashable {
    /// The errno of the failing call (0 when none).
    public var code: Int32
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// The report every stage gives.
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}

/// The seccomp filters installed in a running process.
public enum InstalledFilters {
    /// The process's filters, newest first (the newest is judged first and wins ties). Empty
    /// when the process has no filter.
    ///
    /// The kernel's `PTRACE_SECCOMP_GET_FILTER` index counts from the oldest filter
    /// (`get_nth_filter` walks back from the newest `count - index - 1` times), so the list read
    /// is reversed.
    ///
    /// The process is attached with `PTRACE_SEIZE` and stopped for the reads, then detached
    /// (it continues). Needs `CAP_SYS_ADMIN` and ptrace rights over the process.
    ///
    /// - Throws: `FilterReadError` when the process does not exist, is in strict mode, or
    ///   ptrace is denied.
    public static func read(pid: Int32) throws(FilterReadError) -> [Program] {
        guard pid > 0 else {
            throw FilterReadError(code: EINVAL, message: "\(pid) is not a process id", fix: "give a positive pid, e.g. pid:1234")
        }
        guard pid != getpid() else {
            throw FilterReadError(code: EINVAL, message: "pid \(pid) is seccompose itself, which cannot trace itself",
                fix: "give another process")
        }
        switch try mode(pid: pid) {
        case 0: return []
        case 1:
            throw FilterReadError(code: EINVAL, message: "pid \(pid) is in seccomp strict mode (only read, write, _exit and sigreturn), which has no filter to read",
                fix: "strict mode cannot be compared as a filter")
        default: break
        }
        let seized = cseccomp_ptrace_seize_and_stop(pid)
        guard seized == 0 else {
            let e = -seized
            throw FilterReadError(code: e, message: "cannot attach to pid \(pid) with ptrace: \(String(cString: strerror(e)))",
                fix: e == EPERM
                    ? "run as root (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN); the process must not be traced already, and kernel.yama.ptrace_scope must allow attaching"
                    : "check that the process exists and is not being traced")
        }
        defer { _ = cseccomp_ptrace_detach(pid) }
        var filters: [Program] = []
        var index: UInt = 0
        while true {
            let count = cseccomp_get_filter(pid, index, nil, 0)
            if count == -ENOENT { break }
            guard count > 0 else {
                let e = -count
                throw FilterReadError(code: e,
                    message: "PTRACE_SECCOMP_GET_FILTER for filter \(index) of pid \(pid) failed: \(String(cString: strerror(e)))",
                    fix: e == EACCES || e == EPERM
                        ? "run as root: reading filters needs CAP_SYS_ADMIN"
                        : "check that the kernel has CONFIG_SECCOMP_FILTER and CONFIG_CHECKPOINT_RESTORE")
            }
            var buffer = [sock_filter](repeating: sock_filter(), count: Int(count))
            let read = cseccomp_get_filter(pid, index, &buffer, count)
            guard read == count else {
                throw FilterReadError(code: -read, message: "filter \(index) of pid \(pid) could not be read (\(read))",
                    fix: "try again; the process may have exited")
            }
            filters.append(Program(buffer.map { BPFInstruction(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }))
            index += 1
        }
        return filters.reversed()
    }

    /// The process's seccomp mode from `/proc/PID/status` (0 none, 1 strict, 2 filter).
    static func mode(pid: Int32) throws(FilterReadError) -> Int {
        guard let f = fopen("/proc/\(pid)/status", "r") else {
            throw FilterReadError(code: errno, message: "no process \(pid) (/proc/\(pid)/status: \(String(cString: strerror(errno))))",
                fix: "give the pid of a running process")
        }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>?
        var size = 0
        defer { free(line) }
        while getline(&line, &size, f) > 0 {
            guard let line else { break }
            let s = String(cString: line)
            if s.hasPrefix("Seccomp:") {
                return Int(String(s.dropFirst("Seccomp:".count).filter(\.isNumber))) ?? 0
            }
        }
        throw FilterReadError(code: 0, message: "/proc/\(pid)/status has no Seccomp: line", fix: "run on a kernel with CONFIG_SECCOMP")
    }
}
