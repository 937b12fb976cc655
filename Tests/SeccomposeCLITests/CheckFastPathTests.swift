// CheckFastPathTests.swift: `check [--systemd V] UNIT…` is read by a hand-written fast path before
// ArgumentParser; SECCOMPOSE_NO_FAST_PATH=1 sends the same command line through ArgumentParser.
// Both must print the same and exit alike.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("check's fast path and the full parser agree")
struct CheckFastPathTests {
    @Test("status, stdout and stderr are the same on both paths, for clean, warned, unreadable and many units, and near-shapes")
    func sameOutcomes() throws {
        let seccompose = try Support.seccompose()
        let root = URL(fileURLWithPath: SeccomposeTestSupport.repositoryRoot)
        let cases: [([String], Int32)] = [
            (["check", "--systemd", "252", "units-examples/clean-daemon.service"], 0),
            (["check", "--systemd", "252", "units-examples/mistakes.service"], 1),
            (["check", "--systemd", "262", "units-examples/every-directive.service", "units-examples/crlf.service",
                "units-examples/unknown-group.service"], 1),
            (["check", "units-examples/argument-widths.service"], 1),
            (["check", "--systemd", "252", "units-examples/no-such.service", "units-examples/clean-daemon.service"], 2),
            (["check", "no-such-unit-\(getpid()).service"], 2),
            // Near-shapes the fast path leaves to ArgumentParser.
            (["check", "--systemd", "999", "units-examples/clean-daemon.service"], 64),
            (["check", "--systemd=252", "units-examples/clean-daemon.service"], 0),
            (["check", "--strict", "units-examples/clean-daemon.service"], 1),
            (["check", "units-examples/mistakes.service", "--format", "json"], 1),
            (["check", "--systemd", "252"], 64),
            (["check"], 64),
        ]
        for (arguments, status) in cases { try BothParsers.expectSame(seccompose, arguments, in: root, status: status) }
    }
}
