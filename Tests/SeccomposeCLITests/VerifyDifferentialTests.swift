// VerifyDifferentialTests.swift: the warnings `seccompose expand --unit` attributes to systemd
// must be exactly those the real `systemd-analyze verify` (systemd 252) prints for the same
// unit file: the same multiset of (line, message) pairs. systemd reports the line where a
// continued logical line ends; Seccompose the physical line of the word, so our lines are
// compared through `systemdReportedLines`.

import Foundation
import Testing

@Suite("expand --unit: the same warnings as systemd-analyze verify (systemd 252)")
struct VerifyDifferentialTests {
    /// One warning: the line systemd reports and its message.
    struct Warning: Hashable, Comparable, CustomStringConvertible {
        var line: Int
        var message: String
        static func < (a: Warning, b: Warning) -> Bool { (a.line, a.message) < (b.line, b.message) }
        var description: String { "\(line): \(message)" }
    }

    struct Outcome {
        var systemd: [Warning]
        var ours: [Warning]
        var verify: RunResult
        var expand: RunResult
        var json: ExpandJSON
    }

    /// Writes `unit` as `t.service` into a fresh directory and runs both programs there.
    static func compare(unit: String, version: String = "252") throws -> Outcome {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        return try Support.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("t.service")
            try Support.write(unit, to: file)
            let verify = try Support.run(analyze, ["verify", "--man=no", "./t.service"], in: dir)
            #expect(!verify.timedOut)
            // systemd prints "PATH:LINE: MESSAGE"; everything else (other units, summaries) is ignored.
            let prefix = file.path + ":"
            var systemd: [Warning] = []
            for line in verify.stderrLines + verify.stdoutLines where line.hasPrefix(prefix) {
                let rest = line.dropFirst(prefix.count)
                guard let colon = rest.firstIndex(of: ":"), let n = Int(rest[..<colon]),
                    rest[rest.index(after: colon)...].hasPrefix(" ")
                else { continue }
                systemd.append(Warning(line: n, message: String(rest[rest.index(colon, offsetBy: 2)...])))
            }
            let expand = try Support.seccompose(["expand", "--systemd", version, "--unit", "t.service", "--format", "json"], in: dir)
            let json = try Support.decode(ExpandJSON.self, from: expand)
            for d in json.diagnostics {
                #expect(d.file == "t.service", "diagnostic without the unit's path: \(d)")
            }
            let reported = systemdReportedLines(of: unit)
            let ours = json.diagnostics.filter(\.isSystemdMessage).map {
                Warning(line: reported[$0.line] ?? $0.line, message: $0.message)
            }
            return Outcome(systemd: systemd.sorted(), ours: ours.sorted(), verify: verify, expand: expand, json: json)
        }
    }

    static func expectSameWarnings(_ o: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        let onlySystemd = difference(o.systemd, o.ours)
        let onlyOurs = difference(o.ours, o.systemd)
        #expect(o.systemd == o.ours,
            "only systemd-analyze verify: \(onlySystemd)\nonly seccompose: \(onlyOurs)\n\(o.verify)",
            sourceLocation: sourceLocation)
        #expect(o.expand.status == (o.json.diagnostics.isEmpty ? 0 : 1), "\(o.expand)", sourceLocation: sourceLocation)
    }

    /// Multiset difference a − b.
    static func difference(_ a: [Warning], _ b: [Warning]) -> [Warning] {
        var rest = b
        var out: [Warning] = []
        for w in a {
            if let i = rest.firstIndex(of: w) { rest.remove(at: i) } else { out.append(w) }
        }
        return out
    }

    /// One unit with every kind of value problem the four settings have (lines 3…).
    static let table = [
        "SystemCallFilter=~foo @foo nosuchcall @nosuchgroup read",
        "SystemCallFilter=~read:0x10 write:+5 close:-1 open:4095 openat:4096 uname:eperm stat:Kill fstat:kill",
        "SystemCallFilter=~lstat: :EPERM poll:EPERM:x \"mmap munmap\" \\brk",
        "SystemCallFilter=~dup",
        "SystemCallFilter=#x",
        "SystemCallFilter=@Basic-io",
        "SystemCallFilter=~getpid:ENOTSUP getppid:EWOULDBLOCK gettid:EDEADLOCK getuid:ECANCELLED",
        "SystemCallFilter=~getgid:EREFUSED getegid:EFSBADCRC geteuid:EFSCORRUPTED getpgrp:EDEADLK",
        "SystemCallFilter=allowed:EPERM read:EPERM @basic-io:EPERM foo:EPERM",
        "SystemCallFilter=uretprobe socketcall",
        "SystemCallFilter=~uretprobe socketcall",
        "SystemCallFilter=~read:010 write:0b11 close:0o7 stat:0x lseek:1e3 mmap:EPERM1 readv:09 writev:0o8 access:0b2",
        "SystemCallFilter=~pipe:0x-1 select:- sched_yield:+ mremap:-0x0 dup2:0x0fff nanosleep:99999999999999999999",
        "SystemCallFilter=~: :: read:: @:EPERM @foo:EPERM @basic-io:Kill ~:EPERM ~read",
        "SystemCallFilter=~read\\ write \\\\ \\~x \\#y \\:z %n %u",
        "SystemCallFilter=~read\twrite\tfoo",
        "SystemCallFilter=~é qux",
        "SystemCallFilter=",
        "SystemCallFilter=~",
        "SystemCallFilter=  ~read\\\\   ",
        "SystemCallFilter = ~baz",
        "SystemCallErrorNumber=0",
        "SystemCallErrorNumber=eperm",
        "SystemCallErrorNumber=EPERM EACCES",
        "SystemCallErrorNumber=log",
        "SystemCallErrorNumber=4096",
        "SystemCallErrorNumber=0x1",
        "SystemCallErrorNumber=Kill",
        "SystemCallErrorNumber=kill",
        "SystemCallErrorNumber=-0",
        "SystemCallErrorNumber=00",
        "SystemCallErrorNumber=-1",
        "SystemCallErrorNumber=ECANCELLED",
        "SystemCallErrorNumber=0xfff",
        "SystemCallErrorNumber=",
        "SystemCallArchitectures=native x86 i386 \"x32\" 'foo' amd64 x86-64",
        "SystemCallArchitectures=\"x86\"x32 x86\" \"x32 'x86 x32' \\x86 x8\\6 \"\" '' \"x86\\\"\"",
        "SystemCallArchitectures=arm64 ppc64le ppc64-le mips64-le-n32 riscv64 parisc s390x mipsel x86_64 X86 aarch64",
        "SystemCallArchitectures=x86 \"unterminated",
        "SystemCallArchitectures=x86 'x32",
        "SystemCallArchitectures=",
        "SystemCallLog=read:EPERM ~write @foo",
        "SystemCallLog=~@foo read \"write\" #x %n read:kill @basic-io:EPERM ~",
        "SystemCallLog=",
        "SystemCallLog=~",
        "SystemCallLog=read write\\\\",
        "# SystemCallFilter=~commented",
        "; SystemCallFilter=~commented",
        "  SystemCallFilter=~indented",
        "SystemCallFilter=~continued \\",
        "# a comment inside a continuation is skipped",
        "  over lines",
    ]

    @Test("the big table of values")
    func table() throws {
        let unit = "[Service]\nExecStart=/bin/true\n" + Self.table.joined(separator: "\n") + "\n"
        let o = try Self.compare(unit: unit)
        #expect(o.verify.status == 0, "systemd-analyze verify failed to load the unit:\n\(o.verify)")
        #expect(o.systemd.count >= 80, "suspiciously few warnings from systemd (\(o.systemd.count)):\n\(o.verify)")
        Self.expectSameWarnings(o)
        // Our extra lint diagnostics exist too, and are not attributed to systemd.
        #expect(o.json.diagnostics.contains { $0.code == "tilde-not-first" && !$0.isSystemdMessage })
        #expect(o.json.diagnostics.contains { $0.code == "quote-in-value" && !$0.isSystemdMessage })
    }

    /// Smaller units, each checking one aspect of the file syntax or the settings.
    static let units: [String] = [
        // Nothing wrong.
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=@system-service\nSystemCallFilter=~@privileged:EPERM\nSystemCallErrorNumber=EACCES\nSystemCallArchitectures=native\nSystemCallLog=~@basic-io\n",
        // A byte-order mark, comments and blank lines.
        "\u{FEFF}[Service]\n\n# c\n; c\nExecStart=/bin/true\nSystemCallFilter=~foo\n",
        // Continuations: systemd warns at the last physical line (Seccompose at the word's).
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=~foo \\\n  bar \\\n; comment\n  baz\nSystemCallFilter=~qux\n",
        // An even number of backslashes does not continue.
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=~foo\\\\\nSystemCallFilter=~bar\n",
        // A trailing backslash continued by the last line of the file.
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=~foo \\\nbar",
        // No final newline.
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=~foo",
        // Settings in [Service] only count there; a second [Service] section continues it.
        "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\nSystemCallFilter=~foo\n[Install]\nWantedBy=multi-user.target\n[Service]\nSystemCallFilter=~bar\n",
        // The 252 group table: @sandbox does not exist yet; @known does.
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=@sandbox @known\nSystemCallFilter=~@default:EPERM @obsolete\n",
        // Allow-list + ~NAME:kill of a call that is otherwise the default: systemd 252 warns nothing.
        "[Service]\nExecStart=/bin/true\nSystemCallFilter=@basic-io\nSystemCallFilter=~read:EPERM write\n",
    ]

    @Test("small units", arguments: Array(units.indices))
    func smallUnit(index: Int) throws {
        let o = try Self.compare(unit: Self.units[index])
        #expect(o.verify.status == 0, "\(o.verify)")
        Self.expectSameWarnings(o)
    }

    // MARK: Bugs found by this differential test (see the report)

    @Test("CRLF line endings are line endings")
    func crlf() throws {
        let o = try Self.compare(unit: "[Service]\r\nExecStart=/bin/true\r\nSystemCallFilter=~foo\r\nSystemCallFilter=~bar\r\n")
        #expect(o.systemd == [Warning(line: 3, message: "Failed to parse system call, ignoring: foo"),
            Warning(line: 4, message: "Failed to parse system call, ignoring: bar")])
        Self.expectSameWarnings(o)
        #expect(o.json.mode == "deny-list")
        #expect(o.json.diagnostics.allSatisfy { $0.isSystemdMessage }, "\(o.json.diagnostics)")
    }

    @Test("a continuation still pending at the end of the file is applied (at the line after the last)")
    func continuationAtEndOfFile() throws {
        for ending in ["", "\n", "\n\n"] {
            let o = try Self.compare(unit: "[Service]\nExecStart=/bin/true\nSystemCallFilter=~foo bar\\" + ending)
            #expect(o.systemd.count == 2, "\(o.verify)")
            Self.expectSameWarnings(o)
            #expect(o.json.mode == "deny-list")
        }
    }

    /// What `expand --format json` prints when there is no policy.
    struct FailureJSON: Decodable {
        var schema: String
        var outcome: String
        var message: String
        var diagnostics: [DiagnosticJSON]
    }

    @Test("a unit systemd refuses to load is an error, and nothing after the bad line is applied")
    func fatalUnitFileErrors() throws {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        try Support.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("t.service")
            try Support.write("[Service]\nExecStart=/bin/true\n[Bad\nSystemCallFilter=~foo\n", to: file)
            let verify = try Support.run(analyze, ["verify", "--man=no", "./t.service"], in: dir)
            #expect(verify.status != 0)
            #expect(verify.stderr.contains("t.service:3: Invalid section header '[Bad'"), "\(verify)")
            let expand = try Support.seccompose(["expand", "--systemd", "252", "--unit", "t.service", "--format", "json"], in: dir)
            #expect(expand.status == 1)
            let j = try Support.decode(FailureJSON.self, from: expand)
            #expect(j.schema == "seccompose.expand/1")
            #expect(j.outcome == "unit-not-loaded")
            #expect(j.diagnostics.contains {
                $0.severity == "error" && $0.line == 3 && $0.message == "Invalid section header '[Bad'" && $0.isSystemdMessage
            }, "\(j.diagnostics)")
            #expect(!j.diagnostics.contains { $0.line == 4 }, "line 4 is never parsed by systemd: \(j.diagnostics)")
        }

        let long = try Support.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("t.service")
            try Support.write("[Service]\nSystemCallFilter=~" + String(repeating: "x ", count: 600_000) + "\n", to: file)
            return try Support.seccompose(["expand", "--systemd", "252", "--unit", file.path, "--format", "json"])
        }
        #expect(long.status == 1)
        let j = try Support.decode(FailureJSON.self, from: long)
        #expect(j.outcome == "unit-not-loaded")
        #expect(j.diagnostics.contains { $0.code == "line-too-long" && $0.severity == "error" }, "\(j.diagnostics)")
    }

    @Test("whitespace after a section header is allowed")
    func sectionHeaderTrailingWhitespace() throws {
        let o = try Self.compare(unit: "[Service]  \nExecStart=/bin/true\nSystemCallFilter=~foo\n")
        #expect(o.systemd == [Warning(line: 3, message: "Failed to parse system call, ignoring: foo")])
        Self.expectSameWarnings(o)
        #expect(o.json.mode == "deny-list")
        #expect(!o.json.diagnostics.contains { $0.code == "bad-section" || $0.code == "no-section" })
    }

    @Test("systemd 252 does not know the loongarch64 architecture")
    func loongarch64On252() throws {
        let o = try Self.compare(unit: "[Service]\nExecStart=/bin/true\nSystemCallArchitectures=native loongarch64\n")
        #expect(o.systemd == [Warning(line: 3,
            message: "Failed to parse system call architecture \"loongarch64\", ignoring: Invalid argument")])
        Self.expectSameWarnings(o)
    }
}
