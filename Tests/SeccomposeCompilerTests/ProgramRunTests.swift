// `seccompose run --program FILE -- CMD` and the library's precompiled launch (ProgramLaunch,
// LaunchFilter.readProgram): programs written by `compile --format raw` run in real child
// processes under the real kernel; the test runner itself never installs a filter.

import CSeccomp
import Foundation
import SeccomposeCompiler
import SeccomposeInput
import SeccomposeLaunch
import SeccomposeRuntime
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("run --program: precompiled raw programs", .serialized)
struct ProgramRunTests {
    /// Compiles `filter` with `compile --format raw` into `dir/name`; returns its path.
    func compileRaw(_ seccompose: String, _ filter: String, into dir: URL, name: String = "p.bpf") throws -> String {
        let path = dir.appendingPathComponent(name).path
        let r = try Support.run(seccompose, ["compile", "--filter", filter, "--format", "raw", "-o", path])
        try #require(r.status == 0, "\(r)")
        return path
    }

    @Test("a program from compile --format raw denies what it should; kills are reported with the syscall")
    func deniesAsCompiled() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let target = dir.appendingPathComponent("made").path
            let eperm = try compileRaw(seccompose, "~mkdir:EPERM mkdirat:EPERM", into: dir, name: "eperm.bpf")
            let denied = try Support.run(seccompose, ["run", "--program", eperm, "--", "/bin/mkdir", target])
            #expect(denied.status == 1, "\(denied)")
            #expect(denied.stderr.contains("Operation not permitted"), "\(denied)")
            #expect(!FileManager.default.fileExists(atPath: target))
            let kill = try compileRaw(seccompose, "~rmdir", into: dir, name: "kill.bpf")
            let allowed = try Support.run(seccompose, ["run", "--program", kill, "--", "/bin/mkdir", target])
            #expect(allowed.status == 0, "\(allowed)")
            #expect(FileManager.default.fileExists(atPath: target))
            let seven = try Support.run(seccompose, ["run", "--program", kill, "--", "/bin/sh", "-c", "exit 7"])
            #expect(seven.status == 7, "\(seven)")
            let killed = try Support.run(seccompose, ["run", "--program", kill, "--", "/bin/rmdir", target])
            #expect(killed.status == 128 + 31, "\(killed)")
            #expect(killed.stderr.contains("killed by its seccomp filter: syscall rmdir (84, x86_64); decided by the precompiled program \(kill)"),
                "\(killed)")
            #expect(FileManager.default.fileExists(atPath: target))
        }
    }

    @Test("an empty, misaligned, too long, invalid or missing program file refuses (228) and runs nothing")
    func corruptProgramsRunNothing() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let good = try Data(contentsOf: URL(fileURLWithPath: try compileRaw(seccompose, "~mount", into: dir)))
            let allow: [UInt8] = [0x06, 0, 0, 0, 0x00, 0x00, 0xFF, 0x7F]  // RET ALLOW
            let badOpcode: [UInt8] = [0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
            let loadPastData: [UInt8] = [0x20, 0, 0, 0, 64, 0, 0, 0]  // LD W ABS 64
            let cases: [(String, Data, String)] = [
                ("empty.bpf", Data(), "the program file is empty"),
                ("misaligned.bpf", good.dropLast(3), "is not a whole number of 8-byte instructions"),
                ("long.bpf", Data((0..<4097).flatMap { _ in allow }), "longer than the kernel's 4096 instructions"),
                ("huge.bpf", Data((0..<200_000).flatMap { _ in allow }), "longer than the kernel's 4096 instructions"),
                ("opcode.bpf", Data(badOpcode + allow), "the kernel would refuse this program: instruction 0"),
                ("load.bpf", Data(loadPastData + allow), "the kernel would refuse this program: instruction 0: load offset 64"),
                ("noret.bpf", Data(allow + [0x20, 0, 0, 0, 0, 0, 0, 0]), "the last instruction is not a RET"),
            ]
            for (name, bytes, message) in cases {
                let path = dir.appendingPathComponent(name).path
                try bytes.write(to: URL(fileURLWithPath: path))
                let marker = dir.appendingPathComponent("ran-\(name)").path
                let r = try Support.run(seccompose, ["run", "--program", path, "--", "/usr/bin/touch", marker])
                #expect(r.status == 228, "\(name): \(r)")
                #expect(r.stderr.contains(path) && r.stderr.contains(message), "\(name): \(r)")
                #expect(r.stderr.contains("fix: "), "\(name): \(r)")
                #expect(!FileManager.default.fileExists(atPath: marker), "\(name): nothing may run")
            }
            let missing = dir.appendingPathComponent("missing.bpf").path
            let marker = dir.appendingPathComponent("ran-missing").path
            let r = try Support.run(seccompose, ["run", "--program", missing, "--", "/usr/bin/touch", marker])
            #expect(r.status == 228 && r.stderr.contains(missing) && r.stderr.contains("cannot open"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            // A directory is no program either.
            let directory = try Support.run(seccompose, ["run", "--program", dir.path, "--", "/usr/bin/touch", marker])
            #expect(directory.status == 228 && directory.stderr.contains("not a regular file"), "\(directory)")
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test("options that build or judge a filter are errors with --program (64), and nothing runs")
    func optionConflicts() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let program = try compileRaw(seccompose, "~mount", into: dir)
            let unit = dir.appendingPathComponent("u.service")
            try Support.write("[Service]\nExecStart=/bin/true\n", to: unit)
            let marker = dir.appendingPathComponent("ran").path
            let conflicts: [([String], String)] = [
                (["--filter", "~uname"], "--filter"), (["--systemd", "252"], "--systemd"), (["--native", "x86"], "--native"),
                (["--argument-widths=strict"], "--argument-widths"), (["--unit-setting", "RestrictNamespaces=yes"], "--unit-setting"),
                (["--architectures", "native"], "--architectures"), (["--error-number", "EPERM"], "--error-number"),
                (["--log", "uname"], "--log"), (["--profile", program], "--profile"), (["--lenient"], "--lenient"),
                (["--unit", unit.path], "--unit"), (["--sets", dir.path], "--sets"), ([unit.path], "UNIT"),
                (["--strict"], "--strict"),
            ]
            for (options, named) in conflicts {
                let r = try Support.run(seccompose, ["run", "--program", program] + options + ["--", "/usr/bin/touch", marker])
                #expect(r.status == 64, "\(options): \(r)")
                #expect(r.stderr.contains(named) && r.stderr.contains("would be ignored"), "\(options): \(r)")
                #expect(!FileManager.default.fileExists(atPath: marker), "\(options): nothing may run")
            }
            let noCommand = try Support.run(seccompose, ["run", "--program", program])
            #expect(noCommand.status == 64 && noCommand.stderr.contains("give the command after '--'"), "\(noCommand)")
            // What the program does not care about is still allowed.
            let keep = try Support.run(seccompose, ["run", "--program", program, "--no-new-privs-off", "--", "/usr/bin/touch", marker])
            #expect(keep.status == 0, "\(keep)")
        }
    }

    @Test("the library: ProgramLaunch reports a kill with the syscall and the file, without a policy")
    func libraryProgramLaunch() throws {
        var request = FilterRequest(context: try SystemdContext())
        request.filters = ["~rmdir"]
        let compiled = try request.compile()
        try Support.withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("kill-rmdir.bpf").path
            try Data(Export.raw(compiled.program)).write(to: URL(fileURLWithPath: path))
            let filter = try LaunchFilter.readProgram(at: path)
            #expect(filter.program == compiled.program && filter.policy == nil && filter.file == path)
            let target = dir.appendingPathComponent("d").path
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
            let journal = RecordingJournal()
            let report = try ProgramLaunch(programAt: path, argv: ["/bin/rmdir", target]).prepare()
                .run(journal: journal, forwardSignals: false)
            #expect(report.exitStatus == .signaled(SIGSYS))
            let v = try #require(report.violations.first)
            #expect(v.name == "rmdir" && v.number == 84 && v.abi == .x86_64 && v.isKill, "\(v)")
            #expect(v.reason == "decided by the precompiled program \(path)")
            #expect(journal.all.contains { $0["SYSCALL"] == "rmdir" && $0["SECCOMPOSE_REASON"] == v.reason })
            #expect(FileManager.default.fileExists(atPath: target))
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
            #expect(throws: LaunchFailure.self) { try ProgramLaunch(programAt: path, argv: ["/bin/true"]).prepare() }
            #expect(throws: LaunchFailure.self) { try ProgramLaunch(programAt: path, argv: []).prepare() }
        }
    }
}

