// ExpandTests.swift: `seccompose expand`: the decisions systemd would enforce, as text and JSON.

import Foundation
import Testing

@Suite("expand: per-syscall decisions, text and JSON")
struct ExpandTests {
    static func expandJSON(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> (ExpandJSON, RunResult) {
        let r = try Support.seccompose(["expand"] + arguments + ["--format", "json"], sourceLocation: sourceLocation)
        return (try Support.decode(ExpandJSON.self, from: r, sourceLocation: sourceLocation), r)
    }

    @Test("252 allow-list @system-service plus ~uname:EBADF (JSON)")
    func allowList252JSON() throws {
        let (j, r) = try Self.expandJSON(["--systemd", "252", "@system-service", "~uname:EBADF"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty)
        #expect(j.schema == "seccompose.expand/1")
        #expect(j.systemd == 252)
        #expect(j.native == "x86_64")
        #expect(j.mode == "allow-list")
        #expect(j.errorNumber == "kill")
        #expect(j.log == nil)
        #expect(j.defaultAction == "kill-process")
        #expect(j.otherArchitectures == "allow")
        #expect(j.architectures == ["x86", "x32", "x86_64"])
        #expect(j.diagnostics.isEmpty)
        #expect(j.abis.isEmpty)

        let uname = try #require(j.syscall("uname"))
        #expect(uname.action == "errno(EBADF)")
        #expect(uname.origin == .init(file: nil, line: 2, column: 2, setting: "SystemCallFilter", text: "uname:EBADF"))
        let read = try #require(j.syscall("read"))
        #expect(read.action == "allow")
        #expect(read.origin?.text == "@system-service")
        #expect(read.origin?.line == 1)
        // Not in @system-service: not listed, so it gets the default (kill-process).
        #expect(j.syscall("reboot") == nil)
        #expect(j.syscall("kexec_load") == nil)
        // @default members are seeded implicitly.
        #expect(j.syscall("execve")?.action == "allow")
        // Names are sorted by bytes and unique.
        let names = j.syscalls.map(\.name)
        #expect(names == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(Set(names).count == names.count)
        #expect(names.count > 300)
    }

    @Test("252 allow-list @system-service plus ~uname:EBADF (text)")
    func allowList252Text() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "@system-service", "~uname:EBADF"])
        #expect(r.status == 0, "\(r)")
        let lines = r.stdoutLines
        #expect(Array(lines.prefix(8)) == [
            "# systemd 252 on x86_64",
            "mode: allow-list",
            "error-number: kill",
            "log: none",
            "architectures: x86 x32 x86_64",
            "other-architectures: allow",
            "default: kill-process",
            "syscalls:",
        ])
        #expect(lines.contains("    uname errno(EBADF)  # uname:EBADF"))
        #expect(lines.contains("    read allow  # @system-service"))
        #expect(!lines.contains { $0.hasPrefix("    reboot ") })
    }

    @Test("262 allow-list: default errno(ENOSYS); known but unlisted calls get the negative action")
    func allowList262() throws {
        let (j, r) = try Self.expandJSON(["--systemd", "262", "@system-service"])
        #expect(r.status == 0, "\(r)")
        #expect(j.systemd == 262)
        #expect(j.mode == "allow-list")
        #expect(j.defaultAction == "errno(ENOSYS)")
        let reboot = try #require(j.syscall("reboot"))
        #expect(reboot.action == "kill-process")
        #expect(reboot.origin == nil)
        #expect(j.syscall("read")?.action == "allow")
        #expect(j.syscall("write")?.action == "allow")

        // With SystemCallErrorNumber=EPERM the known-but-unlisted calls get EPERM instead.
        let (e, re) = try Self.expandJSON(["--systemd", "262", "--error-number", "EPERM", "@system-service"])
        #expect(re.status == 0, "\(re)")
        #expect(e.errorNumber == "EPERM")
        #expect(e.defaultAction == "errno(ENOSYS)")
        #expect(e.syscall("reboot")?.action == "errno(EPERM)")

        // The same allow-list under 252: kill-process by default, reboot unlisted.
        let (old, _) = try Self.expandJSON(["--systemd", "252", "@system-service"])
        #expect(old.defaultAction == "kill-process")
        #expect(old.syscall("reboot") == nil)
    }

    @Test("deny-list ~@mount:EPERM socketcall")
    func denyList() throws {
        let (j, r) = try Self.expandJSON(["--systemd", "252", "~@mount:EPERM socketcall"])
        #expect(r.status == 0, "\(r)")
        #expect(j.mode == "deny-list")
        #expect(j.defaultAction == "allow")
        #expect(j.syscall("mount")?.action == "errno(EPERM)")
        #expect(j.syscall("umount2")?.action == "errno(EPERM)")
        #expect(j.syscall("mount")?.origin?.text == "@mount:EPERM")
        #expect(j.syscall("mount")?.origin?.column == 2)
        let socketcall = try #require(j.syscall("socketcall"))
        #expect(socketcall.action == "kill-process")
        #expect(socketcall.origin?.column == 15)
        #expect(j.syscall("read") == nil)

        let t = try Support.seccompose(["expand", "--systemd", "252", "~@mount:EPERM socketcall"])
        #expect(t.stdoutLines.contains("mode: deny-list"))
        #expect(t.stdoutLines.contains("default: allow"))
        #expect(t.stdoutLines.contains("    mount errno(EPERM)  # @mount:EPERM"))
        #expect(t.stdoutLines.contains("    socketcall kill-process  # socketcall"))
    }

    @Test("later lines edit the map: a plain line re-allows on a deny-list; an empty value resets")
    func lineMerging() throws {
        let (j, _) = try Self.expandJSON(["--systemd", "252", "~@mount:EPERM", "mount"])
        #expect(j.syscall("mount") == nil)
        #expect(j.syscall("umount2")?.action == "errno(EPERM)")

        let (reset, _) = try Self.expandJSON(["--systemd", "252", "~@mount", "", "read"])
        #expect(reset.mode == "allow-list")
        #expect(reset.syscall("mount") == nil)
        #expect(reset.defaultAction == "kill-process")

        let (last, _) = try Self.expandJSON(["--systemd", "252", "~@privileged:EPERM @reboot"])
        #expect(last.syscall("chown")?.action == "errno(EPERM)")
        #expect(last.syscall("reboot")?.action == "kill-process")
    }

    @Test("--architectures native: only x86_64 is judged; other ABIs kill the thread")
    func architecturesNative() throws {
        let (j, r) = try Self.expandJSON(["--systemd", "252", "--architectures", "native", "@basic-io"])
        #expect(r.status == 0, "\(r)")
        #expect(j.architectures == ["x86_64"])
        #expect(j.otherArchitectures == "kill-thread")

        let t = try Support.seccompose(["expand", "--systemd", "252", "--architectures", "native", "@basic-io"])
        #expect(t.stdoutLines.contains("architectures: x86_64"))
        #expect(t.stdoutLines.contains("other-architectures: kill-thread"))
    }

    @Test("--arch x86_64 lists every syscall number with its action")
    func perABIListing() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "--arch", "x86_64", "@basic-io"])
        #expect(r.status == 0, "\(r)")
        let lines = r.stdoutLines
        #expect(lines.contains("abi x86_64 (audit 0xc000003e):"))
        #expect(lines.contains("    0 read allow"))
        #expect(lines.contains("    1 write allow"))
        #expect(lines.contains("    169 reboot kill-process"))
        #expect(lines.contains("    * kill-process"))

        let (j, _) = try Self.expandJSON(["--systemd", "252", "--arch", "x86_64", "--arch", "aarch64", "@basic-io"])
        let x = try #require(j.abis.first)
        #expect(x.abi == "x86_64")
        #expect(x.auditArch == 0xC000_003E)
        #expect(x.judged)
        #expect(x.syscalls.first == .init(number: 0, name: "read", action: "allow"))
        #expect(x.syscalls.contains(.init(number: 169, name: "reboot", action: "kill-process")))
        #expect(x.otherNumbers == "kill-process")
        // aarch64 is not an x86_64 host's ABI: not judged, its calls get the other-ABI action.
        let arm = try #require(j.abis.last)
        #expect(arm.abi == "aarch64")
        #expect(!arm.judged)
        #expect(arm.syscalls.isEmpty)
        #expect(arm.otherNumbers == "allow")

        let all = try Support.seccompose(["expand", "--systemd", "252", "--arch", "all", "--architectures", "native", "read"])
        #expect(all.stdoutLines.filter { $0.hasPrefix("abi ") } == ["abi x86_64 (audit 0xc000003e):"])
    }

    @Test("SystemCallLog=: listed calls are logged where the filter allows them")
    func logSetting() throws {
        let (j, r) = try Self.expandJSON(["--systemd", "252", "--log", "read", "~@reboot"])
        #expect(r.status == 0, "\(r)")
        #expect(j.log == "allow-list")
        #expect(j.syscall("read")?.action == "log")
        #expect(j.syscall("reboot")?.action == "kill-process")
        #expect(j.defaultAction == "allow")
    }

    @Test("no values: no filter at all")
    func noFilter() throws {
        let (j, r) = try Self.expandJSON(["--systemd", "252"])
        #expect(r.status == 0)
        #expect(j.mode == nil)
        #expect(j.defaultAction == "allow")
        #expect(j.syscalls.isEmpty)
    }
}
