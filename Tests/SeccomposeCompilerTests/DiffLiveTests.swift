// `seccompose diff pid:N`: the filters a live process has, compared with the policy it was
// started under (equal) and with another (different).

import Foundation
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("diff of a live process", .serialized)
struct DiffLiveTests {
    @Test("diff pid:N against its own policy is identical (0), against another differs (1) with the exact lines")
    func liveChild() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let (supervisor, target) = try ReadBackTests.startSleeping(seccompose, ["run", "--filter", "~mount umount2", "--", "/bin/sleep", "20"])
        defer {
            kill(supervisor, SIGTERM)
            var status: Int32 = 0
            waitpid(supervisor, &status, 0)
        }
        let same = try Support.run(seccompose, ["diff", "pid:\(target)", "expr:~mount umount2"])
        #expect(same.status == 0, "\(same)")
        #expect(same.stdout.hasPrefix("identical:"), "\(same)")
        let other = try Support.run(seccompose, ["diff", "pid:\(target)", "expr:~mount"])
        #expect(other.status == 1, "\(other)")
        #expect(other.stdoutLines.filter { $0.hasPrefix("  ") }
            == ["  x86_64 umount2: kill-process -> allow", "  x32 umount2: kill-process -> allow", "  x86 umount2: kill-process -> allow"],
            "\(other)")
        // The process is still running after the read (detached, not killed).
        #expect(kill(target, 0) == 0)
    }

    @Test("diff pid:N of a process without access is a clear error (2)")
    func noSuchProcess() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let r = try Support.run(seccompose, ["diff", "pid:999999999", "expr:~mount"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("no process 999999999"), "\(r)")
    }
}

@Suite("dump of a live process", .serialized)
struct DumpLiveTests {
    /// Starts `seccompose run` with two nested filters and returns (supervisor, sleeping command).
    func startStacked(_ seccompose: String) throws -> (pid_t, pid_t) {
        try ReadBackTests.startSleeping(seccompose, ["run", "--filter", "~mount", "--", seccompose, "run",
            "--filter", "~umount2:EPERM", "--", "/bin/sleep", "20"])
    }

    @Test("dump: both stacked filters newest first, raw equal to compile --format raw, json, and the stack's summary")
    func stacked() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let (supervisor, target) = try startStacked(seccompose)
        defer {
            kill(supervisor, SIGTERM)
            var status: Int32 = 0
            waitpid(supervisor, &status, 0)
        }
        let asm = try Support.run(seccompose, ["dump", "\(target)"])
        #expect(asm.status == 0, "\(asm)")
        #expect(asm.stdoutLines.first == "pid \(target): 2 seccomp filters, newest first")
        #expect(asm.stdout.contains("# filter 0 (newest)") && asm.stdout.contains("# filter 1 (oldest)"))
        #expect(asm.stdout.contains("  x86_64: 383 allow, 1 errno(EPERM), 1 kill-process; unnamed numbers: allow\n"), "\(asm.stdout)")
        for (index, filter) in [(0, "~umount2:EPERM"), (1, "~mount")] {
            let dumped = try Support.run(seccompose, ["dump", "\(target)", "--format", "raw", "--index", "\(index)"])
            let compiled = try Support.run(seccompose, ["compile", "--filter", filter, "--format", "raw"])
            #expect(dumped.status == 0 && compiled.status == 0)
            #expect(dumped.stdoutData == compiled.stdoutData, "filter \(index) is not \(filter)")
        }
        let several = try Support.run(seccompose, ["dump", "\(target)", "--format", "raw"])
        #expect(several.status == 64 && several.stderr.contains("--index"), "\(several)")
        let json = try Support.run(seccompose, ["dump", "\(target)", "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        #expect(doc["schema"] as? String == "seccompose.dump/1")
        #expect((doc["filters"] as? [Any])?.count == 2)
        #expect(kill(target, 0) == 0, "the process keeps running")
    }

    @Test("dump without ptrace rights says so (2) and how to fix it")
    func denied() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let setpriv = try Support.requireTool("setpriv", package: "util-linux")
        let (supervisor, target) = try startStacked(seccompose)
        defer {
            kill(supervisor, SIGTERM)
            var status: Int32 = 0
            waitpid(supervisor, &status, 0)
        }
        let r = try Support.run(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", seccompose, "dump", "\(target)"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("cannot attach to pid \(target) with ptrace") && r.stderr.contains("fix: run as root"), "\(r)")
    }
}
