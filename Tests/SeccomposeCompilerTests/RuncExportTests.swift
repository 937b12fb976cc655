// compile --format oci: real runc enforces the exported profile as the policy says, and the
// exporter refuses what the format cannot express.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("OCI export enforced by runc", .serialized)
struct RuncExportTests {
    /// A static program for the container: uname (denied with EXDEV by the policy), getpid
    /// (allowed), then swapoff (outside @system-service: the policy kills the process).
    static let probe = """
        #include <errno.h>
        #include <stdio.h>
        #include <sys/syscall.h>
        #include <sys/utsname.h>
        #include <unistd.h>
        int main(void) {
            struct utsname u;
            long r = syscall(SYS_uname, &u);
            printf("uname=%ld errno=%d\\n", r, r < 0 ? errno : 0);
            r = syscall(SYS_getpid);
            printf("getpid ok=%d\\n", r > 0);
            fflush(stdout);
            r = syscall(SYS_swapoff, "/nonexistent");
            printf("swapoff=%ld errno=%d\\n", r, r < 0 ? errno : 0);
            return 0;
        }
        """

    @Test("runc runs a container under compile --format oci's profile: EXDEV where the policy says, kill where it kills")
    func runcEnforces() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let runc = try Support.requireTool("runc", package: "runc")
        let gcc = try Support.requireTool("gcc", package: "gcc")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seccompose-runc-\(UUID().uuidString)")
        let rootfs = dir.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.probe.write(to: dir.appendingPathComponent("probe.c"), atomically: true, encoding: .utf8)
        let built = try Support.run(gcc, ["-static", "-O2", "-o", rootfs.appendingPathComponent("probe").path,
            dir.appendingPathComponent("probe.c").path])
        try #require(built.status == 0, "\(built)")
        // The profile, exported without loss (the exporter checks its round trip exactly).
        let profile = dir.appendingPathComponent("seccomp.json")
        let exported = try Support.run(seccompose, ["compile", "--format", "oci", "--filter", "@system-service",
            "--filter", "~uname:EXDEV", "--architectures", "native", "-o", profile.path])
        try #require(exported.status == 0, "\(exported)")
        #expect(exported.stderr.isEmpty, "\(exported)")
        // And diff agrees: the profile decides as a unit with the same settings.
        let unit = dir.appendingPathComponent("probe.service")
        try "[Service]\nExecStart=/probe\nSystemCallFilter=@system-service\nSystemCallFilter=~uname:EXDEV\nSystemCallArchitectures=native\n"
            .write(to: unit, atomically: true, encoding: .utf8)
        let same = try Support.run(seccompose, ["diff", unit.path, profile.path])
        #expect(same.status == 0, "\(same)")
        // A bundle from runc's own template, running the probe with the profile.
        let spec = try Support.run(runc, ["spec", "--bundle", dir.path])
        try #require(spec.status == 0, "\(spec)")
        let configURL = dir.appendingPathComponent("config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        var process = try #require(config["process"] as? [String: Any])
        process["args"] = ["/probe"]
        process["terminal"] = false
        config["process"] = process
        var linux = try #require(config["linux"] as? [String: Any])
        linux["seccomp"] = try JSONSerialization.jsonObject(with: Data(contentsOf: profile))
        config["linux"] = linux
        var root = try #require(config["root"] as? [String: Any])
        root["readonly"] = true
        config["root"] = root
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let id = "seccompose-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let run = try Support.run(runc, ["run", "--bundle", dir.path, id], timeout: 60)
        defer { _ = try? Support.run(runc, ["delete", "--force", id]) }
        #expect(run.stdoutLines.prefix(2) == ["uname=-1 errno=18", "getpid ok=1"], "\(run)")
        #expect(!run.stdout.contains("swapoff="), "swapoff ran: \(run)")
        #expect(run.status == 128 + 31, "the container's process is killed by SIGSYS: \(run)")
    }

    @Test("what the format cannot express is listed and refused (1) unless --lossy")
    func lossy() throws {
        // A deny list leaves other ABIs open; runc's filter kills them.
        let refused = try Support.run(try Support.requireBuilt("seccompose"), ["compile", "--format", "oci", "--filter", "~mount"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("other ABIs get allow in the policy") && refused.stderr.contains("fix:"), "\(refused)")
        let written = try Support.run(try Support.requireBuilt("seccompose"), ["compile", "--format", "oci", "--filter", "~mount", "--lossy"])
        #expect(written.status == 0, "\(written)")
        #expect(written.stderr.contains("warning: the OCI profile does not decide as the policy"))
        let doc = try #require(try JSONSerialization.jsonObject(with: written.stdoutData) as? [String: Any])
        #expect(doc["defaultAction"] as? String == "SCMP_ACT_ALLOW")
        let lossyElsewhere = try Support.run(try Support.requireBuilt("seccompose"), ["compile", "--format", "raw", "--filter", "~mount", "--lossy"])
        #expect(lossyElsewhere.status == 64 && lossyElsewhere.stderr.contains("--lossy is used with --format oci or lxc only"))
    }
}
