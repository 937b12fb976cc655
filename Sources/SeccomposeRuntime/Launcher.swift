// Launcher.swift: starting a command in a new process under a program, through the C child path
// in CSeccomp (fork → credentials → no_new_privs → PR_SET_MDWE → seccomp → execve,
// async-signal-safe).

import SeccomposeDiagnostics
import CSeccomp
import SeccomposeCompiler

#if canImport(Glibc)
    import Glibc
#endif

/// Why a command was not started. Nothing ran unless `stage` is `.exec` (the filter was installed
/// but the executable could not be run).
public struct LaunchError: ReportableError, Sendable, Hashable {
    /// The step of the child path that failed (CSeccomp's `enum cseccomp_stage`).
    public enum Stage: Int32, Sendable {
        case fork = 0, workingDirectory = 1, group = 2, user = 3, noNewPrivileges = 4, seccomp = 5, exec = 6
        case memoryDenyWriteExecute = 7
    }

    /// The failing step.
    public var stage: Stage
    /// Its errno.
    public var code: Int32
    /// The exit status systemd would report for it (the C child path's table).
    public var exitStatus: ExitStatus
    /// The child's pid when it was created (the caller reaps it).
    public var pid: pid_t?

    /// A failure of `stage` with `code`; the status comes from the child path's table.
    public init(stage: Stage, code: Int32, pid: pid_t?) {
        self.stage = stage
        self.code = code
        self.pid = pid
        exitStatus = stage == .fork ? .seccomp : ExitStatus(rawValue: cseccomp_stage_exit_status(stage.rawValue, code))
    }

    /// What failed, with the errno's text.
    public var message: String {
        let what: String
        switch stage {
        case .fork: what = "cannot create the process"
        case .workingDirectory: what = "cannot change to the working directory"
        case .group: what = "cannot switch the group"
        case .user: what = "cannot switch the user"
        case .noNewPrivileges: what = "cannot set no_new_privs"
        case .memoryDenyWriteExecute: what = "cannot set PR_SET_MDWE (MemoryDenyWriteExecute=)"
        case .seccomp: what = "cannot install the seccomp filter"
        case .exec: what = "cannot execute the command"
        }
        return "\(what): \(String(cString: strerror(code)))"
    }

    /// How to fix it, per step.
    public var fix: String {
        switch stage {
        case .fork: return "the system is out of processes or memory; try again"
        case .workingDirectory: return "create the directory or change WorkingDirectory= (prefix it with '-' to ignore)"
        case .group, .user: return "check User= and Group=; switching needs root"
        case .noNewPrivileges, .seccomp, .memoryDenyWriteExecute: return "run on a kernel with seccomp filters (Linux 3.17+, PR_SET_MDWE: 6.3+)"
        case .exec: return code == ENOENT ? "check the command's path (or PATH=)" : "check the file's permissions and format"
        }
    }

    /// `error: MESSAGE` and the fix.
    public var report: ErrorReport { ErrorReport(message, fix: fix) }
}

/// The kernel features the launch path depends on.
public enum KernelFeatures {
    /// Whether the kernel has `PR_SET_MDWE` (Linux 6.3+), which systemd 254 and later use for
    /// MemoryDenyWriteExecute= instead of a seccomp filter.
    public static var hasMemoryDenyWriteExecute: Bool { cseccomp_mdwe_available() == 1 }

    /// Whether `PR_SET_MDWE` is in force for the calling process itself (it never is because of
    /// a launch: MemoryDenyWriteExecute= applies to the started command only).
    public static var memoryDenyWriteExecuteIsSetHere: Bool { cseccomp_mdwe_flags() > 0 }

    /// Makes the calling process a child subreaper: orphaned descendants are reparented to it
    /// instead of to init, so a supervisor can wait for them.
    public static func becomeChildSubreaper() -> Bool { cseccomp_set_child_subreaper() == 0 }
}

