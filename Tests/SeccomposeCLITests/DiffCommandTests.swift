// `seccompose diff`: operands of every kind, exit statuses, JSON, and options an operand does
// not use refused.

import Foundation
import Testing

@Suite("diff command")
struct DiffCommandTests {
    /// A temporary directory for the test's files.
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seccompose-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("unit file with a drop-in against expr: and a raw program: identical (0); different (1) with exact lines")
    func operands() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = dir.appendingPathComponent("d.service")
        try "[Service]\nExecStart=/bin/true\nSystemCallFilter=~mount\n".write(to: unit, atomically: true, encoding: .utf8)
        let dropins = dir.appendingPathComponent("d.service.d")
        try FileManager.default.createDirectory(at: dropins, withIntermediateDirectories: true)
        try "[Service]\nSystemCallFilter=~umount2\n".write(to: dropins.appendingPathComponent("x.conf"), atomically: true, encoding: .utf8)
        let same = try Support.seccompose(["diff", unit.path, "expr:~mount umount2"])
        #expect(same.status == 0, "\(same)")
        #expect(same.stdoutLines.first?.hasPrefix("identical:") == true, "\(same)")
        let raw = dir.appendingPathComponent("p.bpf")
        let compiled = try Support.seccompose(["compile", "--filter", "~mount", "--format", "raw", "-o", raw.path])
        #expect(compiled.status == 0, "\(compiled)")
        let differ = try Support.seccompose(["diff", raw.path, unit.path])
        #expect(differ.status == 1, "\(differ)")
        #expect(differ.stdout == """
            tightened (3):
              x86_64 umount2: allow -> kill-process
              x32 umount2: allow -> kill-process
              x86 umount2: allow -> kill-process
            3 changes: 0 loosened, 3 tightened, 0 changed; on x86_64, x32, x86

            """)
    }

    @Test("--format json: schema seccompose.diff/1 with the version, counts and changes")
    func json() throws {
        let r = try Support.seccompose(["diff", "--format", "json", "expr:~mount:EPERM", "expr:~mount:EACCES"])
        #expect(r.status == 1, "\(r)")
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        #expect(doc["schema"] as? String == "seccompose.diff/1")
        #expect((doc["seccomposeVersion"] as? String)?.isEmpty == false)
        #expect(doc["identical"] as? Bool == false)
        #expect(doc["counts"] as? [String: Int] == ["loosened": 0, "tightened": 0, "changed": 3])
        let changes = try #require(doc["changes"] as? [[String: Any]])
        #expect(changes.count == 3)
        #expect(changes.first?["syscall"] as? String == "mount")
        #expect(changes.first?["old"] as? String == "errno(EPERM)")
        #expect(changes.first?["new"] as? String == "errno(EACCES)")
        #expect(changes.first?["direction"] as? String == "changed")
    }

    @Test("--old-systemd/--new-systemd: the upgrade question on one input")
    func versions() throws {
        let r = try Support.seccompose(["diff", "--old-systemd", "252", "--new-systemd", "262", "expr:@system-service",
            "expr:@system-service"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("  x86_64 landlock_create_ruleset: kill-process -> allow\n"), "\(r.stdout.prefix(2000))")
        #expect(r.stdoutLines.contains { $0.hasPrefix("tightened") } == false)
    }

    @Test("options an operand does not use are errors (64); unreadable operands are errors (2)",
        arguments: [
            (["--caps", "CAP_SYS_ADMIN", "expr:~mount", "expr:~umount2"], 64, "--caps is not used"),
            (["--kernel", "5.10", "expr:~mount", "expr:~umount2"], 64, "--kernel is not used"),
            (["--old-systemd", "252", "pid:1", "expr:~mount"], 64, "--old-systemd is not used"),
            (["--systemd", "252", "--old-systemd", "252", "--new-systemd", "262", "expr:x", "expr:y"], 64, "--systemd is not used"),
            (["--systemd", "999", "expr:~mount", "expr:~mount"], 64, "unknown systemd version"),
            (["/nonexistent/unit.service", "expr:~mount"], 2, "cannot open the file"),
            (["pid:x", "expr:~mount"], 2, "needs a process id"),
        ])
    func refusals(arguments: [String], status: Int32, message: String) throws {
        let r = try Support.seccompose(["diff"] + arguments)
        #expect(r.status == status, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    @Test("an LXC policy operand is read as LXC applies it, not as a unit; --caps does not apply to it")
    func lxc() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = dir.appendingPathComponent("lxc.seccomp")
        try "2\ndenylist\n[all]\nmount\n".write(to: policy, atomically: true, encoding: .utf8)
        let r = try Support.seccompose(["diff", "--native", "x86_64", policy.path, "expr:~mount"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("x86_64 mount: kill-thread -> kill-process"), "\(r)")
        let caps = try Support.seccompose(["diff", "--caps", "CAP_SYS_ADMIN", policy.path, "expr:~mount"])
        #expect(caps.status == 64, "\(caps)")
    }

    @Test("a raw program that is not whole instructions is an error (2) with a fix")
    func badRaw() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("bad.bpf")
        try Data([1, 2, 3]).write(to: raw)
        let r = try Support.seccompose(["diff", raw.path, "expr:~mount"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("not a whole number of 8-byte instructions") && r.stderr.contains("fix:"), "\(r)")
    }
}
