// ReadmeExamplesTests.swift: the README's examples run, and their printed output is what the
// README shows, so its numbers cannot go stale.
//
// In a ```sh block, `$ COMMAND` is an example whose following lines (up to the next `$` or the
// block's end) are its output, stdout and stderr as a terminal shows them; a line `…` stands for
// any number of lines, `…` within a line for any text. A block without `$` lines lists
// commands: each `seccompose …` line must run with exit status 0 or 1.

import Foundation
import Testing

@Suite("README examples")
struct ReadmeExamplesTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var line: Int
        var command: String
        /// The output shown, or nil for a command listed without output.
        var output: [String]?
        var testDescription: String { "README.md:\(line): \(command)" }
    }

    static let examples: [Example] = {
        guard let text = try? String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8) else { return [] }
        var out: [Example] = []
        var inBlock = false
        var block: [(Int, String)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if inBlock {
                    out += parse(block)
                    block = []
                }
                inBlock = line == "```sh" ? true : (inBlock ? false : false)
                if line != "```sh" { inBlock = false }
                continue
            }
            if inBlock { block.append((i + 1, String(line))) }
        }
        return out
    }()

    static func parse(_ block: [(Int, String)]) -> [Example] {
        var out: [Example] = []
        if block.contains(where: { $0.1.hasPrefix("$ ") }) {
            for (n, line) in block {
                if line.hasPrefix("$ ") {
                    out.append(Example(line: n, command: String(line.dropFirst(2)), output: []))
                } else if !out.isEmpty {
                    out[out.count - 1].output?.append(line)
                }
            }
        } else {
            for (n, line) in block where line.hasPrefix("seccompose ") {
                // A trailing `# comment` is the README's, not the shell's business.
                let command = line.range(of: "  #").map { String(line[..<$0.lowerBound]) } ?? line
                out.append(Example(line: n, command: command.trimmingCharacters(in: .whitespaces), output: nil))
            }
        }
        return out
    }

    /// Whether `actual` matches `expected` line by line, `…` lines and `…` within lines as wildcards.
    static func matches(_ expected: ArraySlice<String>, _ actual: ArraySlice<String>) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "…" {
            for skip in 0...actual.count where matches(expected.dropFirst(), actual.dropFirst(skip)) { return true }
            return false
        }
        guard let line = actual.first, lineMatches(first, line) else { return false }
        return matches(expected.dropFirst(), actual.dropFirst())
    }

    static func lineMatches(_ pattern: String, _ line: String) -> Bool {
        let parts = pattern.components(separatedBy: "…")
        let regex = "^" + parts.map(NSRegularExpression.escapedPattern(for:)).joined(separator: ".*") + "$"
        return line.range(of: regex, options: .regularExpression) != nil
    }

    @Test("the README has examples with output")
    func examplesFound() {
        #expect(Self.examples.filter { $0.output != nil }.count >= 10, "\(Self.examples)")
    }

    @Test("each README example runs and prints what the README shows", arguments: examples)
    func example(_ e: Example) throws {
        let binary = try Support.seccompose()
        let bin = URL(fileURLWithPath: binary).deletingLastPathComponent().path
        try Support.withTemporaryDirectory { dir in
            // The README's relative paths, in a directory of its own (examples may write files).
            for entry in ["units-examples", "Tests"] {
                try FileManager.default.createSymbolicLink(atPath: dir.path + "/" + entry, withDestinationPath: repositoryRoot + "/" + entry)
            }
            let r = try Support.run("/bin/sh", ["-c", "PATH=\(Support.shellQuote(bin)):$PATH; cd \"$0\" && { \(e.command); } 2>&1",
                dir.path], timeout: 120)
            #expect(!r.timedOut, "\(r)")
            guard let output = e.output else {
                #expect(r.status == 0 || r.status == 1, "README.md:\(e.line): \(r)")
                return
            }
            var actual = r.stdoutLines
            while actual.last == "" { actual.removeLast() }
            var expected = output
            while expected.last == "" { expected.removeLast() }
            #expect(!expected.isEmpty, "README.md:\(e.line): show the output of \(e.command)")
            #expect(Self.matches(expected[...], actual[...]),
                "README.md:\(e.line): the output differs from the README's:\n--- README\n\(expected.joined(separator: "\n"))\n--- actual\n\(actual.joined(separator: "\n"))")
        }
    }
}
