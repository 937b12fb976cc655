// ManPageTests.swift: the man pages in docs/man/ are what the ArgumentParser definitions give
// (scripts/gen-man-pages.py), their exit-status table is --help's, and the shell completions
// install and complete.

import Foundation
import Testing

@Suite("man pages and shell completions")
struct ManPageTests {
    @Test("docs/man/ is fresh: regenerate with scripts/gen-man-pages.py --binary .build/debug/seccompose")
    func fresh() throws {
        let binary = try Support.seccompose()
        let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec python3 scripts/gen-man-pages.py --binary \"$1\" --check",
            repositoryRoot, binary])
        #expect(r.status == 0, "\(r)")
        let pages = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/docs/man")
        let help = try Support.seccompose(["--help"])
        for name in DiagnosticsTests.subcommands(inRootHelp: help.stdout) {
            #expect(pages.contains("seccompose-\(name).1"), "no man page for \(name)")
        }
    }

    @Test("the man page's EXIT STATUS is the table of --help, line for line")
    func exitStatus() throws {
        let page = try String(contentsOfFile: repositoryRoot + "/docs/man/seccompose.1", encoding: .utf8)
        let section = try #require(page.range(of: ".SH EXIT STATUS\n.nf\n"), "no EXIT STATUS section")
        let end = try #require(page[section.upperBound...].range(of: "\n.fi"))
        let lines = page[section.upperBound..<end.lowerBound].replacingOccurrences(of: "\\-", with: "-")
            .replacingOccurrences(of: "\\e", with: "\\")
        let help = try Support.seccompose(["--help"])
        let table = try #require(ConventionsTests.exitStatusTable(in: help.stdout))
        #expect("Exit status:\n" + lines + "\n" == table)
    }

    @Test("scripts/install-completions-and-man.sh installs bash, zsh and fish completions and the man pages; bash completes")
    func completions() throws {
        let binary = try Support.seccompose()
        try Support.withTemporaryDirectory { dir in
            let r = try Support.run("/usr/bin/env", ["DESTDIR=" + dir.path, "PREFIX=/usr",
                repositoryRoot + "/scripts/install-completions-and-man.sh", binary])
            #expect(r.status == 0, "\(r)")
            let share = dir.path + "/usr/share"
            for file in ["bash-completion/completions/seccompose", "zsh/site-functions/_seccompose",
                "fish/vendor_completions.d/seccompose.fish", "man/man1/seccompose.1", "man/man1/seccompose-check.1"]
            {
                let data = FileManager.default.contents(atPath: share + "/" + file)
                #expect(data.map { String(decoding: $0, as: UTF8.self).contains("seccompose") } == true, "\(file)")
            }
            // The bash completion really completes a subcommand and an option.
            let bash = share + "/bash-completion/completions/seccompose"
            func complete(_ line: String) throws -> String {
                let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                let script = "source \(Support.shellQuote(bash)); COMP_WORDS=(\(words.map(Support.shellQuote).joined(separator: " "))); "
                    + "COMP_CWORD=\(words.count - 1); COMP_LINE=\(Support.shellQuote(line)); COMP_POINT=\(line.utf8.count); "
                    + "_seccompose; printf '%s\\n' \"${COMPREPLY[@]}\""
                return try Support.run("/bin/bash", ["-c", script]).stdout
            }
            let help = try Support.seccompose(["--help"])
            #expect(Set(try complete("seccompose ").split(separator: "\n").map(String.init))
                == Set(DiagnosticsTests.subcommands(inRootHelp: help.stdout) + ["help", "--version", "-h", "--help"]))
        }
        let missing = try Support.run(repositoryRoot + "/scripts/install-completions-and-man.sh", ["/nonexistent/seccompose"])
        #expect(missing.status == 2 && missing.stderr.contains("no seccompose binary"), "\(missing)")
    }
}
