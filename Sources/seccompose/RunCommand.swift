// RunCommand.swift: `seccompose run … -- CMD ARGS`: a supervisor starts CMD through a small
// trampoline (`seccompose __exec`) that installs the compiled program on itself and execs CMD.
// The supervisor waits, forwards SIGINT/SIGTERM/SIGHUP, passes CMD's exit status on, and names
// the syscall when the filter kills CMD or logs a call (from the kernel's audit records).

import ArgumentParser
import Dispatch
import Foundation
import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command under the compiled filter (ad-hoc form: --filter VALUE… -- CMD ARGS).",
        discussion: """
            Fails closed: if the settings cannot be compiled or the filter cannot be installed, the \
            command is not executed and the exit status is 228 (systemd's SECCOMP status). Otherwise \
            the exit status is the command's (128+N when signal N ended it); a kill by the filter is \
            reported with the syscall and the setting that denied it, in the journal when one runs.
            """
    )

    @OptionGroup var input: PolicyOptions

    @Flag(name: .customLong("no-new-privs-off"), help: "Do not set no_new_privs (needs CAP_SYS_ADMIN).")
    var keepPrivileges = false

    @Option(help: ArgumentHelp("With UNIT: the root directory for unit search paths.", valueName: "dir"))
    var root: String = "/"

    @Argument(help: ArgumentHelp("A unit name or unit file to run (its ExecStartPre=, ExecStart=, ExecStartPost=).",
        valueName: "unit"))
    var unitName: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command (ad-hoc form), or extra arguments for ExecStart= (with UNIT).", valueName: "command"))
    var command: [String] = []

    func run() throws {
        if let unitName {
            throw ExitCode(try UnitRunner(unit: unitName, root: root, options: input, extraArguments: command,
                keepPrivileges: keepPrivileges).run())
        }
        guard !command.isEmpty else { throw ValidationError("give a UNIT, or the command after '--'") }
        let policy: Policy
        let program: Program
        do {
            policy = try input.policy()
            program = try compileOrExit(policy)
        } catch let e as ExitCode where e != .success {
            Terminal.error("seccompose: not running \(command[0]): no filter")
            throw ExitCode(228)
        }
        let status = try Supervisor(policy: policy, program: program, command: command,
            keepPrivileges: keepPrivileges, unit: input.settings.unit).run()
        throw ExitCode(status)
    }
}

/// Starts the trampoline, forwards signals, and reports the outcome.
struct Supervisor {
    var policy: Policy
    /// The filter; nil runs the command unfiltered (a `+` command).
    var program: Program?
    var command: [String]
    var keepPrivileges: Bool
    var unit: String?
    /// Extra environment (`NAME=value`), added to the inherited one.
    var environment: [String] = []
    var workingDirectory: String?
    /// argv[0] when it differs from the path (the `@` prefix).
    var argv0: String?
    var umask: UInt32?
    var user: String?
    var group: String?

    /// FNV-1a of the program bytes: the filter's identity in the journal.
    var filterHash: String {
        guard let program else { return "none" }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in program.rawBytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return String(h, radix: 16)
    }

    func run() throws -> Int32 {
        // The program goes to the trampoline through a private file.
        var template = Array("/tmp/seccompose-filter-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            Terminal.error("seccompose: not running \(command[0]): cannot create a temporary file: \(String(cString: strerror(errno)))")
            return 228
        }
        let path = String(cString: template)
        defer { unlink(path) }
        let bytes = program?.rawBytes ?? []
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            Terminal.error("seccompose: not running \(command[0]): cannot write the filter")
            return 228
        }
        let audit = KernelAuditLog()
        let hash = filterHash
        Journal.send([
            ("MESSAGE", "Starting \(command.joined(separator: " ")) under seccomp filter \(hash)"), ("PRIORITY", "6"),
            ("SECCOMPOSE_UNIT", unit ?? ""), ("SECCOMPOSE_FILTER_HASH", hash),
            ("SECCOMPOSE_FILTER_LENGTH", String(program?.instructions.count ?? 0)),
        ])
        // Forwarded signals: ignored here, handled by dispatch sources, reset in the child.
        let forwarded = [SIGINT, SIGTERM, SIGHUP]
        for s in forwarded { signal(s, SIG_IGN) }
        // A parent may have started us with signals blocked; forwarding needs them delivered.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in forwarded { sigaddset(&unblock, s) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in forwarded { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attr, &emptyMask)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let selfPath = "/proc/self/exe"
        var args = ["seccompose", "__exec"] + (program == nil ? ["--no-filter"] : ["--program", path])
        if keepPrivileges { args.append("--no-new-privs-off") }
        if let argv0 { args += ["--argv0", argv0] }
        if let workingDirectory { args += ["--chdir", workingDirectory] }
        if let umask { args += ["--umask", String(umask, radix: 8)] }
        if let user { args += ["--user", user] }
        if let group { args += ["--group", group] }
        args += ["--"] + command
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var env = ProcessInfo.processInfo.environment
        for e in environment {
            if let eq = e.firstIndex(of: "=") { env[String(e[..<eq])] = String(e[e.index(after: eq)...]) }
        }
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, selfPath, nil, &attr, argv, envp)
        guard rc == 0 else {
            Terminal.error("seccompose: not running \(command[0]): cannot start the trampoline: \(String(cString: strerror(rc)))")
            return 228
        }
        let child = pid
        var sources: [any DispatchSourceSignal] = []
        for s in forwarded {
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { kill(child, s) }
            source.resume()
            sources.append(source)
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        for s in sources { s.cancel() }
        let signalled = status & 0x7F
        let exitStatus: Int32 = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        // kauditd writes the records asynchronously: after a SIGSYS death, wait briefly for the kill record.
        var records = audit?.newRecords().filter { $0.pid == child } ?? []
        if signalled == SIGSYS, let audit {
            for _ in 0..<50 where !records.contains(where: { $0.code == 0x8000_0000 || $0.code == 0 }) {
                usleep(20_000)
                records += audit.newRecords().filter { $0.pid == child }
            }
        }
        report(records, killedBySyscallSignal: signalled == SIGSYS)
        Journal.send([
            ("MESSAGE", "\(command[0]) exited with status \(exitStatus)"), ("PRIORITY", exitStatus == 0 ? "6" : "4"),
            ("SECCOMPOSE_UNIT", unit ?? ""), ("SECCOMPOSE_FILTER_HASH", hash), ("EXIT_STATUS", String(exitStatus)),
        ])
        return exitStatus
    }

    /// Names each logged or killing syscall, with the setting that decided it.
    func report(_ records: [SeccompAuditRecord], killedBySyscallSignal: Bool) {
        var named = false
        for r in records {
            let abi = Architecture.abi(auditArch: r.arch, number: UInt32(truncatingIfNeeded: r.syscall),
                among: Architecture.allCases) ?? .x86_64
            let name = SyscallTable.name(of: r.syscall, on: abi) ?? "#\(r.syscall)"
            let what: String
            switch Action(returnValue: r.code) {
            case .killProcess, .killThread: what = "killed by its seccomp filter"
            case .log: what = "made a logged syscall"
            default: what = "was stopped by its seccomp filter"
            }
            var why = ""
            if let program,
                let e = try? Explanation.explain(policy: policy, program: program, abi: abi, number: r.syscall, arguments: [])
            {
                why = "; \(e.reason)"
            }
            Terminal.error("seccompose: \(command[0]) (pid \(r.pid)) \(what): syscall \(name) (\(r.syscall), \(abi.name))\(why)")
            Journal.send([
                ("MESSAGE", "\(command[0]) \(what): \(name)"), ("PRIORITY", what.hasPrefix("killed") ? "3" : "5"),
                ("SECCOMPOSE_UNIT", unit ?? ""), ("SYSCALL", name), ("SYSCALL_NR", String(r.syscall)), ("ARCH", abi.name),
                ("SECCOMPOSE_ACTION", Action(returnValue: r.code).description),
            ])
            named = named || what.hasPrefix("killed")
        }
        if killedBySyscallSignal && !named {
            Terminal.error("seccompose: \(command[0]) was killed by SIGSYS; the kernel's audit record was not readable (needs /dev/kmsg)")
        }
    }
}

