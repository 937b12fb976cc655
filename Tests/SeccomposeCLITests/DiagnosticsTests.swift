// DiagnosticsTests.swift: what `expand` reports on stderr for bad SystemCall*= values, with
// exact positions (<command line>:INDEX:COLUMN), and the pinned help texts.

import Foundation
import Testing

@Suite("expand: diagnostics on stderr, and pinned help")
struct DiagnosticsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var line: Int
        var column: Int
        var code: String
        var message: String
        var testDescription: String { "\(code): \(arguments.joined(separator: " | "))" }

        /// The first line of the diagnostic, as printed.
        var header: String { "<command line>:\(line):\(column): warning: \(message) [\(code)]" }
    }

    static let cases: [Case] = [
        Case(arguments: ["--systemd", "252", "foo"], line: 1, column: 1, code: "unknown-syscall",
            message: "Failed to parse system call, ignoring: foo"),
        Case(arguments: ["--systemd", "262", "foo"], line: 1, column: 1, code: "unknown-syscall",
            message: "System call foo is not known, ignoring."),
        Case(arguments: ["--systemd", "252", "read", "write foo"], line: 2, column: 7, code: "unknown-syscall",
            message: "Failed to parse system call, ignoring: foo"),
        Case(arguments: ["--systemd", "252", "  ~close  foo"], line: 1, column: 11, code: "unknown-syscall",
            message: "Failed to parse system call, ignoring: foo"),
        Case(arguments: ["--systemd", "252", "uretprobe"], line: 1, column: 1, code: "unknown-syscall",
            message: "Failed to parse system call, ignoring: uretprobe"),
        Case(arguments: ["--systemd", "252", "@basic-io @foo"], line: 1, column: 11, code: "unknown-group",
            message: "Unknown system call group, ignoring: @foo"),
        Case(arguments: ["--systemd", "262", "~@Basic-io"], line: 1, column: 2, code: "unknown-group",
            message: "Unknown system call group, ignoring: @Basic-io"),
        Case(arguments: ["--systemd", "252", "~read", "@sandbox"], line: 2, column: 1, code: "unknown-group",
            message: "Unknown system call group, ignoring: @sandbox"),
        Case(arguments: ["--systemd", "252", "read:EPERM"], line: 1, column: 1, code: "errno-on-allow",
            message: "Allow-listed system calls cannot take error number, ignoring: read:EPERM"),
        Case(arguments: ["--systemd", "252", "~read", "write close:EPERM"], line: 2, column: 7, code: "errno-on-allow",
            message: "Allow-listed system calls cannot take error number, ignoring: close:EPERM"),
        Case(arguments: ["--systemd", "252", "~read:4096"], line: 1, column: 2, code: "invalid-entry",
            message: "Failed to parse syscall:errno, ignoring: read:4096"),
        Case(arguments: ["--systemd", "252", "~read:Kill"], line: 1, column: 2, code: "invalid-entry",
            message: "Failed to parse syscall:errno, ignoring: read:Kill"),
        Case(arguments: ["--systemd", "252", "~read write:-1"], line: 1, column: 7, code: "invalid-entry",
            message: "Failed to parse syscall:errno, ignoring: write:-1"),
        Case(arguments: ["--systemd", "252", "~read ~write"], line: 1, column: 7, code: "tilde-not-first",
            message: "'~' only inverts a line as its first character; '~write' is read as the name '~write'"),
        Case(arguments: ["--systemd", "252", "~read ~write"], line: 1, column: 7, code: "unknown-syscall",
            message: "Failed to parse system call, ignoring: ~write"),
        Case(arguments: ["--systemd", "252", "read \"write\""], line: 1, column: 6, code: "quote-in-value",
            message: "quotes are not removed in SystemCallFilter=; '\"write\"' is read literally"),
        Case(arguments: ["--systemd", "252", "~read #x"], line: 1, column: 7, code: "comment-in-value",
            message: "'#x' is not a comment: SystemCallFilter= has no inline comments"),
        Case(arguments: ["--systemd", "252", "~read %n"], line: 1, column: 7, code: "specifier-in-value",
            message: "specifiers are not expanded in SystemCallFilter=; '%n' is read literally"),
        Case(arguments: ["--systemd", "252", "read write\\"], line: 1, column: 6, code: "invalid-syntax",
            message: "Invalid syntax, ignoring: read write\\"),
        Case(arguments: ["--systemd", "252", "~read", "~close\\"], line: 2, column: 2, code: "invalid-syntax",
            message: "Invalid syntax, ignoring: close\\"),
        Case(arguments: ["--systemd", "252", "--error-number", "0", "read"], line: 1, column: 1, code: "zero-errno",
            message: "Invalid error number, ignoring: 0"),
        Case(arguments: ["--systemd", "252", "--error-number", "EPERM EACCES", "read"], line: 1, column: 1,
            code: "invalid-errno", message: "Failed to parse error number, ignoring: EPERM EACCES"),
        Case(arguments: ["--systemd", "252", "--architectures", "native amd64"], line: 1, column: 8,
            code: "unknown-architecture",
            message: "Failed to parse system call architecture \"amd64\", ignoring: Invalid argument"),
        Case(arguments: ["--systemd", "252", "--architectures", "x86", "--architectures", "x86 'x32"], line: 2,
            column: 5, code: "invalid-syntax", message: "Invalid syntax, ignoring: x86 'x32"),
        Case(arguments: ["--systemd", "252", "--log", "read:EPERM"], line: 1, column: 1, code: "action-in-log",
            message: "Failed to parse system call, ignoring: read:EPERM"),
        Case(arguments: ["--systemd", "252", "--log", "~read @foo"], line: 1, column: 7, code: "unknown-group",
            message: "Unknown system call group, ignoring: @foo"),
    ]

    @Test("a diagnostic at the right line and column, and exit status 1", arguments: cases)
    func diagnostic(c: Case) throws {
        let r = try Support.seccompose(["expand"] + c.arguments)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrLines.contains(c.header), "expected the line\n\(c.header)\n\(r)")
        // Every first line of a diagnostic has the FILE:LINE:COL: severity: message [code] shape.
        for line in r.stderrLines where !line.isEmpty && !line.hasPrefix("  ") {
            #expect(line.hasPrefix("<command line>:") && line.hasSuffix("]"), "malformed diagnostic line: \(line)")
        }
        // The JSON agrees with the text.
        let j = try Support.seccompose(["expand"] + c.arguments + ["--format", "json"])
        #expect(j.status == 1)
        let doc = try Support.decode(ExpandJSON.self, from: j)
        #expect(doc.diagnostics.contains {
            $0.line == c.line && $0.column == c.column && $0.code == c.code && $0.message == c.message && $0.file == nil
        }, "\(doc.diagnostics)")
    }

    @Test("clean input gives no diagnostics and exit status 0", arguments: [
        ["--systemd", "252", "@system-service", "~@privileged:EPERM @reboot:EACCES"],
        ["--systemd", "262", "~read:0 pread64:0x10 close:eperm open:4095 uname:kill"],
        ["--systemd", "252", "--error-number", "EPERM", "--architectures", "native x86", "--log", "~read", "~@swap"],
        ["--systemd", "252", "  ~read   write  "],
    ])
    func clean(arguments: [String]) throws {
        let r = try Support.seccompose(["expand"] + arguments)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
    }

    // MARK: Pinned texts

    @Test("pinned: unknown syscall with a suggestion")
    func pinnedUnknownSyscall() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "read", "write reed"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            <command line>:2:7: warning: Failed to parse system call, ignoring: reed [unknown-syscall]
              fix: did you mean 'read'?

            """)
    }

    @Test("pinned: bad action suffix (Kill)")
    func pinnedBadErrno() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "~read:Kill"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            <command line>:1:2: warning: Failed to parse syscall:errno, ignoring: read:Kill [invalid-entry]
              note: 'kill' must be written in lower case
              fix: write NAME, NAME:ERRNO (a name such as EPERM, or 0…4095) or NAME:kill

            """)
    }

    @Test("pinned: errno on an allow line")
    func pinnedErrnoOnAllow() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "read:EPERM"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            <command line>:1:1: warning: Allow-listed system calls cannot take error number, ignoring: read:EPERM [errno-on-allow]
              note: an action suffix only works on a line that starts with '~'
              fix: move it to a deny line: SystemCallFilter=~read:EPERM

            """)
    }

    @Test("pinned: '~' on a later word")
    func pinnedTildeNotFirst() throws {
        let r = try Support.seccompose(["expand", "--systemd", "262", "~read ~write"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            <command line>:1:7: warning: '~' only inverts a line as its first character; '~write' is read as the name '~write' [tilde-not-first]
              fix: drop the '~': this line already denies every word (write)
            <command line>:1:7: warning: System call ~write is not known, ignoring. [unknown-syscall]

            """)
    }

    @Test("pinned: trailing backslash")
    func pinnedInvalidSyntax() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "read write\\"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            <command line>:1:6: warning: Invalid syntax, ignoring: read write\\ [invalid-syntax]
              note: a trailing backslash or an unterminated quote; the rest of the value is ignored
              fix: remove the stray backslash or close the quote

            """)
    }

    @Test("pinned: seccompose --help")
    func pinnedRootHelp() throws {
        let r = try Support.seccompose(["--help"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout == """
            OVERVIEW: A systemd-style syscall-set policy engine.

            Exit status: 0 success; 1 the input produced warnings or errors (printed on
            stderr), or a query found nothing; 2 an input file or set directory could not
            be read; 64 bad usage; 228 `run` did not start the command because no filter
            could be compiled or installed, or the input would have been ignored (--lenient
            runs anyway); `run` otherwise exits with the command's status (200, 216, 217,
            227: systemd's, when a set-up step failed).

            USAGE: seccompose <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              syscall-filter          List syscall groups and their members, as
                                      systemd-analyze syscall-filter does.
              expand                  Expand SystemCallFilter= values into the per-syscall
                                      decisions systemd would enforce.
              resolve                 Translate syscall names to numbers and numbers to
                                      names, per ABI.
              compile                 Compile SystemCall*= settings into one seccomp BPF
                                      program for all ABIs.
              simulate                Run the compiled program on one call and print the
                                      action and the instructions executed.
              explain                 Say which setting or rule decides a call, and what
                                      the compiled program does with it.
              run                     Run a unit, or a command (after '--'), under the
                                      compiled filter.
              check                   Check service units' seccomp settings: systemd's
                                      warnings and the traps it does not mention.
              bench                   Benchmark the compiler on reference policies
                                      (numbers, not a pass/fail test).
              diff                    Compare two filters by what they decide, exactly:
                                      every ABI, syscall and argument class.
              dump                    Print the seccomp filters a running process has
                                      (newest first) and what they decide.

              See 'seccompose help <subcommand>' for detailed help.

            """)
    }

    @Test("pinned: seccompose expand --help")
    func pinnedExpandHelp() throws {
        let r = try Support.seccompose(["expand", "--help"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout == """
            OVERVIEW: Expand SystemCallFilter= values into the per-syscall decisions
            systemd would enforce.

            Each VALUE is one SystemCallFilter= line, applied in order (the first non-empty
            one fixes allow- or deny-list mode; an empty one resets). --unit reads a unit
            file first: its drop-ins and every seccomp-backed directive. Diagnostics go to
            stderr as FILE:LINE:COLUMN (for VALUEs: <command line>:INDEX:COLUMN); any
            diagnostic makes the exit status 1.

            USAGE: seccompose expand [--systemd <systemd>] [--sets <dir> ...] [--argument-widths <mode>] [--native <abi>] [--error-number <errno>] [--architectures <archs> ...] [--log <value> ...] [--unit <file>] [--unit-setting <key=value> ...] [--arch <abi> ...] [--format <format>] [<value> ...]

            ARGUMENTS:
              <value>                 SystemCallFilter= values, one line each.

            OPTIONS:
              --systemd <systemd>     The systemd version to emulate: 252 (Debian 12) or
                                      262 (262.1). (default: 262)
              --sets <dir>            A directory of extra .set files (repeatable).
              --argument-widths <mode>
                                      How argument rules are judged: kernel (the bits the
                                      kernel reads; socketcall/ipc closed), strict (kernel,
                                      and 32-bit arguments with unclean upper halves
                                      denied) or systemd (systemd 252's comparisons,
                                      decision for decision). (values: kernel, strict,
                                      systemd; default: kernel)
              --native <abi>          The ABI systemd runs on (what 'native' means).
                                      (default: x86_64)
              --error-number <errno>  SystemCallErrorNumber= value.
              --architectures <archs> SystemCallArchitectures= value (repeatable).
              --log <value>           SystemCallLog= value (repeatable).
              --unit <file>           Read this unit file first (with its drop-ins and
                                      every seccomp-backed directive).
              --unit-setting <key=value>
                                      A unit setting such as RestrictNamespaces=yes, as if
                                      in [Service] (repeatable).
              --arch <abi>            Also list every syscall number of this ABI with its
                                      action (repeatable; 'all' for the policy's ABIs).
              --format <format>       Output format: text or json. (values: text, json;
                                      default: text)
              --version               Show the version.
              -h, --help              Show help information.


            """)
    }

    @Test("`seccompose help expand` prints the same as `seccompose expand --help`")
    func helpSubcommand() throws {
        let a = try Support.seccompose(["help", "expand"])
        let b = try Support.seccompose(["expand", "--help"])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
    }

    // MARK: Bugs found by these tests (see the report)

    @Test("SystemCallErrorNumber= from --error-number: the column skips leading whitespace")
    func errorNumberColumn() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "--error-number", " EPERM EACCES", "read"])
        #expect(r.status == 1)
        #expect(r.stderrLines.contains(
            "<command line>:1:2: warning: Failed to parse error number, ignoring: EPERM EACCES [invalid-errno]"), "\(r)")
    }

    @Test("the note for ':EPERM' (empty name) does not claim EPERM is not an errno name")
    func emptyNameNote() throws {
        let r = try Support.seccompose(["expand", "--systemd", "252", "~:EPERM"])
        #expect(r.status == 1)
        #expect(r.stderrLines.contains("<command line>:1:2: warning: Failed to parse syscall:errno, ignoring: :EPERM [invalid-entry]"))
        #expect(!r.stderr.contains("'EPERM' is not an errno name"), "\(r)")
    }
}
