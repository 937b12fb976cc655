// BadInputTests.swift: bad input never crashes, always gives a clear error and a non-zero exit
// status (64 bad usage, 2 unreadable input, 1 diagnostics), and finishes in bounded time.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("bad input: clear errors, the documented exit status, no crash, no hang")
struct BadInputTests {
    @Test("an unknown --systemd version is bad usage (64)", arguments: [
        ["expand", "--systemd", "999", "read"],
        ["expand", "--systemd", "", "read"],
        ["expand", "--systemd", "253", "read"],
        ["expand", "--systemd", "v999", "read"],
        ["syscall-filter", "--systemd", "251"],
    ])
    func unknownVersion(arguments: [String]) throws {
        let r = try Support.seccompose(arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("unknown systemd version"), "\(r)")
        #expect(r.stderr.contains("use one of: 252, 262"), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    @Test("version spellings systemd uses are accepted", arguments: ["252", "v252", "252.39", "262", "v262.1"])
    func versionSpellings(version: String) throws {
        let r = try Support.seccompose(["expand", "--systemd", version, "--format", "json"])
        #expect(r.status == 0, "\(r)")
        let j = try Support.decode(ExpandJSON.self, from: r)
        #expect(String(j.systemd) == version.trimmingCharacters(in: ["v"]).prefix(3))
    }

    @Test("other bad usage (64)", arguments: [
        (["expand", "--native", "bogus", "read"], "unknown ABI 'bogus' for --native"),
        (["expand", "--arch", "bogus", "read"], "unknown ABI 'bogus' for --arch"),
        (["expand", "--format", "yaml", "read"], "The value 'yaml' is invalid for '--format <format>'"),
        (["expand", "--bogus"], "Unknown option '--bogus'"),
        (["bogus-subcommand"], "Unexpected argument 'bogus-subcommand'"),
        (["syscall-filter", "--format", "xml"], "The value 'xml' is invalid for '--format <format>'"),
    ])
    func badUsage(arguments: [String], message: String) throws {
        let r = try Support.seccompose(arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
    }

    @Test("--sets with a directory that does not exist: exit 2, the path named", arguments: ["expand", "syscall-filter"])
    func missingSetDirectory(subcommand: String) throws {
        let path = "/nonexistent-\(UUID().uuidString)"
        let r = try Support.seccompose([subcommand, "--systemd", "252", "--sets", path] + (subcommand == "expand" ? ["read"] : []))
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains(path), "\(r)")
        #expect(r.stderr.contains("cannot read the directory: No such file or directory"), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    struct BadSet: Sendable, CustomTestStringConvertible {
        var files: [String: String]
        var expected: String
        var testDescription: String { String(expected.prefix { $0 != "\n" }) }
    }

    static let badSets: [BadSet] = [
        BadSet(files: ["bad.set": "# c\ndescription: bad\nread\nwr!te\n"],
            expected: "bad.set:4:1: error: invalid member 'wr!te'\n  fix: "),
        BadSet(files: ["bad.set": "read\n"],
            expected: "bad.set:1:1: error: member before the 'description:' line\n  fix: "),
        BadSet(files: ["empty.set": ""],
            expected: "empty.set:1:1: error: no 'description:' line\n  fix: "),
        BadSet(files: ["a.set": "description: a\nread\nread\n"],
            expected: "a.set:3:1: error: duplicate member 'read' (first on line 2)\n  fix: "),
        BadSet(files: ["a.set": "description: a\nread\n@a\n"],
            expected: "a.set:3:1: error: cycle of group references: @a\n  fix: "),
        BadSet(files: ["a.set": "description: a\n@nosuchgroup\n"],
            expected: "a.set:2:1: error: unknown group @nosuchgroup in @a (systemd 252)\n  fix: "),
        BadSet(files: ["A.set": "description: a\nread\n"],
            expected: "A.set:1:1: error: invalid group name 'A' (from the file name)\n  fix: "),
        BadSet(files: ["default.set": "description: mine\nread\n"],
            expected: "default.set:1:1: error: group @default clashes with the built-in group of the same name\n  fix: "),
        BadSet(files: ["system-service.set": "description: mine\nread\n"],
            expected: "system-service.set:1:1: error: group @system-service clashes with the built-in group of the same name\n  fix: "),
    ]

    @Test("a broken set file: exit 2 and FILE:LINE:COL: error: … with a fix: line", arguments: badSets)
    func badSetFile(c: BadSet) throws {
        try Support.withTemporaryDirectory { dir in
            for (name, text) in c.files { try Support.write(text, to: dir.appendingPathComponent(name)) }
            for args in [["expand", "--systemd", "252", "--sets", dir.path, "read"],
                ["syscall-filter", "--systemd", "252", "--sets", dir.path]]
            {
                let r = try Support.seccompose(args)
                #expect(r.status == 2, "\(r)")
                #expect(r.stderr.contains(dir.path + "/" + c.expected), "\(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
        }
    }

    @Test("a good user set is usable as a group")
    func goodUserSet() throws {
        try Support.withTemporaryDirectory { dir in
            try Support.write("# mine\ndescription: Mine\nread\nwrite\n@swap\n", to: dir.appendingPathComponent("mine.set"))
            let l = try Support.seccompose(["syscall-filter", "--systemd", "252", "--sets", dir.path, "@mine"])
            #expect(l.status == 0, "\(l)")
            #expect(l.stdout == "@mine\n    # Mine\n    read\n    write\n    @swap\n")
            let e = try Support.seccompose(["expand", "--systemd", "252", "--sets", dir.path, "~@mine", "--format", "json"])
            let j = try Support.decode(ExpandJSON.self, from: e)
            #expect(Set(j.syscalls.map(\.name)) == ["read", "write", "swapon", "swapoff"])
        }
    }

    @Test("a set file with CRLF line endings defines its members")
    func crlfSetFile() throws {
        try Support.withTemporaryDirectory { dir in
            try Support.write("description: mine\r\nread\r\nwrite\r\n", to: dir.appendingPathComponent("mine.set"))
            let e = try Support.seccompose(["expand", "--systemd", "252", "--sets", dir.path, "~@mine", "--format", "json"])
            let j = try Support.decode(ExpandJSON.self, from: e)
            #expect(Set(j.syscalls.map(\.name)) == ["read", "write"], "\(e)")
        }
    }

    // MARK: --unit

    @Test("--unit with an empty file: the unit is masked, so no policy and exit 1")
    func emptyUnit() throws {
        try Support.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("empty.service")
            try Support.write("", to: file)
            let t = try Support.seccompose(["expand", "--systemd", "252", "--unit", file.path])
            #expect(t.status == 1, "\(t)")
            #expect(t.stdout.isEmpty)
            #expect(t.stderr.contains("empty.service:1:1: error: Unit empty.service is masked. [masked-unit]"), "\(t)")
            let r = try Support.seccompose(["expand", "--systemd", "252", "--unit", file.path, "--format", "json"])
            #expect(r.status == 1)
            #expect(r.stdout.contains("\"outcome\" : \"unit-not-loaded\""), "\(r)")
        }
    }

    @Test("the built binary needs no repository at run time")
    func relocatedBinary() throws {
        let binary = try Support.seccompose()
        try Support.withTemporaryDirectory { dir in
            let copy = dir.appendingPathComponent("seccompose")
            // Copied by cp: a write descriptor opened in this (multi-threaded) test process could
            // leak into a concurrently spawned child and make the exec fail with ETXTBSY.
            let cp = try Support.run("/bin/cp", [binary, copy.path])
            #expect(cp.status == 0, "\(cp)")
            let r = try Support.run(copy.path, ["syscall-filter", "--systemd", "262", "@sandbox"], in: URL(fileURLWithPath: "/"))
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.hasPrefix("@sandbox\n    # Sandbox functionality\n"), "\(r)")
        }
    }

