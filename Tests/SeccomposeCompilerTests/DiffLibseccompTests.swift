// The diff judges BPF it did not write: libseccomp's program for a policy decides exactly as
// Seccompose's program for the same policy, and a one-rule change is found exactly.

import Foundation
import SeccomposeCompiler
import SeccomposeDiff
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("diff of libseccomp's BPF against Seccompose's")
struct DiffLibseccompTests {
    /// A libseccomp-export spec and the same policy built through the library.
    static func spec(personalityErrno: Int) -> String {
        """
        default errno 1
        arch x86_64
        rule allow read
        rule allow write 0 le 2
        rule errno 38 clone3
        rule allow clone 0 masked_eq 0x7E020000 0
        rule allow socket 0 eq 1
        rule allow socket 0 eq 2
        rule errno \(personalityErrno) personality 0 gt 8
        rule allow personality 0 le 8
        """
    }

    static func policy() throws -> Policy {
        var p = Policy(.errno(1), architectures: [.x86_64])
        try p.addRule(.allow, syscall: "read")
        try p.addRule(.allow, syscall: "write", [ArgumentCondition(index: 0, .lessOrEqual, 2)])
        try p.addRule(.errno(38), syscall: "clone3")
        try p.addRule(.allow, syscall: "clone", [ArgumentCondition(index: 0, .maskedEqual, 0, mask: 0x7E02_0000)])
        try p.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 1)])
        try p.addRule(.allow, syscall: "socket", [ArgumentCondition(index: 0, .equal, 2)])
        try p.addRule(.errno(13), syscall: "personality", [ArgumentCondition(index: 0, .greater, 8)])
        try p.addRule(.allow, syscall: "personality", [ArgumentCondition(index: 0, .lessOrEqual, 8)])
        p.otherArchitectureAction = .killThread  // libseccomp's default bad-arch action
        p.argumentWidths = .systemd  // 64-bit comparisons as written, as libseccomp makes them
        return p
    }

    static func libseccomp(_ spec: String) throws -> Program {
        let exporter = try Support.requireBuilt("libseccomp-export")
        let r = try Support.withTemporaryDirectory { dir -> RunResult in
            let f = dir.appendingPathComponent("spec")
            try Support.write(spec, to: f)
            return try Support.run("/bin/sh", ["-c", "exec \(Support.shellQuote(exporter)) < \(Support.shellQuote(f.path))"], timeout: 30)
        }
        try #require(r.status == 0, "\(r)")
        return try #require(Program(rawBytes: Array(r.stdoutData)))
    }

    @Test("libseccomp's program and Seccompose's decide alike; changing one errno in libseccomp's shows exactly that")
    func againstLibseccomp() throws {
        let ours = try FilterStack(label: "seccompose", policy: try Self.policy())
        let theirs = FilterStack(label: "libseccomp", programs: [try Self.libseccomp(Self.spec(personalityErrno: 13))])
        #expect(ours.programs[0].instructions != theirs.programs[0].instructions, "two different programs are compared")
        let same = try FilterComparison.compare(theirs, ours)
        #expect(same.isIdentical, "\(same.changes.prefix(10).map(\.description))")
        let changed = FilterStack(label: "libseccomp'", programs: [try Self.libseccomp(Self.spec(personalityErrno: 14))])
        let d = try FilterComparison.compare(theirs, changed)
        #expect(!d.changes.isEmpty)
        for c in d.changes {
            #expect(c.abi == "x86_64" && c.syscall == "personality" && c.old == "errno(EACCES)" && c.new == "errno(EFAULT)",
                "\(c)")
            // The example is in the class: both programs, run on it, give the reported actions.
            let data = SeccompData(abi: .x86_64, number: Int(c.firstNumber), args: c.example)
            #expect(try Simulator.run(theirs.programs[0].instructions, data).action == .errno(13))
            #expect(try Simulator.run(changed.programs[0].instructions, data).action == .errno(14))
        }
        // Every personality argument above 8 (any upper half) is in a reported class; 0…8 is not.
        #expect(d.changes.contains { $0.example[0] > 8 })
        #expect(!d.changes.contains { $0.example[0] <= 8 })
    }
}
