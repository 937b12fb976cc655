// LXC policies through the CLI: `--profile` and `diff` read them, `compile --format lxc` writes
// them only when LXC's reading decides exactly as the policy (or with --lossy). The LXC
// semantics are modelled from LXC's documentation and parser;
// LXCEnforcedTests checks one policy against real liblxc.

import Foundation
import Testing

@Suite("LXC policies (CLI)")
struct LXCTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seccompose-lxc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let unit = """
        [Service]
        ExecStart=/bin/true
        SystemCallFilter=~mount umount2 kexec_load
        SystemCallErrorNumber=EPERM
        SystemCallArchitectures=native x86 x32

        """

    @Test("an LXC policy and the equivalent unit: identical (0); a known difference: exactly that change (1)")
    func equivalentUnit() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try write(Self.unit, "u.service", in: dir)
        let same = try write("2\ndenylist\n[all]\nmount errno 1\numount2 errno 1\nkexec_load errno 1\n", "same.seccomp", in: dir)
        let r = try Support.seccompose(["diff", "--native", "x86_64", same, unit])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("identical:"), "\(r)")
        let other = try write("2\ndenylist\n[all]\nmount errno 1\numount2 errno 1\nkexec_load errno 38\n", "other.seccomp", in: dir)
        let d = try Support.seccompose(["diff", "--native", "x86_64", unit, other])
        #expect(d.status == 1, "\(d)")
        #expect(d.stdout.contains("x86_64 kexec_load: errno(EPERM) -> errno(ENOSYS)"), "\(d)")
        #expect(d.stdout.contains("x86 kexec_load: errno(EPERM) -> errno(ENOSYS)"), "\(d)")
        #expect(!d.stdout.contains("mount:"), "\(d)")
    }

    @Test("--caps and --kernel with an LXC policy, or without any profile, are usage errors (64), never ignored")
    func unusedProfileOptions() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lxc = try write("2\ndenylist\n[all]\nmount errno 1\n", "p.seccomp", in: dir)
        for (arguments, message) in [
            (["--profile", lxc, "--kernel", "5.10"], "--kernel applies to OCI profiles only"),
            (["--profile", lxc, "--caps", "CAP_SYS_ADMIN"], "--caps applies to OCI profiles only"),
            (["--filter", "@basic-io", "--kernel", "5.10"], "--kernel applies to --profile only"),
        ] {
            let r = try Support.seccompose(["compile"] + arguments)
            #expect(r.status == 64, "\(arguments): \(r)")
            #expect(r.stderr.contains(message), "\(arguments): \(r)")
        }
    }

    @Test("--profile reads LXC v1 and v2 wherever a profile is read; an error names file:line:col and a fix (1, as for OCI profiles)")
    func profileInput() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let v1 = try write("1\nallowlist\n0\n1\n231\n", "v1.seccomp", in: dir)
        let allowed = try Support.seccompose(["simulate", "--profile", v1, "--native", "x86_64", "--arch", "x86_64", "write"])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stdout.contains("allow"), "\(allowed)")
        let killed = try Support.seccompose(["simulate", "--profile", v1, "--native", "x86_64", "--arch", "x86_64", "mount"])
        #expect(killed.stdout.contains("kill-thread"), "\(killed)")
        let bad = try write("2\ndenylist\nmount errno 1 [9,1,==]\n", "bad.seccomp", in: dir)
        let r = try Support.seccompose(["compile", "--profile", bad])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("\(bad):3:16"), "\(r)")
        #expect(r.stderr.contains("fix:"), "\(r)")
        let caps = try Support.seccompose(["compile", "--profile", v1, "--caps", "CAP_SYS_ADMIN"])
        #expect(caps.status == 64, "\(caps)")
    }

    @Test("check --profile reports an LXC policy's warnings (1) and errors (1) at file:line:col")
    func check() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warned = try write("2\ndenylist\nnosuchcall errno 1\nmount errno 1\n", "w.seccomp", in: dir)
        let w = try Support.seccompose(["check", "--native", "x86_64", "--profile", warned])
        #expect(w.status == 1, "\(w)")
        #expect(w.stdout.contains("\(warned):3:1: warning: unknown syscall 'nosuchcall'"), "\(w)")
        let bad = try write("2\ndenylist\nmount log\n", "e.seccomp", in: dir)
        let e = try Support.seccompose(["check", "--native", "x86_64", "--profile", bad])
        #expect(e.status == 1, "\(e)")
        #expect(e.stdout.contains("\(bad):3:7: error:"), "\(e)")
        let clean = try write("2\ndenylist\nmount errno 1\n", "c.seccomp", in: dir)
        let c = try Support.seccompose(["check", "--native", "x86_64", "--profile", clean])
        #expect(c.status == 0, "\(c)")
    }

    @Test("OCI → compile --format lxc → diff against the OCI profile: no change")
    func ociRoundTrip() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = """
            {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
             "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
             "syscalls": [
               {"names": ["read", "write", "close", "exit_group", "brk", "mmap"], "action": "SCMP_ACT_ALLOW"},
               {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
               {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
               {"names": ["ptrace"], "action": "SCMP_ACT_KILL_THREAD"}
             ]}
            """
        let profile = try write(json, "p.json", in: dir)
        let exported = dir.appendingPathComponent("p.seccomp").path
        let r = try Support.seccompose(["compile", "--format", "lxc", "--profile", profile, "--native", "x86_64", "-o", exported])
        #expect(r.status == 0, "\(r)")
        let text = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(text.hasPrefix("2\nallowlist errno 1\n"), "\(text)")
        // personality(0) only: the one value is written as the interval a0 <= 0.
        #expect(text.contains("personality allow [0,0,SCMP_CMP_LE]"), "\(text)")
        let d = try Support.seccompose(["diff", "--native", "x86_64", profile, exported])
        #expect(d.status == 0, "\(d)")
        #expect(d.stdout.hasPrefix("identical:"), "\(d)")
    }

    @Test("unit → compile --format lxc → diff against the unit: no change")
    func unitRoundTrip() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try write(Self.unit, "u.service", in: dir)
        let exported = dir.appendingPathComponent("u.seccomp").path
        let r = try Support.seccompose(["compile", "--format", "lxc", "--native", "x86_64", unit, "-o", exported])
        #expect(r.status == 0, "\(r)")
        let d = try Support.seccompose(["diff", "--native", "x86_64", unit, exported])
        #expect(d.status == 0, "\(d)")
    }

    @Test("what LXC cannot express is listed and refused (1) unless --lossy")
    func lossy() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.seccomp").path
        let refused = try Support.seccompose(["compile", "--format", "lxc", "--filter", "~mount", "-o", out])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("the LXC policy does not decide as the policy"), "\(refused)")
        #expect(refused.stderr.contains("kill-process"), "\(refused)")
        #expect(refused.stderr.contains("--lossy"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let written = try Support.seccompose(["compile", "--format", "lxc", "--lossy", "--filter", "~mount", "-o", out])
        #expect(written.status == 0, "\(written)")
        #expect(written.stderr.contains("warning: the LXC policy does not decide as the policy"), "\(written)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("mount kill"))
        let misuse = try Support.seccompose(["compile", "--format", "asm", "--lossy", "--filter", "~mount"])
        #expect(misuse.status == 64, "\(misuse)")
    }
}
