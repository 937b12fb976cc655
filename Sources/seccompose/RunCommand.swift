// RunCommand.swift: `seccompose run … -- CMD ARGS`: a supervisor starts CMD through the C child
// path of CSeccomp (fork → credentials → no_new_privs → seccomp → execve, async-signal-safe).
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
            (policy, program) = try input.compiled()
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

    /// A started command, to be waited for with `finish`.
    struct Running {
        var pid: pid_t
        var audit: KernelAuditLog?
        var sources: [any DispatchSourceSignal]
    }

    /// Starts the command and waits for it; returns its exit status (or 228/216/217/… when it
    /// could not be started).
    func run() throws -> Int32 {
        switch start() {
        case .failure(let status): return status.code
        case .success(let running): return finish(running)
        }
    }

    struct StartFailure: Error {
        var code: Int32
    }

    /// Starts the command; the caller must `finish` it.
    func start() -> Result<Running, StartFailure> {
        let audit = KernelAuditLog()
        let hash = filterHash
        Journal.send([
            ("MESSAGE", "Starting \(command.joined(separator: " ")) under seccomp filter \(hash)"), ("PRIORITY", "6"),
            ("SECCOMPOSE_UNIT", unit ?? ""), ("SECCOMPOSE_FILTER_HASH", hash),
            ("SECCOMPOSE_FILTER_LENGTH", String(program?.instructions.count ?? 0)),
        ])
        // Forwarded signals: ignored here, handled by dispatch sources; the child resets them.
        let forwarded = [SIGINT, SIGTERM, SIGHUP]
        for s in forwarded { signal(s, SIG_IGN) }
        // A parent may have started us with signals blocked; forwarding needs them delivered.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in forwarded { sigaddset(&unblock, s) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var env = ProcessInfo.processInfo.environment
        for e in environment {
            if let eq = e.firstIndex(of: "=") { env[String(e[..<eq])] = String(e[e.index(after: eq)...]) }
        }
        // Credentials are looked up here; the child only switches to them.
        var uid: uid_t?, gid: gid_t?
        if let group {
            guard let gr = getgrnam(group) ?? UInt32(group).flatMap({ getgrgid($0) }) else {
                Terminal.error("seccompose: not running \(command[0]): unknown group \(group)")
                return .failure(StartFailure(code: 216))
            }
            gid = gr.pointee.gr_gid
        }
        if let user {
            guard let pw = getpwnam(user) ?? UInt32(user).flatMap({ getpwuid($0) }) else {
                Terminal.error("seccompose: not running \(command[0]): unknown user \(user)")
                return .failure(StartFailure(code: 217))
            }
            uid = pw.pointee.pw_uid
            if gid == nil { gid = pw.pointee.pw_gid }
        }
        let pid: pid_t
        do {
            pid = try Launcher.spawn(command, argv0: argv0, environment: env.map { "\($0.key)=\($0.value)" },
                program: program, options: InstallOptions(noNewPrivileges: !keepPrivileges, synchronizeThreads: false),
                workingDirectory: workingDirectory, umask: umask, uid: uid, gid: gid)
        } catch {
            if let p = error.pid {
                var status: Int32 = 0
                waitpid(p, &status, 0)
            }
            let nothingRan = error.stage != .exec
            Terminal.error("seccompose: \(nothingRan ? "not running" : "could not run") \(command[0]): \(error)")
            return .failure(StartFailure(code: error.exitStatus))
        }
        let child = pid
        var sources: [any DispatchSourceSignal] = []
        for s in forwarded {
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { kill(child, s) }
            source.resume()
            sources.append(source)
        }
        return .success(Running(pid: child, audit: audit, sources: sources))
    }

    /// Waits for a started command, reports violations, and returns its exit status.
    func finish(_ running: Running) -> Int32 {
        let child = running.pid, audit = running.audit, sources = running.sources
        let hash = filterHash
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        for s in sources { s.cancel() }
        let signalled = status & 0x7F
        let exitStatus: Int32 = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        // Audit records carry the pid of the initial pid namespace; inside another pid namespace
        // the child's own pid differs, so records are matched by pid, or else by command name.
        let comm = String((command[0].split(separator: "/").last ?? "").prefix(15))
        var unmatched: [SeccompAuditRecord] = []
        func mine(_ new: [SeccompAuditRecord]) -> [SeccompAuditRecord] {
            unmatched += new.filter { $0.pid != child }
            return new.filter { $0.pid == child }
        }
        // kauditd writes the records asynchronously: after a SIGSYS death, wait briefly for the kill record.
        var records = mine(audit?.newRecords() ?? [])
        if signalled == SIGSYS, let audit {
            for _ in 0..<50 where !records.contains(where: { $0.code == 0x8000_0000 || $0.code == 0 }) {
                if unmatched.contains(where: { $0.command == comm && ($0.code == 0x8000_0000 || $0.code == 0) }) { break }
                usleep(20_000)
                records += mine(audit.newRecords())
            }
            if records.isEmpty { records = unmatched.filter { $0.command == comm } }
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
