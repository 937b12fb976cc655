// CheckTests.swift: `seccompose check` on the units in units-examples/: the pinned text output
// (units-examples/expected/NAME.txt) and exit status of each, the JSON and SARIF renderings,
// --strict, units that cannot be read, and the warnings systemd-analyze verify (systemd 252)
// prints for the same files.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("check: units-examples/ pinned outputs, JSON and SARIF, and systemd-analyze verify")
struct CheckTests {
    /// The repository root (the tests run `check` from there, so paths in the output are relative).
    static let repositoryRoot = URL(fileURLWithPath: SeccomposeTestSupport.repositoryRoot)

    static func repoFile(_ relativePath: String) throws -> Data {
        try Data(contentsOf: repositoryRoot.appendingPathComponent(relativePath))
    }

    /// `seccompose check ARGUMENTS`, run in the repository root.
    static func check(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        try Support.seccompose(["check"] + arguments, in: repositoryRoot, sourceLocation: sourceLocation)
    }

    // MARK: Pinned text output

    struct Example: Sendable, CustomTestStringConvertible {
        /// units-examples/expected/NAME.txt
        var expected: String
        var arguments: [String]
        /// A Sources/ bug the pinned output expects fixed (the output is pinned as it should be).
        var bug: String? = nil
        var testDescription: String { "\(expected): check \(arguments.joined(separator: " "))" }
    }

    static func file(_ name: String, bug: String? = nil) -> Example {
        Example(expected: name, arguments: ["--systemd", "252", "units-examples/\(name).service"], bug: bug)
    }

    static func underRoot(_ unit: String) -> Example {
        Example(expected: String(unit.dropLast(".service".count)),
            arguments: ["--systemd", "252", "--root", "units-examples/root", unit])
    }

    /// The exit status the table (`seccompose --help`) gives for a pinned output: 1 when its
    /// summary line counts an error or a warning (with `strict`, a note too), else 0.
    static func expectedStatus(summary: String, strict: Bool = false) -> Int32 {
        func count(_ word: String) -> Int {
            guard let r = summary.range(of: #"(\d+) \#(word)"#, options: .regularExpression) else { return 0 }
            return Int(summary[r].split(separator: " ")[0]) ?? 0
        }
        let findings = count("error") + count("warning") + (strict ? count("note") : 0)
        return findings > 0 ? 1 : 0
    }

    static let nondeterministicColumn =
        "the deny-list finding's column depends on Dictionary order (UnitChecker.lint: firstFilter ties on the line are not broken by column)"

    static let examples: [Example] = [
        file("hardened-daemon"),
        file("mistakes"),
        file("clean-daemon"),
        file("deny-list"),
        file("plus-prefix"),
        file("default-removed"),
        file("action-equals-default"),
        file("overlap"),
        file("new-syscalls"),
        Example(expected: "new-syscalls.262", arguments: ["--systemd", "262", "units-examples/new-syscalls.service"]),
        file("bad-errno"),
        file("quoting"),
        file("unknown-group"),
        file("misspelled-key"),
        file("crlf"),
        file("continuation"),
        file("bad-section"),
        file("every-directive"),
        file("argument-widths"),
        Example(expected: "profile-upper-half", arguments: ["--profile", "units-examples/profiles/upper-half.json"]),
        file("run-hello"),
        underRoot("webapp.service"),
        underRoot("worker@bar.service"),
        underRoot("legacy.service"),
    ]

    @Test("the pinned text output and exit status", arguments: examples)
    func pinned(example: Example) throws {
        let expected = try Self.repoFile("units-examples/expected/\(example.expected).txt")
        let r = try Self.check(example.arguments)
        let summary = String(decoding: expected, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        #expect(r.status == Self.expectedStatus(summary: summary), "the exit-status table says 1 for warnings: \(r)")
        #expect(r.stderr.isEmpty, "\(r)")
        if r.stdoutData != expected {
            let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            let got = r.stdoutLines
            let first = (0..<min(want.count, got.count)).first { want[$0] != got[$0] } ?? min(want.count, got.count)
            Issue.record("""
                stdout differs from units-examples/expected/\(example.expected).txt at line \(first + 1):
                  expected: \(first < want.count ? want[first] : "<end>")
                  actual:   \(first < got.count ? got[first] : "<end>")
                \(example.bug.map { "known Sources/ bug: \($0)\n" } ?? "")\(r)
                """)
        }
    }

    @Test("every example in units-examples/ has a pinned output")
    func everyExampleIsPinned() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.repositoryRoot.appendingPathComponent("units-examples").path)
        let units = Set(files.filter { $0.hasSuffix(".service") }.map { String($0.dropLast(".service".count)) })
        let pinned = Set(Self.examples.map(\.expected))
        #expect(units.subtracting(pinned).isEmpty, "examples without a pinned output: \(units.subtracting(pinned).sorted())")
        #expect(units.count >= 15)
        let expectedFiles = try FileManager.default.contentsOfDirectory(
            atPath: Self.repositoryRoot.appendingPathComponent("units-examples/expected").path)
        #expect(Set(expectedFiles) == Set(Self.examples.map { $0.expected + ".txt" }), "stale or missing files in expected/")
    }

