// The DocC articles' code, compiled and run here: each ```swift block of GettingStarted.md must
// appear verbatim in this file (between the SNIPPET markers), so the article cannot drift from
// code that compiles.

import Foundation
import SeccomposeCompiler
import SeccomposeInput
import SeccomposeLaunch
import SeccomposeSets
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

@Suite("DocC: the getting-started article's code compiles and runs", .serialized)
struct DocumentationTests {
    static let article = repositoryRoot + "/Sources/SeccomposeLaunch/SeccomposeLaunch.docc/GettingStarted.md"

    @Test("the article's snippets run")
    func snippets() throws {
        // SNIPPET BEGIN
        var request = FilterRequest(context: try SystemdContext(version: .v252))
        request.filters = ["@system-service", "~@privileged:EPERM"]
        request.architectures = ["native"]
        let compiled = try request.compile()
        print(compiled.program.instructions.count, "instructions")
        for diagnostic in compiled.built.diagnostics { print(diagnostic) }
        // SNIPPET END
        #expect(compiled.program.instructions.count > 20)
        // SNIPPET BEGIN
        var launch = CommandLaunch(request: request, argv: ["/bin/sh", "-c", "exit 3"])
        launch.strictness = LaunchStrictness(lenient: false)
        let report = try launch.prepare().run(forwardSignals: false)
        print(report.exitStatus)           // 3
        for violation in report.violations { print(violation) }
        // SNIPPET END
        #expect(report.exitStatus.rawValue == 3)
        try Support.withTemporaryDirectory { dir in
            let unitPath = dir.appendingPathComponent("hello.service").path
            try Support.write("[Service]\nExecStart=/usr/bin/uname\nSystemCallFilter=@system-service\n",
                to: URL(fileURLWithPath: unitPath))
            // SNIPPET BEGIN
            var unit = try UnitLaunch(unitAt: unitPath, systemd: .v252)
            unit.request.filters = ["~uname"]  // one more SystemCallFilter= line
            let prepared = try unit.prepare()  // throws LaunchFailure (228): nothing runs
            for notice in prepared.notices { print("not applied:", notice) }
            let outcome = prepared.run()
            for violation in outcome.violations { print(violation.name ?? "?", violation.reason) }
            // SNIPPET END
            #expect(outcome.violations.first?.name == "uname", "\(outcome)")
        }
    }

    @Test("every swift block of the article is one of the snippets above")
    func inSync() throws {
        let article = try String(contentsOfFile: Self.article, encoding: .utf8)
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        func normalized(_ lines: [Substring]) -> String {
            lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
        }
        var snippets: [String] = []
        var current: [Substring]?
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t == "// SNIPPET BEGIN" { current = [] } else if t == "// SNIPPET END" {
                snippets.append(normalized(current ?? []))
                current = nil
            } else if current != nil { current?.append(line) }
        }
        var blocks: [String] = []
        current = nil
        for line in article.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```swift") { current = [] } else if line.hasPrefix("```"), let c = current {
                blocks.append(normalized(c))
                current = nil
            } else if current != nil { current?.append(line) }
        }
        #expect(blocks.count == 3)
        for block in blocks { #expect(snippets.contains(block), "not compiled by this test:\n\(block)") }
    }
}
