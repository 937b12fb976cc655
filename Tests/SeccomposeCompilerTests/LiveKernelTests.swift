// Live kernel tests: programs are installed into child processes (seccompose-probe), never into
// the test runner, and real syscalls are made through the x86-64, x32 and i386 entry points.

import Foundation
import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

enum Probe {
    /// What each call of a probe run returned: `ret` (success) or `errno=N`, in call order.
    static func results(_ r: RunResult) -> [String] {
        r.stdoutLines.filter { $0.hasPrefix("call ") }.map { line in
            let result = line.split(separator: " ").last.map(String.init) ?? line
            return result.hasPrefix("ret=") ? "ret" : result
        }
    }

    /// Compiles `policy`, installs it in a fresh probe process and makes `calls` (`ABI:NR[:ARGS]`).
    static func run(_ policy: Policy, _ calls: [String], options: [String] = []) throws -> RunResult {
        let program = try Compiler.compile(policy)
        try Verifier.verify(program.instructions)
        return try run(program, calls, options: options)
    }

    static func run(_ program: Program, _ calls: [String], options: [String] = []) throws -> RunResult {
        let probe = try Support.requireBuilt("seccompose-probe")
        return try Support.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("filter.bin")
            try Data(program.rawBytes).write(to: file)
            return try Support.run(probe, options + [file.path] + calls, timeout: 30)
        }
    }

    /// A policy that allows everything on x86-64, x32 and i386 except `rules`.
    static func allowing(except syscalls: [String: SyscallDecision], abis: [Architecture] = [.x86_64, .x32, .x86])
        -> Policy
    {
        Policy(defaultAction: .allow, architectures: abis, otherArchitectureAction: .killThread, syscalls: syscalls)
    }
}

