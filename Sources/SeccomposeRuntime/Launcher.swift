// Launcher.swift: starting a command in a new process under a program, through the C child path
// in CSeccomp (fork → credentials → no_new_privs → seccomp → execve, async-signal-safe).

import CSeccomp
import SeccomposeCompiler

#if canImport(Glibc)
    import Glibc
#endif

/// Why a command was not started. Nothing ran unless `stage` is `.exec` (the filter was installed
/// but the executable could not be run).
public struct LaunchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Stage: Int32, Sendable {
        case fork = 0, workingDirectory = 1, group = 2, user = 3, noNewPrivileges = 4, seccomp = 5, exec = 6
    }

    public var stage: Stage
    public var code: Int32
    /// The exit status systemd would report (200 CHDIR, 216 GROUP, 217 USER, 227, 228 SECCOMP, 127/126).
    public var exitStatus: Int32
    /// The child's pid when it was created (reap it).
    public var pid: pid_t?

    public var description: String {
        let what: String
        switch stage {
        case .fork: what = "cannot create the process"
        case .workingDirectory: what = "cannot change to the working directory"
        case .group: what = "cannot switch the group"
        case .user: what = "cannot switch the user"
        case .noNewPrivileges: what = "cannot set no_new_privs"
        case .seccomp: what = "cannot install the seccomp filter"
        case .exec: what = "cannot execute the command"
        }
        return "\(what): \(String(cString: strerror(code)))"
    }
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
    /// argv[0]) in a new process that switches credentials, sets no_new_privs, installs `program`
    /// (nil: no filter) and execs. Returns the child's pid.
    public static func spawn(
        _ argv: [String], argv0: String? = nil, environment: [String], program: Program?,
        options: InstallOptions = InstallOptions(synchronizeThreads: false), workingDirectory: String? = nil,
        umask: UInt32? = nil, uid: uid_t? = nil, gid: gid_t? = nil
    ) throws(LaunchError) -> pid_t {
        let envPath = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        guard let first = argv.first, let path = resolve(first, path: envPath) else {
            throw LaunchError(stage: .exec, code: ENOENT, exitStatus: 127, pid: nil)
        }
        let cArgv: [UnsafeMutablePointer<CChar>?] = ([argv0 ?? first] + argv.dropFirst()).map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for p in cArgv + cEnv { free(p) } }
        let filter = (program?.instructions ?? []).map { sock_filter(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
        var stage: Int32 = 0, code: Int32 = 0
        let pid: pid_t = filter.withUnsafeBufferPointer { buf in
            cseccomp_spawn(path, cArgv, cEnv, buf.baseAddress, UInt16(buf.count), options.flags,
                options.noNewPrivileges ? 1 : 0, workingDirectory, umask.map { Int32($0) } ?? -1,
                uid.map { Int($0) } ?? -1, gid.map { Int($0) } ?? -1, &stage, &code)
        }
        if pid < 0 { throw LaunchError(stage: .fork, code: -pid, exitStatus: 228, pid: nil) }
        if stage != 0, let s = LaunchError.Stage(rawValue: stage) {
            let status: Int32 = [1: 200, 2: 216, 3: 217, 4: 227, 5: 228][stage] ?? (code == ENOENT ? 127 : 126)
            throw LaunchError(stage: s, code: code, exitStatus: status, pid: pid)
        }
        return pid
    }
}