    @Test("--unit with 4 KiB of random binary bytes (with NUL): exit 2")
    func binaryUnit() throws {
        try Support.withTemporaryDirectory { dir in
            var g = SystemRandomNumberGenerator()
            var bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &g) }
            bytes[100] = 0
            let file = dir.appendingPathComponent("random.service")
            try Data(bytes).write(to: file)
            let r = try Support.seccompose(["expand", "--systemd", "252", "--unit", file.path])
            #expect(r.status == 2, "\(r)")
            #expect(r.stderr.hasPrefix(file.path + ": error: binary data (a NUL byte at offset "), "\(r)")
            #expect(r.stderr.contains("\n  fix: "))
            #expect(r.stdout.isEmpty)
        }
    }

    @Test("--unit with invalid UTF-8 (no NUL): exit 2")
    func invalidUTF8Unit() throws {
        try Support.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("latin1.service")
            // "~r\u{E9}ad" in Latin-1: 0xE9 alone is not UTF-8.
            try Data(Array("[Service]\nSystemCallFilter=~r".utf8) + [0xE9] + Array("ad\n".utf8)).write(to: file)
            let r = try Support.seccompose(["expand", "--systemd", "252", "--unit", file.path])
            #expect(r.status == 2, "\(r)")
            #expect(r.stderr.contains("not valid UTF-8"), "\(r)")
        }
    }

    @Test("--unit with a file that does not exist, or a directory: exit 2, the path named")
    func missingUnit() throws {
        let path = "/nonexistent-\(UUID().uuidString)/t.service"
        let r = try Support.seccompose(["expand", "--systemd", "252", "--unit", path])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr == "\(path): error: cannot open: No such file or directory\n  fix: check the path and its permissions\n")
        #expect(r.stdout.isEmpty)

        try Support.withTemporaryDirectory { dir in
            let d = try Support.seccompose(["expand", "--systemd", "252", "--unit", dir.path])
            #expect(d.status == 2, "\(d)")
            #expect(d.stderr.hasPrefix(dir.path + ": error: "), "\(d)")
        }
    }

    @Test("--unit with a 10 MB SystemCallFilter= line: finishes, non-zero, says the line is too long")
    func hugeUnitLine() throws {
        try Support.withTemporaryDirectory { dir in
            var text = "[Service]\nExecStart=/bin/true\nSystemCallFilter=~"
            text.reserveCapacity(10_500_000)
            var i = 0
            while text.utf8.count < 10_000_000 {
                text += "nosuch\(i) @system-service read "
                i += 1
            }
            text += "\nSystemCallFilter=~foo\n"
            let file = dir.appendingPathComponent("huge.service")
            try Support.write(text, to: file)
            let r = try Support.seccompose(["expand", "--systemd", "252", "--unit", file.path], timeout: 60)
            #expect(!r.timedOut)
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("huge.service:3:1: error: line longer than 1048576 bytes"), "\(r)")
            // systemd refuses to load such a unit, so nothing after the line is read.
            #expect(!r.stderr.contains("huge.service:4:"), "\(r)")
            #expect(r.stderr.contains("systemd refuses to load"), "\(r)")
            #expect(r.duration < 60)
        }
    }

    @Test("a 100 KB value of unknown words on the command line: non-zero, quick, bounded output")
    func hugeArgument() throws {
        let words = (0..<12_500).map { String(format: "zz%05d", $0) }
        let value = "~" + words.joined(separator: " ")
        #expect(value.utf8.count >= 100_000)
        let r = try Support.seccompose(["expand", "--systemd", "252", value], timeout: 60)
        #expect(!r.timedOut)
        #expect(r.status == 1, "\(r)")
        #expect(r.duration < 30, "took \(r.duration) s")
        #expect(r.stderrLines.first == "<command line>:1:2: warning: Failed to parse system call, ignoring: zz00000 [unknown-syscall]")
        // At most 1000 diagnostics are printed, then a count of the rest.
        #expect(r.stderr.contains("\n… and 11500 more diagnostics"), "\(r)")
        #expect(r.stderrLines.filter { $0.hasPrefix("<command line>:") }.count == 1000)
    }

    @Test("a 100 KB value of repeated groups finishes quickly")
    func manyGroupWords() throws {
        let value = "~" + Array(repeating: "@system-service @known", count: 4_500).joined(separator: " ")
        #expect(value.utf8.count >= 100_000)
        let r = try Support.seccompose(["expand", "--systemd", "252", value, "--format", "json"], timeout: 60)
        #expect(!r.timedOut)
        #expect(r.status == 0, "\(r)")
        #expect(r.duration < 30, "took \(r.duration) s")
    }
}