/// `run [--systemd V] UNIT`, `run --filter EXPR -- CMD`, `run --systemd V --filter EXPR -- CMD` and
/// `run --program FILE -- CMD` are read by a hand-written fast path before ArgumentParser; SECCOMPOSE_NO_FAST_PATH=1
/// sends the same command line through ArgumentParser. Both must mean the same: the same
/// installed program, status, output and errors.
@Suite("run's fast path and the full parser agree", .serialized)
struct RunFastPathTests {
    /// Runs the same command line on both paths; the results with pids masked.
    func both(_ seccompose: String, _ arguments: [String]) throws -> (fast: RunResult, slow: RunResult) {
        let fast = try Support.run(seccompose, arguments)
        let slow = try Support.run("/usr/bin/env", ["SECCOMPOSE_NO_FAST_PATH=1", seccompose] + arguments)
        return (fast, slow)
    }

    func masked(_ s: String) -> String {
        s.replacingOccurrences(of: #"pid \d+"#, with: "pid N", options: .regularExpression)
    }

    @Test("status, stdout and stderr are the same on both paths, for runs, kills, refusals and near-shapes")
    func sameOutcomes() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        try Support.withTemporaryDirectory { dir in
            let target = dir.appendingPathComponent("d").path
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
            let program = dir.appendingPathComponent("p.bpf").path
            let compiled = try Support.run(seccompose, ["compile", "--filter", "~rmdir", "--format", "raw", "-o", program])
            try #require(compiled.status == 0, "\(compiled)")
            let bad = dir.appendingPathComponent("bad.bpf").path
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: bad))
            let marker = dir.appendingPathComponent("ran").path
            func unit(_ name: String, _ service: String) throws -> String {
                let path = dir.appendingPathComponent(name).path
                try Data("[Service]\n\(service)\n".utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
            let exits = try unit("exits.service", "ExecStart=/bin/sh -c 'echo out; exit 7'\nSystemCallFilter=~mount")
            let killed = try unit("killed.service", "ExecStart=/bin/rmdir \(target)\nSystemCallFilter=~rmdir")
            let refused = try unit("refused.service", "ExecStart=/usr/bin/touch \(marker)\nSystemCallFilter=~@sytem-service")
            let hardened = try unit("hardened.service", """
                ExecStart=/bin/true
                SystemCallFilter=@system-service
                RestrictNamespaces=yes
                RestrictAddressFamilies=AF_UNIX AF_INET
                MemoryDenyWriteExecute=yes
                """)
            let cases: [([String], Int32)] = [
                (["run", "--filter", "~mount", "--", "/bin/sh", "-c", "echo out; exit 7"], 7),
                (["run", "--systemd", "252", "--filter", "~rmdir", "--", "/bin/rmdir", target], 159),
                (["run", "--filter", "~mkdir:EPERM mkdirat:EPERM", "--", "/bin/mkdir", target + "/x"], 1),
                (["run", "--filter", "~@sytem-service", "--", "/usr/bin/touch", marker], 228),
                (["run", "--systemd", "252", "--filter", "@system-service", "--", "/bin/true"], 0),
                (["run", "--program", program, "--", "/bin/rmdir", target], 159),
                (["run", "--program", program, "--", "/bin/sh", "-c", "exit 3"], 3),
                (["run", "--program", bad, "--", "/usr/bin/touch", marker], 228),
                (["run", "--program", dir.appendingPathComponent("none.bpf").path, "--", "/usr/bin/touch", marker], 228),
                (["run", exits], 7),
                (["run", "--systemd", "252", killed], 159),
                (["run", refused], 228),
                (["run", "--systemd", "262", hardened], 0),
                (["run", "no-such-unit-\(getpid()).service"], 228),
                // Near-shapes the fast path leaves to ArgumentParser.
                (["run", "--systemd", "999", exits], 64),
                (["run", exits, "--strict"], 7),
                (["run", "--systemd=252", exits], 7),
                (["run", "--systemd", "999", "--filter", "~mount", "--", "/usr/bin/touch", marker], 64),
                (["run", "--filter", "-x", "--", "/usr/bin/touch", marker], 64),
                (["run", "--filter=~mount", "--", "/bin/true"], 0),
                (["run", "--program", program, "--filter", "~mount", "--", "/usr/bin/touch", marker], 64),
                (["run", "--filter", "~mount", "--"], 64),
            ]
            for (arguments, status) in cases {
                let (fast, slow) = try both(seccompose, arguments)
                #expect(fast.status == status, "\(arguments): \(fast)")
                #expect(slow.status == fast.status, "\(arguments): fast \(fast)\nslow \(slow)")
                #expect(slow.stdout == fast.stdout, "\(arguments)")
                #expect(masked(slow.stderr) == masked(fast.stderr), "\(arguments): fast \(fast.stderr)\nslow \(slow.stderr)")
                #expect(!FileManager.default.fileExists(atPath: marker), "\(arguments): nothing may run")
            }
        }
    }

