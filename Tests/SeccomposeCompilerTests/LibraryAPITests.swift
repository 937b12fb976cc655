// The programmatic API: build a policy as with libseccomp, compile, export, and run it.

import Foundation
import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("library API")
struct LibraryAPITests {
    @Test("init, addRule with conditions, priority, add/remove ABIs, compile, simulate, export")
    func buildAndCompile() throws {
        var p = Policy(.errno(1), architectures: [.x86_64])
        try p.addRule(.allow, syscall: "read")
        try p.addRule(.allow, syscall: "write", [ArgumentCondition(index: 0, .lessOrEqual, 2)])
        try p.addRule(.killProcess, syscall: "ptrace")
        try p.setPriority(10, syscall: "read")
        p.addArchitecture(.x86)
        p.addArchitecture(.x86)
        #expect(p.architectures == [.x86_64, .x86])
        let program = try Compiler.compile(p)
        func run(_ abi: Architecture, _ name: String, _ args: [UInt64] = []) throws -> Action {
            try Simulator.run(program.instructions, SeccompData(abi: abi, number: try #require(SyscallTable.number(of: name, on: abi)), args: args)).action
        }
        #expect(try run(.x86_64, "read") == .allow)
        #expect(try run(.x86_64, "write", [1]) == .allow)
        #expect(try run(.x86_64, "write", [3]) == .errno(1))
        #expect(try run(.x86, "ptrace") == .killProcess)
        #expect(try run(.x86_64, "mount") == .errno(1))
        p.removeArchitecture(.x86)
        let narrowed = try Compiler.compile(p)
        #expect(try Simulator.run(narrowed.instructions, SeccompData(abi: .x86, number: 3)).action == .killThread)
        // Exports round-trip.
        #expect(Program(rawBytes: Export.raw(program)) == program)
        #expect(Export.cArray(program).contains("struct sock_filter"))
        #expect(Export.disassembly(program).split(separator: "\n").count == program.instructions.count)
        #expect(Export.pseudoCode(p).contains("if ($syscall == 0)"))
    }

    @Test("a frequent syscall sits closer to the root")
    func priority() throws {
        var p = Policy(.errno(1), architectures: [.x86_64])
        for name in ["read", "write", "openat", "close", "futex", "epoll_wait", "mmap", "brk", "exit_group", "getrandom"] {
            try p.addRule(.allow, syscall: name)
        }
        let before = try Simulator.run(try Compiler.compile(p).instructions, SeccompData(abi: .x86_64, number: 318))
        try p.setPriority(100, syscall: "getrandom")
        let after = try Simulator.run(try Compiler.compile(p).instructions, SeccompData(abi: .x86_64, number: 318))
        #expect(after.action == .allow && before.action == .allow)
        #expect(after.instructionsExecuted < before.instructionsExecuted)
    }

    @Test("errors: unknown names and argument indices")
    func errors() {
        var p = Policy(.allow)
        #expect(throws: PolicyError.self) { try p.addRule(.errno(1), syscall: "nosuchcall") }
        #expect(throws: PolicyError.self) { try p.addRule(.errno(1), syscall: "read", [ArgumentCondition(index: 6, .equal, 0)]) }
    }

    @Test("merge keeps each ABI's decisions and refuses overlaps or different defaults")
    func merge() throws {
        var a = Policy(.allow, architectures: [.x86_64])
        try a.addRule(.errno(1), syscall: "mount")
        var b = Policy(.allow, architectures: [.aarch64])
        try b.addRule(.errno(13), syscall: "openat")
        var merged = a
        try merged.merge(b)
        let program = try Compiler.compile(merged)
        let cases: [(Architecture, String, Action)] = [
            (.x86_64, "mount", .errno(1)), (.x86_64, "openat", .allow), (.aarch64, "mount", .allow), (.aarch64, "openat", .errno(13)),
        ]
        for (abi, name, expected) in cases {
            let nr = try #require(SyscallTable.number(of: name, on: abi))
            #expect(try Simulator.run(program.instructions, SeccompData(abi: abi, number: nr)).action == expected, "\(abi) \(name)")
            #expect(merged.action(abi: abi, name: name) == expected)
        }
        #expect(throws: PolicyError.self) { try merged.merge(b) }
        var c = Policy(.errno(1), architectures: [.riscv64])
        #expect(throws: PolicyError.self) { try c.merge(a) }
    }
}

@Suite("seccompose run: install into a child and exec", .serialized)
struct RunCommandTests {
    @Test("a denied call returns the errno; a policy that cannot be built runs nothing (228)")
    func run() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let target = dir.appendingPathComponent("made").path
            let denied = try Support.run(seccompose, ["run", "--filter", "~mkdir:EPERM mkdirat:EPERM", "--", "/bin/mkdir", target])
            #expect(denied.status == 1, "\(denied)")
            #expect(denied.stderr.contains("Operation not permitted"), "\(denied)")
            #expect(!FileManager.default.fileExists(atPath: target))
            let broken = try Support.run(seccompose, ["run", "--systemd", "252", "--filter", "@system-service", "--error-number", "EPERM",
                "--filter", "~uname:EPERM", "--", "/bin/mkdir", target])
            #expect(broken.status == 228, "\(broken)")
            #expect(!FileManager.default.fileExists(atPath: target), "nothing may run without its filter")
            let allowed = try Support.run(seccompose, ["run", "--filter", "~mount", "--", "/bin/mkdir", target])
            #expect(allowed.status == 0, "\(allowed)")
            #expect(FileManager.default.fileExists(atPath: target))
            // The command's exit status comes through.
            let seven = try Support.run(seccompose, ["run", "--filter", "~mount", "--", "/bin/sh", "-c", "exit 7"])
            #expect(seven.status == 7, "\(seven)")
            // A kill names the syscall and the setting that denied it (from the kernel's audit record).
            let killed = try Support.run(seccompose, ["run", "--filter", "~rmdir", "--", "/bin/rmdir", target])
            #expect(killed.status == 128 + 31, "\(killed)")
            #expect(killed.stderr.contains("killed by its seccomp filter: syscall rmdir (84, x86_64); rmdir is listed; set by SystemCallFilter= 'rmdir' at <command line>:1:2"), "\(killed)")
            #expect(FileManager.default.fileExists(atPath: target))
        }
    }

