// Round trips lose no decision: Docker's default profile and hardened units exported as OCI
// profiles and compared with the original by diff.

import Foundation
import Testing

@Suite("export round trips, judged by diff")
struct RoundTripTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seccompose-rt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("Docker's default profile → compile --format oci → diff against the original: no change")
    func dockerDefault() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        let exported = dir.appendingPathComponent("docker.json").path
        let r = try Support.seccompose(["compile", "--format", "oci", "--profile", original, "--native", "x86_64", "-o", exported])
        // Docker's profile gives warnings (socketcall() on x86), so the status is 1 by the
        // warnings-exit-1 rule; the profile is written all the same.
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("warning:") && !r.stderr.contains("error:"), "\(r)")
        #expect(!r.stderr.contains("does not decide as the policy"), "\(r)")
        let d = try Support.seccompose(["diff", "--native", "x86_64", original, exported])
        #expect(d.status == 0, "\(d)")
        #expect(d.stdout.hasPrefix("identical:"), "\(d)")
    }

    @Test("hardened units → compile --format oci → diff against the unit: no change",
        arguments: [
            ["SystemCallFilter=@system-service", "SystemCallArchitectures=native"],
            ["SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EPERM",
                "SystemCallArchitectures=native", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "LockPersonality=yes",
                "RestrictNamespaces=yes", "RestrictRealtime=yes", "MemoryDenyWriteExecute=yes"],
        ])
    func units(lines: [String]) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = dir.appendingPathComponent("h.service")
        try (["[Service]", "ExecStart=/bin/true"] + lines).joined(separator: "\n").appending("\n")
            .write(to: unit, atomically: true, encoding: .utf8)
        let exported = dir.appendingPathComponent("h.json").path
        let r = try Support.seccompose(["compile", "--format", "oci", "--unit", unit.path, "-o", exported])
        #expect(r.status == 0, "\(r.stderr.prefix(3000))")
        let d = try Support.seccompose(["diff", unit.path, exported])
        #expect(d.status == 0, "\(d.stdout.prefix(3000))")
    }
}