@Suite("output errors and the command line's conventions")
struct OutputConventionTests {
    @Test("--version prints the one version constant; help for no such subcommand is a usage error")
    func versionAndHelp() throws {
        let version = try Support.seccompose(["--version"])
        #expect(version.status == 0 && version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil,
            "\(version)")
        let source = try String(contentsOfFile: repositoryRoot + "/Sources/SeccomposeDiagnostics/SeccomposeVersion.swift",
            encoding: .utf8)
        #expect(source.contains("\"\(version.stdout.dropLast())\""), "one constant: \(version.stdout)")
        let help = try Support.seccompose(["help", "nosuch"])
        #expect(help.status == 64 && help.stderr.contains("no subcommand 'nosuch'"), "\(help)")
        #expect(try Support.seccompose(["help", "run"]).status == 0)
    }

    @Test("a full disk is a write error (status 1), never a crash; a closed pipe ends quietly",
        arguments: [["syscall-filter", "--systemd", "252"], ["compile", "--filter", "@system-service", "--format", "raw"],
            ["compile", "--filter", "@system-service", "--format", "c"]])
    func outputErrors(arguments: [String]) throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let command = ([seccompose] + arguments).map(Support.shellQuote).joined(separator: " ")
        let full = try Support.run("/bin/sh", ["-c", "\(command) > /dev/full"])
        #expect(full.status == 1, "\(full)")
        #expect(full.stderr == "seccompose: write error: No space left on device\n", "\(full)")
        let pipe = try Support.run("/bin/sh", ["-c", "\(command) | head -c 1 >/dev/null; echo \"status=${PIPESTATUS:-x}\""])
        #expect(!pipe.stderr.contains("write error") && !pipe.stderr.contains("Fatal") && !pipe.stderr.contains("crashed"),
            "a closed pipe ends quietly: \(pipe)")
    }
}

