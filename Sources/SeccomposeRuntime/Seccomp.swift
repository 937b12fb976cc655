// Seccomp.swift: installing compiled programs into the current process. The one seam between
// Seccompose and the seccomp(2)/prctl(2) system calls is the CSeccomp C target.

import SeccomposeDiagnostics
import CSeccomp
import SeccomposeCompiler
import SeccomposePolicy

#if canImport(Glibc)
    import Glibc
#endif

/// How a program is installed.
public struct InstallOptions: Sendable, Hashable {
    /// Set `no_new_privs` first (required unless the process has CAP_SYS_ADMIN). Default: true.
    public var noNewPrivileges: Bool
    /// Apply the filter to every thread of the process (`SECCOMP_FILTER_FLAG_TSYNC`). Default: true.
    public var synchronizeThreads: Bool
    /// Log every action except ALLOW (`SECCOMP_FILTER_FLAG_LOG`).
    public var logActions: Bool
    /// Do not enable speculative-store-bypass mitigation (`SECCOMP_FILTER_FLAG_SPEC_ALLOW`).
    public var allowSpeculation: Bool

    public init(noNewPrivileges: Bool = true, synchronizeThreads: Bool = true, logActions: Bool = false,
        allowSpeculation: Bool = false)
    {
        self.noNewPrivileges = noNewPrivileges
        self.synchronizeThreads = synchronizeThreads
        self.logActions = logActions
        self.allowSpeculation = allowSpeculation
    }

    /// The `SECCOMP_FILTER_FLAG_*` bits.
    public var flags: UInt32 {
        var f: UInt32 = 0
        if synchronizeThreads { f |= CSECCOMP_FILTER_FLAG_TSYNC }
        if logActions { f |= CSECCOMP_FILTER_FLAG_LOG }
        if allowSpeculation { f |= CSECCOMP_FILTER_FLAG_SPEC_ALLOW }
        return f
    }
}

/// Why a program was not installed. Nothing is half-applied: when `no_new_privs` was set but the
/// filter failed, the process keeps running without any new filter, and the caller must not
/// go on to run untrusted code.
public struct InstallError: ReportableError, Sendable, Hashable {
    /// The errno, or for a TSYNC failure the id of the thread that could not be synchronized.
    public var code: Int32
    public var message: String
    public var fix: String
    /// `error: MESSAGE` and the fix.
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}

/// Installing seccomp programs into the calling process.
public enum Seccomp {
    /// Verifies `program` with the kernel's rules, sets `no_new_privs` (unless told not to) and
    /// installs the program with `seccomp(SECCOMP_SET_MODE_FILTER)`.
    ///
    /// - Throws: `InstallError` if verification, `prctl` or `seccomp` fails.
    public static func install(_ program: Program, options: InstallOptions = InstallOptions()) throws(InstallError) {
        do {
            try Verifier.verify(program.instructions)
        } catch {
            throw InstallError(code: EINVAL, message: "the program breaks a kernel rule: \(error)",
                fix: "compile it with Seccompose's compiler, which emits only accepted programs")
        }
        if options.noNewPrivileges {
            let r = cseccomp_set_no_new_privs()
            if r < 0 {
                throw InstallError(code: -r, message: "prctl(PR_SET_NO_NEW_PRIVS) failed: \(errorName(-r))",
                    fix: "run on a kernel with seccomp support")
            }
        }
        let instructions = program.instructions.map { sock_filter(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
        let r = instructions.withUnsafeBufferPointer { buf in
            cseccomp_install(buf.baseAddress, UInt16(buf.count), options.flags)
        }
        if r < 0 {
            let e = Int32(-r)
            let fix: String
            switch e {
            case EACCES: fix = "set no_new_privs (the default) or run with CAP_SYS_ADMIN"
            case EINVAL: fix = "the kernel refused the program or a flag; check the kernel version and the flags"
            case ENOMEM: fix = "too many filters are stacked already (at most 32768 instructions in all)"
            default: fix = "check that the kernel supports seccomp filters"
            }
            throw InstallError(code: e, message: "seccomp(SECCOMP_SET_MODE_FILTER) failed: \(errorName(e))", fix: fix)
        }
        if r > 0, options.synchronizeThreads {
            throw InstallError(code: Int32(r), message: "thread \(r) could not be synchronized (TSYNC)",
                fix: "another thread has a conflicting filter; install before creating threads")
        }
    }

    /// Whether the running kernel supports `action` (`SECCOMP_GET_ACTION_AVAIL`).
    public static func isAvailable(_ action: Action) -> Bool {
        cseccomp_action_available(action.returnValue & 0xFFFF_0000) == 1
    }

    /// Whether `no_new_privs` is set for the calling thread.
    public static var noNewPrivileges: Bool { cseccomp_get_no_new_privs() == 1 }

    static func errorName(_ e: Int32) -> String { String(cString: strerror(e)) + " (errno \(e))" }
}
