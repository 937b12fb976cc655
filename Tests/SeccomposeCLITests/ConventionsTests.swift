// ConventionsTests.swift: issue 12, the command-line conventions: one exit-status table that
// every command follows, options that mean the same everywhere, SARIF a CI service accepts, the
// version in every JSON document, colour, and units that are not regular files.

import Foundation
import Testing

@Suite("CLI conventions (issue 12)")
struct ConventionsTests {
    static func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        try Support.seccompose(arguments, in: URL(fileURLWithPath: repositoryRoot), sourceLocation: sourceLocation)
    }

    /// The paragraph of `text` from the line `Exit status:` to the next empty line.
    static func exitStatusTable(in text: String) -> String? {
        guard let start = text.range(of: "Exit status:\n") else { return nil }
        let rest = text[start.lowerBound...]
        let end = rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex
        return String(rest[..<end]) + "\n"
    }

    // MARK: One exit-status table

    @Test("the exit-status table in --help is the README's, word for word")
    func exitStatusTableInReadme() throws {
        let help = try Self.run(["--help"])
        let table = try #require(Self.exitStatusTable(in: help.stdout), "\(help)")
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let block = try #require(readme.range(of: "```text\nExit status:\n"), "README.md has no exit-status block")
        let body = readme[readme.index(block.lowerBound, offsetBy: "```text\n".count)...]
        let end = try #require(body.range(of: "```"))
        #expect(String(body[..<end.lowerBound]) == table, "README.md's exit-status block differs from seccompose --help")
        // Every status the table names is one of those it lists as numbers.
        for status in ["0", "1", "2", "3", "64", "228"] {
            #expect(table.contains("\n  \(status) "), "the table lacks \(status)")
        }
    }

    @Test("warnings give 1 after the output in every command that builds a policy; clean input 0", arguments: [
        ["compile", "--systemd", "252", "--format", "asm"],
        ["simulate", "--systemd", "252", "read"],
        ["explain", "--systemd", "252", "read"],
        ["explain", "--systemd", "252", "--format", "json", "read"],
        ["expand", "--systemd", "252"],
    ])
    func warningsExitOne(arguments: [String]) throws {
        let (command, rest) = (arguments[0], Array(arguments.dropFirst()))
        // expand takes values positionally; the others with --filter.
        let bad = command == "expand" ? ["read foo"] : ["--filter", "read foo"]
        let good = command == "expand" ? ["read"] : ["--filter", "read"]
        let warned = try Self.run([command] + bad + rest)
        #expect(warned.status == 1, "\(warned)")
        #expect(!warned.stdout.isEmpty, "the output is still printed: \(warned)")
        #expect(warned.stderr.contains("warning: Failed to parse system call, ignoring: foo [unknown-syscall]"), "\(warned)")
        let clean = try Self.run([command] + good + rest)
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stderr.isEmpty, "\(clean)")
    }

    @Test("bench follows the table: an unreadable profile 2, an unusable one 1 at its field")
    func benchProfileErrors() throws {
        let missing = try Self.run(["bench", "--iterations", "10", "--profile", "/nonexistent/p.json"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/p.json: error: cannot open"), "\(missing)")
        try Support.withTemporaryDirectory { dir in
            let profile = dir.appendingPathComponent("p.json")
            try Support.write("{ \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": -1 }\n", to: profile)
            let r = try Self.run(["bench", "--iterations", "10", "--profile", profile.path])
            #expect(r.status == 1 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr.hasPrefix("\(profile.path):2:22: error: 'defaultErrnoRet' is -1"), "\(r)")
        }
    }

    @Test("bench --iterations below 10 is bad usage (64)", arguments: ["0", "-1", "9"])
    func benchIterations(value: String) throws {
        let r = try Self.run(["bench", "--iterations=\(value)"])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("--iterations"), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    // MARK: The version in JSON and SARIF

    @Test("every JSON document carries seccomposeVersion, the --version constant")
    func versionInJSON() throws {
        let version = try Self.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3, "\(version)")
        let commands: [[String]] = [
            ["expand", "--format", "json", "read"],
            ["check", "--format", "json", "units-examples/clean-daemon.service"],
            ["resolve", "--format", "json", "read"],
            ["syscall-filter", "--format", "json", "@basic-io"],
            ["simulate", "--format", "json", "--filter", "read", "read"],
            ["explain", "--format", "json", "--filter", "read", "read"],
            ["compile", "--format", "json", "--filter", "read"],
        ]
        for c in commands {
            let r = try Self.run(c)
            let object = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
            #expect(object?["seccomposeVersion"] as? String == version, "\(c): \(r)")
        }
    }

    // MARK: SARIF

    @Test("SARIF: driver version, no placeholder URI, relative artifact URIs with a uriBaseId, one rule per code with help")
    func sarifForCI() throws {
        let version = try Self.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let absolute = repositoryRoot + "/units-examples/overlap.service"
        try Support.withTemporaryDirectory { dir in
            // A unit outside the current directory keeps an absolute file URI.
            let spaced = dir.appendingPathComponent("with space")
            try FileManager.default.createDirectory(at: spaced, withIntermediateDirectories: true)
            let outside = spaced.appendingPathComponent("outside.service")
            try Support.write("[Service]\nExecStart=/bin/true\nSystemCallFilter=~socket\n", to: outside)
            let r = try Self.run(["check", "--systemd", "252", "--format", "sarif", "units-examples/mistakes.service", absolute,
                outside.path])
            #expect(r.status == 1, "\(r)")
            #expect(!r.stdout.contains("example.invalid"), "a placeholder informationUri: \(r.stdout)")
            let root = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
            let run = try #require((root["runs"] as? [[String: Any]])?.first)
            let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
            #expect(driver["version"] as? String == version)
            #expect(driver["informationUri"] == nil)
            let bases = run["originalUriBaseIds"] as? [String: [String: String]]
            let srcroot = try #require(bases?["SRCROOT"]?["uri"], "\(run)")
            #expect(srcroot == "file://" + repositoryRoot + "/", "\(srcroot)")
            let rules = try #require(driver["rules"] as? [[String: Any]])
            let ids = rules.compactMap { $0["id"] as? String }
            #expect(ids.count == Set(ids).count, "one rule per code: \(ids)")
            for rule in rules {
                let help = (rule["help"] as? [String: Any])?["text"] as? String
                #expect(help?.isEmpty == false, "\(rule)")
                #expect((rule["fullDescription"] as? [String: Any])?["text"] as? String == help)
            }
            // The overlap rule's help is docs/diagnostics.md's meaning, not one finding's message.
            let overlap = try #require(rules.first { $0["id"] as? String == "overlap" })
            #expect(((overlap["help"] as? [String: Any])?["text"] as? String)?.hasPrefix("a ~ line removes syscalls") == true,
                "\(overlap)")
            let results = try #require(run["results"] as? [[String: Any]])
            var uris: Set<String> = []
            for result in results {
                let index = try #require(result["ruleIndex"] as? Int)
                #expect(ids[index] == result["ruleId"] as? String, "ruleIndex points at the rule")
                let location = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?[
                    "artifactLocation"] as? [String: Any]
                let uri = try #require(location?["uri"] as? String)
                uris.insert(uri)
                if uri.hasPrefix("file://") {
                    #expect(location?["uriBaseId"] == nil)
                } else {
                    #expect(location?["uriBaseId"] as? String == "SRCROOT", "\(result)")
                    #expect(!uri.hasPrefix("/"), "\(uri)")
                }
            }
            #expect(uris.contains("units-examples/mistakes.service"), "\(uris)")
            #expect(uris.contains("units-examples/overlap.service"), "an absolute path under SRCROOT is made relative: \(uris)")
            #expect(uris.contains("file://" + outside.path.replacingOccurrences(of: " ", with: "%20")), "\(uris)")
        }
    }

    @Test("the diagnostic-code table the SARIF rules use is fresh (scripts/gen-diagnostic-codes.py --check)")
    func diagnosticCodesFresh() throws {
        let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec python3 scripts/gen-diagnostic-codes.py --check", repositoryRoot])
        #expect(r.status == 0, "\(r)")
    }

    // MARK: Colour

    @Test("--color always/never, and auto: a terminal unless NO_COLOR; never on a pipe")
    func colour() throws {
        let unit = "units-examples/overlap.service"
        let escape = "\u{1B}["
        let always = try Self.run(["check", "--color", "always", unit])
        #expect(always.stdout.contains(escape), "\(always)")
        let never = try Self.run(["check", "--color", "never", unit])
        #expect(!never.stdout.contains(escape), "\(never)")
        let auto = try Self.run(["check", unit])
        #expect(!auto.stdout.contains(escape), "a pipe is not a terminal: \(auto)")
        #expect(never.stdout == auto.stdout)
        let json = try Self.run(["check", "--color", "always", "--format", "json", unit])
        #expect(json.status == 64, "--color applies to text only: \(json)")
        // On a terminal (script(1) gives one): coloured, unless NO_COLOR is set; --color always wins.
        let script = try Support.requireTool("script", package: "bsdutils")
        let binary = try Support.seccompose()
        func onTerminal(_ environment: String, _ arguments: String) throws -> RunResult {
            try Support.run(script, ["-qec", "cd \(Support.shellQuote(repositoryRoot)) && env \(environment) \(Support.shellQuote(binary)) check \(arguments) \(unit)", "/dev/null"])
        }
        let tty = try onTerminal("-u NO_COLOR TERM=xterm", "")
        #expect(tty.stdout.contains(escape), "\(tty)")
        let noColor = try onTerminal("NO_COLOR=1 TERM=xterm", "")
        #expect(!noColor.stdout.contains(escape), "\(noColor)")
        #expect(noColor.stdout.contains("[overlap]"), "\(noColor)")
        let emptyNoColor = try onTerminal("NO_COLOR= TERM=xterm", "")
        #expect(emptyNoColor.stdout.contains(escape), "an empty NO_COLOR does not count: \(emptyNoColor)")
        let forced = try onTerminal("NO_COLOR=1 TERM=xterm", "--color always")
        #expect(forced.stdout.contains(escape), "\(forced)")
    }

    // MARK: One meaning per option

    @Test("a unit is taken positionally and with --unit, alike, by every command that reads one")
    func unitPositionallyAndWithOption() throws {
        let unit = "units-examples/hardened-daemon.service"
        let pairs: [([String], [String])] = [
            (["compile", "--systemd", "252", unit], ["compile", "--systemd", "252", "--unit", unit]),
            (["expand", "--systemd", "252", unit, "~mount"], ["expand", "--systemd", "252", "--unit", unit, "~mount"]),
            (["explain", "--systemd", "252", unit, "uname"], ["explain", "--systemd", "252", "--unit", unit, "uname"]),
            (["simulate", "--systemd", "252", unit, "uname"], ["simulate", "--systemd", "252", "--unit", unit, "uname"]),
            (["check", "--systemd", "252", unit], ["check", "--systemd", "252", "--unit", unit]),
        ]
        for (positional, option) in pairs {
            let a = try Self.run(positional), b = try Self.run(option)
            #expect(a.status == b.status && a.stdout == b.stdout && a.stderr == b.stderr, "\(a)\n\(b)")
            #expect(!a.stdout.isEmpty, "\(a)")
        }
        // The unit really is read: explain names the unit's line.
        let e = try Self.run(["explain", "--systemd", "252", unit, "uname"])
        #expect(e.stdout.contains("hardened-daemon.service:13:19"), "\(e)")
        // Names are searched under --root by every command, as by check and run.
        let named = try Self.run(["expand", "--systemd", "252", "--root", "units-examples/root", "webapp.service"])
        let checked = try Self.run(["check", "--systemd", "252", "--root", "units-examples/root", "--unit", "webapp.service"])
        #expect(named.status != 2 && checked.status != 2, "\(named)\n\(checked)")
        // Both forms at once, or --root without a unit, are bad usage.
        for bad in [["compile", "--unit", unit, unit], ["expand", "--unit", unit, unit], ["explain", "--unit", unit, unit, "read"],
            ["compile", "--root", "/", "--filter", "read"], ["check", "--root", "/", "--profile", "units-examples/profiles/upper-half.json"],
            ["expand", unit, "units-examples/overlap.service"]]
        {
            let r = try Self.run(bad)
            #expect(r.status == 64, "\(r)")
        }
    }

    // MARK: Files that are not regular files

    @Test("a FIFO or a device given as a unit or profile is an error (2), not a hang")
    func notRegularFiles() throws {
        try Support.withTemporaryDirectory { dir in
            let fifo = dir.appendingPathComponent("fifo.service").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let device = dir.appendingPathComponent("zero.service").path
            try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/zero")
            let cases: [([String], String)] = [
                (["expand", "--unit", fifo], "a FIFO"), (["check", fifo], "a FIFO"), (["compile", fifo], "a FIFO"),
                (["compile", "--profile", fifo], "a FIFO"), (["check", "--profile", fifo], "a FIFO"),
                (["expand", "--unit", device], "a character device"), (["check", device], "a character device"),
            ]
            for (arguments, kind) in cases {
                let r = try Support.seccompose(arguments, timeout: 20)
                #expect(!r.timedOut && r.status == 2, "\(r)")
                #expect(r.stderr.contains("not a regular file (\(kind))"), "\(r)")
            }
        }
    }

    // MARK: Unit semantics systemd enforces

    @Test("two ExecStart= outside Type=oneshot: check reports systemd's refusal, run starts nothing", arguments: [
        ("", true), ("Type=simple\n", true), ("Type=exec\n", true), ("Type=notify\n", true), ("Type=oneshot\n", false),
        ("Type=\n", true),
    ])
    func multipleExecStart(type: String, refused: Bool) throws {
        try Support.withTemporaryDirectory { dir in
            let marker = dir.appendingPathComponent("ran").path
            let unit = dir.appendingPathComponent("two.service")
            try Support.write("[Service]\n\(type)ExecStart=/bin/true\nExecStart=/usr/bin/touch \(marker)\n", to: unit)
            let line = type.isEmpty ? 3 : 4
            let c = try Support.seccompose(["check", "--systemd", "252", "--color", "never", unit.path])
            let header = "\(unit.path):\(line):11: error: Service has more than one ExecStart= setting, which is only allowed "
                + "for Type=oneshot services. Refusing. [multiple-exec-start]"
            #expect(c.stdout.contains(header) == refused, "\(c)")
            #expect(c.status == (refused ? 1 : c.status), "\(c)")
            // Support.run: run's 228 is systemd's SECCOMP status, not a crash.
            let r = try Support.run(try Support.seccompose(), ["run", "--systemd", "252", unit.path])
            if refused {
                #expect(r.status == 228, "\(r)")
                #expect(r.stderr.contains("multiple-exec-start"), "\(r)")
                #expect(!FileManager.default.fileExists(atPath: marker), "nothing may run: \(r)")
            } else {
                #expect(FileManager.default.fileExists(atPath: marker), "\(r)")
            }
        }
    }

    @Test("an empty ExecStart= resets the list: one command left is no refusal")
    func execStartReset() throws {
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("reset.service")
            try Support.write("[Service]\nExecStart=/bin/false\nExecStart=\nExecStart=/bin/true\n", to: unit)
            let c = try Support.seccompose(["check", "--systemd", "252", unit.path])
            #expect(!c.stdout.contains("multiple-exec-start"), "\(c)")
        }
    }

    // MARK: Diagnostics

    @Test("OCI profile numbers a field cannot hold: file:line:col at the field, not 'not valid JSON'", arguments: [
        ("\"defaultErrnoRet\": -1,\n  \"syscalls\": []", 2, 22, "'defaultErrnoRet' is -1, not an errno number"),
        ("\"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -1 } ]", 2, 78,
            "'errnoRet' is -1, not an errno number"),
        ("\"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4294967296 } ]", 2, 78,
            "'errnoRet' is 4294967296, not an errno number"),
        ("\"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\",\n  \"args\": [ { \"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\" } ] } ]",
            3, 36, "'value' is -1: runc reads argument values as unsigned 64-bit numbers"),
    ])
    func profileNumbers(body: String, line: Int, column: Int, message: String) throws {
        try Support.withTemporaryDirectory { dir in
            let profile = dir.appendingPathComponent("p.json")
            try Support.write("{ \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \(body)\n}\n", to: profile)
            let c = try Support.seccompose(["check", "--profile", profile.path])
            #expect(c.status == 1, "\(c)")
            #expect(c.stdout.contains("\(profile.path):\(line):\(column): error: \(message)"), "\(c)")
            #expect(!c.stdout.contains("not valid JSON"), "\(c)")
            let compile = try Support.seccompose(["compile", "--profile", profile.path])
            #expect(compile.status == 1 && compile.stdout.isEmpty, "\(compile)")
            #expect(compile.stderr.components(separatedBy: message).count == 2, "reported once, at the field: \(compile)")
            #expect(compile.stderr.hasPrefix("\(profile.path):\(line):\(column): error: "), "\(compile)")
        }
    }

    @Test("a very long unit line is echoed as an excerpt around the caret")
    func longLineExcerpt() throws {
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("long.service")
            let value = String(repeating: "read ", count: 80_000) + "bogus " + String(repeating: "write ", count: 80_000)
            try Support.write("[Service]\nExecStart=/bin/true\nSystemCallFilter=\(value)\n", to: unit)
            let r = try Support.seccompose(["check", "--systemd", "252", "--color", "never", unit.path])
            #expect(r.status == 1)
            #expect(r.stdoutData.count < 20_000, "the 880 kB line is not printed whole: \(r.stdoutData.count) bytes")
            let lines = r.stdoutLines
            let i = try #require(lines.firstIndex { $0.contains("ignoring: bogus [unknown-syscall]") }, "\(r)")
            let excerpt = lines[i + 1], caret = lines[i + 2]
            #expect(excerpt.hasPrefix("    …") && excerpt.hasSuffix("…"), "\(excerpt)")
            #expect(excerpt.count <= 4 + 120 + 2, "\(excerpt.count)")
            // The caret stands under the word the finding is about.
            let at = caret.firstIndex(of: "^").map { caret.distance(from: caret.startIndex, to: $0) }
            let word = excerpt.range(of: "bogus").map { excerpt.distance(from: excerpt.startIndex, to: $0.lowerBound) }
            #expect(at != nil && at == word, "\(excerpt)\n\(caret)")
        }
    }

    @Test("the overlap note names the allow line that granted the calls, not a fixed example")
    func overlapNote() throws {
        try Support.withTemporaryDirectory { dir in
            let unit = dir.appendingPathComponent("o.service")
            try Support.write("[Service]\nExecStart=/bin/true\nSystemCallFilter=@basic-io @system-service\nSystemCallFilter=~@resources\n",
                to: unit)
            let r = try Support.seccompose(["check", "--systemd", "252", unit.path])
            #expect(r.stdout.contains("warning: '@resources' also removes syscalls an earlier allow line granted"), "\(r)")
            #expect(r.stdout.contains("note: granted by '@system-service' (line 3); '@resources' names them too, and the later line wins"),
                "\(r)")
            #expect(!r.stdout.contains("@privileged"), "\(r)")
        }
    }

    // MARK: One number parser

    @Test("resolve agrees with scmp_sys_resolver on numbers, x32 with or without its bit; hex and negatives parse alike")
    func resolveNumbers() throws {
        let resolver = try Support.requireTool("scmp_sys_resolver", package: "seccomp")
        for (abi, numbers) in [("x86_64", [0, 1, 59, 231, 334, 435, 999]), ("x86", [0, 3, 11, 102, 117, 451]),
            ("x32", [0, 1, 59, 512, 520, 0x4000_0000, 0x4000_0000 + 520]), ("aarch64", [0, 63, 221, 435])]
        {
            for n in numbers {
                let theirs = try Support.run(resolver, ["-a", abi, String(n)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                for text in [String(n), "0x" + String(n, radix: 16)] {
                    let ours = try Self.run(["resolve", "--arch", abi, text])
                    let name = ours.stdout.split(separator: "\t").dropFirst().first.map(String.init) ?? ""
                    #expect(name == (theirs == "UNKNOWN" ? "-" : theirs), "\(abi) \(text): scmp_sys_resolver says \(theirs)\n\(ours)")
                    #expect(ours.status == (theirs == "UNKNOWN" ? 1 : 0), "\(ours)")
                }
            }
        }
        // A negative number needs no '--' and resolves to nothing, as scmp_sys_resolver's UNKNOWN.
        let negative = try Self.run(["resolve", "--arch", "x86_64", "-1"])
        #expect(negative.status == 1 && negative.stderr.contains("'-1' is not a syscall on x86_64"), "\(negative)")
        let typo = try Self.run(["resolve", "--fliter", "read"])
        #expect(typo.status == 64 && typo.stderr.contains("unknown option '--fliter'"), "\(typo)")
    }

    @Test("simulate and explain take negative and hex arguments and numbers without '--'")
    func callNumbers() throws {
        let setting = ["--systemd", "252", "--unit-setting", "RestrictNamespaces=~user net", "--arch", "x86_64"]
        let forms = [["setns", "3", "-1"], ["setns", "3", "0xffffffffffffffff"], ["setns", "3", "18446744073709551615"],
            ["308", "0x3", "-0x1"]]
        var outputs: Set<String> = []
        for f in forms {
            let r = try Self.run(["explain", "--format", "json"] + setting + f)
            #expect(r.status == 0, "\(r)")
            let object = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
            #expect((object?["arguments"] as? [NSNumber])?.prefix(2).map(\.uint64Value) == [3, UInt64.max], "\(r)")
            outputs.insert(try Self.run(["simulate"] + setting + f).stdout)
        }
        #expect(outputs.count == 1, "every spelling gives the same simulation: \(outputs)")
        let bad = try Self.run(["simulate", "--filter", "read", "read", "1x"])
        #expect(bad.status == 64 && bad.stderr.contains("argument '1x' is not a number"), "\(bad)")
        let typo = try Self.run(["simulate", "--filter", "read", "read", "--fliter"])
        #expect(typo.status == 64 && typo.stderr.contains("unknown option '--fliter'"), "\(typo)")
    }

    // MARK: The default systemd version

    @Test("without --systemd: the host's systemd when supported, otherwise the newest; every output names it", arguments: [
        (["libsystemd-shared-252.so"], 252), (["libsystemd-shared-262.so", "libsystemd-core-262.so"], 262),
        (["libsystemd-shared-257.so"], 262), ([], 262), (["libsystemd-shared-252.so.bak"], 262),
    ])
    func defaultSystemdVersion(files: [String], expected: Int) throws {
        let binary = try Support.seccompose()
        try Support.withTemporaryDirectory { dir in
            for f in files { try Support.write("", to: dir.appendingPathComponent(f)) }
            func run(_ arguments: [String]) throws -> RunResult {
                try Support.run("/usr/bin/env", ["SECCOMPOSE_SYSTEMD_LIBDIR=" + dir.path, binary] + arguments,
                    in: URL(fileURLWithPath: repositoryRoot))
            }
            let expand = try run(["expand", "@basic-io"])
            #expect(expand.stdoutLines.first == "# systemd \(expected) on x86_64", "\(expand)")
            for arguments in [["expand", "--format", "json", "read"], ["check", "--format", "json", "units-examples/clean-daemon.service"],
                ["syscall-filter", "--format", "json", "@basic-io"], ["explain", "--format", "json", "--filter", "read", "read"],
                ["simulate", "--format", "json", "--filter", "read", "read"], ["compile", "--format", "json", "--filter", "read"]]
            {
                let r = try run(arguments)
                let object = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
                #expect(object?["systemd"] as? Int == expected, "\(arguments): \(r)")
            }
            let check = try run(["check", "units-examples/clean-daemon.service"])
            #expect(check.stdout.contains("1 unit checked as systemd \(expected): "), "\(check)")
            // --systemd still decides.
            let pinned = try run(["expand", "--systemd", expected == 252 ? "262" : "252", "@basic-io"])
            #expect(pinned.stdoutLines.first != "# systemd \(expected) on x86_64", "\(pinned)")
        }
    }

    @Test("a profile's JSON names no systemd version")
    func profileHasNoSystemdVersion() throws {
        let r = try Self.run(["compile", "--format", "json", "--profile", "Tests/Fixtures/docker-seccomp-default.json"])
        let object = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        #expect(object != nil && object?["systemd"] == nil, "\(r.stderr)")
    }
}