/// `seccompose __exec --program FILE -- CMD`: installs the program on this process and execs CMD.
struct ExecTrampoline: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__exec", shouldDisplay: false)

    @Option var program: String?
    @Flag(name: .customLong("no-filter")) var noFilter = false
    @Flag(name: .customLong("no-new-privs-off")) var keepPrivileges = false
    @Option var argv0: String?
    @Option var chdir: String?
    @Option var umask: String?
    @Option var user: String?
    @Option var group: String?
    @Argument(parsing: .postTerminator) var command: [String] = []

    func run() throws {
        guard let path = command.first else { throw ExitCode(228) }
        func fail(_ why: String, status: Int32 = 228) -> ExitCode {
            Terminal.error("seccompose: not running \(path): \(why)")
            return ExitCode(status)
        }
        // Read the filter while still privileged (it is a private file of the supervisor's).
        var filter: Program?
        if !noFilter {
            guard let program, let data = FileManager.default.contents(atPath: program),
                let p = Program(rawBytes: Array(data)), !p.instructions.isEmpty
            else { throw fail("the filter could not be read") }
            filter = p
        }
        // Process settings next (as systemd: credentials, then the filter last, before exec).
        if let m = umask.flatMap({ UInt32($0, radix: 8) }) { _ = Glibc.umask(mode_t(m)) }
        if let chdir, Glibc.chdir(chdir) != 0 {
            throw fail("WorkingDirectory=\(chdir): \(String(cString: strerror(errno)))", status: 200)
        }
        if let group {
            guard let gr = getgrnam(group) ?? (UInt32(group).flatMap { getgrgid($0) }) else { throw fail("unknown group \(group)", status: 216) }
            guard setgroups(0, nil) == 0, setgid(gr.pointee.gr_gid) == 0 else {
                throw fail("cannot switch to group \(group): \(String(cString: strerror(errno)))", status: 216)
            }
        }
        if let user {
            guard let pw = getpwnam(user) ?? (UInt32(user).flatMap { getpwuid($0) }) else { throw fail("unknown user \(user)", status: 217) }
            if group == nil, setgroups(0, nil) != 0 || setgid(pw.pointee.pw_gid) != 0 {
                throw fail("cannot switch to the group of \(user): \(String(cString: strerror(errno)))", status: 216)
            }
            guard setuid(pw.pointee.pw_uid) == 0 else {
                throw fail("cannot switch to user \(user): \(String(cString: strerror(errno)))", status: 217)
            }
        }
        if let p = filter {
            do {
                try Seccomp.install(p, options: InstallOptions(noNewPrivileges: !keepPrivileges))
            } catch {
                Terminal.error(error.description)
                throw fail("the filter could not be installed")
            }
        }
        var argv: [UnsafeMutablePointer<CChar>?] = ([argv0 ?? path] + command.dropFirst()).map { strdup($0) }
        argv.append(nil)
        execvp(path, &argv)
        let e = errno
        Terminal.error("seccompose: cannot execute \(path): \(String(cString: strerror(e)))")
        throw ExitCode(e == ENOENT ? 127 : 126)
    }
}