    @Test("the same input gives the same output, run after run", arguments: examples)
    func deterministic(example: Example) throws {
        let first = try Self.check(example.arguments)
        for _ in 0..<4 {
            let again = try Self.check(example.arguments)
            #expect(again.stdoutData == first.stdoutData,
                "output changed between runs\(example.bug.map { " (known Sources/ bug: \($0))" } ?? ""):\n\(first)\n\(again)")
        }
    }

    @Test("the clean example has no errors or warnings, under 252 and 262")
    func cleanDaemon() throws {
        for version in ["252", "262"] {
            let r = try Self.check(["--systemd", version, "units-examples/clean-daemon.service"])
            #expect(r.status == 0, "\(r)")
            // Notes (how other systemd versions differ) are information, not findings to fix.
            #expect(r.stdoutLines.last(where: { !$0.isEmpty })?.hasPrefix("1 unit checked as systemd \(version): 0 errors, 0 warnings") == true, "\(r)")
            #expect(!r.stdout.contains(": warning:") && !r.stdout.contains(": error:"), "\(r)")
        }
    }

    // MARK: JSON and SARIF

    struct CheckJSON: Decodable {
        struct Unit: Decodable {
            var unit: String
            var files: [String]
            var masked: Bool
            var errors: Int
            var warnings: Int
            var findings: [DiagnosticJSON]
        }

        var schema: String
        var systemd: Int
        var units: [Unit]
    }

    @Test("--format json: the schema, the files read in order, and consistent counts")
    func json() throws {
        let r = try Self.check(["--systemd", "252", "--format", "json", "units-examples/mistakes.service",
            "units-examples/default-removed.service"])
        #expect(r.status == 1, "\(r)")
        let j = try Support.decode(CheckJSON.self, from: r)
        #expect(j.schema == "seccompose.check/1")
        #expect(j.systemd == 252)
        try #require(j.units.count == 2, "\(r)")
        #expect(j.units.map(\.unit) == ["mistakes.service", "default-removed.service"])
        #expect(j.units.map(\.files) == [["units-examples/mistakes.service"], ["units-examples/default-removed.service"]])
        for u in j.units {
            #expect(!u.masked)
            #expect(u.errors == u.findings.filter { $0.severity == "error" }.count, "\(u.unit)")
            #expect(u.warnings == u.findings.filter { $0.severity == "warning" }.count, "\(u.unit)")
            #expect(u.findings.allSatisfy { ["error", "warning", "note"].contains($0.severity) })
            #expect(u.findings.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "\(u.findings)")
        }
        // The same counts as the pinned text summaries.
        #expect((j.units[0].errors, j.units[0].warnings) == (0, 15))
        #expect((j.units[1].errors, j.units[1].warnings) == (1, 0))
        let removed = try #require(j.units[1].findings.first)
        #expect(removed.code == "default-removed" && removed.line == 12 && removed.column == 19 && removed.text == "execve"
            && !removed.isSystemdMessage, "\(removed)")
        // systemd's own words are marked as such.
        #expect(j.units[0].findings.contains {
            $0.isSystemdMessage && $0.code == "unknown-group" && $0.message == "Unknown system call group, ignoring: @sytem-service"
                && $0.line == 7 && $0.column == 19 && $0.fix == "did you mean '@system-service'?"
        }, "\(j.units[0].findings)")
    }

    @Test("--format json: drop-ins in systemd's order, the masked one left out; a masked unit")
    func jsonDropIns() throws {
        let r = try Self.check(["--systemd", "252", "--root", "units-examples/root", "--format", "json", "webapp.service",
            "legacy.service"])
        #expect(r.status == 1, "\(r)")
        let j = try Support.decode(CheckJSON.self, from: r)
        try #require(j.units.count == 2, "\(r)")
        let etc = "units-examples/root/etc/systemd/system"
        #expect(j.units[0].files == ["\(etc)/webapp.service", "\(etc)/webapp.service.d/10-network.conf",
            "\(etc)/webapp.service.d/20-errno.conf", "\(etc)/service.d/50-native.conf"], "\(j.units[0].files)")
        #expect(!j.units[0].findings.contains { $0.severity == "error" }, "20-errno.conf's EACCES must win: \(j.units[0].findings)")
        #expect(!j.units[0].findings.contains { $0.code == "no-native-only" }, "service.d/50-native.conf applies")
        #expect(j.units[1].unit == "legacy.service")
        #expect(j.units[1].masked)
        #expect(j.units[1].findings.map(\.code) == ["masked-unit"])
        #expect(j.units[1].errors == 1)
    }

    @Test("--format sarif: SARIF 2.1.0, one result per finding with rule, level and location")
    func sarif() throws {
        let args = ["--systemd", "252", "units-examples/mistakes.service", "units-examples/action-equals-default.service",
            "units-examples/bad-section.service"]
        let jr = try Self.check(args + ["--format", "json"])
        let findings = try Support.decode(CheckJSON.self, from: jr).units.flatMap { u in u.findings.map { (u.unit, $0) } }
        let r = try Self.check(args + ["--format", "sarif"])
        #expect(r.status == 1, "\(r)")
        let root = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r)")
        #expect(root["version"] as? String == "2.1.0")
        #expect((root["$schema"] as? String)?.contains("sarif") == true)
        let runs = try #require(root["runs"] as? [[String: Any]])
        try #require(runs.count == 1)
        let driver = (runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any]
        #expect(driver?["name"] as? String == "seccompose")
        let ruleIDs = Set(((driver?["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        let results = try #require(runs[0]["results"] as? [[String: Any]])
        #expect(results.count == findings.count, "\(results.count) results for \(findings.count) findings")
        #expect(findings.count > 16)
        for (result, (_, finding)) in zip(results, findings) {
            let ruleID = try #require(result["ruleId"] as? String, "\(result)")
            #expect(ruleID == finding.code)
            #expect(ruleIDs.contains(ruleID), "rule \(ruleID) is not described in tool.driver.rules")
            #expect(result["level"] as? String == finding.severity, "\(result)")
            #expect(((result["message"] as? [String: Any])?["text"] as? String)?.hasPrefix(finding.message) == true, "\(result)")
            let locations = try #require(result["locations"] as? [[String: Any]], "\(result)")
            let physical = try #require(locations.first?["physicalLocation"] as? [String: Any], "\(result)")
            let region = try #require(physical["region"] as? [String: Any], "\(result)")
            let line = try #require(region["startLine"] as? Int, "\(result)")
            #expect(line == finding.line && line >= 1, "\(result)")
            #expect(region["startColumn"] as? Int == finding.column, "\(result)")
            #expect((physical["artifactLocation"] as? [String: Any])?["uri"] as? String == finding.file, "\(result)")
        }
    }

    // MARK: Exit status

    @Test("warnings give exit status 1 (as for expand); --strict: notes too; the output is the same", arguments: [
        ("units-examples/overlap.service", Int32(1), Int32(1)), ("units-examples/misspelled-key.service", 1, 1),
        ("units-examples/default-removed.service", 1, 1), ("units-examples/clean-daemon.service", 0, 1),
    ])
    func strict(unit: String, status: Int32, strictStatus: Int32) throws {
        let plain = try Self.check(["--systemd", "252", unit])
        let strict = try Self.check(["--systemd", "252", "--strict", unit])
        #expect(plain.status == status, "\(plain)")
        #expect(strict.status == strictStatus, "\(strict)")
        let summary = plain.stdoutLines.last(where: { !$0.isEmpty }) ?? ""
        #expect(plain.status == Self.expectedStatus(summary: summary), "\(plain)")
        #expect(strict.status == Self.expectedStatus(summary: summary, strict: true), "\(strict)")
        #expect(strict.stdoutData == plain.stdoutData)
        // expand follows the same table: a warning in the unit's SystemCall*= lines gives 1 there too.
        let expand = try Support.seccompose(["expand", "--systemd", "252", "--unit", unit], in: Self.repositoryRoot)
        if expand.stderr.contains(": warning: ") { #expect(expand.status == 1, "\(expand)") }
    }

    @Test("a unit that cannot be read or found: exit status 2 and a message naming it", arguments: [
        (["units-examples/no-such-unit.service"], "units-examples/no-such-unit.service: error: cannot open: No such file or directory"),
        (["--root", "units-examples/root", "no-such-unit.service"],
            "no-such-unit.service: error: unit not found in the search path under units-examples/root"),
        (["no-such-unit.service"], "no-such-unit.service: error: unit not found in the search path under /"),
        (["units-examples/README.md"], "units-examples/README.md: error: 'README.md' is not a valid unit name"),
        (["units-examples/overlap.service", "units-examples/no-such-unit.service"],
            "units-examples/no-such-unit.service: error: cannot open: No such file or directory"),
    ])
    func unreadable(arguments: [String], message: String) throws {
        let r = try Self.check(["--systemd", "252"] + arguments)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(r.stderr.contains("fix: "), "\(r)")
        // The units that could be read are still reported.
        let readable = arguments.filter { $0.hasSuffix("overlap.service") }.count
        #expect(r.stdout.contains("\(readable) unit\(readable == 1 ? "" : "s") checked"), "\(r)")
    }

    @Test("check without a unit is bad usage (64)")
    func noUnit() throws {
        let r = try Self.check(["--systemd", "252"])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
    }

    // MARK: Differential: systemd-analyze verify (systemd 252)

    /// The unit files systemd should be able to load on their own (from units-examples/ and the
    /// fragments under root/ without their drop-ins).
    static var differentialFiles: [String] {
        let dir = repositoryRoot.appendingPathComponent("units-examples").path
        let top = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".service") }
            .sorted().map { "units-examples/" + $0 }
        return top + ["units-examples/root/etc/systemd/system/webapp.service",
            "units-examples/root/etc/systemd/system/worker@.service"]
    }

    struct Line: Hashable, Comparable, CustomStringConvertible {
        var line: Int
        var message: String
        static func < (a: Line, b: Line) -> Bool { (a.line, a.message) < (b.line, b.message) }
        var description: String { "\(line): \(message)" }
    }

    /// Runs `systemd-analyze verify` and `check --format json` on a copy of `path` in a fresh directory.
    static func compare(_ path: String) throws -> (loaded: Bool, systemd: [Line], ours: [Line], verify: RunResult) {
        let analyze = try Support.requireTool("systemd-analyze", package: "systemd")
        let name = String(path.split(separator: "/").last!)
        let text = try repoFile(path)
        return try Support.withTemporaryDirectory { dir in
            let copy = dir.appendingPathComponent(name)
            try text.write(to: copy)
            let verify = try Support.run(analyze, ["verify", "--man=no", "./" + name], in: dir)
            #expect(!verify.timedOut)
            let prefix = copy.path + ":"
            var systemd: [Line] = []
            for line in verify.stderrLines + verify.stdoutLines where line.hasPrefix(prefix) {
                let rest = line.dropFirst(prefix.count)
                guard let colon = rest.firstIndex(of: ":"), let n = Int(rest[..<colon]),
                    rest[rest.index(after: colon)...].hasPrefix(" ")
                else { continue }
                systemd.append(Line(line: n, message: String(rest[rest.index(colon, offsetBy: 2)...])))
            }
            let loaded = !(verify.stderr + verify.stdout).contains("failed to load properly")
            let r = try Support.seccompose(["check", "--systemd", "252", "--format", "json", "./" + name], in: dir)
            let j = try Support.decode(CheckJSON.self, from: r)
            // systemd reports a continued line where it ends; our findings are at the word's physical line.
            let reported = systemdReportedLines(of: String(decoding: text, as: UTF8.self))
            let ours = j.units.flatMap(\.findings).filter(\.isSystemdMessage).map {
                Line(line: reported[$0.line] ?? $0.line, message: $0.message)
            }
            return (loaded, systemd.sorted(), ours.sorted(), verify)
        }
    }

    /// Multiset difference a − b.
    static func difference(_ a: [Line], _ b: [Line]) -> [Line] {
        var rest = b
        var out: [Line] = []
        for x in a {
            if let i = rest.firstIndex(of: x) { rest.remove(at: i) } else { out.append(x) }
        }
        return out
    }

    @Test("every FILE:LINE: warning of systemd-analyze verify is a finding marked isSystemdMessage, and vice versa",
        arguments: differentialFiles)
    func verifyDifferential(path: String) throws {
        let o = try Self.compare(path)
        if path.hasSuffix("/bad-section.service") {
            #expect(!o.loaded, "systemd should refuse to load it:\n\(o.verify)")
            #expect(o.systemd.contains(Line(line: 6, message: "Invalid section header '[Service'")), "\(o.verify)")
            return
        }
        #expect(o.loaded, "systemd cannot load this example on its own:\n\(o.verify)")
        #expect(Self.difference(o.systemd, o.ours).isEmpty,
            "printed by systemd-analyze verify but not among check's systemd findings: \(Self.difference(o.systemd, o.ours))\n\(o.verify)")
        #expect(Self.difference(o.ours, o.systemd).isEmpty,
            "check attributes these to systemd, but systemd-analyze verify does not print them: \(Self.difference(o.ours, o.systemd))\n\(o.verify)")
    }

    @Test("the differential covers examples where systemd does warn")
    func differentialHasSubstance() throws {
        var total = 0
        for path in ["units-examples/mistakes.service", "units-examples/bad-errno.service", "units-examples/crlf.service",
            "units-examples/continuation.service", "units-examples/misspelled-key.service"]
        {
            let o = try Self.compare(path)
            #expect(!o.systemd.isEmpty, "systemd printed no FILE:LINE warning for \(path):\n\(o.verify)")
            total += o.systemd.count
        }
        #expect(total >= 20)
    }

    @Test("argument findings: what systemd's libseccomp filter already refuses is not reported; the upper-half hole is")
    func argumentFindings() throws {
        try Support.withTemporaryDirectory { dir in
            // ~socket: libseccomp refuses socketcall(SYS_SOCKET) on i386 too, so no multiplexer finding.
            let plain = dir.appendingPathComponent("plain.service")
            try Data("[Service]\nExecStart=/bin/true\nSystemCallFilter=~socket\nRestrictNamespaces=yes\n".utf8).write(to: plain)
            let r = try Self.check(["--systemd", "252", "--format", "json", plain.path])
            #expect(r.status == 1, "deny-list and no-native-only are warnings: \(r)")
            #expect(!r.stdout.contains("\"multiplexer\"") && !r.stdout.contains("\"abi-coverage\""), "\(r.stdout)")
            // setns's nstype compared on 64 bits by systemd 252: reported at the directive's value.
            let holes = dir.appendingPathComponent("holes.service")
            try Data("[Service]\nExecStart=/bin/true\nSystemCallArchitectures=native\nRestrictNamespaces=~user net\n".utf8).write(to: holes)
            let h = try Self.check(["--systemd", "252", holes.path])
            #expect(h.stdout.contains("holes.service:4:20: warning: RestrictNamespaces=: systemd 252's filter compares bits of setns()'s argument 1"), "\(h.stdout)")
            #expect(!h.stdout.contains("[multiplexer]") && !h.stdout.contains("[abi-coverage]"), "native only: \(h.stdout)")
            // The systemd 262 deny-list form compares the low 32 bits already: no hole to report.
            let h262 = try Self.check(["--systemd", "262", holes.path])
            #expect(!h262.stdout.contains("warning: RestrictNamespaces=: systemd 262's filter compares bits"), "\(h262.stdout)")
        }
    }
}
