// The launch stage through the library API (SeccomposeLaunch): units and commands run in real
// child processes under real filters; the test runner itself never installs one.

import Foundation
import SeccomposeInput
import SeccomposeLaunch
import SeccomposeCompiler
import SeccomposeRuntime
import SeccomposeSyscalls
import SeccomposeSets
import SeccomposeSystemd
import SeccomposeTestSupport
import Synchronization
import Testing

/// Journal entries kept in memory.
final class RecordingJournal: JournalSink {
    private let entries = Mutex<[[String: String]]>([])

    func send(_ fields: [(String, String)]) {
        entries.withLock { $0.append(Dictionary(fields, uniquingKeysWith: { $1 })) }
    }

    var all: [[String: String]] { entries.withLock { $0 } }
}

@Suite("launch stage: units and commands through the library API", .serialized)
struct LaunchStageTests {
    /// Writes a unit into a temporary directory and runs it through `UnitLaunch`.
    func launch(_ text: String, systemd: SystemdVersion = .newest, configure: (inout UnitLaunch) -> Void = { _ in },
        _ body: (Result<LaunchReport, LaunchFailure>, URL, RecordingJournal) throws -> Void) throws
    {
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("test.service")
            try Support.write(text.replacingOccurrences(of: "DIR", with: dir.path), to: unit)
            var launch = try UnitLaunch(unitAt: unit.path, systemd: systemd)
            configure(&launch)
            let journal = RecordingJournal()
            let result: Result<LaunchReport, LaunchFailure>
            do {
                result = .success(try launch.prepare().run(journal: journal, forwardSignals: false))
            } catch let failure as LaunchFailure {
                result = .failure(failure)
            }
            try body(result, dir, journal)
        }
    }

    @Test("the main process's exit status is the unit's")
    func exitStatus() throws {
        try launch("[Service]\nExecStart=/bin/sh -c \"exit 7\"\nSystemCallFilter=~uname\n") { result, _, _ in
            let report = try result.get()
            #expect(report.exitStatus.rawValue == 7)
            #expect(report.violations.isEmpty)
        }
    }

    @Test("a kill names the syscall, the ABI and the setting; the journal gets SYSCALL, ARCH and the action")
    func kill() throws {
        try launch("[Service]\nExecStart=/usr/bin/uname\nSystemCallFilter=~uname\n") { result, dir, journal in
            let report = try result.get()
            #expect(report.exitStatus == .signaled(SIGSYS))
            let v = try #require(report.violations.first, "\(report)")
            #expect(v.name == "uname" && v.number == 63 && v.abi == .x86_64 && v.isKill)
            #expect(v.reason.contains("SystemCallFilter= 'uname' at \(dir.path)/test.service:3:19"), "\(v.reason)")
            #expect(report.reportsComplete, "\(report.commands.map(\.warnings))")
            let entry = journal.all.first { $0["SYSCALL"] == "uname" }
            #expect(entry?["ARCH"] == "x86_64" && entry?["SECCOMPOSE_ACTION"] == "kill-process", "\(journal.all)")
            #expect(journal.all.contains { $0["EXIT_STATUS"] == "159" })
        }
    }

    @Test("SystemCallErrorNumber= makes the call fail instead of killing")
    func errorNumber() throws {
        try launch("[Service]\nExecStart=/usr/bin/uname\nSystemCallFilter=~uname\nSystemCallErrorNumber=EPERM\n") { result, _, _ in
            let report = try result.get()
            #expect(report.exitStatus.rawValue == 1)
            #expect(report.violations.isEmpty)
        }
    }

    @Test("a grandchild's kill (sh -c) is reported, though its parent reaped it")
    func grandchild() throws {
        try launch("[Service]\nExecStart=/bin/sh -c \"uname -a; exit 0\"\nSystemCallFilter=~uname\n") { result, _, _ in
            let report = try result.get()
            #expect(report.exitStatus == .success)
            let v = try #require(report.violations.first, "\(report)")
            #expect(v.name == "uname" && v.command == "uname" && v.isKill)
            #expect(v.pid != report.commands.first?.pid)
        }
    }

    @Test("extra layers apply after the unit's own lines, as a drop-in would")
    func extraLayer() throws {
        let unit = "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo hi > DIR/marker'\nSystemCallFilter=@system-service\n"
        for layer in [["filters": "~write"], ["unitSettings": "SystemCallFilter=~write"]] {
            try launch(unit, systemd: .v252, configure: {
                if let f = layer["filters"] { $0.request.filters = [f] }
                if let s = layer["unitSettings"] { $0.request.unitSettings = [s] }
            }) { result, dir, _ in
                let report = try result.get()
                #expect(report.exitStatus == .signaled(SIGSYS), "\(layer)")
                let marker = (try? String(contentsOfFile: dir.path + "/marker", encoding: .utf8)) ?? ""
                #expect(marker.isEmpty, "the write must not happen under \(layer)")
            }
            // Under 262 write cannot be denied in an allow-list: the layer would be ignored, so nothing runs.
            try launch(unit, configure: {
                if let f = layer["filters"] { $0.request.filters = [f] }
                if let s = layer["unitSettings"] { $0.request.unitSettings = [s] }
            }) { result, dir, _ in
                guard case .failure(let failure) = result else {
                    Issue.record("262 ignores ~write in an allow-list; the launch must refuse")
                    return
                }
                #expect(failure.exitStatus == .seccomp)
                #expect(failure.diagnostics.contains { $0.code == "write-forced" })
                #expect(!FileManager.default.fileExists(atPath: dir.path + "/marker"))
            }
        }
    }

    @Test("input systemd would ignore stops the launch (228, nothing runs); lenient runs it", arguments: [
        ("SystemCallFilter=~@sytem-service", "unknown-group", 2),
        ("SystemCallFilter=~uname:4096", "invalid-entry", 2),
        ("SystemCallErrorNumber=EWHATEVER", "invalid-errno", 2),
        ("SystemCallArchitectures=bogus", "unknown-architecture", 2),
        ("RestrictNamespaces=maybe", "unknown-namespace", 2),
        ("RestrictAddressFamilies=AF_BOGUS", "unknown-address-family", 2),
        ("SystemCalFilter=~@mount", "unknown-key", 2),
    ])
    func refusals(line: String, code: String, lineNumber: Int) throws {
        let unit = "[Service]\n\(line)\nExecStart=/bin/sh -c 'echo ran > DIR/marker'\n"
        try launch(unit) { result, dir, _ in
            guard case .failure(let failure) = result else {
                Issue.record("\(line) must stop the launch")
                return
            }
            #expect(failure.exitStatus == .seccomp)
            let d = try #require(failure.diagnostics.first { $0.code == code }, "\(failure.diagnostics)")
            #expect(d.file == dir.path + "/test.service" && d.line == lineNumber && d.fix != nil, "\(d)")
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/marker"), "nothing may run")
        }
        try launch(unit, configure: { $0.strictness.lenient = true }) { result, dir, _ in
            let report = try result.get()
            #expect(report.exitStatus == .success)
            #expect(FileManager.default.fileExists(atPath: dir.path + "/marker"), "--lenient runs as systemd does")
        }
    }

    @Test("sandboxing the launcher does not apply: named as notices with positions; refused when asked")
    func unappliedDirectives() throws {
        let unit = "[Service]\nExecStart=/bin/sh -c 'echo ran > DIR/marker'\nProtectSystem=strict\nPrivateTmp=yes\n"
        try Support.withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("sandbox.service").path
            try Support.write(unit.replacingOccurrences(of: "DIR", with: dir.path), to: URL(fileURLWithPath: path))
            let prepared = try UnitLaunch(unitAt: path).prepare()
            #expect(prepared.notices.map(\.key) == ["ProtectSystem", "PrivateTmp"])
            #expect(prepared.notices.first.map { "\($0)" } == "\(path):3:1: ProtectSystem=strict")
            var strict = try UnitLaunch(unitAt: path)
            strict.strictness.refuseUnappliedDirectives = true
            do {
                _ = try strict.prepare()
                Issue.record("--strict must refuse")
            } catch let error as LaunchFailure {
                #expect(error.exitStatus == .seccomp)
                #expect(error.diagnostics.map(\.code) == ["unapplied-directive", "unapplied-directive"])
            }
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/marker"))
        }
    }

    @Test("advisory findings do not stop the launch (User=nobody)")
    func advisory() throws {
        try launch("[Service]\nUser=nobody\nExecStart=/bin/true\nSystemCallFilter=@system-service\n") { result, _, _ in
            let report = try result.get()
            #expect(report.exitStatus == .success)
        }
    }

    @Test("MemoryDenyWriteExecute=yes refuses W+X mappings under 262 (PR_SET_MDWE) and 252 (seccomp)")
    func memoryDenyWriteExecute() throws {
        let python = try Support.requireTool("python3", package: "python3")
        // One line (systemd unescapes \\n inside quotes): mmap(PROT_READ|WRITE|EXEC) through ctypes, exit with its errno.
        let script = "import ctypes,sys; libc=ctypes.CDLL(None,use_errno=True); libc.mmap.restype=ctypes.c_void_p; "
            + "p=libc.mmap(None,4096,7,0x22,-1,0); sys.exit(ctypes.get_errno() if p in (None,2**64-1) else 0)"
        let check = "[Service]\nExecStart=\(python) -c \"\(script)\"\n"
        try launch(check) { result, _, _ in
            let report = try result.get()
            #expect(report.exitStatus == .success, "without the directive W+X works")
        }
        for version in [SystemdVersion.newest, .v252] {
            try launch(check + "MemoryDenyWriteExecute=yes\n", systemd: version) { result, _, _ in
                let status = try result.get().exitStatus.rawValue
                // 262 with PR_SET_MDWE: EACCES (13); 252's seccomp filter: EPERM (1).
                #expect(status == (version == .v252 ? 1 : 13), "systemd \(version)")
            }
        }
        // PR_SET_MDWE belongs to the address space: the launcher (this test runner) must not get it.
        #expect(!KernelFeatures.memoryDenyWriteExecuteIsSetHere)
    }

    @Test("a unit that cannot be loaded or has no ExecStart= runs nothing")
    func notLoaded() throws {
        try launch("[Service]\nSystemCallFilter=~uname\n") { result, _, _ in
            guard case .failure(let failure) = result else {
                Issue.record("no ExecStart= must refuse")
                return
            }
            #expect(failure.exitStatus == .seccomp)
            #expect(failure.diagnostics.contains { $0.code == "no-exec-start" })
        }
    }

    @Test("the command form: exit status, a kill, and a refused filter")
    func commandLaunch() throws {
        var request = FilterRequest(context: try SystemdContext())
        request.filters = ["~mkdir"]
        var launch = CommandLaunch(request: request, argv: ["/bin/sh", "-c", "exit 5"])
        let five = try launch.prepare().run(journal: RecordingJournal(), forwardSignals: false)
        #expect(five.exitStatus.rawValue == 5)
        launch.argv = ["/bin/mkdir", "/nonexistent-dir/x"]
        let killed = try launch.prepare().run(journal: RecordingJournal(), forwardSignals: false)
        #expect(killed.exitStatus == .signaled(SIGSYS))
        #expect(killed.violations.first?.name == "mkdir")
        request.filters = ["~@sytem-service"]
        #expect(throws: LaunchFailure.self) { try CommandLaunch(request: request, argv: ["/bin/true"]).prepare() }
    }

    @Test("the supervisor in process with a fake audit source: attribution, losses and a failed barrier are reported")
    func fakeAuditSource() throws {
        var request = FilterRequest(context: try SystemdContext())
        request.filters = ["~mount"]
        let compiled = try request.compile()
        let source = InMemoryAuditSource()
        let journal = RecordingJournal()
        let supervisor = Supervisor(filter: compiled, journal: journal,
            audit: OpenedAuditSource(source: source, kind: .netlink, warning: nil))
        supervisor.forwardSignals = false
        defer { supervisor.close() }
        func record(pid: Int32, nr: Int, code: String, comm: String) throws -> SeccompAuditRecord {
            try #require(SeccompAuditRecord(auditMessage: "audit(1.2:3): auid=0 uid=0 gid=0 ses=1 pid=\(pid) comm=\"\(comm)\" exe=\"/bin/x\" sig=31 arch=c000003e syscall=\(nr) compat=0 ip=0x0 code=\(code)"))
        }
        let running = try supervisor.start(LaunchCommand(["/bin/sleep", "0.1"], environment: []))
        source.deliver([
            try record(pid: running.pid, nr: 165, code: "0x80000000", comm: "sleep"),
            try record(pid: 1, nr: 165, code: "0x80000000", comm: "init"),  // not ours
            try record(pid: running.pid, nr: 63, code: "0x7ffc0000", comm: "sleep"),
            try record(pid: running.pid, nr: 63, code: "0x7ffc0000", comm: "sleep"),
        ])
        let outcome = supervisor.finish(running)
        #expect(outcome.violations.map(\.name) == ["mount"], "\(outcome.violations)")
        #expect(outcome.violations.first?.reason.contains("SystemCallFilter= 'mount'") == true)
        #expect(outcome.logged.map(\.count) == [2] && outcome.logged.first?.name == "uname")
        #expect(journal.all.contains { $0["SYSCALL"] == "uname" && $0["SECCOMPOSE_COUNT"] == "2" })
        #expect(outcome.reportsComplete, "\(outcome.warnings)")
        source.lose(3, reason: "the kernel's lost counter rose by 3")
        source.setFlushResult(false)
        let second = supervisor.finish(try supervisor.start(LaunchCommand(["/bin/true"], environment: [])))
        #expect(!second.reportsComplete && second.lostRecords == 3)
        #expect(second.warnings.contains { $0.contains("3 audit records were lost") }, "\(second.warnings)")
        #expect(second.warnings.contains { $0.contains("could not be confirmed complete") }, "\(second.warnings)")
    }

    @Test("exit statuses: one table with the C child path")
    func exitStatuses() {
        let stages: [(LaunchError.Stage, SeccomposeRuntime.ExitStatus)] = [
            (.workingDirectory, .changeDirectory), (.group, .group), (.user, .user), (.noNewPrivileges, .noNewPrivileges),
            (.seccomp, .seccomp), (.memoryDenyWriteExecute, .seccomp),
        ]
        for (stage, status) in stages {
            #expect(LaunchError(stage: stage, code: EPERM, pid: nil).exitStatus == status, "\(stage)")
        }
        #expect(LaunchError(stage: .exec, code: ENOENT, pid: nil).exitStatus == .notFound)
        #expect(LaunchError(stage: .exec, code: EACCES, pid: nil).exitStatus == .notExecutable)
        #expect(Set(ExitStatus.named.map(\.status)).count == ExitStatus.named.count, "named statuses are distinct")
        #expect(ExitStatus.seccomp.rawValue == 228 && ExitStatus.usage.rawValue == 64)
    }
}