@Suite("live kernel: every action observed for real", .serialized)
struct LiveActionTests {
    @Test("ERRNO returns the errno; other calls and arguments pass")
    func errno() throws {
        let rule = Rule([ArgumentCondition(index: 0, .equal, 7)], action: .errno(5))
        let p = Probe.allowing(except: [
            "getppid": SyscallDecision(action: .errno(13)), "getpgid": SyscallDecision(action: .allow, rules: [rule]),
        ])
        let r = try Probe.run(p, ["x86_64:110", "x86_64:121:7", "x86_64:121:0", "i386:64", "x86_64:39"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutLines.starts(with: ["call 0: errno=13", "call 1: errno=5"]), "\(r)")
        #expect(r.stdoutLines[2].hasPrefix("call 2: ret="), "\(r)")
        #expect(r.stdoutLines[3] == "call 3: errno=13", "i386 getppid is denied too: \(r)")
    }

    @Test("KILL_PROCESS and KILL_THREAD end the process with SIGSYS", arguments: [Action.killProcess, .killThread])
    func kill(action: Action) throws {
        let r = try Probe.run(Probe.allowing(except: ["getppid": SyscallDecision(action: action)]), ["x86_64:39", "x86_64:110", "x86_64:39"])
        #expect(r.status == 128 + Int32(SIGSYS), "\(r)")
        #expect(r.stdoutLines.first?.hasPrefix("call 0: ret=") == true)
        #expect(!r.stdout.contains("call 1"), "\(r)")
    }

    @Test("TRAP delivers SIGSYS with si_syscall, si_arch and the trap data")
    func trap() throws {
        let r = try Probe.run(Probe.allowing(except: ["getppid": SyscallDecision(action: .trap(7))]), ["x86_64:110", "i386:64"],
            options: ["--trap"])
        #expect(r.stdout.contains("trap syscall=110 arch=0xc000003e errno=7"), "\(r)")
        #expect(r.stdout.contains("trap syscall=64 arch=0x40000003 errno=7"), "\(r)")
    }

    @Test("USER_NOTIF reaches a listener, which answers")
    func userNotif() throws {
        let r = try Probe.run(Probe.allowing(except: ["getppid": SyscallDecision(action: .userNotif)]), ["x86_64:110"],
            options: ["--listener", "5"])
        #expect(r.stdout.contains("notif syscall=110 arch=0xc000003e"), "\(r)")
        #expect(r.stdout.contains("call 0: errno=5"), "\(r)")
    }

    @Test("LOG lets the call run and the kernel writes an audit record (type=1326)")
    func log() throws {
        // kauditd writes records asynchronously, and printk rate-limits them when other tests log
        // at the same time ("callbacks suppressed"): poll, and retry after the limit's interval.
        let log = try AuditSources.open().source
        var found = false
        for attempt in 0..<3 where !found {
            if attempt > 0 { sleep(6) }
            _ = log.drain()
            let r = try Probe.run(Probe.allowing(except: ["getppid": SyscallDecision(action: .log)]), ["x86_64:110"])
            #expect(r.stdoutLines.first?.hasPrefix("call 0: ret=") == true, "\(r)")
            for _ in 0..<50 where !found {
                found = log.drain().contains {
                    $0.syscall == 110 && $0.code == 0x7FFC_0000 && $0.arch == 0xC000_003E && $0.command == "seccompose-prob"
                }
                if !found { usleep(20_000) }
            }
        }
        #expect(found, "no LOG audit record for the probe in /dev/kmsg")
    }

    @Test("a native-only policy cannot be reached through x32 numbers or i386 int 0x80",
        arguments: ["x32:1073741863", "i386:20", "x32:1073741934"])
    func nativeOnly(call: String) throws {
        let p = Probe.allowing(except: ["getppid": SyscallDecision(action: .errno(1))], abis: [.x86_64])
        let ok = try Probe.run(p, ["x86_64:39", "x86_64:110"])
        #expect(ok.stdoutLines.first?.hasPrefix("call 0: ret=") == true, "\(ok)")
        #expect(ok.stdoutLines.dropFirst().first == "call 1: errno=1", "\(ok)")
        let r = try Probe.run(p, [call])
        #expect(r.status == 128 + Int32(SIGSYS), "\(call) must be killed: \(r)")
    }

    @Test("a deny-list on x86-64, x32 and i386 denies the call on every entry point")
    func denyEverywhere() throws {
        let p = Probe.allowing(except: ["getppid": SyscallDecision(action: .errno(1))])
        let r = try Probe.run(p, ["x86_64:110", "i386:64", "x32:1073741934"])
        #expect(r.stdoutLines.prefix(3) == ["call 0: errno=1", "call 1: errno=1", "call 2: errno=1"], "\(r)")
    }
}

@Suite("live kernel: every program the compiler emits is accepted", .serialized)
struct LiveAcceptanceTests {
    @Test("systemd 252 oracle policies and random policies install")
    func accepted() throws {
        var programs: [Program] = []
        for f in ["SystemCallFilter=@system-service", "SystemCallFilter=~@mount\nSystemCallArchitectures=native",
            "SystemCallFilter=~@privileged @resources\nSystemCallErrorNumber=EPERM", "SystemCallFilter=@basic-io"]
        {
            programs.append(try Compiler.compile(try systemdPolicy(f)))
        }
        var rng = SplitMix(state: 99)
        for _ in 0..<20 {
            var p = CompilerDecisionTests.randomPolicy(&rng, abis: [.x86_64, .x32, .x86])
            // Keep the probe alive after installing: allow what it needs to print and exit.
            p.defaultAction = .allow
            for n in ["write", "exit_group", "exit"] { p.syscalls[n] = SyscallDecision(action: .allow) }
            programs.append(try Compiler.compile(p))
        }
        for program in programs {
            let r = try Probe.run(program, [])
            #expect(!r.stdout.contains("install:"), "the kernel refused a program:\n\(r)")
            #expect(r.status != 3, "\(r)")
        }
    }
}
