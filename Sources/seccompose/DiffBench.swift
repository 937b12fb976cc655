// DiffBench.swift: `seccompose bench --diff`: how long an exact diff of two hardened units takes.

import FoundationEssentials
import Glibc
import SeccomposeDiff
import SeccomposeInput
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

enum DiffBench {
    /// Two hardened services (systemd 262, x86-64 host: x86-64, x32 and i386 filtered, every
    /// other ABI judged too), the second a plausible revision of the first.
    static let old = [
        "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EPERM",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "RestrictNamespaces=yes", "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    ]
    static let new = [
        "SystemCallFilter=@system-service @mount", "SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EACCES",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK", "RestrictNamespaces=net", "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    ]

    static func stack(_ lines: [String], label: String, mode: ArgumentWidthMode) throws -> FilterStack {
        var r = FilterRequest(context: try SystemdContext(version: .v262, native: .x86_64, argumentWidths: mode))
        r.unitSettings = lines
        return try FilterStack(label: label, policy: try r.policy().policy)
    }

    static func run(iterations: Int, mode: ArgumentWidthMode) throws {
        let clock = ContinuousClock()
        func ms(_ d: Duration) -> Double { Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3 }
        var build: [Double] = [], compare: [Double] = []
        var last: PolicyDiff?
        for _ in 0..<max(1, iterations) {
            var a: FilterStack?, b: FilterStack?
            build.append(ms(try clock.measure {
                a = try stack(old, label: "old", mode: mode)
                b = try stack(new, label: "new", mode: mode)
            }))
            guard let a, let b else { continue }
            compare.append(ms(try clock.measure { last = try FilterComparison.compare(a, b) }))
        }
        build.sort()
        compare.sort()
        let total = zip(build, compare).map { $0 + $1 }.sorted()
        var s = "diff of two hardened units (systemd 262, x86-64 host; every known ABI judged)\n"
        if let d = last {
            s += "  \(d.summary)\n"
            s += "  judged: \(d.architecturesJudged) AUDIT_ARCH values, \(d.cellsJudged) (arch, number class, argument class) cells\n"
        }
        let n = total.count
        s += "  build both policies and compile: \(build[n / 2].fixed(2)) ms median of \(n)\n"
        s += "  exact comparison: \(compare[n / 2].fixed(2)) ms median (fastest \(compare[0].fixed(2)) ms)\n"
        s += "  total: \(total[n / 2].fixed(2)) ms median (goal < 50 ms)\n"
        Terminal.out(s)
    }
}