@Suite("the argument-width mode is given once")
struct ArgumentWidthOnceTests {
    @Test("a policy built in one mode compiles in that mode; options asking for another are refused")
    func once() throws {
        var settings = SystemCallSettings(context: try SystemdContext(version: .v252, argumentWidths: .systemd))
        var directives = ExecDirectives(context: settings.context)
        _ = directives.apply(UnitAssignment(section: "Service", key: "RestrictNamespaces", value: "~user net",
            source: ValueSource(file: nil, line: 1, valueColumn: 1)))
        _ = settings.applyFilter("~mount", source: ValueSource(file: nil, line: 1, valueColumn: 1))
        let built = try SystemdPolicyBuilder.build(settings, directives: directives).policy
        #expect(built.argumentWidths == .systemd)
        // setns(fd, 1<<32) passes systemd's 64-bit comparison, as systemd 252 does (the kernel reads nstype 0).
        let program = try Compiler.compile(built)
        let setns = try #require(SyscallTable.number(of: "setns", on: .x86_64))
        let call = SeccompData(abi: .x86_64, number: setns, args: [3, 0x1_0000_0000])
        #expect(try Simulator.run(program.instructions, call).action == .allow)
        #expect(throws: CompileError.self) { try Compiler.compile(built, options: CompileOptions(argumentWidths: .kernel)) }
        // The same request in the default mode judges the int the kernel reads.
        var request = FilterRequest(context: try SystemdContext(version: .v252))
        request.unitSettings = ["RestrictNamespaces=~user net"]
        let kernel = try request.compile()
        #expect(try Simulator.run(kernel.program.instructions, call).action != .allow)
    }
}