    @Test("run UNIT: commands in order, environment, User=, WorkingDirectory=, `-` and `+` prefixes")
    func runUnit() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let allowed = dir.appendingPathComponent("by-plus").path
            let denied = dir.appendingPathComponent("by-filtered").path
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
            let unit = dir.appendingPathComponent("t.service")
            try Support.write("""
                [Service]
                Type=oneshot
                Environment=A=1 "B=two words"
                ExecStartPre=/bin/echo pre $A ${B}
                ExecStart=/bin/sh -c 'echo "$B as $(id -un) in $(pwd)"'
                ExecStart=-/bin/false
                ExecStart=-/bin/mkdir \(denied)
                ExecStartPost=+/bin/mkdir \(allowed)
                User=nobody
                WorkingDirectory=/tmp
                SystemCallFilter=~mkdir

                """, to: unit)
            let r = try Support.run(seccompose, ["run", "--systemd", "252", unit.path])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdoutLines.prefix(2) == ["pre 1 two words", "two words as nobody in /tmp"], "\(r)")
            #expect(r.stderr.contains("killed by its seccomp filter: syscall mkdir (83, x86_64)"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: denied), "the filtered command must not create it")
            #expect(FileManager.default.fileExists(atPath: allowed), "a + command runs unfiltered")
            let example = try Support.run(seccompose, ["run", "--systemd", "252", repositoryRoot + "/units-examples/run-hello.service"])
            #expect(example.status == 0 && example.stdoutLines.prefix(3) == ["starting: hello",
                "hello, the world, from nobody in /tmp", "done"], "\(example)")
        }
    }

    @Test("run: SystemCallArchitectures=native kills x32 and i386 calls; the native ABI works")
    func nativeOnly() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let probe = try Support.requireBuilt("seccompose-probe")
        let base = ["run", "--systemd", "252", "--architectures", "native", "--filter", "~mount", "--", probe, "-"]
        let native = try Support.run(seccompose, base + ["x86_64:39"])
        #expect(native.status == 0 && native.stdout.hasPrefix("call 0: ret="), "\(native)")
        for call in ["i386:20", "x32:39"] {
            let r = try Support.run(seccompose, base + [call])
            #expect(r.status == 128 + 31, "\(call): \(r)")
            #expect(!r.stdout.contains("call 0"), "\(call) must not have run: \(r)")
        }
    }

    @Test("run UNIT: a unit whose filter cannot be applied runs nothing, not even ExecStartPre= (228)")
    func badUnitRunsNothing() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let marker = dir.appendingPathComponent("marker").path
            let unit = dir.appendingPathComponent("bad.service")
            try Support.write("""
                [Service]
                ExecStartPre=/bin/touch \(marker)
                ExecStart=/bin/touch \(marker)
                SystemCallFilter=@system-service
                SystemCallErrorNumber=EPERM
                SystemCallFilter=~uname:EPERM

                """, to: unit)
            let r = try Support.run(seccompose, ["run", "--systemd", "252", unit.path])
            #expect(r.status == 228, "\(r)")
            #expect(!FileManager.default.fileExists(atPath: marker), "nothing may run")
            let masked = dir.appendingPathComponent("empty.service")
            try Support.write("", to: masked)
            #expect(try Support.run(seccompose, ["run", masked.path]).status == 228)
        }
    }

    @Test("run UNIT: Type=simple starts ExecStartPost= while the main process runs; its status is the unit's")
    func typeSimple() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("simple.service")
            try Support.write("""
                [Service]
                Type=simple
                ExecStart=/bin/sh -c 'sleep 0.5; echo main; exit 3'
                ExecStartPost=/bin/echo post
                SystemCallFilter=@system-service

                """, to: unit)
            let r = try Support.run(seccompose, ["run", unit.path])
            #expect(r.status == 3, "\(r)")
            #expect(r.stdoutLines.prefix(2) == ["post", "main"], "\(r)")
        }
    }

    @Test("run UNIT: no_new_privs as systemd implies it", arguments: [
        ("", "0"), ("NoNewPrivileges=yes\n", "1"), ("User=nobody\n", "1"),
    ])
    func impliedNoNewPrivileges(extra: String, expected: String) throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("nnp.service")
            try Support.write("[Service]\nExecStart=/bin/grep NoNewPrivs /proc/self/status\n\(extra)SystemCallFilter=@system-service\n",
                to: unit)
            let r = try Support.run(seccompose, ["run", unit.path])
            #expect(r.status == 0 && r.stdout == "NoNewPrivs:\t\(expected)\n", "\(r)")
        }
    }

    @Test("run --unit-setting: seccomp-backed directives in the ad-hoc form")
    func unitSetting() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let denied = try Support.run(seccompose, ["run", "--unit-setting", "RestrictNamespaces=yes", "--", "/usr/bin/unshare", "-n", "true"])
        #expect(denied.status != 0 && denied.stderr.contains("Operation not permitted"), "\(denied)")
        let allowed = try Support.run(seccompose, ["run", "--unit-setting", "RestrictNamespaces=~net", "--", "/usr/bin/unshare", "-u", "true"])
        #expect(allowed.status == 0, "\(allowed)")
        let bogus = try Support.run(seccompose, ["run", "--unit-setting", "Bogus=1", "--", "/bin/true"])
        #expect(bogus.status == 228 && bogus.stderr.contains("Unknown key 'Bogus' in section [Service]"), "\(bogus)")
        let sandboxing = try Support.run(seccompose, ["run", "--unit-setting", "ProtectSystem=strict", "--", "/bin/true"])
        #expect(sandboxing.status == 228 && sandboxing.stderr.contains("is not a seccomp-backed setting"), "\(sandboxing)")
    }

    @Test("run refuses input it would ignore (228, nothing runs, the diagnostic with its position); --lenient runs",
        arguments: [
            ["--filter", "~@sytem-service"], ["--error-number", "EWHATEVER"], ["--architectures", "bogus"],
            ["--filter", "~uname:4096"], ["--unit-setting", "RestrictNamespaces=maybe"],
            ["--unit-setting", "RestrictAddressFamilies=AF_BOGUS"], ["--unit-setting", "SystemCalFilter=~@mount"],
        ])
    func refusesIgnoredInput(option: [String]) throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let marker = dir.appendingPathComponent("ran").path
            let refused = try Support.run(seccompose, ["run"] + option + ["--", "/usr/bin/touch", marker])
            #expect(refused.status == 228, "\(refused)")
            #expect(refused.stderr.contains("<command line>:1:") && refused.stderr.contains("fix:"), "\(refused)")
            #expect(!FileManager.default.fileExists(atPath: marker), "nothing may run: \(option)")
            if option[1].hasPrefix("SystemCalFilter") { return }  // not a seccomp-backed key: no lenient reading either
            let lenient = try Support.run(seccompose, ["run", "--lenient"] + option + ["--", "/usr/bin/touch", marker])
            #expect(lenient.status == 0 && lenient.stderr.contains("warning:"), "\(lenient)")
            #expect(FileManager.default.fileExists(atPath: marker), "--lenient runs as systemd does: \(option)")
        }
    }

    @Test("run reports every descendant's kill (a sh -c grandchild, a thread) and counts every logged call (1000 of 1000)")
    func descendantsAndLogs() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let helper = try Support.requireBuilt("seccompose-audit-helper")
        let grandchild = try Support.run(seccompose, ["run", "--filter", "~uname", "--", "/bin/sh", "-c", "uname; exit 0"])
        #expect(grandchild.status == 0, "\(grandchild)")
        #expect(grandchild.stderr.contains("uname (pid ") && grandchild.stderr.contains(
            "killed by its seccomp filter: syscall uname (63, x86_64); uname is listed; set by SystemCallFilter= 'uname' at <command line>:1:2"),
            "\(grandchild)")
        let thread = try Support.run(seccompose, ["run", "--filter", "~uname", "--", helper, "thread", "63"])
        #expect(thread.status == 128 + 31, "\(thread)")
        #expect(thread.stderr.contains("killed by its seccomp filter: syscall uname (63, x86_64)"), "\(thread)")
        let burst = try Support.run(seccompose, ["run", "--log", "uname", "--", helper, "burst", "1000", "63"])
        #expect(burst.status == 0, "\(burst)")
        #expect(burst.stderrLines.contains { $0.hasSuffix("logged uname (63, x86_64) 1000 times") }, "\(burst)")
        #expect(!burst.stderr.contains("warning:"), "no record may be lost or doubted: \(burst)")
    }

    @Test("run-unit-example (the library API in under 40 lines): status, kill, errno, grandchild")
    func example() throws {
        let example = try Support.requireBuilt("run-unit-example")
        let source = try String(contentsOfFile: repositoryRoot + "/Examples/run-unit-example/main.swift", encoding: .utf8)
        #expect(source.split(separator: "\n", omittingEmptySubsequences: false).count < 40)
        #expect(!source.contains("import ArgumentParser"))
        try Support.withTemporaryDirectory { dir in
            func unit(_ name: String, _ body: String) throws -> String {
                let path = dir.appendingPathComponent(name).path
                try Support.write("[Service]\n" + body, to: URL(fileURLWithPath: path))
                return path
            }
            let seven = try Support.run(example, [try unit("seven.service", "ExecStart=/bin/sh -c \"exit 7\"\nSystemCallFilter=~uname\n")])
            #expect(seven.status == 7, "\(seven)")
            let kill = try Support.run(example, [try unit("kill.service", "ExecStart=/usr/bin/uname\nSystemCallFilter=~uname\n")])
            #expect(kill.status == 159 && kill.stderr.contains("syscall uname (63, x86_64)"), "\(kill)")
            let eperm = try Support.run(example,
                [try unit("eperm.service", "ExecStart=/usr/bin/uname\nSystemCallFilter=~uname\nSystemCallErrorNumber=EPERM\n")])
            #expect(eperm.status == 1 && eperm.stderr.contains("Operation not permitted"), "\(eperm)")
            let grandchild = try Support.run(example,
                [try unit("grandchild.service", "ExecStart=/bin/sh -c \"uname -a; exit 0\"\nSystemCallFilter=~uname\n")])
            #expect(grandchild.status == 0, "\(grandchild)")
            #expect(grandchild.stderr.contains("violation: uname (pid ") && grandchild.stderr.contains("syscall uname (63, x86_64)"),
                "\(grandchild)")
            let refused = try Support.run(example, [try unit("typo.service", "ExecStart=/bin/true\nSystemCallFilter=~@sytem-service\n")])
            #expect(refused.status == 228 && refused.stderr.contains("unknown-group"), "\(refused)")
        }
    }

    @Test("run UNIT --filter / --unit-setting add a layer or refuse; the greeting never prints under ~write")
    func unitLayers() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let unit = repositoryRoot + "/units-examples/run-hello.service"
        for layer in [["--filter", "~write"], ["--unit-setting", "SystemCallFilter=~write"]] {
            for version in ["252", "262"] {
                let r = try Support.run(seccompose, ["run", "--systemd", version] + layer + [unit])
                #expect(!r.stdout.contains("hello, the world"), "\(layer) \(version): \(r)")
                #expect(r.status == (version == "252" ? 159 : 228), "\(layer) \(version): \(r)")
            }
        }
        let both = try Support.run(seccompose, ["run", "--unit", unit, unit])
        #expect(both.status == 64, "\(both)")
        let root = try Support.run(seccompose, ["run", "--root", "/", "--filter", "~mount", "--", "/bin/true"])
        #expect(root.status == 64, "an option the command does not use is an error: \(root)")
    }
}
