// FoundationFreeTests.swift: the shipped executable links FoundationEssentials only. Foundation
// proper (CoreFoundation, ICU) doubled the binary and cost about a millisecond of relocations and
// page faults on every `run` (docs/launch-performance.md); one `import Foundation` in a module the
// executable links brings all of it back, with no test failing otherwise.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("the executable's modules import FoundationEssentials, never Foundation")
struct FoundationFreeTests {
    /// Targets that are not linked into `seccompose` (benchmarks may use all of Foundation).
    static let exempt: Set<String> = ["seccompose-scale-bench"]

    @Test("no `import Foundation` under Sources/ outside the exempt targets")
    func noFoundationImports() throws {
        let sources = repositoryRoot + "/Sources"
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: sources) else {
            Issue.record("cannot list \(sources)")
            return
        }
        var offenders: [String] = []
        var checked = 0
        for case let path as String in walker where path.hasSuffix(".swift") {
            let target = String(path.split(separator: "/").first ?? "")
            if Self.exempt.contains(target) { continue }
            checked += 1
            let text = try String(contentsOfFile: sources + "/" + path, encoding: .utf8)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.trimmingCharacters(in: .whitespaces).range(of: #"^(@[a-zA-Z_]+ +)*(public |internal |package )?import +Foundation *$"#, options: .regularExpression) != nil {
                offenders.append("Sources/\(path):\(i + 1): \(line)")
            }
        }
        #expect(checked > 100, "walked \(checked) Swift files")
        #expect(offenders.isEmpty, "import FoundationEssentials (and Glibc for POSIX calls) instead:\n\(offenders.joined(separator: "\n"))")
    }
}
