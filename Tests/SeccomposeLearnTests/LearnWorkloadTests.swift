// LearnWorkloadTests.swift: real workloads learned with `seccompose learn`, then run again under
// the learned drop-in with `seccompose run --unit FILE -- CMD`: same output, same status, and the
// learned filter denies every risky call the workload did not make (judged by the policy systemd
// would build from the drop-in, and once for real by the kernel).

import Foundation
import SeccomposeInput
import SeccomposeLearn
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

@Suite(.serialized) struct LearnWorkloadTests {
    struct Workload: Sendable, CustomStringConvertible {
        var name: String
        /// The command; `@DIR@` is replaced by the workload's temporary directory.
        var argv: [String]
        /// Names the learned evidence must contain, with the ABI.
        var mustObserve: [(abi: String, name: String)] = []
        var description: String { name }
    }

    /// The workload scripts (Tests/Fixtures/learn-workloads, shared with scripts/bench-learn.py).
    static let fixtures = repositoryRoot + "/Tests/Fixtures/learn-workloads"

    static var workloads: [Workload] {
        var w: [Workload] = [
            Workload(name: "python threads and a subprocess", argv: ["python3", "\(fixtures)/threads.py"],
                mustObserve: [("x86_64", "clone3"), ("x86_64", "wait4")]),
            Workload(name: "shell pipeline with tar and gzip", argv: ["sh", "\(fixtures)/pipeline.sh", "@DIR@"],
                mustObserve: [("x86_64", "pipe2")]),
            Workload(name: "loopback TCP client and server", argv: ["python3", "\(fixtures)/tcp.py"],
                mustObserve: [("x86_64", "accept4"), ("x86_64", "connect"), ("x86_64", "listen")]),
            Workload(name: "SQLite", argv: ["python3", "\(fixtures)/db.py", "@DIR@"], mustObserve: [("x86_64", "fdatasync")]),
            Workload(name: "a rare call late in a grandchild", argv: ["python3", "\(fixtures)/rare.py"],
                mustObserve: [("x86_64", "sync")]),
        ]
        if let probe = Support.builtExecutable(named: "seccompose-probe") {
            // getuid through int 0x80 (i386 nr 24), deterministic as root, and x32 getuid (102 with
            // the x32 bit), which this kernel (no x32 support) answers with ENOSYS: both recorded.
            w.append(Workload(name: "i386 int 0x80 and x32 calls", argv: [probe, "-", "i386:24", "x32:102"],
                mustObserve: [("x86", "getuid"), ("x32", "getuid")]))
        }
        return w
    }

