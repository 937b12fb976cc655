// Action.swift: what a seccomp filter decides for a syscall.

import SeccomposeSyscalls

/// A seccomp action (`SECCOMP_RET_*`) with its data.
public enum Action: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Let the syscall run.
    case allow
    /// Fail the syscall with this errno (0...4095) without running it; 0 fakes success.
    case errno(UInt16)
    /// Kill the whole process with SIGSYS.
    case killProcess
    /// Kill the calling thread with SIGSYS.
    case killThread
    /// Send SIGSYS to the thread, carrying this value in `si_errno`.
    case trap(UInt16)
    /// Let the syscall run and log it.
    case log
    /// Notify a ptrace tracer, passing this value.
    case trace(UInt16)
    /// Forward the syscall to a user-space supervisor (`SECCOMP_RET_USER_NOTIF`).
    case userNotif

    /// The kernel's precedence when several stacked filters disagree: higher wins
    /// (KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW).
    public var precedence: Int {
        switch self {
        case .killProcess: return 7
        case .killThread: return 6
        case .trap: return 5
        case .errno: return 4
        case .userNotif: return 3
        case .trace: return 2
        case .log: return 1
        case .allow: return 0
        }
    }

    /// The kernel's combination of two stacked filters' results: the higher precedence wins;
    /// on a tie the filter installed later (`later`) wins, data included.
    public static func stacked(earlier: Action, later: Action) -> Action {
        later.precedence >= earlier.precedence ? later : earlier
    }

    /// The 32-bit `SECCOMP_RET_*` value a BPF program returns for this action.
    public var returnValue: UInt32 {
        switch self {
        case .killProcess: return 0x8000_0000
        case .killThread: return 0x0000_0000
        case .trap(let v): return 0x0003_0000 | UInt32(v)
        case .errno(let e): return 0x0005_0000 | UInt32(e & 0x0FFF)
        case .userNotif: return 0x7FC0_0000
        case .trace(let v): return 0x7FF0_0000 | UInt32(v)
        case .log: return 0x7FFC_0000
        case .allow: return 0x7FFF_0000
        }
    }

    /// A stable, readable spelling: `allow`, `errno(EPERM)`, `errno(0)`, `kill-process`,
    /// `kill-thread`, `trap(N)`, `log`, `trace(N)`, `user-notif`.
    public var description: String {
        switch self {
        case .allow: return "allow"
        case .errno(let e): return "errno(\(ErrnoTable.name(of: Int(e)) ?? String(e)))"
        case .killProcess: return "kill-process"
        case .killThread: return "kill-thread"
        case .trap(let v): return "trap(\(v))"
        case .log: return "log"
        case .trace(let v): return "trace(\(v))"
        case .userNotif: return "user-notif"
        }
    }
}
