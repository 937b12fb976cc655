// LaunchOutcome.swift: what came of a launch, as a value.

import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// A call the filter acted on in one of the launched processes: a kill, a trap or an errno
/// the kernel logged, or a call `SystemCallLog=` asked to log.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    /// The process (thread-group id in the initial pid namespace, as the kernel's record has it).
    public var pid: Int32
    /// The process's command name (`comm`, at most 15 bytes).
    public var command: String
    /// The ABI the call was made through.
    public var abi: Architecture
    /// The syscall number (without the x32 bit).
    public var number: Int
    /// The syscall's name on `abi`, nil when the number is not a syscall there.
    public var name: String?
    /// What the filter did.
    public var action: Action
    /// Which setting decided it, in words (from the same evaluation as `action`).
    public var reason: String

    /// Whether the filter killed the process or thread.
    public var isKill: Bool {
        switch action {
        case .killProcess, .killThread: return true
        default: return false
        }
    }

    /// `COMM (pid N) killed by its seccomp filter: syscall NAME (NR, ABI); REASON`.
    public var description: String {
        let what: String
        switch action {
        case .killProcess, .killThread: what = "killed by its seccomp filter"
        case .log: what = "made a logged syscall"
        default: what = "was stopped by its seccomp filter (\(action))"
        }
        return "\(command) (pid \(pid)) \(what): syscall \(name ?? "#\(number)") (\(number), \(abi.name))"
            + (reason.isEmpty ? "" : "; \(reason)")
    }
}

/// How many times a logged (`SystemCallLog=`) call was made.
public struct LoggedCall: Sendable, Hashable, CustomStringConvertible {
    /// The ABI.
    public var abi: Architecture
    /// The syscall number.
    public var number: Int
    /// The syscall's name, nil when unknown.
    public var name: String?
    /// How many records there were.
    public var count: Int
    /// The process of the first record.
    public var firstPid: Int32 = 0
    /// Its command name (`comm`).
    public var firstCommand: String = ""
    /// Its executable (`exe=`), when the record had one.
    public var firstExecutable: String?

    /// `logged NAME (NR, ABI) N times`.
    public var description: String {
        "logged \(name ?? "#\(number)") (\(number), \(abi.name)) \(count) time\(count == 1 ? "" : "s")"
    }
}

/// How a process ended.
public enum Termination: Sendable, Hashable {
    /// It called exit with this status.
    case exited(Int32)
    /// This signal ended it.
    case signaled(Int32)

    /// The status a shell reports for it (128+N for signal N).
    public var exitStatus: ExitStatus {
        switch self {
        case .exited(let code): return ExitStatus(rawValue: code)
        case .signaled(let signal): return .signaled(signal)
        }
    }

    /// Reads a `waitpid` status word.
    init(waitStatus status: Int32) {
        let signal = status & 0x7F
        self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }
}

/// What came of one launched command and everything it started.
public struct LaunchOutcome: Sendable {
    /// The command as started.
    public var command: [String]
    /// The main process's pid.
    public var pid: Int32
    /// How the main process ended.
    public var termination: Termination
    /// Every kill, trap and errno the filter reported for the command's processes, in order.
    public var violations: [Violation]
    /// Logged calls (`SystemCallLog=`), one entry per ABI and number.
    public var logged: [LoggedCall]
    /// Audit records known to be lost.
    public var lostRecords: Int
    /// Whether the reports are complete: read from a lossless source and nothing lost, and
    /// every kill by SIGSYS has its record.
    public var reportsComplete: Bool
    /// Why the reports may be incomplete, when they may be.
    public var warnings: [String]

    /// The status the launch reports: the main process's, 128+N when signal N ended it.
    public var exitStatus: ExitStatus { termination.exitStatus }
}
