// The program `seccompose run` installs is exactly what `seccompose compile` prints: read back
// from the running command with ptrace(PTRACE_SECCOMP_GET_FILTER).

import CSeccomp
import Foundation
import SeccomposeCompiler
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("installed program read back with PTRACE_SECCOMP_GET_FILTER", .serialized)
struct ReadBackTests {
    /// Starts a process without waiting for it (stdout and stderr to /dev/null).
    static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
        try #require(rc == 0, "cannot start \(path): \(String(cString: strerror(rc)))")
        return pid
    }

    /// The child processes of `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0) }
    }

    /// The first descendant of `pid` whose executable's path ends in `named`.
    static func descendant(of pid: pid_t, named: String) -> pid_t? {
        for c in children(of: pid) {
            if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(c)/exe"), exe.hasSuffix(named) { return c }
            if let d = descendant(of: c, named: named) { return d }
        }
        return nil
    }

    /// Starts `seccompose` with `arguments` (a `run … -- /bin/sleep 20`) and returns the supervisor
    /// and the sleeping command once it has exec'ed; the caller ends the supervisor.
    static func startSleeping(_ seccompose: String, _ arguments: [String]) throws -> (supervisor: pid_t, target: pid_t) {
        let supervisor = try spawn(seccompose, arguments)
        for _ in 0..<300 {
            if let target = descendant(of: supervisor, named: "sleep") { return (supervisor, target) }
            usleep(20_000)
        }
        kill(supervisor, SIGTERM)
        var status: Int32 = 0
        waitpid(supervisor, &status, 0)
        throw SupportError(description: "the command did not start")
    }

    @Test("run --filter @system-service installs one filter, equal to compile --format raw", arguments: ["252", "262"])
    func readBack(version: String) throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let compiled = try Support.run(seccompose, ["compile", "--systemd", version, "--filter", "@system-service",
            "--architectures", "native", "--format", "raw"])
        try #require(compiled.status == 0, "\(compiled)")
        let expected = try #require(Program(rawBytes: Array(compiled.stdoutData)))
        // The command runs as the supervisor's child once the trampoline has exec'ed sleep.
        let installed = try Self.installedProgram(seccompose, ["run", "--systemd", version, "--filter", "@system-service",
            "--architectures", "native", "--", "/bin/sleep", "20"])
        #expect(installed == expected.instructions, "installed \(installed.count) instructions, compiled \(expected.instructions.count)")
    }

    /// The one program installed in the command `executable arguments` starts (a `sleep` under
    /// the supervisor), read back with PTRACE_SECCOMP_GET_FILTER; the supervisor is stopped after.
    static func installedProgram(_ executable: String, _ arguments: [String]) throws -> [BPFInstruction] {
        let (supervisor, target) = try startSleeping(executable, arguments)
        defer {
            kill(supervisor, SIGTERM)
            var status: Int32 = 0
            waitpid(supervisor, &status, 0)
        }
        let seized = cseccomp_ptrace_seize_and_stop(target)
        try #require(seized == 0, "ptrace seize failed: \(seized)")
        defer { _ = cseccomp_ptrace_detach(target) }
        let count = cseccomp_get_filter(target, 0, nil, 0)
        try #require(count > 0, "PTRACE_SECCOMP_GET_FILTER: \(count)")
        var buffer = [sock_filter](repeating: sock_filter(), count: Int(count))
        #expect(cseccomp_get_filter(target, 0, &buffer, count) == count)
        #expect(cseccomp_get_filter(target, 1, nil, 0) == -ENOENT, "exactly one filter is installed")
        return buffer.map { BPFInstruction(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
    }

    @Test("SIGTERM to seccompose run reaches the command; its status comes back as 128+15")
    func signalForwarding() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let supervisor = try Self.spawn(seccompose, ["run", "--filter", "~mount", "--", "/bin/sleep", "30"])
        for _ in 0..<200 where Self.children(of: supervisor).isEmpty { usleep(20_000) }
        usleep(100_000)
        let start = Date()
        kill(supervisor, SIGTERM)
        var status: Int32 = 0
        waitpid(supervisor, &status, 0)
        #expect(status & 0x7F == 0 && (status >> 8) & 0xFF == 128 + 15, "status \(status)")
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