/// Starts commands under filters.
public enum Launcher {
    /// Finds `command` on `PATH` (unless it contains a `/`).
    public static func resolve(_ command: String, path: String?) -> String? {
        if command.contains("/") { return command }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(command)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Starts `argv` (argv[0] is the executable; `argv0` replaces what the program sees as
    /// argv[0]) in a new process that switches credentials, sets no_new_privs, sets `PR_SET_MDWE`
    /// (`memoryDenyWriteExecute`), installs `program` (nil: no filter) and execs. Returns the
    /// child's pid.
    public static func spawn(
        _ argv: [String], argv0: String? = nil, environment: [String], program: Program?,
        options: InstallOptions = InstallOptions(synchronizeThreads: false), memoryDenyWriteExecute: Bool = false,
        workingDirectory: String? = nil, umask: UInt32? = nil, uid: uid_t? = nil, gid: gid_t? = nil
    ) throws(LaunchError) -> pid_t {
        try start(argv, argv0: argv0, environment: environment, program: program, options: options,
            memoryDenyWriteExecute: memoryDenyWriteExecute, workingDirectory: workingDirectory, umask: umask, uid: uid,
            gid: gid, listener: false).pid
    }

    /// Starts `argv` as `spawn` does, installing `program` with a user-notification listener
    /// (`SECCOMP_FILTER_FLAG_NEW_LISTENER`): the child hands the listener over before it execs,
    /// so every `SECCOMP_RET_USER_NOTIF` of the program and its descendants reaches the caller.
    /// Returns the child's pid and the listener (close-on-exec; the caller closes it).
    public static func spawnWithListener(
        _ argv: [String], argv0: String? = nil, environment: [String], program: Program,
        options: InstallOptions = InstallOptions(synchronizeThreads: false), memoryDenyWriteExecute: Bool = false,
        workingDirectory: String? = nil, umask: UInt32? = nil, uid: uid_t? = nil, gid: gid_t? = nil
    ) throws(LaunchError) -> (pid: pid_t, listener: Int32) {
        let started = try start(argv, argv0: argv0, environment: environment, program: program, options: options,
            memoryDenyWriteExecute: memoryDenyWriteExecute, workingDirectory: workingDirectory, umask: umask, uid: uid,
            gid: gid, listener: true)
        guard started.listener >= 0 else {
            // The filter is installed and the child runs without anyone answering it: stop it.
            kill(started.pid, SIGKILL)
            throw LaunchError(stage: .seccomp, code: EBADF, pid: started.pid)
        }
        return (started.pid, started.listener)
    }

    private static func start(
        _ argv: [String], argv0: String?, environment: [String], program: Program?, options: InstallOptions,
        memoryDenyWriteExecute: Bool, workingDirectory: String?, umask: UInt32?, uid: uid_t?, gid: gid_t?, listener: Bool
    ) throws(LaunchError) -> (pid: pid_t, listener: Int32) {
        let envPath = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        guard let first = argv.first, let path = resolve(first, path: envPath) else {
            throw LaunchError(stage: .exec, code: ENOENT, pid: nil)
        }
        let cArgv: [UnsafeMutablePointer<CChar>?] = ([argv0 ?? first] + argv.dropFirst()).map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for p in cArgv + cEnv { free(p) } }
        let filter = (program?.instructions ?? []).map { sock_filter(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
        var stage: Int32 = 0, code: Int32 = 0, listenerFD: Int32 = -1
        let flags = options.flags | (listener ? CSECCOMP_FILTER_FLAG_NEW_LISTENER : 0)
        let pid: pid_t = filter.withUnsafeBufferPointer { buf in
            cseccomp_spawn(path, cArgv, cEnv, buf.baseAddress, UInt16(buf.count), flags,
                options.noNewPrivileges ? 1 : 0, memoryDenyWriteExecute ? 1 : 0, workingDirectory,
                umask.map { Int32($0) } ?? -1, uid.map { Int($0) } ?? -1, gid.map { Int($0) } ?? -1, &stage, &code,
                &listenerFD)
        }
        if pid < 0 { throw LaunchError(stage: .fork, code: -pid, pid: nil) }
        if stage != 0 {
            if listenerFD >= 0 { close(listenerFD) }
            throw LaunchError(stage: LaunchError.Stage(rawValue: stage) ?? .exec, code: code, pid: pid)
        }
        return (pid, listenerFD)
    }
}
