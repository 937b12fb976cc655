// LXC policies against liblxc: a real LXC container (lxc-execute) runs a static probe under a
// policy, and what the calls get is what Seccompose's reading of the policy decides.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("LXC policies enforced by liblxc", .serialized)
struct LXCEnforcedTests {
    /// uname (errno by name), getpriority by its argument 0 (an argument rule), umount2 with and
    /// without MNT_FORCE (reject_force_umount), getpid (the denylist's default), then swapoff (a
    /// rule without an action: a denylist's kill).
    static let probe = """
        #include <errno.h>
        #include <stdio.h>
        #include <sys/syscall.h>
        #include <sys/utsname.h>
        #include <unistd.h>
        static void show(const char *what, long r) { printf("%s=%ld errno=%d\\n", what, r, r < 0 ? errno : 0); fflush(stdout); }
        int main(void) {
            struct utsname u;
            show("uname", syscall(SYS_uname, &u));
            show("getpriority0", syscall(SYS_getpriority, 0, 0));
            show("getpriority1", syscall(SYS_getpriority, 1, 0));
            show("umount2force", syscall(SYS_umount2, "/nonexistent", 1));
            show("getpid", syscall(SYS_getpid) > 0 ? 0 : -1);
            show("swapoff", syscall(SYS_swapoff, "/nonexistent"));
            return 0;
        }
        """

    static let policy = """
        2
        denylist
        reject_force_umount
        [all]
        uname errno 18
        getpriority errno 33 [0,1,==]
        [arm64]
        getpid errno 1
        [x86_64]
        swapoff

        """

    @Test("lxc-execute runs a probe under a v2 policy: every call gets what Seccompose's reading decides")
    func lxcEnforces() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let lxc = try Support.requireTool("lxc-execute", package: "lxc")
        let gcc = try Support.requireTool("gcc", package: "gcc")
        #if !arch(x86_64)
        Issue.record("this test's policy is written for an x86-64 host")
        #endif
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seccompose-lxc-\(UUID().uuidString)")
        let rootfs = dir.appendingPathComponent("rootfs")
        for d in ["usr", "proc", "sys", "dev", "tmp", "etc"] {
            try FileManager.default.createDirectory(at: rootfs.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        for link in ["bin", "sbin", "lib", "lib64"] {
            try FileManager.default.createSymbolicLink(atPath: rootfs.appendingPathComponent(link).path, withDestinationPath: "usr/\(link)")
        }
        try Self.probe.write(to: dir.appendingPathComponent("probe.c"), atomically: true, encoding: .utf8)
        let built = try Support.run(gcc, ["-static", "-O2", "-o", rootfs.appendingPathComponent("probe").path,
            dir.appendingPathComponent("probe.c").path])
        try #require(built.status == 0, "\(built)")
        let policy = dir.appendingPathComponent("probe.seccomp")
        try Self.policy.write(to: policy, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("lxc.conf")
        try """
            lxc.uts.name = seccompose-probe
            lxc.rootfs.path = dir:\(rootfs.path)
            lxc.mount.entry = /usr usr none bind,ro 0 0
            lxc.mount.auto = proc:mixed sys:ro
            lxc.net.0.type = empty
            lxc.apparmor.profile = unconfined
            lxc.seccomp.profile = \(policy.path)

            """.write(to: config, atomically: true, encoding: .utf8)
        let name = "seccompose-\(getpid())-\(UUID().uuidString.prefix(8))"
        let run = try Support.run(lxc, ["-n", name, "-P", dir.path, "-f", config.path, "--", "/probe"], timeout: 60)
        // What liblxc's filter gave each call.
        #expect(run.stdoutLines.prefix(5) == [
            "uname=-1 errno=18", "getpriority0=20 errno=0", "getpriority1=-1 errno=33", "umount2force=-1 errno=13", "getpid=0 errno=0",
        ], "\(run)")
        #expect(!run.stdout.contains("swapoff="), "swapoff ran: \(run)")
        // What Seccompose reads the policy as, call by call.
        func decision(_ call: [String]) throws -> String {
            let r = try Support.run(seccompose, ["simulate", "--profile", policy.path, "--native", "x86_64", "--arch", "x86_64"] + call)
            return String(r.stdout.split(separator: "\t").first ?? "")
        }
        #expect(try decision(["uname"]) == "errno(EXDEV)")
        #expect(try decision(["getpriority", "0", "0"]) == "allow")
        #expect(try decision(["getpriority", "1", "0"]) == "errno(EDOM)")
        #expect(try decision(["umount2", "0", "1"]) == "errno(EACCES)")
        #expect(try decision(["umount2", "0", "0"]) == "allow")
        #expect(try decision(["getpid"]) == "allow")  // the [arm64] section does not apply on x86-64
        #expect(try decision(["swapoff"]) == "kill-thread")
    }
}
