// The policy builder's memo tables are used only from a process's second build on
// (`ReuseGate`): the CLI's first build in a fresh process makes everything afresh. Both ways must
// give the same program: each case is compiled by a fresh `seccompose compile` (memo tables
// closed) and in this test process (open, after many builds), and the raw bytes compared.

import Foundation
import SeccomposeCompiler
import SeccomposeInput
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("memo tables: the first build and later ones agree")
struct ReuseGateTests {
    struct Case: Sendable, CustomStringConvertible {
        var systemd: SystemdVersion
        var filters: [String]
        var settings: [String] = []
        var description: String { "\(systemd) \(filters) \(settings)" }
    }

    static let cases: [Case] = [
        Case(systemd: .v252, filters: ["@system-service"]),
        Case(systemd: .v262, filters: ["@system-service"]),
        Case(systemd: .v262, filters: ["@system-service", "~@privileged:EPERM @reboot"]),
        Case(systemd: .v252, filters: ["~@mount @swap:ENOSYS"]),
        Case(systemd: .v262, filters: ["@basic-io @file-system @network-io"],
            settings: ["RestrictNamespaces=yes", "MemoryDenyWriteExecute=yes", "LockPersonality=yes",
                "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "ProtectKernelModules=yes", "ProtectClock=yes",
                "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallArchitectures=native"]),
        Case(systemd: .v252, filters: ["@system-service"], settings: ["PrivateDevices=yes", "ProtectKernelTunables=yes"]),
    ]

    @Test("a fresh process's compile equals this process's", arguments: cases)
    func sameProgram(_ c: Case) throws {
        var request = FilterRequest(context: try SystemdContext(version: c.systemd, native: .x86_64))
        request.filters = c.filters
        request.unitSettings = c.settings
        _ = try request.compile()
        #expect(ReuseGate.isOpen, "this process has built a policy")
        let inProcess = Export.raw(try request.compile().program)
        var arguments = ["compile", "--systemd", c.systemd.rawValue.description, "--native", "x86_64", "--format", "raw"]
        for f in c.filters { arguments += ["--filter", f] }
        for s in c.settings { arguments += ["--unit-setting", s] }
        let fresh = try Support.seccompose(arguments)
        try #require(fresh.status == 0, "\(fresh)")
        #expect(Array(fresh.stdoutData) == inProcess, "\(c)")
    }

    @Test("the known-calls tables kept are bounded; a table made past the bound is still right")
    func knownCacheBounded() throws {
        let ctx = try SystemdContext(version: .v262, native: .x86_64)
        for n in 1...(SystemdPolicyBuilder.knownCacheLimit + 24) {
            var request = FilterRequest(context: ctx)
            request.filters = ["@system-service"]
            request.errorNumber = String(n)
            let built = try request.policy()
            // reboot is in @known and not in @system-service: it gets the negative action (from
            // the table, or as the default where the table leaves it out: ENOSYS).
            #expect((built.policy.syscalls["reboot"]?.action ?? built.policy.defaultAction) == .errno(UInt16(n)), "errno \(n)")
        }
        #expect(ReuseGate.isOpen)
        #expect(SystemdPolicyBuilder.knownCacheCount <= SystemdPolicyBuilder.knownCacheLimit)
    }
}