@Suite("explain and simulate as JSON")
struct CallJSONTests {
    struct Call: Decodable {
        var schema: String
        var abi: String
        var number: Int
        var name: String?
        var action: String
        var reason: String
        var programAction: String
        var instructionsExecuted: Int
    }

    @Test("seccompose.call/1: the policy's action and reason, the program's action and path length")
    func callJSON() throws {
        let unit = repositoryRoot + "/units-examples/hardened-daemon.service"
        let explain = try Support.seccompose(["explain", "--systemd", "252", "--unit", unit, "--arch", "x86_64", "--format", "json", "uname"])
        let e = try Support.decode(Call.self, from: explain)
        #expect(e.schema == "seccompose.call/1" && e.name == "uname" && e.number == 63)
        #expect(e.action == "errno(EBADF)" && e.programAction == e.action && e.reason.contains("hardened-daemon.service:13:19"))
        let simulate = try Support.seccompose(["simulate", "--filter", "~mount", "--arch", "x86", "--format", "json", "mount"])
        let s = try Support.decode(Call.self, from: simulate)
        #expect(s.abi == "x86" && s.programAction == "kill-process" && s.instructionsExecuted > 0)
    }

    /// A profile that fits in no layout (1400 request numbers each for ioctl, fcntl and prctl,
    /// different for each, on x86-64: about one instruction a value even in the smallest
    /// layout) is refused by the compiler with one error that gives the sizes, and one fix.
    @Test("a policy too large for the kernel: one error with the sizes, one fix")
    func tooLargeToCompile() throws {
        try Support.withTemporaryDirectory { dir in
            var rules = [#"{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}"#]
            for (k, (name, index)) in [("ioctl", 1), ("fcntl", 1), ("prctl", 0)].enumerated() {
                for v in 0..<1400 {
                    rules.append(#"{"names": ["\#(name)"], "action": "SCMP_ACT_ALLOW", "args": [{"index": \#(index), "op": "SCMP_CMP_EQ", "value": \#(0x5400 + 3 * v + k)}]}"#)
                }
            }
            let profile = #"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": ["#
                + rules.joined(separator: ", ") + "]}"
            let path = dir.appendingPathComponent("big.json")
            try Support.write(profile, to: path)
            let r = try Support.seccompose(["compile", "--profile", path.path, "--format", "raw", "-o", "/dev/null"], timeout: 600)
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.components(separatedBy: "error:").count == 2, "one error: \(r.stderr)")
            #expect(r.stderr.components(separatedBy: "fix:").count == 2, "one fix: \(r.stderr)")
            #expect(r.stderr.contains("the limit is 4096"), "\(r.stderr)")
        }
    }

    /// `-o` never replaces what is not a regular file: a device (here a copy of /dev/null made
    /// with mknod: major 1, minor 3) is written in place and stays a device; a regular file is
    /// replaced whole.
    @Test("-o writes into a device in place, never replacing it with a regular file")
    func outputIntoADevice() throws {
        try Support.withTemporaryDirectory { dir in
            let device = dir.appendingPathComponent("null").path
            try #require(mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0, "mknod: \(String(cString: strerror(errno)))")
            let r = try Support.seccompose(["compile", "--systemd", "252", "--filter", "@basic-io", "--format", "raw", "-o", device])
            #expect(r.status == 0, "\(r)")
            var st = stat()
            #expect(stat(device, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "-o replaced the device")
            let file = dir.appendingPathComponent("out.bpf").path
            try Support.write("old contents that are longer than nothing", to: URL(fileURLWithPath: file))
            let f = try Support.seccompose(["compile", "--systemd", "252", "--filter", "@basic-io", "--format", "raw", "-o", file])
            #expect(f.status == 0, "\(f)")
            let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int
            #expect(size.map { $0 > 0 && $0 % 8 == 0 } == true, "a raw program is whole instructions: \(String(describing: size))")
        }
    }
}