    /// The program installed in a `sleep` started by `arguments` (through `env` with `environment`).
    func installed(_ seccompose: String, _ arguments: [String], environment: [String]) throws -> [BPFInstruction] {
        try ReadBackTests.installedProgram("/usr/bin/env", environment + [seccompose] + arguments)
    }

    @Test("both paths install the program compile --format raw writes (for a filter and a unit); --program installs the file's")
    func sameInstalledProgram() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let compiled = try Support.run(seccompose, ["compile", "--systemd", "252", "--filter", "@system-service", "--format", "raw"])
        try #require(compiled.status == 0, "\(compiled)")
        let expected = try #require(Program(rawBytes: Array(compiled.stdoutData))).instructions
        let filter = ["run", "--systemd", "252", "--filter", "@system-service", "--", "/bin/sleep", "20"]
        #expect(try installed(seccompose, filter, environment: []) == expected)
        #expect(try installed(seccompose, filter, environment: ["SECCOMPOSE_NO_FAST_PATH=1"]) == expected)
        try Support.withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("s.bpf").path
            try Data(compiled.stdoutData).write(to: URL(fileURLWithPath: path))
            let program = ["run", "--program", path, "--", "/bin/sleep", "20"]
            #expect(try installed(seccompose, program, environment: []) == expected)
            #expect(try installed(seccompose, program, environment: ["SECCOMPOSE_NO_FAST_PATH=1"]) == expected)
            // A unit with argument-backed directives: what compile makes of the file, on both paths.
            let unit = dir.appendingPathComponent("sleeps.service").path
            try Data("""
                [Service]
                ExecStart=/bin/sleep 20
                SystemCallFilter=@system-service
                RestrictNamespaces=yes
                RestrictAddressFamilies=AF_UNIX AF_INET
                MemoryDenyWriteExecute=yes

                """.utf8).write(to: URL(fileURLWithPath: unit))
            let unitCompiled = try Support.run(seccompose, ["compile", "--systemd", "252", unit, "--format", "raw"])
            try #require(unitCompiled.status == 0, "\(unitCompiled)")
            let unitExpected = try #require(Program(rawBytes: Array(unitCompiled.stdoutData))).instructions
            #expect(unitExpected != expected)
            let run = ["run", "--systemd", "252", unit]
            #expect(try installed(seccompose, run, environment: []) == unitExpected)
            #expect(try installed(seccompose, run, environment: ["SECCOMPOSE_NO_FAST_PATH=1"]) == unitExpected)
        }
    }
}