    @Test(arguments: workloads)
    func learnedDropInRunsTheWorkload(_ workload: Workload) throws {
        try Support.withTemporaryDirectory { dir in
            let argv = workload.argv.map { $0.replacingOccurrences(of: "@DIR@", with: dir.path) }
            let exe = try #require(Support.which(argv[0]) ?? (argv[0].hasPrefix("/") ? argv[0] : nil))
            let plain = try Support.run(exe, Array(argv.dropFirst()), timeout: 120)
            #expect(plain.status == 0, "the workload itself fails: \(plain)")

            let unit = dir.appendingPathComponent("learned.service").path
            let json = dir.appendingPathComponent("evidence.json").path
            let learned = try Support.seccompose(["learn", "--systemd", "252", "-o", unit, "--"] + argv, timeout: 180)
            #expect(learned.status == plain.status, "learn changed the exit status: \(learned)")
            #expect(learned.stdout == plain.stdout, "learn changed the output")
            #expect(!learned.stderr.contains("warning"), "the evidence is incomplete: \(learned.stderr)")
            let dropIn = try String(contentsOfFile: unit, encoding: .utf8)
            #expect(dropIn.contains("# Evidence complete"), "\(dropIn)")

            // The evidence names what the workload did, on the right ABI.
            let evidence = try Support.seccompose(["learn", "--systemd", "252", "--format", "json", "-o", json, "--"] + argv,
                timeout: 180)
            #expect(evidence.status == 0, "\(evidence)")
            let decoded = try JSONDecoder().decode(LearnEvidence.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(decoded.complete && decoded.lostRecords == 0, "\(decoded.problems)")
            for (abi, name) in workload.mustObserve {
                #expect(decoded.syscalls.contains { $0.abi == abi && $0.name == name }, "\(name) (\(abi)) not observed")
            }

            // Again under the learned drop-in: identical output and status.
            let again = try Support.seccompose(["run", "--systemd", "252", "--unit", unit, "--"] + argv, timeout: 120)
            #expect(again.status == plain.status, "under the learned filter: \(again)\n\(dropIn)")
            #expect(again.stdout == plain.stdout, "under the learned filter the output differs:\n\(again)\n\(dropIn)")

            // Every risky call the workload did not make is denied, on every ABI it used.
            var request = FilterRequest(context: try SystemdContext(version: .v252, native: .x86_64))
            request.unit = .file(unit)
            let policy = try request.compile().policy
            for abi in decoded.abis {
                let made = decoded.names(on: abi)
                for name in RiskyCalls.names where !made.contains(name) {
                    guard let number = SyscallTable.number(of: name, on: abi) else { continue }
                    #expect(policy.action(abi: abi, number: number) != .allow, "\(name) (\(abi)) allowed:\n\(dropIn)")
                }
            }
        }
    }

    /// The kernel kills a risky call the workload never made (unshare), with the learned filter.
    @Test func riskyCallKilledForReal() throws {
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("learned.service").path
            let script = "ls / > /dev/null; unshare --version > /dev/null; echo ok"
            let learned = try Support.seccompose(["learn", "--systemd", "252", "-o", unit, "--", "sh", "-c", script])
            #expect(learned.status == 0 && learned.stdout == "ok\n", "\(learned)")
            let denied = try Support.run(try Support.seccompose(),
                ["run", "--systemd", "252", "--unit", unit, "--", "sh", "-c", "ls / > /dev/null; unshare -n true; echo ran"])
            #expect(denied.status == 0, "sh goes on after its child is killed: \(denied)")
            #expect(denied.stderr.contains("syscall unshare"), "\(denied)")
            #expect(!denied.stdout.contains("ran") || denied.stderr.contains("killed by its seccomp filter"), "\(denied)")
        }
    }

