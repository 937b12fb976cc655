// Command lines run twice, once as they are and once with SECCOMPOSE_NO_FAST_PATH=1 (which sends
// them through the root's ArgumentParser parser): the hand-written fast paths and the
// subcommands' own parsers must give the same status, stdout and stderr.

import Foundation
import SeccomposeTestSupport
import Testing

enum BothParsers {
    /// Runs `arguments` both ways in `directory` and expects `status` and the same results.
    static func expectSame(_ seccompose: String, _ arguments: [String], in directory: URL, status: Int32) throws {
        let own = try Support.run(seccompose, arguments, in: directory)
        let full = try Support.run("/usr/bin/env", ["SECCOMPOSE_NO_FAST_PATH=1", seccompose] + arguments, in: directory)
        #expect(own.status == status, "\(arguments): \(own)")
        #expect(full.status == own.status, "\(arguments): own \(own)\nroot \(full)")
        #expect(full.stdout == own.stdout, "\(arguments): own \(own.stdout)\nroot \(full.stdout)")
        #expect(full.stderr == own.stderr, "\(arguments): own \(own.stderr)\nroot \(full.stderr)")
    }
}
