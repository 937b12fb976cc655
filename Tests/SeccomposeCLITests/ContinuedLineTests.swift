// ContinuedLineTests.swift: findings in a value continued over several lines (`\`) are reported
// at the physical line and column of the word, in every output, and check's excerpt shows that line.

import Foundation
import Testing

@Suite("diagnostics on continued lines: the physical line and column")
struct ContinuedLineTests {
    /// A filter continued over three physical lines (with a comment line skipped inside), with an
    /// unknown syscall on the second and a known one on the last.
    static let unit = """
        [Service]
        ExecStart=/bin/true
        SystemCallFilter=~mount \\
            nosuchcall umount2 \\
        # skipped inside the continuation
          swapon:EPERM

        """

    @Test("check: FILE:LINE:COL is where the word is written, and the excerpt shows that physical line")
    func checkText() throws {
        try Support.withTemporaryDirectory { dir in
            try Support.write(Self.unit, to: dir.appendingPathComponent("t.service"))
            let r = try Support.seccompose(["check", "--systemd", "262", "--color", "never", "./t.service"], in: dir)
            #expect(r.status == 1, "\(r)")
            let lines = r.stdoutLines
            let i = try #require(lines.firstIndex { $0.contains("[unknown-syscall]") }, "\(r)")
            #expect(lines[i].hasPrefix("./t.service:4:5: warning: System call nosuchcall is not known, ignoring."), "\(r)")
            #expect(lines[i + 1] == "        nosuchcall umount2 \\", "the physical line: \(r)")
            #expect(lines[i + 2] == "        ^", "the caret under the word: \(r)")
        }
    }

    @Test("expand and check JSON agree on the position; explain names the word's line")
    func jsonAndExplain() throws {
        try Support.withTemporaryDirectory { dir in
            try Support.write(Self.unit, to: dir.appendingPathComponent("t.service"))
            let e = try Support.seccompose(["expand", "--systemd", "252", "--unit", "t.service", "--format", "json"], in: dir)
            let doc = try Support.decode(ExpandJSON.self, from: e)
            let d = try #require(doc.diagnostics.first { $0.code == "unknown-syscall" }, "\(e)")
            #expect((d.line, d.column, d.text) == (4, 5, "nosuchcall"), "\(d)")
            // A value continued at the end of its first line starts there.
            let x = try Support.seccompose(["explain", "--systemd", "252", "--unit", "t.service", "--arch", "x86_64", "swapon"],
                in: dir)
            #expect(x.stdout.contains("'swapon:EPERM' at t.service:6:3"), "\(x)")
            let m = try Support.seccompose(["explain", "--systemd", "252", "--unit", "t.service", "--arch", "x86_64", "umount2"],
                in: dir)
            #expect(m.stdout.contains("at t.service:4:16"), "\(m)")
        }
    }
}