    /// --errno-unobserved ENOSYS: a call the run never made fails with ENOSYS instead of killing.
    @Test func errnoUnobservedForReal() throws {
        let probe = try Support.requireBuilt("seccompose-probe")
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("learned.service").path
            let learned = try Support.seccompose(["learn", "--systemd", "252", "--errno-unobserved", "ENOSYS", "-o", unit, "--",
                probe, "-", "x86_64:102"])
            #expect(learned.status == 0 && learned.stdout == "call 0: ret=0\n", "\(learned)")
            // reboot (169) with bad magic numbers: never observed, risky, so denied with ENOSYS.
            let again = try Support.seccompose(["run", "--systemd", "252", "--unit", unit, "--", probe, "-", "x86_64:102",
                "x86_64:169:1:2:3"])
            #expect(again.status == 0 && again.stdout == "call 0: ret=0\ncall 1: errno=38\n", "\(again)")
        }
    }

    /// `learn UNIT`: the unit's commands run with its environment and working directory, but
    /// not under its own SystemCallFilter= (which would hide what it refuses).
    @Test func learnAUnit() throws {
        try Support.withTemporaryDirectory { dir in
            let service = dir.appendingPathComponent("greeter.service")
            try Support.write("""
                [Service]
                Type=oneshot
                Environment=GREETING=hello
                WorkingDirectory=\(dir.path)
                ExecStart=/bin/sh -c 'echo "$GREETING from $(pwd)"; ls > /dev/null'
                SystemCallFilter=@basic-io
                """, to: service)
            let out = dir.appendingPathComponent("learned.conf").path
            let learned = try Support.seccompose(["learn", "--systemd", "252", "-o", out, service.path])
            #expect(learned.status == 0, "\(learned)")
            #expect(learned.stdout == "hello from \(dir.path)\n", "\(learned)")
            let dropIn = try String(contentsOfFile: out, encoding: .utf8)
            #expect(dropIn.contains("# Evidence complete") && dropIn.contains("\n[Service]\nSystemCallFilter=\n"), "\(dropIn)")
        }
    }

    /// A run that creates a network namespace learns RestrictNamespaces=net (from the notified
    /// unshare call's flags), and a W+X mapping keeps MemoryDenyWriteExecute= off.
    @Test func argumentDirectivesFromRealCalls() throws {
        let unshare = try Support.requireTool("unshare", package: "util-linux")
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("learned.service").path
            let script = "import mmap; m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC); print('mapped')"
            let argv = ["sh", "-c", "\(unshare) -n true && python3 -c \(Support.shellQuote(script))"]
            let learned = try Support.seccompose(["learn", "--systemd", "252", "-o", unit, "--"] + argv)
            #expect(learned.status == 0 && learned.stdout == "mapped\n", "\(learned)")
            let dropIn = try String(contentsOfFile: unit, encoding: .utf8)
            #expect(dropIn.contains("\nRestrictNamespaces=net\n"), "\(dropIn)")
            #expect(dropIn.contains("# MemoryDenyWriteExecute= not set: mmap (PROT_READ|PROT_WRITE|PROT_EXEC)"), "\(dropIn)")
            let again = try Support.seccompose(["run", "--systemd", "252", "--unit", unit, "--"] + argv)
            #expect(again.status == 0 && again.stdout == "mapped\n", "\(again)\n\(dropIn)")
        }
    }

    /// Evidence of two runs merges into one filter that allows what either run made.
    @Test func mergeRuns() throws {
        try Support.withTemporaryDirectory { dir in
            let a = dir.appendingPathComponent("a.json").path, b = dir.appendingPathComponent("b.json").path
            _ = try Support.seccompose(["learn", "--systemd", "252", "--format", "json", "-o", a, "--", "sh", "-c", "echo a"])
            _ = try Support.seccompose(["learn", "--systemd", "252", "--format", "json", "-o", b, "--", "sh", "-c", "sync"])
            let merged = try Support.seccompose(["learn", "--systemd", "252", "--format", "expression", "--merge", a, b])
            #expect(merged.status == 0, "\(merged)")
            // Each run's command runs under the merged filter; either run's own filter kills the other.
            let expression = merged.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            for command in ["echo a", "sync"] {
                let r = try Support.run(try Support.seccompose(), ["run", "--systemd", "252", "--filter", expression, "--",
                    "sh", "-c", command])
                #expect(r.status == 0, "\(command) under the merged filter \(expression): \(r)")
            }
            let onlyA = try Support.seccompose(["learn", "--systemd", "252", "--format", "expression", "--merge", a])
            let syncUnderA = try Support.run(try Support.seccompose(), ["run", "--systemd", "252", "--filter",
                onlyA.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--", "sh", "-c", "sync"])
            #expect(syncUnderA.status == 159, "sync is not in the first run's filter: \(syncUnderA)")
            let bad = try Support.seccompose(["learn", "--merge", a, dir.appendingPathComponent("missing.json").path])
            #expect(bad.status == 2 && bad.stderr.contains("missing.json"), "\(bad)")
        }
    }

    /// `learn --journal`: records a real journald (started here in private mount, pid and
    /// cgroup namespaces, its journal bound to a temporary directory) stored from the audit
    /// socket and again from /dev/kmsg, read back with sd-journal, attributed by pid and
    /// counted once.
    @Test func learnFromTheJournal() throws {
        let unshare = try Support.requireTool("unshare", package: "util-linux")
        let journald = try #require(["/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"]
            .first { Support.isExecutableFile($0) }, "systemd-journald is not installed (Debian package 'systemd')")
        let probe = try Support.requireBuilt("seccompose-probe")
        try Support.withTemporaryDirectory { dir in
            let journal = dir.appendingPathComponent("journal")
            try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
            let ready = dir.appendingPathComponent("ready").path, done = dir.appendingPathComponent("done").path
            let stopped = dir.appendingPathComponent("stopped").path
            let script = """
                set -e
                mount -t tmpfs tmpfs /run
                mkdir -p /run/log/journal
                mount --bind \(Support.shellQuote(journal.path)) /run/log/journal
                \(journald) &
                j=$!
                for i in $(seq 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
                touch \(Support.shellQuote(ready))
                for i in $(seq 600); do [ -e \(Support.shellQuote(done)) ] && break; sleep 0.1; done
                kill $j; wait $j || true
                touch \(Support.shellQuote(stopped))
                """
            let scriptPath = dir.appendingPathComponent("journald.sh").path
            try Support.write(script, to: URL(fileURLWithPath: scriptPath))
            let started = try Support.run("/bin/sh", ["-c",
                "\(unshare) -m -p -f -C --mount-proc sh \(Support.shellQuote(scriptPath)) > \(Support.shellQuote(dir.path))/journald.log 2>&1 < /dev/null &"])
            #expect(started.status == 0, "\(started)")
            defer {
                _ = FileManager.default.createFile(atPath: done, contents: nil)
                for _ in 0..<100 where !FileManager.default.fileExists(atPath: stopped) { usleep(100_000) }
            }
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) { usleep(50_000) }
            try #require(FileManager.default.fileExists(atPath: ready),
                "journald did not start: \((try? String(contentsOfFile: dir.path + "/journald.log", encoding: .utf8)) ?? "")")

            // A process that logs getpid, getppid and uname (SystemCallLog=), and says its pid.
            let filter = dir.appendingPathComponent("log.bpf").path
            let compiled = try Support.seccompose(["compile", "--systemd", "252", "--format", "raw", "-o", filter,
                "--log", "getpid getppid uname"])
            #expect(compiled.status == 0, "\(compiled)")
            // journald imports the kernel's whole log buffer when it starts, stamping each old line
            // with the time it reads it, so records of earlier processes that had the probe's pid
            // (pids wrap at 32768 here; the audit helper's tests log uname) are there too, stamped
            // about when journald started. A marker written to /dev/kmsg now is imported after all
            // of them: once it is in the journal, the next whole second (the resolution of
            // --since) is after every old line, and the probe starts then.
            let journalctl = try Support.requireTool("journalctl", package: "systemd")
            // Writes a line to the kernel's log and waits until journald has stored it (`stored`: the
            // part of it the entry's MESSAGE holds; journald takes a leading `WORD: ` as the identifier).
            func logToKernel(_ line: String, stored: String? = nil) throws {
                let kmsg = try #require(FileHandle(forWritingAtPath: "/dev/kmsg"), "cannot write to /dev/kmsg")
                try kmsg.write(contentsOf: Data("<6>\(line)\n".utf8))
                try kmsg.close()
                var imported = false
                for _ in 0..<200 where !imported {
                    let kernel = try Support.run(journalctl, ["-D", journal.path, "-o", "cat", "_TRANSPORT=kernel"])
                    imported = kernel.stdout.contains(stored ?? line)
                    if !imported { usleep(50_000) }
                }
                try #require(imported, "journald did not import a line written to /dev/kmsg within 10 s: \(line)")
            }
            try logToKernel("seccompose-learn-test-\(UUID().uuidString)")
            let now = Date().timeIntervalSince1970
            let second = Int(now) + 1
            usleep(UInt32((Double(second) - now) * 1_000_000) + 1000)
            let probeStart = "@\(second)"
            // The kernel and journald may drop audit records when other processes flood them (the
            // learn tests beside this one log every call: the kernel's printk copies are
            // rate-limited, and journald's audit socket can overflow). Such a loss is not what this
            // test is about, so a probe whose records, with their copy from the audit socket, do
            // not arrive within 5 s is run again, as a new process (a late record of an earlier one
            // has another pid and is not counted).
            var evidence: LearnEvidence?
            var pid: Int32 = 0
            for _ in 0..<4 where evidence == nil {
                let ran = try Support.run("/bin/sh", ["-c", "echo $$; exec \(probe) \(filter) x86_64:39 x86_64:110 x86_64:63"])
                pid = try #require(ran.stdout.split(separator: "\n").first.flatMap { Int32($0) }, "\(ran)")
                // A record of the probe's pid and uname made an hour before it started, stored now
                // (as journald's import of the kernel's buffer stores old records): by its own time
                // it is before --since, so it is not counted.
                let old = "type=1326 audit(\(second - 3600).000:1): auid=4294967295 uid=0 gid=0 ses=4294967295 "
                    + "pid=\(pid) comm=\"old\" exe=\"/old\" sig=0 arch=c000003e syscall=63 compat=0 ip=0x0 code=0x7ffc0000"
                try logToKernel("audit: " + old, stored: old)
                for _ in 0..<50 {
                    let r = try Support.run(try Support.seccompose(), ["learn", "--systemd", "252", "--journal", "probe.service",
                        "--journal-directory", journal.path, "--pid", String(pid), "--since", probeStart, "--format", "json"])
                    if let e = try? JSONDecoder().decode(LearnEvidence.self, from: r.stdoutData),
                        Set(e.syscalls.compactMap(\.name)).isSuperset(of: ["getpid", "getppid", "uname"]),
                        try Support.run(journalctl, ["-D", journal.path, "-o", "cat", "_PID=\(pid)", "_TRANSPORT=audit"])
                            .stdout.contains("syscall=63")
                    {
                        #expect(r.status == 1 && r.stderr.contains("cannot be proven complete"), "\(r)")
                        evidence = e
                        break
                    }
                    usleep(100_000)
                }
            }
            let e = try #require(evidence, "the records of four probes in a row did not reach the journal")
            #expect(!e.complete && !e.argumentsRecorded)
            // Exactly the probe's logged calls, once each although journald stored them twice.
            #expect(e.syscalls.map { "\($0.abi)/\($0.name ?? "?")/\($0.count)/\($0.firstPid)" }.sorted()
                == ["x86_64/getpid/1/\(pid)", "x86_64/getppid/1/\(pid)", "x86_64/uname/1/\(pid)"])
            let verbose = try Support.run(journalctl,
                ["-D", journal.path, "-o", "verbose", "_PID=\(pid)"])
            #expect(verbose.stdout.contains("_TRANSPORT=audit"), "\(verbose)")

            // The drop-in sets no argument-backed directive: nothing proves them.
            let dropIn = try Support.run(try Support.seccompose(), ["learn", "--systemd", "252", "--journal", "probe.service",
                "--journal-directory", journal.path, "--pid", String(pid)])
            #expect(dropIn.stdout.contains("# RestrictNamespaces= not set: the arguments were not recorded"), "\(dropIn)")
            #expect(!dropIn.stdout.contains("\nRestrictNamespaces="), "\(dropIn)")
            // Records before --since are left out; a unit nobody names is an error.
            let later = try Support.run(try Support.seccompose(), ["learn", "--journal", "probe.service", "--journal-directory",
                journal.path, "--pid", String(pid), "--since=-0s", "--format", "json"])
            let none = try JSONDecoder().decode(LearnEvidence.self, from: later.stdoutData)
            #expect(none.syscalls.isEmpty, "\(later)")
            let unknown = try Support.run(try Support.seccompose(), ["learn", "--journal", "nobody.service",
                "--journal-directory", journal.path])
            #expect(unknown.status == 2 && unknown.stderr.contains("no process of nobody.service"), "\(unknown)")
        }
    }

    /// Examples/learn-example: the library API without the command-line front end.
    @Test func learnExample() throws {
        let example = try Support.requireBuilt("learn-example")
        let r = try Support.run(example, ["sh", "-c", "echo hi; ls / > /dev/null"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("hi\n# Learned by seccompose"), "\(r)")
        #expect(r.stdout.contains("\n[Service]\nSystemCallFilter=\n") && r.stdout.contains("\nSystemCallArchitectures=native\n"), "\(r)")
    }
}
