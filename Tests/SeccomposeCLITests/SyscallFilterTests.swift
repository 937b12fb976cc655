// SyscallFilterTests.swift: `seccompose syscall-filter --systemd 252` against the real
// `systemd-analyze syscall-filter` of Debian 12 (systemd 252), byte for byte.

import Foundation
import Testing

@Suite("syscall-filter: byte-identical to systemd-analyze syscall-filter (systemd 252)")
struct SyscallFilterTests {
    /// How the kernel's syscall list (tracefs) is made (un)available inside the private mount
    /// namespace, so that both the "Unlisted" section and the notice replacing it are compared.
    enum TraceFS: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case unmounted
        case mounted

        /// The shell prefix that prepares the namespace; the command is then `exec`ed.
        var setup: String {
            switch self {
            case .unmounted:
                // Also the debugfs location, which both programs fall back to.
                return "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; "
            case .mounted:
                // Already mounted on the host (a profiler's probes mount it) is as good.
                return "{ mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; } && "
            }
        }

        var testDescription: String { "tracefs \(rawValue)" }
    }

    static func both(_ traceFS: TraceFS, _ arguments: [String]) throws -> (systemd: RunResult, ours: RunResult) {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        let ours = try Support.seccompose()
        func command(_ argv: [String]) -> String {
            traceFS.setup + "exec " + argv.map(Support.shellQuote).joined(separator: " ")
        }
        let a = try Support.inPrivateMountNamespace(command([analyze, "syscall-filter"] + arguments))
        let b = try Support.inPrivateMountNamespace(command([ours, "syscall-filter", "--systemd", "252"] + arguments))
        #expect(!a.timedOut && !b.timedOut)
        return (a, b)
    }

    static func expectIdentical(_ a: RunResult, _ b: RunResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(b.stdout == a.stdout, "stdout differs:\n\(firstDifference(a.stdout, b.stdout))", sourceLocation: sourceLocation)
        #expect(b.stderr == a.stderr, "stderr differs:\nsystemd: \(a.stderr)\nours:    \(b.stderr)", sourceLocation: sourceLocation)
        #expect(b.status == a.status, "exit status: systemd \(a.status), ours \(b.status)", sourceLocation: sourceLocation)
    }

    /// The first differing line, for a readable failure.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let la = a.split(separator: "\n", omittingEmptySubsequences: false)
        let lb = b.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(la.count, lb.count) {
            let x = i < la.count ? String(la[i]) : "<end>"
            let y = i < lb.count ? String(lb[i]) : "<end>"
            if x != y { return "line \(i + 1):\n  systemd: \(x)\n  ours:    \(y)" }
        }
        return "(no line differs)"
    }

    @Test("the whole listing, stdout and stderr", arguments: TraceFS.allCases)
    func wholeListing(traceFS: TraceFS) throws {
        let (a, b) = try Self.both(traceFS, [])
        try #require(a.status == 0, "systemd-analyze syscall-filter failed (mount namespace/tracefs unusable?):\n\(a)")
        Self.expectIdentical(a, b)
        // Make sure each variant exercises the path it is meant to.
        switch traceFS {
        case .unmounted:
            #expect(a.stderr.hasPrefix("# Not showing unlisted system calls, couldn't retrieve kernel system call list:"), "\(a)")
            #expect(!a.stdout.contains("# Unlisted System Calls"))
        case .mounted:
            #expect(a.stdout.contains("\n# Unlisted System Calls (supported by the local kernel, but not included in any of the groups listed above):\n"), "\(a)")
            #expect(a.stderr.isEmpty, "\(a)")
        }
        #expect(a.stdout.contains("# Ungrouped System Calls (known but not included in any of the groups except @known):"))
    }

    @Test("-q leaves out the ungrouped and unlisted sections, as systemd does", arguments: TraceFS.allCases)
    func quiet(traceFS: TraceFS) throws {
        let (a, b) = try Self.both(traceFS, ["-q"])
        Self.expectIdentical(a, b)
        #expect(!b.stdout.contains("# Ungrouped"))
    }

    /// The group names systemd-analyze lists (an empty list only if it is missing, which
    /// `realGroupNamesMatch` then reports as a failure).
    static let realGroupNames: [String] = {
        guard let analyze = Support.which("systemd-analyze"),
            let r = try? Support.run(analyze, ["syscall-filter", "-q"])
        else { return [] }
        return r.stdoutLines.filter { $0.hasPrefix("@") }
    }()

    @Test("both list the same 29 group names, in the same order")
    func realGroupNamesMatch() throws {
        _ = try Support.requireTool("systemd-analyze", package: "systemd")
        let ours = try Support.seccompose(["syscall-filter", "--systemd", "252", "-q"])
        #expect(ours.status == 0)
        #expect(Self.realGroupNames.count == 29, "systemd 252 has 29 groups: \(Self.realGroupNames)")
        #expect(ours.stdoutLines.filter { $0.hasPrefix("@") } == Self.realGroupNames)
        #expect(Self.realGroupNames.first == "@default" && Self.realGroupNames.last == "@known")
    }

    @Test("one group at a time", arguments: realGroupNames)
    func singleGroup(group: String) throws {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        let a = try Support.run(analyze, ["syscall-filter", group])
        let b = try Support.seccompose(["syscall-filter", "--systemd", "252", group])
        #expect(a.status == 0, "\(a)")
        #expect(b.stdout.hasPrefix(group + "\n    # "))
        Self.expectIdentical(a, b)
    }

    @Test("several groups, unknown groups and non-groups", arguments: [
        ["@swap", "@sync"],
        ["@default", "@known"],
        ["@swap", "@foo", "@sync"],
        ["@foo"],
        ["read"],
        ["@"],
        [""],
        ["@sandbox"],  // only from systemd 254 on
        ["@swap", "@swap"],
        ["-q", "@reboot", "@clock"],
    ])
    func groupArguments(arguments: [String]) throws {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        let a = try Support.run(analyze, ["syscall-filter"] + arguments)
        let b = try Support.seccompose(["syscall-filter", "--systemd", "252"] + arguments)
        Self.expectIdentical(a, b)
    }

    @Test("an unknown group: same stdout, same stderr text, both fail")
    func unknownGroup() throws {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        let args = ["@swap", "@foo", "@sync"]
        let a = try Support.run(analyze, ["syscall-filter"] + args)
        let b = try Support.seccompose(["syscall-filter", "--systemd", "252"] + args)
        #expect(a.status != 0 && b.status != 0, "both must fail:\n\(a)\n\(b)")
        #expect(b.stdout == a.stdout)
        #expect(b.stdout == "@swap\n    # Enable/disable swap devices\n    swapoff\n    swapon\n\n")
        #expect(b.stderr == a.stderr)
        #expect(b.stderr == "Filter set \"@foo\" not found.\n")
    }
}
